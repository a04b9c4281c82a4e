package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// URL is one entry of a sitemap.
type URL struct {
	Loc     string    // absolute URL
	LastMod time.Time // omitted when zero
}

// maxSitemapURLs is the per-file limit set by sitemaps.org; search engines
// reject larger files, so exceeding it is an error rather than a silent
// truncation. Larger sites need a sitemap index (SitemapIndex).
const maxSitemapURLs = 50000

const (
	sitemapHead = xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n"
	sitemapTail = "</urlset>\n"
	// urlOverhead is the size of one entry's markup and lastmod without
	// the loc itself; it lets Sitemap size its buffer once up front.
	urlOverhead = len("  <url>\n    <loc></loc>\n    <lastmod>2006-01-02T15:04:05-07:00</lastmod>\n  </url>\n")
)

// Sitemap renders urls as a sitemaps.org 0.9 document, in the given order.
//
// It writes the document by hand instead of through xml.Marshal: the
// structure is fixed and flat, and skipping reflection per URL keeps large
// sites fast. Anything that is not plain ASCII goes through xml.EscapeText,
// so the output is as well-formed as the marshalled feeds.
func Sitemap(urls []URL) ([]byte, error) {
	return encodeSitemap("sitemap", "url", sitemapHead, sitemapTail, maxSitemapURLs, urls)
}

// encodeSitemap writes a sitemap or a sitemap index: head, one elem
// element per entry, tail. what names the document in errors.
func encodeSitemap(what, elem, head, tail string, limit int, entries []URL) ([]byte, error) {
	if len(entries) > limit {
		return nil, fmt.Errorf("encode %s: %d %ss exceed the limit of %d per file", what, len(entries), elem, limit)
	}
	var buf bytes.Buffer
	size := len(head) + len(tail)
	for _, u := range entries {
		size += urlOverhead + len(u.Loc) + 2*(len(elem)-len("url"))
	}
	buf.Grow(size)
	buf.WriteString(head)
	for i, u := range entries {
		if strings.TrimSpace(u.Loc) == "" {
			return nil, fmt.Errorf("encode %s: %s %d has an empty loc", what, elem, i)
		}
		writeEntry(&buf, elem, u.Loc, u.LastMod)
	}
	buf.WriteString(tail)
	return buf.Bytes(), nil
}

// SitemapRef is one child sitemap of a sitemap index: its absolute URL,
// and the newest lastmod of its URLs (omitted when zero).
type SitemapRef = URL

// maxSitemapRefs is the sitemaps.org limit of child sitemaps per index.
const maxSitemapRefs = 50000

const (
	indexHead = xml.Header + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n"
	indexTail = "</sitemapindex>\n"
)

// SitemapIndex renders refs as a sitemaps.org 0.9 sitemap index, in the
// given order. Large sites split their URLs over several sitemaps, each
// under the per-file limit, and point crawlers at the index instead.
func SitemapIndex(refs []SitemapRef) ([]byte, error) {
	return encodeSitemap("sitemap index", "sitemap", indexHead, indexTail, maxSitemapRefs, refs)
}

// writeEntry writes one <url> or <sitemap> element with its loc and, when
// set, its lastmod.
func writeEntry(buf *bytes.Buffer, elem, loc string, lastMod time.Time) {
	buf.WriteString("  <")
	buf.WriteString(elem)
	buf.WriteString(">\n    <loc>")
	if plainASCII(loc) {
		buf.WriteString(loc)
	} else {
		// Writes to a bytes.Buffer cannot fail; EscapeText only
		// returns the writer's error.
		_ = xml.EscapeText(buf, []byte(loc))
	}
	buf.WriteString("</loc>\n")
	if !lastMod.IsZero() {
		buf.WriteString("    <lastmod>")
		// Appending into the buffer's spare capacity avoids a
		// string allocation per URL.
		buf.Write(lastMod.AppendFormat(buf.AvailableBuffer(), time.RFC3339))
		buf.WriteString("</lastmod>\n")
	}
	buf.WriteString("  </")
	buf.WriteString(elem)
	buf.WriteString(">\n")
}

// plainASCII reports whether s can be written to XML text verbatim. Site
// URLs are percent-encoded ASCII, so this fast path skips the conversion
// to []byte and the rune-by-rune escaping for nearly every entry.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x7f, c == '<', c == '>', c == '&', c == '\'', c == '"':
			return false
		}
	}
	return true
}

// Robots renders a robots.txt that allows every crawler everything and
// points at the sitemap. An empty sitemapURL leaves the Sitemap line out.
func Robots(sitemapURL string) []byte {
	const allowAll = "User-agent: *\nAllow: /\n"
	// A line break in the URL would let configuration inject directives.
	sitemapURL = strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(sitemapURL))
	if sitemapURL == "" {
		return []byte(allowAll)
	}
	return []byte(allowAll + "\nSitemap: " + sitemapURL + "\n")
}
