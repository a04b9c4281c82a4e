// Package images makes web-ready copies of photos: orientation applied,
// metadata (EXIF, GPS, XMP, comments, text chunks) stripped, and resized
// variants for srcset, cached by content hash so each image is worked on
// once.
package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Defaults for zero Processor fields.
const (
	DefaultMaxPixels = 50_000_000
	DefaultQuality   = 82
)

// DefaultWidths are the variant widths made when Processor.Widths is
// empty: phone, tablet, laptop and large screens.
func DefaultWidths() []int { return []int{480, 960, 1600, 2400} }

// CacheDir is the cache folder inside a site's state folder. The build
// and the media endpoint share it, so a photo processed at upload is not
// processed again by the build that publishes it.
func CacheDir(stateDir string) string { return filepath.Join(stateDir, "images") }

// ErrTooManyPixels means an image's header claims more pixels than the
// limit; it is refused before any decoding.
var ErrTooManyPixels = errors.New("image has too many pixels")

// PixelsError says how large an image is and the limit it exceeds.
type PixelsError struct {
	Width, Height, Max int
}

func (e *PixelsError) Error() string {
	return fmt.Sprintf("the image is %d×%d pixels (%.1f megapixels); the limit is %.1f megapixels, send a smaller one",
		e.Width, e.Height, float64(e.Width)*float64(e.Height)/1e6, float64(e.Max)/1e6)
}

func (e *PixelsError) Unwrap() error { return ErrTooManyPixels }

// FormatError means the bytes are not a valid image of the format their
// name or header claims.
type FormatError struct {
	Format string // "jpeg", "png", "gif", "webp" or "" when unknown
	Err    error
}

func (e *FormatError) Error() string {
	if e.Format == "" {
		return fmt.Sprintf("not a JPEG, PNG, GIF or WebP image: %v", e.Err)
	}
	return fmt.Sprintf("not a valid %s image: %v", strings.ToUpper(e.Format), e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Processor makes web-ready copies of images: orientation applied,
// metadata stripped, resized variants; results cached in CacheDir by
// content hash.
type Processor struct {
	CacheDir  string
	Widths    []int // empty: DefaultWidths
	MaxPixels int   // 0: DefaultMaxPixels
	Quality   int   // JPEG quality 1-100; 0: DefaultQuality
	Log       *slog.Logger

	mu      sync.Mutex
	running map[string]*call // content key -> generation under way
}

// call is one generation under way, shared by callers for the same bytes.
type call struct {
	done chan struct{}
	meta meta
	err  error
}

// File is one published file of an image: the cleaned original (first)
// or a variant.
type File struct {
	Path          string // relative to public/, e.g. "media/ab/<name>-960.jpg"
	Width, Height int
	Cache         string // full path of its bytes in the cache
}

// Result is what a build needs to publish and show one image.
type Result struct {
	Width, Height int    // of the oriented original
	Files         []File // cleaned original first, then variants by width ascending
}

// IsImage reports whether a content path is an image the Processor
// handles (by extension).
func IsImage(rel string) bool {
	switch strings.ToLower(path.Ext(rel)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return true
	}
	return false
}

// SrcSet is the srcset attribute value for r: "url 480w, url 960w, ...",
// smallest first, the cleaned original last. URLs are site-absolute paths.
func SrcSet(r Result) string {
	if len(r.Files) == 0 {
		return ""
	}
	var b strings.Builder
	for _, f := range r.Files[1:] {
		b.WriteString("/" + f.Path + " " + strconv.Itoa(f.Width) + "w, ")
	}
	o := r.Files[0]
	b.WriteString("/" + o.Path + " " + strconv.Itoa(o.Width) + "w")
	return b.String()
}

func (p *Processor) widths() []int {
	if len(p.Widths) == 0 {
		return DefaultWidths()
	}
	return p.Widths
}

func (p *Processor) maxPixels() int {
	if p.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return p.MaxPixels
}

func (p *Processor) quality() int {
	if p.Quality <= 0 || p.Quality > 100 {
		return DefaultQuality
	}
	return p.Quality
}

func (p *Processor) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// Process returns the image at src (a full path; rel is its slash path
// under content/, which is also its path under public/), making and
// caching what is missing. Safe for concurrent use. When everything is
// cached it costs a stat of src and a read of a small index file.
func (p *Processor) Process(ctx context.Context, src, rel string) (Result, error) {
	return p.process(ctx, src, rel)
}
