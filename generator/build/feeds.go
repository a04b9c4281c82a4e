package build

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/feed"
	"inkstone/generator/markdown"
	"inkstone/generator/site"
	"inkstone/internal/config"
)

// feeds plans RSS, Atom, JSON Feed, sitemap and robots.txt.
func (b *Builder) feeds(st *state, s *site.Site) []output {
	c := b.Config
	n := c.Feeds.Items
	if n > len(s.Posts) {
		n = len(s.Posts)
	}
	updated := s.Updated()
	itemsKey := newKey(st.seed, "feed").entries(s.Posts[:n]).str(updated.String())
	feedKey := func(path string) uint64 {
		k := *itemsKey // the items' hash, then the feed's own path
		return k.str(path).sum()
	}
	base := func(kind string) *feed.Feed {
		f := &feed.Feed{Title: c.Title, Description: c.Description, Language: c.Language, HomeURL: c.BaseURL,
			Author:  feed.Author{Name: c.Author.Name, URL: c.Author.URL, Email: c.Author.Email, Photo: absolute(c, c.Author.Photo)},
			Updated: updated}
		f.FeedURL = c.AbsURL(kind)
		return f
	}
	items := func() ([]feed.Item, error) {
		out := make([]feed.Item, 0, n)
		for _, e := range s.Posts[:n] {
			link := e.Loc
			u, err := url.Parse(link)
			if err != nil {
				return nil, fmt.Errorf("feed: permalink %s: %w", link, err)
			}
			// Feed readers show no theme: photos, video and audio go
			// into the content itself.
			html := mediaHTML(e.Post) + string(e.HTML)
			it := feed.Item{ID: link, URL: link, Title: e.Post.Title, ContentHTML: markdown.Absolutize(html, u),
				Text: e.Text, Summary: e.Post.Summary, Published: e.Post.Date, Updated: e.Post.Updated}
			if it.Text == "" && it.ContentHTML == "" {
				it.Text = label(e)
			}
			if it.Summary == "" && e.Type == content.TypeArticle {
				it.Summary = e.Summary
			}
			for _, t := range e.Tags {
				it.Tags = append(it.Tags, t.Name)
			}
			if len(e.Post.Photo) > 0 {
				it.Image = absolute(c, e.Post.Photo[0].URL)
			}
			it.ExternalURL = firstNonEmpty(e.Post.InReplyTo, e.Post.LikeOf, e.Post.RepostOf, e.Post.BookmarkOf)
			out = append(out, it)
		}
		return out, nil
	}
	mk := func(path string, enc func(*feed.Feed) ([]byte, error)) output {
		return output{path: path, kind: kindFeed, key: feedKey(path), needs: s.Posts[:n], render: func(*bytes.Buffer) ([]byte, error) {
			f := base(path)
			var err error
			if f.Items, err = items(); err != nil {
				return nil, err
			}
			return enc(f)
		}}
	}
	robots := output{path: "robots.txt", kind: kindFeed, key: 1, render: func(*bytes.Buffer) ([]byte, error) {
		return feed.Robots(c.AbsURL("sitemap.xml")), nil
	}}
	outs := []output{mk("feed.xml", feed.RSS), mk("atom.xml", feed.Atom), mk("feed.json", feed.JSONFeed)}
	return append(append(outs, b.sitemaps(st, s, updated)...), robots)
}

// postsPerSitemap is how many posts each sitemaps/posts-N.xml lists.
const postsPerSitemap = 1000

