package content

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// roundTrip marshals p and parses the result back.
func roundTrip(t *testing.T, p *Post) (*Post, []byte) {
	t.Helper()
	data, err := Marshal(p)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := Parse("rt.md", data)
	if err != nil {
		t.Fatalf("Parse(Marshal(p)): %v\n%s", err, data)
	}
	got.Path, got.Kind, got.BodyLine = "", 0, 0
	return got, data
}

func TestMarshalRoundTrip(t *testing.T) {
	berlin := rfc3339(t, "2024-05-01T09:30:00+02:00")
	tests := []struct {
		name string
		post *Post
	}{
		{"empty", &Post{}},
		{"body only", &Post{Body: "Just a note.\n"}},
		{"note", &Post{Date: utc(2024, 5, 1, 9, 30, 0), Tags: []string{"life"}, Body: "Short note."}},
		{"every field", &Post{
			Title:       "Every field",
			Date:        berlin,
			Updated:     rfc3339(t, "2024-05-02T10:00:00-05:00"),
			Slug:        "every-field",
			Tags:        []string{"go", "東京", "a b", "42", "yes", "null"},
			Type:        TypeArticle,
			Summary:     "A summary: with a colon",
			InReplyTo:   "https://a.example/1",
			LikeOf:      "https://b.example/2",
			RepostOf:    "https://c.example/3",
			BookmarkOf:  "https://d.example/4?q=1#frag",
			Photo:       []Media{{URL: "/media/a.jpg", Alt: "A # not a comment"}, {URL: "/media/b.jpg"}},
			Video:       []Media{{URL: "/media/v.mp4", Alt: "Video"}},
			Audio:       []Media{{URL: "/media/a.mp3"}},
			Syndication: []string{"https://mastodon.example/@me/1", "https://bsky.example/2"},
			Location:    "Fårö, Gotland",
			Draft:       true,
			Visibility:  Unlisted,
			Deleted:     true,
			ContentType: "html",
			Properties:  map[string]any{"mp-syndicate-to": []any{"https://mastodon.example"}, "rating": 5},
			Body:        "<p>HTML body</p>\n",
		}},
		{"fractional seconds", &Post{Date: rfc3339(t, "2024-05-01T09:30:00.123456789Z"), Updated: rfc3339(t, "2024-05-01T09:30:00.5+01:00")}},
		{"dates around the year", &Post{Date: utc(1999, 12, 31, 23, 59, 59), Updated: rfc3339(t, "2000-01-01T00:00:00+14:00")}},
		{"tricky strings", &Post{
			Title:    "yes",
			Slug:     "null",
			Summary:  "  leading and trailing spaces  ",
			Location: "~",
			Tags:     []string{"true", "1.5", "0x10", "- dash", "#hash", "[x]", "{y}", "*star", "&amp", "!bang", "%pct", "@at", "`tick`", "'quote'", "\"dq\""},
		}},
		{"strings YAML could read as something else", &Post{
			Title:    "<<",
			Location: "...",
			Tags: []string{"=", "?", ":", "-", "|", ">", "%", "`", "!", "&", "*", "---", "- ", "? x", "x #y", "x: ", " ",
				"0o17", "0b101", ".inf", "-.inf", ".nan", "1e3", "+1", "1_000", "2024-05-01", "12:30", "12:30:45",
				"Y", "n", "on", "off", "NULL", "True", "<<", "!!str", "&anchor", "*alias", "{a: b}", "[a]", "'", "\"", "\\"},
			Properties: map[string]any{"merge": "<<", "list": []any{"<<", "~", "null", "1.0"}},
		}},
		{"multi-line strings", &Post{
			Title:   "Line one\nLine two",
			Summary: "a\n---\nb\n",
			Body:    "Body\n",
		}},
		{"strings with tabs and control characters", &Post{Title: "tab\there", Summary: "bell\a and nul\x00 and esc\x1b"}},
		{"strings yaml.v3 writes wrong as block scalars", &Post{
			Title:    "\nleading newline\n",
			Summary:  "\tindented first line\nsecond",
			Location: "\n",
			Tags:     []string{"\n\ntwo leading", "\r\n", "a\u2028b", "a\u0085b", "trailing\n\n\n", " lead\nx"},
			Photo:    []Media{{URL: "/a.jpg", Alt: "\n\talt"}},
			Properties: map[string]any{
				"note":   "\tstarts with a tab\nand goes on",
				"nested": map[string]any{"\nkey": []any{"\n", "\t\n"}},
			},
			Body: "\n\tBody starts blank\n",
		}},
		{"text that is not UTF-8", &Post{
			Title:      "caf\xe9",
			Tags:       []string{"\xff"},
			Photo:      []Media{{URL: "/a\xfe.jpg", Alt: "\xfd"}},
			Properties: map[string]any{"k\xe9y": "v\xe9l"},
		}},
		{"unicode", &Post{Title: "東京の朝 ☕ Crème Brûlée", Body: "こんにちは\n"}},
		{"body with front-matter-like dashes", &Post{Title: "x", Body: "---\ntitle: not me\n---\n\nText\n---\n"}},
		{"body with CRLF", &Post{Title: "x", Body: "one\r\ntwo\r\n"}},
		{"body without trailing newline", &Post{Title: "x", Body: "no newline"}},
		{"body starting with blank lines", &Post{Title: "x", Body: "\n\n  indented\n"}},
		{"types", &Post{Type: TypeBookmark, BookmarkOf: "https://x.example/"}},
		{"visibility private", &Post{Visibility: Private}},
		{"media with alt only on some", &Post{Photo: []Media{{URL: "https://cdn.example/a.jpg"}, {URL: "/b.png", Alt: "b: c"}}}},
		{"properties of every YAML kind", &Post{Properties: map[string]any{
			"string":  "text",
			"int":     42,
			"neg":     -7,
			"float":   4.5,
			"bool":    true,
			"null":    nil,
			"time":    utc(2024, 5, 1, 9, 30, 0),
			"list":    []any{"a", 1, true, nil},
			"empty":   []any{},
			"map":     map[string]any{"lat": 55.6, "name": "Café", "deep": map[string]any{"x": []any{map[string]any{"y": "z"}}}},
			"numbers": "007",
		}}},
		{"property keys that YAML would misread", &Post{Properties: map[string]any{
			"<<":    "not a merge",
			"true":  "bool key",
			"1":     "int key",
			"~":     "null key",
			"":      "empty key",
			"a: b":  "colon key",
			"- x":   "dash key",
			"title": "a known key, kept under properties",
			"nested": map[string]any{
				"<<": map[string]any{"a": 1},
			},
		}}},
		{"properties with dashes", &Post{Properties: map[string]any{"mp-slug": "x", "post-status": "draft", "in-reply-to": "https://x.example/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, data := roundTrip(t, tt.post)
			if !reflect.DeepEqual(got, tt.post) {
				t.Errorf("Parse(Marshal(p)) differs:\ngot  %#v\nwant %#v\nfile:\n%s", got, tt.post, data)
			}
			// Marshal is a fixed point: writing what was read gives the same bytes.
			again, err := Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("Marshal(Parse(Marshal(p))) differs from Marshal(p):\n%s\n---- vs ----\n%s", again, data)
			}
		})
	}
}

