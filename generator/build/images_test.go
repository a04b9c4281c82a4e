package build_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"inkstone/generator/build"
)

// jpegOf encodes a w×h JPEG.
func jpegOf(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPhotosGetVariants builds a photo post whose image is on the site:
// its page and the home page show the image with its size and srcset,
// and the variants are published; replacing the image updates them.
func TestPhotosGetVariants(t *testing.T) {
	s := newSite(t,
		"content/media/lake.jpg", jpegOf(t, 1200, 800),
		"content/posts/2025/05/lake.md", `---
date: 2025-05-30T10:00:00Z
photo:
  - url: https://example.com/media/lake.jpg
    alt: A lake
---
At the lake.
`)
	b := s.builder()
	if _, err := b.Full(context.Background(), build.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"2025/05/lake/index.html", "index.html"} {
		page := string(s.Read(rel))
		for _, want := range []string{`alt="A lake"`, `width="1200" height="800"`, `480w`, `960w`, `srcset="`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", rel, want)
			}
		}
		if strings.Contains(page, "1600w") {
			t.Errorf("%s offers a variant wider than the image", rel)
		}
	}
	if !s.Exists("media/lake.jpg") {
		t.Error("the cleaned original is not published")
	}

	s.Write("content/media/lake.jpg", jpegOf(t, 600, 400))
	if _, err := b.Apply(context.Background(), []string{"media/lake.jpg"}); err != nil {
		t.Fatal(err)
	}
	page := string(s.Read("2025/05/lake/index.html"))
	if !strings.Contains(page, `width="600" height="400"`) || strings.Contains(page, "960w") {
		t.Errorf("the page does not follow the new image:\n%s", page)
	}
}

// TestBrokenImageFailsBuild: an image that cannot be read is not
// published as it is (it could carry a phone's position); the build says
// which file to fix.
func TestBrokenImageFailsBuild(t *testing.T) {
	s := newSite(t, "content/media/broken.jpg", "not a JPEG at all")
	_, err := s.TryBuild(build.Options{})
	if err == nil || !strings.Contains(err.Error(), "content/media/broken.jpg") {
		t.Fatalf("build error = %v, want one naming content/media/broken.jpg", err)
	}
}
