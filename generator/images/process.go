package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/HugoSmits86/nativewebp"
	"golang.org/x/image/webp"

	"inkstone/internal/atomicfile"
)

// version changes when the output for the same input and settings would
// change, so caches made by older code are not reused.
const version = "2"

// maxFileBytes bounds the image files read from content/.
const maxFileBytes = 256 << 20

// meta describes one cached image; it is stored as meta.json beside its
// files and, for the fast path, in an index file named for a source's
// path, size and modification time.
type meta struct {
	Key      string    `json:"key"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Original string    `json:"original"` // file name in the cache folder
	Variants []variant `json:"variants"`
}

type variant struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Ext    string `json:"ext"`
}

func (v variant) name() string { return "w" + strconv.Itoa(v.Width) + v.Ext }

func (p *Processor) settings() string {
	return fmt.Sprint("v", version, " w", p.widths(), " q", p.quality())
}

func (p *Processor) process(ctx context.Context, src, rel string) (Result, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("image %s: not a regular file", rel)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%d", p.settings(), rel, fi.Size(), fi.ModTime().UnixNano()))
	idxKey := hex.EncodeToString(sum[:16])
	idx := filepath.Join(p.CacheDir, "index", idxKey[:2], idxKey+".json")
	if m, err := readMeta(idx); err == nil {
		return p.result(m, rel), nil
	}
	if fi.Size() > maxFileBytes {
		return Result{}, fmt.Errorf("image %s: %d bytes is more than the %d a photo may have", rel, fi.Size(), maxFileBytes)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", rel, err)
	}
	m, err := p.ensure(ctx, data)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", rel, err)
	}
	buf, err := json.Marshal(m)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", rel, err)
	}
	if err := os.MkdirAll(filepath.Dir(idx), 0o755); err != nil {
		return Result{}, fmt.Errorf("image cache: %w", err)
	}
	if err := atomicfile.WriteFile(idx, buf, atomicfile.Options{}); err != nil {
		return Result{}, fmt.Errorf("image cache: %w", err)
	}
	return p.result(m, rel), nil
}

// result names the published files of a cached image shown at rel.
func (p *Processor) result(m meta, rel string) Result {
	dir := p.blobDir(m.Key)
	r := Result{Width: m.Width, Height: m.Height}
	r.Files = append(r.Files, File{Path: rel, Width: m.Width, Height: m.Height, Cache: filepath.Join(dir, m.Original)})
	stem := rel[:len(rel)-len(path.Ext(rel))]
	for _, v := range m.Variants {
		r.Files = append(r.Files, File{
			Path:  stem + "-" + strconv.Itoa(v.Width) + v.Ext,
			Width: v.Width, Height: v.Height,
			Cache: filepath.Join(dir, v.name()),
		})
	}
	return r
}

func (p *Processor) blobDir(key string) string {
	return filepath.Join(p.CacheDir, key[:2], key)
}

func readMeta(file string) (meta, error) {
	var m meta
	b, err := os.ReadFile(file)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	if len(m.Key) < 2 || m.Original == "" {
		return m, errors.New("incomplete cache entry")
	}
	return m, nil
}

// ensure returns the cache entry for data, making it when missing. Calls
// for the same bytes share one generation; an entry appears whole or not
// at all, since it is built in a temp folder and renamed into place.
func (p *Processor) ensure(ctx context.Context, data []byte) (meta, error) {
	sum := sha256.Sum256(append([]byte(p.settings()+"\x00"), data...))
	key := hex.EncodeToString(sum[:20])
	dir := p.blobDir(key)
	if m, err := readMeta(filepath.Join(dir, "meta.json")); err == nil {
		return m, nil
	}
	p.mu.Lock()
	if c, ok := p.running[key]; ok {
		p.mu.Unlock()
		select {
		case <-c.done:
			return c.meta, c.err
		case <-ctx.Done():
			return meta{}, ctx.Err()
		}
	}
	if p.running == nil {
		p.running = map[string]*call{}
	}
	c := &call{done: make(chan struct{})}
	p.running[key] = c
	p.mu.Unlock()

	c.meta, c.err = p.build(ctx, key, data, dir)
	p.mu.Lock()
	delete(p.running, key)
	p.mu.Unlock()
	close(c.done)
	return c.meta, c.err
}

func (p *Processor) build(ctx context.Context, key string, data []byte, dir string) (meta, error) {
	if err := ctx.Err(); err != nil {
		return meta{}, err
	}
	start := time.Now()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return meta{}, fmt.Errorf("image cache: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), atomicfile.TempPrefix+key[:8]+"-")
	if err != nil {
		return meta{}, fmt.Errorf("image cache: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	m, err := p.generate(ctx, data, tmp)
	if err != nil {
		return meta{}, err
	}
	m.Key = key
	buf, err := json.Marshal(m)
	if err != nil {
		return meta{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), buf, 0o644); err != nil {
		return meta{}, fmt.Errorf("image cache: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have finished the same image first.
		if existing, rerr := readMeta(filepath.Join(dir, "meta.json")); rerr == nil {
			return existing, nil
		}
		return meta{}, fmt.Errorf("image cache: %w", err)
	}
	p.log().Debug("image processed", "key", key, "width", m.Width, "height", m.Height,
		"variants", len(m.Variants), "took", time.Since(start))
	return m, nil
}

// prepared is an image checked against the pixel limit, with its cleaned
// original bytes and, when asked for, its upright pixels.
type prepared struct {
	format  string // jpeg, png, gif, webp
	ext     string // of the cleaned original
	cleaned []byte
	img     image.Image // upright; nil unless decoded
	width   int         // upright
	height  int
	frames  int    // more than 1 for an animated GIF
	profile []byte // colour profile, as colourProfile returns it
}

// Sniff names the image format of data from its first bytes: "jpeg",
// "png", "gif", "webp", or "" for anything else.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// Clean returns data without metadata and turned upright, after checking
// its header against the pixel limit. Pixels are decoded and re-encoded
// only when the orientation requires it; otherwise the coded image is
// kept byte for byte.
func (p *Processor) Clean(data []byte) ([]byte, error) {
	pr, err := p.prepare(data, false)
	if err != nil {
		return nil, err
	}
	return pr.cleaned, nil
}

func (p *Processor) prepare(data []byte, decode bool) (prepared, error) {
	pr := prepared{format: Sniff(data), frames: 1}
	var (
		cfg     image.Config
		err     error
		exif    []byte
		decoder func([]byte) (image.Image, error)
	)
	r := bytes.NewReader(data)
	switch pr.format {
	case "jpeg":
		pr.ext = ".jpg"
		cfg, err = jpeg.DecodeConfig(r)
		decoder = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case "png":
		pr.ext = ".png"
		cfg, err = png.DecodeConfig(r)
		decoder = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case "gif":
		pr.ext = ".gif"
		cfg, err = gif.DecodeConfig(r)
		decoder = func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }
	case "webp":
		pr.ext = ".webp"
		cfg, err = webp.DecodeConfig(r)
		decoder = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return pr, &FormatError{Err: errors.New("unknown file signature")}
	}
	if err != nil {
		return pr, &FormatError{Format: pr.format, Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return pr, &FormatError{Format: pr.format, Err: errors.New("empty image")}
	}
	if max := p.maxPixels(); int64(cfg.Width)*int64(cfg.Height) > int64(max) {
		return pr, &PixelsError{Width: cfg.Width, Height: cfg.Height, Max: max}
	}
	switch pr.format {
	case "jpeg":
		pr.cleaned, exif, err = stripJPEG(data)
	case "png":
		pr.cleaned, exif, err = stripPNG(data)
	case "gif":
		pr.cleaned, pr.frames, err = stripGIF(data, p.maxPixels())
	case "webp":
		pr.cleaned, exif, err = stripWebP(data)
	}
	if err != nil {
		return pr, &FormatError{Format: pr.format, Err: err}
	}
	if pr.format != "gif" {
		pr.profile = colourProfile(pr.format, pr.cleaned)
	}
	o := 1
	if exif != nil {
		o = Orientation(exif)
	}
	pr.width, pr.height = cfg.Width, cfg.Height
	if o >= 5 {
		pr.width, pr.height = cfg.Height, cfg.Width
	}
	if !decode && o == 1 {
		return pr, nil
	}
	img, err := decoder(data)
	if err != nil {
		return pr, &FormatError{Format: pr.format, Err: err}
	}
	pr.img = orient(img, o)
	if o != 1 {
		var buf bytes.Buffer
		switch pr.format {
		case "jpeg":
			err = jpeg.Encode(&buf, pr.img, &jpeg.Options{Quality: p.quality()})
		case "webp":
			// Lossless, the only WebP a pure Go encoder writes: larger
			// than the lossy original, but exact, and the variants
			// (JPEG or PNG) are what pages mostly load.
			err = nativewebp.Encode(&buf, pr.img, nil)
		default: // png; a GIF carries no orientation
			err = png.Encode(&buf, pr.img)
		}
		if err != nil {
			return pr, fmt.Errorf("encode upright image: %w", err)
		}
		pr.cleaned = withProfile(pr.format, buf.Bytes(), pr.profile)
	}
	return pr, nil
}

// generate writes the cleaned original and the variants into dir.
func (p *Processor) generate(ctx context.Context, data []byte, dir string) (meta, error) {
	pr, err := p.prepare(data, true)
	if err != nil {
		return meta{}, err
	}
	m := meta{Width: pr.width, Height: pr.height, Original: "original" + pr.ext}
	if err := os.WriteFile(filepath.Join(dir, m.Original), pr.cleaned, 0o644); err != nil {
		return meta{}, fmt.Errorf("image cache: %w", err)
	}
	if pr.frames > 1 {
		return m, nil // a still variant of an animation would lose it
	}
	ext := ".png"
	if pr.format == "jpeg" || (pr.format == "webp" && opaque(pr.img)) {
		ext = ".jpg"
	}
	widths := slices.Clone(p.widths())
	slices.Sort(widths)
	widths = slices.Compact(widths)
	src := pr.img
	// Largest first, each from the one before: cheaper than scaling the
	// full image every time.
	for i := len(widths) - 1; i >= 0; i-- {
		w := widths[i]
		if w <= 0 || w >= pr.width {
			continue
		}
		if err := ctx.Err(); err != nil {
			return meta{}, err
		}
		h := max(1, (pr.height*w+pr.width/2)/pr.width)
		v := resize(src, w, h)
		src = v
		var buf bytes.Buffer
		if ext == ".jpg" {
			err = jpeg.Encode(&buf, v, &jpeg.Options{Quality: p.quality()})
		} else {
			err = png.Encode(&buf, v)
		}
		if err != nil {
			return meta{}, fmt.Errorf("encode %dpx variant: %w", w, err)
		}
		vr := variant{Width: w, Height: h, Ext: ext}
		out := buf.Bytes()
		if ext == "."+pr.format || (ext == ".jpg" && pr.format == "jpeg") {
			out = withProfile(pr.format, out, pr.profile)
		} else if pr.format == "webp" {
			to := map[string]string{".jpg": "jpeg", ".png": "png"}[ext]
			out = withProfile(to, out, webpProfileAs(to, pr.profile))
		}
		if err := os.WriteFile(filepath.Join(dir, vr.name()), out, 0o644); err != nil {
			return meta{}, fmt.Errorf("image cache: %w", err)
		}
		m.Variants = append(m.Variants, vr)
	}
	slices.Reverse(m.Variants)
	return m, nil
}

// tempAge is how old a temp file in the cache must be for RemoveTemps to
// take it for a crash's leftover rather than work under way in another
// process (a build next to the daemon): making the variants of even the
// largest photo takes seconds.
const tempAge = 15 * time.Minute

// RemoveTemps removes temp files and folders left in the cache by a
// crash; call it before this process starts any Process.
func (p *Processor) RemoveTemps() error {
	err := filepath.WalkDir(p.CacheDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if atomicfile.IsTemp(d.Name()) {
			if fi, err := d.Info(); err != nil || time.Since(fi.ModTime()) < tempAge {
				return nil // gone meanwhile, or still being written
			}
			if err := os.RemoveAll(path); err != nil {
				return err
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() && path != p.CacheDir && filepath.Dir(path) != p.CacheDir && filepath.Base(filepath.Dir(path)) != "index" {
			return filepath.SkipDir // an entry's own folder: nothing temp inside
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clean image cache: %w", err)
	}
	return nil
}
