package search

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"inkstone/internal/parallel"
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

// staticDoc is one document as the static index holds it: what mark,
// the postings and the facet counts need, and what its document shard
// shows. The text is not kept.
type staticDoc struct {
	// seen is the generation of the last Update whose docs held this
	// key, and pos where they held it. They come first, next to the
	// key and version, so that mark's pass over every document touches
	// one cache line of each.
	seen         uint64
	pos          int
	key, version string
	id           uint32
	hash         uint32 // fnv1a(key), where the search for a free id starts
	length       uint32 // weighted number of words
	bucket       uint8  // lengthBucket(length)
	// terms are the numbers of the postings lists the document is on
	// (Static.lists), as uvarints in no particular order (listNums reads
	// them): two or three bytes each rather than a pointer's eight, and
	// nothing for the garbage collector to scan. Sorting them to store
	// gaps instead cost more time than the bytes were worth.
	terms []byte
	// The shard entry's fields. They share the strings of the Doc, which
	// the caller keeps in any case; the summary is clipped when written.
	url, title, label, typ, summary string // label only without a title
	tags                            []string
	date                            time.Time
}

// termTF is a term's weighted frequency in a document being analysed;
// the term is given by its number (Analyzer.termID).
type termTF struct {
	id, tf uint32
}

// analysed is a document analysed and not yet indexed, with its terms
// and their weighted frequency (filter terms, "#tag" and "!type", have 1).
type analysed struct {
	sd    *staticDoc
	terms []termTF
}

// postingList is the documents that hold one term.
//
// Its entry in its term shard, `"term":"postings"`, is the only copy of
// its postings: an Update notes in its changes the documents added to
// the list, the ids that went and the ids that moved, and applies them
// when it re-encodes the list (encode). The encoded postings take about
// four bytes each, which is less than a decoded posting would. What is
// needed during an Update only is kept in its changes: there can be tens
// of thousands of lists.
type postingList struct {
	term  string
	entry []byte
	n     uint32 // documents on the list
	num   uint32 // the list's number in Static.lists
	id    uint32 // the term's number, see Static.byTermID
}

// posting is a document of a postings list as its entry has it: the
// frequency capped as the entry caps it.
type posting struct {
	id, tf uint32
	bucket uint8
}

