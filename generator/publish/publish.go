// Package publish is the only writer into public/. A build stages every
// output into a Tx: unchanged files are left alone, changed ones are written
// to temp files beside their targets. Commit renames them all into place
// and removes outputs whose source is gone; Abort removes the temp files,
// leaving the previous site exactly as it was.
package publish

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"inkstone/internal/atomicfile"
)

// Publisher writes into one output folder.
type Publisher struct {
	Dir      string // the output folder, e.g. public/
	StateDir string // where the manifest of written files is kept
}

// Stats counts what a commit did.
type Stats struct {
	Written   int // files created or changed
	Unchanged int // files whose bytes were already there
	Removed   int // stale files removed
}

// Tx is one build's set of outputs. Put is safe for concurrent use.
type Tx struct {
	p       *Publisher
	prev    map[string]sum // what the last commit left, from the manifest
	prevErr error
	seq     atomic.Uint64 // numbers temp files
	mu      sync.Mutex
	staged  map[string]staged // output path -> temp file
	kept    map[string]sum    // outputs already holding the right bytes
	removed map[string]bool   // outputs to delete (incremental builds)
	dirs    sync.Map          // folders known to exist
	done    bool
}

// sum identifies a file's bytes in the manifest, so an unchanged output
// costs one stat instead of a read and compare.
type sum struct {
	hash string
	size int64
}

type staged struct {
	tmp string
	sum sum
}

func sumOf(data []byte) sum {
	h := sha256.Sum256(data)
	return sum{hash: hex.EncodeToString(h[:16]), size: int64(len(data))}
}

// Begin starts a transaction.
func (p *Publisher) Begin() *Tx {
	tx := &Tx{p: p, staged: map[string]staged{}, kept: map[string]sum{}, removed: map[string]bool{}}
	tx.prev, tx.prevErr = p.readManifest()
	return tx
}

// Put stages data for rel, a slash path relative to the output folder.
func (tx *Tx) Put(rel string, data []byte) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	full := filepath.Join(tx.p.Dir, filepath.FromSlash(rel))
	sm := sumOf(data)
	if tx.unchanged(rel, full, sm, data) {
		tx.mu.Lock()
		tx.kept[rel] = sm
		tx.mu.Unlock()
		return nil
	}
	dir := filepath.Dir(full)
	if err := tx.mkdir(dir); err != nil {
		return fmt.Errorf("publish %s: %w", rel, err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf("%s%d-%d", atomicfile.TempPrefix, os.Getpid(), tx.seq.Add(1)))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("publish %s: %w", rel, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("publish %s: %w", rel, werr)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if old, ok := tx.staged[rel]; ok {
		os.Remove(old.tmp)
	}
	tx.staged[rel] = staged{tmp: tmp, sum: sm}
	return nil
}

// unchanged reports whether full already holds data. When the manifest
// knows the file's hash, a stat confirms it is still there; otherwise the
// bytes are compared.
func (tx *Tx) unchanged(rel, full string, sm sum, data []byte) bool {
	if old, ok := tx.prev[rel]; ok {
		if old != sm {
			return false
		}
		st, err := os.Stat(full)
		return err == nil && st.Mode().IsRegular() && st.Size() == sm.size
	}
	return atomicfile.Equal(full, data)
}

// mkdir creates dir once per transaction, with one syscall when its
// parent exists.
func (tx *Tx) mkdir(dir string) error {
	if _, ok := tx.dirs.Load(dir); ok {
		return nil
	}
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	tx.dirs.Store(dir, true)
	return nil
}

// Remove marks an output for deletion at commit (for incremental builds;
// a full commit removes every stale output by itself).
func (tx *Tx) Remove(rel string) {
	tx.mu.Lock()
	tx.removed[rel] = true
	tx.mu.Unlock()
}

// Abort discards every staged file. The output folder is left as it was.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return
	}
	tx.done = true
	for _, st := range tx.staged {
		os.Remove(st.tmp)
	}
}

