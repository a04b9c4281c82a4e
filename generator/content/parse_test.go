package content

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rfc3339 parses s into what Parse gives for it: UTC for a zero offset,
// else an unnamed fixed zone, never time.Local.
func rfc3339(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := tm.Zone(); off != 0 {
		return tm.In(time.FixedZone("", off))
	}
	return tm.UTC()
}

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// mustParse parses src, failing the test on error, and clears the fields
// that depend on where the text came from.
func mustParse(t *testing.T, src string) *Post {
	t.Helper()
	p, err := Parse("test.md", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\ninput:\n%s", err, src)
	}
	if p.Path != "test.md" {
		t.Errorf("Path: got %q, want %q", p.Path, "test.md")
	}
	p.Path, p.BodyLine = "", 0
	return p
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want func(t *testing.T) *Post
	}{
		{
			name: "title",
			src:  "---\ntitle: Hello, world\n---\nBody\n",
			want: func(*testing.T) *Post { return &Post{Title: "Hello, world", Body: "Body\n"} },
		},
		{
			name: "quoted title with colon",
			src:  "---\ntitle: \"Part 1: the start\"\n---\n",
			want: func(*testing.T) *Post { return &Post{Title: "Part 1: the start"} },
		},
		{
			name: "number as title is text",
			src:  "---\ntitle: 2024\n---\n",
			want: func(*testing.T) *Post { return &Post{Title: "2024"} },
		},
		{
			name: "null title",
			src:  "---\ntitle: ~\n---\n",
			want: func(*testing.T) *Post { return &Post{} },
		},
		{
			name: "date UTC",
			src:  "---\ndate: 2024-05-01T09:30:00Z\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 9, 30, 0)} },
		},
		{
			name: "date with positive offset",
			src:  "---\ndate: 2024-05-01T09:30:00+02:00\n---\n",
			want: func(t *testing.T) *Post { return &Post{Date: rfc3339(t, "2024-05-01T09:30:00+02:00")} },
		},
		{
			name: "date with negative offset",
			src:  "---\ndate: 2024-12-31T23:59:59-05:30\n---\n",
			want: func(t *testing.T) *Post { return &Post{Date: rfc3339(t, "2024-12-31T23:59:59-05:30")} },
		},
		{
			name: "date with fraction",
			src:  "---\ndate: 2024-05-01T09:30:00.123456789+02:00\n---\n",
			want: func(t *testing.T) *Post { return &Post{Date: rfc3339(t, "2024-05-01T09:30:00.123456789+02:00")} },
		},
		{
			name: "quoted date",
			src:  "---\ndate: \"2024-05-01T09:30:00Z\"\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 9, 30, 0)} },
		},
		{
			name: "short date only",
			src:  "---\ndate: 2024-05-01\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 0, 0, 0)} },
		},
		{
			name: "short date time without zone",
			src:  "---\ndate: 2024-05-01T09:30:15\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 9, 30, 15)} },
		},
		{
			name: "short date space time with seconds",
			src:  "---\ndate: 2024-05-01 09:30:15\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 9, 30, 15)} },
		},
		{
			name: "short date space time without seconds",
			src:  "---\ndate: 2024-05-01 09:30\n---\n",
			want: func(*testing.T) *Post { return &Post{Date: utc(2024, 5, 1, 9, 30, 0)} },
		},
		{
			name: "date space time with offset",
			src:  "---\ndate: 2024-05-01 09:30:00+02:00\n---\n",
			want: func(t *testing.T) *Post { return &Post{Date: rfc3339(t, "2024-05-01T09:30:00+02:00")} },
		},
		{
			name: "updated",
			src:  "---\ndate: 2024-05-01\nupdated: 2024-05-02T10:00:00+01:00\n---\n",
			want: func(t *testing.T) *Post {
				return &Post{Date: utc(2024, 5, 1, 0, 0, 0), Updated: rfc3339(t, "2024-05-02T10:00:00+01:00")}
			},
		},
		{
			name: "empty date",
			src:  "---\ndate:\nupdated: \"\"\n---\n",
			want: func(*testing.T) *Post { return &Post{} },
		},
		{
			name: "slug",
			src:  "---\nslug: my-first-post\n---\n",
			want: func(*testing.T) *Post { return &Post{Slug: "my-first-post"} },
		},
		{
			name: "tags as flow list",
			src:  "---\ntags: [go, indieweb, \"a b\"]\n---\n",
			want: func(*testing.T) *Post { return &Post{Tags: []string{"go", "indieweb", "a b"}} },
		},
		{
			name: "tags as block list",
			src:  "---\ntags:\n  - go\n  - 東京\n  - 42\n---\n",
			want: func(*testing.T) *Post { return &Post{Tags: []string{"go", "東京", "42"}} },
		},
		{
			name: "tags as single string",
			src:  "---\ntags: cycling\n---\n",
			want: func(*testing.T) *Post { return &Post{Tags: []string{"cycling"}} },
		},
		{
			name: "empty and null tags",
			src:  "---\ntags: []\nsyndication: ~\n---\n",
			want: func(*testing.T) *Post { return &Post{} },
		},
		{
			name: "null items in a list are skipped",
			src:  "---\ntags:\n  - go\n  -\n  - ~\n---\n",
			want: func(*testing.T) *Post { return &Post{Tags: []string{"go"}} },
		},
		{
			name: "type lower-cased",
			src:  "---\ntype: Article\n---\n",
			want: func(*testing.T) *Post { return &Post{Type: TypeArticle} },
		},
		{
			name: "every type",
			src:  "---\ntype: bookmark\n---\n",
			want: func(*testing.T) *Post { return &Post{Type: TypeBookmark} },
		},
		{
			name: "summary multi-line",
			src:  "---\nsummary: |\n  Line one\n  Line two\n---\n",
			want: func(*testing.T) *Post { return &Post{Summary: "Line one\nLine two\n"} },
		},
		{
			name: "in_reply_to",
			src:  "---\nin_reply_to: https://example.com/post/1\n---\nAgreed.\n",
			want: func(*testing.T) *Post { return &Post{InReplyTo: "https://example.com/post/1", Body: "Agreed.\n"} },
		},
		{
			name: "like_of, repost_of, bookmark_of",
			src:  "---\nlike_of: https://a.example/1\nrepost_of: http://b.example/2\nbookmark_of: https://c.example/3?x=1#y\n---\n",
			want: func(*testing.T) *Post {
				return &Post{LikeOf: "https://a.example/1", RepostOf: "http://b.example/2", BookmarkOf: "https://c.example/3?x=1#y"}
			},
		},
		{
			name: "reply URL trimmed",
			src:  "---\nin_reply_to: \" https://example.com/ \"\n---\n",
			want: func(*testing.T) *Post { return &Post{InReplyTo: "https://example.com/"} },
		},
		{
			name: "photo as URL",
			src:  "---\nphoto: /media/2024/05/a.jpg\n---\n",
			want: func(*testing.T) *Post { return &Post{Photo: []Media{{URL: "/media/2024/05/a.jpg"}}} },
		},
		{
			name: "photo as list of URLs",
			src:  "---\nphoto:\n  - /media/a.jpg\n  - https://cdn.example/b.jpg\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Photo: []Media{{URL: "/media/a.jpg"}, {URL: "https://cdn.example/b.jpg"}}}
			},
		},
		{
			name: "photo as list of url and alt",
			src:  "---\nphoto:\n  - url: /media/a.jpg\n    alt: A red bike\n  - url: /media/b.jpg\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Photo: []Media{{URL: "/media/a.jpg", Alt: "A red bike"}, {URL: "/media/b.jpg"}}}
			},
		},
		{
			name: "photo as one url and alt map",
			src:  "---\nphoto: {url: /media/a.jpg, alt: Sunset}\n---\n",
			want: func(*testing.T) *Post { return &Post{Photo: []Media{{URL: "/media/a.jpg", Alt: "Sunset"}}} },
		},
		{
			name: "photo mixing URLs and maps",
			src:  "---\nphoto: [/media/a.jpg, {url: /media/b.jpg, alt: B}]\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Photo: []Media{{URL: "/media/a.jpg"}, {URL: "/media/b.jpg", Alt: "B"}}}
			},
		},
		{
			name: "null photo",
			src:  "---\nphoto: ~\nvideo:\naudio: [~, /media/a.mp3]\n---\n",
			want: func(*testing.T) *Post { return &Post{Audio: []Media{{URL: "/media/a.mp3"}}} },
		},
		{
			name: "video and audio",
			src:  "---\nvideo: /media/v.mp4\naudio:\n  - url: /media/a.mp3\n    alt: Birdsong\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Video: []Media{{URL: "/media/v.mp4"}}, Audio: []Media{{URL: "/media/a.mp3", Alt: "Birdsong"}}}
			},
		},
		{
			name: "syndication as list and as one",
			src:  "---\nsyndication: https://mastodon.example/@me/1\n---\n",
			want: func(*testing.T) *Post { return &Post{Syndication: []string{"https://mastodon.example/@me/1"}} },
		},
		{
			name: "syndication list",
			src:  "---\nsyndication:\n  - https://a.example/1\n  - https://b.example/2\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Syndication: []string{"https://a.example/1", "https://b.example/2"}}
			},
		},
		{
			name: "location",
			src:  "---\nlocation: Fårö, Gotland\n---\n",
			want: func(*testing.T) *Post { return &Post{Location: "Fårö, Gotland"} },
		},
		{
			name: "draft true",
			src:  "---\ndraft: true\n---\n",
			want: func(*testing.T) *Post { return &Post{Draft: true} },
		},
		{
			name: "draft false",
			src:  "---\ndraft: false\n---\n",
			want: func(*testing.T) *Post { return &Post{} },
		},
		{
			name: "draft yes (YAML 1.1 form)",
			src:  "---\ndraft: yes\n---\n",
			want: func(*testing.T) *Post { return &Post{Draft: true} },
		},
		{
			name: "empty draft",
			src:  "---\ndraft:\n---\n",
			want: func(*testing.T) *Post { return &Post{} },
		},
		{
			name: "visibility",
			src:  "---\nvisibility: Unlisted\n---\n",
			want: func(*testing.T) *Post { return &Post{Visibility: Unlisted} },
		},
		{
			name: "visibility private and deleted",
			src:  "---\nvisibility: private\ndeleted: true\n---\n",
			want: func(*testing.T) *Post { return &Post{Visibility: Private, Deleted: true} },
		},
		{
			name: "content_type html",
			src:  "---\ncontent_type: HTML\n---\n<p>Hi</p>\n",
			want: func(*testing.T) *Post { return &Post{ContentType: "html", Body: "<p>Hi</p>\n"} },
		},
		{
			name: "content_type markdown",
			src:  "---\ncontent_type: markdown\n---\n",
			want: func(*testing.T) *Post { return &Post{ContentType: "markdown"} },
		},
		{
			name: "alias to an anchor",
			src:  "---\ndate: &d 2024-05-01T09:30:00Z\nupdated: *d\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Date: utc(2024, 5, 1, 9, 30, 0), Updated: utc(2024, 5, 1, 9, 30, 0)}
			},
		},
		{
			name: "merge key: own keys win",
			src:  "---\nx-base: &b {title: Base, tags: [a], summary: S}\n<<: *b\ntitle: Own\n---\n",
			want: func(*testing.T) *Post {
				return &Post{Title: "Own", Tags: []string{"a"}, Summary: "S",
					Properties: map[string]any{"x-base": map[string]any{"title": "Base", "tags": []any{"a"}, "summary": "S"}}}
			},
		},
		{
			name: "merge key list: first wins",
			src:  "---\n<<: [{summary: first}, {summary: second, location: L}]\n---\n",
			want: func(*testing.T) *Post { return &Post{Summary: "first", Location: "L"} },
		},
		{
			name: "comment only",
			src:  "---\n# nothing yet\n---\nBody",
			want: func(*testing.T) *Post { return &Post{Body: "Body"} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.src)
			want := tt.want(t)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse:\ngot  %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestParseAllFields(t *testing.T) {
	src := `---
title: Riding to Dalby
date: 2024-05-01T09:30:00+02:00
updated: 2024-05-02T08:00:00Z
slug: dalby
tags: [cycling, travel]
type: article
summary: A short ride.
in_reply_to: https://a.example/1
like_of: https://b.example/2
repost_of: https://c.example/3
bookmark_of: https://d.example/4
photo:
  - url: /media/a.jpg
    alt: The road
video: /media/v.mp4
audio: [/media/a.mp3]
syndication: [https://mastodon.example/@me/1]
location: Dalby
draft: true
visibility: unlisted
deleted: true
content_type: markdown
---
The body.
`
	got := mustParse(t, src)
	want := &Post{
		Title:       "Riding to Dalby",
		Date:        rfc3339(t, "2024-05-01T09:30:00+02:00"),
		Updated:     utc(2024, 5, 2, 8, 0, 0),
		Slug:        "dalby",
		Tags:        []string{"cycling", "travel"},
		Type:        TypeArticle,
		Summary:     "A short ride.",
		InReplyTo:   "https://a.example/1",
		LikeOf:      "https://b.example/2",
		RepostOf:    "https://c.example/3",
		BookmarkOf:  "https://d.example/4",
		Photo:       []Media{{URL: "/media/a.jpg", Alt: "The road"}},
		Video:       []Media{{URL: "/media/v.mp4"}},
		Audio:       []Media{{URL: "/media/a.mp3"}},
		Syndication: []string{"https://mastodon.example/@me/1"},
		Location:    "Dalby",
		Draft:       true,
		Visibility:  Unlisted,
		Deleted:     true,
		ContentType: "markdown",
		Body:        "The body.\n",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\ngot  %#v\nwant %#v", got, want)
	}
}

func TestParseProperties(t *testing.T) {
	src := `---
title: T
mp-syndicate-to: https://mastodon.example
rating: 5
score: 4.5
featured: true
nothing: ~
published-at: 2024-05-01T09:30:00Z
checkin:
  name: Café Noir
  geo: {lat: 55.6, lon: 13.0}
  visits: [1, 2, 3]
  nested:
    - a: 1
    - [x, y]
"1": quoted number key
"yes": quoted bool key
properties:
  from-block: kept
  rating: 4
---
`
	got := mustParse(t, src)
	want := map[string]any{
		"mp-syndicate-to": "https://mastodon.example",
		"rating":          4, // the properties block comes later and wins
		"score":           4.5,
		"featured":        true,
		"nothing":         nil,
		"published-at":    utc(2024, 5, 1, 9, 30, 0),
		"checkin": map[string]any{
			"name":   "Café Noir",
			"geo":    map[string]any{"lat": 55.6, "lon": 13.0},
			"visits": []any{1, 2, 3},
			"nested": []any{map[string]any{"a": 1}, []any{"x", "y"}},
		},
		"1":          "quoted number key",
		"yes":        "quoted bool key",
		"from-block": "kept",
	}
	if got.Title != "T" {
		t.Errorf("Title: got %q, want %q", got.Title, "T")
	}
	if !reflect.DeepEqual(got.Properties, want) {
		t.Errorf("Properties:\ngot  %#v\nwant %#v", got.Properties, want)
	}
	for k := range got.Properties {
		switch k {
		case "title", "properties":
			t.Errorf("Properties has known key %q", k)
		}
	}
}

// TestParsePropertiesAreJSON checks that maps with non-string keys come
// out keyed by strings, so that properties can be served as JSON
// (Micropub q=source).
func TestParsePropertiesAreJSON(t *testing.T) {
	got := mustParse(t, "---\nx: {1: a, 2.5: b, true: c, ~: d, nested: {3: [{4: e}]}}\n---\n")
	want := map[string]any{"x": map[string]any{
		"1": "a", "2.5": "b", "true": "c", "null": "d",
		"nested": map[string]any{"3": []any{map[string]any{"4": "e"}}},
	}}
	if !reflect.DeepEqual(got.Properties, want) {
		t.Errorf("Properties:\ngot  %#v\nwant %#v", got.Properties, want)
	}
	if _, err := json.Marshal(got.Properties); err != nil {
		t.Errorf("properties cannot be written as JSON: %v", err)
	}
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		want     *Post
		bodyLine int
	}{
		{
			name:     "no front matter",
			src:      "Just a note.\n\nSecond paragraph.\n",
			want:     &Post{Body: "Just a note.\n\nSecond paragraph.\n"},
			bodyLine: 1,
		},
		{
			name:     "empty file",
			src:      "",
			want:     &Post{Body: ""},
			bodyLine: 1,
		},
		{
			name:     "dashes that are not front matter",
			src:      "----\ntitle: x\n----\n",
			want:     &Post{Body: "----\ntitle: x\n----\n"},
			bodyLine: 1,
		},
		{
			name:     "text after opening dashes is not front matter",
			src:      "--- title: x\n---\nbody",
			want:     &Post{Body: "--- title: x\n---\nbody"},
			bodyLine: 1,
		},
		{
			name:     "empty front matter",
			src:      "---\n---\nBody\n",
			want:     &Post{Body: "Body\n"},
			bodyLine: 3,
		},
		{
			name:     "blank front matter",
			src:      "---\n\n  \n---\nBody\n",
			want:     &Post{Body: "Body\n"},
			bodyLine: 5,
		},
		{
			name:     "closing without newline",
			src:      "---\ntitle: x\n---",
			want:     &Post{Title: "x"},
			bodyLine: 4,
		},
		{
			name:     "trailing spaces on delimiters",
			src:      "--- \ntitle: x\n---  \t\nBody",
			want:     &Post{Title: "x", Body: "Body"},
			bodyLine: 4,
		},
		{
			name:     "BOM",
			src:      "\ufeff---\ntitle: x\n---\nBody\n",
			want:     &Post{Title: "x", Body: "Body\n"},
			bodyLine: 4,
		},
		{
			name:     "BOM without front matter",
			src:      "\ufeffHello\n",
			want:     &Post{Body: "Hello\n"},
			bodyLine: 1,
		},
		{
			name:     "CRLF",
			src:      "---\r\ntitle: x\r\ntags:\r\n  - a\r\n  - b\r\n---\r\nLine one\r\nLine two\r\n",
			want:     &Post{Title: "x", Tags: []string{"a", "b"}, Body: "Line one\r\nLine two\r\n"},
			bodyLine: 7,
		},
		{
			name:     "BOM and CRLF",
			src:      "\ufeff---\r\ntitle: x\r\n---\r\nBody\r\n",
			want:     &Post{Title: "x", Body: "Body\r\n"},
			bodyLine: 4,
		},
		{
			name:     "body keeps later dashes",
			src:      "---\ntitle: x\n---\nAbove\n\n---\n\nBelow\n---\n",
			want:     &Post{Title: "x", Body: "Above\n\n---\n\nBelow\n---\n"},
			bodyLine: 4,
		},
		{
			name:     "indented dashes inside a block scalar",
			src:      "---\nsummary: |\n  a\n  ---\n  b\n---\nBody",
			want:     &Post{Summary: "a\n---\nb\n", Body: "Body"},
			bodyLine: 7,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("test.md", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.BodyLine != tt.bodyLine {
				t.Errorf("BodyLine: got %d, want %d", p.BodyLine, tt.bodyLine)
			}
			p.Path, p.BodyLine = "", 0
			if !reflect.DeepEqual(p, tt.want) {
				t.Errorf("Parse:\ngot  %#v\nwant %#v", p, tt.want)
			}
		})
	}
}

