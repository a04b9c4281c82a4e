// Package indieauth is inkstone's built-in single-owner IndieAuth server
// (https://indieauth.spec.indieweb.org/), its token store and the
// verifier that guards the write endpoints.
//
//   - Tokens: app tokens in STATE/tokens.json, only their SHA-256 hashes
//     kept; used by the server, `inkstone token` and `inkstone serve`.
//   - Server: the owner signs in with a password (HashPassword,
//     CheckPassword), approves a client's scopes, and the client trades
//     the code for a token with PKCE S256. Its plain http.Handlers are
//     listed by Routes for the caller's router.
//   - Clients: reads what a client publishes at its client_id URL (JSON
//     metadata, or h-app and rel=redirect_uri), bounded and guarded
//     against reaching private addresses, for the consent screen and
//     for redirect URIs on other hosts or custom schemes.
//   - Verifier: authenticates Micropub and media requests by bearer
//     token, against the local store or an external token endpoint, and
//     checks scopes.
//
// Absolute URLs (issuer, endpoints, redirects, form actions) come from
// the configured base URL, never from the request's Host, since the
// daemon runs behind a reverse proxy.
package indieauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"inkstone/internal/config"
)

// Paths the Server answers, relative to the daemon's root.
const (
	PathMetadata   = "/.well-known/oauth-authorization-server"
	PathAuth       = "/auth"
	PathToken      = "/token"
	PathRevoke     = "/token/revoke"
	PathIntrospect = "/token/introspect"
)

// MaxBodyBytes bounds every POST body the Server reads.
const MaxBodyBytes = 64 << 10

// Defaults for the Server's lifetimes.
const (
	DefaultCodeTTL    = 60 * time.Second
	DefaultSessionTTL = 12 * time.Hour
)

// ScopeInfo describes a scope on the consent screen.
type ScopeInfo struct {
	Name        string
	Description string
}

// Scopes are the scopes the server grants, in the order shown.
var Scopes = []ScopeInfo{
	{"create", "create new posts"},
	{"update", "edit existing posts"},
	{"delete", "delete posts"},
	{"undelete", "restore deleted posts"},
	{"media", "upload files to the media endpoint"},
	{"draft", "save posts as drafts, not published"},
	{"profile", "see your name, photo and URL"},
	{"email", "see your email address"},
}

// ScopeNames are the names of Scopes.
func ScopeNames() []string {
	out := make([]string, len(Scopes))
	for i, s := range Scopes {
		out[i] = s.Name
	}
	return out
}

// Server is the IndieAuth authorization and token endpoint for the site's
// owner. Set its exported fields before serving; NewServer fills them
// with defaults.
type Server struct {
	Now func() time.Time
	Log *slog.Logger
	// CodeTTL is how long an authorization code lives.
	CodeTTL time.Duration
	// SessionTTL is how long a sign-in lasts in the browser.
	SessionTTL time.Duration
	// TokenTTL is the lifetime of tokens issued to clients; zero means
	// they last until revoked (there are no refresh tokens).
	TokenTTL time.Duration
	// ClientIP names the client for login rate limits. The default uses
	// the last X-Forwarded-For entry when the peer is a loopback or
	// private address (the reverse proxy), else the peer address.
	ClientIP func(*http.Request) string
	// Clients reads what a client publishes at its client_id URL: its
	// name and logo for the consent screen, and the redirect URIs it
	// allows on other hosts or custom schemes (native apps).
	Clients *Clients

	cfg     *config.Site
	tokens  *Tokens
	key     []byte // signs session cookies and CSRF tokens; new at each start
	codes   *codeStore
	limiter *limiter
	hashing chan struct{} // bounds concurrent password hashing (64 MiB each)
	pages   *pages
}

