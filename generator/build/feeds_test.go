package build_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"inkstone/generator/build"
	"inkstone/internal/sitetest"
)

// listed are the fixture's listed posts, newest first, as feeds and the
// sitemap must show them.
var listed = []struct {
	path, title, published string
}{
	{"2025/03/hello-world/", "Hello, world", "2025-03-10T09:00:00Z"},
	{"2025/02/morning-coffee/", "", "2025-02-14T07:30:00Z"},
	{"2025/01/harbour-photos/", "", "2025-01-20T16:45:00+01:00"},
	{"2024/12/smörgåstårta/", "Smörgåstårta för alla", "2024-12-24T12:00:00Z"},
	{"2024/11/static-sites/", "", "2024-11-05T12:00:00Z"},
	{"2024/10/nice-post/", "", "2024-10-01T08:00:00Z"},
	{"2024/09/worth-reading/", "", "2024-09-12T18:00:00Z"},
	{"2024/08/tools/", "", "2024-08-03T10:00:00Z"},
}

var feedFiles = []string{"feed.xml", "atom.xml", "feed.json"}

func parseFeed(t *testing.T, s *testSite, rel string) *gofeed.Feed {
	t.Helper()
	f, err := gofeed.NewParser().ParseString(string(s.Read(rel)))
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return f
}

func TestFeeds(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	for _, rel := range feedFiles {
		t.Run(rel, func(t *testing.T) {
			f := parseFeed(t, s, rel)
			if f.Title != "Tess's notes" {
				t.Errorf("title = %q", f.Title)
			}
			if f.Link != baseURL {
				t.Errorf("link = %q, want %s", f.Link, baseURL)
			}
			if len(f.Items) != len(listed) {
				t.Fatalf("%d items, want %d", len(f.Items), len(listed))
			}
			for i, want := range listed {
				it := f.Items[i]
				if it.Title != want.title {
					t.Errorf("item %d: title = %q, want %q", i, it.Title, want.title)
				}
				if !sameURL(it.Link, baseURL+want.path) {
					t.Errorf("item %d: link = %q, want %s", i, it.Link, baseURL+want.path)
				}
				wantTime, _ := time.Parse(time.RFC3339, want.published)
				if it.PublishedParsed == nil || !it.PublishedParsed.Equal(wantTime) {
					t.Errorf("item %d: published = %v, want %v", i, it.PublishedParsed, wantTime)
				}
			}
			// The article's relative link and image are absolute in feeds,
			// where there is no page URL to resolve them against.
			content := f.Items[0].Content
			for _, want := range []string{`href="https://example.com/about/"`, `src="https://example.com/media/harbour.svg"`} {
				if !strings.Contains(content, want) {
					t.Errorf("article content lacks %s:\n%s", want, content)
				}
			}
			if strings.Contains(content, `="/`) {
				t.Errorf("article content keeps a root-relative URL:\n%s", content)
			}
			if got, want := f.Items[0].Categories, []string{"go", "meta"}; !slices.Equal(got, want) {
				t.Errorf("article categories = %q, want %q", got, want)
			}
		})
	}
}

// TestFeedItemsAreValid checks the rules of each format that a post
// without a body (the like) can break: an RSS 2.0 item needs a title or a
// description, and a JSON Feed 1.1 item needs content_html or content_text.
func TestFeedItemsAreValid(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})

	var rss struct {
		Items []struct {
			GUID        string `xml:"guid"`
			Title       string `xml:"title"`
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(s.Read("feed.xml"), &rss); err != nil {
		t.Fatal(err)
	}
	for _, it := range rss.Items {
		if strings.TrimSpace(it.Title) == "" && strings.TrimSpace(it.Description) == "" {
			t.Errorf("feed.xml: item %s has neither title nor description", it.GUID)
		}
	}

	var jf struct {
		Items []struct {
			URL         string `json:"url"`
			ContentHTML string `json:"content_html"`
			ContentText string `json:"content_text"`
		} `json:"items"`
	}
	if err := json.Unmarshal(s.Read("feed.json"), &jf); err != nil {
		t.Fatal(err)
	}
	for _, it := range jf.Items {
		if it.ContentHTML == "" && it.ContentText == "" {
			t.Errorf("feed.json: item %s has neither content_html nor content_text", it.URL)
		}
	}
}

// TestFeedsCarryPhotos checks that a reader of any feed sees every photo of
// a photo post, in the content or as an enclosure or image.
func TestFeedsCarryPhotos(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	photos := []string{baseURL + "media/harbour.svg", "https://cdn.example.net/boats.jpg"}
	for _, rel := range feedFiles {
		f := parseFeed(t, s, rel)
		for _, it := range f.Items {
			if !sameURL(it.Link, baseURL+"2025/01/harbour-photos/") {
				continue
			}
			seen := it.Content + " " + it.Description
			for _, e := range it.Enclosures {
				seen += " " + e.URL
			}
			if it.Image != nil {
				seen += " " + it.Image.URL
			}
			for _, p := range photos {
				if !strings.Contains(seen, p) {
					t.Errorf("%s: the photo post's item does not show %s", rel, p)
				}
			}
		}
	}
}

// sitemapIndex and urlset decode sitemap.xml and the sitemaps it lists;
// the XML names make decoding fail on the wrong kind of document.
type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapLoc `xml:"url"`
}

