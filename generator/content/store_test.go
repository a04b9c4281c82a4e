package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"inkstone/internal/atomicfile"
)

// writeTree writes files (slash paths relative to root) with their content.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, data := range files {
		full := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newStore(t *testing.T, files map[string]string) *Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, files)
	return &Store{Dir: dir}
}

func TestLoadAll(t *testing.T) {
	s := newStore(t, map[string]string{
		"about.md":                                       "---\ntitle: About\n---\nMe.\n",
		"now.md":                                         "What I do now.\n",
		"notes/sub/page.md":                              "---\ntitle: Nested page\n---\n",
		"posts/2024/05/hello.md":                         "---\ntitle: Hello\ndate: 2024-05-01T09:30:00Z\n---\nFirst.\n",
		"posts/2024/05/second.md":                        "---\ndate: 2024-05-02\ntags: [a]\n---\nSecond.\n",
		"posts/2024/05/hello.jpg":                        "JPEG",
		"posts/2023/12/old.md":                           "---\ndate: 2023-12-24\n---\nOld.\n",
		"media/2024/05/photo.jpg":                        "JPEG",
		"media/doc.pdf":                                  "PDF",
		".hidden.md":                                     "---\ntitle: hidden\n---\n",
		".git/config":                                    "[core]",
		".obsidian/workspace.md":                         "not content",
		"posts/.drafts/x.md":                             "---\ntitle: hidden folder\n---\n",
		"posts/2024/05/#hello.md#":                       "emacs autosave",
		"posts/2024/05/hello.md~":                        "backup",
		"posts/2024/05/.hello.md.swp":                    "vim swap",
		"posts/2024/05/hello.md.swx":                     "vim swap",
		"posts/2024/05/draft.tmp":                        "temp",
		"posts/2024/05/" + atomicfile.TempPrefix + "123": "---\ntitle: half\n",
	})
	snap, err := s.LoadAll(context.Background())
	if err != nil {
		t.Fatalf("LoadAll: %v", err)
	}
	type entry struct {
		Path  string
		Kind  Kind
		Title string
	}
	var got []entry
	for _, p := range snap.Posts {
		got = append(got, entry{p.Path, p.Kind, p.Title})
	}
	want := []entry{
		{"about.md", KindPage, "About"},
		{"notes/sub/page.md", KindPage, "Nested page"},
		{"now.md", KindPage, ""},
		{"posts/2023/12/old.md", KindPost, ""},
		{"posts/2024/05/hello.md", KindPost, "Hello"},
		{"posts/2024/05/second.md", KindPost, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Posts:\ngot  %v\nwant %v", got, want)
	}
	wantFiles := []string{"media/2024/05/photo.jpg", "media/doc.pdf", "posts/2024/05/hello.jpg"}
	if !reflect.DeepEqual(snap.Files, wantFiles) {
		t.Errorf("Files:\ngot  %v\nwant %v", snap.Files, wantFiles)
	}
	for _, p := range snap.Posts {
		if p.Path == "posts/2024/05/hello.md" {
			if p.Body != "First.\n" || p.BodyLine != 5 || !p.Date.Equal(utc(2024, 5, 1, 9, 30, 0)) {
				t.Errorf("hello.md read wrong: %#v", p)
			}
		}
	}
}

func TestLoadAllReportsBrokenFiles(t *testing.T) {
	s := newStore(t, map[string]string{
		"about.md":                "---\ntitle: About\n---\n",
		"posts/2024/05/good.md":   "---\ndate: 2024-05-01\n---\nGood.\n",
		"posts/2024/05/broken.md": "---\ntitle: Broken\ndate: yesterday\n---\n",
		"posts/2024/06/worse.md":  "---\ntitle: [unclosed\n---\n",
		"posts/2024/06/fine.md":   "Fine.\n",
		"posts/2024/07/open.md":   "---\ntitle: never closed\n",
	})
	snap, err := s.LoadAll(context.Background())
	if err == nil {
		t.Fatal("LoadAll succeeded, want errors for the broken files")
	}
	if snap == nil {
		t.Fatal("LoadAll returned no snapshot with its error")
	}
	var paths []string
	for _, p := range snap.Posts {
		paths = append(paths, p.Path)
	}
	wantPaths := []string{"about.md", "posts/2024/05/good.md", "posts/2024/06/fine.md"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("loaded %v, want %v", paths, wantPaths)
	}
	var where []string
	for _, pe := range parseErrors(t, err) {
		where = append(where, fmt.Sprintf("%s:%d", pe.File, pe.Line))
	}
	wantWhere := []string{"content/posts/2024/05/broken.md:3", "content/posts/2024/06/worse.md:2", "content/posts/2024/07/open.md:1"}
	if !reflect.DeepEqual(where, wantWhere) {
		t.Errorf("errors at %v, want %v\n%v", where, wantWhere, err)
	}
}

func TestLoadAllEmptyAndMissing(t *testing.T) {
	s := newStore(t, nil)
	snap, err := s.LoadAll(context.Background())
	if err != nil {
		t.Fatalf("LoadAll on an empty folder: %v", err)
	}
	if len(snap.Posts) != 0 || len(snap.Files) != 0 {
		t.Errorf("empty folder gave %d posts and %d files", len(snap.Posts), len(snap.Files))
	}

	// A new site has no content folder yet: that is an empty site.
	missing := &Store{Dir: filepath.Join(t.TempDir(), "nope")}
	snap, err = missing.LoadAll(context.Background())
	if err != nil {
		t.Fatalf("LoadAll on a missing folder: %v", err)
	}
	if snap == nil || len(snap.Posts) != 0 || len(snap.Files) != 0 {
		t.Errorf("missing folder gave %+v, want an empty snapshot", snap)
	}

	// A content "folder" that is a file is an error.
	file := filepath.Join(t.TempDir(), "content")
	writeTree(t, filepath.Dir(file), map[string]string{"content": "not a folder"})
	notDir := &Store{Dir: file}
	if snap, err := notDir.LoadAll(context.Background()); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("LoadAll on a file: got %+v, %v; want a \"not a folder\" error", snap, err)
	}
}

