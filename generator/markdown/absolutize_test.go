package markdown

import (
	"net/url"
	"testing"
)

func TestAbsolutize(t *testing.T) {
	base, err := url.Parse("https://example.com/2024/05/post/")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, in, want string
	}{
		{
			name: "relative href",
			in:   `<p><a href="photo.jpg">photo</a></p>`,
			want: `<p><a href="https://example.com/2024/05/post/photo.jpg">photo</a></p>`,
		},
		{
			name: "dot segments",
			in:   `<a href="../other/">other</a>`,
			want: `<a href="https://example.com/2024/05/other/">other</a>`,
		},
		{
			name: "root-relative",
			in:   `<a href="/about/">about</a>`,
			want: `<a href="https://example.com/about/">about</a>`,
		},
		{
			name: "protocol-relative",
			in:   `<img src="//cdn.example.net/a.png">`,
			want: `<img src="https://cdn.example.net/a.png">`,
		},
		{
			name: "relative src",
			in:   `<img src="cat.jpg" alt="A cat">`,
			want: `<img src="https://example.com/2024/05/post/cat.jpg" alt="A cat">`,
		},
		{
			name: "srcset",
			in:   `<img srcset="a.jpg 1x, /b.jpg 2x,https://cdn.example.net/c.jpg 3x" src="a.jpg">`,
			want: `<img srcset="https://example.com/2024/05/post/a.jpg 1x, https://example.com/b.jpg 2x,https://cdn.example.net/c.jpg 3x" src="https://example.com/2024/05/post/a.jpg">`,
		},
		{
			name: "srcset with width descriptors and source",
			in:   `<picture><source srcset="s.webp 480w, l.webp 1024w" type="image/webp"></picture>`,
			want: `<picture><source srcset="https://example.com/2024/05/post/s.webp 480w, https://example.com/2024/05/post/l.webp 1024w" type="image/webp"></picture>`,
		},
		{
			name: "already absolute untouched byte for byte",
			in:   `<a  HREF='https://other.example/x?a=1&amp;b=2'>x</a>`,
			want: `<a  HREF='https://other.example/x?a=1&amp;b=2'>x</a>`,
		},
		{
			name: "mailto and tel untouched",
			in:   `<a href="mailto:me@example.com">m</a><a href="tel:+4912345">t</a>`,
			want: `<a href="mailto:me@example.com">m</a><a href="tel:+4912345">t</a>`,
		},
		{
			name: "fragment",
			in:   `<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`,
			want: `<sup id="fnref:1"><a href="https://example.com/2024/05/post/#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`,
		},
		{
			name: "query keeps escaping",
			in:   `<a href="?page=2&amp;sort=new">next</a>`,
			want: `<a href="https://example.com/2024/05/post/?page=2&amp;sort=new">next</a>`,
		},
		{
			name: "poster",
			in:   `<video poster="p.jpg" controls=""><source src="v.webm" type="video/webm"></video>`,
			want: `<video poster="https://example.com/2024/05/post/p.jpg" controls=""><source src="https://example.com/2024/05/post/v.webm" type="video/webm"></video>`,
		},
		{
			name: "text and other attributes untouched",
			in:   "<p title=\"href=x.html\">Link: <code>src=\"a.js\"</code> &amp; <!-- <a href=\"c\"> --></p>\n<pre class=\"chroma\"><code><span class=\"s\">&#34;/x&#34;</span></code></pre>",
			want: "<p title=\"href=x.html\">Link: <code>src=\"a.js\"</code> &amp; <!-- <a href=\"c\"> --></p>\n<pre class=\"chroma\"><code><span class=\"s\">&#34;/x&#34;</span></code></pre>",
		},
		{
			name: "no URL attributes at all",
			in:   "<p>Plain <em>text</em></p>",
			want: "<p>Plain <em>text</em></p>",
		},
		{
			name: "unparsable URL left alone",
			in:   `<a href="%zz">bad</a>`,
			want: `<a href="%zz">bad</a>`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Absolutize(tc.in, base)
			if got != tc.want {
				t.Errorf("Absolutize(%q)\ngot  %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAbsolutizeNilBase(t *testing.T) {
	in := `<a href="/x">x</a>`
	if got := Absolutize(in, nil); got != in {
		t.Errorf("got %q, want %q", got, in)
	}
}

func TestAbsolutizeRenderedMarkdown(t *testing.T) {
	base, _ := url.Parse("https://example.com/notes/hello/")
	res := render(t, "A [link](../other/) and ![img](pic.png).[^1]\n\n[^1]: Note.\n")
	got := Absolutize(res.HTML, base)
	want := `<p>A <a href="https://example.com/notes/other/">link</a> and <img src="https://example.com/notes/hello/pic.png" alt="img">.<sup id="fnref:1"><a href="https://example.com/notes/hello/#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup></p>`
	if got[:len(want)] != want {
		t.Errorf("got  %s\nwant %s…", got, want)
	}
}
