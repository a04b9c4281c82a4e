package render

// The default theme's post pages, list pages, year archives and entry
// cards, written out in Go.
//
// html/template spends most of its time in reflection: about 100 µs for
// a post page and 40 µs for a card, which on a site of 10,000 posts is
// the larger part of a full build's CPU. When a site uses the default
// theme's templates unchanged, the Renderer writes these with the
// functions here instead: the same bytes, escaped the way html/template
// escapes each spot of these templates (TestNativeMatchesTemplates and
// FuzzNative compare both ways of rendering). A site that overrides any
// template file gets html/template for every page.
//
// The rest of the pages (the tags page, 404, search, pages) are few,
// and the fragments every page shares (header, footer, head links,
// byline) are rendered once by their templates through fragment.

import (
	"bytes"
	"io/fs"
	"strconv"
	"strings"

	"inkstone/generator/content"
	"inkstone/generator/site"
)

// defaultTemplates reports whether the templates/ folder of fsys holds
// exactly the files of the default theme's, byte for byte.
func defaultTemplates(fsys, def fs.FS) bool {
	files := func(fsys fs.FS) map[string][]byte {
		m := map[string][]byte{}
		err := fs.WalkDir(fsys, "templates", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			m[p] = data
			return err
		})
		if err != nil {
			return nil
		}
		return m
	}
	mine, theirs := files(fsys), files(def)
	if mine == nil || theirs == nil || len(mine) != len(theirs) {
		return false
	}
	for p, data := range theirs {
		if other, ok := mine[p]; !ok || !bytes.Equal(data, other) {
			return false
		}
	}
	return true
}

// nativePage writes the page p, which prepare has filled in, as
// base.html with the page template set ("post", "list" or "year") does.
func (r *Renderer) nativePage(b *bytes.Buffer, set string, p *Page) error {
	s := p.Site
	b.WriteString("<!doctype html>\n<html lang=\"")
	if s.Language != "" {
		escape(b, s.Language)
	} else {
		b.WriteString("en")
	}
	b.WriteString("\">\n<head>\n")
	if err := r.nativeHeadMeta(b, set, p); err != nil {
		return err
	}
	if e := p.Entry; e != nil && set == "post" {
		nativePostHead(b, e)
	}
	b.WriteString("</head>\n<body class=\"kind-")
	escape(b, p.Kind)
	b.WriteString("\">\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n")
	if err := r.writeFragment(b, set, "site-header", p.NavURL, p); err != nil {
		return err
	}
	b.WriteString("\n<main id=\"main\">\n")
	switch {
	case set == "list":
		nativeListMain(b, p)
	case set == "year":
		nativeYearMain(b, p)
	case p.Entry != nil:
		if err := r.nativePostMain(b, p, p.Entry); err != nil {
			return err
		}
	}
	b.WriteString("</main>\n")
	if err := r.writeFragment(b, set, "site-footer", p.Kind, p); err != nil {
		return err
	}
	b.WriteString("\n</body>\n</html>\n")
	return nil
}

// nativePostHead is post.html's "head".
func nativePostHead(b *bytes.Buffer, e *site.Entry) {
	b.WriteString(`<meta property="article:published_time" content="`)
	escape(b, e.PublishedISO)
	b.WriteString("\">\n")
	if e.UpdatedISO != "" {
		b.WriteString(`<meta property="article:modified_time" content="`)
		escape(b, e.UpdatedISO)
		b.WriteString("\">\n")
	}
	for _, t := range e.Tags {
		b.WriteString(`<meta property="article:tag" content="`)
		escape(b, t.Name)
		b.WriteString("\">\n")
	}
	if !e.Listed {
		b.WriteString("<meta name=\"robots\" content=\"noindex\">\n")
	}
}

