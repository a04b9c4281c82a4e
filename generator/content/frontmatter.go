package content

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

const delimiter = "---"

// dateLayouts are the forms accepted for date and updated; RFC 3339 first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// yamlLine finds the line yaml.v3 puts in front of a syntax error.
var yamlLine = regexp.MustCompile(`^line (\d+): `)

// yamlError turns a yaml.v3 syntax error in front into a message and the
// yaml.v3 line (1-based, see yamlLines) it is about.
//
// yaml.v3 reports scanner errors by their 1-based line, parser errors
// (e.g. an unclosed [ list) by the 0-based line, and errors on the first
// line or from resolving aliases with no line at all. The line is checked
// by parsing the front matter up to it: the problem is on the first line
// whose prefix fails with the same message.
func yamlError(front []byte, err error) (line int, msg string) {
	msg = yamlMessage(err)
	lines := yamlLines(front)
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines[:n], nil), &doc)
		return err != nil && yamlMessage(err) == msg
	}
	if m := yamlLine.FindStringSubmatch(strings.TrimPrefix(err.Error(), "yaml: ")); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch {
		case n >= len(lines):
			return max(len(lines), 1), msg
		case n >= 1 && fails(n):
			return n, msg
		default:
			return n + 1, msg
		}
	}
	for n := 1; n <= len(lines) && n <= 200; n++ {
		if fails(n) {
			return n, msg
		}
	}
	return 1, msg
}

// yamlLines splits front into lines as yaml.v3 counts them: besides \n
// and \r\n, a lone \r and the Unicode breaks NEL, LS and PS end a line.
func yamlLines(front []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i := 0; i < len(front); {
		n := 0
		switch {
		case front[i] == '\r' && i+1 < len(front) && front[i+1] == '\n':
			n = 2
		case front[i] == '\n' || front[i] == '\r':
			n = 1
		case bytes.HasPrefix(front[i:], []byte("\u0085")):
			n = 2
		case bytes.HasPrefix(front[i:], []byte("\u2028")), bytes.HasPrefix(front[i:], []byte("\u2029")):
			n = 3
		default:
			i++
			continue
		}
		i += n
		lines = append(lines, front[start:i])
		start = i
	}
	if start < len(front) {
		lines = append(lines, front[start:])
	}
	return lines
}

// lineMap maps yaml.v3's line numbers in the front matter to the file's
// line numbers as editors count them (by \n), the opening --- being 1.
type lineMap []int

func newLineMap(front []byte) lineMap {
	m := lineMap{2}
	for _, l := range yamlLines(front) {
		next := m[len(m)-1]
		if bytes.HasSuffix(l, []byte("\n")) {
			next++
		}
		m = append(m, next)
	}
	return m
}

// file returns the file line of yaml.v3 line n (1-based).
func (m lineMap) file(n int) int {
	switch {
	case n < 1:
		return m[0]
	case n > len(m):
		return m[len(m)-1]
	}
	return m[n-1]
}

func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return yamlLine.ReplaceAllString(msg, "")
}

// Parse reads a content file: YAML front matter between "---" lines, then
// the body. path is used in error messages and stored in Post.Path as is.
// Every problem found is returned, joined, as *ParseError values.
func Parse(path string, data []byte) (*Post, error) { return parse(path, data, true) }

// parse is Parse; with fast false all front matter goes to yaml.v3, which
// lets tests check that simpleYAML changes nothing.
func parse(path string, data []byte, fast bool) (*Post, error) {
	p := &Post{Path: path}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // BOM from some editors
	front, body, bodyLine, err := split(data)
	if err != nil {
		return nil, &ParseError{File: path, Line: 1, Msg: err.Error(),
			Hint: "close the front matter with a line holding only ---"}
	}
	p.Body = string(body)
	p.BodyLine = bodyLine
	if front == nil {
		return p, nil
	}
	// Most front matter is in the subset simpleYAML reads, at a fraction
	// of yaml.v3's cost; the rest goes to yaml.v3.
	var doc *yaml.Node
	ok := false
	if fast {
		doc, ok = simpleYAML(front)
	}
	if !ok {
		doc = new(yaml.Node)
		if err := yaml.Unmarshal(front, doc); err != nil {
			line, msg := yamlError(front, err)
			return nil, &ParseError{File: path, Line: newLineMap(front).file(line),
				Msg:  "front matter is not valid YAML: " + msg,
				Hint: "check indentation, and quote values that contain ': ' or start with a special character"}
		}
	}
	if len(doc.Content) == 0 {
		return p, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{File: path, Line: newLineMap(front).file(root.Line), Msg: "front matter must be a set of key: value lines",
			Hint: "write e.g. title: My post"}
	}
	d := decoder{path: path, front: front}
	for _, kv := range rootPairs(root) {
		d.field(p, kv[0], kv[1])
	}
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	return p, nil
}

