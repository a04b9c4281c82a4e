package build_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"inkstone/generator/build"
	"inkstone/internal/sitetest"
)

// TestApplyMatchesFull changes a site at random, a few files at a time,
// and checks after each change that what Apply left in public/ is byte
// for byte what a fresh full build of the same content produces.
func TestApplyMatchesFull(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newRandomSite(t, seed)
			b := build.New(r.s.Cfg, slog.New(slog.DiscardHandler), now)
			if _, err := b.Full(context.Background(), build.Options{}); err != nil {
				t.Fatal(err)
			}
			steps := 40
			if testing.Short() {
				steps = 15
			}
			for step := 0; step < steps; step++ {
				var changed []string
				for n := 1 + r.rnd.IntN(3); n > 0; n-- {
					changed = append(changed, r.change()...)
				}
				if _, err := b.Apply(context.Background(), changed); err != nil {
					t.Fatalf("step %d (%s): %v", step, strings.Join(r.log, "; "), err)
				}
				r.compare(t, step)
				r.log = r.log[:0]
			}
		})
	}
}

// randomSite is a site whose content a test changes at random.
type randomSite struct {
	s     *testSite
	rnd   *rand.Rand
	posts []string // content paths of the posts that exist
	n     int      // posts made so far, for unique names
	log   []string // what the current step did
}

var randomTags = []string{"bread", "bikes", "Garden", "café", "travel"}

func newRandomSite(t *testing.T, seed uint64) *randomSite {
	root := sitetest.Site(t, `-- inkstone.toml --
base_url = "https://example.com/"
title = "Random"
per_page = 3
[feeds]
items = 5
-- content/about.md --
---
title: About
---
About this site.
`)
	r := &randomSite{s: &testSite{t: t, Root: root}, rnd: rand.New(rand.NewPCG(seed, 7))}
	r.s.Cfg = sitetest.Config(t, root)
	for i := 0; i < 12; i++ {
		r.create()
	}
	return r
}

// post writes a post with random front matter and body at rel.
func (r *randomSite) post(rel string) {
	var fm strings.Builder
	year := 2023 + r.rnd.IntN(3)
	fmt.Fprintf(&fm, "date: %d-%02d-%02dT%02d:00:00Z\n", year, 1+r.rnd.IntN(12), 1+r.rnd.IntN(28), r.rnd.IntN(24))
	if r.rnd.IntN(2) == 0 {
		fmt.Fprintf(&fm, "title: Post %d\n", r.rnd.IntN(1000))
	}
	var tags []string
	for _, tag := range randomTags {
		if r.rnd.IntN(3) == 0 {
			tags = append(tags, fmt.Sprintf("%q", tag))
		}
	}
	if len(tags) > 0 {
		fmt.Fprintf(&fm, "tags: [%s]\n", strings.Join(tags, ", "))
	}
	switch r.rnd.IntN(12) {
	case 0:
		fm.WriteString("draft: true\n")
	case 1:
		fm.WriteString("visibility: unlisted\n")
	case 2:
		fm.WriteString("visibility: private\n")
	case 3:
		fm.WriteString("deleted: true\n")
	}
	body := fmt.Sprintf("Words number %d about %s.\n", r.rnd.IntN(100000), randomTags[r.rnd.IntN(len(randomTags))])
	r.s.Write("content/"+rel, "---\n"+fm.String()+"---\n"+body)
}

func (r *randomSite) create() string {
	r.n++
	rel := fmt.Sprintf("posts/p%03d.md", r.n)
	r.post(rel)
	r.posts = append(r.posts, rel)
	return rel
}

