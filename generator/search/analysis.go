package search

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	// Each registers the analyzer named by its language code.
	_ "github.com/blevesearch/bleve/v2/analysis/lang/da"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/de"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/es"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fi"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/fr"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/hu"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/it"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/nl"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/no"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/pt"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ro"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ru"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/sv"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/tr"
)

// The analyzers this package registers in its index mappings.
const (
	// analyzerEnglish is bleve's "en" chain with the Snowball English
	// (Porter2) stemmer in place of the original Porter one: the
	// browser's script implements Porter2, so both ends stem alike.
	analyzerEnglish = "inkstone_en"
	// analyzerPlain splits words and lower-cases them, for languages
	// without a bleve analyzer.
	analyzerPlain = "inkstone_plain"
)

// Analysis modes of the static index, as meta.json names them for the script.
const (
	modeEnglish = "en"
	modePlain   = "plain"
)

// newMapping returns an index mapping with this package's analyzers
// registered; its default analyzer is the one for language.
func newMapping(language string) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	if err := m.AddCustomAnalyzer(analyzerEnglish, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName},
	}); err != nil {
		return nil, fmt.Errorf("search: register %s analyzer: %w", analyzerEnglish, err)
	}
	if err := m.AddCustomAnalyzer(analyzerPlain, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("search: register %s analyzer: %w", analyzerPlain, err)
	}
	m.DefaultAnalyzer = bleveAnalyzerFor(m, language)
	return m, nil
}

// baseLanguage is the primary subtag of a language tag: "en-GB" → "en".
func baseLanguage(language string) string {
	l := strings.ToLower(strings.TrimSpace(language))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if l == "" {
		return "en"
	}
	return l
}

// bleveAnalyzerFor names the bleve index's analyzer for language: bleve's
// own for the language when it has one, else the plain one.
func bleveAnalyzerFor(m *mapping.IndexMappingImpl, language string) string {
	l := baseLanguage(language)
	if l == "en" {
		return analyzerEnglish
	}
	if a := m.AnalyzerNamed(l); a != nil {
		return l
	}
	return analyzerPlain
}

// staticMode is the static index's analysis for language: the script
// stems English only, so other languages get the plain analysis there.
func staticMode(language string) string {
	if baseLanguage(language) == "en" {
		return modeEnglish
	}
	return modePlain
}

// Analyzer turns text into index terms the way the static index and the
// script do. It caches what each word becomes: most words of a site recur
// often.
type Analyzer struct {
	tokenizer analysis.Tokenizer
	filters   []analysis.TokenFilter // all but the stemmer
	stop      analysis.TokenFilter   // the stop word filter, nil for none
	stemmer   analysis.TokenFilter   // nil for no stemming
	// fused is set when filters are bleve's possessive (when possessive
	// is set), lower-case and stop filters, in that order: ASCII words
	// then go through one loop that does what they do, see EachTerm.
	fused      bool
	possessive bool

	mu    sync.RWMutex
	terms map[string]wordTerm // lower-cased word → its term
	ids   map[string]uint32   // term → its number, see termID
	names []string            // terms by number

	scratch sync.Pool // of *scratch
}

// wordTerm is what a lower-cased word becomes in the index.
type wordTerm struct {
	word string
	term string // the stem; "" for a stop word
	id   uint32 // the term's number
}

// NewAnalyzer returns the static index's analyzer for language.
func NewAnalyzer(language string) (*Analyzer, error) {
	m, err := newMapping(language)
	if err != nil {
		return nil, err
	}
	name := analyzerPlain
	if staticMode(language) == modeEnglish {
		name = analyzerEnglish
	}
	return analyzerNamed(m, name)
}