// parseErrors returns every *ParseError in err, in order.
func parseErrors(t *testing.T, err error) []*ParseError {
	t.Helper()
	var out []*ParseError
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("error %v (%T) is not a *ParseError", err, err)
			return
		}
		out = append(out, pe)
	}
	walk(err)
	return out
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string // part of the message
		hint string // part of the hint
	}{
		{"missing closing", "---\ntitle: x\nBody without end\n", 1, "no closing ---", "close the front matter"},
		{"only an opening line", "---", 1, "no closing ---", "---"},
		{"invalid YAML: mapping in value", "---\ntitle: ok\nsummary: a: b\n---\n", 3, "not valid YAML", "quote values"},
		{"invalid YAML after blank lines", "---\ntitle: ok\n\n\nx: y: z\n---\n", 5, "mapping values are not allowed", "quote"},
		{"invalid YAML: bad indentation", "---\ntitle: ok\nsummary: x\n  bad: indent\n---\n", 4, "not valid YAML", "indentation"},
		{"invalid YAML: unclosed list", "---\ntitle: ok\ntags: [a, b\nsummary: x\n---\n", 3, "did not find expected ',' or ']'", "indentation"},
		{"invalid YAML: unclosed map", "---\nphoto: {url: x\n---\n", 2, "did not find expected ',' or '}'", "indentation"},
		{"invalid YAML: unclosed quote", "---\ntitle: ok\nsummary: \"never closed\nlocation: x\n---\n", 3, "not valid YAML", "quote"},
		{"invalid YAML: list item in a map", "---\ntitle: ok\n- item\n---\n", 3, "did not find expected key", "indentation"},
		{"invalid YAML: reserved character", "---\ntitle: ok\nfoo: @bar\n---\n", 3, "cannot start any token", "special character"},
		{"invalid YAML: tab on the first line", "---\n\ttitle: ok\n---\n", 2, "not valid YAML", "indentation"},
		{"invalid YAML: unknown alias", "---\ntitle: ok\nfoo: *nope\n---\n", 3, "unknown anchor 'nope'", "indentation"},
		{"invalid YAML with CRLF", "---\r\ntitle: ok\r\nx: y: z\r\n---\r\n", 3, "not valid YAML", "quote"},
		{"bad date after a lone CR", "---\ntitle: old Mac line end\rdate: soon\n---\n", 2, "is not a date", "RFC 3339"},
		{"invalid YAML after a lone CR", "---\ntitle: a\r\rx: y: z\n---\n", 2, "not valid YAML", "quote"},
		{"invalid YAML with BOM", "\ufeff---\ntitle: ok\n\nx: y: z\n---\n", 4, "not valid YAML", "quote"},
		{"not a mapping", "---\n- a\n- b\n---\n", 2, "key: value", "title: My post"},
		{"plain text front matter", "---\njust words\n---\n", 2, "key: value", "title: My post"},
		{"bad date", "---\ntitle: x\ndate: yesterday\n---\n", 3, `date "yesterday" is not a date`, "RFC 3339"},
		{"bad date: impossible day", "---\ndate: 2024-02-30\n---\n", 2, "is not a date", "2024-05-01T09:30:00Z"},
		{"bad date: offset without colon", "---\ndate: 2024-05-01T09:30:00+0200\n---\n", 2, "is not a date", "RFC 3339"},
		{"bad updated", "---\ntitle: x\ndate: 2024-05-01\nupdated: 05/02/2024\n---\n", 4, "updated", "updated: 2024"},
		{"date as list", "---\ndate: [2024]\n---\n", 2, "single value", "date:"},
		{"unknown type", "---\ntitle: x\n\ntype: essay\n---\n", 4, `unknown type "essay"`, "note, article, photo"},
		{"bad visibility", "---\nvisibility: friends\n---\n", 2, `unknown visibility "friends"`, "public, unlisted or private"},
		{"non-absolute reply URL", "---\nin_reply_to: example.com/post\n---\n", 2, `in_reply_to "example.com/post" is not an absolute URL`, "https://"},
		{"relative like URL", "---\ntitle: t\nlike_of: /posts/1\n---\n", 3, "like_of", "https://"},
		{"non-absolute repost URL", "---\nrepost_of: www.example.com\n---\n", 2, "repost_of", "https://"},
		{"non-absolute bookmark URL", "---\nbookmark_of: bookmark\n---\n", 2, "bookmark_of", "https://"},
		{"draft maybe", "---\ntitle: x\ndraft: maybe\n---\n", 3, `draft must be true or false, not "maybe"`, "draft: true"},
		{"draft as list", "---\ndraft: [true]\n---\n", 2, "draft must be true or false", "draft: false"},
		{"deleted 2", "---\ndeleted: 2\n---\n", 2, "deleted must be true or false", "deleted: true"},
		{"bad content_type", "---\ncontent_type: pdf\n---\n", 2, `unknown content_type "pdf"`, "markdown or html"},
		{"title as list", "---\ntitle: [a, b]\n---\n", 2, "title must be a single value", "same line"},
		{"summary as map", "---\nsummary:\n  a: b\n---\n", 3, "summary must be a single value", "summary:"},
		{"tags as map", "---\ntags: {a: b}\n---\n", 2, "tags must be a list", "[a, b]"},
		{"tag that is a list", "---\ntags:\n  - ok\n  - [a, b]\n---\n", 4, "list of single values", "- value"},
		{"photo without url", "---\nphoto:\n  - alt: no url\n---\n", 3, "photo item needs a url", "url:"},
		{"photo list of lists", "---\nphoto:\n  - [a]\n---\n", 3, "photo items must be URLs", ""},
		{"properties not a map", "---\nproperties: 5\n---\n", 2, "properties must be a map", "indented block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("content/posts/x.md", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded with %#v, want an error", p)
			}
			if p != nil {
				t.Errorf("Parse returned a post with its error: %#v", p)
			}
			errs := parseErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			pe := errs[0]
			if pe.File != "content/posts/x.md" {
				t.Errorf("File: got %q, want %q", pe.File, "content/posts/x.md")
			}
			if pe.Line != tt.line {
				t.Errorf("Line: got %d, want %d (%v)", pe.Line, tt.line, pe)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("Msg: got %q, want it to contain %q", pe.Msg, tt.msg)
			}
			if tt.hint != "" && !strings.Contains(pe.Hint, tt.hint) {
				t.Errorf("Hint: got %q, want it to contain %q", pe.Hint, tt.hint)
			}
			if pe.Hint == "" && tt.hint != "" {
				t.Errorf("no hint for %v", pe)
			}
			prefix := fmt.Sprintf("content/posts/x.md:%d: ", tt.line)
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error(): got %q, want it to start with %q", err.Error(), prefix)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := strings.Join([]string{
		"---",                        // 1
		"title: Several problems",    // 2
		"date: yesterday",            // 3
		"tags: [ok]",                 // 4
		"type: essay",                // 5
		"visibility: friends",        // 6
		"draft: maybe",               // 7
		"in_reply_to: example.com/x", // 8
		"updated: soon",              // 9
		"content_type: rtf",          // 10
		"---",                        // 11
		"Body",
	}, "\n")
	_, err := Parse("content/posts/many.md", []byte(src))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	errs := parseErrors(t, err)
	var got []int
	for _, pe := range errs {
		got = append(got, pe.Line)
		if pe.File != "content/posts/many.md" {
			t.Errorf("File: got %q, want %q", pe.File, "content/posts/many.md")
		}
		if pe.Hint == "" {
			t.Errorf("no hint: %v", pe)
		}
	}
	want := []int{3, 5, 6, 7, 8, 9, 10}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines: got %v, want %v\n%v", got, want, err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
		t.Errorf("Error() has %d lines, want one per problem:\n%v", n, err)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    string // RFC 3339 of the result
		wantErr bool
	}{
		{in: "2024-05-01T09:30:00Z", want: "2024-05-01T09:30:00Z"},
		{in: "2024-05-01T09:30:00+02:00", want: "2024-05-01T09:30:00+02:00"},
		{in: "2024-05-01T09:30:00-07:00", want: "2024-05-01T09:30:00-07:00"},
		{in: "2024-05-01T09:30:00.5Z", want: "2024-05-01T09:30:00.5Z"},
		{in: "2024-05-01t09:30:00z", want: "2024-05-01T09:30:00Z"},
		{in: "2024-05-01T09:30:00", want: "2024-05-01T09:30:00Z"},
		{in: "2024-05-01 09:30:00+02:00", want: "2024-05-01T09:30:00+02:00"},
		{in: "2024-05-01 09:30:00", want: "2024-05-01T09:30:00Z"},
		{in: "2024-05-01 09:30", want: "2024-05-01T09:30:00Z"},
		{in: "2024-05-01", want: "2024-05-01T00:00:00Z"},
		{in: "2024-02-29", want: "2024-02-29T00:00:00Z"},
		{in: "2023-02-29", wantErr: true},
		{in: "2024-5-1", wantErr: true},
		{in: "01/05/2024", wantErr: true},
		{in: "May 1, 2024", wantErr: true},
		{in: "2024-05-01T25:00:00Z", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ParseTime(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if s := got.Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, s, tt.want)
			}
		})
	}
}

