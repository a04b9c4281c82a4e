package indieauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"inkstone/internal/config"
)

// TestFlow walks the whole flow: discovery, sign-in, consent, code, token,
// use, introspection and revocation.
func TestFlow(t *testing.T) {
	e := newEnv(t)
	anon := &http.Client{}

	// Discovery.
	meta := e.get(anon, PathMetadata, nil)
	if meta.StatusCode != http.StatusOK {
		t.Fatalf("metadata: status %d", meta.StatusCode)
	}
	m := meta.json(t)
	base := e.cfg.BaseURL
	for k, want := range map[string]string{
		"issuer":                 base,
		"authorization_endpoint": base + "auth",
		"token_endpoint":         base + "token",
		"revocation_endpoint":    base + "token/revoke",
		"introspection_endpoint": base + "token/introspect",
		"service_documentation":  "https://indieauth.spec.indieweb.org/",
	} {
		if m[k] != want {
			t.Errorf("metadata %s = %v, want %s", k, m[k], want)
		}
	}
	for k, want := range map[string]string{
		"code_challenge_methods_supported": "S256",
		"scopes_supported":                 "create update delete undelete media draft profile email",
		"response_types_supported":         "code",
		"grant_types_supported":            "authorization_code",
	} {
		var got []string
		list, _ := m[k].([]any)
		for _, v := range list {
			got = append(got, v.(string))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("metadata %s = %v, want [%s]", k, m[k], want)
		}
	}

	// The login form, a wrong password, the right one, consent.
	c := e.browser()
	q := authQuery("create update media unknown-scope")
	page := e.get(c, PathAuth, q)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `type="password"`) {
		t.Fatalf("GET /auth: %d, want login form:\n%s", page.StatusCode, page.body)
	}
	if !strings.Contains(page.body, "app.example") {
		t.Errorf("login page does not name the client")
	}
	if !strings.Contains(page.body, `action="`+base+`auth"`) {
		t.Errorf("login form does not post to the configured auth URL:\n%s", page.body)
	}
	wrong := e.post(c, PathAuth, formOf(t, page.body, q, url.Values{"action": {"login"}, "password": {"guess"}}))
	if wrong.StatusCode != http.StatusUnauthorized || !strings.Contains(wrong.body, "not right") {
		t.Fatalf("wrong password: %d, want 401 with a message:\n%s", wrong.StatusCode, wrong.body)
	}
	if loc := wrong.Header.Get("Location"); loc != "" {
		t.Fatalf("wrong password redirected to %s", loc)
	}
	consent := e.signIn(c, q)
	for _, want := range []string{`value="create"`, `value="update"`, `value="media"`, "app.example", "unknown-scope"} {
		if !strings.Contains(consent.body, want) {
			t.Errorf("consent page lacks %s:\n%s", want, consent.body)
		}
	}
	if strings.Contains(consent.body, `value="unknown-scope"`) {
		t.Errorf("consent page offers an unsupported scope")
	}
	code := e.approve(c, q, consent, "create", "media", "delete") // delete was not requested

	// Wrong verifier, then the right one.
	bad := e.post(anon, PathToken, redeemForm(code, strings.Repeat("x", 50)))
	if bad.StatusCode != http.StatusBadRequest || bad.json(t)["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %s, want 400 invalid_grant", bad.StatusCode, bad.body)
	}
	good := e.post(anon, PathToken, redeemForm(code, verifier))
	if good.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", good.StatusCode, good.body)
	}
	if cc := good.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("token response Cache-Control = %q, want no-store", cc)
	}
	tr := good.json(t)
	if tr["token_type"] != "Bearer" || tr["me"] != base || tr["scope"] != "create media" {
		t.Errorf("token response = %v, want Bearer, me %s, scope \"create media\"", tr, base)
	}
	secret, _ := tr["access_token"].(string)
	tok, ok := e.tokens.Verify(secret)
	if !ok {
		t.Fatal("issued token does not verify")
	}
	if tok.ClientID != clientID || !HasScope(tok, "create") || HasScope(tok, "update") {
		t.Errorf("token = %+v", tok)
	}

	// Introspection: active, then revoke, then inactive.
	introspect := func(token string) map[string]any {
		t.Helper()
		resp := e.post(anon, PathIntrospect, url.Values{"token": {token}}, "Authorization", "Bearer "+secret)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("introspect: %d %s", resp.StatusCode, resp.body)
		}
		return resp.json(t)
	}
	in := introspect(secret)
	if in["active"] != true || in["me"] != base || in["client_id"] != clientID || in["scope"] != "create media" || in["iat"] == nil {
		t.Errorf("introspection = %v", in)
	}
	if in := introspect("not-a-token"); in["active"] != false {
		t.Errorf("introspection of garbage = %v, want inactive", in)
	}
	// A second token, to ask after the first is gone.
	other, _, err := e.tokens.Create("cli", []string{"create"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	rev := e.post(anon, PathRevoke, url.Values{"token": {secret}})
	if rev.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d %s", rev.StatusCode, rev.body)
	}
	if _, ok := e.tokens.Verify(secret); ok {
		t.Fatal("revoked token still verifies")
	}
	if again := e.post(anon, PathRevoke, url.Values{"token": {secret}}); again.StatusCode != http.StatusOK {
		t.Errorf("revoking again: %d, want 200", again.StatusCode)
	}
	resp := e.post(anon, PathIntrospect, url.Values{"token": {secret}}, "Authorization", "Bearer "+other)
	if resp.StatusCode != http.StatusOK || resp.json(t)["active"] != false {
		t.Errorf("introspect revoked token: %d %s, want inactive", resp.StatusCode, resp.body)
	}
}

