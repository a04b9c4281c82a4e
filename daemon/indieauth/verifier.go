package indieauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"inkstone/internal/config"
)

// DefaultCacheTTL is how long the Verifier trusts an external token
// endpoint's answer.
const DefaultCacheTTL = 60 * time.Second

// maxCache bounds the external answers kept.
const maxCache = 1000

// maxMultipartMemory is what Authenticate lets a multipart body keep in
// memory when it must read access_token from it; the rest spools to disk,
// as r.FormValue would.
const maxMultipartMemory = 32 << 20

// Verifier authenticates resource requests (Micropub, media, health
// details) by their access token. Tokens come from the Authorization
// header ("Bearer TOKEN") or, for form and multipart POSTs as Micropub
// allows, an access_token field in the body; never from the URL query,
// where tokens leak into logs.
//
// A token is looked up in the local store first (tokens from `inkstone
// token create`, `inkstone serve` and the built-in IndieAuth server).
// When Endpoint is set (auth.token_endpoint), unknown tokens are then
// checked against that external endpoint by a GET with the token, and its
// answers are cached for CacheTTL.
type Verifier struct {
	Tokens   *Tokens // local store; may be nil
	Endpoint string  // external token endpoint; empty for none
	// Me lists the profile URLs that tokens from Endpoint must name; a
	// token for anyone else is refused. Scheme and a trailing slash are
	// ignored when comparing.
	Me       []string
	Client   *http.Client // for Endpoint; give it a timeout
	CacheTTL time.Duration
	Now      func() time.Time
	Log      *slog.Logger

	mu    sync.Mutex
	cache map[string]cachedAnswer // by hashSecret(token)
}

type cachedAnswer struct {
	tok   Token
	err   *Error
	until time.Time
}

// NewVerifier returns a Verifier for cfg: the local store tokens (may be
// nil), and auth.token_endpoint when set. client is used for the external
// endpoint; nil means a client with a 10 s timeout.
func NewVerifier(cfg *config.Site, tokens *Tokens, client *http.Client) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Verifier{
		Tokens:   tokens,
		Endpoint: cfg.Auth.TokenEndpoint,
		Me:       []string{cfg.BaseURL, cfg.Author.URL},
		Client:   client,
		CacheTTL: DefaultCacheTTL,
		Now:      time.Now,
		Log:      slog.New(slog.DiscardHandler),
	}
}

// Authenticate returns the token the request carries. Errors are *Error:
// 401 unauthorized (missing, unknown, expired or revoked), 403 forbidden
// (a token for another site), 400 invalid_request (a token sent twice),
// 413 (body too large while reading access_token), 503
// temporarily_unavailable (the external endpoint failed).
func (v *Verifier) Authenticate(r *http.Request) (Token, error) {
	secret, err := bearerToken(r)
	if err != nil {
		return Token{}, err
	}
	if v.Tokens != nil {
		if tok, ok := v.Tokens.Verify(secret); ok {
			return tok, nil
		}
	}
	if v.Endpoint == "" {
		return Token{}, errUnauthorized("the access token is not valid: it is unknown, expired or revoked")
	}
	return v.external(r.Context(), secret)
}

// Check authenticates the request and requires scope: a token without it
// is a 403 insufficient_scope error.
func (v *Verifier) Check(r *http.Request, scope string) (Token, error) {
	tok, ok := TokenFromContext(r.Context())
	if !ok {
		var err error
		if tok, err = v.Authenticate(r); err != nil {
			return Token{}, err
		}
	}
	if !HasScope(tok, scope) {
		return tok, &Error{
			Status:      http.StatusForbidden,
			Code:        CodeInsufficientScope,
			Description: fmt.Sprintf("the access token lacks the %q scope", scope),
			Scope:       scope,
		}
	}
	return tok, nil
}

// HasScope reports whether the request carries a valid token with scope.
// It uses the token Middleware or Require stored in the context, or
// authenticates the request. It satisfies micropub's Authorizer.
func (v *Verifier) HasScope(r *http.Request, scope string) bool {
	_, err := v.Check(r, scope)
	return err == nil
}

