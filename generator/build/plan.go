package build

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/bits"
	"os"
	"path/filepath"
	"strings"

	"inkstone/generator/markdown"
	"inkstone/generator/render"
	"inkstone/generator/site"
	"inkstone/internal/config"
)

// key hashes the inputs of one output. Entries carry a hash of their own
// (Entry.Key), so that a list of them costs a multiplication each.
type key struct {
	seed  maphash.Seed
	sum64 uint64
}

func newKey(seed maphash.Seed, kind string) *key {
	return &key{seed: seed, sum64: maphash.String(seed, kind)}
}

// mix adds one 64-bit value, as xxhash's rounds do.
func (k *key) mix(v uint64) *key {
	k.sum64 = bits.RotateLeft64((k.sum64^v)*0x9E3779B185EBCA87, 31) * 0xC2B2AE3D27D4EB4F
	return k
}

func (k *key) str(s string) *key { return k.mix(uint64(len(s))).mix(maphash.String(k.seed, s)) }

func (k *key) bytes(b []byte) *key { return k.mix(uint64(len(b))).mix(maphash.Bytes(k.seed, b)) }

func (k *key) num(n int) *key { return k.mix(uint64(n)) }

// entry adds what an output may show of e: everything in its file, and
// its URL. Its neighbours are not part of it.
func (k *key) entry(e *site.Entry) *key {
	if e == nil {
		return k.num(-1)
	}
	return k.mix(e.Key)
}

func (k *key) pager(p *render.Pager) *key {
	return k.num(p.Page).str(p.PrevURL).str(p.NextURL)
}

// link adds what a link to e shows: its URL and label.
func (k *key) link(e *site.Entry) *key {
	if e == nil {
		return k.num(-1)
	}
	return k.mix(e.LinkKey)
}

func (k *key) entries(es []*site.Entry) *key {
	k.num(len(es))
	for _, e := range es {
		k.entry(e)
	}
	return k
}

// years adds the year archives, as archive links show them.
func (k *key) years(ys []*site.Year) *key {
	k.num(len(ys))
	for _, y := range ys {
		k.num(y.Year)
	}
	return k
}

func (k *key) tags(ts []*site.Tag) *key {
	k.num(len(ts))
	for _, t := range ts {
		k.str(t.Slug).str(t.Name).str(t.URL).num(len(t.Posts))
	}
	return k
}

// sum never returns 0, which marks an output to render every time.
func (k *key) sum() uint64 {
	if k.sum64 != 0 {
		return k.sum64
	}
	return 1
}

// setInfo makes the site-wide template data for s. It keeps the last
// build's value while what page fragments cache from it is unchanged, so
// that the renderer's cached fragments stay valid; when the newest year
// changes, every page's footer does, and setInfo reports that every page
// must be rendered again.
func (b *Builder) setInfo(st *state, s *site.Site) (changed bool) {
	footer := ""
	if len(s.Years) > 0 {
		footer = s.Years[0].URL
	}
	if st.info != nil && footer == st.footerYear {
		st.info.Years = s.Years
		return false
	}
	c := b.Config
	in := &render.Info{
		Title: c.Title, Description: c.Description, Language: c.Language, BaseURL: c.BaseURL,
		Author: render.Author{Name: c.Author.Name, URL: c.Author.URL, Photo: absolute(c, c.Author.Photo),
			Email: c.Author.Email, Note: c.Author.Note},
		Me: c.Me,
		Endpoints: render.Endpoints{Micropub: c.Endpoints.Micropub, Media: c.Endpoints.Media,
			Authorization: c.Endpoints.Authorization, Token: c.Endpoints.Token, Metadata: c.Endpoints.Metadata},
		Stylesheet: st.rend.Stylesheet(),
		Years:      s.Years,
		Generator:  "inkstone",
	}
	for _, l := range c.Navigation {
		in.Nav = append(in.Nav, render.Link{Name: l.Name, URL: l.URL})
	}
	if st.info != nil {
		// Cards were rendered with the old value.
		for _, src := range st.sources {
			if src.entry != nil {
				src.entry.Card = ""
			}
		}
	}
	st.info, st.footerYear = in, footer
	return true
}

func absolute(c *config.Site, p string) string {
	if p == "" || strings.Contains(p, "://") {
		return p
	}
	return c.AbsURL(p)
}