func TestCodeReuseFailsAndRevokes(t *testing.T) {
	e := newEnv(t)
	code := e.code("create", "create")
	first := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first redemption: %d %s", first.StatusCode, first.body)
	}
	secret := first.json(t)["access_token"].(string)
	second := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	if second.StatusCode != http.StatusBadRequest || second.json(t)["error"] != "invalid_grant" {
		t.Fatalf("second redemption: %d %s, want 400 invalid_grant", second.StatusCode, second.body)
	}
	if _, ok := e.tokens.Verify(secret); ok {
		t.Error("the token bought by a reused code still verifies")
	}
}

func TestCodeBurnsAfterFailedAttempts(t *testing.T) {
	e := newEnv(t)
	code := e.code("create", "create")
	for range maxCodeAttempts {
		e.post(&http.Client{}, PathToken, redeemForm(code, strings.Repeat("y", 43)))
	}
	if resp := e.post(&http.Client{}, PathToken, redeemForm(code, verifier)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("after %d failures: %d %s, want 400", maxCodeAttempts, resp.StatusCode, resp.body)
	}
}

func TestCodeExpires(t *testing.T) {
	e := newEnv(t)
	code := e.code("create", "create")
	e.clock.Advance(DefaultCodeTTL + time.Second)
	resp := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	if resp.StatusCode != http.StatusBadRequest || resp.json(t)["error"] != "invalid_grant" || !strings.Contains(resp.body, "expired") {
		t.Fatalf("expired code: %d %s, want 400 invalid_grant", resp.StatusCode, resp.body)
	}
}

func TestCodeBoundToClient(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, key, value string }{
		{"client_id", "client_id", "https://other.example/"},
		{"redirect_uri", "redirect_uri", "https://app.example/elsewhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := e.code("create", "create")
			f := redeemForm(code, verifier)
			f.Set(tc.key, tc.value)
			resp := e.post(&http.Client{}, PathToken, f)
			if resp.StatusCode != http.StatusBadRequest || resp.json(t)["error"] != "invalid_grant" {
				t.Fatalf("%d %s, want 400 invalid_grant", resp.StatusCode, resp.body)
			}
		})
	}
}

func TestTokenRequestErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"no grant_type", url.Values{"code": {"x"}}, 400, "invalid_request"},
		{"refresh", url.Values{"grant_type": {"refresh_token"}}, 400, "unsupported_grant_type"},
		{"no verifier", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {clientID}, "redirect_uri": {redirectURI}}, 400, "invalid_request"},
		{"unknown code", redeemForm("nope", verifier), 400, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.post(&http.Client{}, PathToken, tc.form)
			if resp.StatusCode != tc.status || resp.json(t)["error"] != tc.code {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, resp.body, tc.status, tc.code)
			}
			if resp.json(t)["error_description"] == "" {
				t.Error("no error_description")
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		resp := e.post(&http.Client{}, PathToken, url.Values{"grant_type": {strings.Repeat("a", MaxBodyBytes+1)}})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d %s, want 413", resp.StatusCode, resp.body)
		}
	})
	t.Run("method", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPut, "/token", nil)
		w := httptest.NewRecorder()
		e.srv.Token(w, req)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") == "" {
			t.Fatalf("PUT /token: %d, want 405 with Allow", w.Code)
		}
	})
}

