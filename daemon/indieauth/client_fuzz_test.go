package indieauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseClientInfo feeds client pages of any shape to the parser:
// it must not panic, and what it returns must be safe to show.
func FuzzParseClientInfo(f *testing.F) {
	f.Add("application/json", "", []byte(`{"client_id":"https://app.example/","client_name":"Quill","logo_uri":"/l.png","redirect_uris":["app:/cb"]}`))
	f.Add("text/html", `<https://a.example/cb>; rel="redirect_uri"`, []byte(`<div class="h-app"><img class="u-logo" src="x.png"><a class="p-name u-url" href="/">A</a></div><link rel="redirect_uri" href="/cb">`))
	f.Add("text/plain", `<a>;rel=redirect_uri,<b>;title="x,y";rel="me redirect_uri"`, []byte("plain"))
	f.Add("application/json", "", []byte(`{"client_name":"\u0000\u202e evil","logo_uri":"javascript:alert(1)"}`))
	base, _ := url.Parse("https://app.example/")
	f.Fuzz(func(t *testing.T, ctype, link string, body []byte) {
		h := http.Header{"Content-Type": {ctype}, "Link": {link}}
		info, err := parseClientInfo("https://app.example/", base, h, body)
		if err != nil {
			return
		}
		for _, u := range []string{info.Logo, info.URL} {
			if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				t.Errorf("unsafe URL %q", u)
			}
		}
		if len(info.RedirectURIs) > maxClientURIs {
			t.Errorf("%d redirect URIs kept, want at most %d", len(info.RedirectURIs), maxClientURIs)
		}
		if n := utf8.RuneCountInString(info.Name); n > maxClientNameRunes {
			t.Errorf("name has %d runes", n)
		}
		for _, r := range info.Name {
			if !unicode.IsPrint(r) {
				t.Errorf("name %q holds %U", info.Name, r)
			}
		}
	})
}