// split separates front matter from body. front is nil when the file has
// none. bodyLine is the 1-based line where the body starts.
func split(data []byte) (front, body []byte, bodyLine int, err error) {
	if !bytes.HasPrefix(data, []byte(delimiter)) {
		return nil, data, 1, nil
	}
	first := lineEnd(data, 0)
	if strings.TrimSpace(string(data[:first])) != delimiter {
		return nil, data, 1, nil
	}
	line := 2
	for pos := first; pos < len(data); {
		end := lineEnd(data, pos)
		if strings.TrimRight(string(data[pos:end]), " \t\r\n") == delimiter {
			front = data[first:pos]
			body = data[end:]
			return front, body, line + 1, nil
		}
		pos = end
		line++
	}
	return nil, nil, 0, errors.New("front matter has no closing ---")
}

// lineEnd returns the index just past the newline of the line at pos.
func lineEnd(data []byte, pos int) int {
	if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
		return pos + i + 1
	}
	return len(data)
}

// rootPairs lists the key/value pairs of the front matter mapping, with
// YAML merge keys (<<: *base) expanded as YAML defines them: keys written
// in the mapping win over merged ones, and an earlier merged mapping wins
// over a later one.
func rootPairs(root *yaml.Node) [][2]*yaml.Node { return mappingPairs(root, 0) }

func mappingPairs(m *yaml.Node, depth int) [][2]*yaml.Node {
	var merged, own [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if depth < 10 { // anchors can make cycles; real files nest one or two
				merged = append(merged, mergeSources(v, depth+1)...)
			}
			continue
		}
		own = append(own, [2]*yaml.Node{k, v})
	}
	if len(merged) == 0 {
		return own
	}
	seen := map[string]bool{}
	for _, kv := range own {
		seen[kv[0].Value] = true
	}
	var out [][2]*yaml.Node
	for _, kv := range merged {
		if !seen[kv[0].Value] {
			seen[kv[0].Value] = true
			out = append(out, kv)
		}
	}
	return append(out, own...)
}

// mergeSources returns the pairs a merge key's value brings in: one
// mapping, or a list of them, each possibly an alias.
func mergeSources(v *yaml.Node, depth int) [][2]*yaml.Node {
	v = deref(v)
	var maps []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		maps = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, item := range v.Content {
			maps = append(maps, deref(item))
		}
	}
	var out [][2]*yaml.Node
	for _, m := range maps {
		if m.Kind == yaml.MappingNode {
			out = append(out, mappingPairs(m, depth)...)
		}
	}
	return out
}

// deref follows aliases (*name) to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

type decoder struct {
	path  string
	front []byte
	lines lineMap // built from front on the first error; most files have none
	errs  []error
}

func (d *decoder) fail(n *yaml.Node, msg, hint string) {
	if d.lines == nil {
		d.lines = newLineMap(d.front)
	}
	d.errs = append(d.errs, &ParseError{File: d.path, Line: d.lines.file(n.Line), Msg: msg, Hint: hint})
}