type sitemapLoc struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

// sitemaps is the site's sitemap as crawlers see it: the index, and each
// child sitemap it lists, by path under public/.
type sitemaps struct {
	Index    sitemapIndex
	Paths    []string // the children, in the index's order
	Children map[string]urlset
}

// URLs lists every URL of every child, in the index's order.
func (sm sitemaps) URLs() []sitemapLoc {
	var out []sitemapLoc
	for _, p := range sm.Paths {
		out = append(out, sm.Children[p].URLs...)
	}
	return out
}

func readSitemap(t *testing.T, s *testSite) sitemaps {
	t.Helper()
	sm := sitemaps{Children: map[string]urlset{}}
	if err := xml.Unmarshal(s.Read("sitemap.xml"), &sm.Index); err != nil {
		t.Fatalf("sitemap.xml: %v", err)
	}
	for _, ref := range sm.Index.Sitemaps {
		rel, ok := strings.CutPrefix(ref.Loc, baseURL)
		if !ok {
			t.Fatalf("sitemap.xml lists %q, not an absolute URL of the site", ref.Loc)
		}
		var us urlset
		if err := xml.Unmarshal(s.Read(rel), &us); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		sm.Paths = append(sm.Paths, rel)
		sm.Children[rel] = us
		// The index's lastmod is the newest of the child's.
		var newest time.Time
		for _, u := range us.URLs {
			if u.LastMod == "" {
				continue
			}
			at, err := time.Parse(time.RFC3339, u.LastMod)
			if err != nil {
				t.Fatalf("%s: %s: lastmod: %v", rel, u.Loc, err)
			}
			if at.After(newest) {
				newest = at
			}
		}
		if newest.IsZero() {
			if ref.LastMod != "" {
				t.Errorf("sitemap.xml: %s has lastmod %q, want none as its URLs have none", rel, ref.LastMod)
			}
		} else if got, err := time.Parse(time.RFC3339, ref.LastMod); err != nil || !got.Equal(newest) {
			t.Errorf("sitemap.xml: %s has lastmod %q, want its newest, %s", rel, ref.LastMod, newest.Format(time.RFC3339))
		}
	}
	return sm
}

func TestSitemap(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	sm := readSitemap(t, s)
	if got, want := strings.Join(sm.Paths, " "), "sitemaps/pages.xml sitemaps/posts-1.xml"; got != want {
		t.Fatalf("sitemap.xml lists %s, want %s", got, want)
	}
	// The home page and the standalone pages, then the posts, oldest
	// first.
	want := []string{baseURL, baseURL + "about/"}
	for _, p := range slices.Backward(listed) {
		want = append(want, baseURL+p.path)
	}
	var got []string
	for _, u := range sm.URLs() {
		got = append(got, u.Loc)
	}
	if len(got) != len(want) {
		t.Fatalf("sitemap has %q, want %q", got, want)
	}
	for i := range want {
		if !sameURL(got[i], want[i]) {
			t.Errorf("url %d = %q, want %q", i, got[i], want[i])
		}
	}
	if got := sm.Children["sitemaps/posts-1.xml"].URLs; len(got) == len(listed) {
		for i, u := range got {
			if p := listed[len(listed)-1-i]; !sameTime(t, u.LastMod, p.published) {
				t.Errorf("%s: lastmod %q, want %s", u.Loc, u.LastMod, p.published)
			}
		}
	}
	if home := sm.Children["sitemaps/pages.xml"].URLs[0]; !sameTime(t, home.LastMod, listed[0].published) {
		t.Errorf("home page lastmod %q, want the newest post's, %s", home.LastMod, listed[0].published)
	}
	if got := string(s.Read("robots.txt")); !strings.Contains(got, "Sitemap: "+baseURL+"sitemap.xml") {
		t.Errorf("robots.txt does not name the sitemap:\n%s", got)
	}
}

