package site_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/site"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPatternExpand(t *testing.T) {
	at := date("2024-05-07T09:30:00Z")
	tests := []struct {
		pattern, slug string
		at            time.Time
		want          string
	}{
		{"/:year/:month/:slug/", "hello", at, "/2024/05/hello/"},
		{"/:year/:month/:day/:slug/", "hello", at, "/2024/05/07/hello/"},
		{"/posts/:slug/", "hello", at, "/posts/hello/"},
		{"/:slug/", "smörgåstårta", at, "/smörgåstårta/"},
		// The slug is inserted, never expanded itself.
		{"/:year/:slug/", "a-:month-:year", at, "/2024/a-:month-:year/"},
		// The date as written, in its own zone: the file sits in posts/2025/01/.
		{"/:year/:month/:slug/", "new-year", date("2025-01-01T00:30:00+01:00"), "/2025/01/new-year/"},
		{"/:year/:month/:slug/", "old", date("0999-12-31T00:00:00Z"), "/0999/12/old/"},
	}
	for _, tt := range tests {
		if got := site.Pattern(tt.pattern).Expand(tt.slug, tt.at); got != tt.want {
			t.Errorf("Pattern(%q).Expand(%q, %v) = %q, want %q", tt.pattern, tt.slug, tt.at, got, tt.want)
		}
	}
}

func TestSlugOf(t *testing.T) {
	tests := []struct {
		path, slug, want string
	}{
		{"posts/2024/05/hello.md", "", "hello"},
		{"posts/2024/05/hello.md", "Other Name!", "other-name"},
		{"posts/2024/05/hello.md", "!!!", "hello"}, // a slug that slugifies to nothing
		{"posts/2024/05/smörgåstårta.md", "", "smörgåstårta"},
	}
	for _, tt := range tests {
		p := &content.Post{Path: tt.path, Slug: tt.slug}
		if got := site.SlugOf(p); got != tt.want {
			t.Errorf("SlugOf(%s, slug %q) = %q, want %q", tt.path, tt.slug, got, tt.want)
		}
	}
}

func TestURLFor(t *testing.T) {
	pattern := site.Pattern("/:year/:month/:slug/")
	tests := []struct {
		post content.Post
		want string
	}{
		{content.Post{Path: "about.md", Kind: content.KindPage}, "/about/"},
		{content.Post{Path: "index.md", Kind: content.KindPage}, "/"},
		{content.Post{Path: "projects/index.md", Kind: content.KindPage}, "/projects/"},
		{content.Post{Path: "projects/inkstone.md", Kind: content.KindPage}, "/projects/inkstone/"},
		{content.Post{Path: "now.md", Kind: content.KindPage, Slug: "ignored"}, "/now/"}, // pages follow their path
		{content.Post{Path: "posts/2024/05/hello.md", Kind: content.KindPost, Date: date("2024-05-07T09:30:00Z")}, "/2024/05/hello/"},
		{content.Post{Path: "posts/2024/05/hello.md", Kind: content.KindPost, Slug: "hi", Date: date("2024-05-07T09:30:00Z")}, "/2024/05/hi/"},
	}
	for _, tt := range tests {
		if got := site.URLFor(&tt.post, pattern); got != tt.want {
			t.Errorf("URLFor(%s) = %q, want %q", tt.post.Path, got, tt.want)
		}
	}
}

