package images

import (
	"image"
	"image/color"
	"math"
)

// resize scales img down to w×h by area averaging: each output pixel is
// the mean of the source pixels it covers, weighted by coverage. It reads
// the source one row at a time and keeps only one output row of sums, so
// a 12-megapixel photo needs no buffer beyond the output: general
// separable kernels (golang.org/x/image/draw) hold a float64 copy of the
// whole half-scaled image, hundreds of megabytes for a phone photo.
// Area averaging is also free of aliasing and ringing when shrinking.
func resize(img image.Image, w, h int) *image.RGBA {
	sb := img.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w <= 0 || h <= 0 || sw <= 0 || sh <= 0 {
		return dst
	}
	fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)

	// Horizontal taps: for output column x, source columns from
	// tapStart[x], with weights tapW[tapOff[x]:tapOff[x+1]].
	tapStart := make([]int, w)
	tapOff := make([]int, w+1)
	var tapW []float32
	for x := range w {
		lo, hi := float64(x)*fx, float64(x+1)*fx
		first := int(lo)
		last := min(int(math.Ceil(hi)), sw)
		tapStart[x] = first
		for i := first; i < last; i++ {
			tapW = append(tapW, float32((math.Min(hi, float64(i+1))-math.Max(lo, float64(i)))/fx))
		}
		tapOff[x+1] = len(tapW)
	}

	read := rowReader(img)
	src := make([]uint8, sw*4)
	hrow := make([]float32, w*4)
	acc := make([]float32, w*4)
	cached := -1
	for y := range h {
		lo, hi := float64(y)*fy, float64(y+1)*fy
		first := int(lo)
		last := min(int(math.Ceil(hi)), sh)
		clear(acc)
		for j := first; j < last; j++ {
			wy := float32((math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))) / fy)
			if j != cached {
				// A boundary row serves two output rows; resample it once.
				read(sb.Min.Y+j, src)
				for x := range w {
					var r, g, b, a float32
					s := tapStart[x] * 4
					for _, wt := range tapW[tapOff[x]:tapOff[x+1]] {
						r += wt * float32(src[s])
						g += wt * float32(src[s+1])
						b += wt * float32(src[s+2])
						a += wt * float32(src[s+3])
						s += 4
					}
					hrow[x*4], hrow[x*4+1], hrow[x*4+2], hrow[x*4+3] = r, g, b, a
				}
				cached = j
			}
			for i, v := range hrow {
				acc[i] += wy * v
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for i, v := range acc {
			out[i] = uint8(min(max(v+0.5, 0), 255))
		}
	}
	return dst
}

// rowReader returns a function that fills buf with row y of img as
// premultiplied RGBA bytes, with fast paths for what decoders return.
func rowReader(img image.Image) func(y int, buf []uint8) {
	b := img.Bounds()
	switch src := img.(type) {
	case *image.RGBA:
		return func(y int, buf []uint8) {
			i := src.PixOffset(b.Min.X, y)
			copy(buf, src.Pix[i:i+b.Dx()*4])
		}
	case *image.YCbCr:
		return func(y int, buf []uint8) {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := src.YOffset(x, y), src.COffset(x, y)
				r, g, bl := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				o := (x - b.Min.X) * 4
				buf[o], buf[o+1], buf[o+2], buf[o+3] = r, g, bl, 255
			}
		}
	case *image.NRGBA: // PNG with transparency
		return func(y int, buf []uint8) {
			i := src.PixOffset(b.Min.X, y)
			for x, px := 0, src.Pix[i:i+b.Dx()*4]; x < len(px); x += 4 {
				a := uint16(px[x+3])
				buf[x] = uint8((uint16(px[x])*a + 127) / 255)
				buf[x+1] = uint8((uint16(px[x+1])*a + 127) / 255)
				buf[x+2] = uint8((uint16(px[x+2])*a + 127) / 255)
				buf[x+3] = px[x+3]
			}
		}
	case *image.Gray:
		return func(y int, buf []uint8) {
			i := src.PixOffset(b.Min.X, y)
			for x, v := range src.Pix[i : i+b.Dx()] {
				buf[x*4], buf[x*4+1], buf[x*4+2], buf[x*4+3] = v, v, v, 255
			}
		}
	}
	return func(y int, buf []uint8) {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			o := (x - b.Min.X) * 4
			buf[o], buf[o+1], buf[o+2], buf[o+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
		}
	}
}