func TestNoScopeCodeIsForProfileOnly(t *testing.T) {
	e := newEnv(t)
	// Nothing ticked: sign-in only.
	code := e.code("create")
	resp := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	if resp.StatusCode != http.StatusBadRequest || resp.json(t)["error"] != "invalid_grant" {
		t.Fatalf("token for a scopeless code: %d %s, want invalid_grant", resp.StatusCode, resp.body)
	}

	code = e.code("profile email", "profile", "email")
	prof := e.post(&http.Client{}, PathAuth, redeemForm(code, verifier))
	if prof.StatusCode != http.StatusOK {
		t.Fatalf("profile redemption: %d %s", prof.StatusCode, prof.body)
	}
	got := prof.json(t)
	if got["me"] != e.cfg.BaseURL {
		t.Errorf("me = %v, want %s", got["me"], e.cfg.BaseURL)
	}
	if _, has := got["access_token"]; has {
		t.Error("profile redemption gave a token")
	}
	p, _ := got["profile"].(map[string]any)
	if p["name"] != "Ada" || p["email"] != "ada@example.org" || p["photo"] != e.cfg.BaseURL+"media/ada.jpg" {
		t.Errorf("profile = %v", p)
	}
	again := e.post(&http.Client{}, PathAuth, redeemForm(code, verifier))
	if again.StatusCode != http.StatusBadRequest || again.json(t)["error"] != "invalid_grant" {
		t.Errorf("second profile redemption: %d %s, want invalid_grant", again.StatusCode, again.body)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	q := authQuery("create")
	c := e.browser()
	page := e.get(c, PathAuth, q)
	login := url.Values{"action": {"login"}, "password": {testPassword}}

	other := e.browser()
	otherPage := e.get(other, PathAuth, q)

	for _, tc := range []struct {
		name   string
		client *http.Client
		csrf   string
	}{
		{"missing", c, ""},
		{"invalid", c, "AAAA"},
		{"another browser's", c, csrfOf(t, otherPage.body)},
		{"no cookie", &http.Client{}, csrfOf(t, page.body)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := formOf(t, page.body, q, login)
			if tc.csrf == "" {
				f.Del("csrf")
			} else {
				f.Set("csrf", tc.csrf)
			}
			resp := e.post(tc.client, PathAuth, f)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%d, want 403:\n%s", resp.StatusCode, resp.body)
			}
		})
	}

	// Consent needs the CSRF token too, and a session.
	consent := e.signIn(c, q)
	f := formOf(t, consent.body, q, url.Values{"action": {"approve"}, "grant": {"create"}})
	f.Set("csrf", csrfOf(t, page.body)) // from before sign-in: the nonce changed
	if resp := e.post(c, PathAuth, f); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("consent with a stale CSRF token: %d, want 403", resp.StatusCode)
	}
	// A valid CSRF token without a session gets the login form back.
	f = formOf(t, otherPage.body, q, url.Values{"action": {"approve"}, "grant": {"create"}})
	resp := e.post(other, PathAuth, f)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.body, `type="password"`) || resp.Header.Get("Location") != "" {
		t.Fatalf("consent without a session: %d, want 401 and the login form:\n%s", resp.StatusCode, resp.body)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	q := authQuery("create")
	e.signIn(c, q)
	e.clock.Advance(DefaultSessionTTL + time.Minute)
	page := e.get(c, PathAuth, q)
	if !strings.Contains(page.body, `type="password"`) {
		t.Fatalf("after the session expired: want the login form, got:\n%s", page.body)
	}
}

func TestDeny(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	q := authQuery("create")
	consent := e.signIn(c, q)
	resp := e.post(c, PathAuth, formOf(t, consent.body, q, url.Values{"action": {"deny"}}))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "state-1234" || loc.Query().Get("code") != "" {
		t.Fatalf("deny: %d %s", resp.StatusCode, loc)
	}
}

// TestBadRequestsRedirect: once client and redirect URI are trusted,
// request errors go back to the client.
func TestBadRequestsRedirect(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		edit func(url.Values)
		code string
	}{
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"no challenge method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"short challenge", func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request"},
		{"response_type", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"no state", func(q url.Values) { q.Del("state") }, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authQuery("create")
			tc.edit(q)
			resp := e.get(e.browser(), PathAuth, q)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("%d, want 302:\n%s", resp.StatusCode, resp.body)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(loc.String(), redirectURI+"?") || loc.Query().Get("error") != tc.code || loc.Query().Get("iss") != e.cfg.BaseURL {
				t.Errorf("Location = %s, want %s with error=%s and iss", loc, redirectURI, tc.code)
			}
			if q.Get("state") != "" && loc.Query().Get("state") != q.Get("state") {
				t.Errorf("state not echoed: %s", loc)
			}
		})
	}
}

