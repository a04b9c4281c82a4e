package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// staticMatches answers a query from exported static index files the
// way search.js does, as a set of URLs: every query word's group must
// match, and every filter.
func staticMatches(t *testing.T, an *Analyzer, files map[string][]byte, text, tag, typ string) []string {
	t.Helper()
	var meta struct{ T, D string }
	if err := json.Unmarshal(files[metaPath], &meta); err != nil {
		t.Fatal(err)
	}
	shard := func(term string) map[string]string {
		n := len(meta.T) / hashLen
		i := termShard(term, n)
		p := hashedPathFromHash("search/t/", i, meta.T[i*hashLen:(i+1)*hashLen])
		var m map[string]string
		if err := json.Unmarshal(files[p], &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return m
	}
	ids := func(term string) map[uint32]bool {
		raw, ok := shard(term)[term]
		if !ok {
			return nil
		}
		out := map[uint32]bool{}
		var nums []uint32
		v, sh := uint32(0), uint(0)
		for _, c := range []byte(raw) {
			d := uint32(strings.IndexByte(digits, c))
			if d >= 32 {
				v |= (d - 32) << sh
				sh += 5
				continue
			}
			nums = append(nums, v|d<<sh)
			v, sh = 0, 0
		}
		step := 3
		if isFilterTerm(term) {
			step = 1
		}
		id := uint32(0)
		for i := 0; i < len(nums); i += step {
			id += nums[i]
			out[id] = true
		}
		return out
	}
	pq := an.ParseQuery(text)
	var groups [][]string
	for _, term := range pq.Terms {
		groups = append(groups, []string{term})
	}
	if pq.Prefix != "" {
		if _, ok := shard(pq.PrefixTerm)[pq.PrefixTerm]; pq.PrefixTerm != "" && ok {
			groups = append(groups, []string{pq.PrefixTerm})
		} else {
			type c struct {
				term string
				df   int
			}
			var cs []c
			for term := range shard(pq.Prefix) {
				if strings.HasPrefix(term, pq.Prefix) {
					cs = append(cs, c{term, len(ids(term))})
				}
			}
			slices.SortFunc(cs, func(a, b c) int {
				if a.df != b.df {
					return b.df - a.df
				}
				return strings.Compare(a.term, b.term)
			})
			var g []string
			for _, x := range cs[:min(len(cs), maxExpansions)] {
				g = append(g, x.term)
			}
			groups = append(groups, g)
		}
	}
	for _, f := range []string{tag, typ} {
		if f != "" {
			groups = append(groups, []string{f})
		}
	}
	var set map[uint32]bool
	for _, g := range groups {
		union := map[uint32]bool{}
		for _, term := range g {
			for id := range ids(term) {
				union[id] = true
			}
		}
		if set == nil {
			set = union
			continue
		}
		for id := range set {
			if !union[id] {
				delete(set, id)
			}
		}
	}
	var urls []string
	for p, data := range files {
		if !strings.HasPrefix(p, "search/d/") {
			continue
		}
		var rows [][]any
		if err := json.Unmarshal(data, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if set[uint32(r[0].(float64))] {
				urls = append(urls, r[1].(string))
			}
		}
	}
	slices.Sort(urls)
	return urls
}

func hashedPathFromHash(dir string, i int, hash string) string {
	return fmt.Sprintf("%s%x.%s.json", dir, i, hash)
}

func TestIndexAgreesWithStatic(t *testing.T) {
	docs := testDocs(60)
	ix, err := OpenIndex(t.TempDir(), "en")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	if err := ix.Sync(ctx, docs); err != nil {
		t.Fatal(err)
	}
	files := fresh(t, docs)
	an, err := NewAnalyzer("en")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, tag, typ string
		min            int
	}{
		{"garden", "", "", 1},
		{"run", "", "", 1},      // stems: finds "running" and "runs"
		{"running ", "", "", 1}, // a complete word
		{"coffee bread", "", "", 1},
		{"gard", "", "", 1}, // prefix of the last word
		{"garden", "travel", "", 1},
		{"garden", "", "photo", 1},
		{"", "go", "note", 1},
		{"the", "", "", 0},
		{"volcano", "", "", 0},
		{"Keyboard's", "", "", 1},
	}
	for _, tt := range tests {
		q := Query{Text: tt.text, Type: tt.typ, Limit: 100}
		if tt.tag != "" {
			q.Tags = []string{tt.tag}
		}
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		var got []string
		for _, r := range res {
			got = append(got, r.URL)
			if tt.typ != "" && r.Type != tt.typ {
				t.Errorf("%q type %s: result %s is a %s", tt.text, tt.typ, r.URL, r.Type)
			}
		}
		slices.Sort(got)
		tag, typ := "", ""
		if tt.tag != "" {
			tag = tagTerm(tt.tag)
		}
		if tt.typ != "" {
			typ = typeTerm(tt.typ)
		}
		want := staticMatches(t, an, files, tt.text, tag, typ)
		if !slices.Equal(got, want) {
			t.Errorf("%q: bleve found %d %v, static index %d %v", tt.text, len(got), got, len(want), want)
		}
		if len(got) < tt.min {
			t.Errorf("%q: %d results, want at least %d", tt.text, len(got), tt.min)
		}
	}
}

