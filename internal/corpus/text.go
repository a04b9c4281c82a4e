package main

import (
	_ "embed"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The vocabulary, read-only. See each file's header for its format.
var (
	//go:embed words.txt
	wordsFile string
	//go:embed tags.txt
	tagsFile string
	//go:embed snippets.txt
	snippetsFile string
)

// siteDomains host the pages that replies, likes, bookmarks and links point
// at. They are reserved example names, so nothing real is ever contacted.
const siteDomains = "alex.example jo.example notes.example.org blog.example.net " +
	"news.example.com photos.example.org code.example.com kai.example"

// generator holds the random source and the vocabulary. All randomness
// comes from r, so the seed fixes the output.
type generator struct {
	r        *rand.Rand
	words    map[string]*wordList // sections of words.txt: "noun", "verb", ...
	tagList  *wordList
	snippets [][2]string // code samples from snippets.txt: {language, code}
	domains  []string
}

// wordList picks entries with Zipf-like popularity: entry i has weight
// 1/(i+offset)^skew, so the first is picked most often.
type wordList struct {
	r     *rand.Rand
	items []string
	cum   []float64 // cum[i] is the sum of the weights of items[0..i]
}

func newWordList(r *rand.Rand, items []string, skew, offset float64) *wordList {
	w := &wordList{r: r, items: items, cum: make([]float64, len(items))}
	total := 0.0
	for i := range items {
		total += 1 / math.Pow(float64(i)+offset, skew)
		w.cum[i] = total
	}
	return w
}

func (w *wordList) pick() string {
	x := w.r.Float64() * w.cum[len(w.cum)-1]
	i, _ := slices.BinarySearch(w.cum, x)
	return w.items[i]
}

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, 0x696e6b73746f6e65)) // "inkstone"
	g := &generator{
		r:        r,
		words:    map[string]*wordList{},
		tagList:  newWordList(r, sections(tagsFile)["tags"], 1.1, 1),
		snippets: codeSamples(snippetsFile),
		domains:  strings.Fields(siteDomains),
	}
	for name, items := range sections(wordsFile) {
		g.words[name] = newWordList(r, items, 1, 8) // flatter than tags, as in real text
	}
	return g
}

// sections reads a list file: "# comment" lines, "== name" section heads,
// and entries separated by commas or line breaks.
func sections(text string) map[string][]string {
	out := map[string][]string{}
	name := ""
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "== "):
			name = strings.TrimSpace(line[3:])
		default:
			for item := range strings.SplitSeq(line, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out[name] = append(out[name], item)
				}
			}
		}
	}
	return out
}

// codeSamples reads snippets.txt: each "== lang" line starts a sample that
// runs, verbatim, until the next one.
func codeSamples(text string) [][2]string {
	var out [][2]string
	for line := range strings.Lines(text) {
		if lang, ok := strings.CutPrefix(line, "== "); ok {
			out = append(out, [2]string{strings.TrimSpace(lang), ""})
		} else if len(out) > 0 {
			out[len(out)-1][1] += line
		}
	}
	for i := range out {
		out[i][1] = strings.TrimRight(out[i][1], "\n") + "\n"
	}
	return out
}

// pick returns a word from a section of words.txt.
func (g *generator) pick(section string) string { return g.words[section].pick() }

// lognormal returns a length around median, with the long right tail real
// post lengths have, clamped to [lo, hi].
func (g *generator) lognormal(median, sigma float64, lo, hi int) int {
	n := int(median * math.Exp(sigma*g.r.NormFloat64()))
	return max(lo, min(hi, n))
}

// nounPhrase returns e.g. "the harbour", "a quiet street" or "my old bike";
// with markup, now and then as a link or emphasised.
func (g *generator) nounPhrase(markup bool) string {
	np := g.pick("noun")
	if g.r.IntN(5) < 2 {
		np = g.pick("adjective") + " " + np
	}
	switch g.r.IntN(6) {
	case 0, 1, 2:
		np = "the " + np
	case 3:
		np = indefinite(np) + " " + np
	case 4:
		np = "my " + np
	default:
		np = "our " + np
	}
	if !markup {
		return np
	}
	switch g.r.IntN(40) {
	case 0, 1:
		return "[" + np + "](" + g.linkURL() + ")"
	case 2, 3:
		return "*" + np + "*"
	case 4:
		return "**" + np + "**"
	}
	return np
}

// clause returns e.g. "I fixed the old bike near the harbour again".
func (g *generator) clause(markup bool) string {
	s := g.pick("subject") + " " + g.pick("verb") + " " + g.nounPhrase(markup)
	if g.r.IntN(2) == 0 {
		s += " " + g.pick("preposition") + " " + g.nounPhrase(markup)
	}
	if g.r.IntN(3) == 0 {
		s += " " + g.pick("adverb")
	}
	return s
}

