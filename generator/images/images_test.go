package images

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HugoSmits86/nativewebp"
)

func decodeFile(t *testing.T, file string) image.Image {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return img
}

func near(a color.Color, b color.RGBA) bool {
	r, g, bl, _ := a.RGBA()
	d := func(x uint32, y uint8) int { return int(x>>8) - int(y) }
	abs := func(v int) int { return max(v, -v) }
	return abs(d(r, b.R)) < 60 && abs(d(g, b.G)) < 60 && abs(d(bl, b.B)) < 60
}

// assertUpright checks the centre of each quadrant of img.
func assertUpright(t *testing.T, name string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	for _, pt := range []image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}} {
		want := uprightColor(pt.X, pt.Y, w, h)
		if got := img.At(b.Min.X+pt.X, b.Min.Y+pt.Y); !near(got, want) {
			t.Errorf("%s: pixel at %v is %v, want about %v", name, pt, got, want)
		}
	}
}

func write(t *testing.T, dir, rel string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProcessOrientations(t *testing.T) {
	const w, h = 96, 48
	for o := 1; o <= 8; o++ {
		for _, format := range []string{"jpeg", "png", "webp"} {
			t.Run(fmt.Sprintf("%s-%d", format, o), func(t *testing.T) {
				dir := t.TempDir()
				stored := storedPicture(o, w, h)
				var data []byte
				rel := "media/ab/photo.jpg"
				switch format {
				case "png":
					data, rel = phonePNG(t, stored, o), "media/ab/photo.png"
				case "webp":
					data, rel = phoneWebP(t, stored, o), "media/ab/photo.webp"
				default:
					data = phoneJPEG(t, stored, o)
				}
				src := write(t, dir, "content/"+rel, data)
				p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{32, 64, 200}}
				r, err := p.Process(context.Background(), src, rel)
				if err != nil {
					t.Fatal(err)
				}
				if r.Width != w || r.Height != h {
					t.Errorf("size %dx%d, want %dx%d", r.Width, r.Height, w, h)
				}
				// 200 is wider than the photo: never upscaled.
				if len(r.Files) != 3 {
					t.Fatalf("got %d files, want original and 2 variants: %+v", len(r.Files), r.Files)
				}
				if r.Files[0].Path != rel {
					t.Errorf("original published at %s, want %s", r.Files[0].Path, rel)
				}
				stem := strings.TrimSuffix(rel, filepath.Ext(rel))
				ext := filepath.Ext(rel)
				if format == "webp" {
					ext = ".jpg" // an opaque WebP's variants are JPEG
				}
				for i, want := range []struct {
					path string
					w, h int
				}{{stem + "-32" + ext, 32, 16}, {stem + "-64" + ext, 64, 32}} {
					f := r.Files[i+1]
					if f.Path != want.path || f.Width != want.w || f.Height != want.h {
						t.Errorf("variant %d = %+v, want %s %dx%d", i, f, want.path, want.w, want.h)
					}
				}
				for _, f := range r.Files {
					b, err := os.ReadFile(f.Cache)
					if err != nil {
						t.Fatal(err)
					}
					assertClean(t, f.Path, b)
					img := decodeFile(t, f.Cache)
					if img.Bounds().Dx() != f.Width || img.Bounds().Dy() != f.Height {
						t.Errorf("%s is %v, metadata says %dx%d", f.Path, img.Bounds(), f.Width, f.Height)
					}
					assertUpright(t, f.Path, img)
				}
			})
		}
	}
}

