package build

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
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
	sk := newKey(st.seed, "sitemap").str(updated.String()).entries(s.Posts)
	for _, e := range s.Pages {
		sk.entry(e)
	}
	sitemap := output{path: "sitemap.xml", kind: kindFeed, key: sk.sum(), render: func(*bytes.Buffer) ([]byte, error) {
		urls := []feed.URL{{Loc: c.BaseURL, LastMod: updated}}
		for _, e := range s.Pages {
			if e.Post.EffectiveVisibility() == content.Public {
				urls = append(urls, feed.URL{Loc: e.Loc, LastMod: latest(e.Post)})
			}
		}
		for _, e := range s.Posts {
			urls = append(urls, feed.URL{Loc: e.Loc, LastMod: latest(e.Post)})
		}
		return feed.Sitemap(urls)
	}}
	robots := output{path: "robots.txt", kind: kindFeed, key: 1, render: func(*bytes.Buffer) ([]byte, error) {
		return feed.Robots(c.AbsURL("sitemap.xml")), nil
	}}
	return []output{mk("feed.xml", feed.RSS), mk("atom.xml", feed.Atom), mk("feed.json", feed.JSONFeed), sitemap, robots}
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
