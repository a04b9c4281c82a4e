package main

import (
	"bytes"
	"slices"
	"strings"
	"time"
	"unicode"
)

// post is one generated post, ready to be written out.
type post struct {
	date  time.Time
	title string // set on articles only
	slug  string // before de-duplication
	tags  []string

	inReplyTo  string
	likeOf     string
	bookmarkOf string
	photos     []photo

	body string // Markdown; may be empty
}

type photo struct{ url, alt string }

// dates returns n post dates spread evenly over 2018–2025, oldest first.
// Most are in Central European time, the rest in UTC or New York time.
func (g *generator) dates(n int) []time.Time {
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	minutes := int64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start) / time.Minute)
	dates := make([]time.Time, n)
	for i := range dates {
		t := start.Add(time.Duration(g.r.Int64N(minutes)) * time.Minute)
		offset := 1 // hours east of UTC
		switch roll := g.r.IntN(20); {
		case roll < 2:
			offset = 0
		case roll < 3:
			offset = -5
		case t.Month() >= time.April && t.Month() <= time.October:
			offset = 2 // summer time, roughly
		}
		dates[i] = t.In(time.FixedZone("", offset*3600))
	}
	slices.SortFunc(dates, time.Time.Compare)
	return dates
}

// post makes one post dated date, choosing its kind by the target mix.
func (g *generator) post(date time.Time) post {
	p := post{date: date, tags: g.tags()}
	switch roll := g.r.Float64(); {
	case roll < 0.10: // long article
		p.title = g.title()
		p.body = g.longBody(500 + g.r.IntN(1001))
	case roll < 0.30: // short article
		p.title = g.title()
		p.body = g.body(g.lognormal(150, 0.5, 40, 450))
	case roll < 0.35: // photo, usually with a caption
		p.photos = g.photos(date)
		if g.r.IntN(10) < 7 {
			p.body = g.body(g.lognormal(20, 0.6, 3, 80))
		}
	case roll < 0.40: // reply, like or bookmark
		switch g.r.IntN(3) {
		case 0:
			p.inReplyTo = g.externalURL()
			p.body = g.body(g.lognormal(30, 0.5, 4, 120))
		case 1:
			p.likeOf = g.externalURL()
			if g.r.IntN(4) == 0 {
				p.body = g.sentence(false) + "\n"
			}
		default:
			p.bookmarkOf = g.externalURL()
			p.body = g.body(g.lognormal(20, 0.5, 4, 80))
		}
	default: // note
		p.body = g.body(g.lognormal(42, 0.6, 5, 300))
	}
	p.slug = slugFor(p)
	return p
}

// tags returns 0–3 distinct tags, popular ones more often.
func (g *generator) tags() []string {
	var n int
	switch roll := g.r.IntN(100); {
	case roll < 25:
		n = 0
	case roll < 60:
		n = 1
	case roll < 85:
		n = 2
	default:
		n = 3
	}
	var tags []string
	for len(tags) < n {
		if t := g.tagList.pick(); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// photos returns one photo, now and then two or three.
func (g *generator) photos(date time.Time) []photo {
	n := 1
	if g.r.IntN(5) == 0 {
		n = 2 + g.r.IntN(2)
	}
	photos := make([]photo, n)
	for i := range photos {
		name := g.pick("adjective") + "-" + g.pick("noun") + ".jpg"
		photos[i] = photo{
			url: "/media/" + date.Format("2006/01") + "/" + name,
			alt: capitalize(g.nounPhrase(false)+" "+g.pick("preposition")+" "+g.nounPhrase(false)) + ".",
		}
	}
	return photos
}

// slugFor derives the slug as inkstone does: from the title, else from the
// first words of the body, else from the date.
func slugFor(p post) string {
	if p.title != "" {
		return slugify(p.title)
	}
	words := strings.Fields(p.body)
	if s := slugify(strings.Join(words[:min(len(words), 6)], " ")); s != "" {
		return s
	}
	return p.date.UTC().Format("20060102150405")
}

// slugify keeps letters and digits, lower-cased, and turns every run of
// anything else into one hyphen.
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			hyphen = true
			continue
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// bytes returns the post as a content file: YAML front matter, then the
// body. Values are written unquoted: the vocabulary holds no YAML syntax.
func (p *post) bytes() []byte {
	var b bytes.Buffer
	field := func(key, value string) {
		if value != "" {
			b.WriteString(key + ": " + value + "\n")
		}
	}
	b.WriteString("---\n")
	field("title", p.title)
	field("date", p.date.Format(time.RFC3339))
	if len(p.tags) > 0 {
		field("tags", "["+strings.Join(p.tags, ", ")+"]")
	}
	field("in_reply_to", p.inReplyTo)
	field("like_of", p.likeOf)
	field("bookmark_of", p.bookmarkOf)
	if len(p.photos) > 0 {
		b.WriteString("photo:\n")
		for _, ph := range p.photos {
			b.WriteString("  - url: " + ph.url + "\n    alt: " + ph.alt + "\n")
		}
	}
	b.WriteString("---\n")
	b.WriteString(p.body)
	return b.Bytes()
}