func TestIndexSyncAndSnippets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := OpenIndex(dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	docs := []Doc{
		{Key: "a.md", Version: "1", URL: "/a/", Title: "Running shoes", Text: "I run every morning in new shoes.", Type: "article", Tags: []string{"Sport"}},
		{Key: "b.md", Version: "1", URL: "/b/", Label: "Rain today", Text: "It runs down the window; rain again.", Type: "note"},
	}
	if err := ix.Sync(ctx, docs); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, Query{Text: "running"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].URL != "/a/" {
		t.Fatalf("running: %+v, want /a/ (title match) first of two", res)
	}
	if !strings.Contains(res[1].Snippet, "<mark>runs</mark>") {
		t.Errorf("snippet %q does not mark runs", res[1].Snippet)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened, the index remembers versions: a removed doc goes away.
	ix, err = OpenIndex(dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Sync(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if ix.changed != 0 {
		t.Errorf("Sync of unchanged docs indexed %d", ix.changed)
	}
	if err := ix.Sync(ctx, docs[:1]); err != nil {
		t.Fatal(err)
	}
	if ix.changed != 1 {
		t.Errorf("Sync without one doc changed %d, want 1", ix.changed)
	}
	res, err = ix.Search(ctx, Query{Text: "rain"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 0 {
		t.Errorf("rain after removing /b/: %+v", res)
	}
	docs[0].Text += " Laces."
	docs[0].Version = "2"
	if err := ix.Sync(ctx, docs[:1]); err != nil || ix.changed != 1 {
		t.Fatalf("Sync of an edited doc: %v, %d changed", err, ix.changed)
	}
	if res, err := ix.Search(ctx, Query{Text: "laces"}); err != nil || len(res) != 1 {
		t.Errorf("laces after the edit: %+v, %v", res, err)
	}
	res, err = ix.Search(ctx, Query{Text: "shoes", Tags: []string{"sport"}, Type: "article"})
	if err != nil || len(res) != 1 || res[0].Title != "Running shoes" || !slices.Equal(res[0].Tags, []string{"Sport"}) {
		t.Errorf("shoes #sport: %+v, %v", res, err)
	}
}

func TestOtherLanguages(t *testing.T) {
	for _, tt := range []struct{ lang, mode, analyzer string }{
		{"en", modeEnglish, analyzerEnglish},
		{"en-GB", modeEnglish, analyzerEnglish},
		{"", modeEnglish, analyzerEnglish},
		{"fr", modePlain, "fr"},
		{"de_AT", modePlain, "de"},
		{"tlh", modePlain, analyzerPlain},
	} {
		m, err := newMapping(tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		if got := staticMode(tt.lang); got != tt.mode {
			t.Errorf("%q: static analysis %s, want %s", tt.lang, got, tt.mode)
		}
		if m.DefaultAnalyzer != tt.analyzer {
			t.Errorf("%q: bleve analyzer %s, want %s", tt.lang, m.DefaultAnalyzer, tt.analyzer)
		}
	}
	// French text in a French index: bleve stems, the static index does not.
	ctx := context.Background()
	ix, err := OpenIndex(t.TempDir(), "fr")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Sync(ctx, []Doc{{Key: "a", Version: "1", URL: "/a/", Title: "Les chevaux", Text: "Nous mangeons des pommes."}}); err != nil {
		t.Fatal(err)
	}
	if res, err := ix.Search(ctx, Query{Text: "cheval pomme"}); err != nil || len(res) != 1 {
		t.Errorf("cheval pomme: %+v, %v", res, err)
	}
	an, err := NewAnalyzer("fr")
	if err != nil {
		t.Fatal(err)
	}
	if got := an.Terms("Les Pommes"); !slices.Equal(got, []string{"les", "pommes"}) {
		t.Errorf("plain analysis: %q", got)
	}
}