// TestParseTimeIgnoresLocalZone checks that a post's dates do not depend
// on the machine's time zone: an offset that matches time.Local still
// gives a fixed zone, and +00:00 gives UTC.
func TestParseTimeIgnoresLocalZone(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	for _, local := range []*time.Location{time.UTC, time.FixedZone("CEST", 2*3600), time.FixedZone("X", -5*3600)} {
		time.Local = local
		for _, tt := range []struct {
			in     string
			offset int
		}{
			{"2024-05-01T09:30:00Z", 0},
			{"2024-05-01T09:30:00+00:00", 0},
			{"2024-05-01T09:30:00-00:00", 0},
			{"2024-05-01T09:30:00+02:00", 2 * 3600},
			{"2024-05-01T09:30:00-05:00", -5 * 3600},
			{"2024-05-01 09:30", 0},
		} {
			got, err := ParseTime(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			name, off := got.Zone()
			if off != tt.offset {
				t.Errorf("Local %s: ParseTime(%q) offset %d, want %d", local, tt.in, off, tt.offset)
			}
			if local != time.UTC && got.Location() == time.Local {
				t.Errorf("Local %s: ParseTime(%q) is in time.Local", local, tt.in)
			}
			wantName := ""
			if tt.offset == 0 {
				wantName = "UTC"
			}
			if name != wantName {
				t.Errorf("Local %s: ParseTime(%q) zone name %q, want %q", local, tt.in, name, wantName)
			}
			p := mustParse(t, "---\ndate: "+tt.in+"\n---\n")
			if !reflect.DeepEqual(p.Date, got) {
				t.Errorf("Parse date %#v, want %#v", p.Date, got)
			}
		}
	}
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ParseError{File: "content/a.md", Line: 3, Msg: "bad", Hint: "fix it"}, "content/a.md:3: bad (fix it)"},
		{&ParseError{File: "content/a.md", Msg: "bad"}, "content/a.md: bad"},
		{&ParseError{File: "content/a.md", Line: 1, Msg: "bad"}, "content/a.md:1: bad"},
		{&ValidationError{Field: "path", Problem: "is absolute", Hint: "use posts/x.md"}, "path: is absolute (use posts/x.md)"},
		{&ValidationError{Field: "title", Problem: "too long"}, "title: too long"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
