package micropub

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"inkstone/generator/content"
)

// TestProperties maps Micropub properties to a post and back: the typed
// fields the post gets, and PropertiesOf giving back what was sent (or
// want, when mp-photo-alt moves into photo).
func TestProperties(t *testing.T) {
	cases := []struct {
		name  string
		props string
		post  content.Post
		back  string // PropertiesOf, when not props
	}{{
		name:  "like-of as an object with url",
		props: `{"like-of": [{"url": "https://a.example/"}]}`,
		post:  content.Post{LikeOf: "https://a.example/", Properties: map[string]any{"like-of": []any{map[string]any{"url": "https://a.example/"}}}},
	}, {
		name:  "repost-of as an object with value",
		props: `{"repost-of": [{"value": "https://a.example/"}]}`,
		post:  content.Post{RepostOf: "https://a.example/", Properties: map[string]any{"repost-of": []any{map[string]any{"value": "https://a.example/"}}}},
	}, {
		name:  "bookmark-of as a plain URL",
		props: `{"bookmark-of": ["https://a.example/"]}`,
		post:  content.Post{BookmarkOf: "https://a.example/"},
	}, {
		name:  "location h-card with a name",
		props: `{"location": [{"type": ["h-card"], "properties": {"name": ["Home"], "locality": ["Lund"]}}]}`,
		post: content.Post{Location: "Home", Properties: map[string]any{"location": []any{map[string]any{"type": []any{"h-card"},
			"properties": map[string]any{"name": []any{"Home"}, "locality": []any{"Lund"}}}}}},
	}, {
		name:  "location as a bare object with coordinates",
		props: `{"location": [{"latitude": 55.7, "longitude": 13.19}]}`,
		post:  content.Post{Location: "geo:55.7,13.19", Properties: map[string]any{"location": []any{map[string]any{"latitude": 55.7, "longitude": 13.19}}}},
	}, {
		name:  "location with a label",
		props: `{"location": [{"type": ["h-adr"], "properties": {"label": ["Main St 1"]}}]}`,
		post: content.Post{Location: "Main St 1", Properties: map[string]any{"location": []any{map[string]any{"type": []any{"h-adr"},
			"properties": map[string]any{"label": []any{"Main St 1"}}}}}},
	}, {
		name:  "location with nothing readable",
		props: `{"location": [{"type": ["h-geo"], "properties": {}}]}`,
		post:  content.Post{Properties: map[string]any{"location": []any{map[string]any{"type": []any{"h-geo"}, "properties": map[string]any{}}}}},
	}, {
		name:  "photo as an object with url",
		props: `{"photo": [{"url": "/a.jpg", "alt": "A"}]}`,
		post:  content.Post{Photo: []content.Media{{URL: "/a.jpg", Alt: "A"}}, Properties: map[string]any{"photo": []any{map[string]any{"url": "/a.jpg", "alt": "A"}}}},
	}, {
		name:  "mp-photo-alt on a photo object without alt",
		props: `{"photo": [{"value": "/a.jpg"}, {"value": "/b.jpg", "alt": "kept"}], "mp-photo-alt": ["A", "ignored"]}`,
		post:  content.Post{Photo: []content.Media{{URL: "/a.jpg", Alt: "A"}, {URL: "/b.jpg", Alt: "kept"}}},
		back:  `{"photo": [{"value": "/a.jpg", "alt": "A"}, {"value": "/b.jpg", "alt": "kept"}]}`,
	}, {
		name:  "empty values",
		props: `{"content": [], "category": []}`,
		post:  content.Post{},
		back:  `{}`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var props Properties
			if err := json.Unmarshal([]byte(tc.props), &props); err != nil {
				t.Fatal(err)
			}
			p, err := props.Post()
			if err != nil {
				t.Fatal(err)
			}
			comparePost(t, p, &tc.post)
			back := tc.back
			if back == "" {
				back = tc.props
			}
			jsonEqual(t, "PropertiesOf", PropertiesOf(p), back)
		})
	}
}

func TestPropertyErrors(t *testing.T) {
	for props, want := range map[string]string{
		`{"mp-photo-alt": [1], "photo": ["/a.jpg"]}`: "mp-photo-alt must be text, not 1",
		`{"photo": [3]}`:                           "photo must be a URL",
		`{"photo": ["//evil.example/x.jpg"]}`:      "photo must be a URL",
		`{"content": [3]}`:                         "content must be text",
		`{"summary": ["a", "b"]}`:                  "summary takes one value",
		`{"syndication": [{"url": "https://a/"}]}`: "syndication must be absolute",
		`{"updated": ["2024-13-45"]}`:              `updated "2024-13-45" is not a date`,
		`{"in-reply-to": ["ftp://a.example/"]}`:    "in-reply-to must be an absolute http(s) URL",
		`{"visibility": ["a", "b"]}`:               "visibility takes one value",
		`{"post-status": [true]}`:                  "post-status must be text",
		`{" ": ["x"]}`:                             "empty name",
		`{"name": ["x", 1]}`:                       "name takes one value",
	} {
		var p Properties
		if err := json.Unmarshal([]byte(props), &p); err != nil {
			t.Fatal(err)
		}
		_, err := p.Post()
		errorKind(t, props, err)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", props, err, want)
		}
	}
}

func TestShowShortensOnARuneBoundary(t *testing.T) {
	s := show("ääääääääääääääääääääääääääääääääääääääääääääääääääää")
	if !utf8.ValidString(s) || !strings.HasSuffix(s, "…") {
		t.Errorf("show cut a rune: %q", s)
	}
}

func TestSameURL(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://example.com/2025/05/x/", "https://example.com/2025/05/x/", true},
		{"https://example.com/2025/05/x/", "/2025/05/x", true},
		{"https://example.com/2025/05/x/", "https://EXAMPLE.com/2025/05/x", true},
		{"https://example.com/2025/05/x/", "https://other.example/2025/05/x/", false},
		{"https://example.com/2025/05/x/", "https://example.com/2025/05/y/", false},
		{"https://example.com/gr%C3%BC%C3%9Fe/", "https://example.com/grüße/", true},
	} {
		if got := sameURL(tc.a, tc.b); got != tc.want {
			t.Errorf("sameURL(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPostTypes(t *testing.T) {
	jsonEqual(t, "PostTypes", PostTypes("note", "ärticle", ""), `[{"type": "note", "name": "Note"}, {"type": "ärticle", "name": "Ärticle"}, {"type": "", "name": ""}]`)
}

func TestZeroHandlerDefaults(t *testing.T) {
	h := &Handler{}
	if h.maxBody() != DefaultMaxBodyBytes || h.maxUpload() != DefaultMaxUploadBytes {
		t.Errorf("limits = %d, %d", h.maxBody(), h.maxUpload())
	}
	if h.logger() == nil {
		t.Error("no logger")
	}
	if now := h.now(); now.Location().String() != "UTC" || now.Nanosecond() != 0 {
		t.Errorf("now = %v, want whole seconds in UTC", now)
	}
}
