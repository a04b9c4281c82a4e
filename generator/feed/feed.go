// Package feed renders syndication documents for a site: RSS 2.0, Atom 1.0,
// JSON Feed 1.1, sitemaps, sitemap indexes and robots.txt.
//
// The package works on plain values defined here rather than on the site's
// content model, so it can be tested and reused without the rest of the
// generator. Every function is a pure transformation: the same input always
// yields the same bytes (no clock, no map iteration), so rebuilding an
// unchanged site changes no files and tests can compare golden files.
package feed

import (
	"bytes"
	"encoding/xml"
	"time"
)

// Author describes the person a feed belongs to. A personal site has exactly
// one author, so items do not carry their own.
type Author struct {
	Name  string
	URL   string // absolute URL of the author's home page
	Email string // optional; RSS <author> requires one, so without it RSS falls back to dc:creator
	Photo string // absolute URL of an avatar
}

// Item is one entry of a feed.
type Item struct {
	ID          string // stable unique id; the absolute permalink
	URL         string // absolute permalink
	Title       string // empty for notes (untitled posts)
	ContentHTML string // full HTML content with absolute URLs already
	Text        string // plain text of the content; a fallback when there is neither summary nor HTML
	Summary     string // plain text
	Published   time.Time
	Updated     time.Time // zero when never updated
	Tags        []string
	Image       string // absolute URL of the first photo, may be empty
	ExternalURL string // the URL a like/repost/bookmark/reply points at, may be empty
}

// Feed is the input for RSS, Atom and JSONFeed.
type Feed struct {
	Title       string
	Description string
	Language    string // BCP 47 tag such as "en" or "de-CH"
	HomeURL     string // absolute, with trailing slash
	FeedURL     string // absolute URL of this feed document (set by the caller per format)
	Icon        string // absolute, may be empty
	Author      Author
	// Updated is the newest Published/Updated among items. Callers pass it
	// so output is deterministic; when it is zero the newest item time is
	// used instead.
	Updated time.Time
	Items   []Item   // newest first, already limited by the caller
	Hubs    []string // optional WebSub hubs
}

// updated returns the time the feed as a whole last changed. The caller's
// value wins; otherwise it is derived from the items, never from the clock,
// so that rebuilding an unchanged site yields identical bytes.
func (f *Feed) updated() time.Time {
	if !f.Updated.IsZero() {
		return f.Updated
	}
	var newest time.Time
	for i := range f.Items {
		for _, t := range []time.Time{f.Items[i].Published, f.Items[i].Updated} {
			if t.After(newest) {
				newest = t
			}
		}
	}
	return newest
}

// guid returns the item's identifier, falling back to its URL so that no
// item is ever emitted without one (readers use it to detect duplicates).
func (it *Item) guid() string {
	if it.ID != "" {
		return it.ID
	}
	return it.URL
}

// rfc3339 formats t in its own zone offset, as used by Atom, JSON Feed and
// sitemaps. Zero times become the empty string so omitempty can drop them.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// marshalXML encodes v as an indented XML document with the XML declaration
// and a trailing newline. encoding/xml is used throughout because it
// escapes text and attributes correctly and replaces characters that are
// not allowed in XML, so the output is always well-formed.
func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