func TestLoadAllCanceled(t *testing.T) {
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("posts/2024/05/p%02d.md", i)] = "---\ntitle: x\n---\n"
	}
	s := newStore(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	snap, err := s.LoadAll(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("LoadAll with a canceled context: got %v, want context.Canceled", err)
	}
	if snap != nil {
		t.Errorf("LoadAll with a canceled context returned a snapshot of %d posts", len(snap.Posts))
	}
}

func TestLoad(t *testing.T) {
	s := newStore(t, map[string]string{
		"posts/2024/05/a.md": "---\ntitle: A\n---\nBody\n",
		"about.md":           "About\n",
	})
	p, err := s.Load("posts/2024/05/a.md")
	if err != nil {
		t.Fatal(err)
	}
	if p.Path != "posts/2024/05/a.md" || p.Kind != KindPost || p.Title != "A" || p.Body != "Body\n" {
		t.Errorf("Load: got %#v", p)
	}
	p, err = s.Load("about.md")
	if err != nil {
		t.Fatal(err)
	}
	if p.Path != "about.md" || p.Kind != KindPage {
		t.Errorf("Load(about.md): got Path %q Kind %v", p.Path, p.Kind)
	}
	if _, err := s.Load("posts/missing.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing): got %v, want fs.ErrNotExist", err)
	}
	if !s.Exists("about.md") || s.Exists("nope.md") {
		t.Errorf("Exists: about.md %v, nope.md %v", s.Exists("about.md"), s.Exists("nope.md"))
	}
}

func TestSave(t *testing.T) {
	s := newStore(t, nil)
	p := &Post{
		Path:       "posts/2024/05/hello.md",
		Title:      "Hello",
		Date:       rfc3339(t, "2024-05-01T09:30:00+02:00"),
		Tags:       []string{"a", "b"},
		Photo:      []Media{{URL: "/media/a.jpg", Alt: "A"}},
		Properties: map[string]any{"client_id": "https://quill.example/"},
		Body:       "Hello, world.\n",
	}
	if err := s.Save(p); err != nil {
		t.Fatalf("Save: %v", err)
	}
	full := filepath.Join(s.Dir, "posts", "2024", "05", "hello.md")
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatalf("saved file not readable: %v", err)
	}
	want, _ := Marshal(p)
	if string(data) != string(want) {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
	got, err := s.Load(p.Path)
	if err != nil {
		t.Fatal(err)
	}
	got.BodyLine = 0
	if got.Version == 0 {
		t.Error("Load left Version unset")
	}
	got.Version = 0
	if !reflect.DeepEqual(got, p) {
		t.Errorf("Load after Save:\ngot  %#v\nwant %#v", got, p)
	}
	st, err := os.Stat(full)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o644 {
		t.Errorf("file mode %v, want 0644", perm)
	}

	// Saving again replaces the file whole.
	p.Body = "Short.\n"
	p.Tags = nil
	if err := s.Save(p); err != nil {
		t.Fatalf("Save again: %v", err)
	}
	got, err = s.Load(p.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "Short.\n" || got.Tags != nil {
		t.Errorf("after second Save: Body %q Tags %v", got.Body, got.Tags)
	}
	assertNoTemps(t, s.Dir)
}

func TestSaveRefusesBadPaths(t *testing.T) {
	s := newStore(t, nil)
	for _, rel := range []string{"", "../escape.md", "/etc/passwd", "posts\\x.md", "posts/../../x.md", "./x.md"} {
		err := s.Save(&Post{Path: rel, Title: "x"})
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Save(%q): got %v, want a *ValidationError", rel, err)
			continue
		}
		if ve.Field != "path" || ve.Hint == "" {
			t.Errorf("Save(%q): got %+v, want Field path and a hint", rel, ve)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(s.Dir), "escape.md")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written outside the content folder: %v", err)
	}
	assertNoTemps(t, filepath.Dir(s.Dir))
}

