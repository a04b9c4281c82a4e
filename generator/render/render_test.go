package render_test

import (
	"fmt"
	"html/template"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/render"
	"inkstone/generator/site"
)

// minimal is the smallest theme New accepts: base.html, a partial and one
// template per page kind, each defining "main".
func minimal() fstest.MapFS {
	fsys := fstest.MapFS{
		"templates/base.html": {Data: []byte(`<title>{{.Title}} | {{.Site.Title}}</title>
{{- block "head" .}}{{end}}
<main>{{template "main" .}}</main>
`)},
		"templates/partials/byline.html": {Data: []byte(`{{define "byline"}}by {{.Site.Author.Name}}{{end}}`)},
		"templates/partials/card.html":   {Data: []byte(`{{define "entry-card"}}<li>{{.Entry.URL}}</li>{{end}}`)},
		"templates/post.html": {Data: []byte(`{{define "head"}}<link rel="canonical" href="{{.Permalink}}">{{end}}
{{define "main"}}{{with .Entry}}<article>{{if hasTitle .}}<h1>{{.Post.Title}}</h1>{{end}}
<time datetime="{{iso .Post.Date}}">{{date .Post.Date}}</time> {{template "byline" $}}
{{.HTML}}<a href="{{abs $.Site.BaseURL .URL}}">{{typeName .Type}}</a> via {{host "https://www.example.org/x"}}</article>{{end}}{{end}}`)},
		"static/style.css":   {Data: []byte("body { margin: 0 }")},
		"static/favicon.svg": {Data: []byte("<svg/>")},
		"static/js/app.js":   {Data: []byte("// app")},
		"static/.DS_Store":   {Data: []byte("junk")},
		"static/style.css~":  {Data: []byte("editor backup")},
	}
	for _, name := range render.Pages {
		if _, ok := fsys["templates/"+name+".html"]; !ok {
			fsys["templates/"+name+".html"] = &fstest.MapFile{Data: []byte(`{{define "main"}}` + name + ` page{{end}}`)}
		}
	}
	return fsys
}

func info() *render.Info {
	return &render.Info{Title: "Site", BaseURL: "https://example.com/", Language: "en",
		Author: render.Author{Name: "Tess"}}
}

