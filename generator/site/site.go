// Package site assembles loaded posts into the in-memory shape of a site:
// permalinks, posts by date, tags, year archives and pagination. It is
// pure: no I/O, no rendering.
package site

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"inkstone/generator/content"
)

// Entry is a rendered post or page with everything templates need.
type Entry struct {
	Post    *content.Post
	Slug    string
	URL     string // root-relative permalink, ending in "/"
	Type    content.Type
	HTML    template.HTML // sanitised content
	Text    string        // plain text of the content
	Summary string        // the summary field, or the start of Text
	Tags    []TagRef
	Photos  []Photo // the post's photos as pages show them
	Listed  bool    // appears in lists, feeds, sitemap and search
	Prev    *Entry
	Next    *Entry

	// What templates print, worked out once by Prepare: a template
	// prints a field far faster than it works the value out itself.
	Permalink     string // absolute URL
	TypeLabel     string // the post type in words: "Note", "Photo", …
	Label         string // the title, else the summary, else what the post is ("Liked example.com")
	PublishedISO  string // Post.Date in RFC 3339, for datetime attributes; empty when zero
	PublishedText string // Post.Date as DateLayout writes it; empty when zero
	UpdatedISO    string // the same for Post.Updated
	UpdatedText   string
	// Card is the entry as shown in lists, rendered once by the build
	// and reused on every list page that shows it.
	Card template.HTML
	// Key identifies what the entry shows (its file and its URL), and
	// LinkKey what a link to it shows (its URL and label), so that the
	// build can tell which pages an edit changes.
	Key, LinkKey uint64
	// Loc is the permalink percent-encoded, as sitemaps and feeds want it.
	Loc string
	// Out is where the entry's page is written (Output), kept because
	// every build looks its page up by it.
	Out string
}

// Photo is one of an entry's photos as pages show it.
type Photo struct {
	URL    string // root-relative for the site's own images, else absolute
	Alt    string
	Width  int    // of the original, 0 when unknown
	Height int    // 0 when unknown
	SrcSet string // responsive variants ("url 480w, ..."); empty when there are none
}

// Prepare sets the fields templates print (Permalink, TypeLabel, Label
// and the dates) from the others; base is the site's absolute URL. Call
// it once Summary is set.
func (e *Entry) Prepare(base string) {
	e.Out = OutputFor(e.URL)
	e.Permalink = AbsURL(base, e.URL)
	e.TypeLabel = TypeLabel(e.Type)
	e.Label = LabelOf(e)
	e.PublishedISO, e.PublishedText = stamp(e.Post.Date)
	e.UpdatedISO, e.UpdatedText = stamp(e.Post.Updated)
}

func stamp(t time.Time) (iso, text string) {
	if t.IsZero() {
		return "", ""
	}
	return t.Format(time.RFC3339), t.Format(DateLayout)
}

// Output is where the entry's page is written, relative to public/.
func (e *Entry) Output() string {
	if e.Out != "" {
		return e.Out
	}
	return OutputFor(e.URL)
}

// Title is the post's title; notes have none.
func (e *Entry) Title() string { return e.Post.Title }

// Date is the publication date.
func (e *Entry) Date() time.Time { return e.Post.Date }

// DateLayout is how pages write a date: "2 January 2006".
const DateLayout = "2 January 2006"

// AbsURL joins a root-relative URL to base, the site's absolute URL. A
// URL that is absolute already is returned as it is.
func AbsURL(base, p string) string {
	if strings.Contains(p, "://") {
		return p
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(p, "/")
}

// Host is the host name of an absolute URL without "www.", for link
// texts; anything else is returned as it is.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimPrefix(u.Host, "www.")
}

// TypeLabel names a post type in words; unknown types are notes.
func TypeLabel(t content.Type) string {
	switch t {
	case content.TypeArticle:
		return "Article"
	case content.TypePhoto:
		return "Photo"
	case content.TypeVideo:
		return "Video"
	case content.TypeAudio:
		return "Audio"
	case content.TypeReply:
		return "Reply"
	case content.TypeLike:
		return "Like"
	case content.TypeRepost:
		return "Repost"
	case content.TypeBookmark:
		return "Bookmark"
	}
	return "Note"
}

// LabelOf is a short plain-text name for an entry: its title, else its
// summary, else what it responds to, else its type and date.
func LabelOf(e *Entry) string {
	p := e.Post
	switch {
	case p.Title != "":
		return p.Title
	case e.Summary != "":
		return e.Summary
	case p.LikeOf != "":
		return "Liked " + Host(p.LikeOf)
	case p.RepostOf != "":
		return "Reposted " + Host(p.RepostOf)
	case p.BookmarkOf != "":
		return "Bookmarked " + Host(p.BookmarkOf)
	case p.InReplyTo != "":
		return "Reply to " + Host(p.InReplyTo)
	}
	return TypeLabel(e.Type) + " from " + p.Date.Format(DateLayout)
}

