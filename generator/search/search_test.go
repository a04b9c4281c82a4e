package search

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
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
		{"grow past 256, where ids take a bit more", testDocs(257)},
		{"back to 255", testDocs(255)},
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

// TestStaticRandomChangesEqualFull runs random edits of a site through
// one Static: posts added (anywhere in the list), removed, edited, with
// tags changed, reordered, in batches that take the site across shard
// and id-size boundaries, and Updates that fail. After each step the
// files must be those of a fresh index, and only new paths (and
// meta.json) may carry bytes.
func TestStaticRandomChangesEqualFull(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"garden", "gardening", "running", "runs", "coffee", "bread", "rain", "keyboard", "river", "mountain", "photograph", "library", "volcano", "island", "café", "naïve"}
	tags := []string{"Go", "go", "Travel", "travel ", " Travel", "Food", "Café", "café", "Zebra", "   "}
	types := []string{"note", "article", "photo", "Note", ""}
	version := 0
	newDoc := func(key string) Doc {
		version++
		var text []string
		for range 3 + r.IntN(20) {
			text = append(text, words[r.IntN(len(words))])
		}
		d := Doc{
			Key: key, Version: fmt.Sprint(version), URL: "/" + key + "/",
			Text: strings.Join(text, " "), Summary: strings.Join(text[:2], " "),
			Type: types[r.IntN(len(types))], Date: time.Date(2024, 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC),
		}
		for range r.IntN(3) {
			d.Tags = append(d.Tags, tags[r.IntN(len(tags))])
		}
		if r.IntN(3) == 0 {
			d.Title = words[r.IntN(len(words))]
		}
		if r.IntN(20) == 0 {
			d.Version = "" // always analysed again
		}
		return d
	}
	nextKey := 0
	key := func() string { nextKey++; return fmt.Sprintf("posts/%05d.md", nextKey*7919%100000) }
	var docs []Doc
	for range 230 {
		docs = append(docs, newDoc(key()))
	}

	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	var files map[string][]byte
	for step := range 120 {
		docs = slices.Clone(docs)
		op := r.IntN(9)
		switch op {
		case 0, 1: // a new post, first or anywhere
			i := 0
			if op == 1 {
				i = r.IntN(len(docs) + 1)
			}
			docs = slices.Insert(docs, i, newDoc(key()))
		case 2: // a post goes
			if len(docs) > 1 {
				i := r.IntN(len(docs))
				docs = slices.Delete(docs, i, i+1)
			}
		case 3: // an edit
			i := r.IntN(len(docs))
			docs[i] = newDoc(docs[i].Key)
		case 4: // only the tags change
			i := r.IntN(len(docs))
			docs[i].Tags = []string{tags[r.IntN(len(tags))]}
			version++
			docs[i].Version = fmt.Sprint(version)
		case 5: // many posts come or go at once
			if r.IntN(2) == 0 {
				for range 1 + r.IntN(60) {
					docs = append(docs, newDoc(key()))
				}
			} else {
				docs = docs[:max(1, len(docs)-1-r.IntN(60))]
			}
		case 6: // a new order
			r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
		case 7: // an Update that fails changes nothing
			bad := append(slices.Clone(docs), newDoc(key()))
			bad = append(bad, bad[r.IntN(len(bad))])
			if _, err := s.Update(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "twice") {
				t.Fatalf("step %d: duplicate key: err = %v", step, err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := s.Update(ctx, append(slices.Clone(docs), newDoc(key()))); !errors.Is(err, context.Canceled) {
				t.Fatalf("step %d: cancelled: err = %v", step, err)
			}
		case 8: // nothing changes
		}

		got := update(t, s, docs)
		for _, f := range got {
			if _, ok := files[f.Path]; ok && f.Data != nil && f.Path != metaPath {
				t.Errorf("step %d (op %d): %s rewritten with the same name", step, op, f.Path)
			}
		}
		files = collect(t, files, got)
		want := fresh(t, docs)
		if !maps.EqualFunc(files, want, func(a, b []byte) bool { return string(a) == string(b) }) {
			for p := range want {
				if string(files[p]) != string(want[p]) {
					t.Errorf("step %d (op %d, %d docs): %s differs from a fresh export", step, op, len(docs), p)
				}
			}
			t.Fatalf("step %d (op %d, %d docs): %d files, a fresh export has %d", step, op, len(docs), len(files), len(want))
		}
	}
	if len(docs) < 100 || nextKey < 300 {
		t.Fatalf("the walk ended at %d docs after %d keys: too little covered", len(docs), nextKey)
	}
}

// TestStaticTagNames checks that a tag is named by the least of the names
// its posts give it, trimmed, whatever the order of posts.
func TestStaticTagNames(t *testing.T) {
	docs := testDocs(3)
	docs[0].Tags = []string{"travel "}
	docs[1].Tags = []string{" Travel"}
	docs[2].Tags = []string{"TRAVEL"}
	tagsFile := func(files map[string][]byte) string {
		for p, data := range files {
			if strings.HasPrefix(p, "search/tags.") {
				return string(data)
			}
		}
		t.Fatal("no tags file")
		return ""
	}
	s, err := NewStatic("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		docs []Doc
		want string
	}{
		{docs, `[["travel","Travel"]]`},
		{[]Doc{docs[2], docs[0]}, `[["travel","TRAVEL"]]`},
		{[]Doc{docs[0]}, `[["travel","travel"]]`},
		{slices.Concat(docs[1:], docs[:1]), `[["travel","Travel"]]`},
		{nil, `[]`},
	} {
		if got := tagsFile(collect(t, nil, update(t, s, c.docs))); got != c.want {
			t.Errorf("tags = %s, want %s", got, c.want)
		}
		if got := tagsFile(fresh(t, c.docs)); got != c.want {
			t.Errorf("fresh: tags = %s, want %s", got, c.want)
		}
	}
}

// TestTermShardDataIsJSON compares the shard encoding with encoding/json's
// for a map from term to postings, terms that need escaping included.
func TestTermShardDataIsJSON(t *testing.T) {
	terms := []string{"garden", "#he said \"hi\"", "#back\\slash", "#tab\there", "#ctl\x01", "#line\u2028sep", "#bad\xffutf8", "café", "!note", "#<b>&amp;", "日本語", "a", ""}
	var lists []*postingList
	c := newChanges()
	want := map[string]string{}
	for i, term := range terms {
		l := &postingList{term: term, num: uint32(i)}
		var added []*staticDoc
		for j := range 1 + i*7 {
			sd := &staticDoc{id: uint32((j*37 + i) % 1000), bucket: uint8(j % 20), length: uint32(1 + j*j*131%70000)}
			c.add(l, sd, sd.length)
			added = append(added, sd)
		}
		lists = append(lists, l)
		slices.SortFunc(added, func(a, b *staticDoc) int { return int(a.id) - int(b.id) })
		var b []byte
		prev := uint32(0)
		for _, sd := range added {
			b = appendNum(b, sd.id-prev)
			prev = sd.id
			if !isFilterTerm(l.term) {
				b = appendNum(b, min(sd.length, 1<<16))
				b = appendNum(b, uint32(sd.bucket))
			}
		}
		want[l.term] = string(b)
	}
	c.group()
	wantData, err := marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	// Encoded, then from the kept entries, then through encode again,
	// which leaves them as they are.
	for i := range 3 {
		if i > 0 {
			c = newChanges()
		}
		if i == 2 {
			for _, l := range lists {
				c.touch(l)
			}
		}
		got, err := termShardData(slices.Clone(lists), c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(wantData) {
			t.Fatalf("termShardData = %s\nwant %s", got, wantData)
		}
	}
	if got, _ := termShardData(nil, newChanges()); string(got) != "{}" {
		t.Errorf("empty shard = %s", got)
	}
}

// TestEncodeMergesChanges checks encode's merge of an Update's changes
// into a list's entry against the entry of the resulting list made anew.
func TestEncodeMergesChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 500 {
		term := "word"
		if round%3 == 0 {
			term = "#tag"
		}
		const space = 300
		// Each id holds at most one document, before and after.
		ids := r.Perm(space)
		before := ids[:r.IntN(40)]
		doc := func(id int) *staticDoc {
			return &staticDoc{id: uint32(id), bucket: uint8(r.IntN(30))}
		}
		l := &postingList{term: term}
		c := newChanges()
		final := map[uint32]*staticDoc{}
		tfs := map[*staticDoc]uint32{}
		for _, id := range before {
			sd := doc(id)
			tfs[sd] = uint32(1 + r.IntN(2000))
			c.add(l, sd, tfs[sd])
			final[sd.id] = sd
		}
		c.group()
		if _, err := termShardData([]*postingList{l}, c); err != nil {
			t.Fatal(err)
		}

		c = newChanges()
		c.touch(l)
		free := ids[len(before):]
		for _, id := range before {
			sd := final[uint32(id)]
			switch r.IntN(6) {
			case 0: // goes
				c.oldIDs[sd.id] = true
				delete(final, sd.id)
			case 1: // moves to a free id
				if len(free) > 0 {
					c.oldIDs[sd.id] = true
					c.moved[sd.id] = uint32(free[0])
					c.movedOn.set(l.num)
					delete(final, sd.id)
					sd.id, free = uint32(free[0]), free[1:]
					final[sd.id] = sd
				}
			case 2: // replaced by a new version with the same id
				c.oldIDs[sd.id] = true
				nd := doc(int(sd.id))
				tfs[nd] = uint32(1 + r.IntN(70000))
				c.add(l, nd, tfs[nd])
				final[sd.id] = nd
			}
		}
		for range r.IntN(5) {
			if len(free) > 0 {
				sd := doc(free[0])
				free = free[1:]
				tfs[sd] = uint32(1 + r.IntN(3))
				c.add(l, sd, tfs[sd])
				final[sd.id] = sd
			}
		}
		for id := range c.oldIDs {
			c.leaving.set(id)
		}
		c.group()
		if _, err := termShardData([]*postingList{l}, c); err != nil {
			t.Fatal(err)
		}

		anew := &postingList{term: term}
		c = newChanges()
		c.touch(anew)
		for _, sd := range final {
			c.add(anew, sd, tfs[sd])
		}
		c.group()
		if _, err := termShardData([]*postingList{anew}, c); err != nil {
			t.Fatal(err)
		}
		if string(l.entry) != string(anew.entry) {
			t.Fatalf("round %d: merged %s\nanew %s", round, l.entry, anew.entry)
		}
	}
}
