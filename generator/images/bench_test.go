package images

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkProcess12MP makes every file of a 4000×3000 phone photo
// (orientation 6, EXIF with GPS) from an empty cache.
func BenchmarkProcess12MP(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Y {
		// A gradient with noise compresses like a photo, unlike a flat fill.
		img.Y[i] = uint8(i%4000/16) + uint8(rng.IntN(24))
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(100+i%50), uint8(140-i%40)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	dir := b.TempDir()
	src := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(src, phoneJPEGBytes(data, 6), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		cache := filepath.Join(dir, "cache"+strconv.Itoa(i))
		p := &Processor{CacheDir: cache}
		r, err := p.Process(context.Background(), src, "media/ab/photo.jpg")
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Files) != 5 {
			b.Fatalf("%d files, want the original and 4 variants", len(r.Files))
		}
		b.StopTimer()
		os.RemoveAll(cache)
		i++
		b.StartTimer()
	}
}

// phoneJPEGBytes splices an EXIF block with orientation o after SOI.
func phoneJPEGBytes(enc []byte, o int) []byte {
	out := append([]byte{}, enc[:2]...)
	out = append(out, segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(o)...))...)
	return append(out, enc[2:]...)
}

// BenchmarkProcessCached is the per-image cost of a build when every
// image is cached already: what a 10,000-photo site pays per photo.
func BenchmarkProcessCached(b *testing.B) {
	dir := b.TempDir()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 1200, 800)), nil); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	p := &Processor{CacheDir: filepath.Join(dir, "cache")}
	if _, err := p.Process(context.Background(), src, "media/ab/photo.jpg"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Process(context.Background(), src, "media/ab/photo.jpg"); err != nil {
			b.Fatal(err)
		}
	}
}
