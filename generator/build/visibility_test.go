package build_test

import (
	"strings"
	"testing"

	"inkstone/generator/build"
)

// hidden are the marker words of posts that must never be public: each is
// in the post's slug (so its URL), title, body and one tag.
var hidden = map[string]string{
	"kumquat":   "draft",
	"quince":    "private",
	"persimmon": "deleted",
}

func TestHiddenPostsNeverPublic(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	files := s.Tree()
	if len(files) < 30 {
		t.Fatalf("public/ has %d files, want at least 30", len(files))
	}
	for rel, f := range files {
		for word, kind := range hidden {
			if strings.Contains(rel, word) {
				t.Errorf("the %s post is published as %s", kind, rel)
			}
			if strings.Contains(strings.ToLower(string(f.Data)), word) {
				t.Errorf("%s mentions the %s post (%q)", rel, kind, word)
			}
		}
	}
}

func TestUnlisted(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	const page = "2025/03/unlisted-loquat/index.html"
	own := string(s.Read(page))
	if !strings.Contains(own, "An unlisted loquat") {
		t.Errorf("%s lacks the post's title", page)
	}
	if !strings.Contains(own, `<meta name="robots" content="noindex">`) {
		t.Errorf("%s is not marked noindex", page)
	}
	// Its page does not link to neighbours, nor they to it.
	if strings.Contains(own, `rel="prev"`) || strings.Contains(own, `rel="next"`) {
		t.Errorf("%s links to other posts with rel=prev/next", page)
	}
	for rel, f := range s.Tree() {
		if rel == page {
			continue
		}
		if strings.Contains(rel, "loquat") {
			t.Errorf("unlisted post produced %s", rel)
		}
		if strings.Contains(strings.ToLower(string(f.Data)), "loquat") {
			t.Errorf("%s mentions the unlisted post", rel)
		}
	}
}

func TestDraftsOption(t *testing.T) {
	s := newSite(t)
	const page = "2025/04/draft-kumquat/index.html"
	s.Build(build.Options{Drafts: true})
	got := string(s.Read(page))
	for _, want := range []string{"A draft about kumquat jam", "Not ready yet: kumquat.", `class="badge">Draft<`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q", page, want)
		}
	}
	if !s.Exists("tags/kumquattag/index.html") {
		t.Error("with drafts, the draft's tag page is missing")
	}
	for _, never := range []string{"quince", "persimmon"} {
		for rel := range s.Tree() {
			if strings.Contains(rel, never) {
				t.Errorf("with drafts, %s is published", rel)
			}
		}
	}

	// Building without drafts again takes the draft down.
	s.Build(build.Options{})
	for _, rel := range []string{page, "2025/04/draft-kumquat", "tags/kumquattag/index.html"} {
		if s.Exists(rel) {
			t.Errorf("after a build without drafts, %s is still there", rel)
		}
	}
	for rel, f := range s.Tree() {
		if strings.Contains(strings.ToLower(string(f.Data)), "kumquat") {
			t.Errorf("after a build without drafts, %s still mentions the draft", rel)
		}
	}
}
