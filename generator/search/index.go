package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Index is the bleve index in the state folder.
type Index struct {
	idx bleve.Index
	an  *Analyzer
	// changed counts the documents the last Sync indexed or deleted.
	changed int
}

// The bleve index's fields.
const (
	fieldTitle   = "title"
	fieldText    = "text"
	fieldTags    = "tags"
	fieldTag     = "tag" // lower-cased tag names, for filters
	fieldType    = "type"
	fieldDate    = "date"
	fieldURL     = "url"
	fieldLabel   = "label"
	fieldSummary = "summary"
	// versionsKey is the internal key of the Doc versions indexed.
	versionsKey = "inkstone-versions"
	// mappingVersion changes whenever the mapping does; an index of
	// another version is rebuilt.
	mappingVersion    = "2"
	mappingVersionKey = "inkstone-mapping"
)

// Search limits.
const (
	defaultLimit = 10
	maxLimit     = 100
	batchSize    = 2000
	openTimeout  = 5 * time.Second
)

// OpenIndex opens the index in dir, creating it when missing. An index
// written by another version of the mapping is recreated.
func OpenIndex(dir, language string) (*Index, error) {
	m, err := indexMapping(language)
	if err != nil {
		return nil, err
	}
	an, err := analyzerNamed(m, m.DefaultAnalyzer)
	if err != nil {
		return nil, err
	}
	// Another process (serve, the daemon) may hold the index: wait a
	// little for it rather than for ever.
	idx, err := bleve.OpenUsing(dir, map[string]any{"bolt_timeout": openTimeout.String()})
	if err == nil {
		v, gerr := idx.GetInternal([]byte(mappingVersionKey))
		if gerr == nil && string(v) == mappingVersion+"/"+m.DefaultAnalyzer {
			return &Index{idx: idx, an: an}, nil
		}
		if cerr := idx.Close(); cerr != nil {
			return nil, fmt.Errorf("search: close %s: %w", dir, cerr)
		}
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("search: remove outdated index %s: %w", dir, rerr)
		}
	} else if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("search: open index %s: another inkstone process is using it; stop it or try again", dir)
	} else if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) && !errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return nil, fmt.Errorf("search: open index %s: %w (delete the folder and build again to recreate it)", dir, err)
	}
	idx, err = bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	if err := idx.SetInternal([]byte(mappingVersionKey), []byte(mappingVersion+"/"+m.DefaultAnalyzer)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: write index %s: %w", dir, err)
	}
	return &Index{idx: idx, an: an}, nil
}

// indexMapping describes how documents are indexed.
func indexMapping(language string) (*mapping.IndexMappingImpl, error) {
	m, err := newMapping(language)
	if err != nil {
		return nil, err
	}
	text := func(store, vectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = m.DefaultAnalyzer
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		return f
	}
	keyword := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Index = false
		f.IncludeInAll = false
		return f
	}
	date := mapping.NewDateTimeFieldMapping()
	date.IncludeInAll = false
	d := mapping.NewDocumentStaticMapping()
	d.AddFieldMappingsAt(fieldTitle, text(true, false))
	d.AddFieldMappingsAt(fieldText, text(true, true)) // term vectors for snippets
	d.AddFieldMappingsAt(fieldTags, text(true, false))
	d.AddFieldMappingsAt(fieldTag, keyword())
	d.AddFieldMappingsAt(fieldType, keyword())
	d.AddFieldMappingsAt(fieldDate, date)
	d.AddFieldMappingsAt(fieldURL, stored())
	d.AddFieldMappingsAt(fieldLabel, stored())
	d.AddFieldMappingsAt(fieldSummary, stored())
	m.DefaultMapping = d
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

// indexed is a Doc as bleve indexes it.
func indexed(d *Doc) map[string]any {
	text := d.Text
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	tags := make([]string, 0, len(d.Tags))
	for _, t := range d.Tags {
		if k := tagTerm(t)[1:]; k != "" {
			tags = append(tags, k)
		}
	}
	return map[string]any{
		fieldTitle:   d.Title,
		fieldText:    text,
		fieldTags:    d.Tags,
		fieldTag:     tags,
		fieldType:    strings.ToLower(d.Type),
		fieldDate:    d.Date,
		fieldURL:     d.URL,
		fieldLabel:   d.Label,
		fieldSummary: clip(d.Summary, summaryRunes),
	}
}