func TestProcessUprightJPEGKeepsCodedData(t *testing.T) {
	dir := t.TempDir()
	data := phoneJPEG(t, storedPicture(1, 64, 64), 1)
	src := write(t, dir, "content/a.jpg", data)
	p := &Processor{CacheDir: filepath.Join(dir, "cache")}
	r, err := p.Process(context.Background(), src, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(r.Files[0].Cache)
	if err != nil {
		t.Fatal(err)
	}
	// The scan data is copied untouched: no generation loss.
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	end := bytes.Index(data[sos:], []byte{0xFF, 0xD9})
	if !bytes.Contains(got, data[sos:sos+end]) {
		t.Error("the cleaned original does not hold the original scan data")
	}
	if len(got) >= len(data) {
		t.Errorf("cleaned %d bytes, original %d: nothing was stripped", len(got), len(data))
	}
}

func TestProcessRefuses(t *testing.T) {
	gifScreen := []byte("GIF89a\xa0\x86\xa0\x86\x00\x00\x00;") // 34464×34464
	// A small screen with a frame that claims 60000×60000.
	gifFrame := []byte("GIF89a\x0a\x00\x0a\x00\x00\x00\x00,\x00\x00\x00\x00\x60\xea\x60\xea\x00\x02\x02\x44\x01\x00;")
	tests := []struct {
		name string
		data []byte
		want func(error) bool
	}{
		{"png bomb", pngHeader(100000, 100000), isPixels},
		{"gif bomb", gifScreen, isPixels},
		{"gif frame bomb", gifFrame, isPixels},
		{"text named jpg", []byte("<html>not a photo</html>"), isFormat},
		{"truncated jpeg", phoneJPEG(t, storedPicture(1, 32, 32), 1)[:300], isFormat},
		{"heic named jpg", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), isFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := write(t, dir, "photo.jpg", tt.data)
			p := &Processor{CacheDir: filepath.Join(dir, "cache")}
			_, err := p.Process(context.Background(), src, "photo.jpg")
			if !tt.want(err) {
				t.Fatalf("error %v is not the expected kind", err)
			}
			if _, err := p.Clean(tt.data); !tt.want(err) {
				t.Fatalf("Clean: error %v is not the expected kind", err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "cache"))
			for _, e := range entries {
				sub, _ := os.ReadDir(filepath.Join(dir, "cache", e.Name()))
				if len(sub) > 0 {
					t.Errorf("refused image left %s/%s in the cache", e.Name(), sub[0].Name())
				}
			}
		})
	}
}

func isPixels(err error) bool {
	var pe *PixelsError
	return errors.As(err, &pe) && errors.Is(err, ErrTooManyPixels) && strings.Contains(pe.Error(), "megapixels")
}

func isFormat(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe)
}

func TestProcessMaxPixels(t *testing.T) {
	dir := t.TempDir()
	src := write(t, dir, "a.png", phonePNG(t, storedPicture(1, 40, 30), 1))
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), MaxPixels: 1000}
	if _, err := p.Process(context.Background(), src, "a.png"); !isPixels(err) {
		t.Fatalf("1200 pixels over a 1000 limit: got %v", err)
	}
	p.MaxPixels = 1200
	if _, err := p.Process(context.Background(), src, "a.png"); err != nil {
		t.Fatalf("1200 pixels at a 1200 limit: %v", err)
	}
}

func TestProcessCachedWithoutReading(t *testing.T) {
	dir := t.TempDir()
	data := phoneJPEG(t, storedPicture(6, 64, 32), 6)
	src := write(t, dir, "content/a.jpg", data)
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16}}
	first, err := p.Process(context.Background(), src, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	// Same size and time, different bytes: a cached answer proves the
	// image was not read again.
	fi, _ := os.Stat(src)
	if err := os.WriteFile(src, bytes.Repeat([]byte{'x'}, len(data)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(src, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	second, err := p.Process(context.Background(), src, "a.jpg")
	if err != nil {
		t.Fatalf("cached call read the file: %v", err)
	}
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("cached result %+v differs from %+v", second, first)
	}
	// The same bytes under another name share the cached files.
	other := write(t, dir, "content/b.jpg", data)
	third, err := p.Process(context.Background(), other, "b.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if third.Files[0].Cache != first.Files[0].Cache || third.Files[1].Path != "b-16.jpg" {
		t.Errorf("same bytes were not shared: %+v vs %+v", third, first)
	}
	// A new modification time re-reads: now the bytes are not an image.
	later := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process(context.Background(), src, "a.jpg"); !isFormat(err) {
		t.Errorf("changed file: got %v, want a format error", err)
	}
}

func TestProcessConcurrent(t *testing.T) {
	dir := t.TempDir()
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16, 32}}
	var srcs []string
	for i := range 3 {
		img := storedPicture(1, 64+8*i, 48)
		srcs = append(srcs, write(t, dir, fmt.Sprintf("content/%d.jpg", i), phoneJPEG(t, img, 1)))
	}
	const per = 6
	results := make([]Result, len(srcs)*per)
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			n := i % len(srcs)
			results[i], errs[i] = p.Process(context.Background(), srcs[n], fmt.Sprintf("%d.jpg", n))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if want := results[i%len(srcs)]; fmt.Sprint(results[i]) != fmt.Sprint(want) {
			t.Errorf("call %d got %+v, want %+v", i, results[i], want)
		}
		for _, f := range results[i].Files {
			decodeFile(t, f.Cache)
		}
	}
	var entries int
	err := filepath.WalkDir(p.CacheDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == "meta.json" {
			entries++
		}
		if strings.HasPrefix(d.Name(), ".inkstone-tmp-") {
			t.Errorf("temp left in the cache: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries != len(srcs) {
		t.Errorf("%d cache entries for %d distinct images", entries, len(srcs))
	}
}

func TestProcessReadOnlyCache(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes through permissions; use a file where the folder
		// should be instead, which fails for every user.
		dir := t.TempDir()
		src := write(t, dir, "a.jpg", phoneJPEG(t, storedPicture(1, 32, 32), 1))
		write(t, dir, "cache", []byte("not a folder"))
		p := &Processor{CacheDir: filepath.Join(dir, "cache")}
		if _, err := p.Process(context.Background(), src, "a.jpg"); err == nil {
			t.Fatal("a cache that cannot be written gave no error")
		}
		return
	}
	dir := t.TempDir()
	src := write(t, dir, "a.jpg", phoneJPEG(t, storedPicture(1, 32, 32), 1))
	cache := filepath.Join(dir, "cache")
	if err := os.Mkdir(cache, 0o555); err != nil {
		t.Fatal(err)
	}
	p := &Processor{CacheDir: cache}
	if _, err := p.Process(context.Background(), src, "a.jpg"); err == nil {
		t.Fatal("a read-only cache gave no error")
	}
}

