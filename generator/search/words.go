package search

import (
	"github.com/blevesearch/bleve/v2/analysis"
)

// asciiWords splits ASCII text into words exactly as bleve's Unicode
// tokenizer does (Unicode word boundaries), several times faster. ok is
// false when text has a byte outside ASCII: the caller then uses the
// tokenizer.
//
// The words live in sc, which the next call with it reuses.
func asciiWords(text string, sc *scratch) (words analysis.TokenStream, ok bool) {
	if !isASCII(text) {
		return nil, false
	}
	// One copy of the text holds every term (filters may rewrite terms in
	// place), and one array every token.
	buf := append(sc.buf[:0], text...)
	toks := sc.toks[:0]
	pos := 1
	for start, end := nextWord(text, 0); start < end; start, end = nextWord(text, end) {
		toks = append(toks, analysis.Token{Term: buf[start:end:end], Start: start, End: end, Position: pos, Type: analysis.AlphaNumeric})
		pos++
	}
	words = sc.words[:0]
	for i := range toks {
		words = append(words, &toks[i])
	}
	sc.buf, sc.toks, sc.words = buf, toks, words
	return words, true
}

// isASCII reports whether text is all ASCII.
func isASCII(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return false
		}
	}
	return true
}

// nextWord returns where the first word of the ASCII text at or after i
// starts and ends; start == end when there is none.
func nextWord(text string, i int) (start, end int) {
	for i < len(text) {
		c := classOf(text[i])
		if c == classLetter || c == classDigit || c == classUnder {
			break
		}
		i++
	}
	if i >= len(text) {
		return len(text), len(text)
	}
	start, prev := i, classOf(text[i])
	j := i + 1
	for j < len(text) {
		c := classOf(text[j])
		switch c {
		case classLetter, classDigit, classUnder:
			prev = c
			j++
			continue
		case classMidLetter, classMidNum, classMidBoth:
			if j+1 >= len(text) {
				return start, j
			}
			next := classOf(text[j+1])
			switch {
			case prev == classLetter && next == classLetter && c != classMidNum:
			case prev == classDigit && next == classDigit && c != classMidLetter:
			default:
				return start, j
			}
			prev = next
			j += 2
			continue
		}
		return start, j
	}
	return start, j
}

// scratch is what asciiWords splits a text into, kept for the next text:
// the arrays for a long post would otherwise be made for every post.
type scratch struct {
	buf   []byte
	toks  []analysis.Token
	words analysis.TokenStream
	word  []byte               // one word, lower-cased, see Analyzer.EachTerm
	terms map[string]*wordTerm // words met, see Analyzer.term
}

// maxScratch bounds the text whose arrays are kept for reuse.
const maxScratch = 1 << 20

// Word-boundary classes of ASCII characters (Unicode's WB property).
const (
	classOther     = iota
	classLetter    // ALetter
	classDigit     // Numeric
	classUnder     // ExtendNumLet: "_"
	classMidLetter // ":"
	classMidNum    // "," and ";"
	classMidBoth   // MidNumLet and Single_Quote: "." and "'"
)

func classOf(b byte) int {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return classLetter
	case '0' <= b && b <= '9':
		return classDigit
	}
	switch b {
	case '_':
		return classUnder
	case ':':
		return classMidLetter
	case ',', ';':
		return classMidNum
	case '.', '\'':
		return classMidBoth
	}
	return classOther
}
