package markdown

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// walker makes the single pass over a parsed document that collects
// everything Markdown needs besides the HTML: the plain text, whether
// there is code or raw HTML, and the heading IDs (which must be set on
// the AST before it is rendered).
type walker struct {
	src     []byte
	text    *textCollector
	rawHTML bool
	hasCode bool

	// checkLinkify asks the walk to set needLinkify when text outside
	// links could contain something linkify would have turned into a
	// link; linkDepth tells whether we are inside a link.
	checkLinkify bool
	needLinkify  bool
	linkDepth    int

	// html extracts text from raw HTML blocks. Its skip depth also
	// follows inline raw tags, so that the content of elements the
	// sanitiser drops (script, style, …) is dropped here too.
	html htmlText
	// headingStart is where the current heading's text begins in text.
	headingStart int
	ids          map[string]bool
	// comments are raw HTML nodes that hold nothing but HTML comments.
	// They are removed from the AST after the walk rather than sending
	// the document through the sanitiser, which would strip them
	// anyway: "<!--more-->" markers are common and cost nothing then.
	comments []ast.Node
}

func (w *walker) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if n.Type() == ast.TypeBlock {
		// Words in adjacent blocks (paragraphs, list items, table
		// cells) must not run together in the plain text.
		w.text.space()
	}
	if !entering {
		switch n := n.(type) {
		case *ast.Heading:
			w.setHeadingID(n)
		case *ast.Link:
			w.linkDepth--
		}
		return ast.WalkContinue, nil
	}

	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(w.src)
		if w.checkLinkify && w.linkDepth == 0 && !n.IsRaw() && mayLinkify(v) {
			w.needLinkify = true
		}
		if w.html.skip == 0 {
			w.writeInline(v, n.IsRaw())
			if n.SoftLineBreak() || n.HardLineBreak() {
				w.text.space()
			}
		}
	case *ast.Link:
		w.linkDepth++
	case *ast.String:
		if w.html.skip == 0 {
			w.writeInline(n.Value, n.IsRaw() || n.IsCode())
		}
	case *ast.AutoLink:
		w.text.write(n.Label(w.src))
	case *ast.FencedCodeBlock:
		w.hasCode = true
		w.writeLines(n.Lines())
		return ast.WalkSkipChildren, nil
	case *ast.CodeBlock:
		w.hasCode = true
		w.writeLines(n.Lines())
		return ast.WalkSkipChildren, nil
	case *ast.HTMLBlock:
		var closure text.Segment
		if n.HasClosure() {
			closure = n.ClosureLine
		}
		if w.onlyComments(n.Lines(), closure) {
			w.comments = append(w.comments, n)
		} else {
			w.rawHTML = true
			w.writeHTMLBlock(n)
		}
		return ast.WalkSkipChildren, nil
	case *ast.RawHTML:
		if w.onlyComments(n.Segments, text.Segment{}) {
			w.comments = append(w.comments, n)
		} else {
			w.rawHTML = true
			w.trackInlineTags(n)
		}
	case *ast.Heading:
		w.headingStart = w.text.len()
	case *ast.Image:
		// Alt text is an attribute in the HTML, not visible text; the
		// HTML path (which reads text nodes only) agrees.
		return ast.WalkSkipChildren, nil
	case *extast.FootnoteLink, *extast.FootnoteBacklink, *extast.TaskCheckBox:
		// Reference numbers and arrows would glue noise onto words.
		return ast.WalkSkipChildren, nil
	}
	return ast.WalkContinue, nil
}

// onlyComments reports whether the raw HTML in lines (and closure, if
// not empty) is a single HTML comment, possibly surrounded by spaces.
func (w *walker) onlyComments(lines *text.Segments, closure text.Segment) bool {
	var v []byte
	if lines.Len() == 1 && closure.IsEmpty() {
		seg := lines.At(0)
		v = seg.Value(w.src) // the common case: no copy
	} else {
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			v = append(v, seg.Value(w.src)...)
		}
		if !closure.IsEmpty() {
			v = append(v, closure.Value(w.src)...)
		}
	}
	v = bytes.TrimSpace(v)
	if !bytes.HasPrefix(v, []byte("<!--")) || !bytes.HasSuffix(v, []byte("-->")) {
		return false
	}
	// The comment must end only at the very end. Searching from index 2
	// also catches "<!-->" and "<!--->", which HTML closes at once, and
	// "--!>" closes a comment too.
	end := bytes.Index(v[2:], []byte("-->")) + 2
	return end == len(v)-3 && !bytes.Contains(v, []byte("--!>"))
}

// removeComments takes the comment-only nodes the walk found out of the
// document.
func (w *walker) removeComments() {
	for _, n := range w.comments {
		if p := n.Parent(); p != nil {
			p.RemoveChild(p, n)
		}
	}
}

