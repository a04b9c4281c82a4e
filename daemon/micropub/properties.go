package micropub

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"inkstone/generator/content"
)

// Properties are a post's Micropub properties as Micropub JSON names and
// sends them: every value is a list. Form values are lists of strings.
type Properties map[string][]any

// A field maps one Micropub property to the typed Post fields it fills.
// set reads Micropub values (none: clear the field) and must leave p as it
// was when it fails; get writes the field back as Micropub values (nil
// when unset).
type field struct {
	get func(p *content.Post) []any
	set func(p *content.Post, vals []any) error
}

// fields are the properties with a typed place in content.Post. Every
// other property is kept verbatim in Post.Properties under its Micropub
// name.
//
// When the typed fields cannot say a value exactly as it was sent (an
// h-cite object in in-reply-to, a date with trailing zeros, content as
// {"html", "value"}), the values sent are also kept in Post.Properties
// under the property's name, as a "shadow". PropertiesOf returns the
// shadow rather than the typed values as long as the shadow still reads
// as the typed fields do, so q=source returns what was posted; a hand
// edit of the file that changes the field wins over a stale shadow.
var fields = map[string]field{
	"name": {
		get: func(p *content.Post) []any { return text(p.Title) },
		set: func(p *content.Post, vals []any) error {
			s, err := one("name", vals)
			if err == nil {
				p.Title = s
			}
			return err
		},
	},
	"content": {get: getContent, set: setContent},
	"summary": {
		get: func(p *content.Post) []any { return text(p.Summary) },
		set: func(p *content.Post, vals []any) error {
			s, err := one("summary", vals)
			if err == nil {
				p.Summary = s
			}
			return err
		},
	},
	"category": {
		get: func(p *content.Post) []any { return strList(p.Tags) },
		set: func(p *content.Post, vals []any) error {
			// Only text values are tags; others (person tags as h-card)
			// live on in the shadow.
			var tags []string
			for _, v := range vals {
				if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
					tags = append(tags, s)
				}
			}
			p.Tags = tags
			return nil
		},
	},
	"published": timeField("published", func(p *content.Post) *time.Time { return &p.Date }),
	"updated":   timeField("updated", func(p *content.Post) *time.Time { return &p.Updated }),

	"in-reply-to": citeField("in-reply-to", func(p *content.Post) *string { return &p.InReplyTo }),
	"like-of":     citeField("like-of", func(p *content.Post) *string { return &p.LikeOf }),
	"repost-of":   citeField("repost-of", func(p *content.Post) *string { return &p.RepostOf }),
	"bookmark-of": citeField("bookmark-of", func(p *content.Post) *string { return &p.BookmarkOf }),

	"photo": mediaField("photo", func(p *content.Post) *[]content.Media { return &p.Photo }),
	"video": mediaField("video", func(p *content.Post) *[]content.Media { return &p.Video }),
	"audio": mediaField("audio", func(p *content.Post) *[]content.Media { return &p.Audio }),

	"syndication": {
		get: func(p *content.Post) []any { return strList(p.Syndication) },
		set: func(p *content.Post, vals []any) error {
			var out []string
			for _, v := range vals {
				s, ok := v.(string)
				if !ok || !absURL(s) {
					return invalid("syndication must be absolute http(s) URLs, not %s", show(v))
				}
				out = append(out, s)
			}
			p.Syndication = out
			return nil
		},
	},
	"location": {
		get: func(p *content.Post) []any { return text(p.Location) },
		set: func(p *content.Post, vals []any) error {
			switch len(vals) {
			case 0:
				p.Location = ""
				return nil
			case 1:
			default:
				return invalid("location takes one value, not %d", len(vals))
			}
			switch v := vals[0].(type) {
			case string:
				p.Location = v
			case map[string]any:
				// An h-geo, h-card or h-adr: the object lives on in the
				// shadow, the readable part goes to Location.
				p.Location = placeName(v)
			default:
				return invalid("location must be a geo: URI, text or an h-geo/h-card object, not %s", show(v))
			}
			return nil
		},
	},
	"mp-slug": {
		get: func(p *content.Post) []any { return text(p.Slug) },
		set: func(p *content.Post, vals []any) error {
			s, err := one("mp-slug", vals)
			if err == nil {
				p.Slug = s
			}
			return err
		},
	},
	"post-status": {
		get: func(p *content.Post) []any {
			if p.Draft {
				return []any{"draft"}
			}
			return nil
		},
		set: func(p *content.Post, vals []any) error {
			s, err := one("post-status", vals)
			if err != nil {
				return err
			}
			switch strings.ToLower(s) {
			case "draft":
				p.Draft = true
			case "published", "":
				p.Draft = false
			default:
				return invalid("post-status %q is not known; use draft or published", s)
			}
			return nil
		},
	},
	"visibility": {
		get: func(p *content.Post) []any { return text(string(p.Visibility)) },
		set: func(p *content.Post, vals []any) error {
			s, err := one("visibility", vals)
			if err != nil {
				return err
			}
			v := content.Visibility(strings.ToLower(s))
			switch v {
			case "", content.Public, content.Unlisted, content.Private:
				p.Visibility = v
				return nil
			}
			return invalid("visibility %q is not known; use public, unlisted or private", s)
		},
	},
}

