package images

import (
	"bytes"
	"testing"
)

func FuzzOrientation(f *testing.F) {
	for o := 1; o <= 8; o++ {
		f.Add(append([]byte("Exif\x00\x00"), exifTIFF(o)...))
	}
	f.Add([]byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := Orientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d out of 1-8", o)
		}
	})
}

// FuzzClean feeds arbitrary bytes through the metadata strippers: they
// must not panic, and a file they accept must come out no larger and
// unchanged by a second pass.
func FuzzClean(f *testing.F) {
	f.Add(phoneJPEGBytes([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD9}, 6))
	f.Add(pngHeader(4, 4))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00!\xfe\x01x\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x01\x00\x00;"))
	f.Add([]byte("RIFF\x16\x00\x00\x00WEBPEXIF\x02\x00\x00\x00MMXMP \x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		strip := map[string]func([]byte) ([]byte, error){
			"jpeg": func(b []byte) ([]byte, error) { o, _, err := stripJPEG(b); return o, err },
			"png":  func(b []byte) ([]byte, error) { o, _, err := stripPNG(b); return o, err },
			"gif":  func(b []byte) ([]byte, error) { o, _, err := stripGIF(b, DefaultMaxPixels); return o, err },
			"webp": func(b []byte) ([]byte, error) { o, _, err := stripWebP(b); return o, err },
		}
		for name, fn := range strip {
			out, err := fn(b)
			if err != nil {
				continue
			}
			if len(out) > len(b)+2 { // a JPEG may gain its missing end marker
				t.Fatalf("%s: output %d bytes from %d", name, len(out), len(b))
			}
			again, err := fn(out)
			if err != nil {
				t.Fatalf("%s: cleaned output refused: %v", name, err)
			}
			if !bytes.Equal(again, out) {
				t.Fatalf("%s: second pass changed the output", name)
			}
		}
	})
}
