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
// Each source keeps its doc while its entry is the same. When the site
// was updated rather than assembled anew, the last build's list is walked
// alongside, and only the posts this build changed are looked up.
func searchDocs(st *state, s *site.Site, updated bool) []search.Doc {
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
			j++
			continue
		}
		docs[i] = docOf(st, e)
	}
	st.docs, st.docsOf = docs, s.Posts
	return docs
}

// docOf is e as search indexes it, made once per entry.
func docOf(st *state, e *site.Entry) search.Doc {
	src := st.sources[e.Post.Path]
	if src != nil && src.doc != nil && src.docOf == e {
		return *src.doc
	}
	var d search.Doc
	d.Key = e.Post.Path
	// Stable from one run to the next, for the bleve index on disk:
	// the file's hash and the URL the config gives it.
	d.Version = strconv.FormatUint(e.Post.Version, 36) + " " + e.URL
	d.URL = e.URL
	d.Title = e.Post.Title
	d.Label = e.Label
	d.Text = e.Text
	d.Summary = e.Summary
	d.Type = string(e.Type)
	d.Date = e.Post.Date
	for _, t := range e.Tags {
		d.Tags = append(d.Tags, t.Name)
	}
	if src != nil {
		c := d
		src.doc, src.docOf = &c, e
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