func TestOutputFor(t *testing.T) {
	for url, want := range map[string]string{
		"/":                 "index.html",
		"/about/":           "about/index.html",
		"/2024/05/hello/":   "2024/05/hello/index.html",
		"/tags/go/page/2/":  "tags/go/page/2/index.html",
		"/404.html":         "404.html",
		"/feed.xml":         "feed.xml",
		"/2024/12/smörgås/": "2024/12/smörgås/index.html",
	} {
		if got := site.OutputFor(url); got != want {
			t.Errorf("OutputFor(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestTagRefFor(t *testing.T) {
	tests := []struct{ name, slug string }{
		{"go", "go"},
		{"Go", "go"},
		{"IndieWeb Camp", "indieweb-camp"},
		{"Smörgåstårta", "smörgåstårta"},
		{"東京", "東京"},
		{"!!!", "tag"},
	}
	for _, tt := range tests {
		got := site.TagRefFor(tt.name)
		want := site.TagRef{Name: tt.name, Slug: tt.slug, URL: "/tags/" + tt.slug + "/"}
		if got != want {
			t.Errorf("TagRefFor(%q) = %+v, want %+v", tt.name, got, want)
		}
	}
}

func TestPagination(t *testing.T) {
	urls := []struct {
		base string
		n    int
		want string
	}{
		{"/", 0, "/"},
		{"/", 1, "/page/1/"},
		{"/", 10, "/page/10/"},
		{"/tags/go/", 0, "/tags/go/"},
		{"/tags/go/", 3, "/tags/go/page/3/"},
	}
	for _, tt := range urls {
		if got := site.PageURL(tt.base, tt.n); got != tt.want {
			t.Errorf("PageURL(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
	}
}

// entry makes a site.Entry as the build does.
func entry(path, when string, listed bool, tags ...string) *site.Entry {
	p := &content.Post{Path: path, Kind: content.KindOf(path), Tags: tags}
	if when != "" {
		p.Date = date(when)
	}
	e := &site.Entry{Post: p, Slug: site.SlugOf(p), URL: site.URLFor(p, "/:year/:month/:slug/"), Listed: listed}
	for _, t := range tags {
		e.Tags = append(e.Tags, site.TagRefFor(t))
	}
	return e
}

func paths(es []*site.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Post.Path)
	}
	return out
}

func pathOf(e *site.Entry) string {
	if e == nil {
		return ""
	}
	return e.Post.Path
}

func TestAssemble(t *testing.T) {
	in := []*site.Entry{
		entry("about.md", "", false),
		entry("posts/2023/12/old.md", "2023-12-31T23:00:00Z", true, "go"),
		entry("posts/2024/05/a.md", "2024-05-07T09:00:00Z", true, "go", "Food"),
		entry("posts/2024/05/b.md", "2024-05-07T09:00:00Z", true, "food"), // same time as a: path breaks the tie
		entry("posts/2024/06/hidden.md", "2024-06-01T00:00:00Z", false, "go", "secret"),
		entry("posts/2024/07/new.md", "2024-07-01T00:00:00Z", true),
	}
	in[2].Post.Updated = date("2024-08-01T00:00:00Z")
	s, err := site.Assemble(in)
	if err != nil {
		t.Fatal(err)
	}

	wantPosts := []string{"posts/2024/07/new.md", "posts/2024/05/b.md", "posts/2024/05/a.md", "posts/2023/12/old.md"}
	if got := paths(s.Posts); !slices.Equal(got, wantPosts) {
		t.Errorf("Posts = %q, want %q", got, wantPosts)
	}
	if got, want := paths(s.Entries), paths(in[1:]); !slices.Equal(got, want) {
		t.Errorf("Entries = %q, want %q", got, want)
	}
	if got := paths(s.Pages); !slices.Equal(got, []string{"about.md"}) {
		t.Errorf("Pages = %q, want [about.md]", got)
	}

	// Prev is the older neighbour, Next the newer one.
	for i, e := range s.Posts {
		var prev, next string
		if i+1 < len(wantPosts) {
			prev = wantPosts[i+1]
		}
		if i > 0 {
			next = wantPosts[i-1]
		}
		if pathOf(e.Prev) != prev || pathOf(e.Next) != next {
			t.Errorf("%s: prev %q, next %q; want %q, %q", e.Post.Path, pathOf(e.Prev), pathOf(e.Next), prev, next)
		}
	}
	hidden := in[4]
	if hidden.Prev != nil || hidden.Next != nil {
		t.Errorf("unlisted entry has prev %q, next %q; want none", pathOf(hidden.Prev), pathOf(hidden.Next))
	}

	// Tags by slug; "Food" and "food" are one tag; a tag only an unlisted
	// post carries has no page.
	var tags []string
	for _, tag := range s.Tags {
		tags = append(tags, tag.Slug+"="+strings.Join(paths(tag.Posts), ","))
		if tag.URL != "/tags/"+tag.Slug+"/" {
			t.Errorf("tag %s has URL %q", tag.Slug, tag.URL)
		}
	}
	wantTags := []string{
		"food=posts/2024/05/b.md,posts/2024/05/a.md",
		"go=posts/2024/05/a.md,posts/2023/12/old.md",
	}
	if !slices.Equal(tags, wantTags) {
		t.Errorf("Tags = %q, want %q", tags, wantTags)
	}

	var years []string
	for _, y := range s.Years {
		years = append(years, y.URL+"="+strings.Join(paths(y.Posts), ","))
	}
	wantYears := []string{
		"/2024/=posts/2024/07/new.md,posts/2024/05/b.md,posts/2024/05/a.md",
		"/2023/=posts/2023/12/old.md",
	}
	if !slices.Equal(years, wantYears) {
		t.Errorf("Years = %q, want %q", years, wantYears)
	}
	if s.Years[0].Year != 2024 {
		t.Errorf("Years[0].Year = %d, want 2024", s.Years[0].Year)
	}

	// The newest date or update among listed posts; the unlisted one does
	// not count.
	if got, want := s.Updated(), date("2024-08-01T00:00:00Z"); !got.Equal(want) {
		t.Errorf("Updated() = %v, want %v", got, want)
	}
}

func TestAssembleEmpty(t *testing.T) {
	s, err := site.Assemble(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Posts)+len(s.Entries)+len(s.Pages)+len(s.Tags)+len(s.Years) != 0 || !s.Updated().IsZero() {
		t.Errorf("Assemble(nil) = %+v, want an empty site", s)
	}
}

func TestAssembleURLClash(t *testing.T) {
	tests := []struct {
		name string
		in   []*site.Entry
	}{
		{"same slug and month", []*site.Entry{
			entry("posts/2024/05/hello.md", "2024-05-01T00:00:00Z", true),
			entry("posts/2024/05/other.md", "2024-05-20T00:00:00Z", true),
		}},
		{"page and post", []*site.Entry{
			entry("2024/05/hello.md", "", false),
			entry("posts/2024/05/hello.md", "2024-05-01T00:00:00Z", true),
		}},
	}
	tests[0].in[1].Post.Slug = "hello"
	tests[0].in[1].URL = site.URLFor(tests[0].in[1].Post, "/:year/:month/:slug/")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in[0].URL != tt.in[1].URL {
				t.Fatalf("test entries have URLs %q and %q, want one", tt.in[0].URL, tt.in[1].URL)
			}
			_, err := site.Assemble(tt.in)
			if err == nil {
				t.Fatal("Assemble accepted two entries with one URL")
			}
			var pe *content.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *content.ParseError", err)
			}
			for _, want := range []string{tt.in[0].Post.Path, tt.in[1].Post.Path, tt.in[0].URL} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
		})
	}
}

