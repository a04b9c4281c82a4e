package images

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The strip functions copy an image file without its metadata, keeping
// the coded pixels byte for byte so a cleaned original loses no quality.
// Each also returns the EXIF block it found, for the orientation.

var errTruncated = errors.New("file is truncated")

// stripJPEG keeps the segments a decoder needs (APP0 JFIF, APP2 ICC
// profile, APP14 Adobe colour transform, tables, frames and scans) and
// drops EXIF/XMP (APP1), MPF and FlashPix (other APP2), IPTC (APP13),
// every other APPn, comments, and anything after the end marker, where
// phones append preview images carrying their own EXIF.
func stripJPEG(b []byte) (out, exif []byte, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, nil, errors.New("no JPEG start marker")
	}
	out = make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		// Fill bytes (0xFF) may pad before a marker.
		for i < len(b) && b[i] == 0xFF && i+1 < len(b) && b[i+1] == 0xFF {
			i++
		}
		if i+2 > len(b) {
			return nil, nil, errTruncated
		}
		if b[i] != 0xFF {
			return nil, nil, fmt.Errorf("expected a marker at byte %d", i)
		}
		m := b[i+1]
		switch {
		case m == 0xD9: // end of image
			return append(out, 0xFF, 0xD9), exif, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no length
			out = append(out, b[i:i+2]...)
			i += 2
			continue
		}
		if i+4 > len(b) {
			return nil, nil, errTruncated
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, nil, errTruncated
		}
		seg, payload := b[i:i+2+n], b[i+4:i+2+n]
		i += 2 + n
		switch {
		case m == 0xE1:
			if exif == nil && bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				exif = payload
			}
			continue
		case m == 0xE2 && !bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")):
			continue
		case m >= 0xE0 && m <= 0xEF && m != 0xE0 && m != 0xE2 && m != 0xEE:
			continue
		case m == 0xFE:
			continue
		}
		out = append(out, seg...)
		if m != 0xDA {
			continue
		}
		// Entropy-coded data runs to the next marker that is not a
		// stuffed zero or a restart marker.
		j := i
		for j+1 < len(b) && !(b[j] == 0xFF && b[j+1] != 0x00 && (b[j+1] < 0xD0 || b[j+1] > 0xD7)) {
			j++
		}
		if j+1 >= len(b) {
			return nil, nil, errTruncated
		}
		out = append(out, b[i:j]...)
		i = j
	}
}

// pngKeep are the ancillary PNG chunks kept: transparency, colour and
// animation. Text (tEXt, zTXt, iTXt), eXIf, tIME and unknown chunks go.
var pngKeep = map[string]bool{
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"sBIT": true, "pHYs": true, "bKGD": true, "acTL": true, "fcTL": true, "fdAT": true,
}

func stripPNG(b []byte) (out, exif []byte, err error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < 8 || string(b[:8]) != sig {
		return nil, nil, errors.New("no PNG signature")
	}
	out = make([]byte, 0, len(b))
	out = append(out, sig...)
	i := 8
	for {
		if i+12 > len(b) {
			return nil, nil, errTruncated
		}
		n := int64(binary.BigEndian.Uint32(b[i:]))
		end := int64(i) + 12 + n
		if end > int64(len(b)) {
			return nil, nil, errTruncated
		}
		typ := string(b[i+4 : i+8])
		chunk := b[i:end]
		i = int(end)
		critical := typ[0] >= 'A' && typ[0] <= 'Z'
		if typ == "eXIf" && exif == nil {
			exif = chunk[8 : 8+n]
		}
		if critical || pngKeep[typ] {
			out = append(out, chunk...)
		}
		if typ == "IEND" {
			return out, exif, nil
		}
	}
}

