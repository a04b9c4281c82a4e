package watch

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func start(t *testing.T, roots ...string) <-chan []Change {
	t.Helper()
	w, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), roots...)
	if err != nil {
		t.Fatal(err)
	}
	w.Quiet = 30 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	batches := make(chan []Change, 10)
	done := make(chan struct{})
	go func() { w.Run(ctx, batches); close(done) }()
	t.Cleanup(func() { cancel(); <-done; w.Close() })
	return batches
}

func next(t *testing.T, batches <-chan []Change) []Change {
	t.Helper()
	select {
	case b := <-batches:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no batch within 5s")
		return nil
	}
}

func has(batch []Change, path string, op Op) bool {
	for _, c := range batch {
		if c.Path == path && c.Op == op {
			return true
		}
	}
	return false
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBurstIsOneBatch(t *testing.T) {
	dir := t.TempDir()
	batches := start(t, dir)
	for i := 0; i < 20; i++ {
		write(t, filepath.Join(dir, "a.md"), "x")
		write(t, filepath.Join(dir, "b.md"), "y")
	}
	b := next(t, batches)
	if len(b) != 2 || !has(b, filepath.Join(dir, "a.md"), Write) || !has(b, filepath.Join(dir, "b.md"), Write) {
		t.Errorf("batch = %+v, want a.md and b.md once each", b)
	}
}

func TestEditorSaveByRename(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "note.md")
	write(t, target, "old")
	batches := start(t, dir)
	tmp := filepath.Join(dir, ".note.md.swp")
	write(t, tmp, "new")
	if err := os.Rename(tmp, target); err != nil {
		t.Fatal(err)
	}
	b := next(t, batches)
	if !has(b, target, Write) {
		t.Errorf("batch = %+v, want a write of %s", b, target)
	}
	for _, c := range b {
		if c.Path == tmp {
			t.Errorf("hidden swap file reported: %+v", c)
		}
	}
}

func TestNewFolderAndRemove(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.md")
	write(t, old, "x")
	batches := start(t, dir)
	// A checkout creates folders holding files at once.
	staging := t.TempDir()
	write(t, filepath.Join(staging, "2025", "01", "new.md"), "x")
	if err := os.Rename(filepath.Join(staging, "2025"), filepath.Join(dir, "2025")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	b := next(t, batches)
	if !has(b, filepath.Join(dir, "2025", "01", "new.md"), Write) {
		t.Errorf("batch = %+v, want the new file in the new folder", b)
	}
	if !has(b, old, Remove) {
		t.Errorf("batch = %+v, want old.md removed", b)
	}
	// Files in the new folder are watched from now on.
	write(t, filepath.Join(dir, "2025", "01", "later.md"), "x")
	b = next(t, batches)
	if !has(b, filepath.Join(dir, "2025", "01", "later.md"), Write) {
		t.Errorf("batch = %+v, want later.md", b)
	}
}

func TestWatchSingleFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "inkstone.toml")
	write(t, cfg, "title = 'a'")
	batches := start(t, cfg, filepath.Join(dir, "missing"))
	write(t, cfg, "title = 'b'")
	if b := next(t, batches); !has(b, cfg, Write) {
		t.Errorf("batch = %+v, want the config write", b)
	}
}
