package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// temps lists the temp files this package left anywhere under root.
func temps(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if IsTemp(d.Name()) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name     string
		rel      string // path under the temp dir
		old      []byte // existing content, nil for none
		data     []byte
		opt      Options
		wantPerm fs.FileMode
	}{
		{name: "new file", rel: "a.txt", data: []byte("hello"), wantPerm: 0o644},
		{name: "creates parents", rel: "a/b/c/d.txt", data: []byte("deep"), wantPerm: 0o644},
		{name: "replaces content", rel: "a.txt", old: []byte("old and longer content"), data: []byte("new"), wantPerm: 0o644},
		{name: "replaces with empty", rel: "a.txt", old: []byte("old"), data: []byte{}, wantPerm: 0o644},
		{name: "sync", rel: "posts/2024/05/x.md", data: []byte("---\n---\nbody"), opt: Options{Sync: true}, wantPerm: 0o644},
		{name: "perm 0600", rel: "secret", data: []byte("s"), opt: Options{Perm: 0o600}, wantPerm: 0o600},
		{name: "perm 0640 with sync", rel: "x/secret", data: []byte("s"), opt: Options{Perm: 0o640, Sync: true}, wantPerm: 0o640},
		{name: "perm 0755", rel: "run.sh", data: []byte("#!/bin/sh\n"), opt: Options{Perm: 0o755}, wantPerm: 0o755},
		{name: "perm replaces old mode", rel: "a.txt", old: []byte("old"), data: []byte("new"), opt: Options{Perm: 0o600}, wantPerm: 0o600},
		{name: "binary data", rel: "b.bin", data: []byte{0, 1, 2, 0xff, '\n', 0}, wantPerm: 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, filepath.FromSlash(tt.rel))
			if tt.old != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tt.old, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, tt.data, tt.opt); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content: got %q, want %q", got, tt.data)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != tt.wantPerm {
				t.Errorf("perm: got %v, want %v", got, tt.wantPerm)
			}
			if left := temps(t, dir); len(left) > 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}

func TestWriteFileFailureLeavesOldIntact(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (target string, check func(t *testing.T))
	}{
		{
			name: "parent is a file",
			setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
				parent := filepath.Join(dir, "notadir")
				mustWrite(t, parent, "i am a file")
				return filepath.Join(parent, "x.txt"), func(t *testing.T) {
					if got := mustRead(t, parent); got != "i am a file" {
						t.Errorf("parent file changed: got %q", got)
					}
				}
			},
		},
		{
			name: "grandparent is a file",
			setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
				parent := filepath.Join(dir, "f")
				mustWrite(t, parent, "data")
				return filepath.Join(parent, "a", "b", "x.txt"), func(t *testing.T) {
					if got := mustRead(t, parent); got != "data" {
						t.Errorf("file changed: got %q", got)
					}
				}
			},
		},
		{
			name: "target is a non-empty folder",
			setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
				target := filepath.Join(dir, "target")
				inner := filepath.Join(target, "keep.txt")
				mustWrite(t, inner, "kept")
				return target, func(t *testing.T) {
					if got := mustRead(t, inner); got != "kept" {
						t.Errorf("file in folder changed: got %q", got)
					}
				}
			},
		},
		{
			name: "read-only folder",
			setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
				if os.Geteuid() == 0 {
					t.Skip("root can write into read-only folders")
				}
				ro := filepath.Join(dir, "ro")
				target := filepath.Join(ro, "x.txt")
				mustWrite(t, target, "old")
				if err := os.Chmod(ro, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(ro, 0o755) })
				return target, func(t *testing.T) {
					if got := mustRead(t, target); got != "old" {
						t.Errorf("old file changed: got %q, want %q", got, "old")
					}
				}
			},
		},
	}
	for _, tt := range tests {
		for _, sync := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/sync=%v", tt.name, sync), func(t *testing.T) {
				dir := t.TempDir()
				target, check := tt.setup(t, dir)
				err := WriteFile(target, []byte("new"), Options{Sync: sync})
				if err == nil {
					t.Fatal("WriteFile succeeded, want an error")
				}
				if !strings.Contains(err.Error(), dir) {
					t.Errorf("error %q does not name the path", err)
				}
				check(t)
				if left := temps(t, dir); len(left) > 0 {
					t.Errorf("temp files left: %v", left)
				}
			})
		}
	}
}

