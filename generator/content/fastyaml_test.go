package content

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// sameNode reports the first difference between got and want, two node
// trees, or "" when they are the same in every field Parse, the decoder
// and Node.Decode can see.
func sameNode(path string, got, want *yaml.Node) string {
	if got == nil || want == nil {
		if got != want {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
		return ""
	}
	type fields struct {
		Kind                                yaml.Kind
		Style                               yaml.Style
		Tag, Value, Anchor                  string
		HeadComment, LineComment, FootComme string
		Line, Column                        int
		Alias, NilContent                   bool
		Children                            int
	}
	f := func(n *yaml.Node) fields {
		return fields{n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment,
			n.Line, n.Column, n.Alias != nil, n.Content == nil, len(n.Content)}
	}
	if g, w := f(got), f(want); g != w {
		return fmt.Sprintf("%s:\ngot  %+v\nwant %+v", path, g, w)
	}
	for i := range got.Content {
		if d := sameNode(fmt.Sprintf("%s/%d", path, i), got.Content[i], want.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// checkSimpleYAML parses front with simpleYAML and, if it took the input,
// with yaml.Unmarshal, and fails unless both give the same tree. It
// returns whether simpleYAML took the input.
func checkSimpleYAML(t *testing.T, front []byte) bool {
	t.Helper()
	got, ok := simpleYAML(front)
	if !ok {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal(front, &want); err != nil {
		t.Fatalf("simpleYAML took input yaml.v3 rejects (%v):\n%q", err, front)
	}
	if d := sameNode("doc", got, &want); d != "" {
		t.Fatalf("simpleYAML differs from yaml.v3 for\n%q\n%s", front, d)
	}
	return true
}

// checkParseSame fails unless Parse gives the same post and errors for
// data with and without simpleYAML.
func checkParseSame(t *testing.T, data []byte) {
	t.Helper()
	fast, fastErr := parse("f.md", data, true)
	slow, slowErr := parse("f.md", data, false)
	if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
		t.Fatalf("errors differ for\n%q\nfast: %v\nslow: %v", data, fastErr, slowErr)
	}
	// %#v as well, as NaN in Properties is never DeepEqual to itself.
	if !reflect.DeepEqual(fast, slow) && fmt.Sprintf("%#v", fast) != fmt.Sprintf("%#v", slow) {
		t.Fatalf("posts differ for\n%q\nfast: %#v\nslow: %#v", data, fast, slow)
	}
}

// TestSimpleYAML walks the edges of the subset: what simpleYAML must take
// (and read as yaml.v3 does) and what it must leave to yaml.v3.
func TestSimpleYAML(t *testing.T) {
	tests := []struct {
		in      string
		handled bool
	}{
		// The subset.
		{"", true},
		{"\n\n", true},
		{"title: Hello\n", true},
		{"title: Hello", true},
		{"\n\ntitle: Hello\n\n", true},
		{"title: Hello\r\ndate: 2024-05-01\r\n", true},
		{"date: 2024-05-04T19:53:00+02:00\ntags: [testing, indieweb]\nphoto:\n  - url: /media/2024/05/wet-month.jpg\n    alt: Rain on a window\ntitle: Something\nlike_of: https://news.example.com/new-letter-cup\n", true},
		{"title:    spaced   out   \n", true},
		{"title: Smörgåstårta for Mum's seventieth\nlocation: 台東区, 東京 (Taitō, Tokyo)\n", true},
		{"tags: []\nx: [ ]\ny: [ a ,b , c ]\n", true},
		{"tags: [東京, ß, c]\n", true},
		{"tags: [late breakfast, coffee]\n", true},
		{"tags:\n  - a\n  - b\n", true},
		{"tags:\n- a\n- b\nnext: c\n", true},
		{"photo:\n  - /media/a.jpg\n  - url: /media/b.jpg\n    alt: B\n  -   url: /c.jpg\n      alt: C\nvideo: /v.mp4\n", true},
		{"photo:\n  -   /media/a.jpg\n", true},
		{"photo:\n\n  - url: /a.jpg\n\n    alt: A\n\ntitle: x\n", true},
		{"properties:\n  client_id: https://quill.example/\n  published-by: micropub\n", true},
		{"x:\n  - a:\n      b: c\n", true},
		{"x:\n  - a:\n    - b\n  - c\n", true},
		{"x:\n  - a:\n    - b\n    c: d\n", true},
		{"x:\n  - [a, b]\n  - c\n", true},
		{"url: https://example.com/a#frag\nb: a:b\nc: a,b [c] {d}\nd: 50%\n", true},
		{"a: a - b\nb: -1\nc: -.5\nd: -x\n", true},
		{"a: 1\na: 2\n", true},
		// Tag resolution.
		{"a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: y\nh: tRUE\n", true},
		{"a: ~\nb: null\nc: Null\nd: NULL\ne: nULL\nf: ~x\n", true},
		{"a: 1\nb: -1\nc: +1\nd: 0x1F\ne: 0o17\nf: 0b101\ng: 017\nh: 1_000\ni: 0xG\n", true},
		{"a: -0b101\nb: -0o17\nc: 0b\nd: 0o\ne: -0b\nf: 0b1111111111111111111111111111111111111111111111111111111111111111\n", true},
		{"a: 18446744073709551615\nb: 18446744073709551616\nc: -9223372036854775809\n", true},
		{"a: 1.5\nb: .5\nc: 1e3\nd: 1.\ne: .inf\nf: -.Inf\ng: +.INF\nh: .NaN\ni: .nan.\nj: 1e\nk: ._\n", true},
		{"a: 2024-05-01\nb: 2024-5-1\nc: 2024-05-01T09:30:00Z\nd: 2024-05-01t09:30:00z\ne: 2024-05-01 09:30:00\nf: 2024-05-01 09:30\ng: 24-05-01\nh: 2024-05-01T25:00:00Z\n", true},
		{"a: <<\nb: x<<\n1: one\ntrue: t\nnull: n\n2024-01-01: d\n", true},
		// Outside the subset: left to yaml.v3.
		{"title: \"quoted\"\n", false},
		{"title: 'quoted'\n", false},
		{"title: |\n  block\n", false},
		{"title: >\n  folded\n", false},
		{"title: x # comment\n", false},
		{"# comment\ntitle: x\n", false},
		{"title: &a x\n", false},
		{"title: *a\n", false},
		{"title: !!str 1\n", false},
		{"%YAML 1.2\n---\ntitle: x\n", false},
		{"---\ntitle: x\n", false},
		{"title: x\n...\n", false},
		{"title: {a: b}\n", false},
		{"tags: [a, [b]]\n", false},
		{"tags: [a, {b: c}]\n", false},
		{"tags: [a,\n  b]\n", false},
		{"tags: [a, b,]\n", false},
		{"tags: [a, , b]\n", false},
		{"tags: [a: b]\n", false},
		{"tags: [a] x\n", false},
		{"title:\n", false},
		{"title:\nsummary: x\n", false},
		{"title: x\n  continued\n", false},
		{"tags:\n  - a\n    continued\n", false},
		{"tags:\n  - a\n   - b\n", false},
		{"tags:\n  -\n", false},
		{"tags:\n  - - a\n", false},
		{"title: a: b\n", false},
		{"title: a:\n", false},
		{"title:x\n", false},
		{"title : x\n", false},
		{"\ttitle: x\n", false},
		{"title: a\tb\n", false},
		{"title: a\rb\n", false},
		{"title: a\u0085b\n", false},
		{"title: a\u2028b\n", false},
		{"title: \ufeffa\n", false},
		{"title: a\x00b\n", false},
		{"title: a\xffb\n", false},
		{"  title: x\n", false},
		{"   \ntitle: x\n", false},
		{"- a\n- b\n", false},
		{"just text\n", false},
		{"? a\n: b\n", false},
		{"title: -\n", false},
		{"title: - a\n", false},
		{"title: --x\n", false},
		{"title: @x\n", false},
		{"title: `x`\n", false},
		{"title: %x\n", false},
		{"größe: 1\n", false},
		{"<<: {a: b}\n", false},
		{strings.Repeat("k", 100) + ": v\n", false},
		{"a:\n  b: c\n d: e\n", false},
		{"a:\n    - b\n  c: d\n", false},
	}
	for _, tt := range tests {
		if got := checkSimpleYAML(t, []byte(tt.in)); got != tt.handled {
			t.Errorf("simpleYAML(%q) handled = %v, want %v", tt.in, got, tt.handled)
		}
		checkParseSame(t, []byte("---\n"+tt.in+"\n---\nbody\n"))
	}
}

// TestParseSameWithoutSimpleYAML runs the example files and the FuzzParse
// seeds through Parse with and without simpleYAML.
func TestParseSameWithoutSimpleYAML(t *testing.T) {
	files, err := filepath.Glob("testdata/*.md")
	if err != nil {
		t.Fatal(err)
	}
	seeds, err := filepath.Glob("testdata/fuzz/FuzzParse/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(files, seeds...) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(name, "fuzz") {
			// go test fuzz v1, then one []byte("...") line.
			_, lit, ok := strings.Cut(string(data), "[]byte(")
			if !ok {
				t.Fatalf("%s: not a []byte seed", name)
			}
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			data = []byte(s)
		}
		checkParseSame(t, data)
	}
	for _, bp := range benchPosts {
		checkParseSame(t, []byte(bp.src))
	}
}

// TestSimpleYAMLBenchPosts checks that simpleYAML takes the benchmark's
// typical files, and reads them as yaml.v3 does.
func TestSimpleYAMLBenchPosts(t *testing.T) {
	for _, tt := range benchPosts {
		front, _, _, err := split([]byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if handled := checkSimpleYAML(t, front); handled != (tt.name != "quoted") {
			t.Errorf("%s: handled = %v", tt.name, handled)
		}
	}
}

// FuzzFastFrontMatter checks that whatever simpleYAML accepts, yaml.v3
// reads into the very same node tree, and that Parse then gives the same
// post and errors with and without simpleYAML. Seeds are in
// testdata/fuzz/FuzzFastFrontMatter.
func FuzzFastFrontMatter(f *testing.F) {
	f.Add([]byte("date: 2024-05-04T19:53:00+02:00\ntags: [testing, indieweb]\nphoto:\n  - url: /media/2024/05/wet-month.jpg\n    alt: Rain on a window\ntitle: Something\nlike_of: https://news.example.com/new-letter-cup\n"))
	f.Add([]byte("title: A year on the bike, in numbers\nupdated: 2025-01-02T10:15:00+01:00\nsyndication:\n- https://mastodon.example/@mara/1\n- https://bsky.example/profile/mara\n"))
	f.Add([]byte("properties:\n  rating: 5\n  price: 3.5\n  flag: true\nx:\n  - a:\n    - b\n    c: d\n"))
	f.Add([]byte("a: 0b101\nb: -0o17\nc: 1_000\nd: .5\ne: 2024-5-1 9:30:00\nf: ~\ng: [1, -2, +.inf, null]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkSimpleYAML(t, data) {
			file := append([]byte("---\n"), data...)
			checkParseSame(t, append(file, "\n---\nbody\n"...))
		}
	})
}
