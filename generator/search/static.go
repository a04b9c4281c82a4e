package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The static index's layout. The browser loads search/meta.json, then
// for each query word the one term shard that holds it and every term
// with the same first three letters (so the last word expands as a
// prefix without another request), then the document shards of the
// results it shows. Shard names carry a hash of their bytes.
//
// Every byte is a function of the set of documents only: document ids
// come from hashing the key (collisions resolved in key order), term
// shards from hashing the term's first letters, document shards from the
// id, and the shard counts from the number of documents.
const (
	metaPath = "search/meta.json"
	// formatVersion changes whenever the files change shape.
	formatVersion = 1
	// summaryRunes bounds the snippet text a document shard holds.
	summaryRunes = 160
	// maxTextBytes bounds how much of one document is indexed.
	maxTextBytes = 256 << 10
	// Field weights: a word in the title counts as three in the text.
	titleWeight = 3
	tagWeight   = 2
	// termShardDocs and docShardDocs set the shard counts: about one
	// term shard per termShardDocs documents, and docShardDocs documents
	// per document shard.
	termShardDocs = 20
	docShardDocs  = 5
	// prefixRunes is how many leading letters pick a term's shard.
	prefixRunes = 3
)

// staticDoc is one document as the static index holds it.
type staticDoc struct {
	doc Doc
	id  uint32
	// terms are the document's terms with their weighted frequency
	// (filter terms, "#tag" and "!type", have 1): found, while the
	// document is analysed; then, once it is in the index, the postings
	// lists it is on, which spares a copy of each term per document.
	found  []termTF
	terms  []termRef
	length int // weighted number of words
	bucket int // lengthBucket(length)
}

// termTF is a term's weighted frequency in a document being analysed.
type termTF struct {
	term string
	tf   uint32
}

// termRef is a document's place on one term's postings list.
type termRef struct {
	list *postingList
	tf   uint32
}

// postingList is the documents that hold one term, in no order.
type postingList struct {
	term string
	docs []docTF
}

// docTF is a document of a postings list with the term's frequency in it.
type docTF struct {
	doc *staticDoc
	tf  uint32
}

// postingsOf is the documents holding t; nil when none does.
func (s *Static) postingsOf(t string) []docTF {
	if l := s.postings[t]; l != nil {
		return l.docs
	}
	return nil
}

// Static is the browser index, kept in memory between builds.
type Static struct {
	an   *Analyzer
	mode string

	docs     map[string]*staticDoc   // by Doc.Key
	postings map[string]*postingList // term → documents holding it

	// What the previous Update wrote.
	termShards, docShards int
	termPaths, docPaths   []string
	prevMeta              []byte
	tagsPath              string
	files                 map[string]bool
}

// NewStatic returns an empty static index whose analysis follows language.
func NewStatic(language string) (*Static, error) {
	an, err := NewAnalyzer(language)
	if err != nil {
		return nil, err
	}
	return &Static{
		an:       an,
		mode:     staticMode(language),
		docs:     map[string]*staticDoc{},
		postings: map[string]*postingList{},
		files:    map[string]bool{},
	}, nil
}

