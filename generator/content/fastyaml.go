package content

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Almost every front matter is a handful of "key: value" lines, a flow
// list of tags and now and then a block list of URLs or {url, alt} maps.
// yaml.v3's general scanner and parser cost far more than such text needs,
// so simpleYAML reads that common subset directly into the very node tree
// yaml.Unmarshal builds (same kinds, tags, styles, values, lines and
// columns), and gives up on anything else, which then goes to yaml.v3.
//
// The subset, in the block layout YAML requires:
//
//	key: plain scalar
//	key: [plain, flow, items]
//	key:
//	  - plain scalar
//	  - key: plain scalar
//	    key: [plain, items]
//	key:
//	  key: plain scalar
//
// Keys are ASCII words; lines are indented with spaces only; every value
// sits on one line. Quotes, block scalars, comments, anchors, aliases,
// tags, directives, document markers, flow mappings, empty values, tabs
// and anything else that makes the reading less than certain are left to
// yaml.v3.

// simpleYAML parses front in the subset above. It returns the document
// node yaml.Unmarshal would fill in, and ok false if front is outside the
// subset.
func simpleYAML(front []byte) (doc *yaml.Node, ok bool) {
	p := simpleParser{src: string(front)}
	if !p.splitLines() {
		return nil, false
	}
	if len(p.lines) == 0 {
		// yaml.Unmarshal leaves the node untouched for an empty document.
		return &yaml.Node{}, true
	}
	if p.lines[0].indent != 0 {
		return nil, false
	}
	// One allocation for all nodes and one for all Content slices and
	// the stack they are gathered on.
	p.nodes = make([]yaml.Node, p.estimate)
	ptrs := make([]*yaml.Node, 2*p.estimate)
	p.stack, p.ptrs = ptrs[:0:p.estimate], ptrs[p.estimate:]
	root, ok := p.mapping(0, false)
	if !ok || p.i != len(p.lines) {
		return nil, false
	}
	doc = p.node(yaml.DocumentNode, "", "", root.Line, 1)
	p.stack = append(p.stack, root)
	doc.Content = p.children(0)
	return doc, true
}

// simpleLine is one non-empty line of the front matter.
type simpleLine struct {
	text   string // without the line break
	num    int    // 1-based, as yaml.v3 counts lines
	indent int    // leading spaces
}

type simpleParser struct {
	src      string
	lines    []simpleLine
	i        int          // next line to read
	estimate int          // number of nodes, at most
	nodes    []yaml.Node  // not yet handed out by node
	ptrs     []*yaml.Node // not yet handed out by children
	stack    []*yaml.Node // children of the containers being read
}

