package markdown

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testRenderer is shared by the tests, as one is by a build.
var testRenderer = New()

func render(t *testing.T, src string) Result {
	t.Helper()
	res, err := testRenderer.Markdown([]byte(src))
	if err != nil {
		t.Fatalf("Markdown(%q): %v", src, err)
	}
	return res
}

// htmlCase checks that rendering src gives HTML that contains every
// string in want and none in wantNot.
type htmlCase struct {
	name    string
	src     string
	want    []string
	wantNot []string
}

func runHTMLCases(t *testing.T, cases []htmlCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src).HTML
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML lacks %q\ngot:  %s", w, got)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
					t.Errorf("HTML contains %q\ngot:  %s", w, got)
				}
			}
		})
	}
}

func TestMarkdownFeatures(t *testing.T) {
	runHTMLCases(t, []htmlCase{
		{
			name: "table",
			src:  "| Name | Qty |\n|:-----|----:|\n| plum | 3 |\n",
			want: []string{"<table>", "<thead>", `<th align="left">Name</th>`, `<td align="right">3</td>`},
			// Alignment must not need inline styles (CSP).
			wantNot: []string{"style="},
		},
		{
			name: "strikethrough",
			src:  "This is ~~wrong~~ right.",
			want: []string{"<del>wrong</del>"},
		},
		{
			name: "linkify bare URL",
			src:  "See https://example.com/a?b=c for more.",
			want: []string{`<a href="https://example.com/a?b=c">https://example.com/a?b=c</a>`},
		},
		{
			name: "linkify www",
			src:  "Visit www.example.org today.",
			want: []string{`<a href="http://www.example.org">www.example.org</a>`},
		},
		{
			name: "linkify email",
			src:  "Write to ana@example.com please.",
			want: []string{`<a href="mailto:ana@example.com">ana@example.com</a>`},
		},
		{
			name:    "mention is not an email",
			src:     "Thanks @ana for the tip.",
			want:    []string{"<p>Thanks @ana for the tip.</p>"},
			wantNot: []string{"<a "},
		},
		{
			name:    "URL in link destination only",
			src:     "A [link](https://example.com) and `https://code.example`.",
			want:    []string{`<a href="https://example.com">link</a>`, "<code>https://code.example</code>"},
			wantNot: []string{`href="https://code.example"`},
		},
		{
			name: "task list",
			src:  "- [x] write tests\n- [ ] ship\n",
			want: []string{
				`<li><input checked="" disabled="" type="checkbox"> write tests</li>`,
				`<li><input disabled="" type="checkbox"> ship</li>`,
			},
		},
		{
			name: "footnotes",
			src:  "Claim.[^1]\n\n[^1]: Source.\n",
			want: []string{
				`<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`,
				`<div class="footnotes" role="doc-endnotes">`,
				`<li id="fn:1">`,
				`<a href="#fnref:1" class="footnote-backref" role="doc-backlink">`,
			},
		},
		{
			name: "typographer quotes and dashes",
			src:  `"Hello," she said -- it's 9--5 --- and then... <<done>>`,
			want: []string{"“Hello,” she said – it’s 9–5 — and then… «done»"},
		},
		{
			name: "heading ids",
			src:  "# Hello *World*\n\n## Using `fmt.Println` in Go!\n\n## Hello World\n\n# Hello World\n",
			want: []string{
				`<h1 id="hello-world">Hello <em>World</em></h1>`,
				`<h2 id="using-fmtprintln-in-go">`,
				`<h2 id="hello-world-1">`,
				`<h1 id="hello-world-2">`,
			},
		},
		{
			name: "heading ids non-ASCII",
			src:  "## Über Größe\n\n## Ça va — très bien\n\n## 日本語の見出し\n\n## Привет, мир\n\n## नमस्ते दुनिया\n\n## 🎉\n",
			want: []string{
				`<h2 id="über-größe">`,
				`<h2 id="ça-va-très-bien">`,
				`<h2 id="日本語の見出し">`,
				`<h2 id="привет-мир">`,
				// Devanagari vowel signs are marks, which must survive.
				`<h2 id="नमस्ते-दुनिया">`,
				`<h2 id="heading">`,
			},
		},
		{
			name:    "code highlighting",
			src:     "```go\npackage main\n\nfunc main() { println(\"hi\") }\n```\n",
			want:    []string{`<pre class="chroma"><code class="language-go">`, `<span class="kn">package</span>`, `<span class="kd">func</span>`, `<span class="s">&#34;hi&#34;</span>`},
			wantNot: []string{"style="},
		},
		{
			name:    "code highlighting shell",
			src:     "```sh\necho \"$HOME\" | wc -c\n```\n",
			want:    []string{`<code class="language-sh">`, `<span class="nb">echo</span>`},
			wantNot: []string{"style="},
		},
		{
			name:    "code highlighting file name",
			src:     "```main.py\nimport os\n```\n",
			want:    []string{`<code class="language-main.py">`, `<span class="kn">import</span>`},
			wantNot: []string{"style="},
		},
		{
			name:    "code unknown language falls back to plain",
			src:     "```mermaid\ngraph TD; A-->B & <C>\n```\n",
			want:    []string{`<pre class="chroma"><code class="language-mermaid">graph TD; A--&gt;B &amp; &lt;C&gt;` + "\n</code></pre>"},
			wantNot: []string{"<span", "style="},
		},
		{
			name:    "code language that is not a class name",
			src:     "```\"><script>\nx\n```\n",
			want:    []string{`<pre class="chroma"><code>x`},
			wantNot: []string{"<script"},
		},
		{
			name: "indented code",
			src:  "Para.\n\n    if a < b {\n        return\n    }\n",
			want: []string{"<pre class=\"chroma\"><code>if a &lt; b {\n    return\n}\n</code></pre>"},
		},
		{
			name: "ordered list start",
			src:  "3. three\n4. four\n",
			want: []string{`<ol start="3">`},
		},
		{
			name: "image",
			src:  `![A cat: asleep?](/img/cat.jpg "Nap")`,
			want: []string{`<img src="/img/cat.jpg" alt="A cat: asleep?" title="Nap">`},
		},
	})
}

