package images

import "encoding/binary"

// Orientation reads the EXIF orientation (1-8) from the TIFF structure of
// an EXIF block, with or without its "Exif\x00\x00" prefix. Anything it
// cannot read is 1, the upright default: a bad tag must not fail an
// upload, only leave the image as stored.
func Orientation(exif []byte) int {
	if len(exif) >= 6 && string(exif[:6]) == "Exif\x00\x00" {
		exif = exif[6:]
	}
	if len(exif) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(exif[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(exif[2:4]) != 42 {
		return 1
	}
	ifd := int64(bo.Uint32(exif[4:8]))
	if ifd < 8 || ifd+2 > int64(len(exif)) {
		return 1
	}
	n := int64(bo.Uint16(exif[ifd:]))
	for i := int64(0); i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(exif)) {
			return 1
		}
		if bo.Uint16(exif[e:]) != 0x0112 {
			continue
		}
		// Orientation is one SHORT, stored in the first two bytes of the
		// value field.
		if typ := bo.Uint16(exif[e+2:]); typ != 3 {
			return 1
		}
		if o := int(bo.Uint16(exif[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}
