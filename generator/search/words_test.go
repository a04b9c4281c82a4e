package search

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// FuzzASCIIWords checks the fast tokenizer against bleve's on ASCII text.
func FuzzASCIIWords(f *testing.F) {
	for _, s := range []string{"Don't stop: e.g. 3.14, 1,000; a:b a_b _x x_ __ 'quoted' end.", "a.1 1.a a..b 1,,2 a'' x:", "O'Neil's 4'5\" Ab_12_cd"} {
		f.Add(s)
	}
	tok := unicode.NewUnicodeTokenizer()
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := asciiWords(s, new(scratch))
		if !ok {
			return
		}
		want := tok.Tokenize([]byte(s))
		var g, w []string
		for _, x := range got {
			g = append(g, string(x.Term))
		}
		for _, x := range want {
			w = append(w, string(x.Term))
		}
		if !slices.Equal(g, w) {
			t.Fatalf("%q: fast %q, bleve %q", s, g, w)
		}
		for i := range got {
			if got[i].Start != want[i].Start || got[i].End != want[i].End {
				t.Fatalf("%q: word %d at %d–%d, bleve %d–%d", s, i, got[i].Start, got[i].End, want[i].Start, want[i].End)
			}
		}
	})
}
