package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fixed zones instead of time.LoadLocation keep the tests independent of the
// host's tz database; two different offsets prove zones are kept as given.
var (
	zurich = time.FixedZone("CET", 1*60*60)
	boston = time.FixedZone("EST", -5*60*60)
)

const home = "https://jane.example/"

// fixtureFeed returns a realistic feed: a like, an untitled photo, an
// untitled note and an article whose title and content need escaping.
func fixtureFeed(feedURL string) *Feed {
	return &Feed{
		Title:       "Jane Doe",
		Description: "Notes, articles & photos from Jane — written in Zürich",
		Language:    "en",
		HomeURL:     home,
		FeedURL:     feedURL,
		Icon:        home + "icon.png",
		Author: Author{
			Name:  "Jane Doe",
			URL:   home,
			Photo: home + "jane.jpg",
		},
		Updated: time.Date(2024, 3, 11, 8, 0, 0, 0, zurich),
		Hubs:    []string{"https://hub.example/"},
		Items: []Item{
			{
				ID:          home + "likes/2024/03/10/bob-on-feeds/",
				URL:         home + "likes/2024/03/10/bob-on-feeds/",
				ContentHTML: `<p>Liked <a href="https://bob.example/posts/feeds?a=1&amp;b=2">Bob’s post on feeds</a></p>`,
				Text:        "Liked Bob’s post on feeds",
				Published:   time.Date(2024, 3, 10, 9, 15, 0, 0, zurich),
				ExternalURL: "https://bob.example/posts/feeds?a=1&b=2",
			},
			{
				ID:          home + "photos/2024/03/02/sunset/",
				URL:         home + "photos/2024/03/02/sunset/",
				ContentHTML: `<p><img src="https://jane.example/media/sunset.jpg" alt="Sunset over Lake Zürich"></p><p>Evening light over the lake.</p>`,
				Text:        "Evening light over the lake.",
				Published:   time.Date(2024, 3, 2, 18, 42, 0, 0, zurich),
				Tags:        []string{"photo", "zürich"},
				Image:       "https://jane.example/media/sunset.jpg",
			},
			{
				ID:          home + "notes/2024/02/20/inkstone/",
				URL:         home + "notes/2024/02/20/inkstone/",
				ContentHTML: "<p>Trying out inkstone for my site.\nIt's quick!</p>",
				Text:        "Trying out inkstone for my site. It's quick!",
				Published:   time.Date(2024, 2, 20, 7, 5, 30, 0, boston),
				Tags:        []string{"indieweb"},
			},
			{
				ID:    home + "articles/escaping-in-feeds/",
				URL:   home + "articles/escaping-in-feeds/",
				Title: `Escaping <HTML> & "quotes" in feeds`,
				ContentHTML: `<h2 id="why">Why “escaping” matters</h2>` + "\n" +
					`<p>In XML, <code>a &lt; b &amp;&amp; c &gt; d</code> must stay text. Grüße aus Zürich — 日本語 too.</p>` + "\n" +
					`<p><a href="https://jane.example/articles/escaping-in-feeds/#why" title='the "why"'>Permalink</a></p>`,
				Text:      "Why “escaping” matters In XML, a < b && c > d must stay text. Grüße aus Zürich — 日本語 too. Permalink",
				Summary:   `How feeds escape <, & and "quotes" — a primer.`,
				Published: time.Date(2024, 2, 1, 10, 0, 0, 0, zurich),
				Updated:   time.Date(2024, 3, 11, 8, 0, 0, 0, zurich),
				Tags:      []string{"go", "feeds", "web dev"},
			},
		},
	}
}

