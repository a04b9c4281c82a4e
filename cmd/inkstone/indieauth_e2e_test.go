package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/html"

	"inkstone/daemon/indieauth"
	"inkstone/internal/config"
)

const e2eSite = "https://notes.example/"

// startDaemonWithPassword is startDaemon with the owner's password hash
// written to SITE/.inkstone/password before the daemon starts, where
// a.siteConfig reads it.
func startDaemonWithPassword(t *testing.T, password string) *daemonSite {
	t.Helper()
	return startDaemonWith(t, func(c *config.Site) {
		hash, err := indieauth.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(c.StateDir(), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c.StateDir(), passwordFile), []byte(hash+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
}

// tlsBlindJar is a cookie jar that keeps the daemon's cookies for any
// scheme. The daemon marks its cookies Secure because base_url is https
// (it sits behind a TLS-terminating proxy), so net/http/cookiejar would
// never send them back to http://127.0.0.1. Path scoping is kept.
type tlsBlindJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *tlsBlindJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
			continue
		}
		j.cookies[c.Name] = c
	}
}

func (j *tlsBlindJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.cookies {
		if c.Path == "" || u.Path == c.Path || strings.HasPrefix(u.Path, strings.TrimSuffix(c.Path, "/")+"/") {
			out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

// local maps an absolute URL on the public site to the daemon.
func (d *daemonSite) local(t *testing.T, abs string) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil || u.Scheme+"://"+u.Host+"/" != e2eSite {
		t.Fatalf("%q is not on %s", abs, e2eSite)
	}
	u.Scheme, u.Host = "", ""
	return d.base + u.String()
}

type page struct {
	status int
	header http.Header
	body   string
}

func browse(t *testing.T, c *http.Client, method, target string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, string(b)}
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// relLinks maps each rel token of the page's <link> elements to its href.
func relLinks(doc *html.Node) map[string][]string {
	links := map[string][]string{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "link" {
			continue
		}
		rel, _ := attr(n, "rel")
		href, _ := attr(n, "href")
		for _, r := range strings.Fields(strings.ToLower(rel)) {
			links[r] = append(links[r], href)
		}
	}
	return links
}

// formFields is what a browser would send for the page's single form
// (hidden inputs and ticked checkboxes), plus its action.
func formFields(t *testing.T, body string) (action string, fields url.Values) {
	t.Helper()
	fields = url.Values{}
	forms := 0
	for n := range parseHTML(t, body).Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "form":
			forms++
			action, _ = attr(n, "action")
		case "input":
			typ, _ := attr(n, "type")
			name, _ := attr(n, "name")
			val, _ := attr(n, "value")
			_, checked := attr(n, "checked")
			if typ == "hidden" || (typ == "checkbox" && checked) {
				fields.Add(name, val)
			}
		}
	}
	if forms != 1 {
		t.Fatalf("page has %d forms, want 1:\n%s", forms, body)
	}
	if fields.Get("csrf") == "" {
		t.Fatalf("form has no csrf field:\n%s", body)
	}
	return action, fields
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestDaemonIndieAuthFlow(t *testing.T) {
	const password = "correct horse battery staple"
	d := startDaemonWithPassword(t, password)
	const formType = "application/x-www-form-urlencoded"

	// 1. The home page advertises the endpoints.
	home, err := os.ReadFile(filepath.Join(d.dir, "public", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	links := relLinks(parseHTML(t, string(home)))
	for rel, want := range map[string]string{
		"authorization_endpoint": e2eSite + "auth",
		"token_endpoint":         e2eSite + "token",
		"micropub":               e2eSite + "micropub",
		"indieauth-metadata":     e2eSite + ".well-known/oauth-authorization-server",
	} {
		if got := links[rel]; len(got) != 1 || got[0] != want {
			t.Errorf(`home page rel="%s" = %q, want [%s]`, rel, got, want)
		}
	}

	// 2. Discovery.
	resp, meta := d.do(t, "GET", "/.well-known/oauth-authorization-server", "", nil, "")
	if resp.StatusCode != 200 || meta["issuer"] != e2eSite ||
		meta["authorization_endpoint"] != e2eSite+"auth" || meta["token_endpoint"] != e2eSite+"token" {
		t.Fatalf("metadata = %d %v", resp.StatusCode, meta)
	}
	methods, _ := meta["code_challenge_methods_supported"].([]any)
	if !slices.Contains(methods, any("S256")) {
		t.Fatalf("code_challenge_methods_supported = %v, want S256", meta["code_challenge_methods_supported"])
	}
	authURL := d.local(t, meta["authorization_endpoint"].(string))
	tokenURL := meta["token_endpoint"].(string)
	tokenPath := strings.TrimPrefix(tokenURL, strings.TrimSuffix(e2eSite, "/"))

	// 3. Authorization with PKCE S256.
	const clientID, redirectURI = "https://app.example/", "https://app.example/callback"
	rnd := make([]byte, 48)
	if _, err := rand.Read(rnd); err != nil {
		t.Fatal(err)
	}
	verifier := base64.RawURLEncoding.EncodeToString(rnd) // 64 chars
	sum := sha256.Sum256([]byte(verifier))
	state := "st-" + base64.RawURLEncoding.EncodeToString(rnd[:9])
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"state":                 {state},
		"scope":                 {"create update"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"me":                    {e2eSite},
	}
	jar := &tlsBlindJar{cookies: map[string]*http.Cookie{}}
	browser := &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	login := browse(t, browser, "GET", authURL+"?"+q.Encode(), nil)
	if login.status != 200 || !strings.Contains(login.body, `type="password"`) {
		t.Fatalf("GET /auth = %d, want the login form:\n%s", login.status, login.body)
	}
	set := (&http.Response{Header: login.header}).Cookies()
	if len(set) == 0 {
		t.Fatal("GET /auth set no cookie")
	}
	for _, c := range set {
		if !c.Secure || !c.HttpOnly || c.Path != "/auth" {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v Path=%q, want Secure, HttpOnly, /auth", c.Name, c.Secure, c.HttpOnly, c.Path)
		}
	}
	action, fields := formFields(t, login.body)
	if action != e2eSite+"auth" {
		t.Errorf("login form action = %q", action)
	}
	for _, k := range []string{"client_id", "redirect_uri", "state", "code_challenge", "scope"} {
		if fields.Get(k) != q.Get(k) {
			t.Errorf("login form %s = %q, want %q", k, fields.Get(k), q.Get(k))
		}
	}

	bad := browse(t, browser, "POST", d.local(t, action), with(fields, "action", "login", "password", "not the password"))
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "That password is not right.") || !strings.Contains(bad.body, `type="password"`) {
		t.Fatalf("wrong password = %d, want 401 and the login form again:\n%s", bad.status, bad.body)
	}
	if _, ok := jar.cookies["inkstone_auth_session"]; ok {
		t.Error("a session cookie was set after a wrong password")
	}

	// Without the CSRF token the right password is refused too.
	noCSRF := with(fields, "action", "login", "password", password)
	noCSRF.Del("csrf")
	if p := browse(t, browser, "POST", d.local(t, action), noCSRF); p.status != http.StatusForbidden {
		t.Errorf("login without csrf = %d, want 403", p.status)
	}

	action, fields = formFields(t, bad.body)
	ok := browse(t, browser, "POST", d.local(t, action), with(fields, "action", "login", "password", password))
	if ok.status != http.StatusSeeOther {
		t.Fatalf("right password = %d, want 303:\n%s", ok.status, ok.body)
	}
	consent := browse(t, browser, "GET", d.local(t, ok.header.Get("Location")), nil)
	if consent.status != 200 || !strings.Contains(consent.body, `value="approve"`) {
		t.Fatalf("after sign-in = %d, want the consent page:\n%s", consent.status, consent.body)
	}
	for _, want := range []string{"Allow app.example?", "app.example", "create new posts", "edit existing posts", redirectURI} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page does not mention %q", want)
		}
	}
	action, fields = formFields(t, consent.body)
	if got := fields["grant"]; !slices.Equal(got, []string{"create", "update"}) {
		t.Errorf("consent offers %v, want [create update]", got)
	}

	approve := func(fields url.Values) string {
		t.Helper()
		p := browse(t, browser, "POST", d.local(t, action), with(fields, "action", "approve"))
		if p.status != http.StatusSeeOther && p.status != http.StatusFound {
			t.Fatalf("approve = %d, want a redirect:\n%s", p.status, p.body)
		}
		loc, err := url.Parse(p.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
			t.Fatalf("redirected to %s, want %s", loc, redirectURI)
		}
		if loc.Query().Get("state") != state || loc.Query().Get("iss") != e2eSite || loc.Query().Get("code") == "" {
			t.Fatalf("redirect %s lacks code, state %q or iss %q", loc, state, e2eSite)
		}
		return loc.Query().Get("code")
	}
	code := approve(fields)

	// 4. Redeem the code.
	redeem := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {clientID},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}
	resp, tok := d.do(t, "POST", tokenPath, formType, strings.NewReader(redeem.Encode()), "")
	token, _ := tok["access_token"].(string)
	if resp.StatusCode != 200 || token == "" || tok["scope"] != "create update" || tok["me"] != e2eSite {
		t.Fatalf("token = %d %v", resp.StatusCode, tok)
	}
	resp, body := d.do(t, "POST", tokenPath, formType, strings.NewReader(redeem.Encode()), "")
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("second redemption = %d %v, want 400 invalid_grant", resp.StatusCode, body)
	}
	// Replaying a code revokes the token it bought (RFC 6749 §4.1.2), so
	// the rest of the flow uses a token from a fresh code. The owner is
	// still signed in: the consent screen comes straight up.
	if p := browse(t, browser, "GET", authURL+"?"+q.Encode(), nil); p.status != 200 || !strings.Contains(p.body, `value="approve"`) {
		t.Fatalf("second GET /auth = %d, want the consent page:\n%s", p.status, p.body)
	} else {
		action, fields = formFields(t, p.body)
	}
	introspect := func(bearer, tok string) map[string]any {
		t.Helper()
		resp, body := d.do(t, "POST", "/token/introspect", formType, strings.NewReader(url.Values{"token": {tok}}.Encode()), bearer)
		if resp.StatusCode != 200 {
			t.Fatalf("introspect = %d %v", resp.StatusCode, body)
		}
		return body
	}
	if in := introspect(d.token, token); in["active"] != false {
		t.Errorf("token of a replayed code: introspect = %v, want inactive", in)
	}
	redeem.Set("code", approve(fields))
	resp, tok = d.do(t, "POST", tokenPath, formType, strings.NewReader(redeem.Encode()), "")
	token, _ = tok["access_token"].(string)
	if resp.StatusCode != 200 || token == "" || tok["scope"] != "create update" || tok["me"] != e2eSite {
		t.Fatalf("token from the second code = %d %v", resp.StatusCode, tok)
	}

	// 5. Micropub with the token.
	create := url.Values{"h": {"entry"}, "content": {"Signed in through IndieAuth."}}.Encode()
	resp, body = d.do(t, "POST", "/micropub", formType, strings.NewReader(create), token)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create = %d %v", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if page, err := os.ReadFile(d.publicFile(loc)); err != nil || !strings.Contains(string(page), "Signed in through IndieAuth.") {
		t.Fatalf("page for %s not in public/: %v", loc, err)
	}

	// 6. Introspect, revoke, and the token is dead.
	in := introspect(token, token)
	if in["active"] != true || in["scope"] != "create update" || in["client_id"] != clientID || in["me"] != e2eSite {
		t.Errorf("introspect = %v, want active for %s", in, clientID)
	}
	resp, _ = d.do(t, "POST", "/token/revoke", formType, strings.NewReader(url.Values{"token": {token}}.Encode()), "")
	if resp.StatusCode != 200 {
		t.Fatalf("revoke = %d", resp.StatusCode)
	}
	resp, body = d.do(t, "POST", "/micropub", formType, strings.NewReader(create), token)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("create with a revoked token = %d %v, want 401", resp.StatusCode, body)
	}
	if in := introspect(d.token, token); in["active"] != false {
		t.Errorf("introspect after revoke = %v, want inactive", in)
	}
}

