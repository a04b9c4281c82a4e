// Package render executes the theme's html/templates over site values and
// returns page bytes. It also fingerprints the theme's static files.
package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/site"
	"inkstone/themes"
)

// Pages are the theme templates a build needs; each is parsed together
// with templates/base.html and every templates/partials/*.html.
var Pages = []string{"post", "page", "list", "tags", "year", "404", "search"}

// Info is the site-wide data every template sees as .Site.
type Info struct {
	Title       string
	Description string
	Language    string
	BaseURL     string // absolute, ending in "/"
	Author      Author
	Me          []string
	Nav         []Link
	Endpoints   Endpoints
	Stylesheet  string // root-relative URL of the fingerprinted CSS
	Years       []*site.Year
	Generator   string
}

// Author is the h-card data.
type Author struct{ Name, URL, Photo, Email, Note string }

// Link is a navigation entry.
type Link struct{ Name, URL string }

// Endpoints are the IndieWeb discovery URLs in every page's head.
type Endpoints struct{ Micropub, Media, Authorization, Token, Metadata string }

// Page is what one template execution gets as its dot.
type Page struct {
	Site        *Info
	Kind        string // post, page, home, tag, tags, year, 404
	Title       string // the document title (without the site title)
	Description string
	URL         string // root-relative
	Image       string // absolute URL for OpenGraph, may be empty
	Entry       *site.Entry
	Entries     []*site.Entry
	Tag         *site.Tag
	Tags        []*site.Tag
	Year        *site.Year
	Pager       *Pager

	// Render sets these, on its own copy of the Page, from the fields
	// above: templates print them rather than work them out.
	DocTitle        string // the <title>: "page title — site title", or the site title
	OGTitle         string // the page's own title, else the site title
	MetaDescription string // Description, else the site's description, else its title
	Canonical       string // the absolute URL, as Permalink
	NavURL          string // URL when the site header links to it ("/" or a Nav link), else ""
}

// Permalink is the page's absolute URL.
func (p *Page) Permalink() string { return site.AbsURL(p.Site.BaseURL, p.URL) }

// prepare sets the fields Render works out.
func (p *Page) prepare() {
	s := p.Site
	title := p.title()
	switch {
	case p.Kind == "home" && (p.Pager == nil || p.Pager.Page == 0):
		p.DocTitle = s.Title
	case p.Title != "" && p.Title == s.Title:
		p.DocTitle = s.Title
	case p.Title != "" || (p.Kind == "post" && p.Entry != nil) || (p.Kind == "home" && p.Pager != nil):
		p.DocTitle = title + " — " + s.Title
	default:
		p.DocTitle = s.Title
	}
	p.OGTitle = s.Title
	if p.Title != "" || (p.Kind == "post" && p.Entry != nil) {
		p.OGTitle = title
	}
	p.MetaDescription = firstNonEmpty(p.Description, s.Description, s.Title)
	p.Canonical = p.Permalink()
	p.NavURL = ""
	if p.URL == "/" {
		p.NavURL = p.URL
	}
	for _, l := range s.Nav {
		if l.URL == p.URL {
			p.NavURL = p.URL
		}
	}
}

