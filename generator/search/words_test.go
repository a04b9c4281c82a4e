package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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

// clipAll is what clip returns, worked out the plain way: collapse all
// of s, then cut.
func clipAll(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*2/3 {
		cut = sp
	}
	return s[:cut] + "…"
}

func TestClip(t *testing.T) {
	for _, s := range []string{"", "   ", "one", " two  words ", "tab\tand\nnewline\u00a0nbsp\u2003em", "bad \xff\xfe bytes",
		"Zürich is a city — 東京 too", strings.Repeat("word ", 100), strings.Repeat(" ", 50) + "late start"} {
		for n := range 40 {
			if got, want := clip(s, n), clipAll(s, n); got != want {
				t.Errorf("clip(%q, %d) = %q, want %q", s, n, got, want)
			}
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("a few  words\tand more", uint8(7))
	f.Add("\xff \u00a0x", uint8(1))
	f.Fuzz(func(t *testing.T, s string, n uint8) {
		if got, want := clip(s, int(n)), clipAll(s, int(n)); got != want {
			t.Errorf("clip(%q, %d) = %q, want %q", s, n, got, want)
		}
	})
}
