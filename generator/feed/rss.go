package feed

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"time"
)

// Namespaces declared on the RSS root element.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

// The RSS structs spell prefixed names ("atom:link") literally: encoding/xml
// would otherwise invent its own prefixes and redeclare namespaces on every
// element, which some readers mishandle.
type rssDoc struct {
	XMLName      xml.Name   `xml:"rss"`
	Version      string     `xml:"version,attr"`
	XMLNSAtom    string     `xml:"xmlns:atom,attr"`
	XMLNSContent string     `xml:"xmlns:content,attr"`
	XMLNSDC      string     `xml:"xmlns:dc,attr"`
	Channel      rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title          string     `xml:"title"`
	Link           string     `xml:"link"`
	Description    string     `xml:"description"` // required by RSS even when empty
	Language       string     `xml:"language,omitempty"`
	ManagingEditor string     `xml:"managingEditor,omitempty"`
	Creator        string     `xml:"dc:creator,omitempty"`
	LastBuildDate  string     `xml:"lastBuildDate,omitempty"`
	AtomLinks      []atomLink `xml:"atom:link"`
	Image          *rssImage  `xml:"image"`
	Items          []rssItem  `xml:"item"`
}

type rssImage struct {
	URL   string `xml:"url"`
	Title string `xml:"title"`
	Link  string `xml:"link"`
}

type rssItem struct {
	Title       string    `xml:"title,omitempty"`
	Link        string    `xml:"link,omitempty"`
	Description string    `xml:"description,omitempty"`
	Content     string    `xml:"content:encoded,omitempty"`
	Author      string    `xml:"author,omitempty"`
	Creator     string    `xml:"dc:creator,omitempty"`
	Categories  []string  `xml:"category"`
	GUID        *rssGUID  `xml:"guid"`
	PubDate     string    `xml:"pubDate,omitempty"`
	Related     *atomLink `xml:"atom:link"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// RSS renders f as an RSS 2.0 document.
//
// Untitled items (notes) get no <title>: RSS requires only one of title or
// description, and an invented title would show up in readers as a
// truncated duplicate of the content.
func RSS(f *Feed) ([]byte, error) {
	if f == nil {
		return nil, errors.New("encode rss: nil feed")
	}
	ch := rssChannel{
		Title:         f.Title,
		Link:          f.HomeURL,
		Description:   f.Description,
		Language:      f.Language,
		LastBuildDate: rfc1123z(f.updated()),
	}
	// RSS's own author fields must hold an email address; without one the
	// Dublin Core creator is the only standard way to name the author.
	authorText := rssAuthor(f.Author)
	if authorText != "" {
		ch.ManagingEditor = authorText
	} else {
		ch.Creator = f.Author.Name
	}
	if f.FeedURL != "" {
		ch.AtomLinks = append(ch.AtomLinks, atomLink{Rel: "self", Type: "application/rss+xml", Href: f.FeedURL})
	}
	for _, hub := range f.Hubs {
		ch.AtomLinks = append(ch.AtomLinks, atomLink{Rel: "hub", Href: hub})
	}
	if f.Icon != "" {
		ch.Image = &rssImage{URL: f.Icon, Title: f.Title, Link: f.HomeURL}
	}

	ch.Items = make([]rssItem, 0, len(f.Items))
	for i := range f.Items {
		it := &f.Items[i]
		ri := rssItem{
			Title:       it.Title,
			Link:        it.URL,
			Description: rssDescription(it),
			Content:     it.ContentHTML,
			Categories:  it.Tags,
			PubDate:     rfc1123z(it.Published),
		}
		if authorText != "" {
			ri.Author = authorText
		} else {
			ri.Creator = f.Author.Name
		}
		if g := it.guid(); g != "" {
			// isPermaLink promises readers they can open the guid, which
			// only holds when it is the item's URL.
			ri.GUID = &rssGUID{IsPermaLink: g == it.URL, Value: g}
		}
		if it.ExternalURL != "" {
			// RSS has no element for "this post is about that URL";
			// atom:link rel=related is the conventional extension.
			ri.Related = &atomLink{Rel: "related", Href: it.ExternalURL}
		}
		ch.Items = append(ch.Items, ri)
	}

	out, err := marshalXML(rssDoc{
		Version:      "2.0",
		XMLNSAtom:    nsAtom,
		XMLNSContent: nsContent,
		XMLNSDC:      nsDC,
		Channel:      ch,
	})
	if err != nil {
		return nil, fmt.Errorf("encode rss: %w", err)
	}
	return out, nil
}

// rssDescription picks the item synopsis. RSS descriptions are HTML, so the
// plain-text summary is HTML-escaped first (a summary like "a<b" must not
// turn into a tag). Without a summary the full HTML is used, so that
// untitled notes still satisfy RSS's "title or description" rule and show
// up in readers that ignore content:encoded.
func rssDescription(it *Item) string {
	switch {
	case it.Summary != "":
		return html.EscapeString(it.Summary)
	case it.ContentHTML != "":
		return it.ContentHTML
	default:
		return html.EscapeString(it.Text)
	}
}

// rssAuthor formats an author in the RSS "email (Name)" form, or returns ""
// when there is no email, since RSS defines author fields as addresses.
func rssAuthor(a Author) string {
	switch {
	case a.Email == "":
		return ""
	case a.Name == "":
		return a.Email
	default:
		return a.Email + " (" + a.Name + ")"
	}
}

// rfc1123z formats t for RSS, keeping its own zone offset. RFC 1123Z
// (numeric zone) is used because named zones like "CET" are ambiguous and
// rejected by strict parsers.
func rfc1123z(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC1123Z)
}