func (d *decoder) field(p *Post, k, v *yaml.Node) {
	key := k.Value
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		// An alias stands for the anchored value; report problems
		// where the alias is used.
		line := v.Line
		c := *deref(v)
		c.Line = line
		v = &c
	}
	switch key {
	case "title":
		p.Title = d.str(key, v)
	case "date":
		p.Date = d.time(key, v)
	case "updated":
		p.Updated = d.time(key, v)
	case "slug":
		p.Slug = d.str(key, v)
	case "tags":
		p.Tags = d.strs(key, v)
	case "type":
		t := Type(strings.ToLower(d.str(key, v)))
		if t != "" && !t.Valid() {
			d.fail(v, fmt.Sprintf("unknown type %q", v.Value), "use one of "+typeList()+", or leave type out to derive it")
		}
		p.Type = t
	case "summary":
		p.Summary = d.str(key, v)
	case "in_reply_to":
		p.InReplyTo = d.url(key, v)
	case "like_of":
		p.LikeOf = d.url(key, v)
	case "repost_of":
		p.RepostOf = d.url(key, v)
	case "bookmark_of":
		p.BookmarkOf = d.url(key, v)
	case "photo":
		p.Photo = d.media(key, v)
	case "video":
		p.Video = d.media(key, v)
	case "audio":
		p.Audio = d.media(key, v)
	case "syndication":
		p.Syndication = d.strs(key, v)
	case "location":
		p.Location = d.str(key, v)
	case "draft":
		p.Draft = d.bool(key, v)
	case "deleted":
		p.Deleted = d.bool(key, v)
	case "visibility":
		vis := Visibility(strings.ToLower(d.str(key, v)))
		switch vis {
		case "", Public, Unlisted, Private:
		default:
			d.fail(v, fmt.Sprintf("unknown visibility %q", v.Value), "use public, unlisted or private")
		}
		p.Visibility = vis
	case "content_type":
		ct := strings.ToLower(d.str(key, v))
		switch ct {
		case "", "markdown", "html":
		default:
			d.fail(v, fmt.Sprintf("unknown content_type %q", v.Value), "use markdown or html")
		}
		p.ContentType = ct
	case "properties":
		// An explicit properties map is merged, so a file written by
		// Marshal and one written by hand read the same.
		var m map[string]any
		if err := v.Decode(&m); err != nil {
			d.fail(v, "properties must be a map of key: value", "write properties as an indented block of key: value lines")
			return
		}
		for k, val := range m {
			p.setProperty(k, val)
		}
	default:
		var val any
		if err := v.Decode(&val); err != nil {
			d.fail(v, fmt.Sprintf("cannot read %s: %v", key, err), "")
			return
		}
		p.setProperty(key, val)
	}
}

func (p *Post) setProperty(k string, v any) {
	if p.Properties == nil {
		p.Properties = map[string]any{}
	}
	p.Properties[k] = stringKeys(v)
}

// stringKeys turns the map[any]any that yaml.v3 makes for a map with a
// non-string key (e.g. {1: a}) into map[string]any, at any depth, so that
// properties can always be written as JSON (Micropub q=source).
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = stringKeys(val)
		}
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			key, ok := k.(string)
			if !ok {
				key = fmt.Sprint(k)
				if k == nil {
					key = "null"
				}
			}
			m[key] = stringKeys(val)
		}
		return m
	case []any:
		for i, val := range x {
			x[i] = stringKeys(val)
		}
	}
	return v
}

func (d *decoder) str(key string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		d.fail(v, key+" must be a single value", "write "+key+": followed by text on the same line")
		return ""
	}
	switch v.ShortTag() {
	case "!!null":
		return ""
	case "!!binary":
		// How yaml.v3 writes text that is not valid UTF-8.
		var s string
		if err := v.Decode(&s); err != nil {
			d.fail(v, fmt.Sprintf("%s is not valid base64: %v", key, err), "write "+key+" as plain text")
		}
		return s
	}
	return v.Value
}

func (d *decoder) url(key string, v *yaml.Node) string {
	s := strings.TrimSpace(d.str(key, v))
	if s != "" && !strings.Contains(s, "://") {
		d.fail(v, fmt.Sprintf("%s %q is not an absolute URL", key, s), "write the full address, starting with https://")
	}
	return s
}

func (d *decoder) bool(key string, v *yaml.Node) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
		d.fail(v, fmt.Sprintf("%s must be true or false, not %q", key, v.Value), "write "+key+": true or "+key+": false")
	}
	return b
}

func (d *decoder) time(key string, v *yaml.Node) time.Time {
	s := strings.TrimSpace(d.str(key, v))
	if s == "" {
		return time.Time{}
	}
	t, err := ParseTime(s)
	if err != nil {
		d.fail(v, fmt.Sprintf("%s %q is not a date", key, s), "use RFC 3339, e.g. "+key+": 2024-05-01T09:30:00Z")
	}
	return t
}

