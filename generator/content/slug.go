package content

import (
	"fmt"
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

// Slugify makes a URL slug from free text: Unicode letters and digits kept,
// lower case, runs of anything else turned into one hyphen.
func Slugify(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			// Apostrophes join words: "don't" becomes "dont".
		default:
			hyphen = true
		}
	}
	return truncateSlug(b.String())
}

func truncateSlug(s string) string {
	if len(s) <= maxSlugBytes {
		return s
	}
	cut := maxSlugBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	s = s[:cut]
	// Prefer to end on a whole word.
	if i := strings.LastIndexByte(s, '-'); i > maxSlugBytes/2 {
		s = s[:i]
	}
	return strings.Trim(s, "-")
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

// plainStart drops leading Markdown markup that makes poor slugs.
func plainStart(body string) string {
	var b strings.Builder
	for _, line := range strings.SplitN(body, "\n", 20) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "<") || strings.HasPrefix(line, "![") {
			continue
		}
		b.WriteString(line)
		b.WriteByte(' ')
	}
	s := b.String()
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
