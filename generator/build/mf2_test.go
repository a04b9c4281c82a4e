package build_test

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"willnorris.com/go/microformats"

	"inkstone/generator/build"
)

// parseMF2 parses a page under public/ as served from its URL.
func parseMF2(t *testing.T, s *testSite, rel string) *microformats.Data {
	t.Helper()
	u, err := url.Parse(baseURL + strings.TrimSuffix(rel, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	return microformats.Parse(bytes.NewReader(s.Read(rel)), u)
}

// findAll returns every microformat of the given type in items, at any depth
// (children and property values included).
func findAll(items []*microformats.Microformat, typ string) []*microformats.Microformat {
	var out []*microformats.Microformat
	var walk func(m *microformats.Microformat)
	walk = func(m *microformats.Microformat) {
		if slices.Contains(m.Type, typ) {
			out = append(out, m)
		}
		for _, c := range m.Children {
			walk(c)
		}
		for _, vs := range m.Properties {
			for _, v := range vs {
				if n, ok := v.(*microformats.Microformat); ok {
					walk(n)
				}
			}
		}
	}
	for _, m := range items {
		walk(m)
	}
	return out
}

// strs returns a property's plain values: strings as they are, the "value"
// of maps (u-photo with alt, e-content) and of nested microformats.
func strs(m *microformats.Microformat, prop string) []string {
	var out []string
	for _, v := range m.Properties[prop] {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case map[string]string:
			out = append(out, v["value"])
		case map[string]any:
			out = append(out, fmt.Sprint(v["value"]))
		case *microformats.Microformat:
			out = append(out, v.Value)
		default:
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// field returns key of the i-th value of prop when it is a map (u-photo
// alt, e-content html), "" otherwise.
func field(m *microformats.Microformat, prop string, i int, key string) string {
	vs := m.Properties[prop]
	if i >= len(vs) {
		return ""
	}
	switch v := vs[i].(type) {
	case map[string]string:
		return v[key]
	case map[string]any:
		s, _ := v[key].(string)
		return s
	}
	return ""
}

// sameURL compares two absolute URLs after decoding their paths, so that
// /sm%c3%b6rg/ and /smörg/ are equal.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host &&
		ua.Path == ub.Path && ua.RawQuery == ub.RawQuery
}

type photo struct{ url, alt string }

func TestMicroformatsPost(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	tests := []struct {
		rel         string
		name        string // "" for untitled posts: no name property at all
		published   string
		content     string // a piece of e-content's html; "" for none
		category    []string
		inReplyTo   string
		likeOf      string
		repostOf    string
		bookmarkOf  string
		photos      []photo
		syndication []string
	}{
		{rel: "2025/03/hello-world/", name: "Hello, world", published: "2025-03-10T09:00:00Z",
			content: `a relative link</a>`, category: []string{"go", "meta"},
			syndication: []string{"https://social.example/@tess/1001"}},
		{rel: "2025/02/morning-coffee/", published: "2025-02-14T07:30:00Z",
			content: "Morning coffee on the balcony", category: []string{"coffee", "morning"}},
		{rel: "2025/01/harbour-photos/", published: "2025-01-20T16:45:00+01:00",
			content: "Two from the harbour", category: []string{"photography"},
			photos: []photo{{baseURL + "media/harbour.svg", "The harbour at dusk"}, {"https://cdn.example.net/boats.jpg", "Boats in a row"}}},
		{rel: "2024/12/smörgåstårta/", name: "Smörgåstårta för alla", published: "2024-12-24T12:00:00Z",
			content: "Rätt gott!", category: []string{"food", "baking"}},
		{rel: "2024/11/static-sites/", published: "2024-11-05T12:00:00Z", content: "plain files",
			inReplyTo: "https://other.example/2024/11/static-sites"},
		{rel: "2024/10/nice-post/", published: "2024-10-01T08:00:00Z",
			likeOf: "https://other.example/posts/nice"},
		{rel: "2024/09/worth-reading/", published: "2024-09-12T18:00:00Z", content: "Worth reading.",
			category: []string{"links"}, repostOf: "https://other.example/posts/worth-reading"},
		{rel: "2024/08/tools/", published: "2024-08-03T10:00:00Z", content: "small tools",
			category: []string{"links"}, bookmarkOf: "https://tools.example/list"},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			data := parseMF2(t, s, tt.rel+"index.html")
			entries := findAll(data.Items, "h-entry")
			if len(entries) != 1 {
				t.Fatalf("found %d h-entry, want exactly 1", len(entries))
			}
			e := entries[0]

			if urls := strs(e, "url"); len(urls) != 1 || !sameURL(urls[0], baseURL+tt.rel) {
				t.Errorf("url = %q, want [%s]", urls, baseURL+tt.rel)
			} else if u, _ := url.Parse(urls[0]); !u.IsAbs() {
				t.Errorf("url %q is not absolute", urls[0])
			}
			if got := strs(e, "published"); len(got) != 1 {
				t.Errorf("published = %q, want one value", got)
			} else if g, err := time.Parse(time.RFC3339, got[0]); err != nil || g.Format(time.RFC3339) != tt.published {
				t.Errorf("published = %q, want %s", got[0], tt.published)
			}

			names := strs(e, "name")
			switch {
			case tt.name == "" && len(names) > 0:
				t.Errorf("untitled post has name %q, want none", names)
			case tt.name != "" && !slices.Equal(names, []string{tt.name}):
				t.Errorf("name = %q, want [%q]", names, tt.name)
			}

			switch c := field(e, "content", 0, "html"); {
			case tt.content == "" && len(e.Properties["content"]) > 0:
				t.Errorf("content = %q, want none", strs(e, "content"))
			case tt.content != "" && !strings.Contains(c, tt.content):
				t.Errorf("content html = %q, want it to contain %q", c, tt.content)
			}
			if got := strs(e, "category"); !slices.Equal(got, tt.category) {
				t.Errorf("category = %q, want %q", got, tt.category)
			}
			for prop, want := range map[string]string{
				"in-reply-to": tt.inReplyTo, "like-of": tt.likeOf,
				"repost-of": tt.repostOf, "bookmark-of": tt.bookmarkOf,
			} {
				got := strs(e, prop)
				if want == "" && len(got) > 0 || want != "" && !slices.Equal(got, []string{want}) {
					t.Errorf("%s = %q, want %q", prop, got, want)
				}
			}
			if got := strs(e, "syndication"); !slices.Equal(got, tt.syndication) {
				t.Errorf("syndication = %q, want %q", got, tt.syndication)
			}
			var photos []photo
			for i, u := range strs(e, "photo") {
				photos = append(photos, photo{u, field(e, "photo", i, "alt")})
			}
			if !slices.Equal(photos, tt.photos) {
				t.Errorf("photo = %q, want %q", photos, tt.photos)
			}

			authors := e.Properties["author"]
			if len(authors) != 1 {
				t.Fatalf("entry has %d authors, want 1", len(authors))
			}
			a, ok := authors[0].(*microformats.Microformat)
			if !ok || !slices.Contains(a.Type, "h-card") {
				t.Fatalf("author = %#v, want an h-card", authors[0])
			}
			checkAuthor(t, a)
		})
	}
}

// checkAuthor checks an h-card of the fixture's author.
func checkAuthor(t *testing.T, card *microformats.Microformat) {
	t.Helper()
	if got := strs(card, "name"); !slices.Equal(got, []string{"Tess Tester"}) {
		t.Errorf("h-card name = %q, want [Tess Tester]", got)
	}
	if got := strs(card, "url"); len(got) == 0 || got[0] != baseURL {
		t.Errorf("h-card url = %q, want %s first", got, baseURL)
	}
	if got := strs(card, "photo"); !slices.Equal(got, []string{baseURL + "media/tess.svg"}) {
		t.Errorf("h-card photo = %q, want [%smedia/tess.svg]", got, baseURL)
	}
}

func TestMicroformatsFeeds(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	// 8 listed posts at per_page = 2; the go tag has one listed post,
	// however many unlisted, private, deleted and draft posts carry it.
	for rel, want := range map[string]int{
		"index.html":              2,
		"page/2/index.html":       2,
		"page/4/index.html":       2,
		"tags/links/index.html":   2,
		"tags/go/index.html":      1,
		"tags/coffee/index.html":  1,
		"tags/baking/index.html":  1,
		"tags/nothing/index.html": -1, // no such page
	} {
		t.Run(rel, func(t *testing.T) {
			if want < 0 {
				if s.Exists(rel) {
					t.Fatalf("%s exists", rel)
				}
				return
			}
			data := parseMF2(t, s, rel)
			feeds := findAll(data.Items, "h-feed")
			if len(feeds) != 1 {
				t.Fatalf("found %d h-feed, want 1", len(feeds))
			}
			n := 0
			for _, c := range feeds[0].Children {
				if !slices.Contains(c.Type, "h-entry") {
					t.Errorf("h-feed child of type %q, want h-entry", c.Type)
					continue
				}
				n++
				if u := strs(c, "url"); len(u) != 1 || !strings.HasPrefix(u[0], baseURL) {
					t.Errorf("h-entry url = %q, want one absolute URL", u)
				}
			}
			if n != want {
				t.Errorf("h-feed has %d h-entry children, want %d", n, want)
			}
			if got := len(findAll(data.Items, "h-entry")); got != want {
				t.Errorf("page has %d h-entry in all, want %d", got, want)
			}
		})
	}
	if s.Exists("page/5/index.html") {
		t.Error("page/5/ exists; 8 posts fill 4 pages of 2")
	}
}

// TestDiscovery checks the head of every page: IndieWeb endpoints, rel=me
// and feed alternates, and the author's h-card in the body.
func TestDiscovery(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	wantRels := map[string][]string{
		"micropub":               {baseURL + "micropub"},
		"authorization_endpoint": {baseURL + "auth"},
		"token_endpoint":         {baseURL + "token"},
		"indieauth-metadata":     {baseURL + ".well-known/oauth-authorization-server"},
	}
	wantMe := []string{"https://github.com/tess", "https://social.example/@tess"}
	wantFeeds := map[string]string{
		"application/rss+xml":   baseURL + "feed.xml",
		"application/atom+xml":  baseURL + "atom.xml",
		"application/feed+json": baseURL + "feed.json",
	}
	pages := s.HTMLFiles()
	if len(pages) < 20 {
		t.Fatalf("found %d pages, want at least 20", len(pages))
	}
	for _, rel := range pages {
		t.Run(rel, func(t *testing.T) {
			data := parseMF2(t, s, rel)
			for rel, want := range wantRels {
				if got := data.Rels[rel]; !slices.Equal(got, want) {
					t.Errorf("rel=%s: %q, want %q", rel, got, want)
				}
			}
			for _, me := range wantMe {
				if !slices.Contains(data.Rels["me"], me) {
					t.Errorf("rel=me %q missing from %q", me, data.Rels["me"])
				}
			}

			var cards []*microformats.Microformat
			for _, it := range data.Items {
				if slices.Contains(it.Type, "h-card") {
					cards = append(cards, it)
				}
			}
			if len(cards) != 1 {
				t.Errorf("found %d top-level h-card, want the author's", len(cards))
			} else {
				checkAuthor(t, cards[0])
			}

			base, _ := url.Parse(baseURL + strings.TrimSuffix(rel, "index.html"))
			got := map[string][]string{}
			for _, l := range headLinks(t, s.Read(rel)) {
				if l["rel"] != "alternate" {
					continue
				}
				href, err := base.Parse(l["href"])
				if err != nil {
					t.Errorf("alternate href %q: %v", l["href"], err)
					continue
				}
				got[l["type"]] = append(got[l["type"]], href.String())
			}
			for typ, want := range wantFeeds {
				if !slices.Equal(got[typ], []string{want}) {
					t.Errorf("<link rel=alternate type=%s> = %q, want [%s]", typ, got[typ], want)
				}
			}
		})
	}
}

// headLinks returns the attributes of every <link> in the document's head.
func headLinks(t *testing.T, page []byte) []map[string]string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var head *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Head {
			head = n
			break
		}
	}
	if head == nil {
		t.Fatal("no <head>")
	}
	var links []map[string]string
	for n := range head.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != atom.Link {
			continue
		}
		attrs := map[string]string{}
		for _, a := range n.Attr {
			attrs[a.Key] = a.Val
		}
		links = append(links, attrs)
	}
	return links
}
