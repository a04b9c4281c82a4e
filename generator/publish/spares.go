package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// spares is a folder of files that replaced or removed outputs left
// behind, reused as the temp files of later writes. With it, a build that
// replaces files frees and allocates no inodes: on a file system that
// looks for a long time for an inode to reuse after many were freed (ext4
// without a journal skips every recently freed one), a daemon replacing
// dozens of files a post would otherwise slow down with every post.
//
// A replaced output is swapped with its staged file in one atomic rename
// (RENAME_EXCHANGE), so readers see the old file or the new one; the old
// one then waits here, untouched for spareAge, so that a reader still
// holding it open reads it whole, before its inode is written again.
type spares struct {
	dir string

	mu    sync.Mutex
	files []spare // oldest first
	seq   uint64
	off   bool // folder unusable, or no atomic exchange: plain writes
}

type spare struct {
	path  string
	since time.Time
}

const (
	spareAge  = 30 * time.Second
	maxSpares = 1 << 14
)

// openSpares makes the folder of spares for the output folder out, in
// stateDir; it is emptied first (spares of an earlier run are removed).
// Spares must be on out's file system: when they are not, or the system
// cannot exchange two files, it returns nil.
func openSpares(stateDir, out, name string) *spares {
	dir := filepath.Join(stateDir, "build", "spare-"+name)
	if err := os.RemoveAll(dir); err != nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	// Probe: a file made here must move into out and be exchanged there.
	probe := filepath.Join(dir, "probe")
	target := filepath.Join(out, ".inkstone-spare-probe")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		return nil
	}
	defer os.Remove(probe)
	defer os.Remove(target)
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		return nil
	}
	if err := exchange(probe, target); err != nil {
		return nil
	}
	return &spares{dir: dir}
}

// take returns a spare old enough to write again, if there is one.
func (s *spares) take(now time.Time) (string, bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.off || len(s.files) == 0 || now.Sub(s.files[0].since) < spareAge {
		return "", false
	}
	f := s.files[0]
	s.files = s.files[1:]
	return f.path, true
}

// name is a new path in the folder.
func (s *spares) name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return filepath.Join(s.dir, strconv.FormatUint(s.seq, 36))
}

// give adds the file at path, which must be in the folder, as a spare;
// beyond maxSpares the oldest is removed.
func (s *spares) give(path string, now time.Time) {
	s.mu.Lock()
	s.files = append(s.files, spare{path: path, since: now})
	var drop []string
	for len(s.files) > maxSpares {
		drop = append(drop, s.files[0].path)
		s.files = s.files[1:]
	}
	s.mu.Unlock()
	for _, p := range drop {
		os.Remove(p)
	}
}

// usable reports whether spares are in use.
func (s *spares) usable() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.off
}

// disable stops using spares, after an exchange failed for a reason
// other than a missing target.
func (s *spares) disable() {
	s.mu.Lock()
	s.off = true
	s.mu.Unlock()
}

// retire moves the file at path into the folder as a spare instead of
// removing it; it falls back to removing it.
func (s *spares) retire(path string) error {
	if s.usable() {
		to := s.name()
		if err := rename(path, to); err == nil {
			s.give(to, time.Now())
			return nil
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// inside reports whether path is one of the folder's files.
func (s *spares) inside(path string) bool {
	return s != nil && filepath.Dir(path) == s.dir
}