// ParseTime reads a date in RFC 3339 or one of a few shorter forms; dates
// without a zone are taken as UTC. The result is in UTC when its offset is
// zero and in a fixed zone of its offset otherwise, never in time.Local:
// a post reads the same whatever the machine's time zone.
func ParseTime(s string) (time.Time, error) {
	// RFC 3339 allows a lower-case t and z; Go's layouts do not.
	in := strings.Map(func(r rune) rune {
		switch r {
		case 't':
			return 'T'
		case 'z':
			return 'Z'
		}
		return r
	}, s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, in); err == nil {
			return fixZone(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// strs reads a list of strings; a single value is taken as a list of one.
func (d *decoder) strs(key string, v *yaml.Node) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" || v.Value == "" {
			return nil
		}
		return []string{d.str(key, v)}
	case yaml.SequenceNode:
		var out []string
		for _, item := range v.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				d.fail(item, key+" must be a list of single values", "write each item as - value")
				continue
			}
			if item.ShortTag() == "!!null" {
				continue // "- " or "- ~": nothing there
			}
			out = append(out, d.str(key, item))
		}
		return out
	}
	d.fail(v, key+" must be a list", "write "+key+": [a, b] or one - item per line")
	return nil
}

// media reads photo/video/audio: a URL, a list of URLs, or a list of
// {url, alt} maps.
func (d *decoder) media(key string, v *yaml.Node) []Media {
	var items []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode, yaml.MappingNode:
		items = []*yaml.Node{v}
	case yaml.SequenceNode:
		items = v.Content
	default:
		d.fail(v, key+" must be a URL or a list of {url, alt}", "")
		return nil
	}
	var out []Media
	for _, item := range items {
		item = deref(item)
		switch item.Kind {
		case yaml.ScalarNode:
			if item.Value != "" && item.ShortTag() != "!!null" {
				out = append(out, Media{URL: d.str(key, item)})
			}
		case yaml.MappingNode:
			var m Media
			if err := item.Decode(&m); err != nil || m.URL == "" {
				d.fail(item, key+" item needs a url", "write - url: /media/x.jpg with an optional alt: text")
				continue
			}
			out = append(out, m)
		default:
			d.fail(item, key+" items must be URLs or {url, alt}", "")
		}
	}
	return out
}

func typeList() string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Marshal writes the post as a content file: front matter with the known
// keys in a fixed order, then any other properties sorted by key, then the
// body. Parse(Marshal(p)) gives back p.
func Marshal(p *Post) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	type kv struct {
		key  string
		v    any
		skip bool
	}
	fields := []kv{
		{"title", p.Title, p.Title == ""},
		{"date", formatTime(p.Date), p.Date.IsZero()},
		{"updated", formatTime(p.Updated), p.Updated.IsZero()},
		{"slug", p.Slug, p.Slug == ""},
		{"type", string(p.Type), p.Type == ""},
		{"tags", p.Tags, len(p.Tags) == 0},
		{"summary", p.Summary, p.Summary == ""},
		{"in_reply_to", p.InReplyTo, p.InReplyTo == ""},
		{"like_of", p.LikeOf, p.LikeOf == ""},
		{"repost_of", p.RepostOf, p.RepostOf == ""},
		{"bookmark_of", p.BookmarkOf, p.BookmarkOf == ""},
		{"photo", p.Photo, len(p.Photo) == 0},
		{"video", p.Video, len(p.Video) == 0},
		{"audio", p.Audio, len(p.Audio) == 0},
		{"syndication", p.Syndication, len(p.Syndication) == 0},
		{"location", p.Location, p.Location == ""},
		{"draft", p.Draft, !p.Draft},
		{"visibility", string(p.Visibility), p.Visibility == ""},
		{"deleted", p.Deleted, !p.Deleted},
		{"content_type", p.ContentType, p.ContentType == ""},
		// Unknown keys sit under "properties" so they can never shadow
		// a key inkstone knows.
		{"properties", p.Properties, len(p.Properties) == 0},
	}
	for _, f := range fields {
		if f.skip {
			continue
		}
		n, err := toNode(reflect.ValueOf(f.v))
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", f.key, err)
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.key}, n)
	}
	var buf bytes.Buffer
	buf.WriteString(delimiter + "\n")
	if len(root.Content) > 0 {
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(root); err != nil {
			return nil, fmt.Errorf("encode front matter: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encode front matter: %w", err)
		}
	}
	buf.WriteString(delimiter + "\n")
	buf.WriteString(p.Body)
	return buf.Bytes(), nil
}