func TestMarkdownSanitise(t *testing.T) {
	runHTMLCases(t, []htmlCase{
		{
			name:    "script block removed with its content",
			src:     "Before\n\n<script>alert('x')</script>\n\nAfter",
			want:    []string{"<p>Before</p>", "<p>After</p>"},
			wantNot: []string{"<script", "alert"},
		},
		{
			name:    "inline script removed",
			src:     "Hi <script>alert(1)</script> there",
			want:    []string{"<p>Hi  there</p>"},
			wantNot: []string{"<script", "alert"},
		},
		{
			name:    "event handler removed",
			src:     `<img src="/a.png" alt="a" onerror="alert(1)">`,
			want:    []string{`<img src="/a.png" alt="a">`},
			wantNot: []string{"onerror", "alert"},
		},
		{
			name:    "javascript href in raw HTML",
			src:     `<a href="javascript:alert(1)">x</a> <a href="JaVaScRiPt:alert(1)">y</a> <a href="java&#x09;script:alert(1)">z</a>`,
			wantNot: []string{"javascript", "alert", "href"},
		},
		{
			name: "javascript href in Markdown link",
			src:  "[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](javascript&colon;alert(1)) <javascript:alert(1)>",
			// The autolink's text stays visible, as text.
			want:    []string{`<a href="">x</a>`, `<a href="">javascript:alert(1)</a>`},
			wantNot: []string{`href="javascript`, `href="j`},
		},
		{
			name:    "javascript href in Markdown link alongside raw HTML",
			src:     "[x](javascript:alert(1)) and <b>bold</b>",
			want:    []string{"<b>bold</b>"},
			wantNot: []string{"javascript:"},
		},
		{
			name:    "data and vbscript URLs",
			src:     "[x](data:text/html;base64,PHNjcmlwdD4=) [y](vbscript:msgbox) <a href=\"data:text/html,hi\">z</a>",
			wantNot: []string{"data:", "vbscript:"},
		},
		{
			name:    "iframe removed",
			src:     "<iframe src=\"https://evil.example/\"></iframe>\n\ntext",
			want:    []string{"<p>text</p>"},
			wantNot: []string{"<iframe", "evil"},
		},
		{
			name:    "style and object removed",
			src:     "<style>body{display:none}</style>\n<object data=\"x.swf\"></object>\n<p style=\"color:red\">red</p>",
			want:    []string{"<p>red</p>"},
			wantNot: []string{"<style", "display", "<object", "style="},
		},
		{
			name:    "form controls removed",
			src:     "<form action=\"/x\"><input type=\"text\" name=\"q\"><button>go</button></form>",
			wantNot: []string{"<form", "<input", "<button"},
		},
		{
			name:    "srcset and poster with javascript",
			src:     `<img src="a.jpg" srcset="a.jpg 1x, javascript:alert(1) 2x"><video poster="javascript:alert(1)" src="v.mp4" controls></video>`,
			want:    []string{`<img src="a.jpg">`, `<video src="v.mp4" controls="">`},
			wantNot: []string{"javascript", "srcset", "poster"},
		},
		{
			name: "allowed tags kept",
			src: `<figure><img src="/p/cat.jpg" alt="Photo: my cat?" width="640" height="480" loading="lazy" srcset="/p/cat.jpg 1x, /p/cat@2x.jpg 2x" sizes="(max-width: 600px) 100vw, 600px"><figcaption>My <em>cat</em></figcaption></figure>

<details open><summary>More</summary>

Hidden *text*.

</details>

<video controls width="640" poster="/v/poster.jpg"><source src="/v/clip.webm" type="video/webm"></video>
<audio controls src="/a/song.ogg"></audio>

<p>H<sub>2</sub>O, E=mc<sup>2</sup>, <kbd>Ctrl</kbd>+<kbd>C</kbd>, <mark>marked</mark>, <abbr title="HyperText Markup Language">HTML</abbr>, <time datetime="2024-05-01">May Day</time>.</p>

<p><a href="https://ana.example/" rel="me" class="h-card">Ana</a> <a href="mailto:me@example.com">mail</a> <a href="/about/">about</a></p>`,
			want: []string{
				`<figure><img src="/p/cat.jpg" alt="Photo: my cat?" width="640" height="480" loading="lazy" srcset="/p/cat.jpg 1x, /p/cat@2x.jpg 2x" sizes="(max-width: 600px) 100vw, 600px"><figcaption>My <em>cat</em></figcaption></figure>`,
				`<details open=""><summary>More</summary>`,
				`<p>Hidden <em>text</em>.</p>`,
				`<video controls="" width="640" poster="/v/poster.jpg"><source src="/v/clip.webm" type="video/webm"></video>`,
				`<audio controls="" src="/a/song.ogg"></audio>`,
				`H<sub>2</sub>O`, `<sup>2</sup>`, `<kbd>Ctrl</kbd>`, `<mark>marked</mark>`,
				`<abbr title="HyperText Markup Language">HTML</abbr>`,
				`<time datetime="2024-05-01">May Day</time>`,
				// Owner's links are kept as written: no rel="nofollow".
				`<a href="https://ana.example/" rel="me" class="h-card">Ana</a>`,
				`<a href="mailto:me@example.com">mail</a>`,
				`<a href="/about/">about</a>`,
			},
			wantNot: []string{"nofollow", "noreferrer"},
		},
		{
			name: "goldmark output survives the sanitiser",
			src:  "<b>raw</b>\n\n## Größe\n\n| a |\n|--:|\n| 1 |\n\n- [x] done\n\nNote[^n]\n\n[^n]: Here.\n\n```go\nx := 1\n```\n",
			want: []string{
				"<b>raw</b>",
				`<h2 id="größe">Größe</h2>`,
				`<th align="right">a</th>`,
				`<input checked="" disabled="" type="checkbox">`,
				`<pre class="chroma"><code class="language-go"><span class="nx">x</span>`,
			},
		},
		{
			name:    "classes outside the allow-list removed",
			src:     `<span class="evil">a</span> <p class="big">b</p> <code class="language-go x">c</code> <span class="k">d</span>`,
			want:    []string{`<span class="k">d</span>`},
			wantNot: []string{"evil", "big", "language-go x"},
		},
	})
}