// nativeYearMain is year.html's "main": a year's posts, then links to
// every year.
func nativeYearMain(b *bytes.Buffer, p *Page) {
	if y := p.Year; y != nil {
		b.WriteString("<h1>Posts from ")
		b.WriteString(strconv.Itoa(y.Year))
		b.WriteString("</h1>\n<p class=\"archive-count\">")
		b.WriteString(strconv.Itoa(len(y.Posts)))
		if len(y.Posts) == 1 {
			b.WriteString(" post</p>\n<ol class=\"archive\">\n")
		} else {
			b.WriteString(" posts</p>\n<ol class=\"archive\">\n")
		}
		for _, e := range y.Posts {
			b.WriteString("<li class=\"archive-")
			escape(b, string(e.Type))
			b.WriteString("\"><time datetime=\"")
			escape(b, e.PublishedISO)
			b.WriteString("\">")
			escape(b, e.PublishedText)
			b.WriteString("</time> <a href=\"")
			escapeURL(b, e.URL)
			b.WriteString("\">")
			escape(b, e.Label)
			b.WriteString("</a></li>\n")
		}
		b.WriteString("</ol>\n")
	}
	if ys := p.Site.Years; len(ys) > 0 {
		b.WriteString("<nav class=\"years\" aria-labelledby=\"years-heading\">\n<h2 id=\"years-heading\">Archive by year</h2>\n<ul>\n")
		for _, y := range ys {
			b.WriteString("<li><a href=\"")
			escapeURL(b, y.URL)
			b.WriteString("\"")
			if p.Year != nil && y.Year == p.Year.Year {
				b.WriteString(" aria-current=\"page\"")
			}
			b.WriteString(">")
			b.WriteString(strconv.Itoa(y.Year))
			b.WriteString("</a></li>\n")
		}
		b.WriteString("</ul>\n</nav>\n")
	}
}

// nativeListMain is list.html's "main", for the home pages and the tag
// pages: the entries' cards must be rendered already.
func nativeListMain(b *bytes.Buffer, p *Page) {
	b.WriteString("<div class=\"h-feed\">\n<header class=\"feed-header\">\n")
	if p.Kind == "tag" {
		b.WriteString("<h1 class=\"p-name\"><span class=\"feed-kicker\">Tagged:</span> ")
		if p.Tag != nil {
			escape(b, p.Tag.Name)
		}
		b.WriteString("</h1>\n<p class=\"feed-meta\">")
		if (p.Pager == nil || p.Pager.Page == 0) && p.Tag != nil {
			n := len(p.Tag.Posts)
			b.WriteString(strconv.Itoa(n))
			if n == 1 {
				b.WriteString(" post · ")
			} else {
				b.WriteString(" posts · ")
			}
		}
		b.WriteString("<a href=\"/tags/\">All tags</a></p>")
	} else {
		b.WriteString("<h1 class=\"p-name\">")
		escape(b, p.Site.Title)
		b.WriteString("</h1>")
		if d := p.Site.Description; d != "" {
			b.WriteString("\n<p class=\"p-summary feed-description\">")
			escape(b, d)
			b.WriteString("</p>")
		}
	}
	b.WriteString("\n<data class=\"u-url\" value=\"")
	escape(b, p.Canonical)
	b.WriteString("\"></data>\n</header>\n")
	for _, e := range p.Entries {
		b.WriteString(string(e.Card))
	}
	if len(p.Entries) == 0 {
		b.WriteString("<p class=\"empty\">Nothing has been published here yet.</p>\n")
	}
	b.WriteString("</div>\n")
	if pg := p.Pager; pg != nil && (pg.PrevURL != "" || pg.NextURL != "") {
		b.WriteString("<nav class=\"pager\" aria-label=\"Pagination\">\n")
		if pg.PrevURL != "" {
			b.WriteString("<a href=\"")
			escapeURL(b, pg.PrevURL)
			b.WriteString("\" rel=\"prev\"><span aria-hidden=\"true\">←</span> Newer posts</a>\n")
		}
		if pg.Page != 0 {
			b.WriteString("<span class=\"pager-status\">Page ")
			b.WriteString(strconv.Itoa(pg.Page))
			b.WriteString("</span>\n")
		}
		if pg.NextURL != "" {
			b.WriteString("<a href=\"")
			escapeURL(b, pg.NextURL)
			b.WriteString("\" rel=\"next\">Older posts <span aria-hidden=\"true\">→</span></a>\n")
		}
		b.WriteString("</nav>\n")
	}
}

