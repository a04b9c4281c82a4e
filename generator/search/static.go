package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"maps"
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
	// seen is the generation of the last Update whose docs held this
	// key, and pos where they held it. They come first, next to the
	// doc's Key and Version, so that mark's pass over every document
	// touches one cache line of each.
	seen uint64
	pos  int
	doc  Doc
	id   uint32
	hash uint32 // fnv1a(doc.Key), where the search for a free id starts
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
	// json is the list's entry in its term shard, `"term":"postings"`,
	// kept until the list or its documents' ids change (stale): a shard
	// is rewritten for any of its terms, and most stay as they were.
	json  []byte
	stale bool
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
//
// Update costs what changed: besides the maps by key and by term it
// keeps the documents in key order (the order they take ids in), the
// postings lists of each term shard, and the counts behind the tags
// file and meta.json, all adjusted as documents come and go.
type Static struct {
	an   *Analyzer
	mode string

	docs     map[string]*staticDoc   // by Doc.Key
	postings map[string]*postingList // term → documents holding it
	byKey    []*staticDoc            // every document, sorted by key
	// termLists are the postings lists by term shard, for
	// len(termLists) shards.
	termLists [][]*postingList
	// order is the documents in the order of the previous Update's
	// docs, where mark looks first; next is the one being made.
	order, next []*staticDoc
	gen         uint64 // Update count, for staticDoc.seen
	taken       []bool // assignIDs' scratch: ids given out

	// What the tags file and meta.json are computed from.
	tagNames    map[string]map[string]int // tag key → tag name as given → occurrences
	typeCount   map[string]int            // lower-cased type → documents
	total       int                       // sum of the documents' lengths
	facetsStale bool                      // a tag name or type came or went
	types       []string                  // as of the last refreshFacets

	// What the previous Update wrote.
	termShards, docShards int
	termPaths, docPaths   []string
	prevMeta              []byte
	tagsPath              string
}

// NewStatic returns an empty static index whose analysis follows language.
func NewStatic(language string) (*Static, error) {
	an, err := NewAnalyzer(language)
	if err != nil {
		return nil, err
	}
	return &Static{
		an:          an,
		mode:        staticMode(language),
		docs:        map[string]*staticDoc{},
		postings:    map[string]*postingList{},
		tagNames:    map[string]map[string]int{},
		typeCount:   map[string]int{},
		facetsStale: true,
	}, nil
}

// changes is what one Update altered, to find the shards to rewrite.
type changes struct {
	terms  map[string]bool     // terms whose postings change
	docs   map[*staticDoc]bool // documents whose shard entry changes
	oldIDs map[uint32]bool     // old ids of documents that moved or went: their shards change
}

// touch notes that l's postings change, which voids its encoding.
func (c *changes) touch(l *postingList) {
	c.terms[l.term] = true
	l.stale = true
}

// Update makes the index hold exactly docs (any order). It returns every
// file the index now consists of; Data is nil for files whose bytes are
// the same as after the previous Update. Paths absent from the result are
// stale and the caller removes them.
func (s *Static) Update(ctx context.Context, docs []Doc) ([]File, error) {
	m, err := s.mark(docs)
	if err != nil {
		return nil, err
	}
	analysed, err := s.analyse(ctx, m.fresh)
	if err != nil {
		return nil, err
	}

	n := len(docs) // mark rejected repeated keys
	ts, ds := shardCount(n, termShardDocs), shardCount(n, docShardDocs)
	s.groupTerms(ts)
	c := s.apply(m, analysed)

	// Every current file: meta.json, the tags, the term shards, the
	// document shards.
	files := make([]File, 2+ts+ds)
	if err := s.writeShards(c, ts, ds, files[2:]); err != nil {
		return nil, err
	}
	files[1].Path = s.tagsPath
	if s.facetsStale {
		tagsData, err := s.refreshFacets()
		if err != nil {
			return nil, err
		}
		files[1] = File{Path: s.tagsPath, Data: tagsData}
	}
	meta, err := s.metaData()
	if err != nil {
		return nil, err
	}
	files[0].Path = metaPath
	if !bytes.Equal(meta, s.prevMeta) {
		files[0].Data = meta
	}
	s.prevMeta = meta
	return files, nil
}