func newRenderer(t *testing.T, fsys fstest.MapFS, extraCSS string) *render.Renderer {
	t.Helper()
	r, err := render.New(fsys, extraCSS)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRenderPost(t *testing.T) {
	r := newRenderer(t, minimal(), "")
	p := &content.Post{Path: "posts/2024/05/hi.md", Title: "Fish & <chips>", Date: time.Date(2024, 5, 7, 9, 30, 0, 0, time.UTC)}
	e := &site.Entry{Post: p, URL: "/2024/05/hi/", Type: content.TypeArticle, HTML: template.HTML("<p>Body <em>kept</em></p>")}
	got, err := r.Render("post", &render.Page{Site: info(), Kind: "post", Title: p.Title, URL: e.URL, Entry: e})
	if err != nil {
		t.Fatal(err)
	}
	want := `<title>Fish &amp; &lt;chips&gt; | Site</title><link rel="canonical" href="https://example.com/2024/05/hi/">
<main><article><h1>Fish &amp; &lt;chips&gt;</h1>
<time datetime="2024-05-07T09:30:00Z">7 May 2024</time> by Tess
<p>Body <em>kept</em></p><a href="https://example.com/2024/05/hi/">article</a> via example.org</article></main>
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRenderEveryPage(t *testing.T) {
	r := newRenderer(t, minimal(), "")
	for _, name := range render.Pages {
		if name == "post" {
			continue
		}
		got, err := r.Render(name, &render.Page{Site: info(), Kind: name, Title: "T", URL: "/x/"})
		if err != nil {
			t.Errorf("Render(%s): %v", name, err)
			continue
		}
		if want := "<main>" + name + " page</main>"; !strings.Contains(string(got), want) {
			t.Errorf("Render(%s) = %q, want it to contain %q", name, got, want)
		}
	}
	if _, err := r.Render("nosuch", &render.Page{Site: info()}); err == nil {
		t.Error("Render of an unknown template succeeded")
	}
}

func TestRenderConcurrent(t *testing.T) {
	r := newRenderer(t, minimal(), "")
	var wg sync.WaitGroup
	outs := make([]string, 64)
	for i := range outs {
		wg.Go(func() {
			b, err := r.Render("list", &render.Page{Site: info(), Kind: "home", Title: fmt.Sprint("page ", i%4), URL: "/"})
			if err != nil {
				t.Error(err)
			}
			outs[i] = string(b)
		})
	}
	wg.Wait()
	for i, got := range outs {
		if want := fmt.Sprintf("<title>page %d | Site</title>", i%4); !strings.HasPrefix(got, want) {
			t.Errorf("render %d = %q, want it to start with %q", i, got, want)
		}
	}
}

func TestExecutionError(t *testing.T) {
	fsys := minimal()
	fsys["templates/year.html"] = &fstest.MapFile{Data: []byte("{{define \"main\"}}\n{{index .Year.Posts 3}}{{end}}")}
	r := newRenderer(t, fsys, "")
	_, err := r.Render("year", &render.Page{Site: info(), Kind: "year", URL: "/2024/", Year: &site.Year{Year: 2024}})
	if err == nil {
		t.Fatal("Render succeeded, want an index error")
	}
	for _, want := range []string{"/2024/", "year.html:2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

var fingerprinted = regexp.MustCompile(`^/style\.[0-9a-f]{10}\.css$`)

func assets(r *render.Renderer) map[string]string {
	out := map[string]string{}
	for _, a := range r.Assets() {
		out[a.Path] = string(a.Data)
	}
	return out
}

func TestStylesheetFingerprint(t *testing.T) {
	r := newRenderer(t, minimal(), ".chroma { color: red }")
	css := r.Stylesheet()
	if !fingerprinted.MatchString(css) {
		t.Fatalf("Stylesheet() = %q, want /style.<10 hex digits>.css", css)
	}
	want := map[string]string{
		strings.TrimPrefix(css, "/"): "body { margin: 0 }\n.chroma { color: red }",
		"favicon.svg":                "<svg/>",
		"js/app.js":                  "// app",
	}
	if got := assets(r); !maps.Equal(got, want) {
		t.Errorf("Assets() = %q, want %q", got, want)
	}

	if again := newRenderer(t, minimal(), ".chroma { color: red }").Stylesheet(); again != css {
		t.Errorf("same CSS fingerprinted as %s and %s", css, again)
	}
	changed := minimal()
	changed["static/style.css"] = &fstest.MapFile{Data: []byte("body { margin: 1px }")}
	if other := newRenderer(t, changed, ".chroma { color: red }").Stylesheet(); other == css || !fingerprinted.MatchString(other) {
		t.Errorf("after a CSS change the stylesheet is %s, was %s", other, css)
	}
	if other := newRenderer(t, minimal(), ".chroma { color: blue }").Stylesheet(); other == css {
		t.Errorf("after a change of the extra CSS the stylesheet is still %s", other)
	}

	// Pages link to it.
	page, err := newRenderer(t, withHead(minimal()), "").Render("tags", &render.Page{Site: &render.Info{Stylesheet: "/style.0123456789.css"}, URL: "/tags/"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<link rel="stylesheet" href="/style.0123456789.css">`) {
		t.Errorf("page does not link the stylesheet:\n%s", page)
	}
}

func withHead(fsys fstest.MapFS) fstest.MapFS {
	fsys["templates/base.html"] = &fstest.MapFile{Data: []byte(`<link rel="stylesheet" href="{{.Site.Stylesheet}}">{{template "main" .}}`)}
	return fsys
}

func TestThemeWithoutStatic(t *testing.T) {
	fsys := minimal()
	for name := range fsys {
		if strings.HasPrefix(name, "static/") {
			delete(fsys, name)
		}
	}
	r := newRenderer(t, fsys, "")
	if r.Stylesheet() != "" || len(r.Assets()) != 0 {
		t.Errorf("theme without static/: stylesheet %q, assets %q", r.Stylesheet(), assets(r))
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string // "" removes the file
		want string
	}{
		{"syntax in page", "templates/post.html", "{{define \"main\"}}\n<p>\n{{.Title</p>\n{{end}}", "post.html:3"},
		{"syntax in base", "templates/base.html", "<html>\n{{if .Title}}\n", "base.html"},
		{"syntax in partial", "templates/partials/byline.html", "{{define \"byline\"}}\n{{range}}{{end}}", "byline.html:2"},
		{"unknown function", "templates/tags.html", "{{define \"main\"}}{{nosuch .}}{{end}}", "tags.html:1"},
		{"missing page", "templates/year.html", "", "templates/year.html"},
		{"missing base", "templates/base.html", "", "templates/base.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := minimal()
			if tt.data == "" {
				delete(fsys, tt.file)
			} else {
				fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			}
			_, err := render.New(fsys, "")
			if err == nil {
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}
}

func TestPermalink(t *testing.T) {
	for url, want := range map[string]string{
		"/":              "https://example.com/",
		"/about/":        "https://example.com/about/",
		"/404.html":      "https://example.com/404.html",
		"https://x.org/": "https://x.org/",
	} {
		p := &render.Page{Site: info(), URL: url}
		if got := p.Permalink(); got != want {
			t.Errorf("Permalink(%q) = %q, want %q", url, got, want)
		}
	}
}