func TestCleanFormats(t *testing.T) {
	webp, err := os.ReadFile("testdata/video-001.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	gif := phoneGIF(t)
	tests := []struct {
		name string
		data []byte
		keep []string // must survive
	}{
		{"jpeg", phoneJPEG(t, storedPicture(1, 16, 16), 1), []string{"\xff\xda"}},
		{"png", phonePNG(t, storedPicture(1, 16, 16), 1), []string{"IHDR", "IDAT", "IEND"}},
		{"gif", gif, []string{"NETSCAPE2.0", "\x21\xf9"}},
		{"webp", withWebPMetadata(t, webp), []string{"VP8X", "VP8 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Processor{}
			out, err := p.Clean(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			assertClean(t, tt.name, out)
			for _, k := range tt.keep {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("%q was dropped", k)
				}
			}
			if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
				t.Errorf("cleaned file does not decode: %v", err)
			}
			again, err := p.Clean(out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("cleaning twice changed the file (err %v)", err)
			}
			if tt.name == "webp" && out[20]&0x0C != 0 {
				t.Errorf("VP8X still flags EXIF/XMP: %08b", out[20])
			}
		})
	}
}

// withWebPMetadata wraps a simple lossy WebP in the extended format with
// EXIF and XMP chunks, as an editor exporting with metadata would.
func withWebPMetadata(t *testing.T, simple []byte) []byte {
	t.Helper()
	return webpWithChunks(t, simple, exifTIFF(1), nil)
}

// phoneWebP encodes img as a lossless WebP and adds EXIF with orientation
// o (and GPS) and XMP.
func phoneWebP(t testing.TB, img image.Image, o int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := nativewebp.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return webpWithChunks(t, buf.Bytes(), exifTIFF(o), nil)
}

// webpWithChunks wraps a simple WebP in the extended format with an
// optional ICCP chunk before the image and EXIF and XMP chunks after it.
func webpWithChunks(t testing.TB, simple, exif, icc []byte) []byte {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(simple))
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(typ string, data []byte) []byte {
		c := append([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	flags := byte(0x0C)
	if icc != nil {
		flags |= 0x20
	}
	vp8x := []byte{flags, 0, 0, 0}
	vp8x = append(vp8x, byte(cfg.Width-1), byte((cfg.Width-1)>>8), 0, byte(cfg.Height-1), byte((cfg.Height-1)>>8), 0)
	body := []byte("WEBP")
	body = append(body, chunk("VP8X", vp8x)...)
	if icc != nil {
		body = append(body, chunk("ICCP", icc)...)
	}
	body = append(body, simple[12:]...)
	body = append(body, chunk("EXIF", exif)...)
	body = append(body, chunk("XMP ", []byte("<x:xmpmeta>GPS secret</x:xmpmeta>"))...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	src := write(t, dir, "a.jpg", phoneJPEG(t, storedPicture(1, 32, 32), 1))
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16}}
	r, err := p.Process(context.Background(), src, "a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	leftDir := write(t, p.CacheDir, "ab/.inkstone-tmp-dead/w16.jpg", []byte("x"))
	leftIdx := write(t, p.CacheDir, "index/cd/.inkstone-tmp-123", []byte("x"))
	busy := write(t, p.CacheDir, "ef/.inkstone-tmp-busy/w16.jpg", []byte("x"))
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{filepath.Dir(leftDir), leftIdx} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.RemoveTemps(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Dir(leftDir), leftIdx} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived", f)
		}
	}
	if _, err := os.Stat(busy); err != nil {
		t.Errorf("a temp still being written (another process) was removed: %v", err)
	}
	for _, f := range r.Files {
		if _, err := os.Stat(f.Cache); err != nil {
			t.Errorf("cache file removed: %v", err)
		}
	}
}