// Update makes the index hold exactly docs (any order). It returns every
// file the index now consists of; Data is nil for files whose bytes are
// the same as after the previous Update. Paths absent from the result are
// stale and the caller removes them.
func (s *Static) Update(ctx context.Context, docs []Doc) ([]File, error) {
	byKey := make(map[string]*Doc, len(docs))
	for i := range docs {
		d := &docs[i]
		if d.Key == "" {
			return nil, fmt.Errorf("search: document %q has no key", d.URL)
		}
		if byKey[d.Key] != nil {
			return nil, fmt.Errorf("search: document key %q appears twice", d.Key)
		}
		byKey[d.Key] = d
	}

	// Documents to (re)analyse, and those that went away.
	var fresh []*Doc
	for _, d := range byKey {
		if old := s.docs[d.Key]; old == nil || old.doc.Version != d.Version || d.Version == "" {
			fresh = append(fresh, d)
		}
	}
	analysed, err := s.analyse(ctx, fresh)
	if err != nil {
		return nil, err
	}

	dirtyTerms := map[string]bool{}  // terms whose postings change
	changed := map[*staticDoc]bool{} // documents whose shard entry changes
	oldDocShard := map[uint32]bool{} // old ids of documents that moved or went: their shards change
	for key, sd := range s.docs {
		if byKey[key] == nil {
			s.remove(sd, dirtyTerms)
			oldDocShard[sd.id] = true
			delete(s.docs, key)
		}
	}
	for _, sd := range analysed {
		if old := s.docs[sd.doc.Key]; old != nil {
			s.remove(old, dirtyTerms)
			oldDocShard[old.id] = true
		}
		s.docs[sd.doc.Key] = sd
		sd.terms = make([]termRef, len(sd.found))
		for i, tp := range sd.found {
			l := s.postings[tp.term]
			if l == nil {
				l = &postingList{term: tp.term}
				s.postings[tp.term] = l
			}
			l.docs = append(l.docs, docTF{doc: sd, tf: tp.tf})
			sd.terms[i] = termRef{list: l, tf: tp.tf}
			dirtyTerms[l.term] = true
		}
		sd.found = nil
		changed[sd] = true
	}

	// Ids: a pure function of the set of keys.
	ids := assignIDs(s.docs)
	for key, sd := range s.docs {
		if id := ids[key]; id != sd.id || changed[sd] {
			if !changed[sd] {
				oldDocShard[sd.id] = true
				changed[sd] = true
				for _, tp := range sd.terms {
					dirtyTerms[tp.list.term] = true
				}
			}
			sd.id = id
		}
	}

	n := len(s.docs)
	ts, ds := shardCount(n, termShardDocs), shardCount(n, docShardDocs)
	all := ts != s.termShards || ds != s.docShards || s.termPaths == nil
	dirtyT := map[int]bool{}
	dirtyD := map[int]bool{}
	if !all {
		for t := range dirtyTerms {
			dirtyT[termShard(t, ts)] = true
		}
		for id := range oldDocShard {
			dirtyD[int(id)%ds] = true
		}
		for sd := range changed {
			dirtyD[int(sd.id)%ds] = true
		}
	}

	// The terms and documents of each shard to rewrite.
	shardTerms := map[int][]string{}
	for t := range s.postings {
		if i := termShard(t, ts); all || dirtyT[i] {
			shardTerms[i] = append(shardTerms[i], t)
		}
	}
	shardDocs := map[int][]*staticDoc{}
	for _, sd := range s.docs {
		if i := int(sd.id) % ds; all || dirtyD[i] {
			shardDocs[i] = append(shardDocs[i], sd)
		}
	}

	if all {
		s.termPaths = make([]string, ts)
		s.docPaths = make([]string, ds)
		for i := range ts {
			dirtyT[i] = true
		}
		for i := range ds {
			dirtyD[i] = true
		}
	}
	out := map[string][]byte{}
	var jobs []func() (string, []byte, error)
	for i := range dirtyT {
		jobs = append(jobs, func() (string, []byte, error) {
			data, err := s.termShardData(shardTerms[i])
			if err != nil {
				return "", nil, err
			}
			s.termPaths[i] = hashedPath(fmt.Sprintf("search/t/%x", i), data)
			return s.termPaths[i], data, nil
		})
	}
	for i := range dirtyD {
		jobs = append(jobs, func() (string, []byte, error) {
			data, err := docShardData(shardDocs[i])
			if err != nil {
				return "", nil, err
			}
			s.docPaths[i] = hashedPath(fmt.Sprintf("search/d/%x", i), data)
			return s.docPaths[i], data, nil
		})
	}
	if err := runJobs(jobs, out); err != nil {
		return nil, err
	}
	s.termShards, s.docShards = ts, ds

	tags, types := s.facets()
	tagsData, err := marshal(tags)
	if err != nil {
		return nil, err
	}
	s.tagsPath = hashedPath("search/tags", tagsData)
	out[s.tagsPath] = tagsData

	meta, err := s.metaData(types)
	if err != nil {
		return nil, err
	}
	out[metaPath] = meta

	// Every current file; the data only of those not written before.
	files := make([]File, 0, ts+ds+2)
	next := make(map[string]bool, ts+ds+2)
	add := func(p string) {
		next[p] = true
		f := File{Path: p}
		if !s.files[p] || (p == metaPath && !bytes.Equal(meta, s.prevMeta)) {
			f.Data = out[p]
		}
		files = append(files, f)
	}
	add(metaPath)
	add(s.tagsPath)
	for _, p := range s.termPaths {
		add(p)
	}
	for _, p := range s.docPaths {
		add(p)
	}
	s.files = next
	s.prevMeta = meta
	return files, nil
}