// NewServer returns a Server for cfg's owner, issuing tokens into tokens.
// The password is read from cfg.Auth.PasswordHash at each sign-in.
func NewServer(cfg *config.Site, tokens *Tokens) (*Server, error) {
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("indieauth: base URL: %w", err)
	}
	if tokens == nil {
		return nil, errors.New("indieauth: no token store")
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("indieauth: %w", err)
	}
	pg, err := newPages()
	if err != nil {
		return nil, fmt.Errorf("indieauth: %w", err)
	}
	return &Server{
		Now:        time.Now,
		Log:        slog.New(slog.DiscardHandler),
		CodeTTL:    DefaultCodeTTL,
		SessionTTL: DefaultSessionTTL,
		ClientIP:   DefaultClientIP,
		Clients:    NewClients(),
		cfg:        cfg,
		tokens:     tokens,
		key:        key,
		codes:      newCodeStore(),
		limiter:    newLimiter(),
		hashing:    make(chan struct{}, 2),
		pages:      pg,
	}, nil
}

// Route is one endpoint for the caller's router.
type Route struct {
	Path    string
	Methods []string
	Handler http.Handler
}

// Routes lists the Server's endpoints. With gorilla/mux:
//
//	for _, rt := range srv.Routes() {
//		r.Handle(rt.Path, rt.Handler).Methods(rt.Methods...)
//	}
//
// Each handler also checks its method itself, so they work with
// http.ServeMux too (see Handler).
func (s *Server) Routes() []Route {
	return []Route{
		{PathMetadata, []string{http.MethodGet, http.MethodHead}, http.HandlerFunc(s.Metadata)},
		{PathAuth, []string{http.MethodGet, http.MethodHead, http.MethodPost}, http.HandlerFunc(s.Authorize)},
		{PathToken, []string{http.MethodGet, http.MethodPost}, http.HandlerFunc(s.Token)},
		{PathRevoke, []string{http.MethodPost}, http.HandlerFunc(s.Revoke)},
		{PathIntrospect, []string{http.MethodPost}, http.HandlerFunc(s.Introspect)},
	}
}

// Handler serves all of Routes from an http.ServeMux.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Path, rt.Handler)
	}
	return mux
}

// Issuer is the server's issuer identifier: the base URL.
func (s *Server) Issuer() string { return s.cfg.BaseURL }

// me is the owner's canonical profile URL: the site, which advertises
// these endpoints.
func (s *Server) me() string { return s.cfg.BaseURL }

func (s *Server) url(path string) string { return s.cfg.AbsURL(path) }

