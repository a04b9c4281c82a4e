package build

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"inkstone/generator/content"
	"inkstone/generator/markdown"
	"inkstone/generator/publish"
	"inkstone/generator/render"
	"inkstone/generator/search"
	"inkstone/generator/site"
)

// state is the site as the last successful build left it, kept in memory
// so that the next build reads, converts and renders only what changed.
type state struct {
	opt     Options
	out     string
	pattern site.Pattern // permalinks
	pub     *publish.Publisher
	search  *search.Static // the browser's index; nil to make afresh
	rend    *render.Renderer
	info    *render.Info
	// footerYear is the newest year's URL, which every page's footer
	// links to: when it changes, every page is rendered again.
	footerYear string

	sources map[string]*source // content path -> post or page
	files   map[string]uint64  // other content files -> size and time, hashed
	// keys holds, for every output of the last build, a hash of all it
	// was rendered from: an output whose inputs hash the same is left
	// alone. This is the output←input graph, kept as the hash of each
	// output's inputs rather than as edges.
	keys map[string]uint64
	// searchFiles are the paths of the browser's search index, which
	// keys leaves out: named by their hash, they need no key.
	searchFiles map[string]bool
	seed        maphash.Seed
	// pending are content paths whose change a failed build did not
	// apply; the next build tries them again.
	pending map[string]bool
	images  map[string]image // processed content images, by content path
	// paths are the keys of sources, sorted; nil when they changed.
	paths []string
	// warm are the sources that may hold what release drops: those read
	// or converted since the last release, and the newest posts.
	warm map[*source]bool
	// cards is the last build's cards, which release drops.
	cards *cards
	// urls maps the permalink of every dated post, drafts and deleted
	// ones included, to its content path, for the write path's lookups.
	urls map[string]string
	// undo reverts this state's changes to sources and urls (rollback).
	undo []func()
	// site is the last build's site, which the next one updates rather
	// than assembles anew when few entries changed; nil to assemble.
	site *site.Site
	// gone are the entries of sources this build replaced or dropped,
	// fresh those it converted: what changed since site.
	gone, fresh []*site.Entry
	// touched are the content paths this build put.
	touched []string
	// docs are the last build's search documents, of docsOf, its posts.
	docs   []search.Doc
	docsOf []*site.Entry
}

// source is one content file with what was worked out from it.
type source struct {
	post *content.Post
	// entry is the post as templates see it, nil until converted or when
	// it gets no page. It is reused by later builds while the file is
	// unchanged; Prev, Next and the card are reset as needed.
	entry *site.Entry
	// err is why the file could not be converted, for builds that keep
	// going (check).
	err error
	// hollow is set once the entry's HTML and text were let go to save
	// memory; a build that renders the entry converts the file again.
	hollow bool
}

// clone copies the small maps a build changes, so that a failed build
// leaves the state as it was. The large ones, sources and urls, are
// shared and changed in place, with a record to undo it (rollback).
func (st *state) clone() *state {
	c := *st
	c.undo, c.gone, c.fresh, c.touched = nil, nil, nil, nil
	c.files = make(map[string]uint64, len(st.files)+1)
	for k, v := range st.files {
		c.files[k] = v
	}
	c.images = make(map[string]image, len(st.images))
	for k, v := range st.images {
		c.images[k] = v
	}
	c.warm = make(map[*source]bool, len(st.warm)+1)
	for k := range st.warm {
		c.warm[k] = true
	}
	return &c
}

// rollback undoes what put and drop did to the state's sources and urls,
// which the clone shares with the state it was made from; call it when
// the clone is let go instead of becoming the Builder's state.
func (st *state) rollback() {
	for i := len(st.undo) - 1; i >= 0; i-- {
		st.undo[i]()
	}
	st.undo = nil
}

// setSource and setURL change sources and urls, recording how to undo it.
func (st *state) setSource(rel string, src *source) {
	old, had := st.sources[rel]
	st.undo = append(st.undo, func() {
		if had {
			st.sources[rel] = old
		} else {
			delete(st.sources, rel)
		}
	})
	if src == nil {
		delete(st.sources, rel)
	} else {
		st.sources[rel] = src
	}
}