func TestSaveFailureKeepsOldFile(t *testing.T) {
	s := newStore(t, map[string]string{"posts/2024/05/a.md": "---\ntitle: Old\n---\n"})
	// The folder a new post would go in is a file: the write must fail.
	writeTree(t, s.Dir, map[string]string{"posts/2024/06": "not a folder"})
	err := s.Save(&Post{Path: "posts/2024/06/b.md", Title: "New"})
	if err == nil {
		t.Fatal("Save into a path under a file succeeded")
	}
	if !strings.Contains(err.Error(), "posts/2024/06/b.md") {
		t.Errorf("error %q does not name the post", err)
	}
	p, err := s.Load("posts/2024/05/a.md")
	if err != nil || p.Title != "Old" {
		t.Errorf("old post: %v, %v", p, err)
	}
	assertNoTemps(t, s.Dir)
}

// TestSaveConcurrentReaders checks that a reader never sees half a file.
func TestSaveConcurrentReaders(t *testing.T) {
	s := newStore(t, nil)
	rel := "posts/2024/05/busy.md"
	bodies := []string{strings.Repeat("a", 20000) + "\n", strings.Repeat("b", 30000) + "\n", "short\n"}
	if err := s.Save(&Post{Path: rel, Title: "Busy", Body: bodies[0]}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 30 {
			if err := s.Save(&Post{Path: rel, Title: "Busy", Body: bodies[i%len(bodies)]}); err != nil {
				t.Errorf("Save: %v", err)
				return
			}
		}
	}()
	for range 100 {
		p, err := s.Load(rel)
		if err != nil {
			t.Fatalf("Load during Save: %v", err)
		}
		ok := false
		for _, b := range bodies {
			ok = ok || p.Body == b
		}
		if !ok || p.Title != "Busy" {
			t.Fatalf("read a partial file: title %q, body of %d bytes", p.Title, len(p.Body))
		}
	}
	wg.Wait()
	assertNoTemps(t, s.Dir)
}

func assertNoTemps(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && atomicfile.IsTemp(d.Name()) {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}

func TestCheckPath(t *testing.T) {
	tests := []struct {
		rel string
		ok  bool
	}{
		{"posts/2024/05/hello.md", true},
		{"about.md", true},
		{"media/a b/c.jpg", true},
		{"posts/2024/05/東京.md", true},
		{"..md", true},
		{"a..b/c.md", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../x.md", false},
		{"../../etc/passwd", false},
		{"posts/../x.md", false},
		{"posts/../../x.md", false},
		{"posts/..", false},
		{"/etc/passwd", false},
		{"/posts/x.md", false},
		{"//x.md", false},
		{"posts\\x.md", false},
		{"..\\x.md", false},
		{"C:\\x.md", false},
		{"./x.md", false},
		{"posts/./x.md", false},
		{"posts//x.md", false},
		{"posts/", false},
		{"posts/x.md/", false},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			err := CheckPath(tt.rel)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckPath(%q) = %v, want nil", tt.rel, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("CheckPath(%q) = %v, want a *ValidationError", tt.rel, err)
			}
			if ve.Field != "path" || ve.Problem == "" || ve.Hint == "" {
				t.Errorf("CheckPath(%q) = %+v, want field, problem and hint", tt.rel, ve)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		rel  string
		want Kind
	}{
		{"posts/2024/05/a.md", KindPost},
		{"posts/a.md", KindPost},
		{"about.md", KindPage},
		{"posts.md", KindPage},
		{"postsx/a.md", KindPage},
		{"notes/posts/a.md", KindPage},
	}
	for _, tt := range tests {
		if got := KindOf(tt.rel); got != tt.want {
			t.Errorf("KindOf(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"hello.md", false},
		{"photo.jpg", false},
		{"2024", false},
		{"a.md.bak", false},
		{".hidden", true},
		{".git", true},
		{".hello.md.swp", true},
		{"hello.md.swx", true},
		{"#hello.md#", true},
		{"hello.md~", true},
		{"x.tmp", true},
		{atomicfile.TempPrefix + "42", true},
	}
	for _, tt := range tests {
		if got := Ignored(tt.name); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
