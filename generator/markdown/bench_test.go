package markdown

import (
	"strings"
	"testing"
)

// benchNote is a typical 60-word note: a couple of short paragraphs with
// links, emphasis and a bit of typography.
const benchNote = `Spent the morning at the [farmers' market](https://example.com/market) with
Ana. The plums are back, and so is the bread stall -- finally! I bought far
too much sourdough and a jar of *very* local honey.

Reading "The Overstory" again on the train. It's even better the second
time; see my [earlier notes](/2023/05/overstory/) for the first read.
#books #food`

// benchArticle returns a ~1000-word article with headings, lists, a table,
// a footnote and two code blocks (Go and shell), like the long posts of a
// personal technical blog.
func benchArticle() string {
	para := `Static site generators trade a little flexibility for a great deal of speed
and robustness. When the whole site is rendered ahead of time, the web server
only has to hand out files, which it does **very** well; there is no database
to tune and no application server to patch. The price is a build step, so the
build must be fast enough that nobody minds running it after every edit[^speed].
`
	var b strings.Builder
	b.WriteString("# Building a fast static site generator\n\n")
	for i := 0; i < 3; i++ {
		b.WriteString(para + "\n")
	}
	b.WriteString("## Rendering Markdown\n\n")
	b.WriteString("The renderer parses each post once and walks the tree to collect the text:\n\n")
	b.WriteString("```go\n" + benchGo + "```\n\n")
	for i := 0; i < 3; i++ {
		b.WriteString(para + "\n")
	}
	b.WriteString("## Measuring\n\n- build all posts\n- compare with the last run\n- keep the fastest of five\n\n")
	b.WriteString("| step | time |\n|:-----|-----:|\n| parse | 10 ms |\n| render | 25 ms |\n| write | 8 ms |\n\n")
	b.WriteString("Run the benchmark like this:\n\n")
	b.WriteString("```sh\n" + benchShell + "```\n\n")
	for i := 0; i < 4; i++ {
		b.WriteString(para + "\n")
	}
	b.WriteString("[^speed]: Under a second for ten thousand posts is a good target.\n")
	return b.String()
}

const benchGo = `// Render converts every post and reports the first error.
func Render(posts []Post, r *markdown.Renderer) error {
	for i := range posts {
		res, err := r.Markdown(posts[i].Body)
		if err != nil {
			return fmt.Errorf("render %s: %w", posts[i].Path, err)
		}
		posts[i].HTML = res.HTML
		posts[i].Summary = markdown.Summary(res.Text, 160)
	}
	return nil
}
`

const benchShell = `$ go test -run '^$' -bench . -benchmem ./generator/markdown/
$ GOMAXPROCS=2 ./inkstone build --source content --out public
`

// BenchmarkMarkdown measures a cold build: the highlight cache is off,
// since in one build every code block is new. article1000-cached shows a
// rebuild by a long-lived Renderer, where the code is unchanged.
func BenchmarkMarkdown(b *testing.B) {
	cold := New()
	cold.code.cache = newBlockCache(0) // remembers nothing
	warm := New()
	docs := []struct {
		name string
		r    *Renderer
		src  []byte
	}{
		{"note60", cold, []byte(benchNote)},
		{"article1000", cold, []byte(benchArticle())},
		{"article1000-cached", warm, []byte(benchArticle())},
	}
	for _, d := range docs {
		r := d.r
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(d.src)))
			for b.Loop() {
				if _, err := r.Markdown(d.src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarkdownMix renders the build's mix (nine notes to one long
// article with code) on all Ps, cold; ns/op is per post, so 10,000 posts
// take about 10,000 × ns/op of wall time on GOMAXPROCS cores.
func BenchmarkMarkdownMix(b *testing.B) {
	r := New()
	r.code.cache = newBlockCache(0)
	note, article := []byte(benchNote), []byte(benchArticle())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			src := note
			if i%10 == 9 {
				src = article
			}
			if _, err := r.Markdown(src); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
