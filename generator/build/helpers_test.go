package build_test

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"inkstone/generator/build"
	"inkstone/internal/atomicfile"
	"inkstone/internal/config"
	"inkstone/internal/sitetest"
)

// baseURL is the fixture site's base_url.
const baseURL = "https://example.com/"

// now is the fixed clock of every build in these tests.
var now = sitetest.Clock("2025-06-01T12:00:00Z")

// testSite is a site written from testdata/site.txtar into a temp folder.
type testSite struct {
	t    *testing.T
	Root string
	Cfg  *config.Site
}

// newSite writes the fixture site; edits adds or replaces files (slash
// paths relative to the site root) before the config is loaded.
func newSite(t *testing.T, edits ...string) *testSite {
	t.Helper()
	archive, err := os.ReadFile(filepath.Join("testdata", "site.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	root := sitetest.Site(t, string(archive))
	s := &testSite{t: t, Root: root}
	for i := 0; i+1 < len(edits); i += 2 {
		s.Write(edits[i], edits[i+1])
	}
	s.Cfg = sitetest.Config(t, root)
	return s
}

func (s *testSite) builder() *build.Builder {
	return build.New(s.Cfg, slog.New(slog.DiscardHandler), now)
}

// Build runs a full build and fails the test on error.
func (s *testSite) Build(opt build.Options) build.Summary {
	s.t.Helper()
	sum, err := s.builder().Full(context.Background(), opt)
	if err != nil {
		s.t.Fatalf("build: %v", err)
	}
	return sum
}

// TryBuild runs a full build and returns its error.
func (s *testSite) TryBuild(opt build.Options) (build.Summary, error) {
	return s.builder().Full(context.Background(), opt)
}

// Public is the path of a file under public/.
func (s *testSite) Public(rel string) string {
	return filepath.Join(s.Cfg.PublicDir(), filepath.FromSlash(rel))
}

// Read returns a file under public/, failing the test when it is missing.
func (s *testSite) Read(rel string) []byte {
	s.t.Helper()
	data, err := os.ReadFile(s.Public(rel))
	if err != nil {
		s.t.Fatal(err)
	}
	return data
}

// Exists reports whether a file or folder exists under public/.
func (s *testSite) Exists(rel string) bool {
	_, err := os.Stat(s.Public(rel))
	return err == nil
}

// Write writes a file of the site (not of public/).
func (s *testSite) Write(rel, data string) {
	s.t.Helper()
	full := filepath.Join(s.Root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// Remove deletes a file of the site.
func (s *testSite) Remove(rel string) {
	s.t.Helper()
	if err := os.Remove(filepath.Join(s.Root, filepath.FromSlash(rel))); err != nil {
		s.t.Fatal(err)
	}
}

// Tree reads every file under public/.
func (s *testSite) Tree() map[string]sitetest.File {
	s.t.Helper()
	return sitetest.Tree(s.t, s.Cfg.PublicDir())
}

// Age sets the modification time of every file under public/ to a fixed
// time in the past, so that a rewrite shows however coarse the clock.
func (s *testSite) Age() time.Time {
	s.t.Helper()
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for rel := range s.Tree() {
		if err := os.Chtimes(s.Public(rel), old, old); err != nil {
			s.t.Fatal(err)
		}
	}
	return old
}

// HTMLFiles lists the .html files under public/, sorted.
func (s *testSite) HTMLFiles() []string {
	var out []string
	for rel := range s.Tree() {
		if strings.HasSuffix(rel, ".html") {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// noTemps fails the test if any temp file is left under dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if atomicfile.IsTemp(d.Name()) || strings.HasPrefix(d.Name(), ".inkstone-tmp-") {
			t.Errorf("temp file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sameTree fails the test unless after holds exactly the files of before,
// with the same bytes, the same modification times and the same inodes.
func sameTree(t *testing.T, before, after map[string]sitetest.File) {
	t.Helper()
	for rel, b := range before {
		a, ok := after[rel]
		switch {
		case !ok:
			t.Errorf("%s was removed", rel)
		case string(a.Data) != string(b.Data):
			t.Errorf("%s changed", rel)
		case !a.ModTime.Equal(b.ModTime) || !os.SameFile(a.Info, b.Info):
			t.Errorf("%s was rewritten (same bytes)", rel)
		}
	}
	for rel := range after {
		if _, ok := before[rel]; !ok {
			t.Errorf("%s was added", rel)
		}
	}
}