func (st *state) setURL(u, rel string) {
	old, had := st.urls[u]
	st.undo = append(st.undo, func() {
		if had {
			st.urls[u] = old
		} else {
			delete(st.urls, u)
		}
	})
	if rel == "" {
		delete(st.urls, u)
	} else {
		st.urls[u] = rel
	}
}

// put adds or replaces the source at rel.
func (st *state) put(rel string, src *source) {
	st.drop(rel)
	st.touched = append(st.touched, rel)
	if st.paths != nil {
		// A new slice: the last build's state may share the old one.
		i, _ := slices.BinarySearch(st.paths, rel)
		st.paths = slices.Insert(slices.Clip(st.paths), i, rel)
	}
	st.setSource(rel, src)
	if st.warm == nil {
		st.warm = map[*source]bool{}
	}
	st.warm[src] = true
	if u := addressOf(src.post, st.pattern); u != "" {
		st.setURL(u, rel)
	}
}

// drop removes the source at rel, if any.
func (st *state) drop(rel string) {
	old := st.sources[rel]
	if old == nil {
		return
	}
	if old.entry != nil {
		st.gone = append(st.gone, old.entry)
	}
	if i, ok := slices.BinarySearch(st.paths, rel); ok {
		st.paths = slices.Delete(slices.Clone(st.paths), i, i+1)
	}
	st.setSource(rel, nil)
	if u := addressOf(old.post, st.pattern); u != "" && st.urls[u] == rel {
		st.setURL(u, "")
	}
}

// addressOf is the permalink the write path finds a post by; "" for pages
// and undated posts.
func addressOf(p *content.Post, pattern site.Pattern) string {
	if p.Kind != content.KindPost || p.Date.IsZero() {
		return ""
	}
	return site.URLFor(p, pattern)
}

// fileKey hashes what tells a changed file from an unchanged one without
// reading it.
func fileKey(seed maphash.Seed, fi fs.FileInfo) uint64 {
	return newKey(seed, "stat").mix(uint64(fi.Size())).mix(uint64(fi.ModTime().UnixNano())).sum()
}

// refresh reads the changed content paths into st. A path may name a
// file, a folder (every file under it changed) or something removed.
// Problems with files are joined into the returned error; the others are
// still applied.
func (b *Builder) refresh(st *state, paths []string) (changed bool, err error) {
	store := &content.Store{Dir: b.Config.ContentDir()}
	var errs []error
	seen := map[string]bool{}
	var visit func(rel string)
	visit = func(rel string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		full := filepath.Join(store.Dir, filepath.FromSlash(rel))
		fi, err := os.Stat(full)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if st.forget(rel) {
				changed = true
			}
			return
		case err != nil:
			errs = append(errs, fmt.Errorf("load %s: %w", rel, err))
			return
		case fi.IsDir():
			err := filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if p != full && content.Ignored(d.Name()) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if !d.IsDir() {
					r, err := filepath.Rel(store.Dir, p)
					if err != nil {
						return err
					}
					visit(filepath.ToSlash(r))
				}
				return nil
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("scan %s: %w", rel, err))
			}
			return
		}
		if !strings.HasSuffix(rel, ".md") {
			fk := fileKey(st.seed, fi)
			if old, ok := st.files[rel]; !ok || old != fk || st.sources[rel] != nil {
				changed = true
			}
			st.drop(rel)
			st.files[rel] = fk
			return
		}
		p, err := store.Load(rel)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if _, ok := st.files[rel]; ok {
			changed = true
			delete(st.files, rel)
		}
		if old := st.sources[rel]; old != nil && old.post.Version == p.Version && old.err == nil {
			return // our own write, seen again by the watcher
		}
		st.put(rel, &source{post: p})
		changed = true
	}
	for _, rel := range paths {
		rel = path.Clean(strings.TrimPrefix(filepath.ToSlash(rel), "/"))
		if rel == "." {
			rel = ""
		}
		if hidden(rel) {
			continue
		}
		if err := content.CheckPath(rel); err != nil && rel != "" {
			errs = append(errs, err)
			continue
		}
		visit(rel)
	}
	return changed, errors.Join(errs...)
}