// Post turns Micropub properties into a new post. mp-photo-alt gives the
// photos their alt text, one value per photo, in order. Errors are
// *Error values (400 invalid_request) that name the property to fix.
func (props Properties) Post() (*content.Post, error) {
	props, err := mergePhotoAlt(props)
	if err != nil {
		return nil, err
	}
	p := &content.Post{}
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if err := setProp(p, name, props[name]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// PropertiesOf returns the post's Micropub properties: the typed fields
// (or the values sent for them, when those still hold; see fields) and
// every other property kept in Post.Properties. For a post made by
// Properties.Post it gives back the properties it was made from.
func PropertiesOf(p *content.Post) Properties {
	out := Properties{}
	for name := range fields {
		if vals := getProp(p, name); len(vals) > 0 {
			out[name] = vals
		}
	}
	for name, v := range p.Properties {
		if _, known := fields[name]; known {
			continue
		}
		if vals := asList(v); len(vals) > 0 {
			out[name] = vals
		}
	}
	return out
}

// getProp returns the post's values for one property.
func getProp(p *content.Post, name string) []any {
	f, known := fields[name]
	if !known {
		return asList(p.Properties[name])
	}
	typed := f.get(p)
	if sh, ok := p.Properties[name].([]any); ok && len(sh) > 0 {
		var scratch content.Post
		if f.set(&scratch, sh) == nil && sameJSON(f.get(&scratch), typed) {
			return sh
		}
	}
	return typed
}

// setProp sets one property from its values; none clears it. On error p
// is unchanged.
func setProp(p *content.Post, name string, vals []any) error {
	if err := checkName(name); err != nil {
		return err
	}
	f, known := fields[name]
	if known {
		if err := f.set(p, vals); err != nil {
			return err
		}
	}
	delete(p.Properties, name)
	if len(vals) > 0 && (!known || !sameJSON(f.get(p), vals)) {
		putProp(p, name, slices.Clone(vals))
	}
	if len(p.Properties) == 0 {
		p.Properties = nil
	}
	return nil
}

func putProp(p *content.Post, name string, vals []any) {
	if p.Properties == nil {
		p.Properties = map[string]any{}
	}
	p.Properties[name] = vals
}

// checkName refuses property names no client means.
func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("a property has an empty name; name every property")
	case strings.ContainsAny(name, "[]"):
		return invalid("property %q: nested form fields are not supported; send the post as JSON", name)
	}
	return nil
}

// mergePhotoAlt applies mp-photo-alt to photo and drops it, so the alt
// text is stored with each photo. It returns a copy when it changes props.
func mergePhotoAlt(props Properties) (Properties, error) {
	alts, ok := props["mp-photo-alt"]
	if !ok {
		return props, nil
	}
	photos := slices.Clone(props["photo"])
	if len(alts) > len(photos) {
		return nil, invalid("mp-photo-alt has %d values for %d photos; send one alt text per photo, in order", len(alts), len(photos))
	}
	for i, a := range alts {
		alt, ok := a.(string)
		if !ok {
			return nil, invalid("mp-photo-alt must be text, not %s", show(a))
		}
		if alt == "" {
			continue
		}
		switch ph := photos[i].(type) {
		case string:
			photos[i] = map[string]any{"value": ph, "alt": alt}
		case map[string]any:
			if _, has := ph["alt"]; !has {
				m := maps.Clone(ph)
				m["alt"] = alt
				photos[i] = m
			}
		}
	}
	out := maps.Clone(props)
	delete(out, "mp-photo-alt")
	out["photo"] = photos
	return out, nil
}

func getContent(p *content.Post) []any {
	switch {
	case p.Body == "":
		return nil
	case p.IsHTML():
		return []any{map[string]any{"html": p.Body}}
	}
	return []any{p.Body}
}

// setContent reads content as Micropub sends it: text, {"html": ...}
// (stored as an HTML body) or {"value": ...} (plain text).
func setContent(p *content.Post, vals []any) error {
	switch len(vals) {
	case 0:
		p.Body, p.ContentType = "", ""
		return nil
	case 1:
	default:
		return invalid("content takes one value, not %d", len(vals))
	}
	switch v := vals[0].(type) {
	case string:
		p.Body, p.ContentType = v, ""
		return nil
	case map[string]any:
		if h, ok := v["html"].(string); ok {
			p.Body, p.ContentType = h, "html"
			return nil
		}
		if t, ok := v["value"].(string); ok {
			p.Body, p.ContentType = t, ""
			return nil
		}
	}
	return invalid(`content must be text, {"html": "..."} or {"value": "..."}, not %s`, show(vals[0]))
}