// Metadata is the authorization server metadata document (RFC 8414).
type Metadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	ServiceDocumentation                       string   `json:"service_documentation"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

// MetadataDoc is the metadata served at PathMetadata.
func (s *Server) MetadataDoc() Metadata {
	return Metadata{
		Issuer:                                     s.Issuer(),
		AuthorizationEndpoint:                      s.url(PathAuth),
		TokenEndpoint:                              s.url(PathToken),
		RevocationEndpoint:                         s.url(PathRevoke),
		RevocationEndpointAuthMethodsSupported:     []string{"none"},
		IntrospectionEndpoint:                      s.url(PathIntrospect),
		IntrospectionEndpointAuthMethodsSupported:  []string{"Bearer"},
		CodeChallengeMethodsSupported:              []string{"S256"},
		ScopesSupported:                            ScopeNames(),
		ResponseTypesSupported:                     []string{"code"},
		GrantTypesSupported:                        []string{"authorization_code"},
		ServiceDocumentation:                       "https://indieauth.spec.indieweb.org/",
		AuthorizationResponseIssParameterSupported: true,
	}
}

// Metadata serves the metadata document.
func (s *Server) Metadata(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, s.MetadataDoc())
}

// Profile is the owner's profile, for the profile and email scopes.
type Profile struct {
	Name  string `json:"name,omitempty"`
	URL   string `json:"url,omitempty"`
	Photo string `json:"photo,omitempty"`
	Email string `json:"email,omitempty"`
}

// profile returns the profile the scopes allow, or nil.
func (s *Server) profile(scopes []string) *Profile {
	if !slices.Contains(scopes, "profile") {
		return nil
	}
	a := s.cfg.Author
	p := &Profile{Name: a.Name, URL: a.URL, Photo: a.Photo}
	if strings.HasPrefix(p.Photo, "/") {
		p.Photo = s.cfg.AbsURL(p.Photo)
	}
	if slices.Contains(scopes, "email") {
		p.Email = a.Email
	}
	return p
}

// TokenResponse is the token endpoint's success answer.
type TokenResponse struct {
	AccessToken string   `json:"access_token"`
	TokenType   string   `json:"token_type"`
	Scope       string   `json:"scope"`
	Me          string   `json:"me"`
	ExpiresIn   int64    `json:"expires_in,omitempty"`
	Profile     *Profile `json:"profile,omitempty"`
}

// ProfileResponse answers a code redeemed at the authorization endpoint.
type ProfileResponse struct {
	Me      string   `json:"me"`
	Profile *Profile `json:"profile,omitempty"`
}

// Token is the token endpoint. POST grant_type=authorization_code trades
// a code for an access token (PKCE S256 checked). POST action=revoke
// revokes a token, as older clients do. GET with a bearer token answers
// {me, client_id, scope} for a valid token (the classic IndieAuth token
// verification, which Verifier's external mode uses).
func (s *Server) Token(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodGet {
		s.verifyToken(w, r)
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		WriteError(w, s.Log, err)
		return
	}
	if form.Get("action") == "revoke" {
		s.revoke(w, form)
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
	case "":
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeInvalidRequest, "grant_type is missing"))
		return
	default:
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeUnsupportedGrantType, fmt.Sprintf("grant_type %q is not supported; use authorization_code", gt)))
		return
	}
	c, e := s.redeem(form)
	if e != nil {
		WriteError(w, s.Log, e)
		return
	}
	if len(c.Scopes) == 0 {
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeInvalidGrant,
			"the authorization code was issued without scopes, for sign-in only: redeem it at the authorization endpoint"))
		return
	}
	secret, tok, err := s.tokens.Create(clientName(c.ClientID), c.Scopes, c.ClientID, s.TokenTTL)
	if err != nil {
		WriteError(w, s.Log, fmt.Errorf("issue token: %w", err))
		return
	}
	s.codes.exchanged(form.Get("code"), tok.ID)
	s.Log.InfoContext(r.Context(), "token issued", "id", tok.ID, "client_id", c.ClientID, "scope", tok.Scope())
	resp := TokenResponse{
		AccessToken: secret,
		TokenType:   "Bearer",
		Scope:       tok.Scope(),
		Me:          c.Me,
		Profile:     s.profile(c.Scopes),
	}
	if !tok.ExpiresAt.IsZero() {
		resp.ExpiresIn = int64(tok.ExpiresAt.Sub(s.Now()).Seconds())
	}
	writeJSON(w, http.StatusOK, resp)
}

// redeem checks a code redemption request (token or profile) and uses
// up the code.
func (s *Server) redeem(form url.Values) (*authCode, *Error) {
	var missing []string
	for _, k := range []string{"code", "client_id", "redirect_uri", "code_verifier"} {
		if form.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, oauthError(http.StatusBadRequest, CodeInvalidRequest, "missing "+strings.Join(missing, ", "))
	}
	c, err := s.codes.redeem(form.Get("code"), form.Get("client_id"), form.Get("redirect_uri"), form.Get("code_verifier"), s.Now())
	if err != nil {
		var re *redeemError
		if errors.As(err, &re) && re.tokenID != "" {
			// A code used twice may have been stolen: revoke what it
			// bought (RFC 6749 §4.1.2).
			if err := s.tokens.Revoke(re.tokenID); err != nil && !errors.Is(err, ErrNotFound) {
				s.Log.Error("revoke token of reused code", "id", re.tokenID, "err", err)
			} else {
				s.Log.Warn("authorization code reused: token revoked", "id", re.tokenID)
			}
		}
		return nil, oauthError(http.StatusBadRequest, CodeInvalidGrant, err.Error())
	}
	return c, nil
}

// verifyToken answers GET /token with the bearer token's details.
func (s *Server) verifyToken(w http.ResponseWriter, r *http.Request) {
	secret, err := bearerToken(r)
	if err != nil {
		WriteError(w, s.Log, err)
		return
	}
	tok, ok := s.tokens.Verify(secret)
	if !ok {
		WriteError(w, s.Log, errUnauthorized("the access token is not valid: it is unknown, expired or revoked"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"me":        tok.Me,
		"client_id": tok.ClientID,
		"scope":     tok.Scope(),
		"issued_at": tok.CreatedAt.Unix(),
	})
}

// Revoke is the revocation endpoint (RFC 7009): POST token=... revokes
// it. The answer is 200 whether or not the token existed; possession of a
// token is the only proof needed to revoke it.
func (s *Server) Revoke(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	form, err := readForm(w, r)
	if err != nil {
		WriteError(w, s.Log, err)
		return
	}
	s.revoke(w, form)
}

func (s *Server) revoke(w http.ResponseWriter, form url.Values) {
	token := form.Get("token")
	if token == "" {
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeInvalidRequest, "token is missing"))
		return
	}
	if err := s.tokens.RevokeSecret(token); err != nil && !errors.Is(err, ErrNotFound) {
		WriteError(w, s.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// Introspection is the introspection endpoint's answer (RFC 7662).
type Introspection struct {
	Active    bool   `json:"active"`
	Me        string `json:"me,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Scope     string `json:"scope,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	TokenType string `json:"token_type,omitempty"`
}

