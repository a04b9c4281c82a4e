// Package publish is the only writer into public/. A build stages every
// output into a Tx: unchanged files are left alone, changed ones are written
// to temp files beside their targets. Commit renames them all into place
// and removes outputs whose source is gone; Abort removes the temp files,
// leaving the previous site exactly as it was.
//
// When the output folder does not exist yet (a first build, or one after
// `rm -rf public`), the Tx instead writes the whole site into a hidden
// folder beside it, and Commit renames that folder into place: one rename
// instead of one per file, and the site appears all at once.
//
// A manifest in the state folder lists the files of the last commit with
// a hash, the size and the modification time of each, so that telling an
// unchanged output costs a hash and one stat instead of reading the file.
package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"

	"inkstone/internal/atomicfile"
)

// Publisher writes into one output folder. Keep one Publisher for a
// folder and its transactions reuse the manifest it last read or wrote,
// rather than reading it again. Run one transaction at a time (a build
// holds its lock throughout): each commits relative to the manifest as
// its Begin read it.
type Publisher struct {
	Dir      string // the output folder, e.g. public/
	StateDir string // where the manifest of written files is kept

	mu     sync.Mutex
	cache  *manifestCache
	spares *spares // nil until the first Tx into an existing folder, or when unusable
	tried  bool    // whether spares were set up
}

// manifestCache is the manifest as this Publisher last read or wrote it,
// with what tells whether the file has changed since.
type manifestCache struct {
	m     map[string]entry
	lines int // lines in the file, for compaction
	size  int64
	mtime int64
	// lent is set once a transaction took m to change in place, as its
	// commit does rather than copy every entry: until that commit records
	// its own, m is the transaction's, and others read the file.
	lent bool
}

// Stats counts what a commit did.
type Stats struct {
	Written   int // files created or changed
	Unchanged int // files whose bytes were already there
	Removed   int // stale files removed
}

// errFinished is returned by Put after Commit or Abort.
var errFinished = errors.New("publish: transaction already finished")

// Tx is one build's set of outputs. Put is safe for concurrent use.
type Tx struct {
	p       *Publisher
	root    string           // where Put writes: the output folder, or stage
	stage   string           // the hidden folder that becomes the output folder; "" when it exists
	prev    map[string]entry // what the last commit left, from the manifest
	owned   bool             // prev is this Tx's to change: Commit does so
	since   int64            // the manifest's modification time (ns), see verify
	prevErr error
	tmpName string        // temp files are tmpName + a number
	seq     atomic.Uint64 // numbers temp files
	dirs    sync.Map      // folder -> true if this Tx created it
	stale   atomic.Bool   // the manifest needs rewriting even if no file changes
	spares  *spares       // reused temp files; nil when not in use

	mu       sync.Mutex
	staged   map[string]staged // output path -> temp file
	kept     map[string]entry  // outputs already holding the right bytes
	removed  map[string]bool   // outputs to delete (incremental builds)
	finished bool
	err      error // a bad Remove, reported by Commit
}

// entry is what the manifest knows about one output.
type entry struct {
	// sum is the bytes' xxhash: it tells whether an output changed
	// since the last build, which needs speed rather than resistance to
	// crafted collisions (the outputs are the site's own).
	sum   uint64
	size  int64
	mtime int64 // modification time in ns after writing; 0 when unknown
}

type staged struct {
	tmp      string // "" when written in the stage folder under its own name
	replaces bool   // the output exists, and the rename replaces it
	entry
}

func entryOf(data []byte) entry {
	return entry{sum: xxhash.Sum64(data), size: int64(len(data))}
}

// Begin starts a transaction.
func (p *Publisher) Begin() *Tx {
	tx := &Tx{p: p, staged: map[string]staged{}, kept: map[string]entry{}, removed: map[string]bool{},
		// Random, so that temp files left by a crashed build (whose process
		// may have had this very PID) never clash with ours.
		tmpName: atomicfile.TempPrefix + strconv.FormatUint(rand.Uint64(), 36) + "-"}
	tx.prev, tx.since, tx.owned, tx.prevErr = p.readManifest(true)
	dir := filepath.Clean(p.Dir)
	tx.root = dir
	_, err := os.Lstat(dir)
	if err == nil {
		p.mu.Lock()
		if !p.tried {
			p.tried = true
			p.spares = openSpares(p.StateDir, dir, p.outID())
		}
		tx.spares = p.spares
		p.mu.Unlock()
	}
	if errors.Is(err, fs.ErrNotExist) {
		tx.stage = filepath.Join(filepath.Dir(dir), atomicfile.TempPrefix+filepath.Base(dir))
		tx.root = tx.stage
		// Left by a build that crashed, if it exists.
		if err := os.RemoveAll(tx.stage); err != nil && tx.prevErr == nil {
			tx.prevErr = fmt.Errorf("publish: %w", err)
		}
	}
	return tx
}