func fixtureURLs() []URL {
	return []URL{
		{Loc: home, LastMod: time.Date(2024, 3, 11, 8, 0, 0, 0, zurich)},
		{Loc: home + "articles/escaping-in-feeds/", LastMod: time.Date(2024, 3, 11, 8, 0, 0, 0, zurich)},
		{Loc: home + "notes/2024/02/20/inkstone/", LastMod: time.Date(2024, 2, 20, 7, 5, 30, 0, boston)},
		{Loc: home + "search/?q=a&b=%C3%BC"},
		{Loc: home + "about/", LastMod: time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
}

// golden compares got with testdata/name, rewriting the file under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; run with -update if the change is intended\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// wellFormed fails the test unless doc parses as strict XML.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	if !bytes.HasPrefix(doc, []byte(xml.Header)) {
		t.Errorf("document does not start with the XML header: %.60q", doc)
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}

func parseFeed(t *testing.T, doc []byte) *gofeed.Feed {
	t.Helper()
	parsed, err := gofeed.NewParser().ParseString(string(doc))
	if err != nil {
		t.Fatalf("gofeed could not parse the output: %v\n%s", err, doc)
	}
	return parsed
}

// checkTime asserts that a parsed time is the same instant as want and that
// the raw text kept want's own zone offset (gofeed converts parsed times to
// UTC, so the offset is only visible in the raw string).
func checkTime(t *testing.T, field string, raw string, parsed *time.Time, want time.Time, layout string) {
	t.Helper()
	if parsed == nil || !parsed.Equal(want) {
		t.Errorf("%s: got %v, want %s", field, parsed, want.Format(time.RFC3339))
	}
	if w := want.Format(layout); raw != w {
		t.Errorf("%s text: got %q, want %q", field, raw, w)
	}
}

func checkStrings(t *testing.T, field string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", field, got, want)
	}
}

// checkCommon asserts what every format must carry through a real parser.
func checkCommon(t *testing.T, got *gofeed.Feed, want *Feed, layout string) {
	t.Helper()
	if got.Title != want.Title {
		t.Errorf("feed title: got %q, want %q", got.Title, want.Title)
	}
	if got.Description != want.Description {
		t.Errorf("feed description: got %q, want %q", got.Description, want.Description)
	}
	if got.Link != want.HomeURL {
		t.Errorf("feed link: got %q, want %q", got.Link, want.HomeURL)
	}
	if got.FeedLink != want.FeedURL {
		t.Errorf("feed self link: got %q, want %q", got.FeedLink, want.FeedURL)
	}
	if got.Language != want.Language {
		t.Errorf("feed language: got %q, want %q", got.Language, want.Language)
	}
	if len(got.Authors) == 0 || got.Authors[0].Name != want.Author.Name {
		t.Errorf("feed authors: got %+v, want name %q", got.Authors, want.Author.Name)
	}
	if len(got.Items) != len(want.Items) {
		t.Fatalf("items: got %d, want %d", len(got.Items), len(want.Items))
	}
	for i, w := range want.Items {
		g := got.Items[i]
		if g.Title != w.Title {
			t.Errorf("item %d title: got %q, want %q", i, g.Title, w.Title)
		}
		if g.Link != w.URL {
			t.Errorf("item %d link: got %q, want %q", i, g.Link, w.URL)
		}
		if g.GUID != w.ID {
			t.Errorf("item %d id: got %q, want %q", i, g.GUID, w.ID)
		}
		if g.Content != w.ContentHTML {
			t.Errorf("item %d content:\ngot  %q\nwant %q", i, g.Content, w.ContentHTML)
		}
		checkTime(t, "item published", g.Published, g.PublishedParsed, w.Published, layout)
		checkStrings(t, "item categories", g.Categories, w.Tags)
	}
}

