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
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

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
	mu      sync.Mutex
	staged  map[string]string // output path -> temp file
	kept    map[string]bool   // outputs already holding the right bytes
	removed map[string]bool   // outputs to delete (incremental builds)
	dirs    sync.Map          // folders known to exist
	done    bool
}

// Begin starts a transaction.
func (p *Publisher) Begin() *Tx {
	return &Tx{p: p, staged: map[string]string{}, kept: map[string]bool{}, removed: map[string]bool{}}
}

// Put stages data for rel, a slash path relative to the output folder.
func (tx *Tx) Put(rel string, data []byte) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	full := filepath.Join(tx.p.Dir, filepath.FromSlash(rel))
	if atomicfile.Equal(full, data) {
		tx.mu.Lock()
		tx.kept[rel] = true
		tx.mu.Unlock()
		return nil
	}
	dir := filepath.Dir(full)
	if _, ok := tx.dirs.Load(dir); !ok {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("publish: create %s: %w", dir, err)
		}
		tx.dirs.Store(dir, true)
	}
	f, err := os.CreateTemp(dir, atomicfile.TempPrefix+"*")
	if err != nil {
		return fmt.Errorf("publish %s: %w", rel, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("publish %s: %w", rel, werr)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if old, ok := tx.staged[rel]; ok {
		os.Remove(old)
	}
	tx.staged[rel] = f.Name()
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
	for _, tmp := range tx.staged {
		os.Remove(tmp)
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
	prev, err := tx.p.readManifest()
	if err != nil {
		tx.abortLocked()
		return Stats{}, err
	}
	// Record every name this commit may create before creating it, so that
	// after a crash the next build still knows which files are its own.
	union := map[string]bool{}
	for k := range prev {
		union[k] = true
	}
	for k := range tx.staged {
		union[k] = true
	}
	if err := tx.p.writeManifest(union); err != nil {
		tx.abortLocked()
		return Stats{}, err
	}

	// Flush the temp files' bytes in one go before they become visible, so
	// that a power cut cannot leave a renamed but empty file.
	syncFS(tx.p.Dir)

	names := make([]string, 0, len(tx.staged))
	for rel := range tx.staged {
		names = append(names, rel)
	}
	sort.Strings(names)
	var st Stats
	for _, rel := range names {
		full := filepath.Join(tx.p.Dir, filepath.FromSlash(rel))
		if err := os.Rename(tx.staged[rel], full); err != nil {
			tx.abortLocked()
			return st, fmt.Errorf("publish %s: %w", rel, err)
		}
		delete(tx.staged, rel)
		st.Written++
	}
	st.Unchanged = len(tx.kept)

	final := map[string]bool{}
	for k := range prev {
		final[k] = true
	}
	for _, rel := range names {
		final[rel] = true
	}
	for rel := range tx.kept {
		final[rel] = true
	}
	var stale []string
	if full {
		for rel := range prev {
			if !tx.kept[rel] && !contains(names, rel) {
				stale = append(stale, rel)
			}
		}
	}
	for rel := range tx.removed {
		if !tx.kept[rel] && !contains(names, rel) {
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
	if err := tx.p.writeManifest(final); err != nil {
		return st, err
	}
	return st, nil
}

func (tx *Tx) abortLocked() {
	for _, tmp := range tx.staged {
		os.Remove(tmp)
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
	if rel == "" || path.Clean("/"+rel)[1:] != rel || strings.HasPrefix(rel, "../") {
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

func (p *Publisher) readManifest() (map[string]bool, error) {
	f, err := os.Open(p.manifestPath())
	if os.IsNotExist(err) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("publish: read manifest: %w", err)
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && checkRel(line) == nil {
			m[line] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("publish: read manifest: %w", err)
	}
	return m, nil
}

func (p *Publisher) writeManifest(m map[string]bool) error {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
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