// TestDaemonIndieAuthNativeApp: a phone app whose redirect URI is a
// custom scheme signs in because its client metadata document lists
// that URI; the consent screen names the app from the document, and a
// redirect URI the document does not list is refused.
func TestDaemonIndieAuthNativeApp(t *testing.T) {
	const password = "correct horse battery staple"
	const redirectURI = "com.example.notes:/callback"
	var clientID string
	var fetches atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/client.json" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"client_id": %q, "client_name": "Notes for Phone", "logo_uri": "https://cdn.example/notes.png",
			"redirect_uris": [%q]}`, clientID, redirectURI)
	}))
	defer app.Close()
	clientID = app.URL + "/client.json"
	d := startDaemonWithPassword(t, password)

	rnd := make([]byte, 48)
	if _, err := rand.Read(rnd); err != nil {
		t.Fatal(err)
	}
	verifier := base64.RawURLEncoding.EncodeToString(rnd)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"state":                 {"native-state"},
		"scope":                 {"create"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	browser := &http.Client{
		Jar:           &tlsBlindJar{cookies: map[string]*http.Cookie{}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	refused := browse(t, browser, "GET", d.base+"/auth?"+with(q, "redirect_uri", "com.evil.notes:/callback").Encode(), nil)
	if refused.status != http.StatusBadRequest || refused.header.Get("Location") != "" || !strings.Contains(refused.body, "the client does not list it") {
		t.Fatalf("unlisted redirect_uri = %d Location %q, want 400 naming the problem:\n%s", refused.status, refused.header.Get("Location"), refused.body)
	}

	login := browse(t, browser, "GET", d.base+"/auth?"+q.Encode(), nil)
	if login.status != 200 || !strings.Contains(login.body, "Notes for Phone") {
		t.Fatalf("GET /auth = %d, want the login form naming the app:\n%s", login.status, login.body)
	}
	action, fields := formFields(t, login.body)
	signedIn := browse(t, browser, "POST", d.local(t, action), with(fields, "action", "login", "password", password))
	if signedIn.status != http.StatusSeeOther {
		t.Fatalf("sign-in = %d:\n%s", signedIn.status, signedIn.body)
	}
	consent := browse(t, browser, "GET", d.local(t, signedIn.header.Get("Location")), nil)
	for _, want := range []string{"<h1>Allow Notes for Phone?</h1>", `<img class="logo" src="https://cdn.example/notes.png"`, redirectURI} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page lacks %q:\n%s", want, consent.body)
		}
	}
	if csp := consent.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("consent CSP = %q", csp)
	}
	action, fields = formFields(t, consent.body)
	approved := browse(t, browser, "POST", d.local(t, action), with(fields, "action", "approve"))
	loc, err := url.Parse(approved.header.Get("Location"))
	if approved.status != http.StatusSeeOther || err != nil || loc.Scheme != "com.example.notes" || loc.Path != "/callback" ||
		loc.Query().Get("state") != "native-state" || loc.Query().Get("code") == "" {
		t.Fatalf("approve = %d Location %q, want 303 to %s with code and state", approved.status, approved.header.Get("Location"), redirectURI)
	}

	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {clientID},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}
	resp, tok := d.do(t, "POST", "/token", "application/x-www-form-urlencoded", strings.NewReader(redeem.Encode()), "")
	token, _ := tok["access_token"].(string)
	if resp.StatusCode != 200 || token == "" || tok["scope"] != "create" {
		t.Fatalf("token = %d %v", resp.StatusCode, tok)
	}
	create := url.Values{"h": {"entry"}, "content": {"Posted from the native app."}}.Encode()
	resp, body := d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(create), token)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create with the app's token = %d %v", resp.StatusCode, body)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("client metadata fetched %d times, want once (cached)", n)
	}
}
