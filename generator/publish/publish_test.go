package publish_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/generator/publish"
	"inkstone/internal/atomicfile"
	"inkstone/internal/sitetest"
)

// old is the modification time tests give files, so that a rewrite shows
// however coarse the file system's clock.
var old = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

func newPublisher(t *testing.T) *publish.Publisher {
	t.Helper()
	root := t.TempDir()
	return &publish.Publisher{Dir: filepath.Join(root, "public"), StateDir: filepath.Join(root, ".inkstone")}
}

// commit stages files (path → bytes) in one transaction and commits it.
func commit(t *testing.T, p *publish.Publisher, full bool, files map[string]string) publish.Stats {
	t.Helper()
	tx := p.Begin()
	for rel, data := range files {
		if err := tx.Put(rel, []byte(data)); err != nil {
			t.Fatalf("put %s: %v", rel, err)
		}
	}
	st, err := tx.Commit(full)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return st
}

// age sets every file under dir to the old modification time.
func age(t *testing.T, dir string) {
	t.Helper()
	for rel := range sitetest.Tree(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(rel)), old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// contents maps every file under dir to its bytes.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for rel, f := range sitetest.Tree(t, dir) {
		out[rel] = string(f.Data)
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	for rel := range sitetest.Tree(t, dir) {
		if atomicfile.IsTemp(filepath.Base(rel)) {
			t.Errorf("temp file left behind: %s", rel)
		}
	}
}