var (
	mediaType     = reflect.TypeFor[Media]()
	marshalerType = reflect.TypeFor[yaml.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// toNode builds the YAML for a value. Strings, lists and string-keyed maps
// are built here so that every string is written in a style that reads
// back as the same string (see strNode); anything else (numbers, times,
// other types) is left to yaml.v3.
func toNode(v reflect.Value) (*yaml.Node, error) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && !v.IsNil() &&
		!v.Type().Implements(marshalerType) && !v.Type().Implements(textType) {
		v = v.Elem()
	}
	if !v.IsValid() || ((v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && v.IsNil()) {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	if v.Type().Implements(marshalerType) || v.Type().Implements(textType) {
		return encodeNode(v)
	}
	switch {
	case v.Kind() == reflect.String:
		return strNode(v.String()), nil
	case v.Type() == mediaType:
		m := v.Interface().(Media)
		n := &yaml.Node{Kind: yaml.MappingNode}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "url"}, strNode(m.URL))
		if m.Alt != "" {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "alt"}, strNode(m.Alt))
		}
		return n, nil
	case (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && v.Type().Elem().Kind() != reflect.Uint8:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for i := 0; i < v.Len(); i++ {
			item, err := toNode(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, item)
		}
		return n, nil
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			val, err := toNode(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			key := strNode(k)
			if k == "<<" {
				// yaml.v3 would write it plain, which reads as a merge key.
				key.Style = yaml.DoubleQuotedStyle
			}
			n.Content = append(n.Content, key, val)
		}
		return n, nil
	}
	return encodeNode(v)
}

func encodeNode(v reflect.Value) (*yaml.Node, error) {
	var n yaml.Node
	if err := n.Encode(v.Interface()); err != nil {
		return nil, err
	}
	quoteMergeKeys(&n)
	return &n, nil
}

// strNode is a string scalar. yaml.v3 chooses its style, except where its
// choice would not read back as s: it drops leading line breaks in block
// scalars and writes a tab at the start of a block line, which is invalid.
// Those strings are double-quoted, which escapes everything.
//
// Text that is not valid UTF-8 cannot be a YAML string; it is written as
// !!binary (base64), which Parse reads back into the same bytes.
func strNode(s string) *yaml.Node {
	if !utf8.ValidString(s) {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!binary", Value: base64.StdEncoding.EncodeToString([]byte(s))}
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if !plainSafe(s) && !emitsAs(n, s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// plainSafe reports whether s is printable ASCII on one line, which
// yaml.v3 always writes correctly (plain or quoted as needed).
func plainSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// emitsAs reports whether n, written by yaml.v3, reads back as s.
func emitsAs(n *yaml.Node, s string) bool {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "k"}, n}}
	if enc.Encode(doc) != nil || enc.Close() != nil {
		return false
	}
	var back struct {
		K *string `yaml:"k"`
	}
	return yaml.Unmarshal(buf.Bytes(), &back) == nil && back.K != nil && *back.K == s
}

// fixZone replaces the location time.Parse picks (time.Local when the
// offset matches the machine's zone) by UTC or an unnamed fixed zone.
func fixZone(t time.Time) time.Time {
	_, off := t.Zone()
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", off))
}

// quoteMergeKeys quotes map keys spelled "<<", which yaml.v3 would
// otherwise write as merge keys (!!merge <<) that fail or merge when read.
func quoteMergeKeys(n *yaml.Node) {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Kind == yaml.ScalarNode && c.Value == "<<" {
			c.Tag = "!!str"
			c.Style = yaml.DoubleQuotedStyle
			continue
		}
		quoteMergeKeys(c)
	}
}

// formatTime writes RFC 3339 with as many fractional digits as the time
// has, so that a date read from a file or a Micropub request is saved
// unchanged.
func formatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }
