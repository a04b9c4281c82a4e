package images

import (
	"image"
	"image/color"
	"image/draw"
)

// toRGBA returns img as an *image.RGBA at origin (0,0), converting when
// it is not one already. image/draw has fast paths for the YCbCr and
// paletted images the decoders return.
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// orient turns an image stored with EXIF orientation o (1-8) upright.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	// A decoded JPEG is read in place rather than converted first, which
	// would hold a second full-size copy.
	var pixel func(x, y int, out []uint8)
	b := img.Bounds()
	if yc, ok := img.(*image.YCbCr); ok {
		pixel = func(x, y int, out []uint8) {
			yi, ci := yc.YOffset(b.Min.X+x, b.Min.Y+y), yc.COffset(b.Min.X+x, b.Min.Y+y)
			out[0], out[1], out[2] = color.YCbCrToRGB(yc.Y[yi], yc.Cb[ci], yc.Cr[ci])
			out[3] = 255
		}
	} else {
		src := toRGBA(img)
		pixel = func(x, y int, out []uint8) {
			s := src.PixOffset(x, y)
			copy(out, src.Pix[s:s+4])
		}
	}
	w, h := b.Dx(), b.Dy()
	W, H := w, h
	if o >= 5 {
		W, H = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // needs a quarter turn anticlockwise
				sx, sy = w-1-y, x
			}
			d := dst.PixOffset(x, y)
			pixel(sx, sy, dst.Pix[d:d+4])
		}
	}
	return dst
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