// analyzerNamed wraps the analyzer registered in m as name.
func analyzerNamed(m *mapping.IndexMappingImpl, name string) (*Analyzer, error) {
	a, ok := m.AnalyzerNamed(name).(*analysis.DefaultAnalyzer)
	if !ok || a == nil {
		return nil, fmt.Errorf("search: analyzer %s is not registered", name)
	}
	an := &Analyzer{tokenizer: a.Tokenizer, filters: a.TokenFilters, terms: map[string]wordTerm{}, ids: map[string]uint32{}}
	if name == analyzerEnglish && len(an.filters) > 0 {
		an.stemmer = an.filters[len(an.filters)-1]
		an.filters = an.filters[:len(an.filters)-1]
	}
	an.fuse()
	return an, nil
}

// fuse sets fused when the filters are ones the ASCII loop of EachTerm
// knows, and picks out the stop filter.
func (an *Analyzer) fuse() {
	fs := an.filters
	if len(fs) > 0 {
		_, an.possessive = fs[0].(*en.PossessiveFilter)
		if an.possessive {
			fs = fs[1:]
		}
	}
	if len(fs) > 0 {
		if _, ok := fs[0].(*lowercase.LowerCaseFilter); ok {
			fs = fs[1:]
			an.fused = true
		}
	}
	if len(fs) > 0 {
		if _, ok := fs[0].(*stop.StopTokensFilter); ok {
			an.stop = fs[0]
			fs = fs[1:]
		}
	}
	an.fused = an.fused && len(fs) == 0
}

// Terms returns the index terms of text in order, repeats included.
func (an *Analyzer) Terms(text string) []string {
	var out []string
	an.EachTerm(text, func(t string) { out = append(out, t) })
	return out
}

// EachTerm calls fn with each index term of text in order, repeats
// included: Terms without the slice.
func (an *Analyzer) EachTerm(text string, fn func(term string)) {
	an.eachTerm(text, func(e *wordTerm) { fn(e.term) })
}

// eachTerm is EachTerm with the term's number too.
func (an *Analyzer) eachTerm(text string, fn func(e *wordTerm)) {
	if text == "" {
		return
	}
	sc, _ := an.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	if an.fused && isASCII(text) {
		// What the possessive and lower-case filters do, for ASCII; the
		// stop filter's verdict is cached with the stem.
		for start, end := nextWord(text, 0); start < end; start, end = nextWord(text, end) {
			w := append(sc.word[:0], text[start:end]...)
			sc.word = w
			if n := len(w); an.possessive && n >= 2 && (w[n-1] == 's' || w[n-1] == 'S') && w[n-2] == '\'' {
				w = w[:n-2]
			}
			for i, c := range w {
				if 'A' <= c && c <= 'Z' {
					w[i] = c + ('a' - 'A')
				}
			}
			if len(w) == 0 {
				continue
			}
			if e := an.term(sc, w); e.term != "" {
				fn(e)
			}
		}
	} else {
		ts := an.tokenize(text, sc)
		for _, f := range an.filters {
			ts = f.Filter(ts)
		}
		for _, t := range ts {
			if len(t.Term) == 0 || !utf8.Valid(t.Term) {
				continue
			}
			if e := an.term(sc, t.Term); e.term != "" {
				fn(e)
			}
		}
	}
	if cap(sc.buf) <= maxScratch {
		an.scratch.Put(sc)
	}
}

// tokenize splits text into words, into sc when it can.
func (an *Analyzer) tokenize(text string, sc *scratch) analysis.TokenStream {
	if ts, ok := asciiWords(text, sc); ok {
		return ts
	}
	return an.tokenizer.Tokenize([]byte(text))
}

// term returns what a lower-cased word becomes, its term "" for a stop
// word; the strings are the cache's, not word's. Each scratch keeps the
// words it met, so that workers look most words up without sharing a
// lock.
func (an *Analyzer) term(sc *scratch, word []byte) *wordTerm {
	if e, ok := sc.terms[string(word)]; ok {
		return e
	}
	an.mu.RLock()
	e, ok := an.terms[string(word)]
	an.mu.RUnlock()
	if !ok {
		e = an.analyseWord(word)
		an.mu.Lock()
		if e.term != "" {
			e.id = an.idLocked(e.term)
		}
		if len(an.terms) < maxStems {
			an.terms[e.word] = e
		}
		an.mu.Unlock()
	}
	if sc.terms == nil || len(sc.terms) >= maxScratchTerms {
		sc.terms = make(map[string]*wordTerm)
	}
	sc.terms[e.word] = &e
	return &e
}

