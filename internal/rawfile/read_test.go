package rawfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 4095, 4096, 4097, 1 << 20} {
		data := bytes.Repeat([]byte("inkstone "), size/9+1)[:size]
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Read(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("size %d: read %d bytes, %v", size, len(got), err)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := Read(dir); err == nil {
		t.Error("reading a folder did not fail")
	}
}

// TestReadSizeUnknown reads a file whose size the system does not tell
// ahead: the Linux /proc files say 0.
func TestReadSizeUnknown(t *testing.T) {
	want, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here")
	}
	got, err := Read("/proc/self/status")
	if err != nil || len(got) < 100 || !bytes.HasPrefix(got, want[:5]) {
		t.Errorf("read %q, %v", got, err)
	}
}