// mayLinkify reports whether goldmark's linkify extension could find a
// link in v: it only links text starting with http://, https://, ftp://
// or www., and e-mail addresses, which have a character before the @.
// False positives cost a second parse; false negatives would lose links.
func mayLinkify(v []byte) bool {
	if bytes.Contains(v, []byte("://")) || bytes.Contains(v, []byte("www.")) {
		return true
	}
	for i := 0; ; i++ {
		at := bytes.IndexByte(v[i:], '@')
		if at < 0 {
			return false
		}
		i += at
		if i == 0 || !util.IsSpace(v[i-1]) {
			return true
		}
	}
}

// writeInline writes an inline text value, resolving Markdown backslash
// escapes and character references the way goldmark's HTML writer does.
func (w *walker) writeInline(v []byte, raw bool) {
	if !raw {
		if bytes.IndexByte(v, '\\') >= 0 {
			v = util.UnescapePunctuations(v)
		}
		if bytes.IndexByte(v, '&') >= 0 {
			v = util.ResolveEntityNames(util.ResolveNumericReferences(v))
		}
	}
	w.text.write(v)
}

func (w *walker) writeLines(lines *text.Segments) {
	w.text.space()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		w.text.write(seg.Value(w.src))
	}
	w.text.space()
}

func (w *walker) writeHTMLBlock(n *ast.HTMLBlock) {
	var buf []byte
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		buf = append(buf, seg.Value(w.src)...)
	}
	if n.HasClosure() {
		buf = append(buf, n.ClosureLine.Value(w.src)...)
	}
	w.html.write(w.text, buf)
}

// trackInlineTags follows inline raw HTML tags such as <script> … </script>
// inside a paragraph: goldmark keeps the text between them as ordinary
// Text nodes, which must not reach the plain text when the sanitiser
// removes them from the HTML.
func (w *walker) trackInlineTags(n *ast.RawHTML) {
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		name, closing := tagName(seg.Value(w.src))
		if skipContent(atom.Lookup(name), name) {
			w.html.track(!closing)
		}
	}
}

// tagName returns the lower-case element name of a raw tag like "<b>" or
// "</b>", and whether it is a closing tag. Comments and other markup
// declarations give an empty name.
func tagName(tag []byte) (name []byte, closing bool) {
	if len(tag) < 2 || tag[0] != '<' {
		return nil, false
	}
	i := 1
	if tag[i] == '/' {
		closing = true
		i++
	}
	j := i
	for j < len(tag) && (tag[j] >= 'a' && tag[j] <= 'z' || tag[j] >= 'A' && tag[j] <= 'Z' || tag[j] >= '0' && tag[j] <= '9') {
		j++
	}
	return bytes.ToLower(tag[i:j]), closing
}

// skipContent reports whether the sanitiser drops the element's content
// along with the element (bluemonday's defaults, which newPolicy keeps).
// a is the atom of the lower-case name, or 0 for names without one.
func skipContent(a atom.Atom, name []byte) bool {
	switch a {
	case atom.Frame, atom.Frameset, atom.Iframe, atom.Noembed, atom.Noframes,
		atom.Noscript, atom.Object, atom.Script, atom.Style, atom.Title:
		return true
	case 0:
		return string(name) == "nostyle"
	}
	return false
}

// setHeadingID gives h an id made from the text written since it was
// entered; goldmark renders it as the id attribute.
func (w *walker) setHeadingID(h *ast.Heading) {
	if _, ok := h.AttributeString("id"); ok {
		return
	}
	id := slug(w.text.since(w.headingStart))
	if id == "" {
		id = "heading"
	}
	if w.ids == nil {
		w.ids = make(map[string]bool, 8)
	}
	if w.ids[id] {
		for i := 1; ; i++ {
			c := id + "-" + strconv.Itoa(i)
			if !w.ids[c] {
				id = c
				break
			}
		}
	}
	w.ids[id] = true
	h.SetAttributeString("id", []byte(id))
}

