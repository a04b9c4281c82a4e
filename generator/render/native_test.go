package render

import (
	"bytes"
	"html/template"
	"testing"
	"testing/fstest"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/site"
	"inkstone/internal/sitetest"
	"inkstone/themes"
)

// renderers returns the default theme twice: written by native.go, and
// by html/template.
func renderers(t testing.TB) (native, templates *Renderer) {
	t.Helper()
	var err error
	if native, err = New(themes.Default(), ""); err != nil {
		t.Fatal(err)
	}
	if !native.native {
		t.Fatal("the default theme is not rendered natively")
	}
	if templates, err = New(themes.Default(), ""); err != nil {
		t.Fatal(err)
	}
	templates.native = false
	return native, templates
}

// compare renders e's post page and card both ways and reports any
// difference.
func compare(t testing.TB, native, templates *Renderer, info *Info, e *site.Entry, image string) {
	t.Helper()
	p := &Page{Site: info, Kind: "post", Title: e.Post.Title, URL: e.URL, Entry: e, Description: e.Summary, Image: image}
	if p.Title == "" {
		p.Title = "A " + string(e.Type)
	}
	var want, got bytes.Buffer
	errWant := templates.RenderTo(&want, "post", p)
	errGot := native.RenderTo(&got, "post", p)
	if (errWant == nil) != (errGot == nil) {
		t.Fatalf("post page errors differ: templates %v, native %v", errWant, errGot)
	}
	if !bytes.Equal(want.Bytes(), got.Bytes()) {
		t.Fatalf("post page differs (got: native, want: templates):\n%s", sitetest.FirstDiff(got.Bytes(), want.Bytes()))
	}
	wantCard, errWant := templates.Card(info, e)
	gotCard, errGot := native.Card(info, e)
	if (errWant == nil) != (errGot == nil) {
		t.Fatalf("card errors differ: templates %v, native %v", errWant, errGot)
	}
	if wantCard != gotCard {
		t.Fatalf("card differs (got: native, want: templates):\n%s", sitetest.FirstDiff([]byte(gotCard), []byte(wantCard)))
	}
}

// compareLists renders the home, tag and year pages of entries es both ways,
// with a pager from the bits of flags, and reports any difference.
func compareLists(t testing.TB, native, templates *Renderer, info *Info, es []*site.Entry, s string, flags int) {
	t.Helper()
	for _, e := range es {
		if _, err := native.Card(info, e); err != nil {
			t.Fatal(err)
		}
		e.Card, _ = templates.Card(info, e)
	}
	var pager *Pager
	if flags&1 != 0 {
		pager = &Pager{Page: flags >> 3, PrevURL: "/page/" + s + "/"}
		if flags&2 != 0 {
			pager.NextURL = s
		}
		if flags&4 != 0 {
			pager.PrevURL = ""
		}
	}
	tag := &site.Tag{TagRef: site.TagRef{Name: s, URL: "/tags/" + s + "/"}, Posts: es}
	pages := []*Page{
		{Site: info, Kind: "home", URL: "/", Entries: es, Pager: pager, Description: s},
		{Site: info, Kind: "home", Title: "Page 2", URL: "/page/2/", Entries: es, Pager: pager},
		{Site: info, Kind: "tag", Title: s, URL: "/tags/" + s + "/", Entries: es, Tag: tag, Pager: pager},
		{Site: info, Kind: "tag", Title: "none", URL: "/tags/x/", Entries: es},
	}
	year := &site.Year{Year: 2024, URL: "/2024/" + s, Posts: es}
	if flags&2 != 0 {
		info.Years = []*site.Year{{Year: 2025, URL: "/2025/"}, year, {Year: 2019, URL: s}}
	}
	pages = append(pages,
		&Page{Site: info, Kind: "year", Title: "2024", URL: "/2024/", Year: year},
		&Page{Site: info, Kind: "year", Title: "none", URL: "/x/"})
	for _, p := range pages {
		tmpl := "list"
		if p.Kind == "year" {
			tmpl = "year"
		}
		var want, got bytes.Buffer
		errWant := templates.RenderTo(&want, tmpl, p)
		errGot := native.RenderTo(&got, tmpl, p)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("%s page errors differ: templates %v, native %v", p.Kind, errWant, errGot)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Fatalf("%s page differs (got: native, want: templates):\n%s", p.Kind, sitetest.FirstDiff(got.Bytes(), want.Bytes()))
		}
	}
}

