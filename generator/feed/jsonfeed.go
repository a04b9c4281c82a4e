package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// jsonFeedVersion identifies the JSON Feed spec the output follows.
const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// Structs rather than maps: encoding/json writes struct fields in
// declaration order, which keeps the output stable and readable.
type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url,omitempty"`
	FeedURL     string       `json:"feed_url,omitempty"`
	Description string       `json:"description,omitempty"`
	Icon        string       `json:"icon,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Language    string       `json:"language,omitempty"`
	Hubs        []jsonHub    `json:"hubs,omitempty"`
	Items       []jsonItem   `json:"items"` // required, so [] rather than omitted
}

type jsonAuthor struct {
	Name   string `json:"name,omitempty"`
	URL    string `json:"url,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type jsonItem struct {
	ID            string   `json:"id"`
	URL           string   `json:"url,omitempty"`
	ExternalURL   string   `json:"external_url,omitempty"`
	Title         string   `json:"title,omitempty"` // absent for notes, as the spec asks
	ContentHTML   string   `json:"content_html,omitempty"`
	ContentText   string   `json:"content_text,omitempty"`
	Summary       string   `json:"summary,omitempty"`
	Image         string   `json:"image,omitempty"`
	DatePublished string   `json:"date_published,omitempty"`
	DateModified  string   `json:"date_modified,omitempty"`
	Tags          []string `json:"tags,omitempty"`
}

// JSONFeed renders f as a JSON Feed 1.1 document, indented with two spaces.
func JSONFeed(f *Feed) ([]byte, error) {
	if f == nil {
		return nil, errors.New("encode json feed: nil feed")
	}
	doc := jsonFeed{
		Version:     jsonFeedVersion,
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.FeedURL,
		Description: f.Description,
		Icon:        f.Icon,
		Language:    f.Language,
		Items:       make([]jsonItem, 0, len(f.Items)),
	}
	// JSON Feed has no email field; an author with none of the remaining
	// fields would be an empty object, which the spec forbids.
	if a := (jsonAuthor{Name: f.Author.Name, URL: f.Author.URL, Avatar: f.Author.Photo}); a != (jsonAuthor{}) {
		doc.Authors = []jsonAuthor{a}
	}
	for _, hub := range f.Hubs {
		doc.Hubs = append(doc.Hubs, jsonHub{Type: "WebSub", URL: hub})
	}
	for i := range f.Items {
		it := &f.Items[i]
		ji := jsonItem{
			ID:            it.guid(),
			URL:           it.URL,
			ExternalURL:   it.ExternalURL,
			Title:         it.Title,
			ContentHTML:   it.ContentHTML,
			Summary:       it.Summary,
			Image:         it.Image,
			DatePublished: rfc3339(it.Published),
			DateModified:  rfc3339(it.Updated),
			Tags:          it.Tags,
		}
		// Every item needs content_html or content_text; plain text is
		// only a fallback for items without HTML (a bare like, say).
		if ji.ContentHTML == "" {
			ji.ContentText = it.Text
		}
		doc.Items = append(doc.Items, ji)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The output is a file, not something embedded in HTML, so escaping
	// <, > and & as \u003c etc. would only hurt readability.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode json feed: %w", err)
	}
	return buf.Bytes(), nil
}