// slug makes a heading ID the way GitHub does, but keeping every letter,
// mark and digit of any script, so that "Über Größe" becomes "über-größe"
// and "日本語の見出し" stays readable in a URL fragment. Other punctuation
// is dropped; runs of spaces, hyphens and underscores become one hyphen.
func slug(s []byte) string {
	var b strings.Builder
	b.Grow(len(s))
	hyphen := false
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		s = s[size:]
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			// fast path for the common case
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			r = unicode.ToLower(r)
		case r == '-' || r == '_' || unicode.IsSpace(r):
			hyphen = b.Len() > 0
			continue
		default:
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textCollector accumulates plain text, collapsing every run of
// whitespace into one space and trimming both ends as it goes, so the
// result needs no second pass.
type textCollector struct {
	buf     []byte
	pending bool // a space is due before the next non-space character
}

func (t *textCollector) reset() {
	t.buf = t.buf[:0]
	t.pending = false
}

func (t *textCollector) len() int { return len(t.buf) }

// since returns the text written after offset, which len returned.
func (t *textCollector) since(offset int) []byte {
	if offset > len(t.buf) {
		return nil
	}
	return bytes.TrimLeft(t.buf[offset:], " ")
}

func (t *textCollector) String() string { return string(t.buf) }

// space records a word break; it is written only if more text follows.
func (t *textCollector) space() {
	if len(t.buf) > 0 {
		t.pending = true
	}
}

func (t *textCollector) write(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if plainASCII(c) {
				// Copy the whole run of such bytes at once.
				j := i + 1
				for j < len(p) && plainASCII(p[j]) {
					j++
				}
				t.flush()
				t.buf = append(t.buf, p[i:j]...)
				i = j
				continue
			}
			i++
			// goldmark renders NUL as U+FFFD; plain text has no use for it.
			if c != 0 {
				t.space()
			}
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if unicode.IsSpace(r) {
			t.space()
		} else {
			t.flush()
			if r == utf8.RuneError && size == 1 {
				// Keep the output valid UTF-8 whatever the input.
				t.buf = utf8.AppendRune(t.buf, r)
			} else {
				t.buf = append(t.buf, p[i:i+size]...)
			}
		}
		i += size
	}
}

// plainASCII reports whether c is an ASCII byte written as it is: not
// white space ('\t' to '\r', ' ') and not NUL.
func plainASCII(c byte) bool {
	return c > ' ' && c < utf8.RuneSelf || c != 0 && c < '\t' || c > '\r' && c < ' '
}

func (t *textCollector) flush() {
	if t.pending {
		t.buf = append(t.buf, ' ')
		t.pending = false
	}
}

// htmlText extracts the visible text of an HTML fragment with the
// golang.org/x/net/html tokenizer.
type htmlText struct {
	skip   int  // depth inside elements whose content is not shown
	sawPre bool // a <pre> element was seen
}

func (x *htmlText) write(t *textCollector, src []byte) {
	z := html.NewTokenizer(bytes.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// The reader never fails, so this is io.EOF.
			return
		case html.TextToken:
			if x.skip == 0 {
				t.write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Pre {
				x.sawPre = true
			}
			if !inlineElement(a) {
				t.space()
			}
			if tt != html.SelfClosingTagToken && skipContent(a, name) {
				x.track(tt == html.StartTagToken)
			}
		}
	}
}

// track follows the opening (open) or closing of an element whose content
// is not shown.
func (x *htmlText) track(open bool) {
	if open {
		x.skip++
	} else if x.skip > 0 {
		x.skip--
	}
}

// inlineElement reports whether an element is phrasing content that may
// sit inside a word ("<em>un</em>likely"); every other tag separates
// words in the plain text.
func inlineElement(a atom.Atom) bool {
	switch a {
	case atom.A, atom.Abbr, atom.B, atom.Bdi, atom.Bdo, atom.Cite, atom.Code,
		atom.Data, atom.Del, atom.Dfn, atom.Em, atom.I, atom.Ins, atom.Kbd,
		atom.Mark, atom.Q, atom.Rp, atom.Rt, atom.Ruby, atom.S, atom.Samp,
		atom.Small, atom.Span, atom.Strong, atom.Sub, atom.Sup, atom.Time,
		atom.U, atom.Var, atom.Wbr:
		return true
	}
	return false
}

// Summary returns the first ~n characters of text cut at a word boundary with "…" when cut.
//
// n counts characters (runes), not bytes. The cut falls at the last space
// before character n; text without spaces that early (a very long word,
// or CJK prose) is cut at exactly n characters.
func Summary(text string, n int) string {
	text = strings.TrimSpace(text)
	if n <= 0 {
		return ""
	}
	// Find the byte offset of rune n, bailing out early when the text is
	// short enough: the common case needs no cut at all.
	cut, count := -1, 0
	for i := range text {
		if count == n {
			cut = i
			break
		}
		count++
	}
	if cut < 0 {
		return text
	}
	head := text[:cut]
	if r, _ := utf8.DecodeRuneInString(text[cut:]); !unicode.IsSpace(r) {
		// The cut is inside a word: back up to the previous space unless
		// that throws away more than half of the summary.
		if sp := strings.LastIndexFunc(head, unicode.IsSpace); sp > 0 && utf8.RuneCountInString(head[:sp]) >= n/2 {
			head = head[:sp]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:.-–—", r)
	})
	return head + "…"
}