// termID returns the number of term: each term gets the next number the
// first time it is met, and keeps it for the Analyzer's life. The
// static index keeps its postings lists by number. Numbers are not
// reused, so a daemon keeps every term it ever met: a site's vocabulary,
// which grows slowly.
func (an *Analyzer) termID(term string) uint32 {
	an.mu.RLock()
	id, ok := an.ids[term]
	an.mu.RUnlock()
	if ok {
		return id
	}
	an.mu.Lock()
	defer an.mu.Unlock()
	return an.idLocked(term)
}

func (an *Analyzer) idLocked(term string) uint32 {
	id, ok := an.ids[term]
	if !ok {
		id = uint32(len(an.names))
		an.ids[term] = id
		an.names = append(an.names, term)
	}
	return id
}

// termName is the term numbered id.
func (an *Analyzer) termName(id uint32) string {
	an.mu.RLock()
	defer an.mu.RUnlock()
	return an.names[id]
}

// analyseWord runs a lower-cased word through the stop filter and the
// stemmer.
func (an *Analyzer) analyseWord(word []byte) wordTerm {
	e := wordTerm{word: string(word)}
	t := &analysis.Token{Term: []byte(e.word), Position: 1, Type: analysis.AlphaNumeric}
	if an.stop != nil && len(an.stop.Filter(analysis.TokenStream{t})) == 0 {
		return e
	}
	e.term = e.word
	if an.stemmer != nil {
		e.term = string(an.stemmer.Filter(analysis.TokenStream{t})[0].Term)
	}
	return e
}

// maxScratchTerms bounds the words one scratch keeps.
const maxScratchTerms = 1 << 14

// maxStems bounds the shared cache of terms: a site has far fewer distinct words.
const maxStems = 1 << 20

// maxQueryBytes bounds the query text analysed; longer input is cut.
const maxQueryBytes = 1000

// maxQueryTerms bounds how many terms a query keeps.
const maxQueryTerms = 16

// ParsedQuery is a query's text as the index sees it.
type ParsedQuery struct {
	// Terms are the distinct analysed terms of the words, in query
	// order, without the last word's when Prefix is set.
	Terms []string
	// Prefix is the last word lower-cased but not stemmed, when the text
	// does not end in a space and the word has at least minPrefix
	// letters. The last word then matches its own term, PrefixTerm, when
	// the index has it, else the index's most frequent terms that start
	// with Prefix.
	Prefix     string
	PrefixTerm string // "" for a stop word
}

// minPrefix is the shortest last word that is expanded as a prefix.
const minPrefix = 3

// maxExpansions is how many terms a prefix expands to at most.
const maxExpansions = 3

// ParseQuery analyses query text: bounded, split, lower-cased and stemmed
// like the documents.
func (an *Analyzer) ParseQuery(text string) ParsedQuery {
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	var q ParsedQuery
	words := an.tokenize(text, new(scratch))
	if n := len(words); n > 0 && words[n-1].End == len(text) && utf8.RuneCount(words[n-1].Term) >= minPrefix {
		last := string(words[n-1].Term)
		q.Prefix = strings.ToLower(last)
		if ts := an.Terms(last); len(ts) > 0 {
			q.PrefixTerm = ts[0]
		}
		text = text[:words[n-1].Start]
	}
	seen := map[string]bool{}
	for _, t := range an.Terms(text) {
		if !seen[t] && len(q.Terms) < maxQueryTerms {
			seen[t] = true
			q.Terms = append(q.Terms, t)
		}
	}
	return q
}
