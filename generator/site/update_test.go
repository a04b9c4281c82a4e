package site

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"inkstone/generator/content"
)

// TestUpdateEqualsAssemble changes a site at random, through Update, and
// after every step compares it, links included, with Assemble on every
// entry.
func TestUpdateEqualsAssemble(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tagNames := []string{"Go", "go", "bread", "Bikes", "café", "tea"}
	var seq int
	newEntry := func() *Entry {
		seq++
		kind := content.KindPost
		path := fmt.Sprintf("posts/%d/%02d/p%03d.md", 2020+rng.IntN(4), 1+rng.IntN(12), rng.IntN(60))
		if rng.IntN(12) == 0 {
			kind, path = content.KindPage, fmt.Sprintf("page%d.md", rng.IntN(8))
		}
		// A few share a date, so that ties fall to the path.
		date := time.Date(2020+rng.IntN(4), time.Month(1+rng.IntN(12)), 1+rng.IntN(3), 0, 0, 0, 0, time.UTC)
		p := &content.Post{Path: path, Kind: kind, Date: date}
		e := &Entry{Post: p, URL: "/" + strings.TrimSuffix(path, ".md") + "/", Listed: kind == content.KindPost && rng.IntN(8) != 0}
		for range rng.IntN(3) {
			e.Tags = append(e.Tags, TagRefFor(tagNames[rng.IntN(len(tagNames))]))
		}
		return e
	}
	byPath := map[string]*Entry{}
	all := func() []*Entry {
		var es []*Entry
		for _, e := range byPath {
			es = append(es, e)
		}
		slices.SortFunc(es, pathDesc)
		return es
	}
	s, err := Assemble(nil)
	if err != nil {
		t.Fatal(err)
	}
	for step := range 400 {
		var gone, fresh []*Entry
		for range 1 + rng.IntN(4) {
			switch e := newEntry(); {
			case rng.IntN(4) == 0 && len(byPath) > 0: // delete one
				es := all()
				g := es[rng.IntN(len(es))]
				delete(byPath, g.Post.Path)
				gone = append(gone, g)
			default: // add, or replace the post at that path
				if old := byPath[e.Post.Path]; old != nil {
					if slices.Contains(fresh, old) {
						continue
					}
					gone = append(gone, old)
				}
				byPath[e.Post.Path] = e
				fresh = append(fresh, e)
			}
		}
		// fresh may hold an entry deleted again in the same step.
		fresh = slices.DeleteFunc(fresh, func(e *Entry) bool { return byPath[e.Post.Path] != e })
		got, err := s.Update(gone, fresh)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		links := map[*Entry][2]*Entry{}
		for _, e := range got.Posts {
			links[e] = [2]*Entry{e.Prev, e.Next}
		}
		want, err := Assemble(all())
		if err != nil {
			t.Fatal(err)
		}
		compareSites(t, step, got, want)
		for _, e := range want.Posts {
			if l := links[e]; l != [2]*Entry{e.Prev, e.Next} {
				t.Fatalf("step %d: %s linked to %v, want %v", step, e.Post.Path, l, [2]*Entry{e.Prev, e.Next})
			}
		}
		s = want
		if step%2 == 0 {
			s = got // carry on from either
		}
	}
}

func compareSites(t *testing.T, step int, got, want *Site) {
	t.Helper()
	same := func(what string, a, b []*Entry) {
		t.Helper()
		if !slices.Equal(a, b) {
			t.Fatalf("step %d: %s differ:\n got %v\nwant %v", step, what, paths(a), paths(b))
		}
	}
	same("posts", got.Posts, want.Posts)
	same("entries", got.Entries, want.Entries)
	same("pages", got.Pages, want.Pages)
	if len(got.Tags) != len(want.Tags) {
		t.Fatalf("step %d: %d tags, want %d", step, len(got.Tags), len(want.Tags))
	}
	for i := range got.Tags {
		if got.Tags[i].TagRef != want.Tags[i].TagRef {
			t.Fatalf("step %d: tag %d is %+v, want %+v", step, i, got.Tags[i].TagRef, want.Tags[i].TagRef)
		}
		same("tag "+want.Tags[i].Slug, got.Tags[i].Posts, want.Tags[i].Posts)
	}
	if len(got.Years) != len(want.Years) {
		t.Fatalf("step %d: %d years, want %d", step, len(got.Years), len(want.Years))
	}
	for i := range got.Years {
		if got.Years[i].Year != want.Years[i].Year || got.Years[i].URL != want.Years[i].URL {
			t.Fatalf("step %d: year %d is %d, want %d", step, i, got.Years[i].Year, want.Years[i].Year)
		}
		same(fmt.Sprint("year ", want.Years[i].Year), got.Years[i].Posts, want.Years[i].Posts)
	}
}

func paths(es []*Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Post.Path)
	}
	return out
}

func TestUpdateRefusesClash(t *testing.T) {
	a := &Entry{Post: &content.Post{Path: "posts/a.md", Date: time.Unix(1, 0)}, URL: "/x/", Listed: true}
	b := &Entry{Post: &content.Post{Path: "posts/b.md", Date: time.Unix(2, 0)}, URL: "/x/", Listed: true}
	s, err := Assemble([]*Entry{a})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(nil, []*Entry{b}); err != ErrAssemble {
		t.Fatalf("Update with a URL taken = %v, want ErrAssemble", err)
	}
}