// Middleware authenticates every request, stores the token in the
// context (see TokenFromContext) and answers failures with WriteError.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := v.Authenticate(r)
		if err != nil {
			WriteError(w, v.Log, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithToken(r.Context(), tok)))
	})
}

// Require is Middleware that also requires scope.
func (v *Verifier) Require(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := v.Check(r, scope)
		if err != nil {
			WriteError(w, v.Log, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithToken(r.Context(), tok)))
	})
}

type tokenKey struct{}

// WithToken returns ctx carrying tok.
func WithToken(ctx context.Context, tok Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, tok)
}

// TokenFromContext returns the token Middleware or Require stored.
func TokenFromContext(ctx context.Context) (Token, bool) {
	tok, ok := ctx.Value(tokenKey{}).(Token)
	return tok, ok
}

// bearerToken reads the access token from the Authorization header or a
// form body; sending it both ways is an error (RFC 6750 §2).
func bearerToken(r *http.Request) (string, error) {
	if r.URL.Query().Has("access_token") {
		return "", errUnauthorized("send the access token in the Authorization header, not in the URL")
	}
	var header string
	switch vals := r.Header.Values("Authorization"); len(vals) {
	case 0:
	case 1:
		scheme, tok, ok := strings.Cut(strings.TrimSpace(vals[0]), " ")
		tok = strings.TrimSpace(tok)
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return "", errUnauthorized(`the Authorization header must be "Bearer" and the access token`)
		}
		header = tok
	default:
		return "", &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "more than one Authorization header"}
	}
	body, err := bodyToken(r, header == "")
	if err != nil {
		return "", err
	}
	switch {
	case header != "" && body != "":
		return "", &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "the access token was sent both in the Authorization header and in the body; send it once"}
	case header != "":
		return header, nil
	case body != "":
		return body, nil
	}
	return "", errUnauthorized("no access token: send an Authorization: Bearer header")
}

// bodyToken returns the access_token field of a POST form body. A
// multipart body is only parsed when needed (mustParse), since it may hold
// large uploads; a url-encoded one is always read, to catch a token sent
// twice, and stays parsed for the handler.
func bodyToken(r *http.Request, mustParse bool) (string, error) {
	if r.Method != http.MethodPost {
		return "", nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch {
	case r.PostForm != nil:
	case mt == "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case mt == "multipart/form-data" && mustParse:
		err = r.ParseMultipartForm(maxMultipartMemory)
	default:
		return "", nil
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeInvalidRequest, Description: "the request body is too large", err: err}
		}
		return "", &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "the form body could not be read", err: err}
	}
	vals := r.PostForm["access_token"]
	if len(vals) > 1 {
		return "", &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "more than one access_token field"}
	}
	if len(vals) == 1 {
		return strings.TrimSpace(vals[0]), nil
	}
	return "", nil
}

// external checks a token against the external endpoint, through the
// cache.
func (v *Verifier) external(ctx context.Context, secret string) (Token, error) {
	key := hashSecret(secret)
	now := v.Now()
	v.mu.Lock()
	c, ok := v.cache[key]
	v.mu.Unlock()
	if ok && now.Before(c.until) {
		if c.err != nil {
			return Token{}, c.err
		}
		return c.tok.clone(), nil
	}
	tok, e := v.fetch(ctx, secret)
	if e != nil && e.Status == http.StatusServiceUnavailable {
		return Token{}, e // not cached: try again next time
	}
	until := now.Add(v.CacheTTL)
	if e == nil && !tok.ExpiresAt.IsZero() && tok.ExpiresAt.Before(until) {
		until = tok.ExpiresAt
	}
	v.mu.Lock()
	if v.cache == nil || len(v.cache) >= maxCache {
		v.sweep(now)
	}
	v.cache[key] = cachedAnswer{tok: tok, err: e, until: until}
	v.mu.Unlock()
	if e != nil {
		return Token{}, e
	}
	return tok.clone(), nil
}

