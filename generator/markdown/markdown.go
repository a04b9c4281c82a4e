// Package markdown turns post bodies into sanitised HTML fragments and the
// plain text used for search, summaries and OpenGraph descriptions.
//
// The Markdown path is built for throughput: a document is parsed once
// (twice if it has bare URLs for linkify, see Renderer.Markdown), the
// same AST is walked once to collect its plain text, give headings IDs
// and find out whether it contains raw HTML, and it is then rendered
// from that AST. Only documents that really contain raw HTML pay for the
// HTML sanitiser; everything else relies on goldmark's safe renderer,
// which escapes or omits markup and drops javascript: and similar link
// URLs by itself.
package markdown

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Result of rendering one document.
type Result struct {
	HTML    string // sanitised HTML fragment
	Text    string // plain text of the content (no markup), whitespace collapsed, for search/summaries/OpenGraph description
	HasCode bool   // the document has a fenced/indented code block
}

// Renderer is safe for concurrent use by many goroutines.
//
// Its configuration is built once in New and only read afterwards; the
// pool hands each call its own scratch buffers, and the highlighter's
// cache of code blocks has its own lock. Keep one Renderer for the life
// of the process: a rebuild then reuses the highlighted code blocks.
type Renderer struct {
	// parser lacks the linkify extension and linkifyParser has it; see
	// Markdown for why there are two.
	parser        parser.Parser
	linkifyParser parser.Parser
	// safe renders documents without raw HTML. It drops javascript: and
	// similar URLs from Markdown links itself, so its output needs no
	// sanitiser.
	safe renderer.Renderer
	// unsafe passes raw HTML through; its output always goes through
	// policy before it leaves the package.
	unsafe renderer.Renderer
	policy *bluemonday.Policy
	code   *codeRenderer
	pool   sync.Pool // of *scratch
}

// New returns a Renderer configured for inkstone's Markdown dialect:
// CommonMark plus GFM tables, strikethrough, linkify and task lists,
// footnotes, typographic punctuation, heading IDs and syntax highlighting.
func New() *Renderer {
	code := newCodeRenderer()
	// Two goldmark instances that differ only in WithUnsafe. Both get
	// identical extensions, so an AST parsed by one can be rendered by
	// either; we always parse with the safe one's parser.
	safeMD := newGoldmark(code, false)
	unsafeMD := newGoldmark(code, true)
	// Linkify adds an inline parser and nothing else (bare URLs become
	// ordinary AutoLink nodes), so its parser's ASTs render with the
	// renderers above.
	linkifyMD := newGoldmark(code, false, extension.Linkify)
	return &Renderer{
		parser:        safeMD.Parser(),
		linkifyParser: linkifyMD.Parser(),
		safe:          safeMD.Renderer(),
		unsafe:        unsafeMD.Renderer(),
		policy:        newPolicy(),
		code:          code,
		pool:          sync.Pool{New: func() any { return new(scratch) }},
	}
}

func newGoldmark(code *codeRenderer, unsafe bool, extra ...goldmark.Extender) goldmark.Markdown {
	rendererOpts := []renderer.Option{
		// Above goldmark's default renderers (priority 1000) so that
		// our highlighter owns fenced and indented code blocks.
		renderer.WithNodeRenderers(util.Prioritized(code, 100)),
	}
	if unsafe {
		rendererOpts = append(rendererOpts, html.WithUnsafe())
	}
	extensions := append([]goldmark.Extender{
		// extension.GFM, taken apart: without linkify (added as extra)
		// and with the table aligning cells by the align attribute,
		// since inline style attributes would need 'unsafe-inline' in
		// a Content-Security-Policy.
		extension.Strikethrough,
		extension.TaskList,
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Footnote,
		extension.NewTypographer(extension.WithTypographicSubstitutions(typographicSubstitutions())),
	}, extra...)
	return goldmark.New(
		goldmark.WithExtensions(extensions...),
		// No parser.WithAutoHeadingID: IDs are assigned in walk from the
		// heading's rendered text, which gives better, Unicode-friendly
		// slugs than goldmark's generator sees (it gets the raw line,
		// markup included, and drops every non-ASCII letter).
		goldmark.WithRendererOptions(rendererOpts...),
	)
}

// typographicSubstitutions replaces goldmark's default HTML entities with
// the characters themselves: the HTML gets shorter and the plain text
// walk can copy the values verbatim.
func typographicSubstitutions() map[extension.TypographicPunctuation]string {
	return map[extension.TypographicPunctuation]string{
		extension.LeftSingleQuote:  "‘",
		extension.RightSingleQuote: "’",
		extension.LeftDoubleQuote:  "“",
		extension.RightDoubleQuote: "”",
		extension.EnDash:           "–",
		extension.EmDash:           "—",
		extension.Ellipsis:         "…",
		extension.LeftAngleQuote:   "«",
		extension.RightAngleQuote:  "»",
		extension.Apostrophe:       "’",
	}
}