// stripGIF drops comment, plain-text and application extensions other
// than the animation loop count (XMP travels in an application
// extension). It checks each frame against maxPixels, since a GIF's
// frames are decoded one by one and the screen size alone does not bound
// them, and reports the number of frames.
func stripGIF(b []byte, maxPixels int) (out []byte, frames int, err error) {
	if len(b) < 13 || (string(b[:6]) != "GIF87a" && string(b[:6]) != "GIF89a") {
		return nil, 0, errors.New("no GIF header")
	}
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1)
	}
	if i > len(b) {
		return nil, 0, errTruncated
	}
	out = make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	// subBlocks returns the end of the sub-block chain starting at j.
	subBlocks := func(j int) (int, error) {
		for {
			if j >= len(b) {
				return 0, errTruncated
			}
			n := int(b[j])
			j++
			if n == 0 {
				return j, nil
			}
			j += n
		}
	}
	for {
		if i >= len(b) {
			return nil, 0, errTruncated
		}
		switch b[i] {
		case 0x3B: // trailer
			return append(out, 0x3B), frames, nil
		case 0x2C: // image descriptor
			if i+10 > len(b) {
				return nil, 0, errTruncated
			}
			w, h := int(binary.LittleEndian.Uint16(b[i+5:])), int(binary.LittleEndian.Uint16(b[i+7:]))
			if int64(w)*int64(h) > int64(maxPixels) {
				return nil, 0, &PixelsError{Width: w, Height: h, Max: maxPixels}
			}
			j := i + 10
			if b[i+9]&0x80 != 0 {
				j += 3 << (b[i+9]&7 + 1)
			}
			j++ // LZW minimum code size
			end, err := subBlocks(j)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, b[i:end]...)
			frames++
			i = end
		case 0x21: // extension
			if i+2 > len(b) {
				return nil, 0, errTruncated
			}
			label := b[i+1]
			end, err := subBlocks(i + 2)
			if err != nil {
				return nil, 0, err
			}
			keep := label == 0xF9 // graphic control: delays, transparency
			if label == 0xFF && i+14 <= len(b) && b[i+2] == 11 {
				id := string(b[i+3 : i+14])
				keep = id == "NETSCAPE2.0" || id == "ANIMEXTS1.0"
			}
			if keep {
				out = append(out, b[i:end]...)
			}
			i = end
		default:
			return nil, 0, fmt.Errorf("unknown GIF block 0x%02x at byte %d", b[i], i)
		}
	}
}

// stripWebP drops the EXIF and XMP chunks and clears their flags in the
// VP8X header.
func stripWebP(b []byte) (out, exif []byte, err error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, nil, errors.New("no WebP header")
	}
	end := int64(binary.LittleEndian.Uint32(b[4:])) + 8
	if end > int64(len(b)) {
		return nil, nil, errTruncated
	}
	out = make([]byte, 12, len(b))
	copy(out, b[:12])
	i := int64(12)
	for i+8 <= end {
		typ := string(b[i : i+4])
		n := int64(binary.LittleEndian.Uint32(b[i+4:]))
		next := i + 8 + n + n&1
		if i+8+n > end {
			return nil, nil, errTruncated
		}
		if next > end {
			next = end
		}
		switch typ {
		case "EXIF":
			if exif == nil {
				exif = b[i+8 : i+8+n]
			}
		case "XMP ":
		default:
			start := len(out)
			out = append(out, b[i:next]...)
			if typ == "VP8X" && n >= 1 {
				out[start+8] &^= 0x08 | 0x04
			}
		}
		i = next
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, exif, nil
}

// colourProfile returns the ICC profile of a cleaned JPEG, PNG or WebP
// in the form it is stored in: the APP2 ICC_PROFILE segments of a JPEG,
// the iCCP chunk of a PNG, the ICCP chunk of a WebP. Re-encoded files carry it over, since phones shoot
// in wide-gamut colour (Display P3) that looks washed out read as sRGB.
func colourProfile(format string, b []byte) []byte {
	var out []byte
	switch format {
	case "jpeg":
		for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
			m := b[i+1]
			if m == 0xDA || m == 0xD9 {
				break
			}
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			if i+2+n > len(b) {
				break
			}
			if m == 0xE2 && bytes.HasPrefix(b[i+4:i+2+n], []byte("ICC_PROFILE\x00")) {
				out = append(out, b[i:i+2+n]...)
			}
			i += 2 + n
		}
	case "png":
		for i := 8; i+12 <= len(b); {
			n := int64(binary.BigEndian.Uint32(b[i:]))
			end := int64(i) + 12 + n
			if end > int64(len(b)) {
				break
			}
			if string(b[i+4:i+8]) == "iCCP" {
				return b[i:end]
			}
			if string(b[i+4:i+8]) == "IDAT" {
				break
			}
			i = int(end)
		}
	case "webp":
		for i := int64(12); i+8 <= int64(len(b)); {
			n := int64(binary.LittleEndian.Uint32(b[i+4:]))
			end := i + 8 + n + n&1
			if end > int64(len(b)) {
				break
			}
			if string(b[i:i+4]) == "ICCP" {
				return b[i:end]
			}
			i = end
		}
	}
	return out
}