// splitLines cuts src into lines and checks every character: only
// printable text that yaml.v3 reads as itself is let through. Line breaks
// other than \n and \r\n (lone \r, NEL, LS, PS), tabs, control characters,
// the BOM and invalid UTF-8 would each need yaml.v3's handling.
func (p *simpleParser) splitLines() bool {
	s := p.src
	p.lines = make([]simpleLine, 0, strings.Count(s, "\n")+1)
	num := 0
	nodes := 2 // the document and the root mapping
	for len(s) > 0 {
		num++
		end := strings.IndexByte(s, '\n')
		var text string
		if end < 0 {
			text, s = s, ""
		} else {
			text, s = s[:end], s[end+1:]
		}
		text = strings.TrimSuffix(text, "\r")
		if text == "" {
			continue
		}
		indent := 0
		for indent < len(text) && text[indent] == ' ' {
			indent++
		}
		if indent == len(text) || outsideAtAGlance(text[indent:]) {
			return false
		}
		for i := indent; i < len(text); {
			c := text[i]
			if c < utf8.RuneSelf {
				if c < 0x20 || c == 0x7f {
					return false
				}
				switch c {
				case ',', '[':
					nodes++
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			if !yamlPrintable(r) || size == 1 {
				return false
			}
			i += size
		}
		// A line holds a key and its value or container, or an item;
		// "- " adds the item's mapping, and [ and commas a flow
		// sequence and its items.
		nodes += 2
		if strings.HasPrefix(text[indent:], "- ") {
			nodes++
		}
		p.lines = append(p.lines, simpleLine{text: text, num: num, indent: indent})
	}
	p.estimate = nodes
	return true
}

// outsideAtAGlance reports whether the unindented line s is plainly
// outside the subset: a comment, or a quoted, block, anchored, aliased or
// tagged value. It only makes files that go to yaml.v3 anyway fail before
// any allocation; the parser checks everything again.
func outsideAtAGlance(s string) bool {
	if s[0] == '#' || strings.Contains(s, " #") {
		return true
	}
	if strings.HasPrefix(s, "- ") {
		s = strings.TrimLeft(s[2:], " ")
	}
	if _, rest, ok := splitKey(s); ok {
		s = rest
	}
	if s == "" {
		return false
	}
	switch s[0] {
	case '"', '\'', '|', '>', '&', '*', '!', '{':
		return true
	}
	return false
}

// yamlPrintable reports whether yaml.v3 takes r as an ordinary character:
// it rejects control characters, treats NEL, LS and PS as line breaks and
// skips a BOM.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return false
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// node hands out the next preallocated node.
func (p *simpleParser) node(kind yaml.Kind, tag, value string, line, col int) *yaml.Node {
	var n *yaml.Node
	if len(p.nodes) > 0 {
		n = &p.nodes[0]
		p.nodes = p.nodes[1:]
	} else {
		n = new(yaml.Node)
	}
	n.Kind, n.Tag, n.Value, n.Line, n.Column = kind, tag, value, line, col
	return n
}

// children turns the nodes pushed on the stack since mark into a
// container's Content. Its capacity is its length, so that appending to
// it later cannot overwrite the next container's.
func (p *simpleParser) children(mark int) []*yaml.Node {
	n := len(p.stack) - mark
	if n == 0 {
		return nil
	}
	var c []*yaml.Node
	if len(p.ptrs) >= n {
		c, p.ptrs = p.ptrs[:n:n], p.ptrs[n:]
	} else {
		c = make([]*yaml.Node, n)
	}
	copy(c, p.stack[mark:])
	p.stack = p.stack[:mark]
	return c
}

// mapping reads a block mapping whose keys are at column ind (0-based).
// inline says the first key follows "- " on the current line, in which
// case that line's indentation is the sequence's, not the mapping's.
func (p *simpleParser) mapping(ind int, inline bool) (*yaml.Node, bool) {
	first := p.lines[p.i]
	m := p.node(yaml.MappingNode, "!!map", "", first.num, ind+1)
	mark := len(p.stack)
	for p.i < len(p.lines) {
		ln := p.lines[p.i]
		if !inline {
			if ln.indent < ind {
				break
			}
			if ln.indent > ind {
				return nil, false
			}
		}
		inline = false
		key, rest, ok := splitKey(ln.text[ind:])
		if !ok {
			return nil, false
		}
		tag, ok := resolveTag(key)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, p.node(yaml.ScalarNode, tag, key, ln.num, ind+1))
		if rest == "" {
			v, ok := p.blockValue(ind)
			if !ok {
				return nil, false
			}
			p.stack = append(p.stack, v)
			continue
		}
		v, ok := p.inlineValue(ln, len(ln.text)-len(rest))
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.i++
	}
	m.Content = p.children(mark)
	return m, true
}

// blockValue reads the value of a key that ends its line (at column ind):
// a block sequence, which may sit at the key's own indentation, or a
// mapping indented further. Anything else, an empty value included, is
// not in the subset.
func (p *simpleParser) blockValue(ind int) (*yaml.Node, bool) {
	p.i++
	if p.i == len(p.lines) {
		return nil, false
	}
	next := p.lines[p.i]
	switch {
	case next.indent >= ind && isEntry(next.text[next.indent:]):
		return p.sequence(next.indent)
	case next.indent > ind:
		return p.mapping(next.indent, false)
	}
	return nil, false
}

// isEntry reports whether s starts a block sequence entry.
func isEntry(s string) bool { return strings.HasPrefix(s, "- ") }

// sequence reads a block sequence whose dashes are at column ind.
func (p *simpleParser) sequence(ind int) (*yaml.Node, bool) {
	first := p.lines[p.i]
	s := p.node(yaml.SequenceNode, "!!seq", "", first.num, ind+1)
	mark := len(p.stack)
	for p.i < len(p.lines) {
		ln := p.lines[p.i]
		if ln.indent < ind {
			break
		}
		if ln.indent > ind {
			return nil, false
		}
		if !isEntry(ln.text[ind:]) {
			break // the next key of the mapping holding the sequence
		}
		at := ind + 1
		for at < len(ln.text) && ln.text[at] == ' ' {
			at++
		}
		item := ln.text[at:]
		if item == "" {
			return nil, false // an empty (null) item
		}
		if _, _, ok := splitKey(item); ok {
			v, ok := p.mapping(at, true)
			if !ok {
				return nil, false
			}
			p.stack = append(p.stack, v)
			continue
		}
		v, ok := p.inlineValue(ln, at)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.i++
	}
	s.Content = p.children(mark)
	return s, true
}

// splitKey splits "key: rest" or "key:" into the key and the rest with
// its leading spaces removed. Keys are ASCII words, which read the same
// in every YAML context; anything else is not in the subset.
func splitKey(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && i <= 64 && isKeyChar(s[i], i == 0) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != ':' {
		return "", "", false
	}
	key, rest = s[:i], s[i+1:]
	if rest != "" && rest[0] != ' ' {
		return "", "", false
	}
	return key, strings.TrimLeft(rest, " "), true
}

func isKeyChar(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		return true
	case c == '-', c == '.':
		return !first
	}
	return false
}

