// Package build turns a site's content folder into public/: load, assemble,
// render and publish, in that order. Every output is rendered before any is
// made visible, so a failed build leaves the previous site as it was.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/markdown"
	"inkstone/generator/publish"
	"inkstone/generator/render"
	"inkstone/generator/search"
	"inkstone/generator/site"
	"inkstone/internal/config"
	"inkstone/internal/parallel"
	"inkstone/themes"
)

// summaryChars is the length of summaries made from a post's text.
const summaryChars = 280

// Options change what a build includes and where it writes.
type Options struct {
	Out    string // output folder; the config's public folder when empty
	Drafts bool   // render drafts too (never for the public site)
}

// Summary reports what a build did.
type Summary struct {
	Posts     int // posts and pages rendered
	Pages     int // HTML files produced
	Feeds     int // feeds, sitemap and robots.txt produced
	Files     int // static files (theme assets, media) produced
	Rendered  int // outputs rendered by this build; the others were up to date
	Written   int // files created or changed on disk
	Unchanged int // files left alone because their bytes were the same
	Removed   int // stale files removed
	Took      time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("%d posts: %d pages, %d feeds, %d files; %d rendered, %d written, %d unchanged, %d removed in %s",
		s.Posts, s.Pages, s.Feeds, s.Files, s.Rendered, s.Written, s.Unchanged, s.Removed, s.Took.Round(time.Millisecond))
}

// Builder builds one site. It keeps the site in memory between builds,
// so that Apply renders only what a change touches.
type Builder struct {
	Config   *config.Site
	Markdown *markdown.Renderer
	Log      *slog.Logger
	Now      func() time.Time

	// mu makes builds take turns: publish is the one writer to public/.
	// Index, when set, is given every searchable post after each build
	// that publishes: the bleve index that `inkstone search` reads.
	Index Indexer

	mu sync.Mutex
	st *state // the last successful build; nil before the first
	// stale is set when the config changed: the next build must be Full.
	stale bool
}

// Indexer keeps a search index in step with the site.
type Indexer interface {
	Sync(ctx context.Context, docs []search.Doc) error
}

// New returns a Builder for cfg with its own Markdown renderer.
func New(cfg *config.Site, log *slog.Logger, now func() time.Time) *Builder {
	return &Builder{Config: cfg, Markdown: markdown.New(), Log: log, Now: now}
}

// Theme returns the theme's files: the site's own folder over the embedded
// default, so a site can override any single file.
func (b *Builder) Theme() (fs.FS, error) {
	name := b.Config.Theme
	dir := filepath.Join(b.Config.ThemesDir(), name)
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return themes.Overlay(os.DirFS(dir), themes.Default()), nil
	case name == "default":
		return themes.Default(), nil
	default:
		return nil, &config.Error{File: b.Config.File, Key: "theme",
			Msg:  fmt.Sprintf("theme %q not found in %s", name, b.Config.ThemesDir()),
			Hint: `create that folder or use theme = "default"`}
	}
}

// output is one file of the site, rendered lazily by a worker.
type output struct {
	path string
	kind outputKind
	// src or post is the content file this output comes from, for clash
	// errors; both are empty for generated outputs and theme files.
	src  string
	post *content.Post
	// key hashes everything the output is rendered from; an output whose
	// key is the one it had in the last build is not rendered again.
	key uint64
	// needs are the entries whose HTML the output shows.
	needs []*site.Entry
	// render returns the file's bytes. It may write them into buf, which
	// is empty and is reused once the bytes are published.
	render func(buf *bytes.Buffer) ([]byte, error)
}

type outputKind int

const (
	kindPage outputKind = iota
	kindFeed
	kindFile
)

