package markdown

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Highlighting styles CSS renders; the HTML itself only carries classes.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

// codeRenderer renders fenced and indented code blocks with chroma.
//
// It stands in for goldmark-highlighting, whose renderer builds a new
// chroma formatter (and so recomputes the style's CSS) for every block
// and calls lexers.Get, which scans every lexer's filename globs (about
// 10 ms) whenever a block names a language chroma does not know. Here the
// formatter and the language table are built once, in New.
type codeRenderer struct {
	formatter *chromahtml.Formatter
	style     *chroma.Style
	lexers    map[string]chroma.Lexer
	cache     *blockCache
}

func newCodeRenderer() *codeRenderer {
	return &codeRenderer{
		formatter: newFormatter(),
		// With classes the style only feeds the formatter's class
		// cache; any style will do, but use the one CSS describes.
		style:  styles.Get(lightStyle),
		lexers: lexerTable(),
		cache:  newBlockCache(maxCacheBytes),
	}
}

func newFormatter() *chromahtml.Formatter {
	return chromahtml.New(
		chromahtml.WithClasses(true),
		// We write <pre><code> ourselves, with the language class; this
		// also leaves out the per-line wrapper spans, which only matter
		// for line numbers and line highlighting, neither of which we
		// offer.
		chromahtml.PreventSurroundingPre(true),
	)
}

// lexerTable maps lower-case language names, aliases and file extensions
// (as in ```py) to coalescing lexers: the same lookups lexers.Get makes,
// precomputed so that a miss costs one map lookup.
func lexerTable() map[string]chroma.Lexer {
	all := lexers.GlobalLexerRegistry.Lexers
	table := make(map[string]chroma.Lexer, 4*len(all))
	coalesced := make(map[chroma.Lexer]chroma.Lexer, len(all))
	wrap := func(l chroma.Lexer) chroma.Lexer {
		c, ok := coalesced[l]
		if !ok {
			// Coalesce merges runs of same-type tokens: fewer spans.
			c = chroma.Coalesce(l)
			coalesced[l] = c
		}
		return c
	}

	// Extensions first, so that names and aliases win over them; among
	// lexers claiming the same extension the highest priority wins, as
	// in lexers.Get.
	byExt := make(map[string]chroma.Lexer)
	for _, l := range all {
		for _, glob := range l.Config().Filenames {
			ext, ok := strings.CutPrefix(glob, "*.")
			if !ok || strings.ContainsAny(ext, "*?[") {
				continue
			}
			ext = strings.ToLower(ext)
			if cur, ok := byExt[ext]; !ok || priority(l) > priority(cur) ||
				priority(l) == priority(cur) && l.Config().Name < cur.Config().Name {
				byExt[ext] = l
			}
		}
	}
	for ext, l := range byExt {
		table[ext] = wrap(l)
	}
	for _, l := range all {
		for _, alias := range l.Config().Aliases {
			table[strings.ToLower(alias)] = wrap(l)
		}
	}
	for _, l := range all {
		table[strings.ToLower(l.Config().Name)] = wrap(l)
	}
	return table
}

func priority(l chroma.Lexer) float32 {
	if p := l.Config().Priority; p != 0 {
		return p
	}
	return 1
}

// lexer returns the lexer for a fenced block's language, or nil.
func (c *codeRenderer) lexer(lang []byte) chroma.Lexer {
	if len(lang) == 0 {
		return nil
	}
	key := strings.ToLower(string(lang))
	if l, ok := c.lexers[key]; ok {
		return l
	}
	// "```main.go" names a file rather than a language.
	if ext := path.Ext(key); len(ext) > 1 {
		return c.lexers[ext[1:]]
	}
	return nil
}

// RegisterFuncs implements renderer.NodeRenderer.
func (c *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, c.renderFenced)
	reg.Register(ast.KindCodeBlock, c.renderIndented)
}

func (c *codeRenderer) renderFenced(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	return ast.WalkSkipChildren, c.render(w, src, n.Lines(), n.Language(src))
}

func (c *codeRenderer) renderIndented(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	return ast.WalkSkipChildren, c.render(w, src, node.Lines(), nil)
}

// render writes one code block. Every block, highlighted or not, is a
// <pre class="chroma"> so that the theme styles them all alike; a block
// whose language chroma does not know (or that names none) is escaped
// plain text.
func (c *codeRenderer) render(w util.BufWriter, src []byte, lines *text.Segments, lang []byte) error {
	_, _ = w.WriteString(`<pre class="chroma"><code`)
	if validLanguage(lang) {
		// Kept for unknown languages too: client-side tools (diagrams,
		// maths) look for language-* classes.
		_, _ = w.WriteString(` class="language-`)
		_, _ = w.Write(lang)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')

	highlighted := false
	if l := c.lexer(lang); l != nil {
		out, err := c.highlight(l, src, lines)
		if err != nil {
			return err
		}
		if out != "" {
			_, _ = w.WriteString(out)
			highlighted = true
		}
	}
	if !highlighted {
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
		}
	}
	_, _ = w.WriteString("</code></pre>\n")
	return nil
}

