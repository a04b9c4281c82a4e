package build_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"inkstone/generator/build"
	"inkstone/generator/content"
	"inkstone/internal/sitetest"
)

// editedNote changes a listed post, so that a build that published part
// of its outputs would change the home page, feeds and more.
const editedNote = `---
date: 2025-02-14T07:30:00Z
tags: [coffee, morning]
---
Morning tea on the balcony, the first warm day of the year.
`

// newPost adds a post with a new tag, so that a build that published
// part of its outputs would add files and folders.
const newPost = `---
title: A new post
date: 2025-05-01T10:00:00Z
tags: [brandnew]
---
Fresh.
`

// breakages each make a build fail in a different phase.
var breakages = []struct {
	name  string
	file  string // relative to the site root
	data  string
	check func(t *testing.T, err error)
}{
	{
		name: "front matter",
		file: "content/posts/2024/09/worth-reading.md",
		data: "---\ndate: 2024-09-12T18:00:00Z\ntitle: a: b\n---\nWorth reading.\n",
		check: func(t *testing.T, err error) {
			var pe *content.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *content.ParseError", err, err)
			}
			if pe.File != "content/posts/2024/09/worth-reading.md" || pe.Line != 3 {
				t.Errorf("error names %s:%d, want content/posts/2024/09/worth-reading.md:3", pe.File, pe.Line)
			}
			if !strings.Contains(err.Error(), "content/posts/2024/09/worth-reading.md:3: ") {
				t.Errorf("error %q does not name file:line", err)
			}
		},
	},
	{
		name: "template syntax",
		file: "themes/default/templates/post.html",
		data: "{{define \"main\"}}\n<p>{{.Title</p>\n{{end}}\n",
		check: func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "post.html:2") {
				t.Errorf("error %q does not name post.html:2", err)
			}
		},
	},
	{
		name: "template execution",
		file: "themes/default/templates/year.html",
		data: "{{define \"main\"}}\n{{index .Year.Posts 99}}\n{{end}}\n",
		check: func(t *testing.T, err error) {
			if !strings.Contains(err.Error(), "year.html:2") {
				t.Errorf("error %q does not name year.html:2", err)
			}
		},
	},
}

// TestFailedBuildKeepsOldSite: whatever breaks, a failed build leaves
// every file of public/ as it was, and no temp files.
func TestFailedBuildKeepsOldSite(t *testing.T) {
	for _, tt := range breakages {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			s.Build(build.Options{})
			s.Age()
			before := s.Tree()

			s.Write("content/posts/2025/02/morning-coffee.md", editedNote)
			s.Write("content/posts/2025/05/a-new-post.md", newPost)
			s.Write(tt.file, tt.data)
			_, err := s.TryBuild(build.Options{})
			if err == nil {
				t.Fatal("build succeeded, want an error")
			}
			tt.check(t, err)
			sameTree(t, before, s.Tree())
			noTemps(t, s.Cfg.PublicDir())

			// Once fixed, the next build publishes the edits.
			s.Remove(tt.file)
			if tt.name == "front matter" {
				s.Write(tt.file, "---\ndate: 2024-09-12T18:00:00Z\n---\nWorth reading.\n")
			}
			s.Build(build.Options{})
			if !s.Exists("2025/05/a-new-post/index.html") || !strings.Contains(string(s.Read("feed.xml")), "Morning tea") {
				t.Error("after the fix, the build did not publish the edits")
			}
		})
	}
}

// TestFailedBuildAddsNoFolders: a failed build must not leave the folders
// of outputs it never published (here the new post's and its new tag's).
func TestFailedBuildAddsNoFolders(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	before := sitetest.Dirs(t, s.Cfg.PublicDir())

	s.Write("content/posts/2025/05/a-new-post.md", newPost)
	s.Write("themes/default/templates/year.html", "{{define \"main\"}}{{index .Year.Posts 99}}{{end}}")
	if _, err := s.TryBuild(build.Options{}); err == nil {
		t.Fatal("build succeeded, want an error")
	}
	after := sitetest.Dirs(t, s.Cfg.PublicDir())
	for _, d := range after {
		if !slices.Contains(before, d) {
			t.Errorf("failed build left a new folder public/%s", d)
		}
	}
}