// Full builds the whole site from the files on disk: every output is
// rendered, and every file of an earlier build that this one does not
// produce is removed. Conversions of unchanged posts are reused from the
// last build.
func (b *Builder) Full(ctx context.Context, opt Options) (Summary, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	start := time.Now()
	phase := b.phases()
	cfg := b.Config
	store := &content.Store{Dir: cfg.ContentDir()}
	snap, err := store.LoadAll(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("load: %w", err)
	}
	theme, err := b.Theme()
	if err != nil {
		return Summary{}, err
	}
	rend, err := render.New(theme, markdown.CSS())
	if err != nil {
		return Summary{}, fmt.Errorf("theme: %w", err)
	}
	pattern := site.Pattern(cfg.Permalink)
	st := &state{opt: opt, out: b.outDir(opt), pattern: pattern, rend: rend, seed: maphash.MakeSeed(),
		sources: make(map[string]*source, len(snap.Posts)), files: make(map[string]uint64, len(snap.Files)),
		keys: map[string]uint64{}, urls: make(map[string]string, len(snap.Posts))}
	old := b.st
	if old != nil {
		st.pub = old.pub // its cached manifest
		st.images = maps.Clone(old.images)
	}
	for _, p := range snap.Posts {
		src := &source{post: p}
		// The Markdown of an unchanged file is not converted again.
		if old != nil {
			if o := old.sources[p.Path]; o != nil && o.entry != nil && !o.hollow && o.post.Version == p.Version {
				src.entry = b.describe(p, o.entry.HTML, o.entry.Text, pattern, opt.Drafts, st.seed)
			}
		}
		st.put(p.Path, src)
	}
	for _, f := range snap.Files {
		fi, err := os.Stat(filepath.Join(store.Dir, filepath.FromSlash(f)))
		if err != nil {
			return Summary{}, fmt.Errorf("load: %w", err)
		}
		st.files[f] = fileKey(st.seed, fi)
	}
	phase("load")
	return b.build(ctx, st, true, start, phase)
}

// Apply brings public/ up to date with the content paths that changed
// (slash paths relative to the content folder: files, folders, or paths
// that are gone), rendering only the outputs whose inputs changed. Theme
// and config changes need Full. Before the first build, Apply is Full.
func (b *Builder) Apply(ctx context.Context, paths []string) (Summary, error) {
	b.mu.Lock()
	// The browser's search index is made afresh only from a full load:
	// hollow entries have no text to index.
	if b.st == nil || b.stale || b.st.search == nil || !exists(b.st.out) {
		opt := Options{}
		if b.st != nil {
			opt = b.st.opt
		}
		b.mu.Unlock()
		return b.Full(ctx, opt)
	}
	defer b.mu.Unlock()
	start := time.Now()
	phase := b.phases()
	st := b.st.clone()
	for rel := range b.st.pending {
		paths = append(paths, rel)
	}
	st.pending = nil
	changed, err := b.refresh(st, paths)
	if err == nil && !changed && len(b.st.pending) == 0 {
		// Nothing new: most often the watcher reporting a file that a
		// Micropub write has built already.
		st.rollback()
		return Summary{Took: time.Since(start)}, nil
	}
	if err == nil {
		phase("load")
		var sum Summary
		sum, err = b.build(ctx, st, false, start, phase)
		if err == nil {
			st.undo = nil
			return sum, nil
		}
	}
	st.rollback()
	b.st.site = nil // the build may have changed it part way
	// Tried again with the next change, so that a fix to one file does
	// not leave another file's change out.
	if b.st.pending == nil {
		b.st.pending = map[string]bool{}
	}
	for _, rel := range paths {
		b.st.pending[rel] = true
	}
	return Summary{}, err
}

func exists(dir string) bool {
	_, err := os.Stat(dir)
	return err == nil
}

func (b *Builder) outDir(opt Options) string {
	if opt.Out != "" {
		return opt.Out
	}
	return b.Config.PublicDir()
}

// updateLimit is how many changed entries the last build's site is
// updated with; more, and assembling anew is as quick.
const updateLimit = 256

// assemble arranges the entries into a site: for an incremental build,
// the last build's, updated with what changed, else a new one; updated
// tells which.
func (b *Builder) assemble(st *state, entries []*site.Entry, incremental bool) (s *site.Site, updated bool, err error) {
	prev := st.site
	st.site = nil // Update changes it: a failed build must not reuse it
	if incremental {
		s, err := prev.Update(st.gone, st.fresh)
		if err == nil {
			return s, true, nil
		}
		if !errors.Is(err, site.ErrAssemble) {
			return nil, false, err
		}
	}
	if entries == nil {
		entries = st.rendered()
	}
	s, err = site.Assemble(entries)
	return s, false, err
}

// removed lists the outputs of the last build that this one, an
// incremental one, no longer makes (the search index's files aside).
// Usually there are none, which counting tells without a set of every
// path.
func (b *Builder) removed(st *state, outs []output, same []sameOutput, full bool) []string {
	if full {
		return nil
	}
	present := len(same) // same outputs are in keys
	for _, o := range outs {
		if _, ok := st.keys[o.path]; ok {
			present++
		}
	}
	if present == len(st.keys) {
		return nil
	}
	now := make(map[string]bool, len(outs)+len(same))
	for _, o := range outs {
		now[o.path] = true
	}
	for _, o := range same {
		now[o.path] = true
	}
	var gone []string
	for p := range st.keys {
		if !now[p] {
			gone = append(gone, p)
		}
	}
	return gone
}