// runJobs runs the encoding jobs on every core, collecting their files
// into out. Each job writes its own shard's entries only.
func runJobs(jobs []func() (string, []byte, error), out map[string][]byte) error {
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	next := make(chan func() (string, []byte, error))
	for range min(runtime.GOMAXPROCS(0), max(1, len(jobs)/16)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				p, data, err := job()
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				out[p] = data
				mu.Unlock()
			}
		}()
	}
	for _, job := range jobs {
		next <- job
	}
	close(next)
	wg.Wait()
	return first
}

// remove takes sd's postings out of the inverted index.
func (s *Static) remove(sd *staticDoc, dirty map[string]bool) {
	for _, tp := range sd.terms {
		l := tp.list
		if i := slices.IndexFunc(l.docs, func(x docTF) bool { return x.doc == sd }); i >= 0 {
			l.docs[i] = l.docs[len(l.docs)-1]
			l.docs = l.docs[:len(l.docs)-1]
		}
		if len(l.docs) == 0 && s.postings[l.term] == l {
			delete(s.postings, l.term)
		}
		dirty[l.term] = true
	}
}

// analyse turns docs into index entries, on every core.
func (s *Static) analyse(ctx context.Context, docs []*Doc) ([]*staticDoc, error) {
	out := make([]*staticDoc, len(docs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(docs)/64))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = s.entry(docs[i])
			}
		}()
	}
	var err error
	for i := range docs {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("search: index documents: %w", err)
	}
	return out, nil
}

// entry analyses one document.
func (s *Static) entry(d *Doc) *staticDoc {
	sd := &staticDoc{doc: *d}
	sd.doc.Tags = slices.Clone(d.Tags)
	terms := map[string]uint32{}
	add := func(text string, w uint32) {
		for _, t := range s.an.Terms(text) {
			terms[t] += w
			sd.length += int(w)
		}
	}
	add(d.Title, titleWeight)
	text := d.Text
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	add(text, 1)
	for _, tag := range d.Tags {
		add(tag, tagWeight)
		terms[tagTerm(tag)] = 1
	}
	if d.Type != "" {
		terms[typeTerm(d.Type)] = 1
	}
	sd.bucket = lengthBucket(sd.length)
	// Analysed: the text is not needed again, and is most of a post.
	sd.doc.Text = ""
	sd.found = make([]termTF, 0, len(terms))
	for t, tf := range terms {
		sd.found = append(sd.found, termTF{term: t, tf: tf})
	}
	return sd
}

// tagTerm and typeTerm are the filter terms of a tag and a post type;
// analysis never yields a term starting with "#" or "!".
func tagTerm(tag string) string { return "#" + strings.ToLower(strings.TrimSpace(tag)) }
func typeTerm(t string) string  { return "!" + strings.ToLower(t) }

// isFilterTerm reports whether t is a tag or type term.
func isFilterTerm(t string) bool { return strings.HasPrefix(t, "#") || strings.HasPrefix(t, "!") }

// idBits is the size of the id space for n documents: sixteen times as
// many ids as documents keeps collisions rare and gaps small.
func idBits(n int) int { return max(10, bits.Len(uint(n))+2) }

// assignIDs gives every document an id from the hash of its key; a key
// whose id is taken probes on, keys taking turns in sorted order, so
// the ids depend on the set of keys only.
func assignIDs(docs map[string]*staticDoc) map[string]uint32 {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	mask := uint32(1)<<idBits(len(keys)) - 1
	taken := make(map[uint32]bool, len(keys))
	ids := make(map[string]uint32, len(keys))
	for _, k := range keys {
		id := fnv1a(k) & mask
		for taken[id] {
			id = (id + 1) & mask
		}
		taken[id] = true
		ids[k] = id
	}
	return ids
}

// shardCount is the number of shards for n documents at per documents
// a shard: a power of two, so that it changes rarely as n grows.
func shardCount(n, per int) int {
	c := 1
	for c*per < n && c < 1<<14 {
		c <<= 1
	}
	return c
}

// termShard is the shard of term t among n: the hash of its first
// letters, so that all the terms a prefix expands to share a shard.
func termShard(t string, n int) int {
	p := t
	i := 0
	for j := range t {
		if i == prefixRunes {
			p = t[:j]
			break
		}
		i++
	}
	return int(fnv1a(p) % uint32(n))
}

// fnv1a is the 32-bit FNV-1a hash of s's UTF-8 bytes; the script has the same.
func fnv1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// lengthBucket compresses a document length to a small number the
// script turns back into an approximate length: 2^(b/2) − 1.
func lengthBucket(n int) int { return int(math.Round(2 * math.Log2(float64(n)+1))) }