// inlineValue reads the value starting at byte at of ln, up to the end of
// the line: a flow sequence or a plain scalar.
func (p *simpleParser) inlineValue(ln simpleLine, at int) (*yaml.Node, bool) {
	if ln.text[at] == '[' {
		return p.flowSequence(ln, at)
	}
	s := strings.TrimRight(ln.text[at:], " ")
	if !plainBlock(s) {
		return nil, false
	}
	tag, ok := resolveTag(s)
	if !ok {
		return nil, false
	}
	return p.node(yaml.ScalarNode, tag, s, ln.num, column(ln.text, at)), true
}

// flowSequence reads [a, b, c] starting at byte at of ln; it must end on
// the same line.
func (p *simpleParser) flowSequence(ln simpleLine, at int) (*yaml.Node, bool) {
	text := ln.text
	seq := p.node(yaml.SequenceNode, "!!seq", "", ln.num, column(text, at))
	seq.Style = yaml.FlowStyle
	mark := len(p.stack)
	i := skipSpaces(text, at+1)
	if i < len(text) && text[i] == ']' {
		i++
	} else {
		for {
			start := i
			for i < len(text) && text[i] != ',' && text[i] != ']' {
				i++
			}
			if i == len(text) {
				return nil, false // not closed on this line
			}
			item := strings.TrimRight(text[start:i], " ")
			if !plainFlow(item) {
				return nil, false
			}
			tag, ok := resolveTag(item)
			if !ok {
				return nil, false
			}
			p.stack = append(p.stack, p.node(yaml.ScalarNode, tag, item, ln.num, column(text, start)))
			if text[i] == ']' {
				i++
				break
			}
			i = skipSpaces(text, i+1)
		}
	}
	if strings.TrimRight(text[i:], " ") != "" {
		return nil, false
	}
	seq.Content = p.children(mark)
	return seq, true
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// column is yaml.v3's 1-based column of byte i of s: it counts characters.
func column(s string, i int) int {
	return utf8.RuneCountInString(s[:i]) + 1
}

// scalarStart reports whether s may start a plain scalar in any context.
// Indicators would start something else (or be an error); "-" is only
// taken when a letter, digit or '.' follows, as in -1 or -.5.
func scalarStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	case '-':
		return len(s) > 1 && (isAlnum(s[1]) || s[1] == '.')
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// plainBlock reports whether s, with no leading or trailing spaces, is a
// whole plain scalar in block context: ": " or a final ":" would start a
// mapping and " #" a comment.
func plainBlock(s string) bool {
	if !scalarStart(s) {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// plainFlow reports whether s, with no leading or trailing spaces, is a
// whole plain scalar inside [ ]. Flow indicators end it there, and ':' and
// '#' are not worth the rules they come with.
func plainFlow(s string) bool {
	return scalarStart(s) && !strings.ContainsAny(s, ":#?,[]{}")
}

// resolveTag gives the tag yaml.v3 resolves a plain scalar to, following
// its resolve (resolve.go) step by step. ok is false when s is empty,
// which the subset leaves out.
func resolveTag(s string) (tag string, ok bool) {
	if s == "" {
		return "", false
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool", true
	case "~", "null", "Null", "NULL":
		return "!!null", true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float", true
	case "<<":
		return "!!merge", true
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "!!float", true
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return resolveNumber(s), true
	}
	return "!!str", true
}

// yamlFloat is yaml.v3's yamlStyleFloat.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolveNumber is resolve's branch for scalars starting with a sign or a
// digit: a timestamp, an int in one of several notations, or a float.
func resolveNumber(s string) string {
	if isTimestamp(s) {
		return "!!timestamp"
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return "!!int"
	}
	if yamlFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return "!!float"
		}
	}
	switch {
	case strings.HasPrefix(plain, "0b"):
		return resolveBase(plain[2:], 2, true)
	case strings.HasPrefix(plain, "-0b"):
		return resolveBase("-"+plain[3:], 2, false)
	case strings.HasPrefix(plain, "0o"):
		return resolveBase(plain[2:], 8, true)
	case strings.HasPrefix(plain, "-0o"):
		return resolveBase("-"+plain[3:], 8, false)
	}
	return "!!str"
}

// resolveBase is resolve's test for 0b and 0o integers: yaml.v3 tries
// unsigned only for the forms without a sign.
func resolveBase(digits string, base int, unsigned bool) string {
	if _, err := strconv.ParseInt(digits, base, 64); err == nil {
		return "!!int"
	}
	if unsigned {
		if _, err := strconv.ParseUint(digits, base, 64); err == nil {
			return "!!int"
		}
	}
	return "!!str"
}

// timestampLayouts are the layouts yaml.v3 tries for plain scalars that
// start with four digits and a hyphen.
var timestampLayouts = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}