func sameTime(t *testing.T, a, b string) bool {
	t.Helper()
	ta, err := time.Parse(time.RFC3339, a)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339, b)
	if err != nil {
		t.Fatal(err)
	}
	return ta.Equal(tb)
}

// TestSitemapGolden compares the child sitemaps with golden files, as
// TestGolden does sitemap.xml.
func TestSitemapGolden(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	for _, rel := range []string{"sitemaps/pages.xml", "sitemaps/posts-1.xml"} {
		sitetest.Golden(t, "golden/"+strings.ReplaceAll(rel, "/", "-"), s.Read(rel))
	}
}

// TestSitemapWithoutPosts: with no listed post there is no posts sitemap,
// and the index lists pages.xml alone.
func TestSitemapWithoutPosts(t *testing.T) {
	s := newSite(t)
	for _, p := range listed {
		matches, err := filepath.Glob(filepath.Join(s.Root, "content", "posts", filepath.FromSlash(strings.TrimSuffix(p.path, "/")+".md")))
		if err != nil || len(matches) != 1 {
			t.Fatalf("source of %s: %v %v", p.path, matches, err)
		}
		if err := os.Remove(matches[0]); err != nil {
			t.Fatal(err)
		}
	}
	s.Build(build.Options{})
	sm := readSitemap(t, s)
	if got := strings.Join(sm.Paths, " "); got != "sitemaps/pages.xml" {
		t.Fatalf("sitemap.xml lists %s, want sitemaps/pages.xml alone", got)
	}
	var got []string
	for _, u := range sm.URLs() {
		got = append(got, u.Loc)
	}
	if want := []string{baseURL, baseURL + "about/"}; !slices.Equal(got, want) {
		t.Errorf("sitemap has %q, want %q", got, want)
	}
	if s.Exists("sitemaps/posts-1.xml") {
		t.Error("sitemaps/posts-1.xml exists without posts")
	}
}

// TestSitemapURLsAreEscaped: sitemaps.org requires URLs that follow RFC
// 3986, that is non-ASCII characters percent-encoded, as the pages' own
// links are.
func TestSitemapURLsAreEscaped(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	sm := readSitemap(t, s)
	for _, u := range append(sm.Index.Sitemaps, sm.URLs()...) {
		for _, r := range u.Loc {
			if r > 0x7e || r <= 0x20 {
				t.Errorf("loc %q is not percent-encoded ASCII", u.Loc)
				break
			}
		}
	}
}

// manyPosts adds n notes to s, an hour apart from 2001-01-01, all older
// than the fixture's posts; post i (from 0, the oldest) is genPost(i).
func manyPosts(s *testSite, n int) {
	s.t.Helper()
	for i := range n {
		s.Write("content/"+genPost(i), genNote(i, ""))
	}
}

func genPost(i int) string {
	at := genDate(i)
	return fmt.Sprintf("posts/%04d/%02d/gen-%05d.md", at.Year(), at.Month(), i)
}

func genDate(i int) time.Time {
	return time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
}

func genNote(i int, updated string) string {
	fm := "date: " + genDate(i).Format(time.RFC3339) + "\n"
	if updated != "" {
		fm += "updated: " + updated + "\n"
	}
	return fmt.Sprintf("---\n%s---\nGenerated note number %d.\n", fm, i)
}

