package content

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every error it returns
// is a *ParseError naming the file and a line, and that a post it reads
// survives Marshal and Parse with its typed fields unchanged, and that
// Marshal is then a fixed point. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("---\ntitle: Hello\ndate: 2024-05-01T09:30:00+02:00\ntags: [a, b]\n---\nBody\n"))
	f.Add([]byte("No front matter at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.md", data)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a post and an error: %v", err)
			}
			checkParseErrors(t, err, data)
			return
		}
		if p.BodyLine < 1 {
			t.Fatalf("BodyLine %d, want at least 1", p.BodyLine)
		}
		out, err := Marshal(p)
		if err != nil {
			t.Fatalf("Marshal of a parsed post: %v\npost: %#v", err, p)
		}
		q, err := Parse("fuzz.md", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(p)): %v\ninput:\n%q\nmarshalled:\n%s", err, data, out)
		}
		if got, want := typed(q), typed(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("typed fields changed in the round trip:\ngot  %#v\nwant %#v\ninput:\n%q\nmarshalled:\n%s", got, want, data, out)
		}
		again, err := Marshal(q)
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("Marshal is not a fixed point:\ninput:\n%q\nfirst:\n%s\nsecond:\n%s", data, out, again)
		}
	})
}

// typed is p without the fields that depend on the file's layout or that
// hold values yaml.v3 may retype (Properties: 1.0 reads back as 1).
func typed(p *Post) Post {
	c := *p
	c.Path, c.Kind, c.BodyLine, c.Properties = "", 0, 0, nil
	return c
}

func checkParseErrors(t *testing.T, err error, data []byte) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
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
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		if pe.File != "fuzz.md" {
			t.Fatalf("File %q, want fuzz.md", pe.File)
		}
		if pe.Line < 1 || pe.Line > lines {
			t.Fatalf("Line %d outside the file's %d lines: %v\ninput: %q", pe.Line, lines, pe, data)
		}
		if pe.Msg == "" {
			t.Fatalf("empty message: %#v", pe)
		}
	}
	walk(err)
}

// FuzzSlugify checks that Slugify never panics and always gives a slug
// that is valid UTF-8, at most 80 bytes, without hyphens at either end or
// doubled, and that slugifying a slug changes nothing. Seeds are in
// testdata/fuzz/FuzzSlugify.
func FuzzSlugify(f *testing.F) {
	f.Add("Crème Brûlée, finally!")
	f.Add("東京の朝")
	f.Fuzz(func(t *testing.T, s string) {
		got := Slugify(s)
		if len(got) > 80 {
			t.Fatalf("Slugify(%q) = %q is %d bytes", s, got, len(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Slugify(%q) = %q is not valid UTF-8", s, got)
		}
		if strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Fatalf("Slugify(%q) = %q has stray hyphens", s, got)
		}
		if again := Slugify(got); again != got {
			t.Fatalf("not idempotent: Slugify(%q) = %q, Slugify(%q) = %q", s, got, got, again)
		}
		if strings.ContainsAny(got, " /\\?#%\t\n") {
			t.Fatalf("Slugify(%q) = %q has characters unsafe in a path", s, got)
		}
	})
}

// FuzzMarshal builds posts from arbitrary strings, as the Micropub side
// does, and checks that Parse(Marshal(p)) gives them back: every string
// must be written in a YAML style that reads back unchanged.
func FuzzMarshal(f *testing.F) {
	f.Add("Title", "Summary\n", "alt", "tag", "key", "value", "Body\n")
	f.Add("\n\tx", "\n", " lead", "\n\ntag", "<<", "\tv\n", "---\n")
	f.Fuzz(func(t *testing.T, title, summary, alt, tag, key, val, body string) {
		p := &Post{
			Title:       title,
			Summary:     summary,
			Location:    val,
			Tags:        []string{tag, val},
			Photo:       []Media{{URL: "/media/a.jpg", Alt: alt}},
			Syndication: []string{"https://x.example/" + tag},
			Body:        body,
		}
		if key != "" {
			p.Properties = map[string]any{key: val, "nested": map[string]any{key: []any{val, title}}}
		}
		out, err := Marshal(p)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		q, err := Parse("fuzz.md", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(p)): %v\n%s", err, out)
		}
		q.Path, q.BodyLine = "", 0
		if !reflect.DeepEqual(q, p) {
			t.Fatalf("round trip changed the post:\ngot  %#v\nwant %#v\nfile:\n%s", q, p, out)
		}
	})
}