// build converts, assembles, renders and publishes st. A full build
// renders every output and removes anything else an earlier build wrote;
// otherwise only outputs whose key changed are rendered. On success st
// becomes the Builder's state.
func (b *Builder) build(ctx context.Context, st *state, full bool, start time.Time, phase func(string)) (Summary, error) {
	// An incremental build updates the last build's site with the
	// sources it changed; it need not look at the others.
	incremental := !full && st.site != nil && len(st.touched)+len(st.gone) <= updateLimit
	var only []string
	if incremental {
		only = st.touched[:len(st.touched):len(st.touched)]
	}
	if err := b.convert(ctx, st, only); err != nil {
		return Summary{}, err
	}
	phase("markdown")
	imagesChanged, err := b.processImages(ctx, st)
	if err != nil {
		return Summary{}, err
	}
	var entries []*site.Entry // every rendered entry, listed when needed
	if incremental && !imagesChanged {
		b.attachPhotos(st, st.fresh) // the others' images are as they were
	} else {
		entries = st.rendered()
		b.attachPhotos(st, entries)
	}
	phase("images")
	s, updated, err := b.assemble(st, entries, incremental)
	if err != nil {
		return Summary{}, fmt.Errorf("assemble: %w", b.fromRoot(err))
	}
	all := b.setInfo(st, s) || full
	outs, same := b.plan(st, s, all)
	if err := b.clashes(outs, same); err != nil {
		if len(same) > 0 {
			// Name both sides: plan every output in full.
			everything, _ := b.plan(st, s, true)
			err = b.clashes(everything, nil)
		}
		return Summary{}, fmt.Errorf("assemble: %w", err)
	}
	phase("assemble")
	docs := searchDocs(st, s, updated, max(b.Config.Feeds.Items, keepNewest))
	if full || st.search == nil {
		if st.search, err = search.NewStatic(b.Config.Language); err != nil {
			return Summary{}, fmt.Errorf("search: %w", err)
		}
	}
	// From here a failure must not leave the last build's state thinking
	// the search files of this one were published.
	defer func() {
		if b.st != st && b.st != nil {
			b.st.search = nil
		}
	}()
	// The browser's search index is worked out while the pages render.
	type searched struct {
		files []search.File
		err   error
	}
	index := make(chan searched, 1)
	go func() {
		t := time.Now()
		files, err := st.search.Update(ctx, docs)
		if b.Log != nil {
			b.Log.Debug("build phase", "phase", "search index", "took", time.Since(t).Round(time.Microsecond))
		}
		index <- searched{files, err}
	}()
	todo := slices.Clip(outs)
	err = b.hydrate(ctx, st, todo)
	phase("hydrate")

	if st.pub == nil || st.pub.Dir != st.out || st.pub.StateDir != b.Config.StateDir() {
		st.pub = &publish.Publisher{Dir: st.out, StateDir: b.Config.StateDir()}
	}
	tx := st.pub.Begin()
	// The index's files are written as soon as it is done, while pages
	// may still be rendering.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type written struct {
		searched
		found []output
	}
	wrote := make(chan written, 1)
	go func() {
		res := <-index
		w := written{searched: res}
		if res.err == nil {
			w.found = searchOutputs(st, res.files)
			w.err = runPerFolder(wctx, w.found, tx)
		}
		wrote <- w
	}()
	if err == nil {
		err = run(wctx, todo, tx)
	}
	if err != nil {
		cancel() // no need to write the index
	}
	phase("pages")
	res := <-wrote
	if err == nil && res.err != nil {
		if res.found == nil {
			st.search = nil // the index failed, not the writing
		}
		err = fmt.Errorf("search: %w", res.err)
	}
	searchFiles := make(map[string]bool, len(res.files))
	if err == nil {
		for _, f := range res.files {
			searchFiles[f.Path] = true
		}
		todo = append(todo, res.found...)
	}
	if err != nil {
		tx.Abort()
		return Summary{}, err
	}
	removed := b.removed(st, outs, same, full)
	if !full {
		for p := range st.searchFiles {
			if !searchFiles[p] {
				removed = append(removed, p)
			}
		}
	}
	for _, p := range removed {
		tx.Remove(p)
	}
	phase("render")
	pst, err := tx.Commit(full)
	if err != nil {
		return Summary{}, fmt.Errorf("publish: %w", err)
	}
	phase("commit")
	if full || st.keys == nil {
		st.keys = make(map[string]uint64, len(outs))
	}
	// The last build's state, which shares the map, is let go now.
	for _, o := range outs {
		st.keys[o.path] = o.key
	}
	for _, p := range removed {
		delete(st.keys, p)
	}
	st.searchFiles = searchFiles
	st.site, st.gone, st.fresh = s, nil, nil
	st.release(s, b.Config.Feeds.Items)
	b.st = st
	if full {
		b.stale = false
	}
	sum := Summary{Posts: len(s.Entries) + len(s.Pages), Files: len(searchFiles), Rendered: len(todo), Written: pst.Written, Unchanged: pst.Unchanged, Removed: pst.Removed}
	count := func(k outputKind) {
		switch k {
		case kindPage:
			sum.Pages++
		case kindFeed:
			sum.Feeds++
		case kindFile:
			sum.Files++
		}
	}
	for _, o := range outs {
		count(o.kind)
	}
	for _, o := range same {
		count(o.kind)
	}
	sum.Took = time.Since(start)
	if b.Index != nil {
		if err := b.Index.Sync(ctx, docs); err != nil && b.Log != nil {
			// The site is published; only `inkstone search` lags.
			b.Log.Warn("search index not updated", "err", err)
		}
	}
	return sum, nil
}