// apply brings the index to the docs mark went through, given their
// analysed new documents, and returns what changed.
func (s *Static) apply(m marked, analysed []*staticDoc) *changes {
	c := &changes{terms: map[string]bool{}, docs: map[*staticDoc]bool{}, oldIDs: map[uint32]bool{}}
	keysChanged := m.kept < len(s.docs)
	if keysChanged {
		s.dropGone(c)
	}
	if s.put(analysed, c) {
		keysChanged = true
	}
	s.reorder(m.at, analysed)
	// Ids: a pure function of the set of keys.
	if keysChanged {
		s.assignIDs(c)
	}
	return c
}

// writeShards encodes the shards c changed, or all of them when the
// shard counts change, and fills in files with every shard's path, and
// the bytes of those whose path is new: ts term shards, then ds document
// shards.
func (s *Static) writeShards(c *changes, ts, ds int, files []File) error {
	dirtyT, dirtyD := make([]bool, ts), make([]bool, ds)
	if ts != s.termShards || ds != s.docShards || s.termPaths == nil {
		s.termPaths, s.docPaths = resized(s.termPaths, ts), resized(s.docPaths, ds)
		fill(dirtyT)
		fill(dirtyD)
	} else {
		for t := range c.terms {
			dirtyT[termShard(t, ts)] = true
		}
		for id := range c.oldIDs {
			dirtyD[int(id)%ds] = true
		}
		for sd := range c.docs {
			dirtyD[int(sd.id)%ds] = true
		}
	}
	shardDocs := s.shardDocs(dirtyD)

	var jobs []shardJob
	for i := range ts {
		f := &files[i]
		f.Path = s.termPaths[i]
		if dirtyT[i] {
			lists := s.termLists[i]
			jobs = append(jobs, shardJob{stem: fmt.Sprintf("search/t/%x", i), path: &s.termPaths[i], file: f,
				encode: func() ([]byte, error) { return termShardData(lists) }})
		}
	}
	for i := range ds {
		f := &files[ts+i]
		f.Path = s.docPaths[i]
		if dirtyD[i] {
			docs := shardDocs[i]
			jobs = append(jobs, shardJob{stem: fmt.Sprintf("search/d/%x", i), path: &s.docPaths[i], file: f,
				encode: func() ([]byte, error) { return docShardData(docs) }})
		}
	}
	if err := runJobs(jobs); err != nil {
		return err
	}
	s.termShards, s.docShards = ts, ds
	return nil
}

// marked is what mark found in an Update's docs.
type marked struct {
	fresh []*Doc // to analyse: new keys, and known keys whose Version changed or is empty
	at    []int  // fresh[j] is docs[at[j]]
	kept  int    // how many known keys docs has
}

// mark stamps the known documents of docs with a new generation, which
// is how dropGone tells the ones that went, and finds the documents to
// analyse. It looks each key up where the previous Update had it, which
// a build's stable order of posts makes right nearly always and cheaper
// than the map.
func (s *Static) mark(docs []Doc) (m marked, err error) {
	s.gen++
	s.next = slices.Grow(s.next[:0], len(docs))[:len(docs)]
	// docs[i] was at i+shift in the previous Update, as far as known.
	shift := 0
	var newKeys map[string]bool // only new keys: known ones have seen
	for i := range docs {
		d := &docs[i]
		if d.Key == "" {
			return marked{}, fmt.Errorf("search: document %q has no key", d.URL)
		}
		old := s.previousAt(i+shift, d.Key)
		if old == nil {
			if old = s.docs[d.Key]; old != nil {
				shift = old.pos - i
			}
		}
		if (old != nil && old.seen == s.gen) || newKeys[d.Key] {
			return marked{}, fmt.Errorf("search: document key %q appears twice", d.Key)
		}
		s.next[i] = old
		switch {
		case old == nil:
			if newKeys == nil {
				newKeys = map[string]bool{}
			}
			newKeys[d.Key] = true
			m.fresh, m.at = append(m.fresh, d), append(m.at, i)
		case old.doc.Version != d.Version || d.Version == "":
			m.fresh, m.at = append(m.fresh, d), append(m.at, i)
			fallthrough
		default:
			old.seen, old.pos = s.gen, i
			m.kept++
		}
	}
	return m, nil
}