// TestBadClientRefused: an untrusted client_id or redirect_uri gets an
// error page and no redirect.
func TestBadClientRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, key, value string }{
		{"redirect on another host", "redirect_uri", "https://evil.example/callback"},
		{"redirect on another scheme", "redirect_uri", "http://app.example/callback"},
		{"redirect on another port", "redirect_uri", "https://app.example:8443/callback"},
		{"redirect custom scheme", "redirect_uri", "app://callback"},
		{"no redirect", "redirect_uri", ""},
		{"no client", "client_id", ""},
		{"client with fragment", "client_id", "https://app.example/#x"},
		{"client with user", "client_id", "https://u:p@app.example/"},
		{"client with dot segment", "client_id", "https://app.example/a/../b"},
		{"client on IP", "client_id", "https://10.0.0.1/"},
		{"client not http", "client_id", "ftp://app.example/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := authQuery("create")
			q.Set(tc.key, tc.value)
			resp := e.get(e.browser(), PathAuth, q)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("%d Location %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.body, "not valid") {
				t.Errorf("want an HTML error page, got:\n%s", resp.body)
			}
		})
	}
	t.Run("loopback client", func(t *testing.T) {
		q := authQuery("create")
		q.Set("client_id", "http://127.0.0.1:9000/")
		q.Set("redirect_uri", "http://127.0.0.1:9000/cb")
		if resp := e.get(e.browser(), PathAuth, q); resp.StatusCode != http.StatusOK {
			t.Fatalf("%d, want 200 for a loopback client", resp.StatusCode)
		}
	})
}

func TestRateLimitPerIP(t *testing.T) {
	e := newEnv(t)
	q := authQuery("create")
	attempt := func(c *http.Client, ip, pw string) response {
		t.Helper()
		page := e.get(c, PathAuth, q)
		return e.post(c, PathAuth, formOf(t, page.body, q, url.Values{"action": {"login"}, "password": {pw}}), "X-Forwarded-For", "198.51.100.1, "+ip)
	}
	c := e.browser()
	for i := range loginMaxPerIP {
		if resp := attempt(c, "203.0.113.7", "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp := attempt(c, "203.0.113.7", testPassword)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures, the right password: %d, want 429", loginMaxPerIP, resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.body, "Too many") {
		t.Errorf("429 without Retry-After or message: %v\n%s", resp.Header, resp.body)
	}
	// Another address is not locked out.
	if resp := attempt(e.browser(), "203.0.113.8", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another IP: %d, want 303", resp.StatusCode)
	}
	// The lockout ends; the next one lasts longer.
	e.clock.Advance(loginWindow + time.Second)
	if resp := attempt(c, "203.0.113.7", "wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the lockout: %d, want 401", resp.StatusCode)
	}
	for range loginMaxPerIP - 1 {
		attempt(c, "203.0.113.7", "wrong")
	}
	e.clock.Advance(loginWindow + time.Second)
	if resp := attempt(c, "203.0.113.7", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second lockout should back off past one window: %d, want 429", resp.StatusCode)
	}
}

func TestRateLimitGlobal(t *testing.T) {
	e := newEnv(t)
	q := authQuery("create")
	c := e.browser()
	page := e.get(c, PathAuth, q)
	for i := range loginMaxGlobal {
		ip := "192.0.2." + strconv.Itoa(i+1)
		resp := e.post(c, PathAuth, formOf(t, page.body, q, url.Values{"action": {"login"}, "password": {"wrong"}}), "X-Forwarded-For", ip)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
		page = resp
	}
	resp := e.post(c, PathAuth, formOf(t, page.body, q, url.Values{"action": {"login"}, "password": {testPassword}}), "X-Forwarded-For", "192.0.2.200")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from many IPs: %d, want 429", loginMaxGlobal, resp.StatusCode)
	}
}