// testEntry is an entry with every field a template prints set from s,
// which may hold anything a post's author or a Micropub client sends.
func testEntry(s string, typ content.Type, flags int) *site.Entry {
	post := &content.Post{
		Title: s, Date: time.Date(2024, 5, 4, 19, 53, 0, 0, time.FixedZone("", 7200)),
		Type: typ, Location: s,
		InReplyTo: "https://example.com/" + s, LikeOf: s, RepostOf: "https://www.example.org/a?b=c&d=" + s,
		BookmarkOf:  "javascript:" + s,
		Video:       []content.Media{{URL: "/media/" + s + ".mp4", Alt: s}, {URL: s}},
		Audio:       []content.Media{{URL: "https://example.com/a b.mp3"}},
		Syndication: []string{"https://social.example/@me/1", s},
		Draft:       flags&1 != 0,
	}
	if flags&2 != 0 {
		post.Visibility = content.Unlisted
	}
	e := &site.Entry{Post: post, URL: "/2024/05/" + s + "/", Type: typ,
		HTML:    template.HTML("<p>" + s + "</p>"),
		Summary: s,
		Tags:    []site.TagRef{{Name: s, Slug: "x", URL: "/tags/" + s + "/"}, {Name: "Zürich", URL: "/tags/zürich/"}},
		Photos: []site.Photo{
			{URL: "/media/" + s + ".jpg", Alt: s, Width: 1200, Height: 800, SrcSet: "/media/a-480.jpg 480w, " + s + " 960w"},
			{URL: "https://cdn.example/" + s, Alt: "", SrcSet: s},
		},
		Listed: flags&2 == 0,
	}
	if flags&4 != 0 {
		post.Title = ""
		post.Updated = post.Date.Add(time.Hour)
		e.Photos = e.Photos[:1]
		e.Photos[0].Width = 0
		e.Tags = nil
		post.Syndication = nil
		post.Video, post.Audio = nil, nil
		post.InReplyTo, post.LikeOf, post.RepostOf, post.BookmarkOf = "", "", "", ""
		e.HTML = ""
	}
	if flags&8 != 0 {
		e.Photos = nil
	}
	e.Prepare("https://example.com/")
	if flags&16 != 0 {
		e.Prev = &site.Entry{URL: "/2024/05/older/", Label: s}
	}
	if flags&32 != 0 {
		e.Next = &site.Entry{URL: s, Label: "Newer & <better>"}
	}
	return e
}

func testInfo(s string) *Info {
	return &Info{Title: "Tess's notes " + s, Description: s, BaseURL: "https://example.com/",
		Language: s, Author: Author{Name: "Tess", URL: "https://example.com/", Photo: "/me.jpg"},
		Me: []string{"https://github.com/tess"}, Stylesheet: "/style.0123456789.css", Generator: "inkstone",
		Endpoints: Endpoints{Micropub: "https://example.com/micropub"}}
}

func TestNativeMatchesTemplates(t *testing.T) {
	native, templates := renderers(t)
	texts := []string{
		"plain", "", `Quotes " and ' and & and <b>tags</b> + plus`, "Zürich, 東京 — ünïcödé",
		"with space and %41 and %zz and 100%", "javascript:alert(1)", "mailto:tess@example.com",
		"HTTPS://Example.COM/Path?q=1#frag", "tab\tnew\nline", "nul\x00byte", "bad \xff utf8",
		"a,b, c 2x, d e", "/rel/path", "data:image/png;base64,AAAA", "(parens)!*'~",
	}
	types := []content.Type{content.TypeNote, content.TypeArticle, content.TypePhoto, content.TypeReply, content.TypeLike}
	for _, s := range texts {
		for i, typ := range types {
			for _, flags := range []int{0, 1, 2, 4, 8, 16, 32, 48, 63} {
				info := testInfo("")
				if i == 0 {
					info = testInfo(s)
				}
				image := ""
				if flags&8 == 0 {
					image = "https://example.com/media/" + s + ".jpg"
				}
				compare(t, native, templates, info, testEntry(s, typ, flags), image)
			}
		}
		for flags := range 32 {
			var es []*site.Entry
			for i := range flags % 3 {
				es = append(es, testEntry(s, types[i], flags))
			}
			compareLists(t, native, templates, testInfo(s), es, s, flags)
		}
	}
}

// TestNativeOnlyForDefaultTemplates checks that a theme that changes any
// template, however little, is rendered by html/template.
func TestNativeOnlyForDefaultTemplates(t *testing.T) {
	if !defaultTemplates(themes.Default(), themes.Default()) {
		t.Fatal("the default theme is not its own")
	}
	mine := fstest.MapFS{"templates/partials/labels.html": {Data: []byte("{{/* mine */}}")}}
	r, err := New(themes.Overlay(mine, themes.Default()), "")
	if err != nil {
		t.Fatal(err)
	}
	if r.native {
		t.Error("a theme with its own labels.html is rendered natively")
	}
}

func FuzzNative(f *testing.F) {
	for _, s := range []string{"plain", `"'&<>+`, "javascript:x", "a b%20c%", "x, y 2x,z", "\x00\xff"} {
		f.Add(s, uint8(0), uint8(0))
		f.Add(s, uint8(1), uint8(63))
	}
	native, templates := renderers(f)
	types := []content.Type{content.TypeNote, content.TypeArticle, content.TypePhoto, content.TypeVideo,
		content.TypeAudio, content.TypeReply, content.TypeLike, content.TypeRepost, content.TypeBookmark}
	f.Fuzz(func(t *testing.T, s string, typ, flags uint8) {
		e := testEntry(s, types[int(typ)%len(types)], int(flags))
		compare(t, native, templates, testInfo(s), e, s)
		compareLists(t, native, templates, testInfo(s), []*site.Entry{e}[:flags%2], s, int(flags))
	})
}