// Commit moves every staged file into place. When full is true the Tx
// holds the whole site, and any output written by an earlier build that
// this one did not produce is removed.
func (tx *Tx) Commit(full bool) (Stats, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return Stats{}, errors.New("publish: transaction already finished")
	}
	tx.done = true
	if tx.prevErr != nil {
		tx.abortLocked()
		return Stats{}, tx.prevErr
	}
	prev := tx.prev
	// Record every name this commit may create before creating it, so that
	// after a crash the next build still knows which files are its own.
	// Their sums are unknown until the renames are done.
	union := make(map[string]sum, len(prev)+len(tx.staged))
	for k, v := range prev {
		union[k] = v
	}
	for k := range tx.staged {
		union[k] = sum{}
	}
	if len(tx.staged) > 0 {
		if err := tx.p.writeManifest(union); err != nil {
			tx.abortLocked()
			return Stats{}, err
		}
		// Flush the temp files' bytes in one go before they become
		// visible, so a power cut cannot leave a renamed but empty file.
		syncFS(tx.p.Dir)
	}

	names := make([]string, 0, len(tx.staged))
	for rel := range tx.staged {
		names = append(names, rel)
	}
	sort.Strings(names)
	var st Stats
	final := union
	for _, rel := range names {
		full := filepath.Join(tx.p.Dir, filepath.FromSlash(rel))
		if err := os.Rename(tx.staged[rel].tmp, full); err != nil {
			tx.abortLocked()
			return st, fmt.Errorf("publish %s: %w", rel, err)
		}
		final[rel] = tx.staged[rel].sum
		delete(tx.staged, rel)
		st.Written++
	}
	st.Unchanged = len(tx.kept)
	for rel, sm := range tx.kept {
		final[rel] = sm
	}
	var stale []string
	if full {
		for rel := range prev {
			if _, ok := tx.kept[rel]; !ok && !contains(names, rel) {
				stale = append(stale, rel)
			}
		}
	}
	for rel := range tx.removed {
		if _, ok := tx.kept[rel]; !ok && !contains(names, rel) {
			stale = append(stale, rel)
		}
	}
	sort.Strings(stale)
	for _, rel := range stale {
		if err := tx.p.removeOutput(rel); err != nil {
			return st, err
		}
		delete(final, rel)
		st.Removed++
	}
	if st.Written > 0 || st.Removed > 0 || len(tx.kept) != len(prev) || !sameSums(prev, final) {
		if err := tx.p.writeManifest(final); err != nil {
			return st, err
		}
	}
	return st, nil
}

func sameSums(a, b map[string]sum) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (tx *Tx) abortLocked() {
	for _, st := range tx.staged {
		os.Remove(st.tmp)
	}
}

func contains(sorted []string, s string) bool {
	i := sort.SearchStrings(sorted, s)
	return i < len(sorted) && sorted[i] == s
}

// removeOutput deletes a stale file and any folders it leaves empty.
func (p *Publisher) removeOutput(rel string) error {
	full := filepath.Join(p.Dir, filepath.FromSlash(rel))
	if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
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
	abs, err := filepath.Abs(p.Dir)
	if err != nil {
		abs = p.Dir
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(p.StateDir, "build", "manifest-"+hex.EncodeToString(sum[:8])+".txt")
}

// The manifest has one line per output: path, tab, hash, tab, size. A
// hash of "-" means the bytes are unknown (recorded before a rename).
func (p *Publisher) readManifest() (map[string]sum, error) {
	f, err := os.Open(p.manifestPath())
	if os.IsNotExist(err) {
		return map[string]sum{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publish: read manifest: %w", err)
	}
	defer f.Close()
	m := map[string]sum{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel, rest, _ := strings.Cut(sc.Text(), "\t")
		if rel == "" || checkRel(rel) != nil {
			continue
		}
		hash, size, _ := strings.Cut(rest, "\t")
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil || hash == "-" {
			m[rel] = sum{}
			continue
		}
		m[rel] = sum{hash: hash, size: n}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("publish: read manifest: %w", err)
	}
	return m, nil
}

func (p *Publisher) writeManifest(m map[string]sum) error {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		sm := m[n]
		hash := sm.hash
		if hash == "" {
			hash = "-"
		}
		fmt.Fprintf(&b, "%s\t%s\t%d\n", n, hash, sm.size)
	}
	if err := atomicfile.WriteFile(p.manifestPath(), []byte(b.String()), atomicfile.Options{}); err != nil {
		return fmt.Errorf("publish: write manifest: %w", err)
	}
	return nil
}

// Files lists the outputs the last commit left in place.
func (p *Publisher) Files() ([]string, error) {
	m, err := p.readManifest()
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
