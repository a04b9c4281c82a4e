package markdown

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// collectPlain is what textCollector makes of p, worked out rune by
// rune: white space runs become one space, NUL goes, invalid bytes
// become U+FFFD, and the ends are trimmed.
func collectPlain(p []byte) string {
	var out []byte
	pending := false
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		i += size
		switch {
		case r == 0:
			continue
		case unicode.IsSpace(r):
			pending = len(out) > 0
			continue
		}
		if pending {
			out = append(out, ' ')
			pending = false
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

// FuzzTextCollector checks textCollector against collectPlain, with the
// text written in two parts, cut between characters as goldmark's
// segments are.
func FuzzTextCollector(f *testing.F) {
	for _, s := range []string{"", " a  b\t\nc ", "x\x00y", "\xff\xfe ok", "naïve\u00a0café\u2003end", "a\vb\fc\rd"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, p []byte, cut uint8) {
		at := int(cut) % (len(p) + 1)
		for at > 0 && at < len(p) && !utf8.RuneStart(p[at]) {
			at--
		}
		var tc textCollector
		tc.write(p[:at])
		tc.write(p[at:])
		if got, want := tc.String(), collectPlain(p); got != want {
			t.Fatalf("%q cut at %d: %q, want %q", p, at, got, want)
		}
	})
}
