package search

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// testDocs is a small site: words recur so that stems and prefixes matter.
func testDocs(n int) []Doc {
	words := []string{"garden", "gardening", "running", "runs", "coffee", "bread", "rain", "keyboard", "river", "mountain", "photograph", "library"}
	types := []string{"note", "article", "photo"}
	tags := []string{"Go", "Travel", "Food"}
	docs := make([]Doc, n)
	for i := range docs {
		var text []string
		for j := range 12 {
			text = append(text, words[(i*7+j*j)%len(words)])
		}
		d := Doc{
			Key:     fmt.Sprintf("posts/%04d.md", i),
			Version: "1",
			URL:     fmt.Sprintf("/p/%d/", i),
			Text:    "The " + strings.Join(text, " ") + ".",
			Summary: strings.Join(text[:6], " "),
			Tags:    []string{tags[i%3]},
			Type:    types[i%3],
			Date:    time.Date(2024, 1, 1+i%28, 0, 0, 0, 0, time.UTC),
		}
		if d.Type == "article" {
			d.Title = "About " + words[i%len(words)]
		} else {
			d.Label = d.Summary
		}
		docs[i] = d
	}
	return docs
}

// collect applies Update's result to files, as a build would.
func collect(t *testing.T, files map[string][]byte, got []File) map[string][]byte {
	t.Helper()
	next := map[string][]byte{}
	for _, f := range got {
		if f.Data != nil {
			next[f.Path] = f.Data
		} else if data, ok := files[f.Path]; ok {
			next[f.Path] = data
		} else {
			t.Fatalf("%s: no data, and not written before", f.Path)
		}
	}
	return next
}

func update(t *testing.T, s *Static, docs []Doc) []File {
	t.Helper()
	files, err := s.Update(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func fresh(t *testing.T, docs []Doc) map[string][]byte {
	t.Helper()
	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	return collect(t, nil, update(t, s, docs))
}

func TestStaticIncrementalEqualsFull(t *testing.T) {
	docs := testDocs(300)
	edited := slices.Clone(docs)
	edited[5].Text += " volcano"
	edited[5].Version = "2"
	steps := []struct {
		name string
		docs []Doc
	}{
		{"initial", docs},
		{"add one", append(slices.Clone(docs), Doc{Key: "posts/new.md", Version: "1", URL: "/new/", Title: "Volcano trip", Text: "We ran up the volcano.", Type: "article", Tags: []string{"Travel"}})},
		{"edit one", edited},
		{"remove some", edited[10:]},
		{"reorder", slices.Concat(edited[150:], edited[:150])},
		{"grow past a shard boundary", testDocs(700)},
		{"shrink", testDocs(40)},
	}
	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	var files map[string][]byte
	for _, st := range steps {
		files = collect(t, files, update(t, s, st.docs))
		want := fresh(t, st.docs)
		if !maps.EqualFunc(files, want, func(a, b []byte) bool { return string(a) == string(b) }) {
			for p := range want {
				if string(files[p]) != string(want[p]) {
					t.Errorf("%s: %s differs from a fresh export", st.name, p)
				}
			}
			t.Fatalf("%s: %d files, a fresh export has %d", st.name, len(files), len(want))
		}
	}
}

func TestStaticNewPostRewritesFewFiles(t *testing.T) {
	docs := testDocs(500)
	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	first := update(t, s, docs)
	again := update(t, s, docs)
	for _, f := range again {
		if f.Data != nil {
			t.Errorf("unchanged docs rewrote %s", f.Path)
		}
	}
	added := append(slices.Clone(docs), Doc{Key: "posts/zzz.md", Version: "1", URL: "/zzz/", Title: "Volcano", Text: "A volcano, an island.", Type: "note"})
	var written []string
	for _, f := range update(t, s, added) {
		if f.Data != nil {
			written = append(written, f.Path)
		}
	}
	// The new post's three terms and two filter terms, its document shard,
	// the tags file and meta.json.
	if len(written) > 8 || len(written) < 3 {
		t.Errorf("a new post rewrote %d of %d files: %v", len(written), len(first), written)
	}
	if !slices.Contains(written, metaPath) {
		t.Errorf("meta.json not rewritten: %v", written)
	}
}

func TestStaticRejectsDuplicateKeys(t *testing.T) {
	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	docs := testDocs(2)
	docs[1].Key = docs[0].Key
	if _, err := s.Update(context.Background(), docs); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("Update = %v, want a duplicate key error", err)
	}
}
