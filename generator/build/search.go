package build

import (
	"bytes"
	"fmt"
	"strconv"

	"inkstone/generator/render"
	"inkstone/generator/search"
	"inkstone/generator/site"
)

// searchDocs lists the posts search finds: the listed ones, as feeds do.
// When the site was updated rather than assembled anew, the last build's
// list is walked alongside and its docs reused. A reused doc beyond the
// newest keep posts loses its text, which only the first indexing of a
// version reads: the builder holds the text of every post no longer.
func searchDocs(st *state, s *site.Site, updated bool, keep int) []search.Doc {
	docs := make([]search.Doc, len(s.Posts))
	prev, prevOf := st.docs, st.docsOf
	if !updated || len(prev) != len(prevOf) {
		prev, prevOf = nil, nil
	}
	gone := make(map[*site.Entry]bool, len(st.gone))
	for _, g := range st.gone {
		gone[g] = true
	}
	j := 0
	for i, e := range s.Posts {
		for j < len(prevOf) && gone[prevOf[j]] {
			j++
		}
		if j < len(prevOf) && prevOf[j] == e {
			docs[i] = prev[j]
			if i >= keep {
				docs[i].Text = ""
			}
			j++
			continue
		}
		docs[i] = docOf(e)
	}
	st.docs, st.docsOf = docs, s.Posts
	return docs
}

// docOf is e as search indexes it.
func docOf(e *site.Entry) search.Doc {
	d := search.Doc{
		Key: e.Post.Path,
		// Stable from one run to the next, for the bleve index on disk:
		// the file's hash and the URL the config gives it.
		Version: strconv.FormatUint(e.Post.Version, 36) + " " + e.URL,
		URL:     e.URL,
		Title:   e.Post.Title,
		Label:   e.Label,
		Text:    e.Text,
		Summary: e.Summary,
		Type:    string(e.Type),
		Date:    e.Post.Date,
	}
	for _, t := range e.Tags {
		d.Tags = append(d.Tags, t.Name)
	}
	return d
}

// searchOutputs turns the static index's files that have bytes into
// outputs; the others are on disk already. Their names carry a hash of
// their bytes, so a path is all that needs remembering of them.
func searchOutputs(st *state, files []search.File) []output {
	var outs []output
	for _, f := range files {
		f := f
		if f.Data == nil {
			continue
		}
		outs = append(outs, output{path: f.Path, kind: kindFile, key: newKey(st.seed, "search").bytes(f.Data).sum(),
			render: func(*bytes.Buffer) ([]byte, error) { return f.Data, nil }})
	}
	return outs
}

// searchPage plans /search/, whose form works without the index.
func (b *Builder) searchPage(st *state, s *site.Site, page func(string, string, func() *render.Page, *key)) {
	page("search/index.html", "search", func() *render.Page {
		return &render.Page{Kind: "search", Title: "Search", URL: "/search/",
			Description: fmt.Sprintf("Search the posts on %s", b.Config.Title), Tags: s.Tags}
	}, newKey(st.seed, "search-page").tags(s.Tags).years(s.Years))
}