// manifestLines returns the path of p's manifest file, the one file its
// state folder holds for it, and the file's lines.
func manifestLines(t *testing.T, p *publish.Publisher) (string, []string) {
	t.Helper()
	manifest, err := filepath.Glob(filepath.Join(p.StateDir, "build", "manifest-*.txt"))
	if err != nil || len(manifest) != 1 {
		t.Fatalf("manifest files %q, %v", manifest, err)
	}
	data, err := os.ReadFile(manifest[0])
	if err != nil {
		t.Fatal(err)
	}
	return manifest[0], strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func files(t *testing.T, p *publish.Publisher) []string {
	t.Helper()
	fs, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestCommitWritesFiles(t *testing.T) {
	p := newPublisher(t)
	want := map[string]string{
		"index.html":               "<p>home</p>",
		"2024/05/hello/index.html": "<p>hello</p>",
		"feed.xml":                 "<rss/>",
	}
	tx := p.Begin()
	for rel, data := range want {
		if err := tx.Put(rel, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing is visible before Commit.
	for rel := range contents(t, p.Dir) {
		if !atomicfile.IsTemp(filepath.Base(rel)) {
			t.Errorf("%s is visible before Commit", rel)
		}
	}
	st, err := tx.Commit(true)
	if err != nil {
		t.Fatal(err)
	}
	if st != (publish.Stats{Written: 3}) {
		t.Errorf("stats %+v, want 3 written", st)
	}
	if got := contents(t, p.Dir); !equalMaps(got, want) {
		t.Errorf("public/ holds %q, want %q", got, want)
	}
	if got, want := files(t, p), []string{"2024/05/hello/index.html", "feed.xml", "index.html"}; !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
	for rel := range want {
		st, err := os.Stat(filepath.Join(p.Dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", rel, st.Mode().Perm())
		}
	}
	noTemps(t, p.Dir)
	if _, err := tx.Commit(true); err == nil {
		t.Error("a second Commit of the same Tx succeeded")
	}
}

// TestOldBytesUntilCommit: readers see the old file until Commit, then
// the new one; never a mix.
func TestOldBytesUntilCommit(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"index.html": "old"})
	tx := p.Begin()
	if err := tx.Put("index.html", []byte("new and longer")); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, p.Dir)["index.html"]; got != "old" {
		t.Errorf("before Commit, index.html = %q, want old", got)
	}
	if _, err := tx.Commit(true); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, p.Dir)["index.html"]; got != "new and longer" {
		t.Errorf("after Commit, index.html = %q", got)
	}
}

func TestEqualBytesUnchanged(t *testing.T) {
	p := newPublisher(t)
	site := map[string]string{"index.html": "home", "a/index.html": "a", "b/index.html": "b"}
	commit(t, p, true, site)
	age(t, p.Dir)
	before := sitetest.Tree(t, p.Dir)

	st := commit(t, p, true, map[string]string{"index.html": "home", "a/index.html": "a", "b/index.html": "B!"})
	if st != (publish.Stats{Written: 1, Unchanged: 2}) {
		t.Errorf("stats %+v, want 1 written, 2 unchanged", st)
	}
	after := sitetest.Tree(t, p.Dir)
	for _, rel := range []string{"index.html", "a/index.html"} {
		b, a := before[rel], after[rel]
		if !a.ModTime.Equal(old) || !os.SameFile(a.Info, b.Info) {
			t.Errorf("%s was rewritten with the same bytes", rel)
		}
	}
	if a := after["b/index.html"]; a.ModTime.Equal(old) || string(a.Data) != "B!" {
		t.Errorf("b/index.html was not rewritten: %q, %v", a.Data, a.ModTime)
	}
	noTemps(t, p.Dir)
}

func TestAbort(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"index.html": "home", "a/index.html": "a"})
	age(t, p.Dir)
	before := sitetest.Tree(t, p.Dir)
	manifest := files(t, p)

	tx := p.Begin()
	for rel, data := range map[string]string{"index.html": "changed", "a/index.html": "a", "new.html": "new"} {
		if err := tx.Put(rel, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	tx.Remove("a/index.html")
	tx.Abort()
	tx.Abort() // a second Abort is harmless

	after := sitetest.Tree(t, p.Dir)
	if len(after) != len(before) {
		t.Errorf("public/ went from %d to %d files", len(before), len(after))
	}
	for rel, b := range before {
		a, ok := after[rel]
		if !ok || string(a.Data) != string(b.Data) || !a.ModTime.Equal(old) || !os.SameFile(a.Info, b.Info) {
			t.Errorf("%s changed", rel)
		}
	}
	noTemps(t, p.Dir)
	if got := files(t, p); !slices.Equal(got, manifest) {
		t.Errorf("Files() = %q after Abort, want %q", got, manifest)
	}
	if _, err := tx.Commit(true); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	noTemps(t, p.Dir)
}

// TestPutAfterFinish: a Put into a finished transaction must not stage a
// temp file that nothing will ever rename or remove.
func TestPutAfterFinish(t *testing.T) {
	for _, finish := range []string{"abort", "commit"} {
		t.Run(finish, func(t *testing.T) {
			p := newPublisher(t)
			tx := p.Begin()
			if err := tx.Put("index.html", []byte("home")); err != nil {
				t.Fatal(err)
			}
			if finish == "abort" {
				tx.Abort()
			} else if _, err := tx.Commit(true); err != nil {
				t.Fatal(err)
			}
			err := tx.Put("late.html", []byte("late"))
			if err == nil {
				t.Error("Put into a finished Tx succeeded")
			}
			noTemps(t, p.Dir)
		})
	}
}

func TestFullCommitRemovesStale(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{
		"index.html":               "home",
		"2024/05/hello/index.html": "hello",
		"2024/06/bye/index.html":   "bye",
		"tags/go/index.html":       "go",
	})
	// Files nobody built: in the root, and beside a stale output.
	user := map[string]string{"keybase.txt": "mine", "2024/06/bye/notes.txt": "mine too"}
	for rel, data := range user {
		if err := os.WriteFile(filepath.Join(p.Dir, filepath.FromSlash(rel)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	st := commit(t, p, true, map[string]string{"index.html": "home", "tags/go/index.html": "go"})
	if st != (publish.Stats{Unchanged: 2, Removed: 2}) {
		t.Errorf("stats %+v, want 2 unchanged, 2 removed", st)
	}
	want := map[string]string{"index.html": "home", "tags/go/index.html": "go"}
	for rel, data := range user {
		want[rel] = data
	}
	if got := contents(t, p.Dir); !equalMaps(got, want) {
		t.Errorf("public/ holds %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "2024", "05")); !os.IsNotExist(err) {
		t.Errorf("the stale output's empty folders are still there (%v)", err)
	}
	if got, want := files(t, p), []string{"index.html", "tags/go/index.html"}; !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}

	// An empty full build removes every output, and only those.
	commit(t, p, true, nil)
	if got := contents(t, p.Dir); !equalMaps(got, user) {
		t.Errorf("after an empty full commit public/ holds %q, want only %q", got, user)
	}
}

func TestPartialCommitKeepsOthers(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"a.html": "a", "b.html": "b"})
	st := commit(t, p, false, map[string]string{"a.html": "A", "c.html": "c"})
	if st != (publish.Stats{Written: 2}) {
		t.Errorf("stats %+v, want 2 written", st)
	}
	want := map[string]string{"a.html": "A", "b.html": "b", "c.html": "c"}
	if got := contents(t, p.Dir); !equalMaps(got, want) {
		t.Errorf("public/ holds %q, want %q", got, want)
	}
	if got, want := files(t, p), []string{"a.html", "b.html", "c.html"}; !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
	// A later full commit still knows b.html and c.html are its own.
	commit(t, p, true, map[string]string{"a.html": "A"})
	if got := contents(t, p.Dir); !equalMaps(got, map[string]string{"a.html": "A"}) {
		t.Errorf("public/ holds %q, want only a.html", got)
	}
}

func TestRemove(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"index.html": "home", "2024/05/hello/index.html": "hello", "x.html": "x"})

	tx := p.Begin()
	if err := tx.Put("index.html", []byte("home, without hello")); err != nil {
		t.Fatal(err)
	}
	tx.Remove("2024/05/hello/index.html")
	tx.Remove("x.html")
	if err := tx.Put("x.html", []byte("x again")); err != nil { // Put wins over Remove
		t.Fatal(err)
	}
	tx.Remove("never-written.html") // nothing to remove: no error
	st, err := tx.Commit(false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 2 || st.Removed < 1 {
		t.Errorf("stats %+v, want 2 written, 1 removed", st)
	}
	want := map[string]string{"index.html": "home, without hello", "x.html": "x again"}
	if got := contents(t, p.Dir); !equalMaps(got, want) {
		t.Errorf("public/ holds %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "2024")); !os.IsNotExist(err) {
		t.Errorf("the removed output's empty folders are still there (%v)", err)
	}
	if got, want := files(t, p), []string{"index.html", "x.html"}; !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
}

// TestRemoveStaysInside: Remove never deletes anything outside the output
// folder, whatever path it is given.
func TestRemoveStaysInside(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"index.html": "home"})
	outside := filepath.Join(filepath.Dir(p.Dir), "outside.txt")
	if err := os.WriteFile(outside, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	tx := p.Begin()
	tx.Remove("../outside.txt")
	if _, err := tx.Commit(false); err != nil {
		t.Logf("commit: %v (an error is fine; deleting the file is not)", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("Remove(\"../outside.txt\") deleted a file outside the output folder: %v", err)
	}
}

func TestPutRejectsBadPaths(t *testing.T) {
	p := newPublisher(t)
	tx := p.Begin()
	defer tx.Abort()
	for _, rel := range []string{"", "/etc/passwd", "../x.html", "a/../../x.html", "a//b.html", "./a.html", "a/"} {
		if err := tx.Put(rel, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", rel)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p.Dir), "x.html")); err == nil {
		t.Error("a file was written outside the output folder")
	}
}

// TestManifestPerOutputFolder: two output folders sharing a state folder
// (build --out elsewhere) keep separate lists of their files.
func TestManifestPerOutputFolder(t *testing.T) {
	p := newPublisher(t)
	other := &publish.Publisher{Dir: filepath.Join(filepath.Dir(p.Dir), "preview"), StateDir: p.StateDir}
	commit(t, p, true, map[string]string{"index.html": "public"})
	commit(t, other, true, map[string]string{"draft.html": "preview"})
	commit(t, p, true, map[string]string{"index.html": "public"})
	if got := contents(t, other.Dir); !equalMaps(got, map[string]string{"draft.html": "preview"}) {
		t.Errorf("preview/ holds %q after a commit into public/", got)
	}
	if got := contents(t, p.Dir); !equalMaps(got, map[string]string{"index.html": "public"}) {
		t.Errorf("public/ holds %q", got)
	}
}

func TestConcurrentPut(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"same/0.html": "page 0"}) // one file already right
	const n = 200
	tx := p.Begin()
	var wg sync.WaitGroup
	errs := make(chan error, n+10)
	for i := range n {
		wg.Go(func() {
			rel := fmt.Sprintf("%s/%d.html", []string{"same", "a/b", "c"}[i%3], i)
			if i%3 == 0 {
				rel = fmt.Sprintf("same/%d.html", i)
			}
			if err := tx.Put(rel, []byte(fmt.Sprintf("page %d", i))); err != nil {
				errs <- err
			}
		})
	}
	// Several goroutines staging the same path: one of the values wins.
	for range 10 {
		wg.Go(func() {
			if err := tx.Put("shared.html", []byte("shared")); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := tx.Commit(true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Written+st.Unchanged != n+1 || st.Unchanged != 1 {
		t.Errorf("stats %+v, want %d files, 1 unchanged", st, n+1)
	}
	got := contents(t, p.Dir)
	if len(got) != n+1 || got["shared.html"] != "shared" {
		t.Errorf("public/ holds %d files (shared.html %q), want %d", len(got), got["shared.html"], n+1)
	}
	for rel, data := range got {
		if rel != "shared.html" && !strings.HasSuffix(rel, "/"+strings.TrimPrefix(data, "page ")+".html") {
			t.Errorf("%s holds %q", rel, data)
		}
	}
	noTemps(t, p.Dir)
}

// TestRepairsChangedOutput: an output whose bytes on disk no longer match
// what the build produces (edited by hand, or damaged) is rewritten, even
// when its size is unchanged.
func TestRepairsChangedOutput(t *testing.T) {
	for _, tamper := range []string{"HELLO", "hello, longer"} {
		t.Run(tamper, func(t *testing.T) {
			p := newPublisher(t)
			commit(t, p, true, map[string]string{"index.html": "hello"})
			full := filepath.Join(p.Dir, "index.html")
			if err := os.WriteFile(full, []byte(tamper), 0o644); err != nil {
				t.Fatal(err)
			}
			st := commit(t, p, true, map[string]string{"index.html": "hello"})
			if got, err := os.ReadFile(full); err != nil || string(got) != "hello" {
				t.Errorf("index.html = %q, %v after a build; want it restored to %q", got, err, "hello")
			}
			if st.Written != 1 {
				t.Errorf("stats %+v, want 1 written", st)
			}
		})
	}
}

// TestLeftoverTempFile: a temp file left by a crashed process must not
// make later builds fail. In a container the daemon is often PID 1 again
// after a restart, so the leftover can carry this very process's PID.
func TestLeftoverTempFile(t *testing.T) {
	p := newPublisher(t)
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("%s%d-%d", atomicfile.TempPrefix, os.Getpid(), i+1)
		if err := os.WriteFile(filepath.Join(p.Dir, name), []byte("half a page"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tx := p.Begin()
	for _, rel := range []string{"index.html", "about.html", "404.html"} {
		if err := tx.Put(rel, []byte(rel)); err != nil {
			t.Errorf("Put(%s) with a leftover temp file in public/: %v", rel, err)
		}
	}
	if _, err := tx.Commit(true); err != nil {
		t.Fatal(err)
	}
}

// TestManifestLog commits many small changes through one Publisher, which
// appends to its manifest, and checks that a new Publisher reading the
// file from scratch sees the same outputs, and that a line cut short by a
// crash is ignored.
func TestManifestLog(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"a.html": "a", "b.html": "b", "c/index.html": "c"})
	for i := 0; i < 50; i++ {
		tx := p.Begin()
		if err := tx.Put(fmt.Sprintf("n%d.html", i%7), []byte(fmt.Sprint("v", i))); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			tx.Remove("b.html")
		}
		if _, err := tx.Commit(false); err != nil {
			t.Fatal(err)
		}
	}
	want := files(t, p)
	fresh := &publish.Publisher{Dir: p.Dir, StateDir: p.StateDir}
	if got := files(t, fresh); !slices.Equal(got, want) {
		t.Fatalf("a new Publisher reads %q, want %q", got, want)
	}
	if slices.Contains(want, "b.html") || !slices.Contains(want, "n6.html") || len(want) != 9 {
		t.Errorf("outputs %q: want a.html, c/index.html and n0..n6.html", want)
	}
	manifest, _ := manifestLines(t, p)
	f, err := os.OpenFile(manifest, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("n0.html\t-") // no newline: a crash mid-append
	f.Close()
	fresh = &publish.Publisher{Dir: p.Dir, StateDir: p.StateDir}
	if got := files(t, fresh); !slices.Equal(got, want) {
		t.Errorf("with a torn last line: %q, want %q", got, want)
	}
}

// TestReplacedFilesBecomeSpares checks that a replaced or removed output
// is kept, whole, among the spares instead of being freed: a reader that
// opened it before the swap reads it to the end.
func TestReplacedFilesBecomeSpares(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"a.html": "old a", "b.html": "old b"})
	held, err := os.Open(filepath.Join(p.Dir, "a.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	tx := p.Begin()
	if err := tx.Put("a.html", []byte("new a")); err != nil {
		t.Fatal(err)
	}
	tx.Remove("b.html")
	if _, err := tx.Commit(false); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, p.Dir); !equalMaps(got, map[string]string{"a.html": "new a"}) {
		t.Errorf("public/ = %v", got)
	}
	old, err := io.ReadAll(held)
	if err != nil || string(old) != "old a" {
		t.Errorf("a reader of the replaced file read %q, %v", old, err)
	}
	spares, err := filepath.Glob(filepath.Join(p.StateDir, "build", "spare-*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, f := range spares {
		data, _ := os.ReadFile(f)
		kept = append(kept, string(data))
	}
	slices.Sort(kept)
	if !slices.Equal(kept, []string{"old a", "old b"}) {
		t.Errorf("spares hold %q, want the replaced and the removed file", kept)
	}
	noTemps(t, p.Dir)
}

// TestManifestCacheAcrossAborts: a commit changes the cached manifest in
// place; aborted and no-op transactions must still leave the Publisher
// agreeing with the file.
func TestManifestCacheAcrossAborts(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"a.html": "a"})
	agree := func(want ...string) {
		t.Helper()
		fresh := &publish.Publisher{Dir: p.Dir, StateDir: p.StateDir}
		if got, disk := files(t, p), files(t, fresh); !slices.Equal(got, want) || !slices.Equal(disk, want) {
			t.Fatalf("publisher says %q, file says %q; want %q", got, disk, want)
		}
	}
	aborted := p.Begin()
	if err := aborted.Put("b.html", []byte("b")); err != nil {
		t.Fatal(err)
	}
	aborted.Abort()
	agree("a.html")

	noop := p.Begin()
	if _, err := noop.Commit(false); err != nil {
		t.Fatal(err)
	}
	commit(t, p, false, map[string]string{"c.html": "c"})
	agree("a.html", "c.html")

	commit(t, p, false, map[string]string{"f.html": "f"})
	agree("a.html", "c.html", "f.html")
}

// TestOlderManifestSums: a manifest whose lines carry an older version's
// 32-digit hashes is not trusted blindly. Each file is compared byte by
// byte once: one changed behind the build's back is repaired, and the
// others are left alone.
func TestOlderManifestSums(t *testing.T) {
	p := newPublisher(t)
	commit(t, p, true, map[string]string{"a.html": "aaa", "b/index.html": "bbb"})
	manifest, lines := manifestLines(t, p)
	var older []string
	for _, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 4 || len(f[1]) != 16 {
			t.Fatalf("manifest line %q: want path, 16-digit hash, size, time", line)
		}
		f[1] = strings.Repeat("0123456789abcdef", 2)
		older = append(older, strings.Join(f, "\t"))
	}
	if err := os.WriteFile(manifest, []byte(strings.Join(older, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Same size, same time: only the bytes tell.
	full := filepath.Join(p.Dir, "a.html")
	st, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("AAA"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(full, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	fresh := &publish.Publisher{Dir: p.Dir, StateDir: p.StateDir}
	stats := commit(t, fresh, true, map[string]string{"a.html": "aaa", "b/index.html": "bbb"})
	if stats.Written != 1 || stats.Unchanged != 1 {
		t.Errorf("stats %+v, want a.html written and b/index.html unchanged", stats)
	}
	if got := contents(t, p.Dir); !equalMaps(got, map[string]string{"a.html": "aaa", "b/index.html": "bbb"}) {
		t.Errorf("output %q after the build", got)
	}
}

// TestFirstCommitRecordsTimesOnce: the first commit into a folder that
// does not exist yet writes the outputs in a stage folder renamed into
// place, which keeps their times, so its manifest line for each output
// already has the file's time, and is written once.
func TestFirstCommitRecordsTimesOnce(t *testing.T) {
	p := newPublisher(t)
	want := map[string]string{"index.html": "home", "a/index.html": "a", "a/b/c.txt": "c"}
	commit(t, p, true, want)
	_, lines := manifestLines(t, p)
	if len(lines) != len(want) {
		t.Fatalf("manifest has %d lines, want one per output:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("manifest line %q", line)
		}
		st, err := os.Stat(filepath.Join(p.Dir, filepath.FromSlash(f[0])))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(st.ModTime().UnixNano()); f[3] != got {
			t.Errorf("%s: manifest time %s, file time %s", f[0], f[3], got)
		}
	}
	if got := contents(t, p.Dir); !equalMaps(got, want) {
		t.Errorf("output %q", got)
	}
}