// change makes one random change and returns the content paths it touched.
func (r *randomSite) change() []string {
	pick := func() (int, string) {
		i := r.rnd.IntN(len(r.posts))
		return i, r.posts[i]
	}
	switch op := r.rnd.IntN(10); {
	case op < 3 || len(r.posts) < 3:
		rel := r.create()
		r.log = append(r.log, "create "+rel)
		return []string{rel}
	case op < 6:
		_, rel := pick()
		r.post(rel)
		r.log = append(r.log, "rewrite "+rel)
		return []string{rel}
	case op < 7:
		i, rel := pick()
		r.s.Remove("content/" + rel)
		r.posts = append(r.posts[:i], r.posts[i+1:]...)
		r.log = append(r.log, "remove "+rel)
		return []string{rel}
	case op < 8:
		i, rel := pick()
		r.n++
		to := fmt.Sprintf("posts/moved/p%03d.md", r.n)
		data, err := os.ReadFile(filepath.Join(r.s.Root, "content", rel))
		if err != nil {
			r.s.t.Fatal(err)
		}
		r.s.Remove("content/" + rel)
		r.s.Write("content/"+to, string(data))
		r.posts[i] = to
		r.log = append(r.log, "move "+rel+" to "+to)
		return []string{rel, to}
	case op < 9:
		name := fmt.Sprintf("media/f%d.txt", r.rnd.IntN(3))
		full := filepath.Join(r.s.Root, "content", name)
		if _, err := os.Stat(full); err == nil && r.rnd.IntN(2) == 0 {
			r.s.Remove("content/" + name)
			r.log = append(r.log, "remove "+name)
		} else {
			r.s.Write("content/"+name, fmt.Sprint("file ", r.rnd.IntN(1000)))
			r.log = append(r.log, "write "+name)
		}
		return []string{name}
	default:
		r.s.Write("content/about.md", fmt.Sprintf("---\ntitle: About %d\n---\nAbout.\n", r.rnd.IntN(100)))
		r.log = append(r.log, "edit about.md")
		return []string{"about.md"}
	}
}

// compare builds the same content from scratch into another folder and
// compares the two trees.
func (r *randomSite) compare(t *testing.T, step int) {
	t.Helper()
	fresh := t.TempDir()
	out := filepath.Join(fresh, "public")
	cfg := *r.s.Cfg
	cfg.Paths.State = filepath.Join(fresh, "state")
	if _, err := build.New(&cfg, slog.New(slog.DiscardHandler), now).Full(context.Background(), build.Options{Out: out}); err != nil {
		t.Fatalf("step %d: fresh build: %v", step, err)
	}
	got := sitetest.Tree(t, r.s.Cfg.PublicDir())
	want := sitetest.Tree(t, out)
	var diffs []string
	for rel, w := range want {
		g, ok := got[rel]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+rel)
		case !bytes.Equal(g.Data, w.Data):
			diffs = append(diffs, "differs "+rel)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			diffs = append(diffs, "stale "+rel)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("step %d (%s): incremental output is not the full build's:\n%s", step, strings.Join(r.log, "; "), strings.Join(diffs, "\n"))
	}
}