// TestWriteFileConcurrent checks that readers never see a partial file
// while several writers replace it.
func TestWriteFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.txt")
	versions := make([][]byte, 8)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
	}
	if err := WriteFile(path, versions[0], Options{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := WriteFile(path, versions[i], Options{}); err != nil {
					t.Errorf("WriteFile: %v", err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	var readErr error
	go func() {
		defer close(done)
		for range 200 {
			got, err := os.ReadFile(path)
			if err != nil {
				readErr = err
				return
			}
			if len(got) != 64<<10 || !bytes.Equal(got, bytes.Repeat(got[:1], len(got))) {
				readErr = fmt.Errorf("read a mixed or partial file of %d bytes", len(got))
				return
			}
		}
	}()
	wg.Wait()
	<-done
	if readErr != nil {
		t.Error(readErr)
	}
	if left := temps(t, dir); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}

func TestEqual(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	mustWrite(t, file, "hello")
	empty := filepath.Join(dir, "empty.txt")
	mustWrite(t, empty, "")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		data []byte
		want bool
	}{
		{"same bytes", file, []byte("hello"), true},
		{"same length, other bytes", file, []byte("hellO"), false},
		{"shorter", file, []byte("hell"), false},
		{"longer", file, []byte("hello!"), false},
		{"empty file, empty data", empty, []byte{}, true},
		{"empty file, nil data", empty, nil, true},
		{"empty file, some data", empty, []byte("x"), false},
		{"missing file", filepath.Join(dir, "missing"), []byte("hello"), false},
		{"missing file, empty data", filepath.Join(dir, "missing"), nil, false},
		{"folder", sub, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.path, tt.data); got != tt.want {
				t.Errorf("Equal(%s, %q) = %v, want %v", tt.path, tt.data, got, tt.want)
			}
		})
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{TempPrefix + "123", true},
		{TempPrefix, true},
		{".inkstone-tmp-", true},
		{"inkstone-tmp-123", false},
		{"x" + TempPrefix, false},
		{"post.md", false},
		{"post.md.tmp", false},
		{".hidden", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsTemp(tt.name); got != tt.want {
			t.Errorf("IsTemp(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRemoveTemps(t *testing.T) {
	root := t.TempDir()
	ours := []string{
		TempPrefix + "1",
		"a/" + TempPrefix + "2",
		"a/b/c/" + TempPrefix + "3",
		".hidden/" + TempPrefix + "4",
	}
	others := []string{
		"keep.md",
		"a/keep.txt",
		"a/b/keep.tmp",
		"a/b/c/inkstone-tmp-5",
		"a/b/c/x" + TempPrefix,
		".hidden/keep",
		"a/.inkstone-tmp", // no trailing hyphen: not ours
	}
	for _, rel := range append(append([]string{}, ours...), others...) {
		mustWrite(t, filepath.Join(root, filepath.FromSlash(rel)), "x")
	}
	// A folder with the prefix is not a temp file and stays.
	tempLikeDir := filepath.Join(root, TempPrefix+"dir")
	if err := os.Mkdir(tempLikeDir, 0o755); err != nil {
		t.Fatal(err)
	}

	if err := RemoveTemps(root); err != nil {
		t.Fatalf("RemoveTemps: %v", err)
	}
	for _, rel := range ours {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel))); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: still there (stat error %v)", rel, err)
		}
	}
	for _, rel := range others {
		if got := mustRead(t, filepath.Join(root, filepath.FromSlash(rel))); got != "x" {
			t.Errorf("%s: got %q, want it untouched", rel, got)
		}
	}
	if st, err := os.Stat(tempLikeDir); err != nil || !st.IsDir() {
		t.Errorf("folder %s removed: %v", tempLikeDir, err)
	}

	var left []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			left = append(left, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(left)
	want := append([]string{}, others...)
	sort.Strings(want)
	if strings.Join(left, ",") != strings.Join(want, ",") {
		t.Errorf("files left:\ngot  %v\nwant %v", left, want)
	}
}

func TestRemoveTempsMissingRoot(t *testing.T) {
	if err := RemoveTemps(filepath.Join(t.TempDir(), "nope")); err != nil {
		t.Errorf("RemoveTemps on a missing folder: got %v, want nil", err)
	}
}

func TestRemoveTempsAfterWriteFile(t *testing.T) {
	// A temp file abandoned by a crash sits beside a good file.
	dir := t.TempDir()
	good := filepath.Join(dir, "posts", "a.md")
	if err := WriteFile(good, []byte("good"), Options{Sync: true}); err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(filepath.Dir(good), TempPrefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half a fi")
	f.Close()
	if err := RemoveTemps(dir); err != nil {
		t.Fatal(err)
	}
	if left := temps(t, dir); len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
	if got := mustRead(t, good); got != "good" {
		t.Errorf("good file: got %q, want %q", got, "good")
	}
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir(%s): %v", dir, err)
	}
	missing := filepath.Join(dir, "missing")
	err := SyncDir(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SyncDir(missing): got %v, want an error wrapping fs.ErrNotExist", err)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
