package content

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxSlugWords bounds slugs made from a note's first words.
const maxSlugWords = 6

// maxSlugBytes keeps file names well under common 255-byte limits.
const maxSlugBytes = 80

// Slugify makes a URL slug from free text: Unicode letters and digits kept
// with their combining marks, lower case, runs of anything else (spaces,
// punctuation, symbols, emoji) turned into one hyphen. Apostrophes join
// words. The result is NFC, has no leading or trailing hyphen and is at
// most 80 bytes, cut at a hyphen where possible.
func Slugify(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	hyphen := false // a separator is pending
	word := false   // the last rune written was part of a word
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			word = true
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Variation_Selector, r):
			// Emoji presentation selectors (U+FE0F) are marks, but
			// belong to the symbol before them, which is dropped.
		case unicode.In(r, unicode.Mn, unicode.Mc):
			// Combining marks (accents, Indic vowel signs) belong to
			// the letter before them; alone they are dropped.
			if word && !hyphen {
				b.WriteRune(r)
			}
		case r == '\'' || r == '’':
			// Apostrophes join words: "don't" becomes "dont".
		default:
			hyphen = true
			word = false
		}
	}
	// Lower-casing can leave a letter and a mark that compose.
	return truncateSlug(norm.NFC.String(b.String()))
}

func truncateSlug(s string) string {
	if len(s) <= maxSlugBytes {
		return s
	}
	cut := maxSlugBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	// Prefer to end on a whole word: at the cut when a hyphen follows
	// it, else at the last hyphen, unless that loses more than half.
	if s[cut] != '-' {
		if i := strings.LastIndexByte(s[:cut], '-'); i > maxSlugBytes/2 {
			cut = i
		}
	}
	return strings.Trim(s[:cut], "-")
}

// SlugFor picks a post's slug: its slug field, else its title, else its
// first words, else the timestamp YYYYMMDDHHMMSS of its date.
func SlugFor(p *Post, now time.Time) string {
	if s := Slugify(p.Slug); s != "" {
		return s
	}
	if s := Slugify(p.Title); s != "" {
		return s
	}
	if s := Slugify(firstWords(plainStart(p.Body), maxSlugWords)); s != "" {
		return s
	}
	t := p.Date
	if t.IsZero() {
		t = now
	}
	return t.UTC().Format("20060102150405")
}

// UniqueSlug returns slug, or slug-2, slug-3, ... the first that taken
// reports free.
func UniqueSlug(slug string, taken func(string) bool) string {
	if !taken(slug) {
		return slug
	}
	for n := 2; ; n++ {
		s := fmt.Sprintf("%s-%d", slug, n)
		if !taken(s) {
			return s
		}
	}
}

// htmlTag matches an inline HTML tag or an autolink such as <https://x>.
var htmlTag = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)

// plainStart drops leading Markdown markup that makes poor slugs: fenced
// code blocks, lines of HTML, images, inline tags and link targets.
func plainStart(body string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.SplitN(body, "\n", 20) {
		line = strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(line, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			fence = line[:3]
			continue
		}
		if line == "" || strings.HasPrefix(line, "<") || strings.HasPrefix(line, "![") {
			continue
		}
		b.WriteString(line)
		b.WriteByte(' ')
	}
	s := htmlTag.ReplaceAllString(b.String(), " ")
	// Keep link text, drop link targets: [text](url) -> text.
	for {
		i := strings.Index(s, "](")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			break
		}
		s = s[:i] + " " + s[i+j+1:]
	}
	return s
}

func firstWords(s string, n int) string {
	words := strings.Fields(s)
	kept := words[:0]
	for _, w := range words {
		if strings.Contains(w, "://") {
			continue // a bare URL makes a poor slug
		}
		kept = append(kept, w)
		if len(kept) == n {
			break
		}
	}
	return strings.Join(kept, " ")
}
