package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery checks the query analyser on any input: bounded output,
// valid terms, and a prefix only when the text ends inside a long word.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"running shoes", "gard", "the ", "John's café", "e.g. x", "ΣΊΣΥΦΟΣ", "日本語の本", "'tis", strings.Repeat("a ", 600)} {
		f.Add(s)
	}
	an, err := NewAnalyzer("en")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q := an.ParseQuery(text)
		if len(q.Terms) > maxQueryTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		seen := map[string]bool{}
		for _, term := range q.Terms {
			if term == "" || !utf8.ValidString(term) || seen[term] || isFilterTerm(term) {
				t.Fatalf("bad term %q in %q", term, q.Terms)
			}
			seen[term] = true
		}
		if q.Prefix != "" {
			if utf8.RuneCountInString(q.Prefix) < minPrefix || q.Prefix != strings.ToLower(q.Prefix) {
				t.Fatalf("bad prefix %q", q.Prefix)
			}
			if strings.HasSuffix(text, " ") {
				t.Fatalf("prefix %q for text ending in a space", q.Prefix)
			}
		}
		if q.PrefixTerm != "" && q.Prefix == "" {
			t.Fatalf("prefix term %q without a prefix", q.PrefixTerm)
		}
	})
}
