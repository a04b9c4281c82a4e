// Package sitetest holds helpers for tests that build whole sites: a txtar
// archive becomes a site folder, its config is loaded, and outputs are
// compared with golden files under testdata/.
//
// It defines the -update flag, which is therefore registered in every test
// binary that imports this package: a test package that imports sitetest
// must not define its own flag of that name.
package sitetest

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"inkstone/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/ instead of comparing with them")

// Site writes the files of a txtar archive into a new temporary folder and
// returns that folder, the site root. File names are slash paths relative
// to the root; a name that would leave it fails the test.
func Site(t testing.TB, archive string) (root string) {
	t.Helper()
	root = t.TempDir()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		name := strings.TrimSpace(f.Name)
		if name == "" || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") {
			t.Fatalf("sitetest: archive file name %q is not a clean relative path", f.Name)
		}
		full := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// Config loads the site's configuration as `inkstone build` would, without
// an environment, failing the test on error.
func Config(t testing.TB, root string) *config.Site {
	t.Helper()
	cfg, err := config.Load(root, "", nil)
	if err != nil {
		t.Fatalf("sitetest: load config: %v", err)
	}
	return cfg
}

// Clock returns a clock stopped at the RFC 3339 time s.
func Clock(s string) func() time.Time {
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(fmt.Sprintf("sitetest: clock %q: %v", s, err))
	}
	return func() time.Time { return at }
}

// Golden compares got with the file testdata/name of the package under
// test. With -update it writes got there instead (review the diff!).
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended):\n%s",
			file, FirstDiff(got, want))
	}
}

// FirstDiff describes the first line where got and want differ, with a
// little context.
func FirstDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	lines := func(ls []string) string {
		lo, hi := max(i-2, 0), min(i+3, len(ls))
		var b strings.Builder
		for n := lo; n < hi; n++ {
			mark := "  "
			if n == i {
				mark = "> "
			}
			fmt.Fprintf(&b, "%s%4d| %s\n", mark, n+1, ls[n])
		}
		return b.String()
	}
	return fmt.Sprintf("first difference at line %d (got %d lines, want %d)\ngot:\n%swant:\n%s",
		i+1, len(g), len(w), lines(g), lines(w))
}

// File is one regular file found by Tree.
type File struct {
	Data    []byte
	ModTime time.Time
	Info    fs.FileInfo // for os.SameFile
}

// Tree reads every regular file under dir, keyed by slash path relative
// to dir. A missing dir gives an empty map.
func Tree(t testing.TB, dir string) map[string]File {
	t.Helper()
	files := map[string]File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = File{Data: data, ModTime: info.ModTime(), Info: info}
		return nil
	})
	if err != nil {
		t.Fatalf("sitetest: read %s: %v", dir, err)
	}
	return files
}

// Dirs lists every folder under dir (dir itself excluded), as slash paths
// relative to dir.
func Dirs(t testing.TB, dir string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("sitetest: list %s: %v", dir, err)
	}
	return dirs
}
