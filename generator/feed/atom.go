package feed

import (
	"encoding/xml"
	"errors"
	"fmt"
	"time"
)

type atomFeed struct {
	XMLName  xml.Name    `xml:"feed"`
	XMLNS    string      `xml:"xmlns,attr"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Icon     string      `xml:"icon,omitempty"`
	Author   *atomPerson `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

// atomLink is shared with RSS, where it appears as atom:link.
type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name  string `xml:"name"`
	URI   string `xml:"uri,omitempty"`
	Email string `xml:"email,omitempty"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"` // required by Atom, so kept even when empty
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published,omitempty"`
	Updated    string         `xml:"updated"`
	Categories []atomCategory `xml:"category"`
	Summary    string         `xml:"summary,omitempty"`
	Content    *atomContent   `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

// Atom renders f as an Atom 1.0 document (RFC 4287).
//
// Entries carry no author of their own: they inherit the feed's, which is
// exactly the single-author situation of a personal site.
func Atom(f *Feed) ([]byte, error) {
	if f == nil {
		return nil, errors.New("encode atom: nil feed")
	}
	updated := f.updated()
	if updated.IsZero() {
		// <updated> is mandatory. A feed with no dated items has never
		// changed, and the epoch says so deterministically.
		updated = time.Unix(0, 0).UTC()
	}
	doc := atomFeed{
		XMLNS:    nsAtom,
		Lang:     f.Language,
		ID:       f.HomeURL,
		Title:    f.Title,
		Subtitle: f.Description,
		Updated:  rfc3339(updated),
		Icon:     f.Icon,
	}
	doc.Links = append(doc.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.HomeURL})
	if f.FeedURL != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: f.FeedURL})
	}
	for _, hub := range f.Hubs {
		doc.Links = append(doc.Links, atomLink{Rel: "hub", Href: hub})
	}
	// An atom:author must have a name; without one it is left out rather
	// than emitted invalid.
	if f.Author.Name != "" {
		doc.Author = &atomPerson{Name: f.Author.Name, URI: f.Author.URL, Email: f.Author.Email}
	}

	doc.Entries = make([]atomEntry, 0, len(f.Items))
	for i := range f.Items {
		it := &f.Items[i]
		e := atomEntry{
			ID:        it.guid(),
			Title:     it.Title,
			Published: rfc3339(it.Published),
			Summary:   it.Summary,
		}
		entryUpdated := it.Updated
		if entryUpdated.IsZero() {
			entryUpdated = it.Published
		}
		if entryUpdated.IsZero() {
			entryUpdated = updated
		}
		e.Updated = rfc3339(entryUpdated)
		if it.URL != "" {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "text/html", Href: it.URL})
		}
		if it.ExternalURL != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Href: it.ExternalURL})
		}
		for _, tag := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: tag})
		}
		if it.ContentHTML != "" {
			e.Content = &atomContent{Type: "html", Value: it.ContentHTML}
		} else if it.Text != "" {
			e.Content = &atomContent{Type: "text", Value: it.Text}
		}
		doc.Entries = append(doc.Entries, e)
	}

	out, err := marshalXML(doc)
	if err != nil {
		return nil, fmt.Errorf("encode atom: %w", err)
	}
	return out, nil
}