// postingsOf is the documents holding t, as of the last Update; nil when
// none does.
func (s *Static) postingsOf(t string) []posting {
	if l := s.postings[t]; l != nil {
		return l.postings()
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
	byTermID []*postingList          // postings by the analyzer's term number
	byKey    []*staticDoc            // every document, sorted by key
	// lists are the postings lists by number, nil where freeLists has
	// the number for the next new list.
	lists     []*postingList
	freeLists []uint32
	nums      []uint32 // index's scratch
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

	counts sync.Pool // of map[string]uint32: entry's term counts, reused
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

// changes is what one Update altered, to find the shards to rewrite
// and to bring the postings lists' entries up to date.
type changes struct {
	// dropped holds the terms whose lists went. Their numbers may be
	// reused, so stale alone cannot tell their shards.
	dropped map[string]bool
	docs    map[*staticDoc]bool // documents whose shard entry changes
	oldIDs  map[uint32]bool     // old ids of documents that moved or went: their shards change
	moved   map[uint32]uint32   // new ids of the documents kept that moved, by old id
	// leaving is oldIDs as a bitset, for encode to tell, at each posting
	// of an entry, whether it stays where it is.
	leaving bitset
	// By list number: the lists whose entry is void (stale), those a
	// moved document is on (movedOn), and the documents added to each,
	// the last in head, chained back.
	stale, movedOn bitset
	added          []addedDoc
	// byList is added as postings, grouped by list: those of list n are
	// byList[start[n]:start[n+1]]. group makes it once the ids are
	// known, so that encode reads each list's postings from one run of
	// memory rather than from all over added.
	byList []posting
	start  []int32
}

// addedDoc is a document added to a postings list, and the term's
// weighted frequency in it.
type addedDoc struct {
	sd   *staticDoc
	tf   uint32
	list uint32 // the list's number
}

func newChanges() *changes {
	return &changes{dropped: map[string]bool{}, docs: map[*staticDoc]bool{}, oldIDs: map[uint32]bool{}, moved: map[uint32]uint32{}}
}

// touch notes that l's postings change, which voids its entry.
func (c *changes) touch(l *postingList) {
	c.stale.set(l.num)
}

// add notes that sd is on l with frequency tf.
func (c *changes) add(l *postingList, sd *staticDoc, tf uint32) {
	c.added = append(c.added, addedDoc{sd: sd, tf: tf, list: l.num})
	c.touch(l)
}

// group sorts the added documents into byList, as postings with their
// ids: call it once every document has its id.
func (c *changes) group() {
	lists := uint32(0)
	for i := range c.added {
		lists = max(lists, c.added[i].list+1)
	}
	c.start = make([]int32, lists+1)
	for i := range c.added {
		c.start[c.added[i].list+1]++
	}
	for n := 1; n < len(c.start); n++ {
		c.start[n] += c.start[n-1]
	}
	// A document's postings are added together. Taking the documents in
	// id order puts every list's postings in id order, which encode's
	// sort then finds done.
	type run struct{ lo, hi int }
	var runs []run
	for i := range c.added {
		if i == 0 || c.added[i].sd != c.added[i-1].sd {
			runs = append(runs, run{lo: i})
		}
		runs[len(runs)-1].hi = i + 1
	}
	slices.SortFunc(runs, func(a, b run) int { return cmp.Compare(c.added[a.lo].sd.id, c.added[b.lo].sd.id) })
	next := slices.Clone(c.start[:lists])
	c.byList = make([]posting, len(c.added))
	for _, r := range runs {
		for i := r.lo; i < r.hi; i++ {
			a := &c.added[i]
			c.byList[next[a.list]] = posting{id: a.sd.id, tf: min(a.tf, 1<<16), bucket: a.sd.bucket}
			next[a.list]++
		}
	}
}

// addedTo is the postings of the documents added to l; group must have
// run.
func (c *changes) addedTo(l *postingList) []posting {
	if int(l.num)+1 >= len(c.start) {
		return nil
	}
	return c.byList[c.start[l.num]:c.start[l.num+1]]
}

// bitset is a set of small numbers.
type bitset []uint64

func (b *bitset) set(i uint32) {
	w := int(i / 64)
	if w >= len(*b) {
		*b = slices.Grow(*b, w+1-len(*b))[:w+1]
	}
	(*b)[w] |= 1 << (i % 64)
}

// each calls fn with every number in the set, in order.
func (b bitset) each(fn func(i uint32)) {
	for w, word := range b {
		for word != 0 {
			fn(uint32(w*64 + bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
}

func (b bitset) has(i uint32) bool {
	w := int(i / 64)
	return w < len(b) && b[w]&(1<<(i%64)) != 0
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
	fresh, err := s.analyse(ctx, m.fresh)
	if err != nil {
		return nil, err
	}

	n := len(docs) // mark rejected repeated keys
	ts, ds := shardCount(n, termShardDocs), shardCount(n, docShardDocs)
	s.groupTerms(ts)
	c := s.apply(m, fresh)

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
func (s *Static) apply(m marked, fresh []analysed) *changes {
	c := newChanges()
	n := 0
	for _, a := range fresh {
		n += len(a.terms)
	}
	c.added = make([]addedDoc, 0, n)
	keysChanged := m.kept < len(s.docs)
	if keysChanged {
		s.dropGone(c)
	}
	if s.put(fresh, c) {
		keysChanged = true
	}
	s.reorder(m.at, fresh)
	// Ids: a pure function of the set of keys.
	if keysChanged {
		s.assignIDs(c)
	}
	for id := range c.oldIDs {
		c.leaving.set(id)
	}
	c.group()
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
		c.stale.each(func(num uint32) {
			if l := s.lists[num]; l != nil {
				dirtyT[termShard(l.term, ts)] = true
			}
		})
		for t := range c.dropped {
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
				encode: func() ([]byte, error) { return termShardData(lists, c) }})
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
		case old.version != d.Version || d.Version == "":
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
		if sd := s.order[i]; sd != nil && sd.key == key {
			return sd
		}
	}
	return nil
}

// reorder completes the order mark began with the analysed documents,
// at positions at, and makes it the one the next Update looks in.
func (s *Static) reorder(at []int, fresh []analysed) {
	for j, a := range fresh {
		s.next[at[j]], a.sd.pos = a.sd, at[j]
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
		delete(s.docs, sd.key)
		return true
	})
}

// put indexes the analysed documents, each in place of its old version
// if any, and reports whether any key is new.
func (s *Static) put(fresh []analysed, c *changes) (newKeys bool) {
	var added []*staticDoc
	for _, a := range fresh {
		sd := a.sd
		if old := s.docs[sd.key]; old != nil {
			s.unindex(old, c)
			sd.id = old.id // the key set decides ids: unchanged unless it changed
			i, _ := s.keyIndex(sd.key)
			s.byKey[i] = sd
		} else {
			added = append(added, sd)
		}
		s.docs[sd.key] = sd
		s.index(sd, a.terms, c)
	}
	s.insertKeys(added)
	return len(added) > 0
}

// index adds sd, with its terms, to the postings and the facet counts.
func (s *Static) index(sd *staticDoc, terms []termTF, c *changes) {
	s.nums = s.nums[:0]
	for _, tp := range terms {
		var l *postingList
		if int(tp.id) < len(s.byTermID) {
			l = s.byTermID[tp.id]
		}
		if l == nil {
			l = s.newList(tp.id)
		}
		c.add(l, sd, tp.tf)
		l.n++
		s.nums = append(s.nums, l.num)
	}
	size := 0
	for _, num := range s.nums {
		size += uvarintLen(num)
	}
	sd.terms = make([]byte, 0, size)
	for _, num := range s.nums {
		sd.terms = binary.AppendUvarint(sd.terms, uint64(num))
	}
	s.countFacets(sd, 1)
	s.total += int(sd.length)
	c.docs[sd] = true
}

// unindex takes sd out of the postings and the facet counts; its old
// shard changes. Its postings leave the lists' entries when they are
// encoded, by its id.
func (s *Static) unindex(sd *staticDoc, c *changes) {
	for num := range listNums(sd.terms) {
		l := s.lists[num]
		if l.n--; l.n == 0 {
			s.dropList(l)
			c.dropped[l.term] = true
		}
		c.touch(l)
	}
	s.countFacets(sd, -1)
	s.total -= int(sd.length)
	c.oldIDs[sd.id] = true
}

// uvarintLen is the length of v as binary.AppendUvarint writes it.
func uvarintLen(v uint32) int { return max(1, (bits.Len32(v)+6)/7) }

// listNums iterates over the list numbers of a staticDoc's terms.
func listNums(terms []byte) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for len(terms) > 0 {
			num, n := binary.Uvarint(terms)
			terms = terms[n:]
			if !yield(uint32(num)) {
				return
			}
		}
	}
}

// newList makes the empty postings list of the term numbered id, with
// the first free list number, in its shard.
func (s *Static) newList(id uint32) *postingList {
	t := s.an.termName(id)
	l := &postingList{term: t, id: id}
	if n := len(s.freeLists); n > 0 {
		l.num = s.freeLists[n-1]
		s.freeLists = s.freeLists[:n-1]
		s.lists[l.num] = l
	} else {
		l.num = uint32(len(s.lists))
		s.lists = append(s.lists, l)
	}
	s.postings[t] = l
	if int(id) >= len(s.byTermID) {
		s.byTermID = append(s.byTermID, make([]*postingList, int(id)+1-len(s.byTermID))...)
	}
	s.byTermID[id] = l
	sh := termShard(t, len(s.termLists))
	s.termLists[sh] = append(s.termLists[sh], l)
	return l
}

// dropList takes the emptied list l out, freeing its number.
func (s *Static) dropList(l *postingList) {
	delete(s.postings, l.term)
	s.byTermID[l.id] = nil
	s.ungroup(l)
	s.lists[l.num] = nil
	s.freeLists = append(s.freeLists, l.num)
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
	return slices.BinarySearchFunc(s.byKey, key, func(sd *staticDoc, k string) int { return strings.Compare(sd.key, k) })
}

// insertKeys adds new documents to the key-sorted slice: one at a time
// when they are few, else all at once and sorted, as a first build is.
func (s *Static) insertKeys(added []*staticDoc) {
	if len(added) <= 16 {
		for _, sd := range added {
			i, _ := s.keyIndex(sd.key)
			s.byKey = slices.Insert(s.byKey, i, sd)
		}
		return
	}
	s.byKey = append(s.byKey, added...)
	slices.SortFunc(s.byKey, func(a, b *staticDoc) int { return strings.Compare(a.key, b.key) })
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
	for _, t := range sd.tags {
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
	if sd.typ != "" && countIn(s.typeCount, strings.ToLower(sd.typ), delta) {
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
	workers := min(runtime.GOMAXPROCS(0), max(1, len(jobs)/16))
	parallel.For(context.Background(), workers, len(jobs), func(i int) {
		job := &jobs[i]
		data, err := job.encode()
		if err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
			return
		}
		p := hashedPath(job.stem, data)
		job.file.Path = p
		if p != *job.path {
			job.file.Data = data
			*job.path = p
		}
	})
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
func (s *Static) analyse(ctx context.Context, docs []*Doc) ([]analysed, error) {
	out := make([]analysed, len(docs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(docs)/64))
	parallel.For(ctx, workers, len(docs), func(i int) { out[i] = s.entry(docs[i]) })
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search: index documents: %w", err)
	}
	return out, nil
}

// entry analyses one document.
func (s *Static) entry(d *Doc) analysed {
	sd := &staticDoc{
		key: d.Key, version: d.Version, hash: fnv1a(d.Key),
		url: d.URL, title: d.Title, typ: d.Type, summary: d.Summary, date: d.Date,
		tags: slices.Clone(d.Tags),
	}
	if d.Title == "" {
		sd.label = d.Label
	}
	// The counts are kept by term number, in arrays reused from one
	// document to the next.
	tc, _ := s.counts.Get().(*termCounts)
	if tc == nil {
		tc = new(termCounts)
	}
	defer s.counts.Put(tc)
	w := uint32(0)
	count := func(e *wordTerm) {
		tc.add(e.id, w)
		sd.length += w
	}
	add := func(text string, weight uint32) {
		w = weight
		s.an.eachTerm(text, count)
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
		tc.set(s.an.termID(tagTerm(tag)), 1)
	}
	if d.Type != "" {
		tc.set(s.an.termID(typeTerm(d.Type)), 1)
	}
	sd.bucket = uint8(lengthBucket(int(sd.length)))
	return analysed{sd: sd, terms: tc.take()}
}

// termCounts counts the terms of one document by number.
type termCounts struct {
	tf  []uint32 // by term number; 0 for terms not met
	ids []uint32 // the numbers met, in order
}

// add adds n to term id's count.
func (tc *termCounts) add(id, n uint32) {
	if int(id) >= len(tc.tf) {
		tc.tf = append(tc.tf, make([]uint32, int(id)+1-len(tc.tf))...)
	}
	if tc.tf[id] == 0 {
		tc.ids = append(tc.ids, id)
	}
	tc.tf[id] += n
}

// set sets term id's count to n.
func (tc *termCounts) set(id, n uint32) {
	tc.add(id, 0)
	tc.tf[id] = n
}

// take returns the counts, and clears them for the next document.
func (tc *termCounts) take() []termTF {
	out := make([]termTF, len(tc.ids))
	for i, id := range tc.ids {
		out[i] = termTF{id: id, tf: tc.tf[id]}
		tc.tf[id] = 0
	}
	tc.ids = tc.ids[:0]
	return out
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
			// Indexed before this Update: its postings are in the
			// entries, under the old id.
			c.oldIDs[sd.id] = true
			c.moved[sd.id] = id
			c.docs[sd] = true
			for num := range listNums(sd.terms) {
				c.touch(s.lists[num])
				c.movedOn.set(num)
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
// order. It re-encodes only the lists that c changed, with its changes.
func termShardData(lists []*postingList, c *changes) ([]byte, error) {
	// Sorting in place is safe: the order of a shard's lists does not matter.
	slices.SortFunc(lists, func(a, b *postingList) int { return strings.Compare(a.term, b.term) })
	size := 2
	sc := scratchPool.Get().(*encodeScratch)
	defer scratchPool.Put(sc)
	var first error
	for _, l := range lists {
		// Past an error, still every list: the changes are lost after
		// this Update. (A list that fails has no entry, so it loses none.)
		if c.stale.has(l.num) {
			if err := l.encode(c, sc); err != nil && first == nil {
				first = err
			}
		}
		size += len(l.entry) + 1
	}
	if first != nil {
		return nil, first
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, l := range lists {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.entry...)
	}
	return append(b, '}'), nil
}

// encodeScratch is memory encode reuses from one list to the next, and
// from one Update to the next.
type encodeScratch struct {
	ins []posting
	buf []byte
}

var scratchPool = sync.Pool{New: func() any { return new(encodeScratch) }}

// encode brings l's entry up to date with c: the term, and a string of
// numbers; per document, in id order, the gap from the previous id, and
// for word terms the weighted frequency and the length bucket. The
// digits need no escaping.
//
// It merges the postings that come, the documents added and those that
// moved, into the entry's, skipping those that leave. Most of an entry
// stays as it was, and is copied, not decoded: an Update changes a few of
// its postings, and the gap after each of them.
func (l *postingList) encode(c *changes, sc *encodeScratch) error {
	vs := valueStart(l.entry)
	old := l.entry[vs:max(vs, len(l.entry)-1)]
	filter := isFilterTerm(l.term)

	ins := append(sc.ins[:0], c.addedTo(l)...)
	if c.movedOn.has(l.num) {
		// Moved postings come back at their new ids.
		for p := range entryPostings(old, filter) {
			if c.leaving.has(p.id) {
				if id, ok := c.moved[p.id]; ok {
					p.id = id
					ins = append(ins, p)
				}
			}
		}
	}
	slices.SortFunc(ins, func(a, b posting) int { return int(a.id) - int(b.id) })
	sc.ins = ins

	b := sc.buf[:0]
	if vs > 0 {
		b = append(b, l.entry[:vs]...)
	} else {
		var err error
		if b, err = appendJSONString(b, l.term); err != nil {
			return err
		}
		b = append(b, ':', '"')
	}
	// prevIn and prevOut are the last ids read and written; old[run:]
	// is not copied yet: unchanged postings are copied in runs.
	prevIn, prevOut, run := uint32(0), uint32(0), 0
	for i := 0; i < len(old); {
		start := i
		gap, rest := readNum(old, i)
		i = rest
		if !filter {
			i = skipNum(old, skipNum(old, i))
		}
		id := prevIn + gap
		prevIn = id
		leaves := c.leaving.has(id)
		if !leaves && prevOut == id-gap && (len(ins) == 0 || ins[0].id > id) {
			prevOut = id
			continue // unchanged, gap included
		}
		b = append(b, old[run:start]...)
		for len(ins) > 0 && ins[0].id < id {
			b = appendPosting(b, ins[0], prevOut, filter)
			prevOut, ins = ins[0].id, ins[1:]
		}
		if leaves {
			run = i
			continue
		}
		b = appendNum(b, id-prevOut) // a new gap, then the rest as it was
		prevOut, run = id, rest
	}
	b = append(b, old[run:]...)
	for _, p := range ins {
		b = appendPosting(b, p, prevOut, filter)
		prevOut = p.id
	}
	b = append(b, '"')
	sc.buf = b

	// Copied to memory the entry keeps: its own, unless far too big.
	if cap(l.entry) < len(b) || cap(l.entry) > 2*len(b) {
		l.entry = nil
	}
	l.entry = append(l.entry[:0], b...)
	return nil
}

// appendPosting appends p, after a posting of id prev.
func appendPosting(b []byte, p posting, prev uint32, filter bool) []byte {
	b = appendNum(b, p.id-prev)
	if !filter {
		b = appendNum(b, p.tf)
		b = appendNum(b, uint32(p.bucket))
	}
	return b
}

// valueStart is where the postings start in entry, after `"term":"`; 0
// when there is no entry. The term's closing quote is the first after
// the opening one that no backslash escapes.
func valueStart(entry []byte) int {
	if len(entry) == 0 {
		return 0
	}
	i := 1
	for entry[i] != '"' {
		if entry[i] == '\\' {
			i++
		}
		i++
	}
	return i + len(`":"`)
}

// postings are the documents on l, as of its entry.
func (l *postingList) postings() []posting {
	vs := valueStart(l.entry)
	return slices.Collect(entryPostings(l.entry[vs:max(vs, len(l.entry)-1)], isFilterTerm(l.term)))
}

// entryPostings iterates over the postings of an entry's value, in id
// order. Filter terms' postings have a frequency of 1.
func entryPostings(value []byte, filter bool) iter.Seq[posting] {
	return func(yield func(posting) bool) {
		id := uint32(0)
		for i := 0; i < len(value); {
			var gap uint32
			gap, i = readNum(value, i)
			id += gap
			p := posting{id: id, tf: 1}
			if !filter {
				var bucket uint32
				p.tf, i = readNum(value, i)
				bucket, i = readNum(value, i)
				p.bucket = uint8(bucket)
			}
			if !yield(p) {
				return
			}
		}
	}
}

// digitValue maps the postings alphabet back to digit values.
var digitValue = func() (v [256]uint8) {
	for i := range digits {
		v[digits[i]] = uint8(i)
	}
	return v
}()

// readNum reads the number appendNum wrote at b[i:], and returns it and
// where the next one starts.
func readNum(b []byte, i int) (uint32, int) {
	v, shift := uint32(0), 0
	for {
		d := uint32(digitValue[b[i]])
		i++
		if d < 32 {
			return v | d<<shift, i
		}
		v |= (d - 32) << shift
		shift += 5
	}
}

// skipNum is where the number at b[i:] ends.
func skipNum(b []byte, i int) int {
	for digitValue[b[i]] >= 32 {
		i++
	}
	return i + 1
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
		date := ""
		if !sd.date.IsZero() {
			date = sd.date.Format("2006-01-02")
		}
		tags := sd.tags
		if tags == nil {
			tags = []string{}
		}
		rows = append(rows, []any{sd.id, sd.url, sd.title, sd.label, date, sd.typ, clip(sd.summary, summaryRunes), tags})
	}
	return marshal(rows)
}

// clip cuts s to at most n runes, at a space when there is one near,
// with its white space collapsed as strings.Join(strings.Fields(s), " ")
// would; it reads no further into s than the cut needs.
func clip(s string, n int) string {
	var b strings.Builder
	runes, space := 0, false
	for i := 0; i < len(s) && runes <= n; {
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = b.Len() > 0
		} else {
			if space {
				b.WriteByte(' ')
				runes++
				space = false
			}
			b.WriteString(s[i : i+w])
			runes++
		}
		i += w
	}
	c := b.String()
	if runes <= n {
		return c
	}
	cut := 0
	for i := range c {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(c[:cut], ' '); sp > cut*2/3 {
		cut = sp
	}
	return c[:cut] + "…"
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
