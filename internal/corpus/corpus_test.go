package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// generated is one file read back: its path relative to content/posts,
// front matter keys (top level only) and body.
type generated struct {
	path  string
	front map[string]string
	body  string
}

// readPosts reads every file under dir/content/posts.
func readPosts(t *testing.T, dir string) []generated {
	t.Helper()
	root := filepath.Join(dir, "content", "posts")
	var posts []generated
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rest, ok := strings.CutPrefix(string(data), "---\n")
		if !ok {
			t.Errorf("%s does not start with ---", rel)
			return nil
		}
		front, body, ok := strings.Cut(rest, "\n---\n")
		if !ok {
			t.Errorf("%s: front matter not closed", rel)
			return nil
		}
		p := generated{path: filepath.ToSlash(rel), front: map[string]string{}, body: body}
		for line := range strings.Lines(front) {
			if key, value, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && !strings.HasPrefix(line, " ") {
				p.front[key] = strings.TrimSpace(value)
			}
		}
		posts = append(posts, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return posts
}

func TestGenerate(t *testing.T) {
	const n = 300
	dir := t.TempDir()
	if err := Generate(Options{N: n, Out: dir, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := os.ReadFile(filepath.Join(dir, "inkstone.toml")); err != nil || !bytes.Contains(cfg, []byte(`base_url = "https://example.com/"`)) {
		t.Errorf("inkstone.toml missing or without base_url: %v\n%s", err, cfg)
	}

	posts := readPosts(t, dir)
	if len(posts) != n {
		t.Fatalf("got %d files, want %d", len(posts), n)
	}
	titled := 0
	var words []int
	slugs := map[string]string{}
	kinds := map[string]int{}
	for _, p := range posts {
		date, err := time.Parse(time.RFC3339, p.front["date"])
		if err != nil {
			t.Errorf("%s: date: %v", p.path, err)
		}
		dir, name := filepath.Split(p.path)
		if want := date.Format("2006/01/"); dir != want {
			t.Errorf("%s: dated %s, so should be in %s", p.path, p.front["date"], want)
		}
		slug := strings.TrimSuffix(name, ".md")
		if other, dup := slugs[slug]; dup {
			t.Errorf("slug %q used by %s and %s", slug, other, p.path)
		}
		slugs[slug] = p.path

		if p.front["title"] != "" {
			titled++
		}
		if tags, ok := p.front["tags"]; ok {
			list := strings.Split(strings.Trim(tags, "[]"), ", ")
			if len(list) < 1 || len(list) > 3 {
				t.Errorf("%s: %d tags: %s", p.path, len(list), tags)
			}
		}
		for _, key := range []string{"in_reply_to", "like_of", "bookmark_of", "photo"} {
			if _, ok := p.front[key]; ok {
				kinds[key]++
			}
		}
		words = append(words, len(strings.Fields(p.body)))
	}

	if share := float64(titled) / n; share < 0.2 || share > 0.4 {
		t.Errorf("%.0f%% of posts have titles, want about 30%%", share*100)
	}
	slices.Sort(words)
	if median := words[n/2]; median < 40 || median > 90 {
		t.Errorf("median post has %d words, want 40–90", median)
	}
	for _, key := range []string{"in_reply_to", "like_of", "bookmark_of", "photo"} {
		if kinds[key] == 0 {
			t.Errorf("no post has %s", key)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	// site returns every file Generate wrote, by path.
	site := func(seed uint64) map[string]string {
		dir := t.TempDir()
		if err := Generate(Options{N: 300, Out: dir, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			files[rel] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	a, b := site(1), site(1)
	if len(a) != 301 { // 300 posts and inkstone.toml
		t.Errorf("got %d files, want 301", len(a))
	}
	if !maps.Equal(a, b) {
		t.Error("the same seed gave different output")
	}
	if maps.Equal(a, site(2)) {
		t.Error("seeds 1 and 2 gave the same output")
	}
}

func TestGenerateRefusesExistingContent(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "content"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Generate(Options{N: 1, Out: dir}); err == nil {
		t.Error("Generate wrote into an existing content folder")
	}
}