// previousAt is the document at position i of the previous Update's
// docs if it has key, else nil.
func (s *Static) previousAt(i int, key string) *staticDoc {
	if i >= 0 && i < len(s.order) {
		if sd := s.order[i]; sd != nil && sd.doc.Key == key {
			return sd
		}
	}
	return nil
}

// reorder completes the order mark began with the analysed documents,
// at positions at, and makes it the one the next Update looks in.
func (s *Static) reorder(at []int, analysed []*staticDoc) {
	for j, sd := range analysed {
		s.next[at[j]], sd.pos = sd, at[j]
	}
	s.order, s.next = s.next, s.order
	clear(s.next[:cap(s.next)]) // let go of documents that went
}

// dropGone takes out the documents mark did not see, in one pass over
// the key-sorted slice that also closes its gaps.
func (s *Static) dropGone(c *changes) {
	s.byKey = slices.DeleteFunc(s.byKey, func(sd *staticDoc) bool {
		if sd.seen == s.gen {
			return false
		}
		s.unindex(sd, c)
		delete(s.docs, sd.doc.Key)
		return true
	})
}

// put indexes the analysed documents, each in place of its old version
// if any, and reports whether any key is new.
func (s *Static) put(analysed []*staticDoc, c *changes) (newKeys bool) {
	var added []*staticDoc
	for _, sd := range analysed {
		sd.hash = fnv1a(sd.doc.Key)
		if old := s.docs[sd.doc.Key]; old != nil {
			s.unindex(old, c)
			sd.id = old.id // the key set decides ids: unchanged unless it changed
			i, _ := s.keyIndex(sd.doc.Key)
			s.byKey[i] = sd
		} else {
			added = append(added, sd)
		}
		s.docs[sd.doc.Key] = sd
		s.index(sd, c)
	}
	s.insertKeys(added)
	return len(added) > 0
}

// index adds sd to the postings and the facet counts.
func (s *Static) index(sd *staticDoc, c *changes) {
	sd.terms = make([]termRef, len(sd.found))
	for i, tp := range sd.found {
		l := s.postings[tp.term]
		if l == nil {
			l = &postingList{term: tp.term, stale: true}
			s.postings[tp.term] = l
			sh := termShard(l.term, len(s.termLists))
			s.termLists[sh] = append(s.termLists[sh], l)
		}
		l.docs = append(l.docs, docTF{doc: sd, tf: tp.tf})
		sd.terms[i] = termRef{list: l, tf: tp.tf}
		c.touch(l)
	}
	sd.found = nil
	s.countFacets(sd, 1)
	s.total += sd.length
	c.docs[sd] = true
}

// unindex takes sd out of the postings and the facet counts; its old
// shard changes.
func (s *Static) unindex(sd *staticDoc, c *changes) {
	for _, tp := range sd.terms {
		l := tp.list
		// A linear scan: the list's encoding, redone since it changes,
		// costs as much.
		if i := slices.IndexFunc(l.docs, func(x docTF) bool { return x.doc == sd }); i >= 0 {
			l.docs[i] = l.docs[len(l.docs)-1]
			l.docs = l.docs[:len(l.docs)-1]
		}
		if len(l.docs) == 0 && s.postings[l.term] == l {
			delete(s.postings, l.term)
			s.ungroup(l)
		}
		c.touch(l)
	}
	s.countFacets(sd, -1)
	s.total -= sd.length
	c.oldIDs[sd.id] = true
}

// groupTerms regroups the postings lists when the term shard count
// changes, which also rewrites every shard.
func (s *Static) groupTerms(ts int) {
	if len(s.termLists) == ts {
		return
	}
	s.termLists = make([][]*postingList, ts)
	for t, l := range s.postings {
		i := termShard(t, ts)
		s.termLists[i] = append(s.termLists[i], l)
	}
}