// sweep drops expired answers, or all of them when the cache is still
// full. The caller holds v.mu.
func (v *Verifier) sweep(now time.Time) {
	if v.cache == nil {
		v.cache = map[string]cachedAnswer{}
		return
	}
	for k, c := range v.cache {
		if !now.Before(c.until) {
			delete(v.cache, k)
		}
	}
	if len(v.cache) >= maxCache {
		clear(v.cache)
	}
}

// fetch asks the external endpoint about a token. It accepts the classic
// IndieAuth verification answer ({me, client_id, scope}, JSON or form
// encoded) and an introspection-style one (active, exp).
func (v *Verifier) fetch(ctx context.Context, secret string) (Token, *Error) {
	unavailable := func(err error) *Error {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeTemporarilyUnavailable, Description: "the token endpoint could not be reached; try again", err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.Endpoint, nil)
	if err != nil {
		return Token{}, unavailable(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Accept", "application/json")
	resp, err := v.Client.Do(req)
	if err != nil {
		v.Log.Warn("token endpoint", "url", v.Endpoint, "err", err)
		return Token{}, unavailable(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Token{}, unavailable(err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return Token{}, errUnauthorized("the token endpoint rejected the access token")
	default:
		v.Log.Warn("token endpoint", "url", v.Endpoint, "status", resp.StatusCode)
		return Token{}, unavailable(fmt.Errorf("token endpoint answered %s", resp.Status))
	}
	f, err := decodeAnswer(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return Token{}, unavailable(err)
	}
	if f.active != nil && !*f.active {
		return Token{}, errUnauthorized("the access token is not active")
	}
	if f.me == "" {
		return Token{}, errUnauthorized("the token endpoint did not say whose token this is")
	}
	if !v.isMe(f.me) {
		return Token{}, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Description: "the access token was issued for " + f.me + ", not for this site"}
	}
	tok := Token{
		ID:       "external",
		Name:     "external token",
		Scopes:   NormalizeScopes([]string{f.scope}),
		ClientID: f.clientID,
		Me:       f.me,
	}
	if f.iat > 0 {
		tok.CreatedAt = time.Unix(f.iat, 0).UTC()
	}
	if f.exp > 0 {
		tok.ExpiresAt = time.Unix(f.exp, 0).UTC()
		if tok.Expired(v.Now()) {
			return Token{}, errUnauthorized("the access token has expired")
		}
	}
	return tok, nil
}

type answer struct {
	me, clientID, scope string
	iat, exp            int64
	active              *bool
}

func decodeAnswer(contentType string, body []byte) (answer, error) {
	var a answer
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return a, fmt.Errorf("token endpoint answer: %w", err)
		}
		a.me, a.clientID, a.scope = q.Get("me"), q.Get("client_id"), q.Get("scope")
		a.iat, _ = strconv.ParseInt(q.Get("issued_at"), 10, 64) // optional: zero when absent or odd
		return a, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return a, fmt.Errorf("token endpoint answer is not JSON: %w", err)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int64 {
		switch n := m[k].(type) {
		case float64:
			return int64(n)
		case string:
			i, _ := strconv.ParseInt(n, 10, 64) // optional: zero when odd
			return i
		}
		return 0
	}
	a.me, a.clientID, a.scope = str("me"), str("client_id"), str("scope")
	a.iat, a.exp = num("issued_at"), num("exp")
	if a.iat == 0 {
		a.iat = num("iat")
	}
	if b, ok := m["active"].(bool); ok {
		a.active = &b
	}
	return a, nil
}

// isMe reports whether me names this site, ignoring scheme, host case
// and a trailing slash.
func (v *Verifier) isMe(me string) bool {
	got := profileKey(me)
	if got == "" {
		return false
	}
	for _, m := range v.Me {
		if m != "" && profileKey(m) == got {
			return true
		}
	}
	return false
}

func profileKey(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host) + "/" + strings.Trim(u.EscapedPath(), "/")
}