// Put stages data for rel, a slash path relative to the output folder.
// It does not keep data: the caller may reuse it once Put returns.
func (tx *Tx) Put(rel string, data []byte) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	tx.mu.Lock()
	finished := tx.finished
	tx.mu.Unlock()
	if finished {
		return errFinished
	}
	full := filepath.Join(tx.root, filepath.FromSlash(rel))
	want := entryOf(data)
	if tx.stage != "" {
		return tx.putNew(rel, full, data, want)
	}
	replaces := true // whether a file is there already
	if old, ok := tx.prev[rel]; ok {
		if e, ok := tx.verify(full, old, want, data); ok {
			tx.keep(rel, e)
			return nil
		}
	} else {
		// Not ours yet. Its folder is needed anyway, and a folder this Tx
		// creates holds no file that could already have the bytes.
		created, err := tx.mkdir(filepath.Dir(full))
		if err != nil {
			return fmt.Errorf("publish %s: %w", rel, err)
		}
		replaces = false
		if !created {
			mtime, exists, same := sameFile(full, data)
			if same {
				want.mtime = mtime
				tx.stale.Store(true)
				tx.keep(rel, want)
				return nil
			}
			replaces = exists
		}
	}
	tmp, mtime, err := tx.write(full, data)
	if err != nil {
		return fmt.Errorf("publish %s: %w", rel, err)
	}
	want.mtime = mtime
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.finished {
		os.Remove(tmp)
		return errFinished
	}
	if old, ok := tx.staged[rel]; ok {
		os.Remove(old.tmp)
	}
	tx.staged[rel] = staged{tmp: tmp, entry: want, replaces: replaces}
	return nil
}

