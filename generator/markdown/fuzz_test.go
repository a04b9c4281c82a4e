package markdown

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// FuzzMarkdown checks that no input makes the renderer panic or emit
// active content. Seeds live in testdata/fuzz/FuzzMarkdown.
func FuzzMarkdown(f *testing.F) {
	f.Add([]byte(benchNote))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := testRenderer.Markdown(src)
		if err != nil {
			t.Fatalf("Markdown: %v", err)
		}
		checkSafeHTML(t, res.HTML)
		checkText(t, res.Text)
		_ = Summary(res.Text, 80)

		// Parsing without linkify first must not change the result.
		linkified, err := testRenderer.markdown(src, true)
		if err != nil {
			t.Fatalf("markdown with linkify: %v", err)
		}
		if linkified != res {
			t.Fatalf("linkify shortcut changed the result\nwith:    %q\nwithout: %q", linkified.HTML, res.HTML)
		}

		// The HTML path must hold to the same rules.
		res, err = testRenderer.HTML(src)
		if err != nil {
			t.Fatalf("HTML: %v", err)
		}
		checkSafeHTML(t, res.HTML)
		checkText(t, res.Text)
	})
}

// checkSafeHTML fails if out contains a script element, an event handler
// or style attribute, or a URL attribute a browser would run as script.
//
// A literal search for "javascript:" in attribute values would be
// stricter than the harm: alt="javascript: the good parts" or a
// relative href="./javascript:x" are inert, so the check parses URLs
// the way browsers do (tabs and newlines removed, leading controls and
// spaces stripped) and looks at the scheme.
func checkSafeHTML(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("output contains <script:\n%s", out)
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"), key == "style":
				t.Fatalf("output has attribute %s=%q on <%s>:\n%s", a.Key, a.Val, tok.Data, out)
			case key == "srcset":
				for _, cand := range strings.Split(a.Val, ",") {
					if f := strings.Fields(cand); len(f) > 0 && scriptURL(f[0]) {
						t.Fatalf("output has srcset %q on <%s>:\n%s", a.Val, tok.Data, out)
					}
				}
			case isURLAttr(key):
				if scriptURL(a.Val) {
					t.Fatalf("output has %s=%q on <%s>:\n%s", a.Key, a.Val, tok.Data, out)
				}
			}
		}
	}
}

func isURLAttr(key string) bool {
	switch key {
	case "href", "src", "poster", "cite", "action", "formaction", "data", "background", "xlink:href", "longdesc", "usemap":
		return true
	}
	return false
}

// scriptURL reports whether a browser would treat v as a javascript: or
// vbscript: URL.
func scriptURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	v = strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	v = strings.ToLower(v)
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:")
}

// checkText fails if the plain text is not collapsed and trimmed.
func checkText(t *testing.T, text string) {
	t.Helper()
	if strings.HasPrefix(text, " ") || strings.HasSuffix(text, " ") || strings.Contains(text, "  ") ||
		strings.ContainsAny(text, "\t\n\r") {
		t.Fatalf("text not collapsed: %q", text)
	}
	if !utf8.ValidString(text) {
		t.Fatalf("text is not valid UTF-8: %q", text)
	}
}

// FuzzAbsolutize checks that Absolutize never panics, leaves everything
// but relative URLs alone, and makes every URL it touches absolute.
// Seeds live in testdata/fuzz/FuzzAbsolutize.
func FuzzAbsolutize(f *testing.F) {
	f.Add(`<a href="/x">x</a>`, "https://example.com/post/")
	f.Fuzz(func(t *testing.T, fragment, baseURL string) {
		base, err := url.Parse(baseURL)
		if err != nil || !base.IsAbs() || base.Opaque != "" {
			t.Skip()
		}
		out := Absolutize(fragment, base)
		if out == fragment {
			return
		}

		// Same tokens in the same order, differing only in the values
		// of URL attributes, which are now absolute.
		in, got := tokens(fragment), tokens(out)
		if len(in) != len(got) {
			t.Fatalf("token count changed from %d to %d\nin:  %q\nout: %q", len(in), len(got), fragment, out)
		}
		for i := range in {
			a, b := in[i], got[i]
			if a.Type != b.Type || a.Data != b.Data || len(a.Attr) != len(b.Attr) {
				t.Fatalf("token %d changed from %v to %v\nin:  %q\nout: %q", i, a, b, fragment, out)
			}
			for j := range a.Attr {
				x, y := a.Attr[j], b.Attr[j]
				if x.Key != y.Key || x.Namespace != y.Namespace {
					t.Fatalf("attribute changed from %v to %v\nin:  %q\nout: %q", x, y, fragment, out)
				}
				if x.Val == y.Val {
					continue
				}
				switch x.Key {
				case "href", "src", "poster":
					if u, err := url.Parse(y.Val); err != nil || !u.IsAbs() {
						t.Fatalf("%s=%q rewritten to %q, which is not absolute", x.Key, x.Val, y.Val)
					}
				case "srcset":
				default:
					t.Fatalf("attribute %s changed from %q to %q", x.Key, x.Val, y.Val)
				}
			}
		}
		// Rewriting again changes nothing.
		if again := Absolutize(out, base); again != out {
			t.Fatalf("not idempotent\nonce:  %q\ntwice: %q", out, again)
		}
	})
}

func tokens(s string) []html.Token {
	var toks []html.Token
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		if z.Next() == html.ErrorToken {
			return toks
		}
		toks = append(toks, z.Token())
	}
}