func TestFootnoteIDsSurviveSanitiser(t *testing.T) {
	// goldmark numbers footnotes, whatever their labels.
	got := render(t, "<b>raw</b> Note[^n]\n\n[^n]: Here.\n").HTML
	for _, want := range []string{`<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`, `<li id="fn:1">`, `class="footnote-backref" role="doc-backlink"`} {
		if !strings.Contains(got, want) {
			t.Errorf("got %s\nwant it to contain %s", got, want)
		}
	}
}

func TestSafePathSkipsSanitiser(t *testing.T) {
	// Without raw HTML the output comes from goldmark directly, so a
	// dangerous Markdown link must be dropped by goldmark itself.
	got := render(t, "[click](javascript:alert(1))").HTML
	want := "<p><a href=\"\">click</a></p>\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestText(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"paragraphs", "One\ntwo.\n\nThree   four.", "One two. Three four."},
		{"markup removed", "# Title\n\nSome *em* and **strong** and [a link](https://x.example) and `code`.", "Title Some em and strong and a link and code."},
		{"entities and escapes", `Fish &amp; chips \*not emphasis\* &copy; &#x41;`, "Fish & chips *not emphasis* © A"},
		{"typography", `"Quoted" -- it's...`, "“Quoted” – it’s…"},
		{"lists and tables", "- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n", "a b x y 1 2"},
		{"code blocks included", "Run:\n\n```sh\nmake   build\n```\n", "Run: make build"},
		{"image alt left out", "![alt text](a.png) caption", "caption"},
		{"footnote markers left out", "Claim[^1] here.\n\n[^1]: Source.\n", "Claim here. Source."},
		{"task boxes left out", "- [x] done\n- [ ] todo\n", "done todo"},
		{"autolink", "See <https://example.com> and www.example.org.", "See https://example.com and www.example.org."},
		{"raw HTML text kept, script dropped", "<div>\n<p>Inside <b>bold</b></p>\n</div>\n\n<script>var secret = 1;</script>\n\nAfter <script>alert(1)</script> end", "Inside bold After end"},
		{"non-ASCII whitespace", "a\u00a0\u00a0b\u3000c", "a b c"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src).Text
			if got != tc.want {
				t.Errorf("Text of %q\ngot  %q\nwant %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestHasCode(t *testing.T) {
	cases := []struct {
		src  string
		want bool
	}{
		{"Just text with `inline code`.", false},
		{"```\nfenced\n```", true},
		{"Para.\n\n    indented\n", true},
		{"<pre>raw pre</pre>", false},
	}
	for _, tc := range cases {
		if got := render(t, tc.src).HasCode; got != tc.want {
			t.Errorf("HasCode(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestHTML(t *testing.T) {
	cases := []struct {
		name, src, wantHTML, wantText string
		wantCode                      bool
	}{
		{
			name:     "clean",
			src:      `<p>Hello <em>world</em>.</p><p>Second&nbsp;para.</p>`,
			wantHTML: "<p>Hello <em>world</em>.</p><p>Second\u00a0para.</p>",
			wantText: "Hello world. Second para.",
		},
		{
			name:     "sanitised",
			src:      `<p onclick="x()">Hi<script>alert(1)</script></p><iframe src="//x"></iframe><a href="javascript:alert(1)">link</a>`,
			wantHTML: `<p>Hi</p>link`,
			wantText: "Hi link",
		},
		{
			name:     "code",
			src:      "<pre><code class=\"language-go\">x := 1</code></pre>",
			wantHTML: "<pre><code class=\"language-go\">x := 1</code></pre>",
			wantText: "x := 1",
			wantCode: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := testRenderer.HTML([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if res.HTML != tc.wantHTML {
				t.Errorf("HTML\ngot  %q\nwant %q", res.HTML, tc.wantHTML)
			}
			if res.Text != tc.wantText {
				t.Errorf("Text\ngot  %q\nwant %q", res.Text, tc.wantText)
			}
			if res.HasCode != tc.wantCode {
				t.Errorf("HasCode got %v, want %v", res.HasCode, tc.wantCode)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello World", "hello-world"},
		{"  Trim  me  ", "trim-me"},
		{"snake_case and kebab-case", "snake-case-and-kebab-case"},
		{"Q&A: what's new?", "qa-whats-new"},
		{"Straße", "straße"},
		{"ÉCOLE", "école"},
		{"--", ""},
	}
	for _, tc := range cases {
		if got := slug([]byte(tc.in)); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	cases := []struct {
		text string
		n    int
		want string
	}{
		{"Short text.", 20, "Short text."},
		{"Exactly ten", 11, "Exactly ten"},
		{"The quick brown fox jumps over the lazy dog", 20, "The quick brown fox…"},
		{"The quick brown fox jumps", 19, "The quick brown fox…"},
		{"Hello, world and more", 7, "Hello…"},
		{"Supercalifragilistic", 5, "Super…"},
		{"Grüße aus München und Köln", 12, "Grüße aus…"},
		{"日本語のテキストはスペースがありません", 5, "日本語のテ…"},
		{"  padded  ", 10, "padded"},
		{"anything", 0, ""},
	}
	for _, tc := range cases {
		if got := Summary(tc.text, tc.n); got != tc.want {
			t.Errorf("Summary(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
		}
	}
}

func TestCSS(t *testing.T) {
	css := CSS()
	for _, want := range []string{
		".chroma { color: ",
		".chroma .k { ",
		".chroma .s { ",
		"@media (prefers-color-scheme: dark) {\n",
		"  .chroma { ",
	} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS lacks %q", want)
		}
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Errorf("CSS braces unbalanced:\n%s", css)
	}
	// Every class the light rules style must be restyled for dark mode.
	light, dark, _ := strings.Cut(css, "@media")
	for _, line := range strings.Split(light, "\n") {
		sel, _, ok := strings.Cut(line, " {")
		if ok && !strings.Contains(dark, "  "+sel+" {") {
			t.Errorf("dark scheme lacks a rule for %q", sel)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	docs := []string{benchNote, benchArticle(), "<b>raw</b> and *md*", "```go\nx := 1\n```"}
	want := make([]Result, len(docs))
	for i, d := range docs {
		want[i] = render(t, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(docs))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, d := range docs {
				got, err := testRenderer.Markdown([]byte(d))
				if err != nil {
					errs <- err
					return
				}
				if got != want[i] {
					errs <- fmt.Errorf("doc %d rendered differently concurrently", i)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCommentsNeedNoSanitiser(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"block", "Intro.\n\n<!--more-->\n\nRest.", "<p>Intro.</p>\n<p>Rest.</p>\n"},
		{"multi-line block", "A\n\n<!--\nnote to self\n-->\n\nB", "<p>A</p>\n<p>B</p>\n"},
		{"inline", "A <!-- hidden --> B", "<p>A  B</p>\n"},
		// Not just a comment: these must go through the sanitiser.
		{"abrupt close", "<!--><script>alert(1)</script>-->\n\nB", "--&gt;\n<p>B</p>\n"},
		{"comment then tag", "<!-- x --><b>bold</b>", "<b>bold</b>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src).HTML
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
