// Package search indexes a site's posts: a bleve index in the state
// folder for the command line, and a static sharded index under
// public/search/ that the theme's script queries in the browser.
package search

import (
	"time"
)

// Doc is one searchable post.
type Doc struct {
	Key     string    // stable identity: the content path, e.g. "posts/2024/hello.md"
	Version string    // changes whenever any other field changes
	URL     string    // root-relative permalink, e.g. "/2024/05/hello/"
	Title   string    // may be empty (notes have no title)
	Label   string    // what a result shows when Title is empty
	Text    string    // plain text of the content
	Summary string    // short plain text for the snippet
	Tags    []string  // tag names
	Type    string    // note, article, photo, reply, like, repost, bookmark, video, audio
	Date    time.Time // publication date
}

// File is one file of the static index; Path is relative to public/ ("search/...").
type File struct {
	Path string
	Data []byte // nil when the file is unchanged since the previous Update
}

// Query is what Index.Search looks for.
type Query struct {
	Text  string
	Tags  []string // every tag must be present
	Type  string   // empty for any type
	Limit int      // 0 for the default
}

// Result is one hit of Index.Search.
type Result struct {
	URL, Title, Label, Type string
	Date                    time.Time
	Tags                    []string
	Score                   float64
	Snippet                 string // with matched words marked as <mark>…</mark>
}