// putNew writes an output into the stage folder, where no reader looks:
// under its own name, or, when another Put of the same path got there
// first, through a temp file renamed over it.
func (tx *Tx) putNew(rel, full string, data []byte, want entry) error {
	dir := filepath.Dir(full)
	_, err := tx.mkdir(dir)
	if err == nil {
		want.mtime, err = create(full, data)
	}
	if errors.Is(err, fs.ErrExist) {
		var tmp string
		if tmp, want.mtime, err = tx.write(full, data); err == nil {
			if err = rename(tmp, full); err != nil {
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("publish %s: %w", rel, err)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.finished {
		// Commit or Abort came first: the stage folder is gone, or this
		// Put made it anew.
		os.RemoveAll(tx.stage)
		return errFinished
	}
	tx.staged[rel] = staged{entry: want}
	return nil
}

func (tx *Tx) keep(rel string, e entry) {
	tx.mu.Lock()
	tx.kept[rel] = e
	tx.mu.Unlock()
}

// verify reports whether full already holds data, whose entry is want;
// old is what the manifest says the last commit wrote there. An output
// whose bytes differ from last time's is written without looking. One
// that the file system shows untouched since the last commit holds the
// bytes. Anything else, including a file modified so soon before the
// manifest was written that its time cannot tell (as in Git's "racy
// clean" problem), is compared byte by byte.
func (tx *Tx) verify(full string, old, want entry, data []byte) (entry, bool) {
	known := old.sum != entry{}.sum // else an older manifest's line, or unreadable
	if known && (old.sum != want.sum || old.size != want.size) {
		return entry{}, false
	}
	st, err := os.Stat(full)
	if err != nil || !st.Mode().IsRegular() || st.Size() != want.size {
		return entry{}, false
	}
	if mtime := st.ModTime().UnixNano(); known && old.mtime != 0 && mtime == old.mtime && mtime < tx.since {
		return old, true
	}
	mtime, _, same := sameFile(full, data)
	if !same {
		return entry{}, false
	}
	// Record the time now seen, so the next build need not read the file.
	tx.stale.Store(true)
	want.mtime = mtime
	return want, true
}

// mkdir creates dir once per transaction, with one system call when its
// parent exists. It reports whether dir is new: made by this Tx.
func (tx *Tx) mkdir(dir string) (created bool, err error) {
	if v, ok := tx.dirs.Load(dir); ok {
		return v.(bool), nil
	}
	err = os.Mkdir(dir, 0o755)
	if parent := filepath.Dir(dir); errors.Is(err, fs.ErrNotExist) && parent != dir {
		if _, err = tx.mkdir(parent); err == nil {
			err = os.Mkdir(dir, 0o755)
		}
	}
	switch {
	case err == nil:
		tx.dirs.Store(dir, true)
		return true, nil
	case errors.Is(err, fs.ErrExist):
		if st, serr := os.Stat(dir); serr != nil || !st.IsDir() {
			return false, err
		}
		// Another Put of this Tx may have just made it.
		v, _ := tx.dirs.LoadOrStore(dir, false)
		return v.(bool), nil
	}
	return false, err
}

// write puts data in a new temp file beside full and returns its name and
// modification time.
func (tx *Tx) write(full string, data []byte) (tmp string, mtime int64, err error) {
	if path, ok := tx.spares.take(time.Now()); ok {
		if mtime, err := overwrite(path, data); err == nil {
			return path, mtime, nil
		}
		os.Remove(path)
	}
	dir := filepath.Dir(full)
	for range 10 {
		tmp = filepath.Join(dir, tx.tmpName+strconv.FormatUint(tx.seq.Add(1), 10))
		mtime, err = create(tmp, data)
		if errors.Is(err, fs.ErrNotExist) {
			// The folder was removed since the last build.
			tx.dirs.Delete(dir)
			if _, err = tx.mkdir(dir); err == nil {
				mtime, err = create(tmp, data)
			}
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", 0, err
	}
	return tmp, mtime, nil
}

// Remove marks an output for deletion at commit (for incremental builds;
// a full commit removes every stale output by itself). A path that is not
// a clean relative one makes Commit fail.
func (tx *Tx) Remove(rel string) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := checkRel(rel); err != nil {
		if tx.err == nil {
			tx.err = fmt.Errorf("publish: remove: %w", err)
		}
		return
	}
	tx.removed[rel] = true
}

// Abort discards every staged file. The output folder is left as it was.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.finished {
		return
	}
	tx.finished = true
	tx.abortLocked()
}

// Commit moves every staged file into place. When full is true the Tx
// holds the whole site, and any output written by an earlier build that
// this one did not produce is removed.
func (tx *Tx) Commit(full bool) (Stats, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.finished {
		return Stats{}, errFinished
	}
	tx.finished = true
	if err := errors.Join(tx.prevErr, tx.err); err != nil {
		tx.abortLocked()
		return Stats{}, err
	}
	prev := tx.prev
	final := prev
	if !tx.owned {
		final = make(map[string]entry, len(prev)+len(tx.staged))
		for k, v := range prev {
			final[k] = v
		}
	}
	if len(tx.staged) > 0 {
		// Record every name this commit may create before creating it, so
		// that after a crash the next build still knows which files are
		// its own. Their times are unknown until the renames are done,
		// but for a stage folder's files: the folder's rename keeps
		// them, and until it is done none of them is in place.
		added := map[string]entry{}
		for k, v := range tx.staged {
			if _, ok := final[k]; !ok {
				if tx.stage == "" {
					v.mtime = 0
				}
				final[k] = v.entry
				added[k] = v.entry
			}
		}
		if len(added) > 0 {
			// final is changed further below: the cache stays lent.
			if err := tx.p.record(final, added, nil, tx.owned); err != nil {
				tx.abortLocked()
				return Stats{}, err
			}
		}
		tx.flush()
	}

	var st Stats
	if err := tx.renameAll(); err != nil {
		tx.abortLocked()
		return st, err
	}
	if tx.stage != "" && len(tx.staged) > 0 {
		if err := rename(tx.stage, filepath.Clean(tx.p.Dir)); err != nil {
			tx.abortLocked()
			return st, fmt.Errorf("publish: %w", err)
		}
	}
	changed := make(map[string]entry, len(tx.staged))
	for rel, s := range tx.staged {
		if final[rel] != s.entry {
			final[rel] = s.entry
			changed[rel] = s.entry
		}
	}
	st.Written = len(tx.staged)
	st.Unchanged = len(tx.kept)
	for rel, e := range tx.kept {
		if prev[rel] != e {
			changed[rel] = e
		}
		final[rel] = e
	}
	var stale []string
	produced := func(rel string) bool {
		_, kept := tx.kept[rel]
		_, written := tx.staged[rel]
		return kept || written
	}
	if full {
		for rel := range prev {
			if !produced(rel) {
				stale = append(stale, rel)
			}
		}
	}
	for rel := range tx.removed {
		if !produced(rel) {
			stale = append(stale, rel)
		}
	}
	sort.Strings(stale)
	tx.staged = nil
	var gone []string
	for _, rel := range stale {
		if err := tx.p.removeOutput(rel); err != nil {
			tx.p.forget()
			return st, err
		}
		if _, ok := final[rel]; ok {
			delete(final, rel)
			gone = append(gone, rel)
			st.Removed++
		}
	}
	if len(changed) > 0 || len(gone) > 0 {
		if err := tx.p.record(final, changed, gone, false); err != nil {
			return st, err
		}
	} else {
		tx.p.giveBack(final)
	}
	return st, nil
}

// renameAll moves the staged files into place, several at a time; on an
// error the files not yet moved stay staged.
func (tx *Tx) renameAll() error {
	names := tx.stagedNames(func(s staged) bool { return s.tmp != "" })
	done, err := each(len(names), func(i int) error {
		rel := names[i]
		st := tx.staged[rel]
		final := filepath.Join(tx.p.Dir, filepath.FromSlash(rel))
		if st.replaces && tx.spares.usable() {
			// Swap, and keep the old file as a spare rather than free it.
			err := exchange(st.tmp, final)
			if err == nil {
				if tx.spares.inside(st.tmp) {
					tx.spares.give(st.tmp, time.Now())
				} else {
					tx.spares.retire(st.tmp)
				}
				return nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				tx.spares.disable()
			}
		}
		if err := rename(st.tmp, final); err != nil {
			return fmt.Errorf("publish %s: %w", rel, err)
		}
		return nil
	})
	if err != nil {
		for i, rel := range names {
			if done[i] {
				delete(tx.staged, rel)
			}
		}
	}
	return err
}

// maxFileSyncs is how many files flush syncs one by one; past that one
// syncfs call costs less. It is high because syncfs writes out all the
// file system's pending data, other programs' included: after a big copy
// or a full build elsewhere on the disk, one post's latency would depend
// on how much of that is still waiting. Measured here: 170 ms for syncfs
// with 300 MB waiting, 4 ms for 40 files' fdatasync.
const maxFileSyncs = 512

// flush writes to disk the bytes of the staged files that replace files
// of the previous build, so that a power cut right after the renames
// cannot leave such a file empty. It fails only in weakening durability.
//
// New files are not flushed: should a power cut empty one, the next build
// rewrites it, since its manifest entry (written before the renames) has
// no time, or the file is not listed at all; either makes Put compare the
// bytes.
func (tx *Tx) flush() {
	replacing := tx.stagedNames(func(s staged) bool { return s.replaces })
	switch {
	case len(replacing) == 0:
	case len(replacing) > maxFileSyncs:
		syncFS(tx.p.Dir)
	default:
		each(len(replacing), func(i int) error {
			syncFile(tx.staged[replacing[i]].tmp)
			return nil
		})
	}
}

// stagedNames lists the staged outputs that match, sorted.
func (tx *Tx) stagedNames(match func(staged) bool) []string {
	var names []string
	for rel, s := range tx.staged {
		if match(s) {
			names = append(names, rel)
		}
	}
	sort.Strings(names)
	return names
}

// each calls fn for 0..n-1 on a few goroutines (file system calls mostly
// wait, so more than there are cores), stopping at the first error. It
// reports which calls succeeded.
func each(n int, fn func(i int) error) (done []bool, err error) {
	var (
		next   atomic.Int64
		failed atomic.Bool
		once   sync.Once
		wg     sync.WaitGroup
	)
	done = make([]bool, n)
	for range min(4*runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if e := fn(i); e != nil {
					failed.Store(true)
					once.Do(func() { err = e })
					return
				}
				done[i] = true
			}
		})
	}
	wg.Wait()
	return done, err
}