// The postings alphabet: a number is written in base 32, least
// significant digit first; digits 0–31 end a number, 32–63 continue it.
const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

func appendNum(b []byte, v uint32) []byte {
	for v >= 32 {
		b = append(b, digits[32+v&31])
		v >>= 5
	}
	return append(b, digits[v])
}

// termShardData encodes the postings of terms: an object from term to
// a string of numbers; per document, in id order, the gap from the
// previous id, and for word terms the weighted frequency and the
// length bucket.
func (s *Static) termShardData(terms []string) ([]byte, error) {
	m := make(map[string]string, len(terms))
	var b []byte
	for _, t := range terms {
		// Sorting in place is safe: the order of postings does not matter.
		ps := s.postingsOf(t)
		slices.SortFunc(ps, func(a, b docTF) int { return int(a.doc.id) - int(b.doc.id) })
		filter := isFilterTerm(t)
		b = b[:0]
		prev := uint32(0)
		for _, p := range ps {
			b = appendNum(b, p.doc.id-prev)
			prev = p.doc.id
			if !filter {
				b = appendNum(b, min(p.tf, 1<<16))
				b = appendNum(b, uint32(p.doc.bucket))
			}
		}
		m[t] = string(b)
	}
	return marshal(m)
}

// docShardData encodes documents as arrays, in id order:
// [id, url, title, label, date, type, summary, tags].
func docShardData(docs []*staticDoc) ([]byte, error) {
	slices.SortFunc(docs, func(a, b *staticDoc) int { return int(a.id) - int(b.id) })
	rows := make([][]any, 0, len(docs))
	for _, sd := range docs {
		d := &sd.doc
		label, date := "", ""
		if d.Title == "" {
			label = d.Label
		}
		if !d.Date.IsZero() {
			date = d.Date.Format("2006-01-02")
		}
		tags := d.Tags
		if tags == nil {
			tags = []string{}
		}
		rows = append(rows, []any{sd.id, d.URL, d.Title, label, date, d.Type, clip(d.Summary, summaryRunes), tags})
	}
	return marshal(rows)
}

// clip cuts s to at most n runes, at a space when there is one near.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*2/3 {
		cut = sp
	}
	return s[:cut] + "…"
}

// facets are the tags ([key, name] pairs in name order) and the post
// types the documents have. They leave out how many documents have each,
// so that a new post with known tags leaves them as they were.
func (s *Static) facets() (tags [][2]string, types []string) {
	count := map[string]int{}
	name := map[string]string{}
	typ := map[string]bool{}
	for _, sd := range s.docs {
		for _, t := range sd.doc.Tags {
			k := tagTerm(t)[1:]
			if k == "" {
				continue
			}
			count[k]++
			if n, ok := name[k]; !ok || t < n {
				name[k] = strings.TrimSpace(t)
			}
		}
		if sd.doc.Type != "" {
			typ[strings.ToLower(sd.doc.Type)] = true
		}
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	tags = make([][2]string, 0, len(keys))
	for _, k := range keys {
		tags = append(tags, [2]string{k, name[k]})
	}
	for t := range typ {
		types = append(types, t)
	}
	slices.Sort(types)
	return tags, types
}

// metaData encodes search/meta.json.
func (s *Static) metaData(types []string) ([]byte, error) {
	total := 0
	for _, sd := range s.docs {
		total += sd.length
	}
	avg := 0.0
	if len(s.docs) > 0 {
		avg = float64(total) / float64(len(s.docs))
	}
	if types == nil {
		types = []string{}
	}
	return marshal(map[string]any{
		"v":     formatVersion,
		"mode":  s.mode,
		"n":     len(s.docs),
		"avgdl": json.Number(strconv.FormatFloat(avg, 'f', 2, 64)),
		"t":     joinHashes(s.termPaths),
		"d":     joinHashes(s.docPaths),
		"tags":  "/" + s.tagsPath,
		"types": types,
	})
}

// hashLen is the length of the content hash in shard names.
const hashLen = 5

var hashEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// hashedPath names a file by its stem and a hash of data.
func hashedPath(stem string, data []byte) string {
	sum := sha256.Sum256(data)
	return stem + "." + hashEncoding.EncodeToString(sum[:4])[:hashLen] + ".json"
}

// joinHashes concatenates the hashes of shard paths, in shard order; the
// script rebuilds each name from the shard number and its hash.
func joinHashes(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(p[len(p)-len(".json")-hashLen : len(p)-len(".json")])
	}
	return b.String()
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("search: encode index file: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
