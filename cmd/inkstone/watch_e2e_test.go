package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"inkstone/generator/build"
	"inkstone/internal/config"
	"inkstone/internal/sitetest"
)

// TestDaemonFollowsHandEdits changes content/ behind the daemon's back
// the way `git pull` does, a burst of new, moved, edited and removed
// files in new folders, and checks that the daemon's incremental
// rebuild leaves public/ exactly as a fresh full build of the same
// content would.
func TestDaemonFollowsHandEdits(t *testing.T) {
	d := startDaemon(t)
	var urls []string
	for i := 0; i < 4; i++ {
		form := url.Values{"h": {"entry"}, "content": {fmt.Sprintf("Post number %d about rivers.", i)}, "category": {"rivers"}}
		resp, _ := d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), d.token)
		if resp.StatusCode != 201 {
			t.Fatalf("create: %s", resp.Status)
		}
		urls = append(urls, resp.Header.Get("Location"))
	}
	content := filepath.Join(d.dir, "content")
	posts, err := filepath.Glob(filepath.Join(content, "posts", "*", "*", "*.md"))
	if err != nil || len(posts) != 4 {
		t.Fatalf("posts on disk: %v, %v", posts, err)
	}
	sort.Strings(posts)

	// The burst: a new folder of posts, one post moved, one edited, one
	// removed.
	pulled := filepath.Join(content, "posts", "2019", "07")
	if err := os.MkdirAll(pulled, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		body := fmt.Sprintf("---\ndate: 2019-07-%02dT08:00:00Z\ntags: [pulled, rivers]\n---\nPulled post %d.\n", i+1, i)
		if err := os.WriteFile(filepath.Join(pulled, fmt.Sprintf("pulled-%d.md", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	moved := filepath.Join(content, "posts", "elsewhere")
	if err := os.MkdirAll(moved, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(posts[0], filepath.Join(moved, filepath.Base(posts[0]))); err != nil {
		t.Fatal(err)
	}
	edited, err := os.ReadFile(posts[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(posts[1], append(edited, []byte("\nAn added line about lakes.\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(posts[2]); err != nil {
		t.Fatal(err)
	}

	last := filepath.Join(d.dir, "public", "2019", "07", "pulled-11", "index.html")
	deadline := time.Now().Add(20 * time.Second)
	for {
		page, err := os.ReadFile(d.publicFile(urls[1]))
		if _, lerr := os.Stat(last); lerr == nil && err == nil && bytes.Contains(page, []byte("lakes")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not pick up the burst of changes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let any rebuild still under way finish.
	time.Sleep(time.Second)

	cfg, err := config.Load(d.dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	cfg.Paths.State = filepath.Join(fresh, "state")
	out := filepath.Join(fresh, "public")
	if _, err := build.New(cfg, slog.New(slog.DiscardHandler), time.Now).Full(context.Background(), build.Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	got, want := sitetest.Tree(t, filepath.Join(d.dir, "public")), sitetest.Tree(t, out)
	var diffs []string
	for rel, w := range want {
		if g, ok := got[rel]; !ok {
			diffs = append(diffs, "missing "+rel)
		} else if !bytes.Equal(g.Data, w.Data) {
			diffs = append(diffs, "differs "+rel)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			diffs = append(diffs, "stale "+rel)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("public/ after the daemon's rebuilds is not a full build's:\n%s", strings.Join(diffs, "\n"))
	}
}
