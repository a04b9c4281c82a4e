package sitetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSite(t *testing.T) {
	root := Site(t, `A comment, ignored.
-- inkstone.toml --
title = "Test"
base_url = "https://example.com/"
-- content/posts/2024/05/smörgås.md --
---
title: Hej
---
Body.
`)
	got := Tree(t, root)
	if len(got) != 2 {
		t.Fatalf("site holds %d files, want 2", len(got))
	}
	if data := string(got["content/posts/2024/05/smörgås.md"].Data); data != "---\ntitle: Hej\n---\nBody.\n" {
		t.Errorf("post = %q", data)
	}
	cfg := Config(t, root)
	if cfg.Title != "Test" || cfg.BaseURL != "https://example.com/" || cfg.Root != root {
		t.Errorf("config = %+v", cfg)
	}
	if dirs := Dirs(t, root); strings.Join(dirs, " ") != "content content/posts content/posts/2024 content/posts/2024/05" {
		t.Errorf("Dirs = %q", dirs)
	}
}

func TestTreeOfMissingFolder(t *testing.T) {
	if got := Tree(t, filepath.Join(t.TempDir(), "nope")); len(got) != 0 {
		t.Errorf("Tree of a missing folder = %v", got)
	}
}

func TestClock(t *testing.T) {
	now := Clock("2024-05-07T09:30:00+02:00")
	if got := now(); !got.Equal(time.Date(2024, 5, 7, 7, 30, 0, 0, time.UTC)) || !now().Equal(got) {
		t.Errorf("Clock = %v", got)
	}
}

func TestGolden(t *testing.T) {
	Golden(t, "golden.txt", []byte("a golden file\n"))
	if _, err := os.Stat(filepath.Join("testdata", "golden.txt")); err != nil {
		t.Error(err)
	}
}

func TestFirstDiff(t *testing.T) {
	got := FirstDiff([]byte("a\nb\nc\nX\ne\n"), []byte("a\nb\nc\nd\ne\n"))
	for _, want := range []string{"first difference at line 4", ">    4| X", ">    4| d", "     3| c"} {
		if !strings.Contains(got, want) {
			t.Errorf("FirstDiff output lacks %q:\n%s", want, got)
		}
	}
}