// sitemaps plans sitemap.xml, a sitemap index, and the sitemaps it lists:
// sitemaps/pages.xml with the home page and the public standalone pages,
// and sitemaps/posts-N.xml with the listed posts, postsPerSitemap to a
// file, numbered from the oldest post. So a chunk keeps its posts for
// good, and a new post changes only the last chunk (or starts one), the
// index and pages.xml (the home page's lastmod), all of them small.
//
// Each file's key hashes only what it shows: a chunk's posts, the pages
// and the home lastmod, and for the index each child's URL and lastmod.
func (b *Builder) sitemaps(st *state, s *site.Site, updated time.Time) []output {
	c := b.Config
	var pages []*site.Entry
	for _, e := range s.Pages {
		if e.Post.EffectiveVisibility() == content.Public {
			pages = append(pages, e)
		}
	}
	pagesMod := updated
	for _, e := range pages {
		if t := latest(e.Post); t.After(pagesMod) {
			pagesMod = t
		}
	}
	const pagesPath = "sitemaps/pages.xml"
	refs := []feed.SitemapRef{{Loc: c.AbsURL(pagesPath), LastMod: pagesMod}}
	outs := []output{{path: pagesPath, kind: kindFeed,
		key: newKey(st.seed, "sitemap-pages").str(rfc3339(updated)).entries(pages).sum(),
		render: func(*bytes.Buffer) ([]byte, error) {
			urls := make([]feed.URL, 0, 1+len(pages))
			urls = append(urls, feed.URL{Loc: c.BaseURL, LastMod: updated})
			for _, e := range pages {
				urls = append(urls, feed.URL{Loc: e.Loc, LastMod: latest(e.Post)})
			}
			return feed.Sitemap(urls)
		}}}

	// s.Posts is newest first, so chunks are cut from its end: chunk i
	// holds posts (i-1)*postsPerSitemap+1 to i*postsPerSitemap counted
	// from the oldest, written oldest first.
	for i, hi := 1, len(s.Posts); hi > 0; i, hi = i+1, hi-postsPerSitemap {
		chunk := s.Posts[max(hi-postsPerSitemap, 0):hi]
		path := fmt.Sprintf("sitemaps/posts-%d.xml", i)
		var mod time.Time
		for _, e := range chunk {
			if t := latest(e.Post); t.After(mod) {
				mod = t
			}
		}
		refs = append(refs, feed.SitemapRef{Loc: c.AbsURL(path), LastMod: mod})
		outs = append(outs, output{path: path, kind: kindFeed,
			key: newKey(st.seed, "sitemap-posts").entries(chunk).sum(),
			render: func(*bytes.Buffer) ([]byte, error) {
				urls := make([]feed.URL, 0, len(chunk))
				for _, e := range slices.Backward(chunk) {
					urls = append(urls, feed.URL{Loc: e.Loc, LastMod: latest(e.Post)})
				}
				return feed.Sitemap(urls)
			}})
	}

	ik := newKey(st.seed, "sitemap-index").num(len(refs))
	for _, r := range refs {
		ik.str(r.Loc).str(rfc3339(r.LastMod))
	}
	index := output{path: "sitemap.xml", kind: kindFeed, key: ik.sum(), render: func(*bytes.Buffer) ([]byte, error) {
		return feed.SitemapIndex(refs)
	}}
	return append([]output{index}, outs...)
}

// rfc3339 is t as sitemaps show it; the zero time is not shown.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// escapedURL is the absolute URL of a root-relative path, percent-encoded
// as sitemaps and feeds require (non-ASCII slugs).
func escapedURL(c *config.Site, p string) string {
	return c.AbsURL((&url.URL{Path: p}).EscapedPath())
}

// mediaHTML renders a post's photos, videos and audio for feeds.
func mediaHTML(p *content.Post) string {
	var b strings.Builder
	for _, m := range p.Photo {
		fmt.Fprintf(&b, `<p><img src="%s" alt="%s"></p>`, template.HTMLEscapeString(m.URL), template.HTMLEscapeString(m.Alt))
	}
	for _, m := range p.Video {
		fmt.Fprintf(&b, `<p><video src="%s" controls></video></p>`, template.HTMLEscapeString(m.URL))
	}
	for _, m := range p.Audio {
		fmt.Fprintf(&b, `<p><audio src="%s" controls></audio></p>`, template.HTMLEscapeString(m.URL))
	}
	return b.String()
}

// label names a post that has no text, such as a like, for feed readers.
func label(e *site.Entry) string {
	p := e.Post
	switch {
	case p.LikeOf != "":
		return "Liked " + p.LikeOf
	case p.RepostOf != "":
		return "Reposted " + p.RepostOf
	case p.BookmarkOf != "":
		return "Bookmarked " + p.BookmarkOf
	case p.InReplyTo != "":
		return "Reply to " + p.InReplyTo
	}
	return string(e.Type) + " of " + p.Date.Format("2 January 2006")
}

func latest(p *content.Post) time.Time {
	if p.Updated.After(p.Date) {
		return p.Updated
	}
	return p.Date
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
