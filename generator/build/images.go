package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"inkstone/generator/content"
	"inkstone/generator/images"
	"inkstone/generator/site"
)

// image is a content image as the build publishes it.
type image struct {
	key uint64 // the source file's key when processed
	res images.Result
}

// processor makes the web copies of the site's images, in the state
// folder's cache, with the settings uploads use too: an uploaded photo
// is then a cache hit.
func (b *Builder) processor() *images.Processor {
	return &images.Processor{CacheDir: images.CacheDir(b.Config.StateDir()), MaxPixels: b.Config.Media.MaxPixels, Log: b.Log}
}

// processImages brings st.images in step with st.files, processing the
// images that are new or changed, on every core. An image that cannot be
// processed fails the build: publishing it as it is could leak what its
// metadata holds (a phone's GPS position).
func (b *Builder) processImages(ctx context.Context, st *state) (changed bool, err error) {
	if st.images == nil {
		st.images = map[string]image{}
	}
	for rel := range st.images {
		if _, ok := st.files[rel]; !ok {
			delete(st.images, rel)
			changed = true
		}
	}
	var todo []string
	for rel, fk := range st.files {
		if !images.IsImage(rel) {
			continue
		}
		if img, ok := st.images[rel]; !ok || img.key != fk {
			todo = append(todo, rel)
		}
	}
	if len(todo) == 0 {
		return changed, nil
	}
	slices.Sort(todo)
	p := b.processor()
	dir := b.Config.ContentDir()
	done := make([]image, len(todo))
	errs := make([]error, len(todo))
	onEveryCore(ctx, len(todo), func(i int) {
		rel := todo[i]
		res, err := p.Process(ctx, filepath.Join(dir, filepath.FromSlash(rel)), rel)
		if err != nil {
			errs[i] = &content.ParseError{File: path.Join(b.Config.Paths.Content, rel), Line: 1, Msg: err.Error(),
				Hint: "replace it with a JPEG, PNG, GIF or WebP image, or remove it"}
			return
		}
		done[i] = image{key: st.files[rel], res: res}
	})
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := errors.Join(errs...); err != nil {
		return false, fmt.Errorf("images: %w", err)
	}
	for i, rel := range todo {
		st.images[rel] = done[i]
	}
	return true, nil
}

// imageOutputs are the published files of one processed image: the
// cleaned original under its own path, and its variants.
func imageOutputs(st *state, rel string, img image) []output {
	outs := make([]output, 0, len(img.res.Files))
	for i, f := range img.res.Files {
		f := f
		o := output{path: f.Path, kind: kindFile, key: newKey(st.seed, "image").mix(img.key).str(f.Path).sum(),
			render: func(*bytes.Buffer) ([]byte, error) {
				data, err := os.ReadFile(f.Cache)
				if err != nil {
					return nil, fmt.Errorf("copy %s: %w", f.Path, err)
				}
				return data, nil
			}}
		if i == 0 {
			o.src = rel
		}
		outs = append(outs, o)
	}
	return outs
}

// attachPhotos gives each entry's photos the size and variants of the
// site's own images. The entry's key then covers them, so that a page
// showing a photo is rendered again when its image changes.
func (b *Builder) attachPhotos(st *state, entries []*site.Entry) {
	base := strings.TrimSuffix(b.Config.BaseURL, "/")
	for _, e := range entries {
		if len(e.Post.Photo) == 0 {
			continue
		}
		photos := make([]site.Photo, len(e.Post.Photo))
		k := newKey(st.seed, "entry").mix(e.Post.Version).str(e.URL)
		for i, m := range e.Post.Photo {
			ph := site.Photo{URL: m.URL, Alt: m.Alt}
			if img, ok := st.images[ownImage(m.URL, base)]; ok {
				ph.Width, ph.Height, ph.SrcSet = img.res.Width, img.res.Height, images.SrcSet(img.res)
			}
			photos[i] = ph
			k.num(ph.Width).num(ph.Height).str(ph.SrcSet)
		}
		if key := k.sum(); key != e.Key || !slices.Equal(photos, e.Photos) {
			e.Photos, e.Key, e.Card = photos, key, ""
		}
	}
}

// ownImage is the content path of a photo URL on this site ("/media/x.jpg"
// or base+"/media/x.jpg"); "" for others.
func ownImage(u, base string) string {
	switch {
	case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"):
	case base != "" && strings.HasPrefix(u, base+"/"):
		u = strings.TrimPrefix(u, base)
	default:
		return ""
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return strings.TrimPrefix(path.Clean(u), "/")
}
