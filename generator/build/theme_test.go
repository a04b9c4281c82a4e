package build_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"inkstone/generator/build"
	"inkstone/generator/markdown"
	"inkstone/internal/sitetest"
	"inkstone/themes"
)

var stylesheet = regexp.MustCompile(`<link rel="stylesheet" href="/(style\.[0-9a-f]{10}\.css)">`)

// cssOf returns the path of the stylesheet the home page links to.
func cssOf(t *testing.T, s *testSite) string {
	t.Helper()
	m := stylesheet.FindSubmatch(s.Read("index.html"))
	if m == nil {
		t.Fatal("home page links to no fingerprinted stylesheet")
	}
	return string(m[1])
}

func TestThemeOverride(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	embedded := cssOf(t, s)
	if !strings.Contains(string(s.Read(embedded)), markdown.CSS()) {
		t.Error("the stylesheet lacks the code highlighting rules")
	}

	const css = "body { color: rebeccapurple }"
	s.Write("themes/default/static/style.css", css)
	s.Write("themes/default/templates/partials/footer.html",
		`{{define "site-footer"}}<footer class="site-footer">{{template "author-hcard" .}}<p>MY OWN FOOTER</p></footer>{{end}}`)
	s.Build(build.Options{})

	own := cssOf(t, s)
	if own == embedded {
		t.Fatalf("stylesheet is still %s after overriding style.css", own)
	}
	if got := string(s.Read(own)); !strings.HasPrefix(got, css) || !strings.Contains(got, markdown.CSS()) {
		t.Errorf("%s holds %.80q..., want the site's CSS then the highlighting rules", own, got)
	}
	if s.Exists(embedded) {
		t.Errorf("the old stylesheet %s is still there", embedded)
	}
	for _, rel := range s.HTMLFiles() {
		page := string(s.Read(rel))
		if !strings.Contains(page, "MY OWN FOOTER") {
			t.Errorf("%s does not use the overriding footer partial", rel)
		}
		if !strings.Contains(page, "/"+own) {
			t.Errorf("%s does not link to %s", rel, own)
		}
	}
	// Files the site does not override still come from the embedded theme.
	if !s.Exists("favicon.svg") {
		t.Error("favicon.svg from the embedded theme is missing")
	}

	// A site's own extra partial is picked up too.
	s.Write("themes/default/templates/partials/extra.html", `{{define "extra"}}EXTRA PARTIAL{{end}}`)
	s.Write("themes/default/templates/404.html", `{{define "main"}}{{template "extra"}}{{end}}`)
	s.Build(build.Options{})
	if got := string(s.Read("404.html")); !strings.Contains(got, "EXTRA PARTIAL") {
		t.Errorf("404.html does not use the site's own partial:\n%s", got)
	}
}

func TestUnknownTheme(t *testing.T) {
	s := newSite(t)
	s.Cfg.Theme = "nosuch"
	_, err := s.TryBuild(build.Options{})
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("build with a missing theme: %v, want an error naming it", err)
	}
}

// TestNativeTheme builds the fixture site and the repository's example
// site with the default theme, whose post pages and cards are written
// without html/template, and again with a copy of one of its templates
// under themes/, which makes every page go through html/template: both
// builds must write the same bytes.
func TestNativeTheme(t *testing.T) {
	labels, err := fs.ReadFile(themes.Default(), "templates/partials/labels.html")
	if err != nil {
		t.Fatal(err)
	}
	example := func(t *testing.T) *testSite {
		s := &testSite{t: t, Root: t.TempDir()}
		if err := os.CopyFS(filepath.Join(s.Root, "content"), os.DirFS("../../content")); err != nil {
			t.Fatal(err)
		}
		cfg, err := os.ReadFile("../../inkstone.toml")
		if err != nil {
			t.Fatal(err)
		}
		s.Write("inkstone.toml", string(cfg))
		s.Cfg = sitetest.Config(t, s.Root)
		return s
	}
	for name, mk := range map[string]func(*testing.T) *testSite{"fixture": func(t *testing.T) *testSite { return newSite(t) }, "example": example} {
		t.Run(name, func(t *testing.T) {
			s := mk(t)
			native := filepath.Join(t.TempDir(), "native")
			s.Build(build.Options{Out: native})
			s.Write("themes/default/templates/partials/labels.html", string(labels)+"{{/* a local copy */}}\n")
			templates := filepath.Join(t.TempDir(), "templates")
			s.Build(build.Options{Out: templates})

			want, got := sitetest.Tree(t, templates), sitetest.Tree(t, native)
			if len(got) != len(want) || len(want) < 20 {
				t.Fatalf("native build wrote %d files, the templates %d", len(got), len(want))
			}
			posts := 0
			for p, f := range want {
				if !bytes.Equal(got[p].Data, f.Data) {
					t.Errorf("%s differs (got: native, want: templates):\n%s", p, sitetest.FirstDiff(got[p].Data, f.Data))
				}
				if strings.Contains(string(f.Data), `class="h-entry post `) {
					posts++
				}
			}
			if posts < 5 {
				t.Errorf("only %d post pages compared", posts)
			}
		})
	}
}
