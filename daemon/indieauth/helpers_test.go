package indieauth

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/internal/config"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testPassword = "correct horse battery staple"

// cheapArgon keeps tests fast; CheckPassword reads the costs from the hash.
var cheapArgon = argonParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func cheapHash(t testing.TB, pw string) string {
	t.Helper()
	h, err := hashPassword(pw, cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// env is a running IndieAuth server on a test HTTP server.
type env struct {
	t      *testing.T
	cfg    *config.Site
	clock  *clock
	tokens *Tokens
	srv    *Server
	ts     *httptest.Server
	hosts  map[string]string // host name → IP address, for client fetches
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), hosts: map[string]string{}}
	var h http.Handler
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.ts.Close)

	def := config.Default()
	def.Root = t.TempDir()
	def.Title = "Test site"
	def.Author = config.Author{Name: "Ada", Photo: "/media/ada.jpg", Email: "ada@example.org"}
	def.Auth.PasswordHash = cheapHash(t, testPassword)
	e.cfg = def.WithBaseURL(e.ts.URL + "/")

	var err error
	e.tokens, err = OpenSiteTokens(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens.Now = e.clock.Now
	e.srv, err = NewServer(e.cfg, e.tokens)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Now = e.clock.Now
	// No test reaches the internet: names resolve to test servers or to
	// an address the fetch refuses.
	e.srv.Clients.resolve = func(host string) (string, bool) {
		if ip, ok := e.hosts[host]; ok {
			return ip, true
		}
		return "0.0.0.0", true
	}
	h = e.srv.Handler()
	return e
}

// browser is an HTTP client with cookies that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

const (
	clientID    = "https://app.example/"
	redirectURI = "https://app.example/callback"
	verifier    = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-this-is-long-enough"
)

// authQuery is a valid authorization request for scope.
func authQuery(scope string) url.Values {
	return url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"state":                 {"state-1234"},
		"code_challenge":        {S256Challenge(verifier)},
		"code_challenge_method": {"S256"},
		"scope":                 {scope},
		"me":                    {"https://ignored.example/"},
	}
}

type response struct {
	*http.Response
	body string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

func (e *env) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp, string(b)}
}

func (e *env) get(c *http.Client, path string, q url.Values) response {
	e.t.Helper()
	u := e.ts.URL + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values, header ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(c, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	return m[1]
}

// formOf is the page's form fields for the request, plus extra.
func formOf(t *testing.T, page string, q url.Values, extra url.Values) url.Values {
	t.Helper()
	f := url.Values{}
	for k, v := range q {
		f[k] = v
	}
	f.Set("csrf", csrfOf(t, page))
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// signIn opens the login page and signs in, returning the consent page.
func (e *env) signIn(c *http.Client, q url.Values) response {
	e.t.Helper()
	page := e.get(c, PathAuth, q)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `type="password"`) {
		e.t.Fatalf("GET /auth: %d, want the login form:\n%s", page.StatusCode, page.body)
	}
	resp := e.post(c, PathAuth, formOf(e.t, page.body, q, url.Values{"action": {"login"}, "password": {testPassword}}))
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login: status %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	consent := e.get(c, loc.Path, loc.Query())
	if consent.StatusCode != http.StatusOK || !strings.Contains(consent.body, `value="approve"`) {
		e.t.Fatalf("after login: %d, want the consent page:\n%s", consent.StatusCode, consent.body)
	}
	return consent
}

// approve ticks grant on the consent page and returns the code.
func (e *env) approve(c *http.Client, q url.Values, consent response, grant ...string) string {
	e.t.Helper()
	resp := e.post(c, PathAuth, formOf(e.t, consent.body, q, url.Values{"action": {"approve"}, "grant": grant}))
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("approve: status %d, want 303:\n%s", resp.StatusCode, resp.body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		e.t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	if got := loc.Query().Get("state"); got != q.Get("state") {
		e.t.Errorf("state = %q, want %q", got, q.Get("state"))
	}
	if got := loc.Query().Get("iss"); got != e.cfg.BaseURL {
		e.t.Errorf("iss = %q, want %q", got, e.cfg.BaseURL)
	}
	code := loc.Query().Get("code")
	if code == "" {
		e.t.Fatalf("no code in %s", loc)
	}
	return code
}

// code runs the browser part of the flow and returns a fresh code.
func (e *env) code(scope string, grant ...string) string {
	e.t.Helper()
	c := e.browser()
	q := authQuery(scope)
	return e.approve(c, q, e.signIn(c, q), grant...)
}

func redeemForm(code, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {clientID},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}
}

func statePath(cfg *config.Site) string { return filepath.Join(cfg.StateDir(), TokensFile) }