func TestMarshalLayout(t *testing.T) {
	p := &Post{
		Path:       "posts/2024/05/x.md",
		Kind:       KindPost,
		BodyLine:   9,
		Title:      "T",
		Date:       utc(2024, 5, 1, 9, 30, 0),
		Tags:       []string{"a", "b"},
		Draft:      true,
		Properties: map[string]any{"zeta": 1, "alpha": 2},
		Body:       "Body\n",
	}
	got, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `---
title: T
date: "2024-05-01T09:30:00Z"
tags:
  - a
  - b
draft: true
properties:
  alpha: 2
  zeta: 1
---
Body
`
	if string(got) != want {
		t.Errorf("Marshal:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestMarshalEmpty(t *testing.T) {
	got, err := Marshal(&Post{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "---\n---\n"; string(got) != want {
		t.Errorf("Marshal(&Post{}) = %q, want %q", got, want)
	}
}

func TestMarshalDoesNotChangePost(t *testing.T) {
	p := &Post{Title: "x", Tags: []string{"b", "a"}, Properties: map[string]any{"k": []any{"v"}}}
	before := *p
	if _, err := Marshal(p); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*p, before) {
		t.Errorf("Marshal changed its argument: got %#v, want %#v", *p, before)
	}
}

func TestMarshalParseFromMixedSources(t *testing.T) {
	// A hand-written file with unknown keys at the top level and one
	// written by Marshal (under properties:) read the same.
	hand := "---\ntitle: x\nrating: 5\ncheckin: {name: Home}\n---\nBody\n"
	p := mustParse(t, hand)
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q := mustParse(t, string(data))
	if !reflect.DeepEqual(p, q) {
		t.Errorf("hand-written and marshalled differ:\n%#v\n%#v", p, q)
	}
	if !strings.Contains(string(data), "properties:\n  checkin:\n    name: Home\n  rating: 5\n") {
		t.Errorf("unknown keys not under properties:\n%s", data)
	}
}

// TestGolden parses each testdata/*.md, marshals it and compares the result
// with testdata/*.golden. Run `go test -run TestGolden -update` after an
// intended change and review the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 5 {
		t.Fatalf("found %d golden inputs, want at least 5", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".md")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(in, src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := Marshal(p)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			golden := strings.TrimSuffix(in, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal(Parse(%s)) differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", in, golden, got, want)
			}
			// The golden file is itself a content file that reads the
			// same and marshals to itself.
			q, err := Parse(golden, want)
			if err != nil {
				t.Fatalf("Parse(%s): %v", golden, err)
			}
			p.Path, p.BodyLine, q.Path, q.BodyLine = "", 0, "", 0
			if !reflect.DeepEqual(p, q) {
				t.Errorf("%s and %s read differently:\n%#v\n%#v", in, golden, p, q)
			}
			if again, _ := Marshal(q); !bytes.Equal(again, want) {
				t.Errorf("Marshal(Parse(%s)) is not the golden file itself:\n%s", golden, again)
			}
		})
	}
}

func TestFormatTimeKeepsPrecision(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{utc(2024, 5, 1, 9, 30, 0), "2024-05-01T09:30:00Z"},
		{time.Date(2024, 5, 1, 9, 30, 0, 500_000_000, time.UTC), "2024-05-01T09:30:00.5Z"},
		{time.Date(2024, 5, 1, 9, 30, 0, 1, time.FixedZone("", -3*3600)), "2024-05-01T09:30:00.000000001-03:00"},
	}
	for _, tt := range tests {
		if got := formatTime(tt.in); got != tt.want {
			t.Errorf("formatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