// withProfile inserts a profile from colourProfile into a file just
// encoded by image/jpeg or image/png, which write none.
func withProfile(format string, enc, profile []byte) []byte {
	if len(profile) == 0 {
		return enc
	}
	if format == "webp" {
		return webpWithProfile(enc, profile)
	}
	at := 2 // after the JPEG start marker
	if format == "png" {
		at = 8 + 12 + 13 // after the signature and IHDR
	}
	if len(enc) < at {
		return enc
	}
	out := make([]byte, 0, len(enc)+len(profile))
	out = append(out, enc[:at]...)
	out = append(out, profile...)
	return append(out, enc[at:]...)
}

// webpWithProfile turns a simple lossless WebP (RIFF, VP8L) into the
// extended format, which alone can carry an ICCP chunk: a VP8X header
// flagging the profile (and alpha), the ICCP chunk, then the VP8L chunk.
func webpWithProfile(enc, profile []byte) []byte {
	// The VP8L header: signature 0x2F, then 14 bits width-1, 14 bits
	// height-1 and the alpha bit, least significant first.
	if len(enc) < 25 || string(enc[12:16]) != "VP8L" || enc[20] != 0x2F {
		return enc
	}
	bits := binary.LittleEndian.Uint32(enc[21:25])
	w, h := bits&0x3FFF, (bits>>14)&0x3FFF
	flags := byte(0x20) // ICC profile
	if bits>>28&1 == 1 {
		flags |= 0x10 // alpha
	}
	vp8x := []byte{'V', 'P', '8', 'X', 10, 0, 0, 0, flags, 0, 0, 0,
		byte(w), byte(w >> 8), byte(w >> 16), byte(h), byte(h >> 8), byte(h >> 16)}
	out := make([]byte, 0, len(enc)+len(vp8x)+len(profile))
	out = append(out, "RIFF\x00\x00\x00\x00WEBP"...)
	out = append(out, vp8x...)
	out = append(out, profile...)
	out = append(out, enc[12:]...)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// webpProfileAs converts a WebP ICCP chunk into the form a JPEG ("jpeg":
// APP2 segments of at most 65,519 profile bytes each) or a PNG ("png": a
// zlib-compressed iCCP chunk) stores it in, for the variants of a WebP.
func webpProfileAs(format string, chunk []byte) []byte {
	if len(chunk) < 8 {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(chunk[4:]))
	if 8+n > len(chunk) || n == 0 {
		return nil
	}
	icc := chunk[8 : 8+n]
	switch format {
	case "jpeg":
		const max = 65535 - 2 - 14 // segment length field, ICC_PROFILE header
		count := (len(icc) + max - 1) / max
		if count > 255 {
			return nil
		}
		var out []byte
		for i := 0; i < count; i++ {
			part := icc[i*max : min(len(icc), (i+1)*max)]
			out = append(out, 0xFF, 0xE2)
			out = binary.BigEndian.AppendUint16(out, uint16(2+14+len(part)))
			out = append(out, "ICC_PROFILE\x00"...)
			out = append(out, byte(i+1), byte(count))
			out = append(out, part...)
		}
		return out
	case "png":
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(icc) // writes to a bytes.Buffer do not fail
		zw.Close()
		data := append([]byte("ICC profile\x00\x00"), z.Bytes()...)
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, "iCCP"...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	return nil
}