// Markdown renders a Markdown body.
func (r *Renderer) Markdown(src []byte) (Result, error) {
	return r.markdown(src, false)
}

// markdown is Markdown; alwaysLinkify turns off the linkify shortcut, so
// that tests can check that it changes nothing.
func (r *Renderer) markdown(src []byte, alwaysLinkify bool) (Result, error) {
	s := r.getScratch()
	defer r.putScratch(s)

	// Linkify makes goldmark try an inline parser at every space, which
	// costs a fifth of the time of a short note. So parse without it,
	// and parse again with it only when the walk finds text where it
	// could have matched (see mayLinkify): the ASTs are otherwise
	// identical, because linkify adds nodes only where it matches.
	p := r.parser
	if alwaysLinkify {
		p = r.linkifyParser
	}
	doc := p.Parse(text.NewReader(src))
	w := walker{src: src, text: &s.text, checkLinkify: !alwaysLinkify}
	if err := ast.Walk(doc, w.visit); err != nil {
		return Result{}, fmt.Errorf("markdown: walk document: %w", err)
	}
	if w.needLinkify {
		doc = r.linkifyParser.Parse(text.NewReader(src))
		s.text.reset()
		w = walker{src: src, text: &s.text}
		if err := ast.Walk(doc, w.visit); err != nil {
			return Result{}, fmt.Errorf("markdown: walk document: %w", err)
		}
	}

	w.removeComments()

	rend := r.safe
	if w.rawHTML {
		rend = r.unsafe
	}
	if err := rend.Render(&s.html, src, doc); err != nil {
		return Result{}, fmt.Errorf("markdown: render document: %w", err)
	}

	res := Result{Text: s.text.String(), HasCode: w.hasCode}
	if !w.rawHTML {
		res.HTML = s.html.String()
		return res, nil
	}
	if err := r.policy.SanitizeReaderToWriter(&s.html, &s.clean); err != nil {
		return Result{}, fmt.Errorf("markdown: sanitise raw HTML: %w", err)
	}
	res.HTML = s.clean.String()
	return res, nil
}

// HTML sanitises a body that is already HTML (content_type: html) and extracts its text.
//
// HasCode reports whether the body has a <pre> element, the only trace a
// code block leaves in HTML.
func (r *Renderer) HTML(src []byte) (Result, error) {
	s := r.getScratch()
	defer r.putScratch(s)

	if err := r.policy.SanitizeReaderToWriter(bytes.NewReader(src), &s.clean); err != nil {
		return Result{}, fmt.Errorf("markdown: sanitise HTML body: %w", err)
	}
	// The text comes from the sanitised markup, so that it never contains
	// words the reader cannot see (such as a removed script's source).
	var x htmlText
	x.write(&s.text, s.clean.Bytes())
	return Result{HTML: s.clean.String(), Text: s.text.String(), HasCode: x.sawPre}, nil
}

// scratch holds the buffers one call needs; they are pooled because a
// build renders thousands of documents and their growth dominates the
// allocation profile otherwise.
type scratch struct {
	html  bufWriter     // goldmark output
	clean bytes.Buffer  // sanitiser output
	text  textCollector // plain text
}

// maxPooledBytes keeps one huge document from pinning its buffers in the
// pool for the rest of the build.
const maxPooledBytes = 1 << 20

func (r *Renderer) getScratch() *scratch {
	s := r.pool.Get().(*scratch)
	s.html.Reset()
	s.clean.Reset()
	s.text.reset()
	return s
}

func (r *Renderer) putScratch(s *scratch) {
	if s.html.Cap() > maxPooledBytes || s.clean.Cap() > maxPooledBytes || cap(s.text.buf) > maxPooledBytes {
		return
	}
	r.pool.Put(s)
}

// bufWriter lets goldmark write straight into a bytes.Buffer. goldmark
// wraps any writer that is not a util.BufWriter in a fresh 4 KiB
// bufio.Writer per call, which would be an avoidable allocation and copy.
type bufWriter struct{ bytes.Buffer }

var _ util.BufWriter = (*bufWriter)(nil)

// Buffered implements util.BufWriter.
func (b *bufWriter) Buffered() int { return b.Len() }

// Flush implements util.BufWriter; there is nothing underneath to flush.
func (b *bufWriter) Flush() error { return nil }
