package search

import (
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"testing"
	"unicode/utf8"
)

// bleveChain returns bleve's own analyzer chain for language.
func bleveChain(t testing.TB, language string) analysis.Analyzer {
	t.Helper()
	m, err := newMapping(language)
	if err != nil {
		t.Fatal(err)
	}
	name := analyzerPlain
	if staticMode(language) == modeEnglish {
		name = analyzerEnglish
	}
	return m.AnalyzerNamed(name)
}

// bleveTerms is what a bleve chain makes of text, with the empty and
// invalid terms the index skips left out: the reference for
// Analyzer.EachTerm.
func bleveTerms(chain analysis.Analyzer, text string) []string {
	var out []string
	for _, tok := range chain.Analyze([]byte(text)) {
		if len(tok.Term) > 0 && utf8.Valid(tok.Term) {
			out = append(out, string(tok.Term))
		}
	}
	return out
}

var termsSeeds = []string{
	"The Runner's RUNNING runs, and JOHN'S dogs' bones.",
	"It's a's s 's x'S 'S O'Neil's e.g. 3.14 1,000; a:b a_b _x",
	"THE AND Of the of", // stop words in any case
	"Ünïcode Café's naïve RÉSUMÉ — and the ASCII around it",
	"Straße ΣΊΣΥΦΟΣ İstanbul", // case mappings that change length
	"don’t John’s JOHN＇S",     // apostrophes outside ASCII
	"",
	"    ",
	"123 4.5 six_7 8'9",
}

func TestTermsMatchBleve(t *testing.T) {
	for _, language := range []string{"en", "fr"} {
		an, err := NewAnalyzer(language)
		if err != nil {
			t.Fatal(err)
		}
		chain := bleveChain(t, language)
		if !an.fused {
			t.Fatalf("%s: the analyzer does not take the fused ASCII path", language)
		}
		for _, text := range termsSeeds {
			// Twice: the second time from the caches.
			for range 2 {
				if got, want := an.Terms(text), bleveTerms(chain, text); !slices.Equal(got, want) {
					t.Errorf("%s %q: terms %q, bleve %q", language, text, got, want)
				}
			}
		}
	}
}

// FuzzTerms checks Analyzer.Terms against bleve's analyzer chain.
func FuzzTerms(f *testing.F) {
	for _, s := range termsSeeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	en, err := NewAnalyzer("en")
	if err != nil {
		f.Fatal(err)
	}
	fr, err := NewAnalyzer("fr")
	if err != nil {
		f.Fatal(err)
	}
	enChain, frChain := bleveChain(f, "en"), bleveChain(f, "fr")
	f.Fuzz(func(t *testing.T, text string, english bool) {
		an, chain := fr, frChain
		if english {
			an, chain = en, enChain
		}
		if got, want := an.Terms(text), bleveTerms(chain, text); !slices.Equal(got, want) {
			t.Fatalf("english %v, %q: terms %q, bleve %q", english, text, got, want)
		}
	})
}