// TagRef names a tag and links to its page.
type TagRef struct {
	Name string
	Slug string
	URL  string
}

// Tag is a tag with its listed posts, newest first.
type Tag struct {
	TagRef
	Posts []*Entry
}

// Year is a year archive.
type Year struct {
	Year  int
	URL   string
	Posts []*Entry
}

// Site is every rendered entry, arranged.
type Site struct {
	// Posts are the listed posts, newest first: home, feeds, sitemap.
	Posts []*Entry
	// Entries are all rendered posts, listed or not, in path order.
	Entries []*Entry
	// Pages are standalone pages (about), in path order.
	Pages []*Entry
	Tags  []*Tag  // by name
	Years []*Year // newest first

	// byURL is every entry and page by URL, for Update's clash check.
	byURL map[string]*Entry
}

// Pattern expands a permalink pattern such as "/:year/:month/:slug/".
type Pattern string

// Expand fills the pattern for a post. Like a strings.Replacer, it
// replaces each placeholder where it appears, and never looks again at
// what it put in: a slug such as "a:year" stays as it is.
func (p Pattern) Expand(slug string, t time.Time) string {
	s := string(p)
	out := make([]byte, 0, len(s)+len(slug))
	for i := 0; i < len(s); {
		if s[i] == ':' {
			switch rest := s[i:]; {
			case strings.HasPrefix(rest, ":year"):
				out = appendPadded(out, t.Year(), 4)
				i += len(":year")
				continue
			case strings.HasPrefix(rest, ":month"):
				out = appendPadded(out, int(t.Month()), 2)
				i += len(":month")
				continue
			case strings.HasPrefix(rest, ":day"):
				out = appendPadded(out, t.Day(), 2)
				i += len(":day")
				continue
			case strings.HasPrefix(rest, ":slug"):
				out = append(out, slug...)
				i += len(":slug")
				continue
			}
		}
		out = append(out, s[i])
		i++
	}
	return string(out)
}

// appendPadded appends n in decimal, zero-padded to width digits, as
// fmt's %0*d does.
func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
		width--
	}
	digits := strconv.Itoa(n)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}

// SlugOf is the slug a post is published under: the slug field, else its
// file name.
func SlugOf(p *content.Post) string {
	if p.Slug != "" {
		if s := content.Slugify(p.Slug); s != "" {
			return s
		}
	}
	return strings.TrimSuffix(path.Base(p.Path), ".md")
}

// URLFor is the root-relative URL of a post or page.
func URLFor(p *content.Post, pattern Pattern) string {
	if p.Kind == content.KindPage {
		rel := strings.TrimSuffix(p.Path, ".md")
		if rel == "index" {
			return "/"
		}
		rel = strings.TrimSuffix(rel, "/index")
		return "/" + rel + "/"
	}
	return pattern.Expand(SlugOf(p), p.Date)
}

// OutputFor maps a root-relative URL to the file written under public/.
func OutputFor(url string) string {
	u := strings.TrimPrefix(url, "/")
	if u == "" || strings.HasSuffix(u, "/") {
		return u + "index.html"
	}
	return u
}

// TagRefFor names a tag's page.
func TagRefFor(name string) TagRef {
	slug := content.Slugify(name)
	if slug == "" {
		slug = "tag"
	}
	return TagRef{Name: name, Slug: slug, URL: "/tags/" + slug + "/"}
}

// PageURL is the URL of archive page n of a paginated list rooted at base;
// n = 0 is the list's first page, base itself.
func PageURL(base string, n int) string {
	if n <= 0 {
		return base
	}
	return base + "page/" + strconv.Itoa(n) + "/"
}

// ListPage is one page of a paginated list.
type ListPage struct {
	// Number is 0 for the list's first page (its root URL) and, for
	// archive pages, counts from the oldest: page 1 holds the oldest posts.
	Number int
	URL    string
	// Lo and Hi bound the entries the page shows in the newest-first list.
	Lo, Hi int
	// NewerURL and OlderURL link the neighbouring pages; empty at the ends.
	NewerURL, OlderURL string
}

