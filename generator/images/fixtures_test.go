package images

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Fixture colours of the four quadrants of an upright test picture.
var quadrants = [4]color.RGBA{
	{255, 0, 0, 255},     // top left: red
	{0, 200, 0, 255},     // top right: green
	{0, 0, 255, 255},     // bottom left: blue
	{255, 255, 255, 255}, // bottom right: white
}

// uprightColor is the colour at (x, y) of the upright W×H test picture.
func uprightColor(x, y, w, h int) color.RGBA {
	q := 0
	if x >= w/2 {
		q++
	}
	if y >= h/2 {
		q += 2
	}
	return quadrants[q]
}

// storedPicture is the W×H upright picture as a camera stores it with
// EXIF orientation o, following the TIFF 6.0 definition of where row 0
// and column 0 of the stored image lie in the picture as seen.
func storedPicture(o, w, h int) *image.RGBA {
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	img := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for r := 0; r < sh; r++ {
		for c := 0; c < sw; c++ {
			var x, y int
			switch o {
			case 1: // row 0 top, column 0 left
				x, y = c, r
			case 2: // row 0 top, column 0 right
				x, y = w-1-c, r
			case 3: // row 0 bottom, column 0 right
				x, y = w-1-c, h-1-r
			case 4: // row 0 bottom, column 0 left
				x, y = c, h-1-r
			case 5: // row 0 left, column 0 top
				x, y = r, c
			case 6: // row 0 right, column 0 top
				x, y = w-1-r, c
			case 7: // row 0 right, column 0 bottom
				x, y = w-1-r, h-1-c
			case 8: // row 0 left, column 0 bottom
				x, y = r, h-1-c
			}
			img.SetRGBA(c, r, uprightColor(x, y, w, h))
		}
	}
	return img
}

// gpsMarker is a latitude numerator no encoder would write by chance.
const gpsMarker = 0x5EC12E7A

// exifTIFF is a big-endian TIFF block with the orientation and a GPS IFD.
func exifTIFF(o int) []byte {
	be := binary.BigEndian
	b := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, value uint32) {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		b = be.AppendUint32(b, value)
	}
	b = be.AppendUint16(b, 2)
	entry(0x0112, 3, 1, uint32(o)<<16)
	entry(0x8825, 4, 1, 38) // GPS IFD pointer
	b = be.AppendUint32(b, 0)
	// GPS IFD at 38: latitude ref "N" and latitude 3 rationals at 68.
	b = be.AppendUint16(b, 2)
	entry(0x0001, 2, 2, 'N'<<24)
	entry(0x0002, 5, 3, 68)
	b = be.AppendUint32(b, 0)
	for _, v := range []uint32{gpsMarker, 1, 51, 1, 2999, 100} {
		b = be.AppendUint32(b, v)
	}
	return b
}

func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// phoneJPEG encodes img and splices in what phones write: EXIF with GPS,
// XMP, a comment, and a trailing preview image after the end marker.
func phoneJPEG(t testing.TB, img image.Image, o int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	out := append([]byte{}, enc[:2]...)
	out = append(out, segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(o)...))...)
	out = append(out, segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>GPS 51.5 secret</x:xmpmeta>"))...)
	out = append(out, segment(0xFE, []byte("secret comment"))...)
	out = append(out, enc[2:]...)
	// A trailing "preview" carrying its own EXIF, as multi-picture files do.
	out = append(out, 0xFF, 0xD8)
	out = append(out, segment(0xE1, append([]byte("Exif\x00\x00"), exifTIFF(o)...))...)
	return append(out, 0xFF, 0xD9)
}

func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// phonePNG encodes img with text chunks and an eXIf chunk after IHDR.
func phonePNG(t testing.TB, img image.Image, o int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	ihdrEnd := 8 + 12 + 13
	out := append([]byte{}, enc[:ihdrEnd]...)
	out = append(out, pngChunk("tEXt", []byte("Comment\x00GPS secret"))...)
	out = append(out, pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>secret</x:xmpmeta>"))...)
	out = append(out, pngChunk("eXIf", exifTIFF(o))...)
	return append(out, enc[ihdrEnd:]...)
}

// pngHeader is a PNG that claims w×h pixels and holds none.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	return append(out, pngChunk("IEND", nil)...)
}

// secrets are byte strings no cleaned file may contain.
func secrets() [][]byte {
	return [][]byte{
		[]byte("Exif\x00\x00"), []byte("GPS"), []byte("secret"), []byte("xmpmeta"),
		binary.BigEndian.AppendUint32(nil, gpsMarker), binary.LittleEndian.AppendUint32(nil, gpsMarker),
	}
}

func assertClean(t *testing.T, name string, b []byte) {
	t.Helper()
	for _, s := range secrets() {
		if bytes.Contains(b, s) {
			t.Errorf("%s still contains %q", name, s)
		}
	}
	if Sniff(b) == "jpeg" {
		for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
			m := b[i+1]
			if m == 0xDA {
				break
			}
			if m == 0xE1 || m == 0xFE || m == 0xED {
				t.Errorf("%s has a 0xFF%02X metadata segment", name, m)
			}
			i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
		}
	}
}