func TestSrcSetAndIsImage(t *testing.T) {
	r := Result{Width: 3000, Height: 2000, Files: []File{
		{Path: "media/ab/x.jpg", Width: 3000}, {Path: "media/ab/x-480.jpg", Width: 480}, {Path: "media/ab/x-960.jpg", Width: 960},
	}}
	want := "/media/ab/x-480.jpg 480w, /media/ab/x-960.jpg 960w, /media/ab/x.jpg 3000w"
	if got := SrcSet(r); got != want {
		t.Errorf("SrcSet = %q, want %q", got, want)
	}
	if SrcSet(Result{}) != "" {
		t.Error("empty result has a srcset")
	}
	for rel, want := range map[string]bool{"a/b.JPG": true, "x.jpeg": true, "p.png": true, "g.gif": true, "w.webp": true,
		"h.heic": false, "v.mp4": false, "index.md": false, "jpg": false} {
		if IsImage(rel) != want {
			t.Errorf("IsImage(%q) = %v", rel, !want)
		}
	}
}

func TestOrientation(t *testing.T) {
	le := []byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"big endian with prefix", append([]byte("Exif\x00\x00"), exifTIFF(8)...), 8},
		{"little endian", le, 6},
		{"out of range value", append([]byte("Exif\x00\x00"), exifTIFF(9)...), 1},
		{"empty", nil, 1},
		{"bad magic", []byte("MM\x00\x2b\x00\x00\x00\x08\x00\x00"), 1},
		{"IFD past the end", []byte("MM\x00\x2a\x7f\xff\xff\xff"), 1},
		{"truncated entries", le[:14], 1},
	}
	for _, tt := range tests {
		if got := Orientation(tt.in); got != tt.want {
			t.Errorf("%s: Orientation = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// phoneGIF is a two-frame looping GIF with a comment and an XMP
// application extension before its frames.
func phoneGIF(t *testing.T) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White}
	frame := func(c uint8) *image.Paletted {
		img := image.NewPaletted(image.Rect(0, 0, 4, 4), pal)
		for i := range img.Pix {
			img.Pix[i] = c
		}
		return img
	}
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{frame(0), frame(1)}, Delay: []int{10, 10}})
	if err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	at := 13
	if enc[10]&0x80 != 0 {
		at += 3 << (enc[10]&7 + 1)
	}
	out := append([]byte{}, enc[:at]...)
	out = append(out, "!\xfe\x0esecret comment\x00"...)
	out = append(out, "!\xff\x0bXMP DataXMP\x09<xmpmeta>\x00"...)
	return append(out, enc[at:]...)
}