// Paginate splits a newest-first list of n entries into pages of per
// entries, counted from the oldest, so that a page keeps its posts for
// good: a new post changes only the first page, and, once every per
// posts, adds one archive page and the links next to it. Lists with a
// page number counted from the newest would shift every page instead.
//
// Archive page k holds the k-th oldest run of per posts; there is one for
// every complete run. The first page shows the newest posts that fill no
// complete run, together with the newest complete run: between per and
// 2*per-1 posts, or all of them in a short list.
func Paginate(base string, n, per int) []ListPage {
	if per < 1 {
		per = 1
	}
	full := n / per // complete runs, each with its archive page
	rest := n - full*per
	first := ListPage{URL: base, Lo: 0, Hi: n}
	if full >= 2 {
		first.Hi = rest + per
		first.OlderURL = PageURL(base, full-1)
	}
	pages := []ListPage{first}
	if full < 2 {
		return pages
	}
	for k := full; k >= 1; k-- {
		// Run k holds the posts whose age (0 for the oldest) is in
		// [(k-1)*per, k*per); in the newest-first list those are
		// indices n-k*per .. n-(k-1)*per.
		pg := ListPage{Number: k, URL: PageURL(base, k), Lo: n - k*per, Hi: n - (k-1)*per}
		if k < full {
			pg.NewerURL = PageURL(base, k+1)
		} else {
			pg.NewerURL = base
		}
		if k > 1 {
			pg.OlderURL = PageURL(base, k-1)
		}
		pages = append(pages, pg)
	}
	return pages
}

// Assemble arranges entries: it links prev/next among listed posts and
// groups them by tag and year. Entries must have URL, Post and Listed set.
// It reports URL clashes, which would make two files overwrite each other.
func Assemble(entries []*Entry) (*Site, error) {
	byURL := make(map[string]*Entry, len(entries))
	s := &Site{byURL: byURL}
	for _, e := range entries {
		if other, ok := byURL[e.URL]; ok {
			return nil, &content.ParseError{File: e.Post.Path, Line: 1,
				Msg:  fmt.Sprintf("its URL %s is also the URL of %s", e.URL, other.Post.Path),
				Hint: "give one of them a different slug: field"}
		}
		byURL[e.URL] = e
		if e.Post.Kind == content.KindPage {
			s.Pages = append(s.Pages, e)
			continue
		}
		s.Entries = append(s.Entries, e)
		if e.Listed {
			s.Posts = append(s.Posts, e)
		}
	}
	sortNewestFirst(s.Posts)
	for i := range s.Posts {
		link(s.Posts, i)
	}

	tags := map[string]*Tag{}
	years := map[int]*Year{}
	for _, e := range s.Posts {
		for _, ref := range e.Tags {
			t := tags[ref.Slug]
			if t == nil {
				t = &Tag{TagRef: ref}
				tags[ref.Slug] = t
			}
			t.Posts = append(t.Posts, e)
		}
		y := e.Post.Date.Year()
		if years[y] == nil {
			years[y] = &Year{Year: y, URL: yearURL(y)}
		}
		years[y].Posts = append(years[y].Posts, e)
	}
	for _, t := range tags {
		s.Tags = append(s.Tags, t)
	}
	sort.Slice(s.Tags, func(i, j int) bool { return s.Tags[i].Slug < s.Tags[j].Slug })
	for _, y := range years {
		s.Years = append(s.Years, y)
	}
	sort.Slice(s.Years, func(i, j int) bool { return s.Years[i].Year > s.Years[j].Year })
	return s, nil
}

// yearURL is the URL of a year's archive.
func yearURL(y int) string { return fmt.Sprintf("/%04d/", y) }

// sortNewestFirst sorts posts by date, newest first, then by path,
// descending. It sorts copies of the keys, side by side in memory, rather
// than following two pointers to each post's date at every comparison.
func sortNewestFirst(posts []*Entry) {
	type sortKey struct {
		sec  int64
		nsec int32
		path string
		e    *Entry
	}
	keys := make([]sortKey, len(posts))
	for i, e := range posts {
		keys[i] = sortKey{e.Post.Date.Unix(), int32(e.Post.Date.Nanosecond()), e.Post.Path, e}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.sec != b.sec {
			return cmp.Compare(b.sec, a.sec)
		}
		if a.nsec != b.nsec {
			return cmp.Compare(b.nsec, a.nsec)
		}
		return strings.Compare(b.path, a.path)
	})
	for i, k := range keys {
		posts[i] = k.e
	}
}

// Updated is the newest publication or update time among the posts.
func (s *Site) Updated() time.Time {
	var t time.Time
	for _, e := range s.Posts {
		if e.Post.Date.After(t) {
			t = e.Post.Date
		}
		if e.Post.Updated.After(t) {
			t = e.Post.Updated
		}
	}
	return t
}
