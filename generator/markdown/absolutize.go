package markdown

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Absolutize rewrites relative href/src/srcset URLs in an HTML fragment against base (an absolute URL such as the post's permalink), for feeds. Absolute URLs, fragments-only (#x) and mailto: are left alone except that "#x" becomes base+"#x".
//
// Feed readers show entries out of the site's context, where a relative
// URL would resolve against the feed's own URL or nothing at all. The
// fragment is tokenised, not matched with patterns, so URL-looking text
// and attributes of other names are never touched; tags that need no
// change are copied byte for byte, and rewritten ones are re-serialised.
// poster (video) is rewritten too, for the same reason as src.
func Absolutize(fragment string, base *url.URL) string {
	if base == nil || !mayHaveURLAttr(fragment) {
		return fragment
	}
	var b bytes.Buffer
	b.Grow(len(fragment) + len(fragment)/8)
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// The reader never fails, so this is io.EOF; the tokenizer
			// has returned every byte as part of some token.
			return b.String()
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		// Token lower-cases names in the tokenizer's buffer, and raw
		// aliases that buffer, so take the copy first.
		before := b.Len()
		b.Write(raw)
		tok := z.Token()
		changed := false
		for i := range tok.Attr {
			a := &tok.Attr[i]
			if a.Namespace != "" {
				continue
			}
			var v string
			switch a.Key {
			case "href", "src", "poster":
				v = resolve(a.Val, base)
			case "srcset":
				v = resolveSrcset(a.Val, base)
			default:
				continue
			}
			if v != a.Val {
				a.Val = v
				changed = true
			}
		}
		if changed {
			b.Truncate(before)
			b.WriteString(tok.String())
		}
	}
}

// mayHaveURLAttr is a cheap filter: fragments without any of the
// attribute names (in any case) cannot need rewriting.
func mayHaveURLAttr(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		switch s[i] | 0x20 { // ASCII lower case
		case 'h':
			if i+4 <= len(s) && strings.EqualFold(s[i:i+4], "href") {
				return true
			}
		case 's':
			if strings.EqualFold(s[i:i+3], "src") {
				return true
			}
		case 'p':
			if i+6 <= len(s) && strings.EqualFold(s[i:i+6], "poster") {
				return true
			}
		}
	}
	return false
}

// resolve returns v resolved against base if v is a relative URL
// reference, and v unchanged otherwise (absolute, mailto:, unparsable).
func resolve(v string, base *url.URL) string {
	// Browsers ignore surrounding whitespace in URL attributes.
	ref := strings.Trim(v, " \t\n\f\r")
	u, err := url.Parse(ref)
	if err != nil || u.Scheme != "" {
		return v
	}
	return base.ResolveReference(u).String()
}

// resolveSrcset resolves each candidate URL of a srcset, following the
// HTML standard's parsing (a URL is a run of non-whitespace; a candidate
// ends at a comma after its descriptors), and copies separators and
// descriptors through unchanged.
func resolveSrcset(v string, base *url.URL) string {
	var b strings.Builder
	i := 0
	for i < len(v) {
		// Whitespace and commas between candidates.
		j := i
		for j < len(v) && (isHTMLSpace(v[j]) || v[j] == ',') {
			j++
		}
		b.WriteString(v[i:j])
		if j == len(v) {
			break
		}
		// The URL: a run of non-whitespace, minus trailing commas.
		k := j
		for k < len(v) && !isHTMLSpace(v[k]) {
			k++
		}
		end := k
		for end > j && v[end-1] == ',' {
			end--
		}
		b.WriteString(resolve(v[j:end], base))
		i = end
		if end < k {
			// Trailing commas ended the candidate.
			continue
		}
		// Descriptors up to the next comma outside parentheses.
		depth := 0
		for k < len(v) && (depth > 0 || v[k] != ',') {
			switch v[k] {
			case '(':
				depth++
			case ')':
				if depth > 0 {
					depth--
				}
			}
			k++
		}
		b.WriteString(v[i:k])
		i = k
	}
	return b.String()
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