// highlight returns the highlighted HTML for a block's lines, or "" if
// the lexer failed: a lexer that fails or panics costs the block its
// colours, not the build its post.
func (c *codeRenderer) highlight(l chroma.Lexer, src []byte, lines *text.Segments) (string, error) {
	name := l.Config().Name
	var key strings.Builder
	key.Grow(len(name) + 1 + lines.Len()*40)
	key.WriteString(name)
	key.WriteByte(0)
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		key.Write(seg.Value(src))
	}
	k := key.String()
	if out, ok := c.cache.get(k); ok {
		return out, nil
	}
	tokens, err := tokenise(l, k[len(name)+1:])
	if err != nil {
		return "", nil
	}
	var out strings.Builder
	if err := c.formatter.Format(&out, c.style, chroma.Literator(tokens...)); err != nil {
		return "", fmt.Errorf("highlight %s code: %w", name, err)
	}
	c.cache.put(k, out.String())
	return out.String(), nil
}

func tokenise(l chroma.Lexer, code string) (tokens []chroma.Token, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("chroma %s lexer panicked: %v", l.Config().Name, p)
		}
	}()
	it, err := l.Tokenise(nil, code)
	if err != nil {
		return nil, err
	}
	return it.Tokens(), nil
}

// validLanguage reports whether a fenced block's language is safe and
// sensible to echo into a class attribute; the sanitiser policy accepts
// exactly these.
func validLanguage(lang []byte) bool {
	if len(lang) == 0 || len(lang) > maxLanguageLen {
		return false
	}
	for _, c := range lang {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '+' || c == '#' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

const maxLanguageLen = 40

// CSS returns the stylesheet for highlighted code (chroma classes), light and dark via prefers-color-scheme, to be included in the theme's CSS.
//
// It is computed on every call; call it once per build.
//
// The dark rules repeat every class the light rules style and reset the
// properties the dark style leaves unset: otherwise a light colour or
// weight would leak into dark mode wherever the dark style inherits.
func CSS() string {
	light := cssRules(styles.Get(lightStyle))
	dark := cssRules(styles.Get(darkStyle))

	var b strings.Builder
	fmt.Fprintf(&b, "/* Syntax highlighting: chroma %q, and %q when the reader prefers a dark scheme. */\n", lightStyle, darkStyle)
	for _, r := range light {
		b.WriteString(r.css(""))
	}
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	lightBy := make(map[string]cssRule, len(light))
	for _, r := range light {
		lightBy[r.selector] = r
	}
	seen := make(map[string]bool, len(dark))
	for _, r := range dark {
		seen[r.selector] = true
		b.WriteString(r.resetting(lightBy[r.selector]).css("  "))
	}
	for _, r := range light {
		if !seen[r.selector] {
			b.WriteString(cssRule{selector: r.selector}.resetting(r).css("  "))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// cssRule is one selector's declarations, by property.
type cssRule struct {
	selector                                     string
	color, background, weight, style, decoration string
}

// cssRules returns the rules for a chroma style in token-type order: the
// .chroma block itself, then one rule per token class the style sets.
func cssRules(style *chroma.Style) []cssRule {
	bg := style.Get(chroma.Background)
	rules := []cssRule{{selector: ".chroma", color: colour(bg.Colour), background: colour(bg.Background)}}

	types := make([]chroma.TokenType, 0, len(chroma.StandardTypes))
	for t := range chroma.StandardTypes {
		// Real tokens and the error token; the other negative types are
		// layout (line numbers, tables) we never emit.
		if t >= 0 || t == chroma.Error {
			types = append(types, t)
		}
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })

	for _, t := range types {
		class := chroma.StandardTypes[t]
		if class == "" {
			continue
		}
		// Sub drops whatever the token shares with the block (its
		// default colour, the background), as chroma's own WriteCSS does.
		e := style.Get(t).Sub(bg)
		r := cssRule{selector: ".chroma ." + class, color: colour(e.Colour), background: colour(e.Background)}
		if e.Bold == chroma.Yes {
			r.weight = "bold"
		}
		if e.Italic == chroma.Yes {
			r.style = "italic"
		}
		if e.Underline == chroma.Yes {
			r.decoration = "underline"
		}
		if r != (cssRule{selector: r.selector}) {
			rules = append(rules, r)
		}
	}
	return rules
}

func colour(c chroma.Colour) string {
	if !c.IsSet() {
		return ""
	}
	return c.String()
}

// resetting returns r with the properties light sets and r does not set
// put back to what an unstyled token would have.
func (r cssRule) resetting(light cssRule) cssRule {
	if r.color == "" && light.color != "" {
		r.color = "inherit"
	}
	if r.background == "" && light.background != "" {
		r.background = "transparent"
	}
	if r.weight == "" && light.weight != "" {
		r.weight = "normal"
	}
	if r.style == "" && light.style != "" {
		r.style = "normal"
	}
	if r.decoration == "" && light.decoration != "" {
		r.decoration = "none"
	}
	return r
}

func (r cssRule) css(indent string) string {
	var decls []string
	add := func(prop, v string) {
		if v != "" {
			decls = append(decls, prop+": "+v)
		}
	}
	add("color", r.color)
	add("background-color", r.background)
	add("font-weight", r.weight)
	add("font-style", r.style)
	add("text-decoration", r.decoration)
	if len(decls) == 0 {
		return ""
	}
	return indent + r.selector + " { " + strings.Join(decls, "; ") + " }\n"
}