// hidden reports whether any part of a content path is a name builds skip.
func hidden(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if part != "" && content.Ignored(part) {
			return true
		}
	}
	return false
}

// forget drops a removed path, or everything under a removed folder, and
// reports whether it held anything.
func (st *state) forget(rel string) bool {
	n := len(st.sources) + len(st.files)
	st.drop(rel)
	delete(st.files, rel)
	prefix := rel + "/"
	if rel == "" {
		prefix = ""
	}
	for k := range st.sources {
		if strings.HasPrefix(k, prefix) {
			st.drop(k)
		}
	}
	for k := range st.files {
		if strings.HasPrefix(k, prefix) {
			delete(st.files, k)
		}
	}
	return len(st.sources)+len(st.files) != n
}

// convert makes the entry of every source that gets a page and has none
// yet, on every core, and sets st.fresh to them. With only, it looks at
// those paths alone: a build that updates the last build's site, whose
// other sources have their entries, passes the paths it changed.
func (b *Builder) convert(ctx context.Context, st *state, only []string) error {
	st.fresh = st.fresh[:0]
	paths := only
	if paths == nil {
		paths = st.sortedPaths()
	}
	var todo []*source
	var errs []error
	listed := make(map[*source]bool, len(paths))
	for _, rel := range paths {
		src := st.sources[rel]
		if src == nil || listed[src] {
			continue // dropped since, or listed twice
		}
		listed[src] = true
		p := src.post
		if !p.Rendered(st.opt.Drafts) {
			continue
		}
		if p.Kind == content.KindPost && p.Date.IsZero() {
			errs = append(errs, &content.ParseError{File: b.contentPath(p), Line: 1, Msg: "date is missing",
				Hint: "add a date line to the front matter, e.g. date: 2024-05-01T09:30:00Z"})
			continue
		}
		if src.entry == nil {
			todo = append(todo, src)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("load: %w", errors.Join(errs...))
	}
	onEveryCore(ctx, len(todo), func(i int) {
		src := todo[i]
		src.entry, src.err = b.entry(src.post, st.pattern, st.opt.Drafts, st.seed)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, src := range todo {
		if src.err != nil {
			errs = append(errs, src.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Converted again next time, in case the failure was passing.
		for _, src := range todo {
			src.entry, src.err = nil, nil
		}
		return fmt.Errorf("render: %w", err)
	}
	for _, src := range todo {
		st.fresh = append(st.fresh, src.entry)
	}
	return nil
}

// sortedPaths returns the content paths of the sources, sorted.
func (st *state) sortedPaths() []string {
	if st.paths == nil {
		st.paths = make([]string, 0, len(st.sources))
		for rel := range st.sources {
			st.paths = append(st.paths, rel)
		}
		sort.Strings(st.paths)
	}
	return st.paths
}

// rendered lists the entries of the site: newest folders first, so that
// posts/YYYY/MM/ paths come nearly in the order Assemble sorts them in,
// which it does fastest.
func (st *state) rendered() []*site.Entry {
	paths := st.sortedPaths()
	entries := make([]*site.Entry, 0, len(paths))
	for i := len(paths) - 1; i >= 0; i-- {
		src := st.sources[paths[i]]
		if e := src.entry; e != nil && src.post.Rendered(st.opt.Drafts) {
			entries = append(entries, e)
		}
	}
	return entries
}

// entry converts one post's Markdown (or HTML) and works out what
// templates print.
func (b *Builder) entry(p *content.Post, pattern site.Pattern, drafts bool, seed maphash.Seed) (*site.Entry, error) {
	var res markdown.Result
	var err error
	if p.IsHTML() {
		res, err = b.Markdown.HTML([]byte(p.Body))
	} else {
		res, err = b.Markdown.Markdown([]byte(p.Body))
	}
	if err != nil {
		return nil, &content.ParseError{File: b.contentPath(p), Line: p.BodyLine, Msg: err.Error()}
	}
	return b.describe(p, template.HTML(res.HTML), res.Text, pattern, drafts, seed), nil // sanitised by the markdown package
}

// describe makes the entry of a converted post.
func (b *Builder) describe(p *content.Post, html template.HTML, text string, pattern site.Pattern, drafts bool, seed maphash.Seed) *site.Entry {
	e := &site.Entry{
		Post:   p,
		Slug:   site.SlugOf(p),
		URL:    site.URLFor(p, pattern),
		Type:   p.EffectiveType(),
		HTML:   html,
		Text:   text,
		Listed: p.Listed(drafts) && p.Kind == content.KindPost,
	}
	e.Summary = p.Summary
	if e.Summary == "" {
		e.Summary = markdown.Summary(text, summaryChars)
	}
	for _, t := range p.Tags {
		e.Tags = append(e.Tags, site.TagRefFor(t))
	}
	for _, m := range p.Photo {
		e.Photos = append(e.Photos, site.Photo{URL: m.URL, Alt: m.Alt})
	}
	e.Prepare(b.Config.BaseURL)
	e.Key = newKey(seed, "entry").mix(p.Version).str(e.URL).sum()
	e.LinkKey = newKey(seed, "link").str(e.URL).str(e.Label).sum()
	e.Loc = escapedURL(b.Config, e.URL)
	return e
}

// keepNewest is how many of the newest posts keep their HTML in memory.
const keepNewest = 200

// release drops what the next build does not need, to keep the daemon
// small: a post's body once converted (a changed file is read again),
// the cards of list pages (a build renders few of them again), and the
// HTML and text of every post but the newest keep, which the feeds show
// (a build that renders the others converts them again: see hydrate).
func (st *state) release(s *site.Site, keep int) {
	// The newest posts are on the pages a new post changes (the first
	// page of the home page and of its tags): keep theirs too.
	keep = max(keep, keepNewest)
	kept := make(map[*site.Entry]bool, keep)
	for i, e := range s.Posts {
		if i >= keep {
			break
		}
		kept[e] = true
	}
	if st.cards != nil {
		for e := range st.cards.once {
			e.Card = ""
		}
		st.cards = nil
	}
	for src := range st.warm {
		src.post.Body = ""
		e := src.entry
		if e == nil || src.post.Kind != content.KindPost {
			delete(st.warm, src)
			continue
		}
		if !kept[e] {
			e.HTML, e.Text = "", ""
			src.hollow = true
			delete(st.warm, src)
		}
	}
}

// hydrate converts again the hollow entries that the outputs about to
// be rendered show, on every core, before any renders: templates read
// the fields without locks.
func (b *Builder) hydrate(ctx context.Context, st *state, outs []output) error {
	seen := map[*source]bool{}
	var todo []*source
	for _, o := range outs {
		for _, e := range o.needs {
			src := st.sources[e.Post.Path]
			if src != nil && src.hollow && src.entry == e && !seen[src] {
				seen[src] = true
				todo = append(todo, src)
			}
		}
	}
	store := &content.Store{Dir: b.Config.ContentDir()}
	errs := make([]error, len(todo))
	onEveryCore(ctx, len(todo), func(i int) {
		src := todo[i]
		p, err := store.Load(src.post.Path)
		if err != nil {
			errs[i] = err
			return
		}
		// A file changed since is shown as it is now; the watcher's
		// report of the change renders its pages again.
		fresh, err := b.entry(p, st.pattern, st.opt.Drafts, st.seed)
		if err != nil {
			errs[i] = err
			return
		}
		src.entry.HTML, src.entry.Text = fresh.HTML, fresh.Text
		src.hollow = false
	})
	for i, src := range todo {
		if errs[i] == nil {
			st.warm[src] = true
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}