// phases returns a function that logs, at debug level, how long the
// phase it names took since the last call.
func (b *Builder) phases() func(name string) {
	last := time.Now()
	return func(name string) {
		now := time.Now()
		if b.Log != nil {
			b.Log.Debug("build phase", "phase", name, "took", now.Sub(last).Round(time.Microsecond))
		}
		last = now
	}
}

// fromRoot makes a ParseError from the site package name its file from the
// site root, like every other content error.
func (b *Builder) fromRoot(err error) error {
	var pe *content.ParseError
	if errors.As(err, &pe) && !strings.HasPrefix(pe.File, b.Config.Paths.Content+"/") {
		pe.File = filepath.ToSlash(filepath.Join(b.Config.Paths.Content, pe.File))
	}
	return err
}

// clashes refuses two outputs with one path: a content file whose page or
// copy would overwrite another output, or be overwritten by it.
//
// With same outputs (an incremental build), only the paths of outputs to
// render are checked against the others: the last build's paths were
// distinct, so any clash involves one of those.
func (b *Builder) clashes(outs []output, same []sameOutput) error {
	if len(same) > 0 {
		fresh := make(map[string]bool, len(outs))
		for _, o := range outs {
			if fresh[o.path] {
				return fmt.Errorf("two outputs share the path %s", o.path)
			}
			fresh[o.path] = true
		}
		for _, o := range same {
			if fresh[o.path] {
				return fmt.Errorf("two outputs share the path %s", o.path)
			}
		}
		return nil
	}
	source := func(o *output) string {
		if o.post != nil {
			return b.contentPath(o.post)
		}
		return o.src
	}
	seen := make(map[string]int, len(outs))
	var errs []error
	for i := range outs {
		o := &outs[i]
		j, dup := seen[o.path]
		if !dup {
			seen[o.path] = i
			continue
		}
		src, other := source(o), source(&outs[j])
		if src == "" {
			src, other = other, src
		}
		what := "a page inkstone generates"
		if other != "" {
			what = "the output of " + other
		}
		if src == "" {
			errs = append(errs, fmt.Errorf("two generated outputs share the path %s", o.path))
			continue
		}
		errs = append(errs, &content.ParseError{File: src, Line: 1,
			Msg:  fmt.Sprintf("its output /%s would overwrite %s", o.path, what),
			Hint: "rename or move the file, or give it another slug"})
	}
	return errors.Join(errs...)
}

func (b *Builder) contentPath(p *content.Post) string {
	return filepath.ToSlash(filepath.Join(b.Config.Paths.Content, p.Path))
}

// cards renders each listed entry as list pages show it (Entry.Card),
// once, for the first list page that shows it: every worker then does
// its share, with no separate phase to wait for.
type cards struct {
	rend *render.Renderer
	info *render.Info
	mu   sync.Mutex
	once map[*site.Entry]*cardOnce // made as list pages ask for cards
}

type cardOnce struct {
	sync.Once
	err error
}

func newCards(rend *render.Renderer, info *render.Info) *cards {
	return &cards{rend: rend, info: info, once: map[*site.Entry]*cardOnce{}}
}