// abortLocked removes the staged files and then the folders this Tx
// created that are left empty, deepest first.
func (tx *Tx) abortLocked() {
	if tx.owned {
		// prev may be changed part way: the cache must not keep it.
		tx.p.dropLent(tx.prev)
	}
	for _, st := range tx.staged {
		switch {
		case st.tmp == "":
		case tx.spares.inside(st.tmp):
			tx.spares.give(st.tmp, time.Now())
		default:
			os.Remove(st.tmp)
		}
	}
	tx.staged = nil
	if tx.stage != "" {
		os.RemoveAll(tx.stage)
	}
	var dirs []string
	tx.dirs.Range(func(k, v any) bool {
		if v.(bool) {
			dirs = append(dirs, k.(string))
		}
		return true
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		os.Remove(d) // fails if not empty
	}
}

// removeOutput deletes a stale file and any folders it leaves empty.
func (p *Publisher) removeOutput(rel string) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	full := filepath.Join(p.Dir, filepath.FromSlash(rel))
	p.mu.Lock()
	sp := p.spares
	p.mu.Unlock()
	if sp.usable() {
		if err := sp.retire(full); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	} else if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("publish: remove %s: %w", rel, err)
	}
	for dir := filepath.Dir(full); dir != p.Dir && strings.HasPrefix(dir, p.Dir); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty, or gone
		}
	}
	return nil
}