// ungroup takes the emptied list l out of its shard's lists.
func (s *Static) ungroup(l *postingList) {
	i := termShard(l.term, len(s.termLists))
	lists := s.termLists[i]
	if j := slices.Index(lists, l); j >= 0 {
		lists[j] = lists[len(lists)-1]
		lists[len(lists)-1] = nil
		s.termLists[i] = lists[:len(lists)-1]
	}
}

// keyIndex is where key is, or would go, in the key-sorted slice.
func (s *Static) keyIndex(key string) (int, bool) {
	return slices.BinarySearchFunc(s.byKey, key, func(sd *staticDoc, k string) int { return strings.Compare(sd.doc.Key, k) })
}

// insertKeys adds new documents to the key-sorted slice: one at a time
// when they are few, else all at once and sorted, as a first build is.
func (s *Static) insertKeys(added []*staticDoc) {
	if len(added) <= 16 {
		for _, sd := range added {
			i, _ := s.keyIndex(sd.doc.Key)
			s.byKey = slices.Insert(s.byKey, i, sd)
		}
		return
	}
	s.byKey = append(s.byKey, added...)
	slices.SortFunc(s.byKey, func(a, b *staticDoc) int { return strings.Compare(a.doc.Key, b.doc.Key) })
}

// shardDocs lists the documents of each dirty document shard, in one
// pass over the documents.
func (s *Static) shardDocs(dirty []bool) [][]*staticDoc {
	out := make([][]*staticDoc, len(dirty))
	for _, sd := range s.byKey {
		if i := int(sd.id) % len(dirty); dirty[i] {
			out[i] = append(out[i], sd)
		}
	}
	return out
}

// countFacets adds sd's tags and type to the counts behind the tags file
// and meta.json (delta 1), or takes them out (delta −1); a name or type
// that comes or goes makes them stale.
func (s *Static) countFacets(sd *staticDoc, delta int) {
	for _, t := range sd.doc.Tags {
		k := tagTerm(t)[1:]
		if k == "" {
			continue
		}
		names := s.tagNames[k]
		if names == nil {
			names = map[string]int{}
			s.tagNames[k] = names
		}
		if countIn(names, t, delta) {
			s.facetsStale = true
		}
		if len(names) == 0 {
			delete(s.tagNames, k)
		}
	}
	if sd.doc.Type != "" && countIn(s.typeCount, strings.ToLower(sd.doc.Type), delta) {
		s.facetsStale = true
	}
}

// countIn adds delta to m[k], deleting it at zero, and reports whether
// k came or went.
func countIn(m map[string]int, k string, delta int) bool {
	was := m[k]
	if was+delta == 0 {
		delete(m, k)
	} else {
		m[k] = was + delta
	}
	return was == 0 || was+delta == 0
}

// shardJob encodes one shard into its slot of the files; Data stays nil
// when the path, and so the bytes, are what the previous Update wrote.
type shardJob struct {
	stem   string
	path   *string // the shard's path in the previous Update, then now
	file   *File
	encode func() ([]byte, error)
}

// runJobs runs the encoding jobs on every core. Each job writes its own
// shard's path and file only.
func runJobs(jobs []shardJob) error {
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	next := make(chan *shardJob)
	for range min(runtime.GOMAXPROCS(0), max(1, len(jobs)/16)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				data, err := job.encode()
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				p := hashedPath(job.stem, data)
				job.file.Path = p
				if p != *job.path {
					job.file.Data = data
					*job.path = p
				}
			}
		}()
	}
	for i := range jobs {
		next <- &jobs[i]
	}
	close(next)
	wg.Wait()
	return first
}

// resized is paths cut or extended to n entries, in a new slice: the
// previous paths stay where they were, to tell the unchanged shards.
func resized(paths []string, n int) []string {
	out := make([]string, n)
	copy(out, paths)
	return out
}