// sentence returns one sentence, e.g. "This morning, we baked a warm loaf."
// Without markup it is plain text.
func (g *generator) sentence(markup bool) string {
	var s string
	switch roll := g.r.IntN(20); {
	case roll < 4:
		s = g.pick("opener") + ", " + g.clause(markup)
	case roll < 8:
		s = g.clause(markup) + ", " + g.pick("conjunction") + " " + g.clause(markup)
	case roll < 9:
		s = g.pick("adjective") + " " + g.pick("noun") + ", " + g.pick("adjective") + " " + g.pick("noun")
	default:
		s = g.clause(markup)
	}
	end := "."
	if g.r.IntN(25) == 0 {
		end = "!"
	}
	return capitalize(s) + end
}

// paragraph writes sentences until about n words, and returns the count.
// plainStart keeps the first sentence free of markup, for the slug.
func (g *generator) paragraph(b *strings.Builder, n int, plainStart bool) int {
	words := 0
	for words < n {
		if words > 0 {
			b.WriteByte(' ')
		}
		s := g.sentence(!(plainStart && words == 0))
		b.WriteString(s)
		words += countWords(s)
	}
	b.WriteByte('\n')
	return words
}

// list writes a bulleted list of 3–5 items and returns its word count.
func (g *generator) list(b *strings.Builder) int {
	words := 0
	for range 3 + g.r.IntN(3) {
		item := capitalize(g.nounPhrase(false))
		if g.r.IntN(3) == 0 {
			item = g.sentence(true)
		}
		b.WriteString("- " + item + "\n")
		words += countWords(item)
	}
	return words
}

// quote writes a one- or two-sentence blockquote and returns its word count.
func (g *generator) quote(b *strings.Builder) int {
	s := g.sentence(true)
	if g.r.IntN(2) == 0 {
		s += " " + g.sentence(true)
	}
	b.WriteString("> " + s + "\n")
	return countWords(s)
}

// code writes a fenced code block and returns its word count.
func (g *generator) code(b *strings.Builder) int {
	sample := g.snippets[g.r.IntN(len(g.snippets))]
	b.WriteString("```" + sample[0] + "\n" + sample[1] + "```\n")
	return len(strings.Fields(sample[1]))
}

// body returns about n words of Markdown: paragraphs and, now and then, a
// list or a blockquote. It always starts with a paragraph.
func (g *generator) body(n int) string {
	var b strings.Builder
	words := 0
	for words < n {
		if b.Len() == 0 {
			words += g.paragraph(&b, min(n, 30+g.r.IntN(50)), true)
			continue
		}
		b.WriteByte('\n')
		switch roll := g.r.IntN(100); {
		case roll < 8:
			words += g.list(&b)
		case roll < 12:
			words += g.quote(&b)
		default:
			words += g.paragraph(&b, min(n-words, 30+g.r.IntN(50)), false)
		}
	}
	return b.String()
}

// longBody returns an article of about n words: an intro, then sections
// with a heading, paragraphs, lists, quotes and code blocks. The first
// section always has a code block.
func (g *generator) longBody(n int) string {
	var b strings.Builder
	words := g.paragraph(&b, 40+g.r.IntN(40), true)
	for section := 0; words < n; section++ {
		b.WriteString("\n## " + g.title() + "\n\n")
		words += g.paragraph(&b, 40+g.r.IntN(60), false)
		if section == 0 || g.r.IntN(2) == 0 {
			b.WriteByte('\n')
			words += g.code(&b)
		}
		for range 1 + g.r.IntN(3) {
			b.WriteByte('\n')
			switch roll := g.r.IntN(10); {
			case roll < 2:
				words += g.list(&b)
			case roll < 3:
				words += g.quote(&b)
			default:
				words += g.paragraph(&b, 40+g.r.IntN(60), false)
			}
		}
	}
	return b.String()
}

// title returns an article or section title, e.g. "Notes on the harbour".
func (g *generator) title() string {
	var s string
	switch g.r.IntN(6) {
	case 0:
		s = g.pick("adjective") + " " + g.pick("noun") + ", " + g.pick("adjective") + " " + g.pick("noun")
	case 1:
		s = "notes on the " + g.pick("noun")
	case 2:
		s = "how I " + g.pick("verb") + " " + g.nounPhrase(false)
	case 3:
		s = g.pick("noun") + " and " + g.pick("noun")
	case 4:
		s = g.nounPhrase(false) + ", " + g.pick("adverb")
	default:
		s = "the " + g.pick("adjective") + " " + g.pick("noun")
	}
	return capitalize(s)
}

// externalURL returns the address of someone else's post.
func (g *generator) externalURL() string {
	return "https://" + g.domains[g.r.IntN(len(g.domains))] + "/" +
		g.pick("adjective") + "-" + g.pick("noun") + "-" + g.pick("noun")
}

// linkURL returns the target of a link in the text.
func (g *generator) linkURL() string {
	return "https://" + g.domains[g.r.IntN(len(g.domains))] + "/" + g.pick("noun")
}

// indefinite returns "a" or "an" for the word.
func indefinite(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// countWords counts the words of generated prose, which puts exactly one
// space between words.
func countWords(s string) int { return strings.Count(s, " ") + 1 }
