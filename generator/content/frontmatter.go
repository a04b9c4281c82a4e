package content

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

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

var yamlLine = regexp.MustCompile(`line (\d+)`)

// Parse reads a content file: YAML front matter between "---" lines, then
// the body. path is used in error messages and stored in Post.Path as is.
// Every problem found is returned, joined, as *ParseError values.
func Parse(path string, data []byte) (*Post, error) {
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
	var doc yaml.Node
	if err := yaml.Unmarshal(front, &doc); err != nil {
		line := 1
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = n + 1 // the opening --- is line 1
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = yamlLine.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, " :")
		return nil, &ParseError{File: path, Line: line, Msg: "front matter is not valid YAML: " + msg,
			Hint: "check indentation, and quote values that contain ': ' or start with a special character"}
	}
	if len(doc.Content) == 0 {
		return p, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{File: path, Line: root.Line + 1, Msg: "front matter must be a set of key: value lines",
			Hint: "write e.g. title: My post"}
	}
	d := decoder{path: path}
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
	path string
	errs []error
}

func (d *decoder) fail(n *yaml.Node, msg, hint string) {
	d.errs = append(d.errs, &ParseError{File: d.path, Line: n.Line + 1, Msg: msg, Hint: hint})
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
	p.Properties[k] = v
}

func (d *decoder) str(key string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		d.fail(v, key+" must be a single value", "write "+key+": followed by text on the same line")
		return ""
	}
	if v.Tag == "!!null" {
		return ""
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
// without a zone are taken as UTC.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// strs reads a list of strings; a single value is taken as a list of one.
func (d *decoder) strs(key string, v *yaml.Node) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" || v.Value == "" {
			return nil
		}
		return []string{v.Value}
	case yaml.SequenceNode:
		var out []string
		for _, item := range v.Content {
			item = deref(item)
			if item.Kind != yaml.ScalarNode {
				d.fail(item, key+" must be a list of single values", "write each item as - value")
				continue
			}
			if item.Tag == "!!null" {
				continue // "- " or "- ~": nothing there
			}
			out = append(out, item.Value)
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
			if item.Value != "" && item.Tag != "!!null" {
				out = append(out, Media{URL: item.Value})
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
	add := func(key string, v any) error {
		var n yaml.Node
		if err := n.Encode(v); err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &n)
		return nil
	}
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
	}
	for _, f := range fields {
		if f.skip {
			continue
		}
		if err := add(f.key, f.v); err != nil {
			return nil, err
		}
	}
	if len(p.Properties) > 0 {
		keys := make([]string, 0, len(p.Properties))
		for k := range p.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		// Unknown keys sit under "properties" so they can never shadow
		// a key inkstone knows. Keys are tagged as strings so that names
		// such as "<<", "true" or "1" are quoted and read back as written.
		props := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			var n yaml.Node
			if err := n.Encode(p.Properties[k]); err != nil {
				return nil, fmt.Errorf("encode properties.%s: %w", k, err)
			}
			quoteMergeKeys(&n)
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}
			if k == "<<" {
				key.Style = yaml.DoubleQuotedStyle
			}
			props.Content = append(props.Content, key, &n)
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "properties"}, props)
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