func TestRSS(t *testing.T) {
	f := fixtureFeed(home + "feed.xml")
	out, err := RSS(f)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.rss.xml", out)
	wellFormed(t, out)

	got := parseFeed(t, out)
	if got.FeedType != "rss" || got.FeedVersion != "2.0" {
		t.Errorf("feed type: got %s %s, want rss 2.0", got.FeedType, got.FeedVersion)
	}
	checkCommon(t, got, f, time.RFC1123Z)
	checkTime(t, "lastBuildDate", got.Updated, got.UpdatedParsed, f.Updated, time.RFC1123Z)
	if got.Image == nil || got.Image.URL != f.Icon {
		t.Errorf("feed image: got %+v, want %q", got.Image, f.Icon)
	}
	for i, w := range f.Items {
		g := got.Items[i]
		// Descriptions are HTML: the plain summary comes back escaped,
		// and items without a summary describe themselves in full.
		want := w.ContentHTML
		if w.Summary != "" {
			want = html.EscapeString(w.Summary)
		}
		if g.Description != want {
			t.Errorf("item %d description: got %q, want %q", i, g.Description, want)
		}
		if len(g.Authors) != 1 || g.Authors[0].Name != f.Author.Name {
			t.Errorf("item %d authors: got %+v, want %q", i, g.Authors, f.Author.Name)
		}
	}
	if bytes.Contains(out, []byte("<title></title>")) {
		t.Error("untitled items must have no <title> element in RSS")
	}
}

func TestRSSAuthorEmail(t *testing.T) {
	f := fixtureFeed(home + "feed.xml")
	f.Author.Email = "jane@jane.example"
	out, err := RSS(f)
	if err != nil {
		t.Fatal(err)
	}
	got := parseFeed(t, out)
	for _, p := range append([]*gofeed.Person{got.Author}, got.Items[0].Author) {
		if p == nil || p.Name != "Jane Doe" || p.Email != "jane@jane.example" {
			t.Errorf("author: got %+v, want Jane Doe <jane@jane.example>", p)
		}
	}
	if bytes.Contains(out, []byte("dc:creator")) {
		t.Error("dc:creator should give way to <author> when an email is known")
	}
}

func TestRSSGUIDNotPermalink(t *testing.T) {
	f := &Feed{Title: "t", HomeURL: home, Items: []Item{{ID: "tag:jane.example,2024:1", URL: home + "1/", Text: "hi"}}}
	out, err := RSS(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<guid isPermaLink="false">tag:jane.example,2024:1</guid>`; !bytes.Contains(out, []byte(want)) {
		t.Errorf("got:\n%s\nwant it to contain %s", out, want)
	}
}

func TestAtom(t *testing.T) {
	f := fixtureFeed(home + "feed.atom")
	out, err := Atom(f)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.atom.xml", out)
	wellFormed(t, out)

	got := parseFeed(t, out)
	if got.FeedType != "atom" {
		t.Errorf("feed type: got %s, want atom", got.FeedType)
	}
	checkCommon(t, got, f, time.RFC3339)
	checkTime(t, "feed updated", got.Updated, got.UpdatedParsed, f.Updated, time.RFC3339)
	for i, w := range f.Items {
		wantUpdated := w.Updated
		if wantUpdated.IsZero() {
			wantUpdated = w.Published
		}
		checkTime(t, "entry updated", got.Items[i].Updated, got.Items[i].UpdatedParsed, wantUpdated, time.RFC3339)
		if got.Items[i].Description != w.Summary {
			t.Errorf("entry %d summary: got %q, want %q", i, got.Items[i].Description, w.Summary)
		}
	}
	if !bytes.Contains(out, []byte(`<link rel="related" href="https://bob.example/posts/feeds?a=1&amp;b=2"></link>`)) {
		t.Error("like has no escaped rel=related link to its target")
	}
}

func TestJSONFeed(t *testing.T) {
	f := fixtureFeed(home + "feed.json")
	out, err := JSONFeed(f)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "feed.json", out)

	got := parseFeed(t, out)
	if got.FeedType != "json" || got.FeedVersion != jsonFeedVersion {
		t.Errorf("feed type: got %s %s, want json %s", got.FeedType, got.FeedVersion, jsonFeedVersion)
	}
	// gofeed does not read a JSON Feed's description into Description.
	want := *f
	want.Description = got.Description
	checkCommon(t, got, &want, time.RFC3339)
	for i, w := range f.Items {
		g := got.Items[i]
		if w.Image != "" && (g.Image == nil || g.Image.URL != w.Image) {
			t.Errorf("item %d image: got %+v, want %q", i, g.Image, w.Image)
		}
		if w.ExternalURL != "" && !slices.Contains(g.Links, w.ExternalURL) {
			t.Errorf("item %d links: got %q, want to contain %q", i, g.Links, w.ExternalURL)
		}
		if !w.Updated.IsZero() {
			checkTime(t, "item date_modified", g.Updated, g.UpdatedParsed, w.Updated, time.RFC3339)
		}
	}

	// Required fields per https://www.jsonfeed.org/version/1.1/.
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["version"] != jsonFeedVersion {
		t.Errorf("version: got %v, want %s", raw["version"], jsonFeedVersion)
	}
	if raw["title"] != f.Title {
		t.Errorf("title: got %v, want %s", raw["title"], f.Title)
	}
	authors, _ := raw["authors"].([]any)
	if len(authors) != 1 {
		t.Fatalf("authors: got %v, want one author", raw["authors"])
	}
	wantAuthor := map[string]any{"name": f.Author.Name, "url": f.Author.URL, "avatar": f.Author.Photo}
	if a, _ := authors[0].(map[string]any); !mapsEqual(a, wantAuthor) {
		t.Errorf("author: got %v, want %v", a, wantAuthor)
	}
	items, _ := raw["items"].([]any)
	if len(items) != len(f.Items) {
		t.Fatalf("items: got %d, want %d", len(items), len(f.Items))
	}
	for i, it := range items {
		m := it.(map[string]any)
		if id, _ := m["id"].(string); id == "" {
			t.Errorf("item %d: id missing", i)
		}
		if _, ok := m["content_html"]; !ok {
			t.Errorf("item %d: content_html missing", i)
		}
		_, hasTitle := m["title"]
		if want := f.Items[i].Title != ""; hasTitle != want {
			t.Errorf("item %d has title key: got %v, want %v", i, hasTitle, want)
		}
	}
	// SetEscapeHTML(false) keeps markup readable in the file.
	if bytes.Contains(out, []byte(`\u003c`)) {
		t.Error("HTML in JSON Feed should not be \\u-escaped")
	}
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func TestJSONFeedContentTextFallback(t *testing.T) {
	f := &Feed{Title: "t", HomeURL: home, Items: []Item{{ID: home + "1/", URL: home + "1/", Text: "Liked a thing"}}}
	out, err := JSONFeed(f)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if got := raw.Items[0]["content_text"]; got != "Liked a thing" {
		t.Errorf("content_text: got %v, want %q", got, "Liked a thing")
	}
}

func TestEmptyFeed(t *testing.T) {
	// No items and no Updated: the minimum a brand-new site produces.
	f := &Feed{Title: "Empty", Description: "Nothing yet", Language: "en", HomeURL: home, FeedURL: home + "feed", Author: Author{Name: "Jane"}}
	for _, tc := range []struct {
		name   string
		encode func(*Feed) ([]byte, error)
		xml    bool
	}{
		{"rss", RSS, true},
		{"atom", Atom, true},
		{"json", JSONFeed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if tc.xml {
				wellFormed(t, out)
			}
			got := parseFeed(t, out)
			if got.Title != f.Title {
				t.Errorf("title: got %q, want %q", got.Title, f.Title)
			}
			if len(got.Items) != 0 {
				t.Errorf("items: got %d, want 0", len(got.Items))
			}
		})
	}

	t.Run("atom updated", func(t *testing.T) {
		out, _ := Atom(f)
		if want := "<updated>1970-01-01T00:00:00Z</updated>"; !bytes.Contains(out, []byte(want)) {
			t.Errorf("got:\n%s\nwant it to contain the mandatory %s", out, want)
		}
	})
	t.Run("json items array", func(t *testing.T) {
		out, _ := JSONFeed(f)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(out, &raw); err != nil {
			t.Fatal(err)
		}
		if got := string(raw["items"]); got != "[]" {
			t.Errorf("items: got %s, want [] (the spec requires the array)", got)
		}
	})
}

func TestUpdatedFallsBackToItems(t *testing.T) {
	f := fixtureFeed(home + "feed.atom")
	want := f.Updated
	f.Updated = time.Time{}
	if got := f.updated(); !got.Equal(want) {
		t.Errorf("got %v, want newest item time %v", got, want)
	}
}

func TestNilFeed(t *testing.T) {
	for name, encode := range map[string]func(*Feed) ([]byte, error){"rss": RSS, "atom": Atom, "json": JSONFeed} {
		if _, err := encode(nil); err == nil {
			t.Errorf("%s(nil): got no error, want one", name)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for name, encode := range map[string]func(*Feed) ([]byte, error){"rss": RSS, "atom": Atom, "json": JSONFeed} {
		a, err := encode(fixtureFeed(home + "f"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := encode(fixtureFeed(home + "f"))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two encodings of the same feed differ", name)
		}
	}
}

type parsedSitemap struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
}

func TestSitemap(t *testing.T) {
	urls := fixtureURLs()
	out, err := Sitemap(urls)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sitemap.xml", out)
	wellFormed(t, out)

	var got parsedSitemap
	if err := xml.Unmarshal(out, &got); err != nil {
		t.Fatalf("parse sitemap: %v", err)
	}
	if len(got.URLs) != len(urls) {
		t.Fatalf("urls: got %d, want %d", len(got.URLs), len(urls))
	}
	for i, w := range urls {
		g := got.URLs[i]
		if g.Loc != w.Loc {
			t.Errorf("url %d loc: got %q, want %q", i, g.Loc, w.Loc)
		}
		if w.LastMod.IsZero() {
			if g.LastMod != "" {
				t.Errorf("url %d lastmod: got %q, want none", i, g.LastMod)
			}
			continue
		}
		parsed, err := time.Parse(time.RFC3339, g.LastMod)
		if err != nil || !parsed.Equal(w.LastMod) {
			t.Errorf("url %d lastmod: got %q (%v), want %s", i, g.LastMod, err, w.LastMod.Format(time.RFC3339))
		}
	}
}

func TestSitemapEscapesUnusualLocs(t *testing.T) {
	// Not percent-encoded, so these take the EscapeText path.
	locs := []string{home + "zürich/", home + `q?x="<a>"&y='1'`}
	var urls []URL
	for _, l := range locs {
		urls = append(urls, URL{Loc: l})
	}
	out, err := Sitemap(urls)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out)
	var got parsedSitemap
	if err := xml.Unmarshal(out, &got); err != nil {
		t.Fatalf("parse sitemap: %v", err)
	}
	for i, want := range locs {
		if got.URLs[i].Loc != want {
			t.Errorf("url %d loc: got %q, want %q", i, got.URLs[i].Loc, want)
		}
	}
}

func TestSitemapEmpty(t *testing.T) {
	out, err := Sitemap(nil)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out)
}

func TestSitemapErrors(t *testing.T) {
	if _, err := Sitemap([]URL{{Loc: home}, {Loc: " "}}); err == nil || !strings.Contains(err.Error(), "url 1") {
		t.Errorf("empty loc: got error %v, want one naming url 1", err)
	}
	if _, err := Sitemap(make([]URL, maxSitemapURLs+1)); err == nil {
		t.Errorf("%d urls: got no error, want one", maxSitemapURLs+1)
	}
}

type parsedSitemapIndex struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

func TestSitemapIndex(t *testing.T) {
	refs := []SitemapRef{
		{Loc: home + "sitemaps/pages.xml", LastMod: time.Date(2024, 3, 11, 8, 0, 0, 0, zurich)},
		{Loc: home + "sitemaps/posts-1.xml", LastMod: time.Date(2024, 2, 20, 7, 5, 30, 0, boston)},
		{Loc: home + "sitemaps/posts-2.xml"},
		{Loc: home + "sitemaps/zürich & co.xml", LastMod: time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	out, err := SitemapIndex(refs)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sitemapindex.xml", out)
	wellFormed(t, out)

	var got parsedSitemapIndex
	if err := xml.Unmarshal(out, &got); err != nil {
		t.Fatalf("parse sitemap index: %v", err)
	}
	if len(got.Sitemaps) != len(refs) {
		t.Fatalf("sitemaps: got %d, want %d", len(got.Sitemaps), len(refs))
	}
	for i, w := range refs {
		g := got.Sitemaps[i]
		if g.Loc != w.Loc {
			t.Errorf("sitemap %d loc: got %q, want %q", i, g.Loc, w.Loc)
		}
		if w.LastMod.IsZero() {
			if g.LastMod != "" {
				t.Errorf("sitemap %d lastmod: got %q, want none", i, g.LastMod)
			}
			continue
		}
		parsed, err := time.Parse(time.RFC3339, g.LastMod)
		if err != nil || !parsed.Equal(w.LastMod) || g.LastMod != w.LastMod.Format(time.RFC3339) {
			t.Errorf("sitemap %d lastmod: got %q (%v), want %s", i, g.LastMod, err, w.LastMod.Format(time.RFC3339))
		}
	}

	// A sitemap index is not a urlset: decoding it as one fails.
	if err := xml.Unmarshal(out, new(parsedSitemap)); err == nil {
		t.Error("the index decodes as a urlset")
	}
}

func TestSitemapIndexEmpty(t *testing.T) {
	out, err := SitemapIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out)
	var got parsedSitemapIndex
	if err := xml.Unmarshal(out, &got); err != nil || len(got.Sitemaps) != 0 {
		t.Errorf("empty index: %d sitemaps, error %v", len(got.Sitemaps), err)
	}
}

func TestSitemapIndexErrors(t *testing.T) {
	if _, err := SitemapIndex([]SitemapRef{{Loc: home + "a.xml"}, {Loc: ""}}); err == nil || !strings.Contains(err.Error(), "sitemap 1") {
		t.Errorf("empty loc: got error %v, want one naming sitemap 1", err)
	}
	if _, err := SitemapIndex(make([]SitemapRef, maxSitemapRefs+1)); err == nil {
		t.Errorf("%d sitemaps: got no error, want one", maxSitemapRefs+1)
	}
}

func TestRobots(t *testing.T) {
	golden(t, "robots.txt", Robots(home+"sitemap.xml"))

	if got, want := string(Robots("")), "User-agent: *\nAllow: /\n"; got != want {
		t.Errorf("no sitemap: got %q, want %q", got, want)
	}
	got := string(Robots(home + "sitemap.xml\nDisallow: /"))
	if want := "User-agent: *\nAllow: /\n\nSitemap: " + home + "sitemap.xmlDisallow: /\n"; got != want {
		t.Errorf("line break in url: got %q, want %q", got, want)
	}
}

func BenchmarkSitemap10000(b *testing.B) {
	urls := make([]URL, 10000)
	mod := time.Date(2024, 3, 11, 8, 0, 0, 0, zurich)
	for i := range urls {
		urls[i] = URL{Loc: home + "notes/2024/03/" + strings.Repeat("x", i%40) + "/", LastMod: mod}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sitemap(urls); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRSS20(b *testing.B) {
	f := fixtureFeed(home + "feed.xml")
	base := f.Items
	f.Items = nil
	for len(f.Items) < 20 {
		f.Items = append(f.Items, base...)
	}
	f.Items = f.Items[:20]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RSS(f); err != nil {
			b.Fatal(err)
		}
	}
}
