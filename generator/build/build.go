// Package build turns a site's content folder into public/: load, assemble,
// render and publish, in that order. Every output is rendered before any is
// made visible, so a failed build leaves the previous site as it was.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/feed"
	"inkstone/generator/markdown"
	"inkstone/generator/publish"
	"inkstone/generator/render"
	"inkstone/generator/site"
	"inkstone/internal/config"
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
	Written   int // files created or changed on disk
	Unchanged int // files left alone because their bytes were the same
	Removed   int // stale files removed
	Took      time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("%d posts: %d pages, %d feeds, %d files; %d written, %d unchanged, %d removed in %s",
		s.Posts, s.Pages, s.Feeds, s.Files, s.Written, s.Unchanged, s.Removed, s.Took.Round(time.Millisecond))
}

// Builder builds one site.
type Builder struct {
	Config   *config.Site
	Markdown *markdown.Renderer
	Log      *slog.Logger
	Now      func() time.Time

	// mu makes builds take turns: publish is the one writer to public/.
	mu sync.Mutex
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
	// src is the content file this output comes from, for clash errors;
	// empty for generated outputs and theme files.
	src string
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

// Full builds the whole site.
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
	phase("load")
	theme, err := b.Theme()
	if err != nil {
		return Summary{}, err
	}
	rend, err := render.New(theme, markdown.CSS())
	if err != nil {
		return Summary{}, fmt.Errorf("theme: %w", err)
	}
	entries, err := b.entries(ctx, snap.Posts, opt.Drafts)
	if err != nil {
		return Summary{}, err
	}
	phase("markdown")
	s, err := site.Assemble(entries)
	if err != nil {
		return Summary{}, fmt.Errorf("assemble: %w", b.fromRoot(err))
	}
	info := b.info(s, rend)
	outs := b.plan(s, rend, info, snap.Files)
	if err := clashes(outs); err != nil {
		return Summary{}, fmt.Errorf("assemble: %w", err)
	}
	phase("assemble")

	out := opt.Out
	if out == "" {
		out = cfg.PublicDir()
	}
	pub := &publish.Publisher{Dir: out, StateDir: cfg.StateDir()}
	tx := pub.Begin()
	if err := run(ctx, outs, tx); err != nil {
		tx.Abort()
		return Summary{}, err
	}
	phase("render")
	st, err := tx.Commit(true)
	if err != nil {
		return Summary{}, fmt.Errorf("publish: %w", err)
	}
	phase("commit")
	sum := Summary{Posts: len(entries), Written: st.Written, Unchanged: st.Unchanged, Removed: st.Removed}
	for _, o := range outs {
		switch o.kind {
		case kindPage:
			sum.Pages++
		case kindFeed:
			sum.Feeds++
		case kindFile:
			sum.Files++
		}
	}
	sum.Took = time.Since(start)
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

// entries checks and renders the Markdown of every post that gets a page.
func (b *Builder) entries(ctx context.Context, posts []*content.Post, drafts bool) ([]*site.Entry, error) {
	pattern := site.Pattern(b.Config.Permalink)
	var todo []*content.Post
	var errs []error
	for _, p := range posts {
		if !p.Rendered(drafts) {
			continue
		}
		if p.Kind == content.KindPost && p.Date.IsZero() {
			errs = append(errs, &content.ParseError{File: b.contentPath(p), Line: 1, Msg: "date is missing",
				Hint: "add a date line to the front matter, e.g. date: 2024-05-01T09:30:00Z"})
			continue
		}
		todo = append(todo, p)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("load: %w", errors.Join(errs...))
	}
	entries := make([]*site.Entry, len(todo))
	errs = make([]error, len(todo))
	parallel(ctx, len(todo), func(i int) {
		p := todo[i]
		var res markdown.Result
		var err error
		if p.IsHTML() {
			res, err = b.Markdown.HTML([]byte(p.Body))
		} else {
			res, err = b.Markdown.Markdown([]byte(p.Body))
		}
		if err != nil {
			errs[i] = &content.ParseError{File: b.contentPath(p), Line: p.BodyLine, Msg: err.Error()}
			return
		}
		e := &site.Entry{
			Post:   p,
			Slug:   site.SlugOf(p),
			URL:    site.URLFor(p, pattern),
			Type:   p.EffectiveType(),
			HTML:   template.HTML(res.HTML), // sanitised by the markdown package
			Text:   res.Text,
			Listed: p.Listed(drafts) && p.Kind == content.KindPost,
		}
		e.Summary = p.Summary
		if e.Summary == "" {
			e.Summary = markdown.Summary(res.Text, summaryChars)
		}
		for _, t := range p.Tags {
			e.Tags = append(e.Tags, site.TagRefFor(t))
		}
		e.Prepare(b.Config.BaseURL)
		entries[i] = e
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return entries, nil
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
func clashes(outs []output) error {
	seen := make(map[string]int, len(outs))
	var errs []error
	for i, o := range outs {
		j, dup := seen[o.path]
		if !dup {
			seen[o.path] = i
			continue
		}
		src, other := o.src, outs[j].src
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

// info is the site-wide template data.
func (b *Builder) info(s *site.Site, rend *render.Renderer) *render.Info {
	c := b.Config
	in := &render.Info{
		Title: c.Title, Description: c.Description, Language: c.Language, BaseURL: c.BaseURL,
		Author: render.Author{Name: c.Author.Name, URL: c.Author.URL, Photo: absolute(c, c.Author.Photo),
			Email: c.Author.Email, Note: c.Author.Note},
		Me: c.Me,
		Endpoints: render.Endpoints{Micropub: c.Endpoints.Micropub, Media: c.Endpoints.Media,
			Authorization: c.Endpoints.Authorization, Token: c.Endpoints.Token, Metadata: c.Endpoints.Metadata},
		Stylesheet: rend.Stylesheet(),
		Years:      s.Years,
		Generator:  "inkstone",
	}
	for _, l := range c.Navigation {
		in.Nav = append(in.Nav, render.Link{Name: l.Name, URL: l.URL})
	}
	return in
}

func absolute(c *config.Site, p string) string {
	if p == "" || strings.Contains(p, "://") {
		return p
	}
	return c.AbsURL(p)
}

// plan lists every output of the site; nothing is rendered yet.
func (b *Builder) plan(s *site.Site, rend *render.Renderer, info *render.Info, files []string) []output {
	c := b.Config
	var outs []output
	cards := newCards(rend, info, s.Posts)
	page := func(path, tmpl string, p *render.Page) {
		p.Site = info
		outs = append(outs, output{path: path, kind: kindPage, render: func(buf *bytes.Buffer) ([]byte, error) {
			if err := cards.render(p.Entries); err != nil {
				return nil, err
			}
			err := rend.RenderTo(buf, tmpl, p)
			return buf.Bytes(), err
		}})
	}
	fromContent := func(e *site.Entry) { outs[len(outs)-1].src = b.contentPath(e.Post) }
	for _, e := range s.Entries {
		page(e.Output(), "post", b.entryPage("post", e))
		fromContent(e)
	}
	for _, e := range s.Pages {
		page(e.Output(), "page", b.entryPage("page", e))
		fromContent(e)
	}
	b.paginate(s.Posts, "/", func(p *render.Page) {
		p.Kind = "home"
		p.Description = c.Description
		if p.Pager.Page > 1 {
			p.Title = fmt.Sprintf("Page %d", p.Pager.Page)
		}
	}, page)
	for _, t := range s.Tags {
		t := t
		b.paginate(t.Posts, t.URL, func(p *render.Page) {
			p.Kind = "tag"
			p.Tag = t
			p.Title = "Tagged " + t.Name
			p.Description = fmt.Sprintf("Posts tagged %s on %s", t.Name, c.Title)
			if p.Pager.Page > 1 {
				p.Title += fmt.Sprintf(" (page %d)", p.Pager.Page)
			}
		}, page)
	}
	page("tags/index.html", "tags", &render.Page{Kind: "tags", Title: "Tags", URL: "/tags/", Tags: s.Tags,
		Description: "Every tag on " + c.Title})
	for _, y := range s.Years {
		page(site.OutputFor(y.URL), "year", &render.Page{Kind: "year", Title: fmt.Sprint(y.Year), URL: y.URL, Year: y,
			Description: fmt.Sprintf("Posts from %d on %s", y.Year, c.Title)})
	}
	page("404.html", "404", &render.Page{Kind: "404", Title: "Not found", URL: "/404.html", Tags: s.Tags})

	outs = append(outs, b.feeds(s)...)
	for _, a := range rend.Assets() {
		a := a
		outs = append(outs, output{path: a.Path, kind: kindFile, render: func(*bytes.Buffer) ([]byte, error) { return a.Data, nil }})
	}
	contentDir := c.ContentDir()
	for _, f := range files {
		f := f
		src := filepath.ToSlash(filepath.Join(c.Paths.Content, f))
		outs = append(outs, output{path: f, kind: kindFile, src: src, render: func(*bytes.Buffer) ([]byte, error) {
			data, err := os.ReadFile(filepath.Join(contentDir, filepath.FromSlash(f)))
			if err != nil {
				return nil, fmt.Errorf("copy %s: %w", f, err)
			}
			return data, nil
		}})
	}
	return outs
}

func (b *Builder) entryPage(kind string, e *site.Entry) *render.Page {
	p := &render.Page{Kind: kind, Title: e.Post.Title, URL: e.URL, Entry: e, Description: e.Summary}
	if p.Title == "" {
		p.Title = markdown.Summary(e.Text, 60)
	}
	if p.Title == "" {
		p.Title = string(e.Type) + " of " + e.Post.Date.Format(site.DateLayout)
	}
	if len(e.Post.Photo) > 0 {
		p.Image = absolute(b.Config, e.Post.Photo[0].URL)
	}
	return p
}

// paginate adds the pages of a list rooted at base.
func (b *Builder) paginate(entries []*site.Entry, base string, set func(*render.Page), page func(string, string, *render.Page)) {
	per := b.Config.PerPage
	n := site.PageCount(len(entries), per)
	for i := 1; i <= n; i++ {
		lo, hi := (i-1)*per, i*per
		if hi > len(entries) {
			hi = len(entries)
		}
		pg := &render.Pager{Page: i, Pages: n}
		if i > 1 {
			pg.PrevURL = site.PageURL(base, i-1)
		}
		if i < n {
			pg.NextURL = site.PageURL(base, i+1)
		}
		p := &render.Page{URL: site.PageURL(base, i), Entries: entries[lo:hi], Pager: pg}
		set(p)
		page(site.OutputFor(p.URL), "list", p)
	}
}

// feeds plans RSS, Atom, JSON Feed, sitemap and robots.txt.
func (b *Builder) feeds(s *site.Site) []output {
	c := b.Config
	n := c.Feeds.Items
	if n > len(s.Posts) {
		n = len(s.Posts)
	}
	base := func(kind string) *feed.Feed {
		f := &feed.Feed{Title: c.Title, Description: c.Description, Language: c.Language, HomeURL: c.BaseURL,
			Author:  feed.Author{Name: c.Author.Name, URL: c.Author.URL, Email: c.Author.Email, Photo: absolute(c, c.Author.Photo)},
			Updated: s.Updated()}
		f.FeedURL = c.AbsURL(kind)
		return f
	}
	items := func() ([]feed.Item, error) {
		out := make([]feed.Item, 0, n)
		for _, e := range s.Posts[:n] {
			link := escapedURL(c, e.URL)
			u, err := url.Parse(link)
			if err != nil {
				return nil, fmt.Errorf("feed: permalink %s: %w", link, err)
			}
			// Feed readers show no theme: photos, video and audio go
			// into the content itself.
			html := mediaHTML(e.Post) + string(e.HTML)
			it := feed.Item{ID: link, URL: link, Title: e.Post.Title, ContentHTML: markdown.Absolutize(html, u),
				Text: e.Text, Summary: e.Post.Summary, Published: e.Post.Date, Updated: e.Post.Updated}
			if it.Text == "" && it.ContentHTML == "" {
				it.Text = label(e)
			}
			if it.Summary == "" && e.Type == content.TypeArticle {
				it.Summary = e.Summary
			}
			for _, t := range e.Tags {
				it.Tags = append(it.Tags, t.Name)
			}
			if len(e.Post.Photo) > 0 {
				it.Image = absolute(c, e.Post.Photo[0].URL)
			}
			it.ExternalURL = firstNonEmpty(e.Post.InReplyTo, e.Post.LikeOf, e.Post.RepostOf, e.Post.BookmarkOf)
			out = append(out, it)
		}
		return out, nil
	}
	mk := func(path string, enc func(*feed.Feed) ([]byte, error)) output {
		return output{path: path, kind: kindFeed, render: func(*bytes.Buffer) ([]byte, error) {
			f := base(path)
			var err error
			if f.Items, err = items(); err != nil {
				return nil, err
			}
			return enc(f)
		}}
	}
	sitemap := output{path: "sitemap.xml", kind: kindFeed, render: func(*bytes.Buffer) ([]byte, error) {
		urls := []feed.URL{{Loc: c.BaseURL, LastMod: s.Updated()}}
		for _, e := range s.Pages {
			if e.Post.EffectiveVisibility() == content.Public {
				urls = append(urls, feed.URL{Loc: escapedURL(c, e.URL), LastMod: latest(e.Post)})
			}
		}
		for _, e := range s.Posts {
			urls = append(urls, feed.URL{Loc: escapedURL(c, e.URL), LastMod: latest(e.Post)})
		}
		return feed.Sitemap(urls)
	}}
	robots := output{path: "robots.txt", kind: kindFeed, render: func(*bytes.Buffer) ([]byte, error) {
		return feed.Robots(c.AbsURL("sitemap.xml")), nil
	}}
	return []output{mk("feed.xml", feed.RSS), mk("atom.xml", feed.Atom), mk("feed.json", feed.JSONFeed), sitemap, robots}
}

// escapedURL is the absolute URL of a root-relative path, percent-encoded
// as sitemaps and feeds require (non-ASCII slugs).
func escapedURL(c *config.Site, p string) string {
	return c.AbsURL((&url.URL{Path: p}).EscapedPath())
}

// mediaHTML renders a post's photos, videos and audio for feeds.
func mediaHTML(p *content.Post) string {
	var b strings.Builder
	for _, m := range p.Photo {
		fmt.Fprintf(&b, `<p><img src="%s" alt="%s"></p>`, template.HTMLEscapeString(m.URL), template.HTMLEscapeString(m.Alt))
	}
	for _, m := range p.Video {
		fmt.Fprintf(&b, `<p><video src="%s" controls></video></p>`, template.HTMLEscapeString(m.URL))
	}
	for _, m := range p.Audio {
		fmt.Fprintf(&b, `<p><audio src="%s" controls></audio></p>`, template.HTMLEscapeString(m.URL))
	}
	return b.String()
}

// label names a post that has no text, such as a like, for feed readers.
func label(e *site.Entry) string {
	p := e.Post
	switch {
	case p.LikeOf != "":
		return "Liked " + p.LikeOf
	case p.RepostOf != "":
		return "Reposted " + p.RepostOf
	case p.BookmarkOf != "":
		return "Bookmarked " + p.BookmarkOf
	case p.InReplyTo != "":
		return "Reply to " + p.InReplyTo
	}
	return string(e.Type) + " of " + p.Date.Format("2 January 2006")
}

func latest(p *content.Post) time.Time {
	if p.Updated.After(p.Date) {
		return p.Updated
	}
	return p.Date
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// cards renders each listed entry as list pages show it (Entry.Card),
// once, for the first list page that shows it: every worker then does
// its share, with no separate phase to wait for.
type cards struct {
	rend *render.Renderer
	info *render.Info
	once map[*site.Entry]*cardOnce // only read once made
}

type cardOnce struct {
	sync.Once
	err error
}

func newCards(rend *render.Renderer, info *render.Info, posts []*site.Entry) *cards {
	c := &cards{rend: rend, info: info, once: make(map[*site.Entry]*cardOnce, len(posts))}
	for _, e := range posts {
		c.once[e] = new(cardOnce)
	}
	return c
}

// render makes sure every entry has its card.
func (c *cards) render(entries []*site.Entry) error {
	for _, e := range entries {
		o := c.once[e]
		if o == nil {
			return fmt.Errorf("render card for %s: not a listed post", e.URL)
		}
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
func run(ctx context.Context, outs []output, tx *publish.Tx) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once     sync.Once
		firstErr error
	)
	// More workers than cores: while some wait on file system calls,
	// others render.
	var bufs sync.Pool
	parallelN(ctx, 4*runtime.GOMAXPROCS(0), len(outs), func(i int) {
		buf, _ := bufs.Get().(*bytes.Buffer)
		if buf == nil {
			buf = new(bytes.Buffer)
		}
		buf.Reset()
		data, err := outs[i].render(buf)
		if err == nil {
			err = tx.Put(outs[i].path, data)
		}
		if err != nil {
			once.Do(func() { firstErr = err; cancel() })
		}
		if buf.Cap() <= maxPooledBuffer {
			bufs.Put(buf)
		}
	})
	if firstErr != nil {
		return fmt.Errorf("render: %w", firstErr)
	}
	return ctx.Err()
}

// parallel calls fn for 0..n-1 on GOMAXPROCS goroutines, stopping early
// when ctx is done.
func parallel(ctx context.Context, n int, fn func(i int)) {
	parallelN(ctx, runtime.GOMAXPROCS(0), n, fn)
}

// parallelN is parallel with a given number of workers.
func parallelN(ctx context.Context, workers, n int, fn func(i int)) {
	if workers > n {
		workers = n
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
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
	entries, err := b.entries(ctx, snap.Posts, true)
	if err != nil {
		errs = append(errs, err)
	} else if _, err := site.Assemble(entries); err != nil {
		errs = append(errs, b.fromRoot(err))
	}
	return len(snap.Posts), errors.Join(errs...)
}