// render makes sure every entry has its card.
func (c *cards) render(entries []*site.Entry) error {
	for _, e := range entries {
		if !e.Listed {
			return fmt.Errorf("render card for %s: not a listed post", e.URL)
		}
		c.mu.Lock()
		o := c.once[e]
		if o == nil {
			o = new(cardOnce)
			c.once[e] = o
		}
		c.mu.Unlock()
		o.Do(func() { e.Card, o.err = c.rend.Card(c.info, e) })
		if o.err != nil {
			return o.err
		}
	}
	return nil
}

// maxPooledBuffer keeps a huge page from pinning its buffer for the rest
// of the build.
const maxPooledBuffer = 1 << 20

// run renders every output and stages it, on every core.
//
// Workers take runs of consecutive outputs, which the plan lists folder by
// folder (a month's posts, a tag's pages): the file system lets one file
// at a time be created in a folder, and a worker waiting for a folder
// another one is creating in spins on its core.
func run(ctx context.Context, outs []output, tx *publish.Tx) error {
	// More workers than cores: while some wait on file system calls,
	// others render.
	workers := 4 * runtime.GOMAXPROCS(0)
	// Runs short enough that every worker gets some.
	size := min(maxRun, max(1, len(outs)/(4*workers)))
	var runs [][]output
	for lo := 0; lo < len(outs); lo += size {
		runs = append(runs, outs[lo:min(lo+size, len(outs))])
	}
	return runGroups(ctx, runs, workers, tx)
}

// maxRun is the most consecutive outputs a worker of run takes at once.
const maxRun = 16

// runPerFolder is run with one worker per folder, for outputs that crowd
// a few folders, such as the search index's shards: workers sharing a
// folder would only wait for each other.
func runPerFolder(ctx context.Context, outs []output, tx *publish.Tx) error {
	var folders [][]output
	at := map[string]int{}
	for _, o := range outs {
		dir := path.Dir(o.path)
		f, ok := at[dir]
		if !ok {
			f = len(folders)
			at[dir] = f
			folders = append(folders, nil)
		}
		folders[f] = append(folders[f], o)
	}
	return runGroups(ctx, folders, len(folders), tx)
}

// runGroups renders and stages the outputs of groups on workers that
// each take a group at a time.
func runGroups(ctx context.Context, groups [][]output, workers int, tx *publish.Tx) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once     sync.Once
		firstErr error
	)
	var bufs sync.Pool
	parallel.For(ctx, workers, len(groups), func(g int) {
		for _, o := range groups[g] {
			if ctx.Err() != nil {
				return
			}
			buf, _ := bufs.Get().(*bytes.Buffer)
			if buf == nil {
				buf = new(bytes.Buffer)
			}
			buf.Reset()
			data, err := o.render(buf)
			if err == nil {
				err = tx.Put(o.path, data)
			}
			if err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
			if buf.Cap() <= maxPooledBuffer {
				bufs.Put(buf)
			}
		}
	})
	if firstErr != nil {
		return fmt.Errorf("render: %w", firstErr)
	}
	return ctx.Err()
}

// onEveryCore calls fn for 0..n-1 on GOMAXPROCS goroutines, stopping
// early when ctx is done.
func onEveryCore(ctx context.Context, n int, fn func(i int)) {
	parallel.For(ctx, runtime.GOMAXPROCS(0), n, fn)
}

// Check runs every phase but publish, reporting all problems found in the
// theme and content at once. It returns how many content files it read.
func (b *Builder) Check(ctx context.Context) (int, error) {
	var errs []error
	theme, err := b.Theme()
	if err == nil {
		_, err = render.New(theme, "")
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("theme: %w", err))
	}
	store := &content.Store{Dir: b.Config.ContentDir()}
	snap, err := store.LoadAll(ctx)
	if snap == nil {
		return 0, errors.Join(append(errs, err)...)
	}
	if err != nil {
		errs = append(errs, err)
	}
	st := &state{opt: Options{Drafts: true}, pattern: site.Pattern(b.Config.Permalink), seed: maphash.MakeSeed(),
		sources: make(map[string]*source, len(snap.Posts))}
	for _, p := range snap.Posts {
		st.sources[p.Path] = &source{post: p}
	}
	if err := b.convert(ctx, st, nil); err != nil {
		errs = append(errs, err)
	} else if _, err := site.Assemble(st.rendered()); err != nil {
		errs = append(errs, b.fromRoot(err))
	}
	return len(snap.Posts), errors.Join(errs...)
}