// Introspect is the introspection endpoint (RFC 7662): POST token=...
// answers whether it is active, and its details. The caller must send a
// valid access token of its own (any scope) as "Authorization: Bearer";
// otherwise the endpoint would tell anyone which strings are live tokens.
// Every token belongs to the one owner, so any of them may ask about any
// other.
func (s *Server) Introspect(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	auth := r.Header.Get("Authorization")
	scheme, bearer, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(bearer) == "" {
		WriteError(w, s.Log, errUnauthorized("introspection needs an access token of your own, as Authorization: Bearer"))
		return
	}
	if _, ok := s.tokens.Verify(strings.TrimSpace(bearer)); !ok {
		WriteError(w, s.Log, errUnauthorized("the access token in the Authorization header is not valid"))
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		WriteError(w, s.Log, err)
		return
	}
	token := form.Get("token")
	if token == "" {
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeInvalidRequest, "token is missing"))
		return
	}
	tok, ok := s.tokens.peek(token)
	if !ok {
		writeJSON(w, http.StatusOK, Introspection{Active: false})
		return
	}
	in := Introspection{
		Active:    true,
		Me:        tok.Me,
		ClientID:  tok.ClientID,
		Scope:     tok.Scope(),
		Iat:       tok.CreatedAt.Unix(),
		TokenType: "Bearer",
	}
	if !tok.ExpiresAt.IsZero() {
		in.Exp = tok.ExpiresAt.Unix()
	}
	writeJSON(w, http.StatusOK, in)
}

// readForm reads a bounded url-encoded POST body.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeInvalidRequest, Description: "the request body is too large", err: err}
		}
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "the form body could not be read", err: err}
	}
	return r.PostForm, nil
}

// allowMethods answers 405 unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: CodeInvalidRequest, Description: "method " + r.Method + " is not allowed here"})
	return false
}

// clientName names a client by its client_id's host.
func clientName(clientID string) string {
	if u, err := url.Parse(clientID); err == nil && u.Host != "" {
		return u.Host
	}
	return clientID
}

// DefaultClientIP is the client address for rate limits: the last
// X-Forwarded-For entry (added by the reverse proxy) when the peer is a
// loopback or private address, else the peer's address. A client on the
// private network could forge it; the global limit still holds.
func DefaultClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || !(ip.IsLoopback() || ip.IsPrivate()) {
		return host
	}
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return host
	}
	parts := strings.Split(xff[len(xff)-1], ",")
	if last := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(last) != nil {
		return last
	}
	return host
}

// sign is the server's HMAC of the parts, base64url.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