func TestCookies(t *testing.T) {
	for _, tc := range []struct {
		base   string
		secure bool
	}{
		{"https://example.com/blog/", true},
		{"http://127.0.0.1:8080/", false},
	} {
		def := config.Default()
		def.Root = t.TempDir()
		def.Auth.PasswordHash = cheapHash(t, testPassword)
		cfg := def.WithBaseURL(tc.base)
		tokens, err := OpenSiteTokens(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := NewServer(cfg, tokens)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/auth?"+authQuery("create").Encode(), nil)
		r.Host = "internal:8080" // behind a proxy: must not leak into URLs
		srv.Authorize(w, r)
		cookies := w.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: cookies = %v, want the nonce", tc.base, cookies)
		}
		ck := cookies[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure {
			t.Errorf("%s: cookie %v: want HttpOnly, SameSite=Lax, Secure=%v", tc.base, ck, tc.secure)
		}
		u, _ := url.Parse(tc.base)
		if ck.Path != u.Path+"auth" {
			t.Errorf("%s: cookie path %q, want %q", tc.base, ck.Path, u.Path+"auth")
		}
		body := w.Body.String()
		if strings.Contains(body, "internal:8080") || !strings.Contains(body, `action="`+tc.base+`auth"`) {
			t.Errorf("%s: form action not from base URL:\n%s", tc.base, body)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Cache-Control"} {
			if w.Header().Get(h) == "" {
				t.Errorf("%s: page without %s", tc.base, h)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("page has a script")
		}
	}
}

func TestMetadataIgnoresHost(t *testing.T) {
	e := newEnv(t)
	r := httptest.NewRequest(http.MethodGet, PathMetadata, nil)
	r.Host = "evil.example"
	w := httptest.NewRecorder()
	e.srv.Metadata(w, r)
	if strings.Contains(w.Body.String(), "evil.example") {
		t.Fatalf("metadata uses the request Host:\n%s", w.Body.String())
	}
}

func TestNoPasswordSet(t *testing.T) {
	e := newEnv(t)
	e.cfg.Auth.PasswordHash = ""
	resp := e.get(e.browser(), PathAuth, authQuery("create"))
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.body, "inkstone passwd") {
		t.Fatalf("%d, want 503 naming inkstone passwd:\n%s", resp.StatusCode, resp.body)
	}
}

func TestPagesEscape(t *testing.T) {
	e := newEnv(t)
	q := authQuery("create")
	q.Set("state", `"><script>alert(1)</script>`)
	resp := e.get(e.browser(), PathAuth, q)
	if strings.Contains(resp.body, "<script>") {
		t.Fatalf("state not escaped:\n%s", resp.body)
	}
}

func TestIntrospectNeedsToken(t *testing.T) {
	e := newEnv(t)
	secret, _, err := e.tokens.Create("x", []string{"create"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"", "Bearer nope", "Basic " + secret} {
		var h []string
		if auth != "" {
			h = []string{"Authorization", auth}
		}
		resp := e.post(&http.Client{}, PathIntrospect, url.Values{"token": {secret}}, h...)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" || strings.Contains(resp.body, "active") {
			t.Errorf("Authorization %q: %d %s, want 401 with a challenge", auth, resp.StatusCode, resp.body)
		}
	}
}

func TestTokenVerificationGET(t *testing.T) {
	e := newEnv(t)
	secret, _, err := e.tokens.Create("x", []string{"create", "media"}, clientID, 0)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+PathToken, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp := e.do(&http.Client{}, req)
	got := resp.json(t)
	if resp.StatusCode != 200 || got["me"] != e.cfg.BaseURL || got["scope"] != "create media" || got["client_id"] != clientID {
		t.Fatalf("GET /token: %d %v", resp.StatusCode, got)
	}
	req.Header.Set("Authorization", "Bearer wrong")
	if resp := e.do(&http.Client{}, req); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /token with a bad token: %d, want 401", resp.StatusCode)
	}
	// Legacy revocation through the token endpoint.
	if resp := e.post(&http.Client{}, PathToken, url.Values{"action": {"revoke"}, "token": {secret}}); resp.StatusCode != 200 {
		t.Fatalf("action=revoke: %d", resp.StatusCode)
	}
	if _, ok := e.tokens.Verify(secret); ok {
		t.Fatal("token survived action=revoke")
	}
}

func TestTokenTTL(t *testing.T) {
	e := newEnv(t)
	e.srv.TokenTTL = time.Hour
	code := e.code("create", "create")
	resp := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	got := resp.json(t)
	if got["expires_in"] != float64(3600) {
		t.Fatalf("expires_in = %v, want 3600", got["expires_in"])
	}
	e.clock.Advance(time.Hour)
	if _, ok := e.tokens.Verify(got["access_token"].(string)); ok {
		t.Fatal("token verifies after its lifetime")
	}
}

func TestStateFileHasNoSecrets(t *testing.T) {
	e := newEnv(t)
	code := e.code("create", "create")
	resp := e.post(&http.Client{}, PathToken, redeemForm(code, verifier))
	secret := resp.json(t)["access_token"].(string)
	data, err := os.ReadFile(statePath(e.cfg))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(data), code) {
		t.Fatalf("state file holds a secret:\n%s", data)
	}
}
