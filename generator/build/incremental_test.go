package build_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"inkstone/generator/build"
	"inkstone/internal/sitetest"
)

func TestUnchangedBuildWritesNothing(t *testing.T) {
	s := newSite(t)
	first := s.Build(build.Options{})
	if first.Written == 0 || first.Unchanged != 0 || first.Removed != 0 {
		t.Fatalf("first build: %+v, want only writes", first)
	}
	s.Age()
	before := s.Tree()
	if first.Written != len(before) {
		t.Errorf("first build wrote %d files, public/ holds %d", first.Written, len(before))
	}
	// 8 listed posts, the unlisted one and about.md; 7 feeds (RSS, Atom,
	// JSON Feed, the sitemap index and its sitemaps/pages.xml and
	// sitemaps/posts-1.xml, robots.txt); 2 media and 3 theme files, and
	// the search index.
	index := len(searchFiles(before))
	if first.Posts != 10 || first.Feeds != 7 || first.Files != 5+index || index < 3 || first.Pages != len(s.HTMLFiles()) ||
		first.Pages+first.Feeds+first.Files != first.Written {
		t.Errorf("first build: %+v; want 10 posts, %d pages, 7 feeds, %d files", first, len(s.HTMLFiles()), 5+index)
	}

	second := s.Build(build.Options{})
	if second.Written != 0 || second.Removed != 0 || second.Unchanged != first.Written {
		t.Errorf("second build: written %d, unchanged %d, removed %d; want 0, %d, 0",
			second.Written, second.Unchanged, second.Removed, first.Written)
	}
	sameTree(t, before, s.Tree())
	noTemps(t, s.Cfg.PublicDir())
}

// TestEditOnePost edits one post's body: the files whose bytes change are
// written, and every other file is left alone.
func TestEditOnePost(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	old := s.Age()
	before := s.Tree()

	s.Write("content/posts/2025/02/morning-coffee.md", `---
date: 2025-02-14T07:30:00Z
tags: [coffee, morning]
---
Morning tea on the balcony, the first warm day of the year.
`)
	sum := s.Build(build.Options{})
	after := s.Tree()

	// The search index replaces the shards the edit touches: new names.
	added, removed := searchChurn(before, after)
	var changed []string
	for rel, a := range after {
		b, ok := before[rel]
		switch {
		case !ok && strings.HasPrefix(rel, "search/"):
		case !ok:
			t.Errorf("%s was added", rel)
		case string(a.Data) != string(b.Data):
			changed = append(changed, rel)
			if a.ModTime.Equal(old) {
				t.Errorf("%s changed but keeps its old mtime", rel)
			}
		case !a.ModTime.Equal(b.ModTime) || !os.SameFile(a.Info, b.Info):
			t.Errorf("%s was rewritten with the same bytes", rel)
		}
	}
	sort.Strings(changed)
	if len(after)-added != len(before)-removed {
		t.Errorf("public/ went from %d to %d files", len(before)-removed, len(after)-added)
	}
	if sum.Written != len(changed)+added || sum.Removed != removed || sum.Unchanged != len(after)-len(changed)-added {
		t.Errorf("summary %+v; want %d written, %d unchanged, %d removed", sum, len(changed)+added, len(after)-len(changed)-added, removed)
	}
	// The post itself, the lists that show it and its neighbours' links.
	for _, rel := range []string{
		"2025/02/morning-coffee/index.html", "index.html", "tags/coffee/index.html",
		"tags/morning/index.html", "2025/index.html", "feed.xml", "atom.xml", "feed.json",
	} {
		if !strings.Contains(strings.Join(changed, " "), rel) {
			t.Errorf("%s did not change; changed: %q", rel, changed)
		}
	}
	// Nothing about the edited post reaches these.
	for _, rel := range []string{"about/index.html", "2024/10/nice-post/index.html", "tags/links/index.html", "sitemap.xml",
		"sitemaps/pages.xml", "sitemaps/posts-1.xml", "media/harbour.svg"} {
		if before[rel].Info == nil || !os.SameFile(before[rel].Info, after[rel].Info) || !after[rel].ModTime.Equal(old) {
			t.Errorf("%s was rewritten", rel)
		}
	}
}