func timeField(name string, at func(*content.Post) *time.Time) field {
	return field{
		get: func(p *content.Post) []any {
			if t := *at(p); !t.IsZero() {
				return []any{t.Format(time.RFC3339Nano)}
			}
			return nil
		},
		set: func(p *content.Post, vals []any) error {
			s, err := one(name, vals)
			if err != nil {
				return err
			}
			var t time.Time
			if s != "" {
				if t, err = content.ParseTime(strings.TrimSpace(s)); err != nil {
					return invalid("%s %q is not a date; use RFC 3339, e.g. 2024-05-01T09:30:00Z", name, s)
				}
			}
			*at(p) = t
			return nil
		},
	}
}

// citeField is a property naming another post: a URL or an h-cite with a
// url. The first URL fills the typed field; the rest, and the h-cite
// objects, live on in the shadow.
func citeField(name string, at func(*content.Post) *string) field {
	return field{
		get: func(p *content.Post) []any { return text(*at(p)) },
		set: func(p *content.Post, vals []any) error {
			first := ""
			for _, v := range vals {
				u := citeURL(v)
				if !absURL(u) {
					return invalid("%s must be an absolute http(s) URL or an h-cite with one, not %s", name, show(v))
				}
				if first == "" {
					first = u
				}
			}
			*at(p) = first
			return nil
		},
	}
}

// citeURL finds the URL of a cited post: the value itself, or an h-cite's
// url property (or url/value key).
func citeURL(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case map[string]any:
		if props, ok := x["properties"].(map[string]any); ok {
			return firstString(props["url"])
		}
		if s := firstString(x["url"]); s != "" {
			return s
		}
		return firstString(x["value"])
	}
	return ""
}

func mediaField(name string, at func(*content.Post) *[]content.Media) field {
	return field{
		get: func(p *content.Post) []any {
			var out []any
			for _, m := range *at(p) {
				if m.Alt == "" {
					out = append(out, m.URL)
				} else {
					out = append(out, map[string]any{"value": m.URL, "alt": m.Alt})
				}
			}
			return out
		},
		set: func(p *content.Post, vals []any) error {
			var out []content.Media
			for _, v := range vals {
				var m content.Media
				switch x := v.(type) {
				case string:
					m.URL = x
				case map[string]any:
					m.URL = firstString(x["value"])
					if m.URL == "" {
						m.URL = firstString(x["url"])
					}
					alt, ok := x["alt"]
					if ok {
						if m.Alt, ok = alt.(string); !ok {
							return invalid("%s alt must be text, not %s", name, show(alt))
						}
					}
				}
				if !siteURL(m.URL) {
					return invalid(`%s must be a URL (absolute, or a path from /) or {"value": URL, "alt": text}, not %s`, name, show(v))
				}
				out = append(out, m)
			}
			*at(p) = out
			return nil
		},
	}
}

// placeName is the readable part of a location object: its name or
// label, its address, or its coordinates as a geo: URI.
func placeName(obj map[string]any) string {
	props := obj
	if pr, ok := obj["properties"].(map[string]any); ok {
		props = pr
	}
	get := func(k string) string { return scalar(props[k]) }
	for _, k := range []string{"name", "label"} {
		if s := get(k); s != "" {
			return s
		}
	}
	var parts []string
	for _, k := range []string{"street-address", "locality", "region", "country-name"} {
		if s := get(k); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	if lat, lon := get("latitude"), get("longitude"); lat != "" && lon != "" {
		return "geo:" + lat + "," + lon
	}
	return ""
}

// scalar is v as text when it is text, a number, or a list starting with
// one (mf2 property values are lists).
func scalar(v any) string {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return ""
		}
		v = l[0]
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

func firstString(v any) string {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return ""
		}
		v = l[0]
	}
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// one reads a single text value; none is "".
func one(name string, vals []any) (string, error) {
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		if s, ok := vals[0].(string); ok {
			return s, nil
		}
		return "", invalid("%s must be text, not %s", name, show(vals[0]))
	}
	return "", invalid("%s takes one value, not %d", name, len(vals))
}

func text(s string) []any {
	if s == "" {
		return nil
	}
	return []any{s}
}

func strList(ss []string) []any {
	if len(ss) == 0 {
		return nil
	}
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// asList is a stored property value as Micropub values: a list stays a
// list, anything else (a hand-written front matter value) is one value.
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		return strList(x)
	}
	return []any{v}
}

// sameJSON reports whether a and b are the same Micropub values, whatever
// Go types hold them (a YAML int and a JSON float64 are the same number).
func sameJSON(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && string(ja) == string(jb)
}

func absURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// siteURL reports whether s is an absolute http(s) URL or a path from the
// site's root.
func siteURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	if absURL(s) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}

// show quotes a value the client sent, shortened, for error messages.
func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("a %T", v)
	}
	const maxLen = 60
	s := string(data)
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
