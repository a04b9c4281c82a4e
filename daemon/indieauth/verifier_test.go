package indieauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"inkstone/internal/config"
)

func localVerifier(t *testing.T) (*Verifier, *Tokens, string) {
	t.Helper()
	c := newClock()
	tk := openTokens(t, filepath.Join(t.TempDir(), TokensFile), c)
	secret, _, err := tk.Create("phone", []string{"create", "media"}, clientID, 0)
	if err != nil {
		t.Fatal(err)
	}
	def := config.Default()
	cfg := def.WithBaseURL(testMe)
	v := NewVerifier(cfg, tk, nil)
	v.Now = c.Now
	return v, tk, secret
}

func codeOf(t *testing.T, err error) (int, string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	return e.Status, e.Code
}

func TestAuthenticate(t *testing.T) {
	v, _, secret := localVerifier(t)
	form := func(vals url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/micropub", strings.NewReader(vals.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	multi := func(field, value string) *http.Request {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("h", "entry")
		mw.WriteField(field, value)
		mw.Close()
		r := httptest.NewRequest(http.MethodPost, "/micropub", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return r
	}
	header := func(method, auth string) *http.Request {
		r := httptest.NewRequest(method, "/micropub", nil)
		r.Header.Set("Authorization", auth)
		return r
	}
	ok := []struct {
		name string
		req  *http.Request
	}{
		{"header", header(http.MethodGet, "Bearer "+secret)},
		{"header lower case", header(http.MethodPost, "bearer "+secret)},
		{"form body", form(url.Values{"h": {"entry"}, "access_token": {secret}})},
		{"multipart body", multi("access_token", secret)},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := v.Authenticate(tc.req)
			if err != nil || tok.Name != "phone" {
				t.Fatalf("Authenticate = %+v, %v", tok, err)
			}
		})
	}
	t.Run("form stays readable", func(t *testing.T) {
		r := form(url.Values{"h": {"entry"}, "content": {"hi"}, "access_token": {secret}})
		if _, err := v.Authenticate(r); err != nil {
			t.Fatal(err)
		}
		if r.PostFormValue("content") != "hi" {
			t.Fatal("the handler cannot read the form after Authenticate")
		}
	})

	both := form(url.Values{"access_token": {secret}})
	both.Header.Set("Authorization", "Bearer "+secret)
	query := httptest.NewRequest(http.MethodPost, "/micropub?access_token="+secret, nil)
	bad := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"none", httptest.NewRequest(http.MethodGet, "/micropub", nil), 401, CodeUnauthorized},
		{"unknown", header(http.MethodGet, "Bearer nope"), 401, CodeUnauthorized},
		{"basic", header(http.MethodGet, "Basic "+secret), 401, CodeUnauthorized},
		{"empty bearer", header(http.MethodGet, "Bearer "), 401, CodeUnauthorized},
		{"query", query, 401, CodeUnauthorized},
		{"header and body", both, 400, CodeInvalidRequest},
		{"GET ignores body field", httptest.NewRequest(http.MethodGet, "/micropub", strings.NewReader("access_token="+secret)), 401, CodeUnauthorized},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Authenticate(tc.req)
			if err == nil {
				t.Fatal("authenticated")
			}
			if status, code := codeOf(t, err); status != tc.status || code != tc.code {
				t.Fatalf("error %v: %d %s, want %d %s", err, status, code, tc.status, tc.code)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	v, _, secret := localVerifier(t)
	var seen Token
	h := v.Require("create", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = TokenFromContext(r.Context())
		if !v.HasScope(r, "media") || v.HasScope(r, "delete") {
			t.Error("HasScope on the request disagrees with the token")
		}
		w.WriteHeader(http.StatusCreated)
	}))
	r := httptest.NewRequest(http.MethodPost, "/micropub", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusCreated || seen.Name != "phone" {
		t.Fatalf("Require(create): %d, token %+v", w.Code, seen)
	}

	w = httptest.NewRecorder()
	v.Require("delete", h).ServeHTTP(w, r)
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusForbidden || body.Error != CodeInsufficientScope || body.Scope != "delete" || body.Description == "" {
		t.Fatalf("Require(delete): %d %s", w.Code, w.Body)
	}
	if ch := w.Header().Get("WWW-Authenticate"); !strings.Contains(ch, `error="insufficient_scope"`) {
		t.Errorf("WWW-Authenticate = %q", ch)
	}

	w = httptest.NewRecorder()
	v.Middleware(h).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/micropub", nil))
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"error":"unauthorized"`) {
		t.Fatalf("no token: %d %s", w.Code, w.Body)
	}
}

func TestWriteErrorHidesInternals(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, nil, errors.New("open /secret/path: permission denied"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), CodeServerError) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// endpoint is a fake external token endpoint.
type endpoint struct {
	hits   atomic.Int32
	status int
	ctype  string
	body   string
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.hits.Add(1)
	if r.Method != http.MethodGet || r.Header.Get("Accept") != "application/json" {
		http.Error(w, "bad request", 400)
		return
	}
	if r.Header.Get("Authorization") != "Bearer ext-token" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", e.ctype)
	w.WriteHeader(e.status)
	w.Write([]byte(e.body))
}

func externalVerifier(t *testing.T, h http.Handler, client *http.Client) (*Verifier, *clock) {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	def := config.Default()
	def.Root = t.TempDir()
	def.Auth.TokenEndpoint = ts.URL + "/token"
	cfg := def.WithBaseURL(testMe)
	tk, err := OpenSiteTokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	v := NewVerifier(cfg, tk, client)
	c := newClock()
	v.Now = c.Now
	tk.Now = c.Now
	return v, c
}

func bearerReq(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/micropub", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func TestExternalEndpoint(t *testing.T) {
	ep := &endpoint{status: 200, ctype: "application/json", body: `{"me":"http://Example.com","client_id":"https://app.example/","scope":"create media","issued_at":1700000000}`}
	v, c := externalVerifier(t, ep, nil)

	tok, err := v.Authenticate(bearerReq("ext-token"))
	if err != nil {
		t.Fatal(err)
	}
	if !HasScope(tok, "create") || !HasScope(tok, "media") || tok.ClientID != clientID || tok.CreatedAt.Unix() != 1700000000 {
		t.Fatalf("token = %+v", tok)
	}
	if _, err := v.Authenticate(bearerReq("ext-token")); err != nil {
		t.Fatal(err)
	}
	if n := ep.hits.Load(); n != 1 {
		t.Fatalf("%d requests to the endpoint, want 1 (cached)", n)
	}
	c.Advance(DefaultCacheTTL + time.Second)
	if _, err := v.Authenticate(bearerReq("ext-token")); err != nil {
		t.Fatal(err)
	}
	if n := ep.hits.Load(); n != 2 {
		t.Fatalf("%d requests after the cache expired, want 2", n)
	}

	// A rejected token is a 401, and the rejection is cached too.
	for range 2 {
		_, err := v.Authenticate(bearerReq("other"))
		if status, code := codeOf(t, err); status != 401 || code != CodeUnauthorized {
			t.Fatalf("rejected token: %d %s", status, code)
		}
	}
	if n := ep.hits.Load(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestExternalEndpointAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ep     *endpoint
		status int
		code   string
	}{
		{"form encoded", &endpoint{status: 200, ctype: "application/x-www-form-urlencoded", body: "me=https%3A%2F%2Fexample.com%2F&scope=create&client_id=x"}, 0, ""},
		{"another site", &endpoint{status: 200, ctype: "application/json", body: `{"me":"https://someone.else/","scope":"create"}`}, 403, CodeForbidden},
		{"no me", &endpoint{status: 200, ctype: "application/json", body: `{"scope":"create"}`}, 401, CodeUnauthorized},
		{"inactive", &endpoint{status: 200, ctype: "application/json", body: `{"active":false,"me":"https://example.com/"}`}, 401, CodeUnauthorized},
		{"expired", &endpoint{status: 200, ctype: "application/json", body: `{"me":"https://example.com/","scope":"create","exp":1000}`}, 401, CodeUnauthorized},
		{"server error", &endpoint{status: 502, ctype: "text/plain", body: "bad gateway"}, 503, CodeTemporarilyUnavailable},
		{"not json", &endpoint{status: 200, ctype: "application/json", body: "<html>"}, 503, CodeTemporarilyUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := externalVerifier(t, tc.ep, nil)
			tok, err := v.Authenticate(bearerReq("ext-token"))
			if tc.status == 0 {
				if err != nil || !HasScope(tok, "create") {
					t.Fatalf("Authenticate = %+v, %v", tok, err)
				}
				return
			}
			if status, code := codeOf(t, err); status != tc.status || code != tc.code {
				t.Fatalf("%v: %d %s, want %d %s", err, status, code, tc.status, tc.code)
			}
			if tc.status == 503 {
				v.Authenticate(bearerReq("ext-token"))
				if n := tc.ep.hits.Load(); n != 2 {
					t.Errorf("%d requests, want 2: failures must not be cached", n)
				}
			}
		})
	}
}

func TestExternalEndpointTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	v, _ := externalVerifier(t, slow, &http.Client{Timeout: 50 * time.Millisecond})
	_, err := v.Authenticate(bearerReq("ext-token"))
	if status, code := codeOf(t, err); status != 503 || code != CodeTemporarilyUnavailable {
		t.Fatalf("%v: %d %s, want 503", err, status, code)
	}
	w := httptest.NewRecorder()
	WriteError(w, nil, err)
	if w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Errorf("WriteError: %d %v", w.Code, w.Header())
	}
}

// TestExternalEndpointPrefersLocal: local tokens (inkstone serve's, the
// CLI's) work without asking the external endpoint.
func TestExternalEndpointPrefersLocal(t *testing.T) {
	ep := &endpoint{status: 200, ctype: "application/json", body: `{}`}
	v, _ := externalVerifier(t, ep, nil)
	secret, _, err := v.Tokens.Create("local", []string{"create"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Authenticate(bearerReq(secret)); err != nil {
		t.Fatal(err)
	}
	if ep.hits.Load() != 0 {
		t.Error("asked the external endpoint about a local token")
	}
}

// TestExternalEndpointIsInkstone: one inkstone's token endpoint (GET
// verification) serves as another's external endpoint.
func TestExternalEndpointIsInkstone(t *testing.T) {
	e := newEnv(t)
	secret, _, err := e.tokens.Create("x", []string{"create"}, clientID, 0)
	if err != nil {
		t.Fatal(err)
	}
	def := config.Default()
	def.Auth.TokenEndpoint = e.cfg.AbsURL(PathToken)
	cfg := def.WithBaseURL(e.cfg.BaseURL)
	v := NewVerifier(cfg, nil, e.ts.Client())
	tok, err := v.Authenticate(bearerReq(secret))
	if err != nil || !HasScope(tok, "create") || tok.ClientID != clientID {
		t.Fatalf("Authenticate = %+v, %v", tok, err)
	}
}