// plan lists every output of the site: those to render, with their key,
// and those whose key is the one the last build recorded (same), which
// get no render function: on a large site most are, and making thousands
// of closures each time would cost more than the rest of a small build.
// With all set, every output is to be rendered.
func (b *Builder) plan(st *state, s *site.Site, all bool) (outs []output, same []sameOutput) {
	c := b.Config
	rend, info := st.rend, st.info
	n := len(s.Entries) + len(s.Pages) + len(s.Posts)/c.PerPage + len(s.Tags) + len(s.Years) + len(st.files) + 16
	if all {
		outs = make([]output, 0, n)
	} else {
		same = make([]sameOutput, 0, n)
	}
	cards := newCards(rend, info)
	st.cards = cards
	// same reports whether the output at path was rendered from the same
	// inputs by the last build, and if so records it as such.
	unchanged := func(path string, kind outputKind, key uint64) bool {
		if all {
			return false
		}
		if k, ok := st.keys[path]; !ok || k != key {
			return false
		}
		same = append(same, sameOutput{path: path, kind: kind})
		return true
	}
	// page plans a page whose inputs k hashes; mk makes its data, only
	// when it is to be rendered.
	page := func(path, tmpl string, mk func() *render.Page, k *key) {
		key := k.str(tmpl).sum()
		if unchanged(path, kindPage, key) {
			return
		}
		p := mk()
		p.Site = info
		outs = append(outs, output{path: path, kind: kindPage, key: key, needs: p.Entries, render: func(buf *bytes.Buffer) ([]byte, error) {
			if err := cards.render(p.Entries); err != nil {
				return nil, err
			}
			err := rend.RenderTo(buf, tmpl, p)
			return buf.Bytes(), err
		}})
	}
	// An entry's page is made only if it is rendered: most builds
	// render few of them.
	entryPage := func(kind string, e *site.Entry, k *key) {
		path, key := e.Output(), k.str(kind).sum()
		if unchanged(path, kindPage, key) {
			return
		}
		outs = append(outs, output{path: path, kind: kindPage, post: e.Post, key: key, needs: []*site.Entry{e},
			render: func(buf *bytes.Buffer) ([]byte, error) {
				p := b.entryPage(kind, e)
				p.Site = info
				err := rend.RenderTo(buf, kind, p)
				return buf.Bytes(), err
			}})
	}
	for _, e := range s.Entries {
		entryPage("post", e, newKey(st.seed, "post").entry(e).link(e.Prev).link(e.Next))
	}
	for _, e := range s.Pages {
		entryPage("page", e, newKey(st.seed, "page").entry(e))
	}
	b.paginate(s.Posts, "/", func(p *render.Page) {
		p.Kind = "home"
		p.Description = c.Description
		if p.Pager.Page > 0 {
			p.Title = fmt.Sprintf("Page %d", p.Pager.Page)
		}
	}, func(path string, pg *render.Pager, es []*site.Entry, mk func() *render.Page) {
		page(path, "list", mk, newKey(st.seed, "home").pager(pg).entries(es))
	})
	for _, t := range s.Tags {
		b.paginate(t.Posts, t.URL, func(p *render.Page) {
			p.Kind = "tag"
			p.Tag = t
			p.Title = "Tagged " + t.Name
			p.Description = fmt.Sprintf("Posts tagged %s on %s", t.Name, c.Title)
			if p.Pager.Page > 0 {
				p.Title += fmt.Sprintf(" (page %d)", p.Pager.Page)
			}
		}, func(path string, pg *render.Pager, es []*site.Entry, mk func() *render.Page) {
			count := len(t.Posts)
			if pg.Page > 0 {
				count = -1 // numbered pages do not show it
			}
			page(path, "list", mk, newKey(st.seed, "tag").str(t.Slug).str(t.Name).num(count).
				pager(pg).entries(es))
		})
	}
	page("tags/index.html", "tags", func() *render.Page {
		return &render.Page{Kind: "tags", Title: "Tags", URL: "/tags/", Tags: s.Tags, Description: "Every tag on " + c.Title}
	}, newKey(st.seed, "tags").tags(s.Tags))
	for _, y := range s.Years {
		page(site.OutputFor(y.URL), "year", func() *render.Page {
			return &render.Page{Kind: "year", Title: fmt.Sprint(y.Year), URL: y.URL, Year: y,
				Description: fmt.Sprintf("Posts from %d on %s", y.Year, c.Title)}
		}, newKey(st.seed, "year").num(y.Year).entries(y.Posts).years(s.Years))
	}
	page("404.html", "404", func() *render.Page {
		return &render.Page{Kind: "404", Title: "Not found", URL: "/404.html", Tags: s.Tags}
	}, newKey(st.seed, "404").tags(s.Tags).years(s.Years))
	b.searchPage(st, s, page)

	// The few other outputs are planned in full, then marked.
	mark := func(more []output) {
		for _, o := range more {
			if o.key != 0 && unchanged(o.path, o.kind, o.key) {
				continue
			}
			outs = append(outs, o)
		}
	}
	mark(b.feeds(st, s))
	for _, a := range rend.Assets() {
		a := a
		mark([]output{{path: a.Path, kind: kindFile, key: newKey(st.seed, "asset").str(a.Path).bytes(a.Data).sum(),
			render: func(*bytes.Buffer) ([]byte, error) { return a.Data, nil }}})
	}
	contentDir := c.ContentDir()
	for f, fk := range st.files {
		if img, ok := st.images[f]; ok {
			mark(imageOutputs(st, filepath.ToSlash(filepath.Join(c.Paths.Content, f)), img))
			continue
		}
		f := f
		src := filepath.ToSlash(filepath.Join(c.Paths.Content, f))
		key := newKey(st.seed, "file").num(int(fk)).sum()
		if unchanged(f, kindFile, key) {
			continue
		}
		outs = append(outs, output{path: f, kind: kindFile, src: src, key: key,
			render: func(*bytes.Buffer) ([]byte, error) {
				data, err := os.ReadFile(filepath.Join(contentDir, filepath.FromSlash(f)))
				if err != nil {
					return nil, fmt.Errorf("copy %s: %w", f, err)
				}
				return data, nil
			}})
	}
	return outs, same
}

// sameOutput is an output whose key is the one the last build recorded:
// it is on disk as it would be rendered.
type sameOutput struct {
	path string
	kind outputKind
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

// paginate plans the pages of a list rooted at base: plan gets each
// page's path, pager and entries, and mk, which makes the page's data with
// set applied.
func (b *Builder) paginate(entries []*site.Entry, base string, set func(*render.Page),
	plan func(path string, pg *render.Pager, es []*site.Entry, mk func() *render.Page)) {
	for _, lp := range site.Paginate(base, len(entries), b.Config.PerPage) {
		pg := &render.Pager{Page: lp.Number, PrevURL: lp.NewerURL, NextURL: lp.OlderURL}
		es := entries[lp.Lo:lp.Hi]
		plan(site.OutputFor(lp.URL), pg, es, func() *render.Page {
			p := &render.Page{URL: lp.URL, Entries: es, Pager: pg}
			set(p)
			return p
		})
	}
}