func checkRel(rel string) error {
	if rel == "" || path.Clean("/" + rel)[1:] != rel || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("publish: %q is not a clean relative path", rel)
	}
	return nil
}

// manifestPath names the list of files this publisher owns. It is keyed
// by the output folder so `build --out` elsewhere keeps its own list.
func (p *Publisher) manifestPath() string {
	return filepath.Join(p.StateDir, "build", "manifest-"+p.outID()+".txt")
}

// outID names the output folder in the state folder's files.
func (p *Publisher) outID() string {
	abs, err := filepath.Abs(p.Dir)
	if err != nil {
		abs = p.Dir
	}
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:8])
}

// The manifest has one line per output: path, hash, size and modification
// time in ns, separated by tabs. A line with the path alone (as older
// versions wrote) or a time of 0 makes the next build compare the file's
// bytes. readManifest also returns the manifest's own modification time.
//
// With lend, the map is the caller's to change (owned): the cached one,
// lent, when there is one to lend. Without, the caller must not change it.
func (p *Publisher) readManifest(lend bool) (m map[string]entry, since int64, owned bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	path := p.manifestPath()
	st, err := os.Stat(path)
	if os.IsNotExist(err) {
		p.cache = nil
		return map[string]entry{}, 0, true, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("publish: read manifest: %w", err)
	}
	if c := p.cache; c != nil && !c.lent && st.Size() == c.size && st.ModTime().UnixNano() == c.mtime {
		// Written by this Publisher and not touched since.
		if !lend {
			return maps.Clone(c.m), c.mtime, true, nil
		}
		c.lent = true
		return c.m, c.mtime, true, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, false, fmt.Errorf("publish: read manifest: %w", err)
	}
	st, err = os.Stat(path)
	if err != nil {
		return nil, 0, false, fmt.Errorf("publish: read manifest: %w", err)
	}
	m = map[string]entry{}
	lines := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // a line cut short by a crash while appending
		}
		line := string(data[:i])
		data = data[i+1:]
		lines++
		fields := strings.Split(line, "\t")
		rel := fields[0]
		if rel == "" || checkRel(rel) != nil {
			continue
		}
		if len(fields) == 2 && fields[1] == "-" {
			delete(m, rel)
			continue
		}
		m[rel] = parseEntry(fields[1:])
	}
	if c := p.cache; c != nil && c.lent {
		// Another transaction holds the cache; its commit replaces it.
		return m, st.ModTime().UnixNano(), true, nil
	}
	p.cache = &manifestCache{m: m, lines: lines, size: st.Size(), mtime: st.ModTime().UnixNano(), lent: lend}
	if !lend {
		return maps.Clone(m), p.cache.mtime, true, nil
	}
	return m, p.cache.mtime, true, nil
}