func TestPaginate(t *testing.T) {
	type pg struct {
		n, lo, hi    int
		newer, older string
	}
	tests := []struct {
		name   string
		n, per int
		want   []pg
	}{
		{"empty", 0, 10, []pg{{0, 0, 0, "", ""}}},
		{"short", 7, 10, []pg{{0, 0, 7, "", ""}}},
		{"one run and some", 15, 10, []pg{{0, 0, 15, "", ""}}},
		{"two runs", 20, 10, []pg{{0, 0, 10, "", "/page/1/"}, {2, 0, 10, "/", "/page/1/"}, {1, 10, 20, "/page/2/", ""}}},
		{"two runs and one", 21, 10, []pg{{0, 0, 11, "", "/page/1/"}, {2, 1, 11, "/", "/page/1/"}, {1, 11, 21, "/page/2/", ""}}},
		{"pairs", 7, 2, []pg{{0, 0, 3, "", "/page/2/"}, {3, 1, 3, "/", "/page/2/"}, {2, 3, 5, "/page/3/", "/page/1/"}, {1, 5, 7, "/page/2/", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []pg
			for _, p := range site.Paginate("/", tt.n, tt.per) {
				if p.URL != site.PageURL("/", p.Number) {
					t.Errorf("page %d has URL %s", p.Number, p.URL)
				}
				got = append(got, pg{p.Number, p.Lo, p.Hi, p.NewerURL, p.OlderURL})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Paginate(%d, %d) =\n%v\nwant\n%v", tt.n, tt.per, got, tt.want)
			}
		})
	}
}

// TestPaginateStable checks what makes the scheme worth having: adding a
// post at the top leaves every archive page's posts where they were, and
// every post is on the first page or on exactly one archive page.
func TestPaginateStable(t *testing.T) {
	for per := 1; per <= 5; per++ {
		for n := 0; n <= 40; n++ {
			pages := site.Paginate("/", n, per)
			next := site.Paginate("/", n+1, per)
			seen := make([]int, n)
			for _, p := range pages {
				if p.Hi-p.Lo > 2*per || (p.Number > 0 && p.Hi-p.Lo != per) {
					t.Fatalf("n=%d per=%d: page %d shows %d posts", n, per, p.Number, p.Hi-p.Lo)
				}
				if p.Number == 0 {
					continue
				}
				for i := p.Lo; i < p.Hi; i++ {
					seen[i]++
				}
				// With one more post on top, the same page shows the same
				// posts, one index further down the list.
				for _, q := range next {
					if q.Number == p.Number && (q.Lo != p.Lo+1 || q.Hi != p.Hi+1) {
						t.Fatalf("n=%d per=%d: page %d moved from [%d,%d) to [%d,%d)", n, per, p.Number, p.Lo, p.Hi, q.Lo, q.Hi)
					}
				}
			}
			first := pages[0]
			for i := first.Hi; i < n; i++ {
				if seen[i] != 1 {
					t.Fatalf("n=%d per=%d: post %d is on %d archive pages", n, per, i, seen[i])
				}
			}
		}
	}
}
