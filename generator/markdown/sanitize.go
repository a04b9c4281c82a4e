package markdown

import (
	"regexp"
	"sort"
	"strings"

	"github.com/alecthomas/chroma/v2"
	"github.com/microcosm-cc/bluemonday"
)

// newPolicy returns the sanitiser for raw HTML: bluemonday's UGC policy
// in spirit (formatting, lists, tables, media, details), widened to
// everything goldmark and the highlighter emit, and written out
// element by element because two UGC defaults do not fit a personal
// site: rel="nofollow" on the owner's own links, and the Paragraph
// pattern for alt and title, which rejects ordinary text such as
// "Photo: my cat?".
//
// Anything not listed is removed: script, style, iframe, object, form
// controls other than task-list checkboxes, on* handlers, style
// attributes, and URLs whose scheme is not http, https, mailto or tel.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// URLs in href, src and cite must parse, and be relative or use a
	// harmless scheme; bluemonday checks these on a, area, blockquote,
	// q, del, ins, img, audio, video and track.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(true)
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	urlPattern, srcsetPattern := urlPatterns()

	// Global attributes.
	p.AllowAttrs("title").Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()

	// Structure and text.
	p.AllowElements(
		"p", "div", "span", "br", "hr", "wbr", "pre", "code",
		"article", "aside", "section", "hgroup", "figure", "figcaption", "summary",
		"em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small",
		"sub", "sup", "kbd", "samp", "var", "abbr", "cite", "dfn",
		"ruby", "rt", "rp", "bdi", "picture",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "dl", "dt", "dd",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
	)
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")
	p.AllowAttrs("value").OnElements("data")
	p.AllowAttrs("dir").Matching(bluemonday.Direction).OnElements("bdo")

	// Heading IDs, footnotes and a few other common anchor targets.
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{M}\p{N}_:.-]+$`)).OnElements(
		"h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "section", "figure", "dt")

	// Lists: ordered lists that start elsewhere than 1 are plain
	// Markdown ("3. third").
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`(?i)^(|reversed)$`)).OnElements("ol")
	p.AllowAttrs("type").Matching(bluemonday.ListType).OnElements("ol", "ul", "li")
	p.AllowAttrs("value").Matching(bluemonday.Integer).OnElements("li")

	// Tables: goldmark aligns cells with the align attribute.
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("th", "td")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("th", "td")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`(?i)^(row|col)(group)?$`)).OnElements("th")

	// Links: kept as written, nothing added (no nofollow: this is the
	// owner's own content). rel matters on the IndieWeb (rel="me").
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(bluemonday.SpaceSeparatedTokens).OnElements("a")
	p.AllowAttrs("hreflang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).OnElements("a")
	// goldmark's footnote references and back-links.
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink|endnotes)$`)).OnElements("a", "div")

	// Task list items: goldmark emits <input checked="" disabled="" type="checkbox">.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`(?i)^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked").Matching(regexp.MustCompile(`(?i)^(|checked)$`)).OnElements("input")
	p.AllowAttrs("disabled").Matching(regexp.MustCompile(`(?i)^(|disabled)$`)).OnElements("input")

	// Images and media. bluemonday checks src on img, audio, video and
	// track itself, but not on source, nor poster and srcset anywhere,
	// so those get a pattern that admits only relative and http(s) URLs.
	p.AllowAttrs("src", "alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img", "video")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`(?i)^(lazy|eager)$`)).OnElements("img")
	p.AllowAttrs("decoding").Matching(regexp.MustCompile(`(?i)^(sync|async|auto)$`)).OnElements("img")
	p.AllowAttrs("srcset").Matching(srcsetPattern).OnElements("img", "source")
	p.AllowAttrs("sizes").Matching(regexp.MustCompile(`^[a-zA-Z0-9\s(),.:%+*/-]*$`)).OnElements("img", "source")
	p.AllowAttrs("src").OnElements("video", "audio", "track")
	p.AllowAttrs("src").Matching(urlPattern).OnElements("source")
	p.AllowAttrs("poster").Matching(urlPattern).OnElements("video")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`(?i)^(|controls)$`)).OnElements("video", "audio")
	p.AllowAttrs("loop").Matching(regexp.MustCompile(`(?i)^(|loop)$`)).OnElements("video", "audio")
	p.AllowAttrs("muted").Matching(regexp.MustCompile(`(?i)^(|muted)$`)).OnElements("video", "audio")
	p.AllowAttrs("playsinline").Matching(regexp.MustCompile(`(?i)^(|playsinline)$`)).OnElements("video")
	p.AllowAttrs("preload").Matching(regexp.MustCompile(`(?i)^(none|metadata|auto|)$`)).OnElements("video", "audio")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+(\s*;[\w\s=".,+-]*)?$`)).OnElements("source")
	p.AllowAttrs("media").Matching(regexp.MustCompile(`^[a-zA-Z0-9\s(),.:%-]*$`)).OnElements("source")
	p.AllowAttrs("kind").Matching(regexp.MustCompile(`(?i)^(subtitles|captions|descriptions|chapters|metadata)$`)).OnElements("track")
	p.AllowAttrs("srclang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).OnElements("track")
	p.AllowAttrs("label").OnElements("track")
	p.AllowAttrs("default").Matching(regexp.MustCompile(`(?i)^(|default)$`)).OnElements("track")

	// Classes: what the highlighter and footnotes emit, plus
	// microformats2 classes (h-card, p-name, u-url, dt-published,
	// e-content, …), which IndieWeb readers parse out of post content.
	// One pattern per element, because bluemonday keeps only the last
	// pattern given for an attribute on an element.
	mf2 := `(?:h|p|u|dt|e)-[a-z0-9]+(?:-[a-z0-9]+)*`
	p.AllowAttrs("class").Matching(classList(`chroma`)).OnElements("pre")
	p.AllowAttrs("class").Matching(classList(`language-[a-zA-Z0-9_+#.-]+`)).OnElements("code")
	p.AllowAttrs("class").Matching(classList(chromaClasses(), mf2)).OnElements("span")
	p.AllowAttrs("class").Matching(classList(`footnote-ref`, `footnote-backref`, mf2)).OnElements("a")
	p.AllowAttrs("class").Matching(classList(`footnotes`, mf2)).OnElements("div")
	p.AllowAttrs("class").Matching(classList(mf2)).OnElements(
		"p", "img", "data", "time", "abbr", "figure", "figcaption", "blockquote",
		"article", "section", "ul", "ol", "li", "cite", "q")

	// Elements that carry the attributes above but also make sense bare.
	// (Not input: a bare <input> is a text box.)
	p.AllowElements("a", "img", "time", "data", "q", "blockquote", "video", "audio",
		"source", "track", "details", "bdo", "del", "ins")

	return p
}

// classList returns a pattern for a class attribute made of one or more
// tokens, each matching one of the alternatives.
func classList(alternatives ...string) *regexp.Regexp {
	token := `(?:` + strings.Join(alternatives, `|`) + `)`
	return regexp.MustCompile(`^\s*` + token + `(?:\s+` + token + `)*\s*$`)
}

// chromaClasses returns an alternation of every class chroma's HTML
// formatter can put on a token span.
func chromaClasses() string {
	var classes []string
	for _, c := range chroma.StandardTypes {
		if c != "" {
			classes = append(classes, regexp.QuoteMeta(c))
		}
	}
	// Longest first, so that the alternation never stops at a prefix;
	// sorted for a deterministic pattern.
	sort.Slice(classes, func(i, j int) bool {
		if len(classes[i]) != len(classes[j]) {
			return len(classes[i]) > len(classes[j])
		}
		return classes[i] < classes[j]
	})
	return strings.Join(classes, `|`)
}

// urlPatterns returns patterns for URLs in attributes bluemonday does not
// check itself: absolute http(s), or relative with no scheme (no colon
// before the first /, ? or #). single is one URL; srcset is a
// comma-separated list of candidates, each a URL and an optional width or
// density descriptor, whose URLs may not contain commas so that no parser
// can split a candidate into a second URL.
func urlPatterns() (single, srcset *regexp.Regexp) {
	const (
		oneURL  = `(?:[hH][tT][tT][pP][sS]?://\S+|[^\s:/?#]+(?:[/?#]\S*)?|[/?#]\S*)`
		listURL = `(?:[hH][tT][tT][pP][sS]?://[^\s,]+|[^\s,:/?#]+(?:[/?#][^\s,]*)?|[/?#][^\s,]*)`
		cand    = listURL + `(?:\s+(?:[0-9]+w|[0-9]*\.?[0-9]+x))?`
	)
	single = regexp.MustCompile(`^\s*` + oneURL + `\s*$`)
	srcset = regexp.MustCompile(`^\s*` + cand + `(?:\s*,\s*` + cand + `)*\s*,?\s*$`)
	return single, srcset
}