// fill sets every flag.
func fill(flags []bool) {
	for i := range flags {
		flags[i] = true
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
// the ids depend on the set of keys only. Documents that move are
// changes.
func (s *Static) assignIDs(c *changes) {
	mask := uint32(1)<<idBits(len(s.byKey)) - 1
	s.taken = slices.Grow(s.taken[:0], int(mask)+1)[:mask+1]
	clear(s.taken)
	for _, sd := range s.byKey {
		id := sd.hash & mask
		for s.taken[id] {
			id = (id + 1) & mask
		}
		s.taken[id] = true
		if id == sd.id {
			continue
		}
		if !c.docs[sd] {
			c.oldIDs[sd.id] = true
			c.docs[sd] = true
			for _, tp := range sd.terms {
				c.touch(tp.list)
			}
		}
		sd.id = id
	}
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

// termShardData encodes the postings lists of a shard: an object from
// term to a string of numbers, as encoding/json writes a map, keys in
// order. It re-encodes only the lists whose encoding changes voided.
func termShardData(lists []*postingList) ([]byte, error) {
	// Sorting in place is safe: the order of a shard's lists does not matter.
	slices.SortFunc(lists, func(a, b *postingList) int { return strings.Compare(a.term, b.term) })
	size := 2
	for _, l := range lists {
		if l.stale {
			if err := l.encode(); err != nil {
				return nil, err
			}
		}
		size += len(l.json) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, l := range lists {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.json...)
	}
	return append(b, '}'), nil
}

// encode sets l's entry in its term shard: the term, and a string of
// numbers; per document, in id order, the gap from the previous id, and
// for word terms the weighted frequency and the length bucket. The
// digits need no escaping. It reuses the previous entry's memory.
func (l *postingList) encode() error {
	// Sorting in place is safe: the order of postings does not matter.
	slices.SortFunc(l.docs, func(a, b docTF) int { return int(a.doc.id) - int(b.doc.id) })
	b, err := appendJSONString(slices.Grow(l.json[:0], len(l.term)+4+4*len(l.docs)), l.term)
	if err != nil {
		return err
	}
	b = append(b, ':', '"')
	filter := isFilterTerm(l.term)
	prev := uint32(0)
	for _, p := range l.docs {
		b = appendNum(b, p.doc.id-prev)
		prev = p.doc.id
		if !filter {
			b = appendNum(b, min(p.tf, 1<<16))
			b = appendNum(b, uint32(p.doc.bucket))
		}
	}
	l.json, l.stale = append(b, '"'), false
	return nil
}

// appendJSONString appends s as marshal writes it: as is between quotes
// when nothing in it needs escaping, which is nearly always.
func appendJSONString(b []byte, s string) ([]byte, error) {
	plain := utf8.ValidString(s) && !strings.ContainsAny(s, "\u2028\u2029")
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] >= 0x20 && s[i] != '"' && s[i] != '\\'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), nil
	}
	q, err := marshal(s)
	return append(b, q...), err
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

// refreshFacets recomputes the tags file and the type list from the
// counts, and returns the tags file's bytes if its path is new.
func (s *Static) refreshFacets() ([]byte, error) {
	tags, types := s.facets()
	data, err := marshal(tags)
	if err != nil {
		return nil, err
	}
	s.types = types
	s.facetsStale = false
	if p := hashedPath("search/tags", data); p != s.tagsPath {
		s.tagsPath = p
		return data, nil
	}
	return nil, nil
}

// facets are the tags ([key, name] pairs in key order) and the post
// types the documents have. They leave out how many documents have each,
// so that a new post with known tags leaves them as they were. A tag's
// name is the least of the names documents give it, trimmed.
func (s *Static) facets() (tags [][2]string, types []string) {
	keys := slices.Sorted(maps.Keys(s.tagNames))
	tags = make([][2]string, 0, len(keys))
	for _, k := range keys {
		name := slices.Min(slices.Collect(maps.Keys(s.tagNames[k])))
		tags = append(tags, [2]string{k, strings.TrimSpace(name)})
	}
	return tags, slices.Sorted(maps.Keys(s.typeCount))
}

// metaData encodes search/meta.json.
func (s *Static) metaData() ([]byte, error) {
	avg := 0.0
	if len(s.docs) > 0 {
		avg = float64(s.total) / float64(len(s.docs))
	}
	types := s.types
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
