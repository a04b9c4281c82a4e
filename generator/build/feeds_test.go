package build_test

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"inkstone/generator/build"
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

type sitemap struct {
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
}

func readSitemap(t *testing.T, s *testSite) sitemap {
	t.Helper()
	var sm sitemap
	if err := xml.Unmarshal(s.Read("sitemap.xml"), &sm); err != nil {
		t.Fatal(err)
	}
	return sm
}

func TestSitemap(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	want := []string{baseURL, baseURL + "about/"}
	for _, p := range listed {
		want = append(want, baseURL+p.path)
	}
	sm := readSitemap(t, s)
	var got []string
	for _, u := range sm.URLs {
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
	if got := string(s.Read("robots.txt")); !strings.Contains(got, "Sitemap: "+baseURL+"sitemap.xml") {
		t.Errorf("robots.txt does not name the sitemap:\n%s", got)
	}
}

// TestSitemapURLsAreEscaped: sitemaps.org requires URLs that follow RFC
// 3986, that is non-ASCII characters percent-encoded, as the pages' own
// links are.
func TestSitemapURLsAreEscaped(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	for _, u := range readSitemap(t, s).URLs {
		for _, r := range u.Loc {
			if r > 0x7e || r <= 0x20 {
				t.Errorf("loc %q is not percent-encoded ASCII", u.Loc)
				break
			}
		}
	}
}
