// Package watch turns file system events under a site's folders into
// debounced batches of changes, so a burst (an editor saving by rename, a
// git pull) becomes one rebuild.
package watch

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fsnotify/fsnotify"

	"inkstone/generator/content"
)

// Op says what happened to a path.
type Op int

// The kinds of change.
const (
	Write  Op = iota // created or modified
	Remove           // removed or renamed away
)

// Change is one changed path, absolute.
type Change struct {
	Path string
	Op   Op
}

// Watcher watches folders and files recursively.
type Watcher struct {
	// Quiet is how long no event must arrive before a batch is sent.
	Quiet time.Duration
	// Max bounds how long a batch may be held while events keep coming.
	Max time.Duration
	Log *slog.Logger

	fsw *fsnotify.Watcher
}

// New watches each root: folders recursively, files by their folder.
// Roots that do not exist are skipped.
func New(log *slog.Logger, roots ...string) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{Quiet: 50 * time.Millisecond, Max: time.Second, Log: log, fsw: fsw}
	for _, r := range roots {
		st, err := os.Stat(r)
		if err != nil {
			continue
		}
		if st.IsDir() {
			err = w.addTree(r)
		} else {
			err = fsw.Add(filepath.Dir(r))
		}
		if err != nil {
			fsw.Close()
			return nil, err
		}
	}
	return w, nil
}

// addTree watches dir and every folder below it.
func (w *Watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && content.Ignored(d.Name()) {
			return filepath.SkipDir
		}
		if err := w.fsw.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}

// Close stops watching.
func (w *Watcher) Close() error { return w.fsw.Close() }

// Run sends batches of changes until ctx is done. Within a batch each path
// appears once, with its last operation.
func (w *Watcher) Run(ctx context.Context, batches chan<- []Change) {
	pending := map[string]Op{}
	var quiet, max <-chan time.Time
	var first time.Time
	flush := func() {
		if len(pending) == 0 {
			return
		}
		batch := make([]Change, 0, len(pending))
		for p, op := range pending {
			batch = append(batch, Change{Path: p, Op: op})
		}
		sort.Slice(batch, func(i, j int) bool { return batch[i].Path < batch[j].Path })
		pending = map[string]Op{}
		quiet, max = nil, nil
		select {
		case batches <- batch:
		case <-ctx.Done():
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.Log.Warn("watch error", "err", err)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if !w.accept(ev) {
				continue
			}
			op := Write
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				op = Remove
			} else if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					// A new folder may already hold files (a git checkout):
					// watch it and report what is in it.
					if err := w.addTree(ev.Name); err != nil {
						w.Log.Warn("watch new folder", "path", ev.Name, "err", err)
					}
					w.addFiles(ev.Name, pending)
				}
			}
			pending[ev.Name] = op
			if first.IsZero() || max == nil {
				first = time.Now()
				max = time.After(w.Max)
			}
			quiet = time.After(w.Quiet)
		case <-quiet:
			flush()
		case <-max:
			flush()
		}
	}
}

func (w *Watcher) addFiles(dir string, pending map[string]Op) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !content.Ignored(d.Name()) {
			pending[p] = Write
		}
		return nil
	})
}

// accept drops events nobody needs: chmod only, hidden, editor and temp files.
func (w *Watcher) accept(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if content.Ignored(base) || base == "4913" {
		// vim probes a folder by creating the file "4913".
		return false
	}
	return true
}