// title is the page's own title: Title, else an untitled post's label,
// else "Page N" for the later home pages.
func (p *Page) title() string {
	switch {
	case p.Title != "":
		return p.Title
	case p.Kind == "post" && p.Entry != nil:
		if p.Entry.Label != "" {
			return p.Entry.Label
		}
		return site.LabelOf(p.Entry) // an entry that missed Prepare
	case p.Kind == "home" && p.Pager != nil:
		return "Page " + strconv.Itoa(p.Pager.Page)
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Pager links the pages of a paginated list. Archive pages are numbered
// from the oldest (see site.Paginate), and no page shows how many there
// are, so that a new post leaves every archive page as it was.
type Pager struct {
	Page    int    // 0 on the list's first page, else the archive page's number
	PrevURL string // newer posts; empty on the first page
	NextURL string // older posts; empty on the oldest page
}

// Asset is a static theme file to publish.
type Asset struct {
	Path string // relative to public/
	Data []byte
}

// Renderer holds parsed templates; it is safe for concurrent use.
type Renderer struct {
	templates map[string]*template.Template
	assets    []Asset
	css       string
	scripts   map[string]string // script name → root-relative fingerprinted URL
	bufs      sync.Pool
	fragments sync.Map // fragmentKey -> template.HTML, see cached
	// native is set when the theme's templates are the default ones:
	// post pages and cards are then written by native.go.
	native bool
}

// New parses the theme in fsys (templates/ and static/). extraCSS is
// appended to static/style.css before fingerprinting (code highlighting).
func New(fsys fs.FS, extraCSS string) (*Renderer, error) {
	r := &Renderer{templates: map[string]*template.Template{}, native: defaultTemplates(fsys, themes.Default())}
	r.bufs.New = func() any { return new(bytes.Buffer) }

	shared, err := sharedFiles(fsys)
	if err != nil {
		return nil, err
	}
	for _, name := range Pages {
		file := "templates/" + name + ".html"
		t := template.New(name).Funcs(funcs).Funcs(template.FuncMap{"cached": r.cached(name), "script": r.Script})
		for _, f := range append(shared, file) {
			src, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("theme: read %s: %w", f, err)
			}
			if _, err := t.New(path.Base(f)).Parse(string(src)); err != nil {
				return nil, fmt.Errorf("theme: %w", err)
			}
		}
		r.templates[name] = t
	}
	if err := r.loadStatic(fsys, extraCSS); err != nil {
		return nil, err
	}
	return r, nil
}

func sharedFiles(fsys fs.FS) ([]string, error) {
	files := []string{"templates/base.html"}
	partials, err := fs.Glob(fsys, "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("theme: list partials: %w", err)
	}
	sort.Strings(partials)
	return append(files, partials...), nil
}

// loadStatic reads static/ and fingerprints style.css.
func (r *Renderer) loadStatic(fsys fs.FS, extraCSS string) error {
	return fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "static" {
				return nil // a theme without static files
			}
			return err
		}
		if d.IsDir() || content.Ignored(d.Name()) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("theme: read %s: %w", p, err)
		}
		rel := strings.TrimPrefix(p, "static/")
		if rel == "style.css" {
			data = append(append(data, '\n'), extraCSS...)
			sum := sha256.Sum256(data)
			rel = "style." + hex.EncodeToString(sum[:])[:10] + ".css"
			r.css = "/" + rel
		}
		// Scripts at the top of static/ are fingerprinted too: pages
		// name them through Script, so they can be cached forever.
		if path.Ext(rel) == ".js" && !strings.Contains(rel, "/") {
			sum := sha256.Sum256(data)
			name := rel
			rel = strings.TrimSuffix(rel, ".js") + "." + hex.EncodeToString(sum[:])[:10] + ".js"
			if r.scripts == nil {
				r.scripts = map[string]string{}
			}
			r.scripts[name] = "/" + rel
		}
		r.assets = append(r.assets, Asset{Path: rel, Data: data})
		return nil
	})
}

// Assets are the theme's static files, style.css under its fingerprinted name.
func (r *Renderer) Assets() []Asset { return r.assets }

// Stylesheet is the root-relative URL of the fingerprinted stylesheet.
func (r *Renderer) Stylesheet() string { return r.css }

// Script is the root-relative URL of the fingerprinted script name (a file
// at the top of static/, such as "search.js"); templates call it as
// {{script "search.js"}}. It is "" when the theme has no such script.
func (r *Renderer) Script(name string) string { return r.scripts[name] }