func TestURLClash(t *testing.T) {
	s := newSite(t,
		"content/posts/2025/03/hello-again.md", "---\ntitle: Hello again\nslug: hello-world\ndate: 2025-03-11T09:00:00Z\n---\nAgain.\n",
	)
	_, err := s.TryBuild(build.Options{})
	if err == nil {
		t.Fatal("build succeeded, want a URL clash error")
	}
	for _, want := range []string{"/2025/03/hello-world/", "hello-again.md", "hello-world.md"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if s.Exists("index.html") {
		t.Error("a failed first build published files")
	}
	// Like every other problem in a content file, the clash names the
	// file as found from the site root.
	var pe *content.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *content.ParseError", err)
	}
	if !strings.HasPrefix(pe.File, "content/posts/2025/03/") {
		t.Errorf("error names %q, want a path from the site root (content/posts/2025/03/...)", pe.File)
	}
}

// TestOutputClash: a page whose URL is also that of a generated page would
// make two outputs overwrite each other, the winner depending on which
// goroutine finished last; the build must refuse it as it refuses two
// posts with one URL.
func TestOutputClash(t *testing.T) {
	for _, file := range []string{"content/tags.md", "content/2025.md", "content/index.md", "content/feed.xml"} {
		t.Run(file, func(t *testing.T) {
			s := newSite(t, file, "---\ntitle: Mine\n---\nA page of my own.\n")
			if _, err := s.TryBuild(build.Options{}); err == nil {
				t.Errorf("build succeeded with %s clashing with a generated output", file)
			} else if !strings.Contains(err.Error(), strings.TrimPrefix(file, "content/")) {
				t.Errorf("error %q does not name %s", err, file)
			}
		})
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	s := newSite(t,
		"content/posts/2024/09/worth-reading.md", "---\ndate: 2024-09-12T18:00:00Z\ntitle: a: b\n---\nWorth reading.\n",
		"content/posts/2024/08/tools.md", "---\ndate: 2024-08-03T10:00:00Z\nvisibility: secret\n---\nTools.\n",
	)
	_, err := s.builder().Check(t.Context())
	if err == nil {
		t.Fatal("Check found no problem")
	}
	var got []string
	for _, pe := range parseErrors(err) {
		got = append(got, pe.File)
	}
	slices.Sort(got)
	want := []string{"content/posts/2024/08/tools.md", "content/posts/2024/09/worth-reading.md"}
	if !slices.Equal(got, want) {
		t.Errorf("Check reported problems in %q, want one each in %q\n%v", got, want, err)
	}
	if s.Exists("") {
		t.Error("Check wrote public/")
	}

	// Theme and content problems are reported together.
	both := newSite(t,
		"themes/default/templates/post.html", "{{define \"main\"}}\n<p>{{.Title</p>\n{{end}}\n",
		"content/posts/2024/08/tools.md", "---\ndate: 2024-08-03T10:00:00Z\nvisibility: secret\n---\nTools.\n",
	)
	_, err = both.builder().Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), "post.html:2") || len(parseErrors(err)) != 1 {
		t.Errorf("Check = %v, want the template error and the content error", err)
	}

	// A valid site passes.
	ok := newSite(t)
	if n, err := ok.builder().Check(t.Context()); err != nil || n != 13 {
		t.Errorf("Check on the fixture: %d files, %v; want 13 files, no error", n, err)
	}
}

// parseErrors collects every *content.ParseError in an error tree.
func parseErrors(err error) []*content.ParseError {
	var out []*content.ParseError
	var walk func(error)
	walk = func(err error) {
		if pe, ok := err.(*content.ParseError); ok {
			out = append(out, pe)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// TestOutputClashIncremental: the same clashes, made by a file added to a
// built site, are refused by an incremental build, which checks only the
// outputs it renders.
func TestOutputClashIncremental(t *testing.T) {
	for _, file := range []string{"content/tags.md", "content/2025.md", "content/index.md", "content/feed.xml"} {
		t.Run(file, func(t *testing.T) {
			s := newSite(t)
			b := s.builder()
			if _, err := b.Full(t.Context(), build.Options{}); err != nil {
				t.Fatal(err)
			}
			s.Write(file, "---\ntitle: Mine\n---\nA page of my own.\n")
			_, err := b.Apply(t.Context(), []string{strings.TrimPrefix(file, "content/")})
			if err == nil {
				t.Fatalf("build succeeded with %s clashing with a generated output", file)
			}
			if !strings.Contains(err.Error(), strings.TrimPrefix(file, "content/")) {
				t.Errorf("error %q does not name %s", err, file)
			}
		})
	}
}