func TestColourProfileKept(t *testing.T) {
	icc := segment(0xE2, []byte("ICC_PROFILE\x00\x01\x01display-p3-profile-bytes"))
	raw := phoneJPEG(t, storedPicture(6, 64, 32), 6)
	withICC := append(append(append([]byte{}, raw[:2]...), icc...), raw[2:]...)
	iccp := pngChunk("iCCP", []byte("Display P3\x00\x00x-profile"))
	rawPNG := phonePNG(t, storedPicture(8, 64, 32), 8)
	pngICC := append(append(append([]byte{}, rawPNG[:33]...), iccp...), rawPNG[33:]...)
	var lossless bytes.Buffer
	if err := nativewebp.Encode(&lossless, storedPicture(6, 64, 32), nil); err != nil {
		t.Fatal(err)
	}
	webpICC := webpWithChunks(t, lossless.Bytes(), exifTIFF(6), []byte("webp-p3-profile"))
	for _, tt := range []struct {
		rel  string
		data []byte
		mark string
	}{{"a.jpg", withICC, "display-p3-profile-bytes"}, {"a.png", pngICC, "Display P3\x00"}, {"a.webp", webpICC, "webp-p3-profile"}} {
		dir := t.TempDir()
		src := write(t, dir, tt.rel, tt.data)
		p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16}}
		r, err := p.Process(context.Background(), src, tt.rel)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Files) != 2 {
			t.Fatalf("%s: files %+v", tt.rel, r.Files)
		}
		for _, f := range r.Files {
			b, _ := os.ReadFile(f.Cache)
			if !bytes.Contains(b, []byte(tt.mark)) {
				t.Errorf("%s lost its colour profile", f.Path)
			}
			assertClean(t, f.Path, b)
			assertUpright(t, f.Path, decodeFile(t, f.Cache))
		}
	}
}

func TestResizeTransparent(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{255, 0, 0, 128})
	}
	out := resize(img, 10, 5)
	got := out.RGBAAt(5, 2)
	// Premultiplied: half-transparent red is (128, 0, 0, 128).
	if got.R < 126 || got.R > 130 || got.A != 128 || got.G != 0 {
		t.Errorf("resized pixel %v, want about {128 0 0 128}", got)
	}
}

func TestProcessAnimatedGIF(t *testing.T) {
	dir := t.TempDir()
	src := write(t, dir, "a.gif", phoneGIF(t))
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{2}}
	r, err := p.Process(context.Background(), src, "a.gif")
	if err != nil {
		t.Fatal(err)
	}
	// A still variant would lose the animation: the original only.
	if len(r.Files) != 1 || r.Width != 4 || r.Height != 4 {
		t.Fatalf("result %+v, want the 4×4 original alone", r)
	}
	b, _ := os.ReadFile(r.Files[0].Cache)
	assertClean(t, "a.gif", b)
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 2 {
		t.Errorf("%d frames, want 2", len(g.Image))
	}
}

func TestProcessWebP(t *testing.T) {
	simple, err := os.ReadFile("testdata/video-001.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := write(t, dir, "w.webp", withWebPMetadata(t, simple))
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{64}}
	r, err := p.Process(context.Background(), src, "w.webp")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 2 || r.Files[0].Path != "w.webp" || r.Files[1].Path != "w-64.jpg" {
		t.Fatalf("files %+v, want w.webp and an opaque w-64.jpg", r.Files)
	}
	for _, f := range r.Files {
		b, _ := os.ReadFile(f.Cache)
		assertClean(t, f.Path, b)
		img := decodeFile(t, f.Cache)
		if img.Bounds().Dx() != f.Width || img.Bounds().Dy() != f.Height {
			t.Errorf("%s is %v, result says %dx%d", f.Path, img.Bounds(), f.Width, f.Height)
		}
	}
}

// A transparent WebP's variants are PNG; its profile moves into an iCCP
// chunk that PNG readers accept.
func TestWebPProfileIntoPNGVariant(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{200, 40, 40, 128})
	}
	var enc bytes.Buffer
	if err := nativewebp.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	icc := bytes.Repeat([]byte("p3-profile "), 40)
	dir := t.TempDir()
	src := write(t, dir, "t.webp", webpWithChunks(t, enc.Bytes(), exifTIFF(3), icc))
	p := &Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16}}
	r, err := p.Process(context.Background(), src, "t.webp")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 2 || r.Files[1].Path != "t-16.png" {
		t.Fatalf("files %+v, want t.webp and t-16.png", r.Files)
	}
	b, _ := os.ReadFile(r.Files[1].Cache)
	prof := colourProfile("png", b)
	if len(prof) < 12 {
		t.Fatal("PNG variant has no iCCP chunk")
	}
	_, z, _ := bytes.Cut(prof[8:len(prof)-4], []byte("\x00\x00"))
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, icc) {
		t.Errorf("iCCP holds %q (%v), want the WebP's profile", got, err)
	}
	decodeFile(t, r.Files[1].Cache)
	orig, _ := os.ReadFile(r.Files[0].Cache)
	assertClean(t, "t.webp", orig)
	if !bytes.Contains(orig, icc) {
		t.Error("upright WebP lost its profile")
	}
}