// Sync makes the index hold exactly docs: it indexes docs whose Version
// it has not seen and deletes docs no longer present.
func (ix *Index) Sync(ctx context.Context, docs []Doc) error {
	versions := map[string]string{}
	if raw, err := ix.idx.GetInternal([]byte(versionsKey)); err != nil {
		return fmt.Errorf("search: read index versions: %w", err)
	} else if len(raw) > 0 {
		if err := json.Unmarshal(raw, &versions); err != nil {
			versions = map[string]string{} // unreadable: index everything again
		}
	}
	next := make(map[string]string, len(docs))
	ix.changed = 0
	b := ix.idx.NewBatch()
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search: index: %w", err)
		}
		if err := ix.idx.Batch(b); err != nil {
			return fmt.Errorf("search: index: %w", err)
		}
		b.Reset()
		return nil
	}
	for i := range docs {
		d := &docs[i]
		if d.Key == "" {
			return fmt.Errorf("search: document %q has no key", d.URL)
		}
		next[d.Key] = d.Version
		if v, ok := versions[d.Key]; ok && v == d.Version && d.Version != "" {
			continue
		}
		if err := b.Index(d.Key, indexed(d)); err != nil {
			return fmt.Errorf("search: index %s: %w", d.Key, err)
		}
		ix.changed++
		if b.Size() >= batchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	for key := range versions {
		if _, ok := next[key]; !ok {
			b.Delete(key)
			ix.changed++
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if ix.changed == 0 && len(next) == len(versions) {
		return nil
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("search: encode index versions: %w", err)
	}
	if err := ix.idx.SetInternal([]byte(versionsKey), raw); err != nil {
		return fmt.Errorf("search: write index versions: %w", err)
	}
	return nil
}

// Search runs q and returns the ranked results: documents holding every
// word of the query (the last one also as a prefix, see ParsedQuery) and
// matching every filter.
func (ix *Index) Search(ctx context.Context, q Query) ([]Result, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	if len(q.Tags) > maxQueryTerms {
		return nil, fmt.Errorf("search: %d tags: filter by at most %d", len(q.Tags), maxQueryTerms)
	}
	pq := ix.an.ParseQuery(q.Text)

	var must []query.Query
	for _, t := range pq.Terms {
		must = append(must, termGroup([]string{t}))
	}
	if pq.Prefix != "" {
		terms, err := ix.expand(ctx, pq)
		if err != nil {
			return nil, err
		}
		if len(terms) == 0 {
			return nil, nil
		}
		must = append(must, termGroup(terms))
	}
	words := len(must)
	for _, tag := range q.Tags {
		if k := tagTerm(tag)[1:]; k != "" {
			tq := query.NewTermQuery(k)
			tq.SetField(fieldTag)
			tq.SetBoost(0)
			must = append(must, tq)
		}
	}
	if q.Type != "" {
		tq := query.NewTermQuery(strings.ToLower(q.Type))
		tq.SetField(fieldType)
		tq.SetBoost(0)
		must = append(must, tq)
	}
	if len(must) == 0 {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(must), limit, 0, false)
	req.Fields = []string{fieldTitle, fieldURL, fieldLabel, fieldType, fieldDate, fieldTags, fieldSummary}
	if words > 0 {
		req.SortBy([]string{"-_score", "-" + fieldDate, "_id"})
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
		req.Highlight.AddField(fieldText)
	} else {
		req.SortBy([]string{"-" + fieldDate, "_id"})
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make([]Result, 0, len(res.Hits))
	for _, h := range res.Hits {
		r := Result{
			URL:   str(h.Fields[fieldURL]),
			Title: str(h.Fields[fieldTitle]),
			Label: str(h.Fields[fieldLabel]),
			Type:  str(h.Fields[fieldType]),
			Tags:  strs(h.Fields[fieldTags]),
			Score: h.Score,
		}
		if t, err := time.Parse(time.RFC3339, str(h.Fields[fieldDate])); err == nil {
			r.Date = t
		}
		if f := h.Fragments[fieldText]; len(f) > 0 {
			r.Snippet = f[0]
		} else {
			r.Snippet = htmlEscape(str(h.Fields[fieldSummary]))
		}
		out = append(out, r)
	}
	return out, nil
}

// expand returns the terms the last word of pq matches: its own term
// when the index has it, else the most frequent terms starting with it.
// A term's frequency is the number of documents with it in any field,
// as in the static index.
func (ix *Index) expand(ctx context.Context, pq ParsedQuery) ([]string, error) {
	if pq.PrefixTerm != "" {
		n, err := ix.docFreq(ctx, pq.PrefixTerm)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return []string{pq.PrefixTerm}, nil
		}
	}
	seen := map[string]bool{}
	for _, field := range []string{fieldTitle, fieldText, fieldTags} {
		dict, err := ix.idx.FieldDictPrefix(field, []byte(pq.Prefix))
		if err != nil {
			return nil, fmt.Errorf("search: read terms: %w", err)
		}
		for {
			e, err := dict.Next()
			if err != nil {
				_ = dict.Close()
				return nil, fmt.Errorf("search: read terms: %w", err)
			}
			if e == nil {
				break
			}
			seen[e.Term] = true
		}
		if err := dict.Close(); err != nil {
			return nil, fmt.Errorf("search: read terms: %w", err)
		}
	}
	type entry struct {
		term string
		df   uint64
	}
	found := make([]entry, 0, len(seen))
	for t := range seen {
		n, err := ix.docFreq(ctx, t)
		if err != nil {
			return nil, err
		}
		if n > 0 { // dictionaries may keep the terms of deleted documents
			found = append(found, entry{t, n})
		}
	}
	slices.SortFunc(found, func(a, b entry) int {
		if a.df != b.df {
			if a.df > b.df {
				return -1
			}
			return 1
		}
		return strings.Compare(a.term, b.term)
	})
	var terms []string
	for _, e := range found[:min(len(found), maxExpansions)] {
		terms = append(terms, e.term)
	}
	return terms, nil
}

// docFreq is the number of documents with term in the title, text or tags.
func (ix *Index) docFreq(ctx context.Context, term string) (uint64, error) {
	res, err := ix.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(termGroup([]string{term}), 0, 0, false))
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	return res.Total, nil
}

// termGroup matches documents holding any of terms in the title, the
// text or the tags; the title counts most.
func termGroup(terms []string) query.Query {
	var any []query.Query
	for _, t := range terms {
		for _, f := range []struct {
			name  string
			boost float64
		}{{fieldTitle, titleWeight}, {fieldText, 1}, {fieldTags, tagWeight}} {
			tq := query.NewTermQuery(t)
			tq.SetField(f.name)
			tq.SetBoost(f.boost)
			any = append(any, tq)
		}
	}
	return query.NewDisjunctionQuery(any)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// Close releases the index.
func (ix *Index) Close() error {
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("search: close index: %w", err)
	}
	return nil
}