// record brings the manifest up to final, which differs from what the
// file holds by the entries in changed and the paths in removed. Usually
// it appends a line for each; when the file holds many more lines than
// entries, it is rewritten whole instead.
func (p *Publisher) record(final, changed map[string]entry, removed []string, lend bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.cache
	add := len(changed) + len(removed)
	if c == nil || c.lines+add > 2*len(final)+1024 {
		err := p.writeManifest(final)
		if p.cache != nil {
			p.cache.lent = lend
		}
		return err
	}
	names := make([]string, 0, len(changed))
	for k := range changed {
		names = append(names, k)
	}
	sort.Strings(names)
	b := make([]byte, 0, add*96)
	for _, n := range names {
		b = appendEntry(b, n, changed[n])
	}
	for _, n := range removed {
		b = append(b, n...)
		b = append(b, "\t-\n"...)
	}
	path := p.manifestPath()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		p.cache = nil
		return fmt.Errorf("publish: write manifest: %w", err)
	}
	_, err = f.Write(b)
	var st os.FileInfo
	if err == nil {
		st, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || st.Size() != c.size+int64(len(b)) {
		// Someone else wrote it too: read it again next time.
		p.cache = nil
		if err != nil {
			return fmt.Errorf("publish: write manifest: %w", err)
		}
		return nil
	}
	p.cache = &manifestCache{m: final, lines: c.lines + add, size: st.Size(), mtime: st.ModTime().UnixNano(), lent: lend}
	return nil
}

// giveBack ends the loan of the cache holding m, which a transaction
// left as the file says.
func (p *Publisher) giveBack(m map[string]entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.cache; c != nil && c.lent && sameMap(c.m, m) {
		c.lent = false
	}
}

// dropLent forgets the lent cache holding m, which a failed transaction
// may have changed: the file is read again.
func (p *Publisher) dropLent(m map[string]entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.cache; c != nil && c.lent && sameMap(c.m, m) {
		p.cache = nil
	}
}

// sameMap reports whether a and b are one map, not merely equal ones.
func sameMap(a, b map[string]entry) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// writeManifest replaces the manifest with one line per entry of m. The
// caller holds p.mu.
func (p *Publisher) writeManifest(m map[string]entry) error {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	b := make([]byte, 0, len(names)*96)
	for _, n := range names {
		b = appendEntry(b, n, m[n])
	}
	path := p.manifestPath()
	if err := atomicfile.WriteFile(path, b, atomicfile.Options{}); err != nil {
		p.cache = nil
		return fmt.Errorf("publish: write manifest: %w", err)
	}
	p.cache = nil
	if st, err := os.Stat(path); err == nil && st.Size() == int64(len(b)) {
		p.cache = &manifestCache{m: m, lines: len(names), size: st.Size(), mtime: st.ModTime().UnixNano()}
	}
	return nil
}

func appendEntry(b []byte, name string, e entry) []byte {
	b = append(b, name...)
	b = append(b, '\t')
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], e.sum)
	b = hex.AppendEncode(b, sum[:])
	b = append(b, '\t')
	b = strconv.AppendInt(b, e.size, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, e.mtime, 10)
	return append(b, '\n')
}

// forget drops the cached manifest, after a commit that failed half way.
func (p *Publisher) forget() {
	p.mu.Lock()
	p.cache = nil
	p.mu.Unlock()
}

// Files lists the outputs the last commit left in place.
func (p *Publisher) Files() ([]string, error) {
	m, _, _, err := p.readManifest(false)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// parseEntry reads the fields after the path of a manifest line; an entry
// it cannot read is the zero entry, which makes Put check the file.
func parseEntry(fields []string) entry {
	var e entry
	if len(fields) != 3 {
		return e
	}
	sum, err := hex.DecodeString(fields[0])
	size, err1 := strconv.ParseInt(fields[1], 10, 64)
	mtime, err2 := strconv.ParseInt(fields[2], 10, 64)
	// An older version's 32-digit SHA-256 fails here: the file is then
	// compared byte by byte once.
	if err != nil || err1 != nil || err2 != nil || len(sum) != 8 {
		return entry{}
	}
	e.sum = binary.BigEndian.Uint64(sum)
	e.size, e.mtime = size, mtime
	return e
}