// nativeHeadMeta is the "head-meta" template.
func (r *Renderer) nativeHeadMeta(b *bytes.Buffer, set string, p *Page) error {
	b.WriteString("<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	escape(b, p.DocTitle)
	b.WriteString("</title>\n<meta name=\"description\" content=\"")
	escape(b, p.MetaDescription)
	b.WriteString("\">\n<link rel=\"canonical\" href=\"")
	escapeURL(b, p.Canonical)
	b.WriteString("\">\n")
	if err := r.writeFragment(b, set, "head-links", "", p); err != nil {
		return err
	}
	b.WriteString("<meta property=\"og:title\" content=\"")
	escape(b, p.OGTitle)
	b.WriteString("\">\n<meta property=\"og:type\" content=\"")
	if p.Kind == "post" {
		b.WriteString("article")
	} else {
		b.WriteString("website")
	}
	b.WriteString("\">\n<meta property=\"og:url\" content=\"")
	escape(b, p.Canonical)
	b.WriteString("\">\n<meta property=\"og:description\" content=\"")
	escape(b, p.MetaDescription)
	b.WriteString("\">\n<meta property=\"og:site_name\" content=\"")
	escape(b, p.Site.Title)
	b.WriteString("\">\n")
	if p.Image != "" {
		b.WriteString("<meta property=\"og:image\" content=\"")
		escape(b, p.Image)
		b.WriteString("\">\n<meta name=\"twitter:card\" content=\"summary_large_image\">\n")
	} else {
		b.WriteString("<meta name=\"twitter:card\" content=\"summary\">\n")
	}
	if g := p.Site.Generator; g != "" {
		b.WriteString("<meta name=\"generator\" content=\"")
		escape(b, g)
		b.WriteString("\">\n")
	}
	return nil
}

// nativePostMain is post.html's "main" for the page's entry e.
func (r *Renderer) nativePostMain(b *bytes.Buffer, p *Page, e *site.Entry) error {
	b.WriteString("<article class=\"h-entry post post-")
	escape(b, string(e.Type))
	b.WriteString("\">\n<header class=\"post-header\">\n")
	if e.Post.Title != "" {
		b.WriteString("<h1 class=\"p-name\">")
		escape(b, e.Post.Title)
		b.WriteString("</h1>")
	} else {
		b.WriteString("<h1 class=\"visually-hidden\">")
		escape(b, e.TypeLabel)
		b.WriteString(", ")
		escape(b, e.PublishedText)
		b.WriteString("</h1>")
	}
	b.WriteString("\n<p class=\"post-meta\">\nBy ")
	if err := r.writeFragment(b, "post", "author-byline", "", p); err != nil {
		return err
	}
	b.WriteString("\n<span aria-hidden=\"true\">·</span> <a class=\"u-url\" href=\"")
	escapeURL(b, e.Permalink)
	b.WriteString("\"><time class=\"dt-published\" datetime=\"")
	escape(b, e.PublishedISO)
	b.WriteString("\">")
	escape(b, e.PublishedText)
	b.WriteString("</time></a>")
	if e.UpdatedISO != "" {
		b.WriteString(" <span class=\"updated\">(updated <time class=\"dt-updated\" datetime=\"")
		escape(b, e.UpdatedISO)
		b.WriteString("\">")
		escape(b, e.UpdatedText)
		b.WriteString("</time>)</span>")
	}
	if l := e.Post.Location; l != "" {
		b.WriteString(" <span aria-hidden=\"true\">·</span> <span class=\"p-location\">")
		escape(b, l)
		b.WriteString("</span>")
	}
	if e.Post.Draft {
		b.WriteString(" <span class=\"badge\">Draft</span>")
	}
	if e.Post.Visibility == content.Unlisted {
		b.WriteString(" <span class=\"badge\">Unlisted</span>")
	}
	b.WriteString("\n</p>\n</header>\n")
	nativeContext(b, e.Post)
	nativePhotoGrid(b, e.Photos)
	nativeMedia(b, "video", e.Post.Video)
	nativeMedia(b, "audio", e.Post.Audio)
	if e.HTML != "" {
		b.WriteString("<div class=\"e-content\">")
		b.WriteString(string(e.HTML))
		b.WriteString("</div>\n")
	}
	if len(e.Tags) > 0 || len(e.Post.Syndication) > 0 {
		b.WriteString("<footer class=\"post-footer\">")
		nativeTags(b, e.Tags)
		b.WriteString("\n")
		if syn := e.Post.Syndication; len(syn) > 0 {
			b.WriteString("<p class=\"syndication\">Also on ")
			for i, u := range syn {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("<a class=\"u-syndication\" rel=\"syndication\" href=\"")
				escapeURL(b, u)
				b.WriteString("\">")
				escape(b, site.Host(u))
				b.WriteString("</a>")
			}
			b.WriteString("</p>\n")
		}
		b.WriteString("</footer>\n")
	}
	b.WriteString("</article>\n")
	if e.Prev != nil || e.Next != nil {
		b.WriteString("<nav class=\"post-nav\" aria-label=\"Older and newer posts\">\n")
		if o := e.Prev; o != nil {
			b.WriteString("<a class=\"post-nav-prev\" href=\"")
			escapeURL(b, o.URL)
			b.WriteString("\" rel=\"prev\"><span class=\"post-nav-dir\"><span aria-hidden=\"true\">←</span> Older</span> <span class=\"post-nav-title\">")
			escape(b, o.Label)
			b.WriteString("</span></a>\n")
		}
		if n := e.Next; n != nil {
			b.WriteString("<a class=\"post-nav-next\" href=\"")
			escapeURL(b, n.URL)
			b.WriteString("\" rel=\"next\"><span class=\"post-nav-dir\">Newer <span aria-hidden=\"true\">→</span></span> <span class=\"post-nav-title\">")
			escape(b, n.Label)
			b.WriteString("</span></a>\n")
		}
		b.WriteString("</nav>\n")
	}
	return nil
}

// nativeCard is the "entry-card" template.
func (r *Renderer) nativeCard(b *bytes.Buffer, c *Card) error {
	e := c.Entry
	if e == nil {
		return nil
	}
	url := e.Permalink
	b.WriteString("<article class=\"h-entry entry entry-")
	escape(b, string(e.Type))
	b.WriteString("\">\n")
	if e.Post.Title != "" {
		b.WriteString("<h2 class=\"p-name entry-title\"><a href=\"")
		escapeURL(b, url)
		b.WriteString("\">")
		escape(b, e.Post.Title)
		b.WriteString("</a></h2>\n")
	} else {
		b.WriteString("<h2 class=\"visually-hidden\">")
		escape(b, e.TypeLabel)
		b.WriteString(", ")
		escape(b, e.PublishedText)
		b.WriteString("</h2>\n")
	}
	nativeContext(b, e.Post)
	if e.Type == content.TypeArticle {
		if e.Summary != "" {
			b.WriteString("<p class=\"p-summary\">")
			escape(b, e.Summary)
			b.WriteString("</p>\n")
		}
		b.WriteString("<p class=\"read-more\"><a href=\"")
		escapeURL(b, url)
		b.WriteString("\">Read more")
		if t := e.Post.Title; t != "" {
			b.WriteString("<span class=\"visually-hidden\">: ")
			escape(b, t)
			b.WriteString("</span>")
		}
		b.WriteString(" <span aria-hidden=\"true\">→</span></a></p>\n")
	} else {
		if ps := e.Photos; len(ps) > 0 {
			nativePhotoCard(b, ps[0])
			if len(ps) > 1 {
				b.WriteString("<p class=\"more-photos\"><a href=\"")
				escapeURL(b, url)
				b.WriteString("\">See all ")
				b.WriteString(strconv.Itoa(len(ps)))
				b.WriteString(" photos <span aria-hidden=\"true\">→</span></a></p>\n")
			}
		}
		nativeMedia(b, "video", e.Post.Video)
		nativeMedia(b, "audio", e.Post.Audio)
		if e.HTML != "" {
			b.WriteString("<div class=\"e-content\">")
			b.WriteString(string(e.HTML))
			b.WriteString("</div>\n")
		}
	}
	b.WriteString("<footer class=\"entry-footer\">\n")
	if err := r.writeFragment(b, "list", "author-byline", "", c); err != nil {
		return err
	}
	b.WriteString(" <span aria-hidden=\"true\">·</span> <a class=\"u-url\" href=\"")
	escapeURL(b, url)
	b.WriteString("\"><time class=\"dt-published\" datetime=\"")
	escape(b, e.PublishedISO)
	b.WriteString("\">")
	escape(b, e.PublishedText)
	b.WriteString("</time></a>")
	nativeTags(b, e.Tags)
	b.WriteString("\n</footer>\n</article>\n")
	return nil
}

// nativeContext is the "entry-context" template.
func nativeContext(b *bytes.Buffer, p *content.Post) {
	contextLine(b, p.InReplyTo, "context-reply", "↩", "In reply to", "u-in-reply-to")
	contextLine(b, p.LikeOf, "context-like", "♥", "Liked", "u-like-of")
	contextLine(b, p.RepostOf, "context-repost", "⟳", "Reposted", "u-repost-of")
	contextLine(b, p.BookmarkOf, "context-bookmark", "★", "Bookmarked", "u-bookmark-of")
}

// contextLine is one line of it, for the URL u.
func contextLine(b *bytes.Buffer, u, class, icon, verb, link string) {
	if u == "" {
		return
	}
	b.WriteString("<p class=\"context ")
	b.WriteString(class)
	b.WriteString("\"><span class=\"context-icon\" aria-hidden=\"true\">")
	b.WriteString(icon)
	b.WriteString("</span> ")
	b.WriteString(verb)
	b.WriteString(" <a class=\"")
	b.WriteString(link)
	b.WriteString("\" href=\"")
	escapeURL(b, u)
	b.WriteString("\" title=\"")
	escape(b, u)
	b.WriteString("\">")
	escape(b, site.Host(u))
	b.WriteString("</a></p>\n")
}

// nativePhotoGrid is the "photo-grid" template.
func nativePhotoGrid(b *bytes.Buffer, ps []site.Photo) {
	if len(ps) == 0 {
		return
	}
	sizes := "(min-width: 44.5rem) 21rem, calc(50vw - 1.5rem)"
	if len(ps) == 1 {
		sizes = "(min-width: 44.5rem) 42rem, calc(100vw - 2.5rem)"
	}
	b.WriteString("<div class=\"photos photos-")
	b.WriteString(strconv.Itoa(len(ps)))
	b.WriteString("\">\n")
	for i, p := range ps {
		b.WriteString("<img class=\"u-photo\" src=\"")
		escapeURL(b, p.URL)
		b.WriteString("\" alt=\"")
		escape(b, p.Alt)
		b.WriteString("\"")
		if p.SrcSet != "" {
			b.WriteString(" srcset=\"")
			escapeSrcset(b, p.SrcSet)
			b.WriteString("\" sizes=\"")
			b.WriteString(sizes)
			b.WriteString("\"")
		}
		writeSize(b, p)
		if i > 0 {
			b.WriteString(" loading=\"lazy\"")
		}
		b.WriteString(" decoding=\"async\">\n")
	}
	b.WriteString("</div>\n")
}

// nativePhotoCard is the "photo-card" template for the first photo p.
func nativePhotoCard(b *bytes.Buffer, p site.Photo) {
	b.WriteString("<div class=\"photos photos-1\"><img class=\"u-photo\" src=\"")
	escapeURL(b, p.URL)
	b.WriteString("\" alt=\"")
	escape(b, p.Alt)
	b.WriteString("\"")
	if p.SrcSet != "" {
		b.WriteString(" srcset=\"")
		escapeSrcset(b, p.SrcSet)
		b.WriteString("\" sizes=\"(min-width: 44.5rem) 42rem, calc(100vw - 2.5rem)\"")
	}
	writeSize(b, p)
	b.WriteString(" loading=\"lazy\" decoding=\"async\"></div>\n")
}

func writeSize(b *bytes.Buffer, p site.Photo) {
	if p.Width != 0 && p.Height != 0 {
		b.WriteString(" width=\"")
		b.WriteString(strconv.Itoa(p.Width))
		b.WriteString("\" height=\"")
		b.WriteString(strconv.Itoa(p.Height))
		b.WriteString("\"")
	}
}

// nativeMedia is the "videos" or "audios" template (kind "video" or "audio").
func nativeMedia(b *bytes.Buffer, kind string, ms []content.Media) {
	for _, m := range ms {
		b.WriteString("<")
		b.WriteString(kind)
		b.WriteString(" class=\"u-")
		b.WriteString(kind)
		b.WriteString("\" src=\"")
		escapeURL(b, m.URL)
		b.WriteString("\" controls preload=\"metadata\"")
		if m.Alt != "" {
			b.WriteString(" aria-label=\"")
			escape(b, m.Alt)
			b.WriteString("\"")
		}
		b.WriteString("><a href=\"")
		escapeURL(b, m.URL)
		b.WriteString("\">Download the ")
		b.WriteString(kind)
		b.WriteString("</a></")
		b.WriteString(kind)
		b.WriteString(">\n")
	}
}

// nativeTags is the "entry-tags" template.
func nativeTags(b *bytes.Buffer, tags []site.TagRef) {
	if len(tags) == 0 {
		return
	}
	b.WriteString("\n<span class=\"visually-hidden\">Tags:</span>\n<ul class=\"tags\">")
	for _, t := range tags {
		b.WriteString("<li><a class=\"p-category\" href=\"")
		escapeURL(b, t.URL)
		b.WriteString("\">")
		escape(b, t.Name)
		b.WriteString("</a></li>")
	}
	b.WriteString("</ul>")
}

// writeFragment writes the template fragment name as "cached" would print it.
func (r *Renderer) writeFragment(b *bytes.Buffer, set, name string, key, data any) error {
	html, err := r.fragment(set, name, key, data)
	b.WriteString(string(html))
	return err
}

// escape writes s as html/template escapes a string in HTML text, in a
// quoted attribute and in <title>: the same replacements for all three.
func escape(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		rep := escapes[s[i]]
		if rep == "" {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// escapes are escape's replacements by byte; "" keeps the byte.
var escapes = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// escapeURL writes the URL s into a quoted attribute as html/template
// does: a URL with a scheme other than http, https or mailto becomes
// "#ZgotmplZ"; the rest is percent-encoded where needed, then escaped.
func escapeURL(b *bytes.Buffer, s string) {
	if !safeURL(s) {
		b.WriteString("#ZgotmplZ")
		return
	}
	if !needsNormalizing(s) {
		escape(b, s)
		return
	}
	var sb strings.Builder
	normalizeURL(&sb, s)
	escape(b, sb.String())
}

// needsNormalizing reports whether normalizeURL would change s.
func needsNormalizing(s string) bool {
	for i := 0; i < len(s); i++ {
		if !urlKeeps(s, i) {
			return true
		}
	}
	return false
}

// urlKeeps reports whether normalizeURL keeps the byte s[i] as it is.
func urlKeeps(s string, i int) bool {
	c := s[i]
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
		return true
	case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		return true
	}
	return false
}

// safeURL is html/template's test: a relative URL, or one whose scheme
// is http, https or mailto.
func safeURL(s string) bool {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
	}
	return true
}

// normalizeURL percent-encodes the bytes of s that may not appear in a
// URL, keeping reserved characters and existing escapes, as
// html/template's URL normaliser does.
func normalizeURL(sb *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	last := 0
	for i := 0; i < len(s); i++ {
		if urlKeeps(s, i) {
			continue
		}
		c := s[i]
		sb.WriteString(s[last:i])
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
		last = i + 1
	}
	sb.WriteString(s[last:])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escapeSrcset writes a srcset value as html/template does: each
// comma-separated candidate keeps a safe URL, normalised, and metadata of
// spaces, letters and digits only; any other becomes "#ZgotmplZ".
func escapeSrcset(b *bytes.Buffer, s string) {
	var sb strings.Builder
	left := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ',' {
			continue
		}
		srcsetCandidate(&sb, s, left, i)
		if i < len(s) {
			sb.WriteByte(',')
		}
		left = i + 1
	}
	escape(b, sb.String())
}

func srcsetCandidate(sb *strings.Builder, s string, left, right int) {
	start := left
	for start < right && htmlSpace(s[start]) {
		start++
	}
	end := right
	for i := start; i < right; i++ {
		if htmlSpace(s[i]) {
			end = i
			break
		}
	}
	if url := s[start:end]; safeURL(url) {
		ok := true
		for i := end; i < right; i++ {
			c := s[i]
			if !htmlSpace(c) && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				ok = false
				break
			}
		}
		if ok {
			sb.WriteString(s[left:start])
			normalizeURL(sb, url)
			sb.WriteString(s[end:right])
			return
		}
	}
	sb.WriteString("#ZgotmplZ")
}

// htmlSpace is ASCII whitespace as HTML defines it.
func htmlSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