// TestApplyRendersOnlyWhatChanged counts the work an edit costs: a new
// body for one note renders its page, its neighbours (their links show
// its label), the home page and tag pages that list it, its year, the
// feeds and the sitemap, and nothing else.
func TestApplyRendersOnlyWhatChanged(t *testing.T) {
	s := newSite(t)
	b := s.builder()
	full, err := b.Full(context.Background(), build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := s.Tree()
	s.Write("content/posts/2025/02/morning-coffee.md", `---
date: 2025-02-14T07:30:00Z
tags: [coffee, morning]
---
Morning tea on the balcony, the first warm day of the year.
`)
	sum, err := b.Apply(context.Background(), []string{"posts/2025/02/morning-coffee.md"})
	if err != nil {
		t.Fatal(err)
	}
	after := s.Tree()
	// The search index rewrites the shards of the words that changed, of
	// the post, and its small metadata file; every other shard stays.
	added, removed := searchChurn(before, after)
	if added == 0 || added > 8 || added != removed+1 && added != removed {
		t.Errorf("search index: %d files added, %d removed (of %d)", added, removed, len(searchFiles(before)))
	}
	index := added // search files written: new shards and meta.json
	var changed []string
	for rel, f := range after {
		if strings.HasPrefix(rel, "search/") {
			if b, ok := before[rel]; ok && !bytes.Equal(f.Data, b.Data) {
				index++
			}
			continue
		}
		if !bytes.Equal(f.Data, before[rel].Data) {
			changed = append(changed, rel)
		}
	}
	sort.Strings(changed)
	want := []string{"2025/02/morning-coffee/index.html", "2025/03/hello-world/index.html", "2025/01/harbour-photos/index.html",
		"2025/index.html", "atom.xml", "feed.json", "feed.xml", "index.html", "page/4/index.html", "tags/coffee/index.html", "tags/morning/index.html"}
	sort.Strings(want)
	if strings.Join(changed, " ") != strings.Join(want, " ") {
		t.Errorf("changed files:\n%s\nwant:\n%s", strings.Join(changed, "\n"), strings.Join(want, "\n"))
	}
	// Its page, 2 neighbours, the home page and archive page 4 (the newest
	// two posts), 2 tag pages, 2025, 3 feeds and the sitemap.
	if sum.Rendered != 12+index {
		t.Errorf("rendered %d outputs, want %d (of %d)", sum.Rendered, 12+index, full.Pages+full.Feeds+full.Files)
	}
	if sum.Written != len(want)+index || sum.Removed != removed {
		t.Errorf("summary %+v: want %d written, %d removed", sum, len(want)+index, removed)
	}

	// The watcher then reports the same file again: nothing to do.
	again, err := b.Apply(context.Background(), []string{"posts/2025/02/morning-coffee.md"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Rendered != 0 || again.Written != 0 {
		t.Errorf("unchanged file: %+v, want nothing rendered or written", again)
	}
}

// TestApplyFailureKeepsSite checks that a change that cannot be built
// leaves public/ as it was, and that once fixed, changes made meanwhile
// to other files are not lost.
func TestApplyFailureKeepsSite(t *testing.T) {
	s := newSite(t)
	b := s.builder()
	if _, err := b.Full(context.Background(), build.Options{}); err != nil {
		t.Fatal(err)
	}
	before := s.Tree()
	s.Write("content/posts/2025/02/morning-coffee.md", "---\ndate: [oops\n---\nBroken.\n")
	s.Write("content/posts/2024/08/tools.md", "---\ndate: 2024-08-01T10:00:00Z\n---\nNew words about tools.\n")
	if _, err := b.Apply(context.Background(), []string{"posts/2025/02/morning-coffee.md", "posts/2024/08/tools.md"}); err == nil {
		t.Fatal("Apply with broken front matter succeeded")
	}
	sameTree(t, before, s.Tree())

	s.Write("content/posts/2025/02/morning-coffee.md", "---\ndate: 2025-02-14T07:30:00Z\n---\nFixed.\n")
	if _, err := b.Apply(context.Background(), []string{"posts/2025/02/morning-coffee.md"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(s.Read("2024/08/tools/index.html"), []byte("New words about tools.")) {
		t.Error("the change made alongside the broken file was lost")
	}
	if !bytes.Contains(s.Read("2025/02/morning-coffee/index.html"), []byte("Fixed.")) {
		t.Error("the fixed post is not live")
	}
}

// TestApplyAfterPublicRemoved rebuilds everything when public/ is gone.
func TestApplyAfterPublicRemoved(t *testing.T) {
	s := newSite(t)
	b := s.builder()
	full, err := b.Full(context.Background(), build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(s.Cfg.PublicDir()); err != nil {
		t.Fatal(err)
	}
	sum, err := b.Apply(context.Background(), []string{"about.md"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Written != full.Written || len(s.Tree()) != full.Written {
		t.Errorf("after rm -rf public: wrote %d, have %d files, want %d", sum.Written, len(s.Tree()), full.Written)
	}
}