func TestDeletedSourceRemovesOutputs(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	const page = "2024/09/worth-reading/index.html"
	if !s.Exists(page) {
		t.Fatalf("%s missing after the first build", page)
	}

	s.Remove("content/posts/2024/09/worth-reading.md")
	sum := s.Build(build.Options{})
	if sum.Removed == 0 {
		t.Errorf("summary %+v, want files removed", sum)
	}
	for _, rel := range []string{page, "2024/09/worth-reading", "2024/09"} {
		if s.Exists(rel) {
			t.Errorf("%s is still there", rel)
		}
	}
	for rel, f := range s.Tree() {
		if strings.Contains(string(f.Data), "worth-reading") {
			t.Errorf("%s still links to the removed post", rel)
		}
	}
	// The links tag keeps its other post.
	if !s.Exists("tags/links/index.html") {
		t.Error("tags/links/ was removed with one of its two posts")
	}

	// 7 posts at 2 a page make 3 archive pages; with 5 posts, page 3 goes.
	if !s.Exists("page/3/index.html") {
		t.Fatal("page/3/ missing with 7 posts")
	}
	s.Remove("content/posts/2024/08/tools.md")
	s.Remove("content/posts/2024/10/nice-post.md")
	s.Build(build.Options{})
	if s.Exists("page/3") {
		t.Error("page/3/ is still there with 5 posts at 2 a page")
	}

	// Media go too.
	s.Remove("content/media/harbour.svg")
	s.Build(build.Options{})
	if s.Exists("media/harbour.svg") {
		t.Error("media/harbour.svg is still there after its source was removed")
	}
}

func TestRenamedTagRemovesOldTagPage(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	before := s.Tree()
	if !s.Exists("tags/photography/index.html") {
		t.Fatal("tags/photography/ missing after the first build")
	}
	s.Write("content/posts/2025/01/harbour-photos.md", `---
date: 2025-01-20T16:45:00+01:00
tags: [photos]
photo:
  - url: /media/harbour.svg
    alt: The harbour at dusk
  - url: https://cdn.example.net/boats.jpg
    alt: Boats in a row
---
Two from the harbour this evening.
`)
	sum := s.Build(build.Options{})
	if s.Exists("tags/photography") {
		t.Error("tags/photography/ is still there after the tag was renamed")
	}
	if !s.Exists("tags/photos/index.html") {
		t.Error("tags/photos/ is missing")
	}
	if _, removed := searchChurn(before, s.Tree()); sum.Removed-removed != 1 {
		t.Errorf("removed %d files besides search shards, want 1 (the old tag page)", sum.Removed-removed)
	}
	if got := string(s.Read("tags/index.html")); strings.Contains(got, "photography") || !strings.Contains(got, "/tags/photos/") {
		t.Errorf("tags/index.html does not list the renamed tag:\n%s", got)
	}
}

// TestUserFilesSurvive: a file put into public/ by hand, which no build
// wrote, is never removed.
func TestUserFilesSurvive(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	for _, rel := range []string{"keybase.txt", "2024/09/worth-reading/notes.txt"} {
		if err := os.WriteFile(s.Public(rel), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.Remove("content/posts/2024/09/worth-reading.md")
	s.Build(build.Options{})
	for _, rel := range []string{"keybase.txt", "2024/09/worth-reading/notes.txt"} {
		if got, err := os.ReadFile(s.Public(rel)); err != nil || string(got) != "mine" {
			t.Errorf("%s: %q, %v; want it kept", rel, got, err)
		}
	}
	if s.Exists("2024/09/worth-reading/index.html") {
		t.Error("the removed post's page is still there")
	}
}

// TestOutOption: --out builds elsewhere and leaves public/ alone, and each
// folder keeps its own list of outputs.
func TestOutOption(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	s.Age()
	before := s.Tree()

	out := t.TempDir()
	s.Build(build.Options{Out: out, Drafts: true})
	if _, err := os.Stat(filepath.Join(out, "2025", "04", "draft-kumquat", "index.html")); err != nil {
		t.Errorf("--out with drafts: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("--out: %v", err)
	}
	sameTree(t, before, s.Tree())

	// A full build into public/ removes nothing from the other folder.
	s.Remove("content/posts/2024/08/tools.md")
	s.Build(build.Options{})
	if _, err := os.Stat(filepath.Join(out, "2024", "08", "tools", "index.html")); err != nil {
		t.Errorf("a build into public/ removed a file of --out: %v", err)
	}
	if s.Exists("2024/08/tools/index.html") {
		t.Error("the removed post is still in public/")
	}
}

// searchFiles lists the files of the static search index in a tree.
func searchFiles(tree map[string]sitetest.File) []string {
	var out []string
	for rel := range tree {
		if strings.HasPrefix(rel, "search/") && rel != "search/index.html" {
			out = append(out, rel)
		}
	}
	return out
}

// searchChurn counts the search index files a build added and removed:
// its shards are named by their content, so a changed one is replaced.
func searchChurn(before, after map[string]sitetest.File) (added, removed int) {
	for _, rel := range searchFiles(after) {
		if _, ok := before[rel]; !ok {
			added++
		}
	}
	for _, rel := range searchFiles(before) {
		if _, ok := after[rel]; !ok {
			removed++
		}
	}
	return added, removed
}