// TestSitemapChunks builds a site of more than 2,000 posts: the posts are
// split over sitemaps of 1,000, numbered from the oldest post, so that a
// new post changes only the last one (and the index and pages.xml), an
// edit only its own, and incremental builds write what a full build does.
func TestSitemapChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a site of 2,000 posts")
	}
	const generated = 1997 // with the fixture's 8: 1,000, 1,000 and 5
	s := newSite(t, "inkstone.toml", `base_url = "https://example.com/"
title = "Tess's notes"
per_page = 500
[author]
name = "Tess Tester"
`)
	manyPosts(s, generated)
	b := s.builder()
	if _, err := b.Full(context.Background(), build.Options{}); err != nil {
		t.Fatal(err)
	}
	sm := readSitemap(t, s)
	if got, want := strings.Join(sm.Paths, " "), "sitemaps/pages.xml sitemaps/posts-1.xml sitemaps/posts-2.xml sitemaps/posts-3.xml"; got != want {
		t.Fatalf("sitemap.xml lists %s, want %s", got, want)
	}
	for _, ref := range sm.Index.Sitemaps {
		if strings.HasPrefix(ref.Loc, baseURL+"sitemaps/posts-") && ref.LastMod == "" {
			t.Errorf("sitemap.xml: %s has no lastmod", ref.Loc)
		}
	}
	// Every post once, oldest first: the generated ones, then the
	// fixture's.
	var want []string
	for i := range generated {
		want = append(want, baseURL+strings.TrimSuffix(strings.TrimPrefix(genPost(i), "posts/"), ".md")+"/")
	}
	for _, p := range slices.Backward(listed) {
		want = append(want, baseURL+p.path)
	}
	var got []string
	for _, p := range sm.Paths[1:] {
		for _, u := range sm.Children[p].URLs {
			got = append(got, u.Loc)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the posts sitemaps list %d URLs, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameURL(got[i], want[i]) {
			t.Fatalf("post url %d = %q, want %q", i, got[i], want[i])
		}
	}
	for p, n := range map[string]int{"sitemaps/posts-1.xml": 1000, "sitemaps/posts-2.xml": 1000, "sitemaps/posts-3.xml": 5} {
		if got := len(sm.Children[p].URLs); got != n {
			t.Errorf("%s lists %d posts, want %d", p, got, n)
		}
	}

	files := func() map[string]sitetest.File {
		tree := s.Tree()
		for rel := range tree {
			if rel != "sitemap.xml" && !strings.HasPrefix(rel, "sitemaps/") {
				delete(tree, rel)
			}
		}
		return tree
	}
	// step applies a change and returns the sitemap files it rewrote;
	// a full build afterwards must find nothing to write or remove.
	step := func(name string, paths ...string) []string {
		t.Helper()
		before := files()
		if _, err := b.Apply(context.Background(), paths); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after := files()
		var changed []string
		for rel, a := range after {
			if old, ok := before[rel]; !ok || string(old.Data) != string(a.Data) {
				changed = append(changed, rel)
			} else if !os.SameFile(old.Info, a.Info) || !old.ModTime.Equal(a.ModTime) {
				t.Errorf("%s: %s was rewritten with the same bytes", name, rel)
			}
		}
		for rel := range before {
			if _, ok := after[rel]; !ok {
				changed = append(changed, rel+" (removed)")
			}
		}
		sort.Strings(changed)
		if full := s.Build(build.Options{}); full.Written != 0 || full.Removed != 0 {
			t.Errorf("%s: a full build after it wrote %d and removed %d files", name, full.Written, full.Removed)
		}
		readSitemap(t, s) // still consistent
		return changed
	}
	expect := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s changed %q, want %q", name, got, want)
		}
	}

	s.Write("content/posts/2025/05/new-note.md", "---\ndate: 2025-05-01T10:00:00Z\n---\nA new note.\n")
	expect("a new post", step("a new post", "posts/2025/05/new-note.md"),
		"sitemap.xml", "sitemaps/pages.xml", "sitemaps/posts-3.xml")
	if n := len(readSitemap(t, s).Children["sitemaps/posts-3.xml"].URLs); n != 6 {
		t.Errorf("after a new post posts-3.xml lists %d posts, want 6", n)
	}

	// An edit that shows (a new updated time) in the oldest chunk,
	// still older than the newest post: the site's time is unchanged.
	s.Write("content/"+genPost(10), genNote(10, "2010-06-01T00:00:00Z"))
	expect("an updated old post", step("an updated old post", genPost(10)), "sitemap.xml", "sitemaps/posts-1.xml")

	// A new body changes no URL or lastmod: no sitemap changes.
	s.Write("content/"+genPost(1500), strings.Replace(genNote(1500, ""), "Generated", "Rewritten", 1))
	expect("a new body", step("a new body", genPost(1500)))

	// Six posts fewer: the last chunk goes.
	var gone []string
	for i := generated - 6; i < generated; i++ {
		s.Remove("content/" + genPost(i))
		gone = append(gone, genPost(i))
	}
	expect("six posts fewer", step("six posts fewer", gone...),
		"sitemap.xml", "sitemaps/posts-2.xml", "sitemaps/posts-3.xml (removed)")
	if got := strings.Join(readSitemap(t, s).Paths, " "); got != "sitemaps/pages.xml sitemaps/posts-1.xml sitemaps/posts-2.xml" {
		t.Errorf("after six posts fewer sitemap.xml lists %s", got)
	}
}