// Render executes the named page template.
func (r *Renderer) Render(name string, p *Page) ([]byte, error) {
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := r.RenderTo(buf, name, p); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// RenderTo executes the named page template, appending the page to buf;
// on an error buf may hold part of it. It saves Render's copy of the
// bytes for callers that reuse their buffers.
func (r *Renderer) RenderTo(buf *bytes.Buffer, name string, p *Page) error {
	t := r.templates[name]
	if t == nil {
		return fmt.Errorf("render: no template %q", name)
	}
	// A copy, so that the caller's Page is only read.
	q := *p
	q.prepare()
	if r.native && (name == "post" || name == "list" || name == "year") {
		if err := r.nativePage(buf, name, &q); err != nil {
			return fmt.Errorf("render %s: %w", p.URL, err)
		}
		return nil
	}
	if err := t.ExecuteTemplate(buf, "base.html", &q); err != nil {
		return fmt.Errorf("render %s: %w", p.URL, err)
	}
	return nil
}

// fragmentKey names one output of the template function cached.
type fragmentKey struct {
	set  string // the page template whose set of templates ran it
	name string
	key  any
	site *Info
}

// cached returns the template function "cached NAME KEY DATA" of the page
// template set: it executes the template NAME with DATA as its dot once
// per KEY (and site), and then returns the same HTML for as long as the
// Renderer lives. It is for parts of pages that are the same on many
// pages, such as the head's links or the footer: NAME's output must
// depend on DATA only through KEY and .Site.
func (r *Renderer) cached(set string) func(name string, key, data any) (template.HTML, error) {
	return func(name string, key, data any) (template.HTML, error) {
		return r.fragment(set, name, key, data)
	}
}

// fragment is "cached NAME KEY DATA" run by the page template set.
func (r *Renderer) fragment(set, name string, key, data any) (template.HTML, error) {
	if key != nil && !reflect.TypeOf(key).Comparable() {
		return "", fmt.Errorf("cached %s: key of type %T cannot be compared", name, key)
	}
	k := fragmentKey{set: set, name: name, key: key, site: siteOf(data)}
	if html, ok := r.fragments.Load(k); ok {
		return html.(template.HTML), nil
	}
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := r.templates[set].ExecuteTemplate(buf, name, data); err != nil {
		return "", err
	}
	// html/template escaped the fragment for the HTML text it starts in,
	// where the calling action prints it.
	html := template.HTML(buf.String())
	r.fragments.Store(k, html)
	return html, nil
}

// siteOf is the site a template's dot belongs to, if it is a Page or Card.
func siteOf(data any) *Info {
	switch d := data.(type) {
	case *Page:
		return d.Site
	case *Card:
		return d.Site
	}
	return nil
}

// Card is the dot of the theme's "entry-card" template.
type Card struct {
	Site  *Info
	Entry *site.Entry
}

// Card renders one entry as list pages show it.
func (r *Renderer) Card(info *Info, e *site.Entry) (template.HTML, error) {
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	c := &Card{Site: info, Entry: e}
	if r.native {
		if err := r.nativeCard(buf, c); err != nil {
			return "", fmt.Errorf("render card for %s: %w", e.URL, err)
		}
		return template.HTML(buf.String()), nil
	}
	if err := r.templates["list"].ExecuteTemplate(buf, "entry-card", c); err != nil {
		return "", fmt.Errorf("render card for %s: %w", e.URL, err)
	}
	// The template's output is escaped by html/template already.
	return template.HTML(buf.String()), nil
}

var funcs = template.FuncMap{
	"iso":      func(t time.Time) string { return t.Format(time.RFC3339) },
	"date":     func(t time.Time) string { return t.Format(site.DateLayout) },
	"time":     func(t time.Time) string { return t.Format("15:04") },
	"abs":      site.AbsURL,
	"host":     site.Host,
	"pageURL":  site.PageURL,
	"hasTitle": func(e *site.Entry) bool { return e != nil && e.Post.Title != "" },
	"typeName": func(t content.Type) string { return string(t) },
	"add":      func(a, b int) int { return a + b },
}
