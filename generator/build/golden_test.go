package build_test

import (
	"path"
	"regexp"
	"strings"
	"testing"

	"inkstone/generator/build"
	"inkstone/internal/sitetest"
)

// fingerprint matches the stylesheet's content hash, which changes with
// every edit to the theme's CSS; golden files hold a placeholder instead,
// so that they test the pages and not the stylesheet.
var fingerprint = regexp.MustCompile(`/style\.[0-9a-f]{10}\.css`)

// TestGolden compares rendered outputs of the fixture site with
// testdata/golden/. After an intended change run
//
//	go test ./generator/build -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	s := newSite(t)
	s.Build(build.Options{})
	for _, rel := range []string{
		"2025/03/hello-world/index.html",    // article: code block, relative link and image, syndication
		"2025/02/morning-coffee/index.html", // untitled note with tags
		"2025/01/harbour-photos/index.html", // photo post, two photos with alt
		"index.html",                        // home, page 1
		"page/2/index.html",                 // home, page 2 (non-ASCII permalink)
		"tags/links/index.html",             // a tag page
		"2025/index.html",                   // a year archive
		"404.html",
		"feed.xml",
		"atom.xml",
		"feed.json",
		"sitemap.xml",
	} {
		t.Run(rel, func(t *testing.T) {
			got := fingerprint.ReplaceAll(s.Read(rel), []byte("/style.FINGERPRINT.css"))
			name := strings.ReplaceAll(strings.TrimSuffix(rel, "/index.html"), "/", "-")
			if !strings.Contains(name, ".") {
				name += ".html"
			}
			sitetest.Golden(t, path.Join("golden", name), got)
		})
	}
}
