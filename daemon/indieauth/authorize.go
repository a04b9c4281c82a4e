package indieauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cookie names. The nonce cookie ties CSRF tokens and the sign-in to one
// browser; the session cookie says the owner signed in.
const (
	nonceCookie   = "inkstone_auth_nonce"
	sessionCookie = "inkstone_auth_session"
)

// maxParamLen bounds each authorization request parameter.
const maxParamLen = 2048

// authParams are the authorization request's parameters, carried from
// page to page in hidden fields.
var authParams = []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scope", "me"}

// authRequest is a checked authorization request.
type authRequest struct {
	values   url.Values // the parameters, one value each
	client   *url.URL
	redirect *url.URL
	info     *ClientInfo // what the client publishes; nil when unknown
	scopes   []string    // requested and supported
	unknown  []string    // requested, not supported: ignored
}

func (a *authRequest) get(k string) string { return a.values.Get(k) }

// authError is a bad authorization request. When the client and its
// redirect URI are trusted, the error goes back to the client (redirect);
// otherwise the owner sees an error page, since redirecting to an
// unchecked URI would make the server an open redirector.
type authError struct {
	redirect bool
	code     string
	desc     string
}

// readAuthRequest checks an authorization request. On an error that can
// be redirected, the returned request is usable for the redirect.
//
// The client's information is read from its client_id URL: a redirect
// URI on another scheme, host or port than the client_id (a native
// app's custom scheme, say) is trusted only when the client lists it
// there. For other clients the read is best effort, for the name and
// logo on the consent screen.
func (s *Server) readAuthRequest(ctx context.Context, v url.Values) (*authRequest, *authError) {
	fatal := func(desc string) (*authRequest, *authError) {
		return nil, &authError{code: CodeInvalidRequest, desc: desc}
	}
	a := &authRequest{values: url.Values{}}
	for _, k := range authParams {
		switch vals := v[k]; {
		case len(vals) > 1:
			return fatal(fmt.Sprintf("The request repeats the parameter %s.", k))
		case len(vals) == 1 && len(vals[0]) > maxParamLen:
			return fatal(fmt.Sprintf("The parameter %s is too long.", k))
		case len(vals) == 1:
			a.values.Set(k, vals[0])
		}
	}
	client, problem := parseClientID(a.get("client_id"))
	if problem != "" {
		return fatal("The client_id " + problem + ".")
	}
	a.client = client
	redirect, sameSite, problem := parseRedirectURI(a.get("redirect_uri"), client)
	if problem != "" {
		return fatal("The redirect_uri " + problem + ".")
	}
	a.redirect = redirect
	info, err := s.Clients.Fetch(ctx, a.get("client_id"))
	switch {
	case sameSite:
		if err != nil {
			s.Log.InfoContext(ctx, "client information not read", "client_id", a.get("client_id"), "err", err)
		}
	case err != nil:
		s.Log.WarnContext(ctx, "client information not read", "client_id", a.get("client_id"), "err", errors.Unwrap(err), "problem", err)
		return fatal(fmt.Sprintf("The redirect_uri %s is not on the client's own site %s, and this server could not read the client's information to check it: %s. Ask the app's developer to fix this.",
			a.get("redirect_uri"), origin(client), err))
	case !info.allows(redirect.String()) && !info.allows(a.get("redirect_uri")):
		return fatal(fmt.Sprintf("The redirect_uri %s is not on the client's own site %s, and the client does not list it. The app must publish it at %s: in redirect_uris of its JSON client metadata, or as <link rel=\"redirect_uri\" href=\"...\">.",
			a.get("redirect_uri"), origin(client), a.get("client_id")))
	}
	if err == nil {
		a.info = info
	}

	back := func(code, desc string) (*authRequest, *authError) {
		return a, &authError{redirect: true, code: code, desc: desc}
	}
	if rt := a.get("response_type"); rt != "code" {
		return back("unsupported_response_type", "response_type must be code")
	}
	if a.get("state") == "" {
		return back(CodeInvalidRequest, "state is missing")
	}
	switch ch, m := a.get("code_challenge"), a.get("code_challenge_method"); {
	case ch == "" || m == "":
		return back(CodeInvalidRequest, "PKCE is required: send code_challenge and code_challenge_method=S256")
	case m != "S256":
		return back(CodeInvalidRequest, "code_challenge_method must be S256")
	case !validChallenge(ch):
		return back(CodeInvalidRequest, "code_challenge must be the 43-character base64url SHA-256 of the code_verifier")
	}
	supported := ScopeNames()
	for _, sc := range NormalizeScopes([]string{a.get("scope")}) {
		if slices.Contains(supported, sc) {
			a.scopes = append(a.scopes, sc)
		} else {
			a.unknown = append(a.unknown, sc)
		}
	}
	return a, nil
}

func validChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// parseClientID checks a client identifier as IndieAuth §3.2 asks: an
// http(s) URL with a path, no fragment, user info, dot segments, or IP
// host other than loopback. It returns a problem to show, or "".
func parseClientID(s string) (*url.URL, string) {
	u, problem := parseHTTPURL(s)
	if problem != "" {
		return nil, problem
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, "must not contain . or .. path segments"
		}
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
		return nil, "must use a domain name, not an IP address"
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, ""
}

// parseRedirectURI checks a redirect URI: an absolute URL without user
// info or fragment. sameSite says it is on the client's own scheme, host
// and port; any other (another host, a native app's custom scheme) must
// be listed by the client. It returns a problem to show, or "".
func parseRedirectURI(s string, client *url.URL) (u *url.URL, sameSite bool, problem string) {
	if s == "" {
		return nil, false, "is missing"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, false, "is not a URL"
	case u.Scheme == "":
		return nil, false, "must be an absolute URL"
	case u.User != nil:
		return nil, false, "must not contain a user name or password"
	case strings.Contains(s, "#"):
		return nil, false, "must not contain a fragment"
	case slices.Contains(unsafeSchemes, u.Scheme):
		return nil, false, "must not be a " + u.Scheme + ": URL"
	case (u.Scheme == "http" || u.Scheme == "https") && (u.Host == "" || u.Opaque != ""):
		return nil, false, "must be an absolute URL"
	}
	return u, u.Scheme == client.Scheme && strings.EqualFold(u.Host, client.Host), ""
}

// unsafeSchemes are never redirect targets: a browser would run them or
// read local data, not hand them to an app.
var unsafeSchemes = []string{"javascript", "data", "vbscript", "file", "blob", "about", "filesystem", "view-source"}

// origin is a URL's scheme and host, for messages.
func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// parseHTTPURL checks what client_id and redirect_uri share: an absolute
// http(s) URL without user info or fragment. It returns a problem, or "".
func parseHTTPURL(s string) (*url.URL, string) {
	if s == "" {
		return nil, "is missing"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "is not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, "must be an http or https URL"
	case u.Host == "" || u.Opaque != "":
		return nil, "must be an absolute URL"
	case u.User != nil:
		return nil, "must not contain a user name or password"
	case strings.Contains(s, "#"):
		return nil, "must not contain a fragment"
	}
	return u, ""
}

// Authorize is the authorization endpoint. GET shows the sign-in form or,
// once signed in, the consent screen. POST handles those forms
// (action=login, approve, deny) and, with grant_type=authorization_code,
// redeems a code for the owner's profile URL only.
func (s *Server) Authorize(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead, http.MethodPost) {
		return
	}
	if r.Method == http.MethodPost {
		s.authorizePost(w, r)
		return
	}
	req, aerr := s.readAuthRequest(r.Context(), r.URL.Query())
	if aerr != nil {
		s.authFail(w, r, req, aerr)
		return
	}
	nonce := s.nonce(w, r)
	if s.signedIn(r, nonce) {
		s.renderConsent(w, req, nonce)
		return
	}
	s.renderLogin(w, http.StatusOK, req, nonce, "")
}

func (s *Server) authorizePost(w http.ResponseWriter, r *http.Request) {
	form, err := readForm(w, r)
	if err != nil {
		var e *Error
		errors.As(err, &e)
		s.renderError(w, e.Status, "The form could not be read", e.Description)
		return
	}
	if form.Has("grant_type") || (form.Has("code") && !form.Has("action")) {
		s.redeemProfile(w, form)
		return
	}
	req, aerr := s.readAuthRequest(r.Context(), form)
	if aerr != nil {
		s.authFail(w, r, req, aerr)
		return
	}
	nonce, ok := s.cookieNonce(r)
	if !ok || !hashEqual(form.Get("csrf"), s.sign("csrf", nonce)) {
		s.renderError(w, http.StatusForbidden, "This form has expired",
			"The form was not sent from this page, or your browser did not keep its cookie. Go back to the app and start signing in again.")
		return
	}
	switch form.Get("action") {
	case "login":
		s.login(w, r, req, nonce, form.Get("password"))
	case "approve", "deny":
		if !s.signedIn(r, nonce) {
			s.renderLogin(w, http.StatusUnauthorized, req, nonce, "Your sign-in has expired. Sign in again.")
			return
		}
		if form.Get("action") == "deny" {
			s.redirectBack(w, r, req, http.StatusSeeOther, url.Values{"error": {"access_denied"}, "error_description": {"the owner denied the request"}})
			return
		}
		s.approve(w, r, req, form["grant"])
	default:
		s.renderError(w, http.StatusBadRequest, "Unknown action", "The form asked for something this server does not do.")
	}
}

// login checks the password, within the rate limits.
func (s *Server) login(w http.ResponseWriter, r *http.Request, req *authRequest, nonce, password string) {
	hash := s.cfg.Auth.PasswordHash
	if hash == "" {
		s.renderNoPassword(w)
		return
	}
	ip := s.ClientIP(r)
	wait, ok := s.limiter.begin(ip, s.Now())
	if !ok {
		s.Log.WarnContext(r.Context(), "sign-in refused: too many failures", "ip", ip, "wait", wait)
		s.renderTooMany(w, wait)
		return
	}
	good := s.checkPassword(r.Context(), hash, password)
	s.limiter.end(ip, s.Now(), good)
	if !good {
		s.Log.WarnContext(r.Context(), "sign-in failed", "ip", ip)
		s.renderLogin(w, http.StatusUnauthorized, req, nonce, "That password is not right.")
		return
	}
	s.Log.InfoContext(r.Context(), "owner signed in", "ip", ip)
	// A new nonce at sign-in: a nonce planted before it (session
	// fixation) is worthless after.
	nonce = randomString()
	now := s.Now()
	http.SetCookie(w, s.cookie(nonceCookie, nonce, time.Time{}))
	exp := now.Add(s.SessionTTL)
	ts := strconv.FormatInt(exp.Unix(), 10)
	http.SetCookie(w, s.cookie(sessionCookie, ts+"."+s.sign("session", nonce, ts), exp))
	http.Redirect(w, r, s.url(PathAuth)+"?"+req.values.Encode(), http.StatusSeeOther)
}

// checkPassword runs the slow hash, at most two at a time.
func (s *Server) checkPassword(ctx context.Context, hash, pw string) bool {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-s.hashing }()
	return CheckPassword(hash, pw)
}

// approve issues a code for the scopes the owner left ticked, and sends
// the browser back to the client.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, req *authRequest, ticked []string) {
	var granted []string
	for _, sc := range req.scopes {
		if slices.Contains(ticked, sc) {
			granted = append(granted, sc)
		}
	}
	code, err := s.codes.issue(&authCode{
		ClientID:    req.get("client_id"),
		RedirectURI: req.get("redirect_uri"),
		Challenge:   req.get("code_challenge"),
		Scopes:      granted,
		Me:          s.me(),
		Expires:     s.Now().Add(s.CodeTTL),
	}, s.Now())
	if err != nil {
		s.Log.ErrorContext(r.Context(), "issue authorization code", "err", err)
		s.renderError(w, http.StatusServiceUnavailable, "Try again", "The server could not issue an authorization code just now.")
		return
	}
	s.Log.InfoContext(r.Context(), "authorization code issued", "client_id", req.get("client_id"), "scope", strings.Join(granted, " "))
	s.redirectBack(w, r, req, http.StatusSeeOther, url.Values{"code": {code}})
}

// redeemProfile answers a code redeemed at the authorization endpoint:
// the owner's URL, and profile when granted; no token.
func (s *Server) redeemProfile(w http.ResponseWriter, form url.Values) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		WriteError(w, s.Log, oauthError(http.StatusBadRequest, CodeUnsupportedGrantType, "grant_type must be authorization_code"))
		return
	}
	c, e := s.redeem(form)
	if e != nil {
		WriteError(w, s.Log, e)
		return
	}
	writeJSON(w, http.StatusOK, ProfileResponse{Me: c.Me, Profile: s.profile(c.Scopes)})
}

// authFail answers a bad authorization request: back to the client when
// it can be trusted, else an error page.
func (s *Server) authFail(w http.ResponseWriter, r *http.Request, req *authRequest, e *authError) {
	if e.redirect && req != nil {
		status := http.StatusFound
		if r.Method == http.MethodPost {
			status = http.StatusSeeOther
		}
		s.redirectBack(w, r, req, status, url.Values{"error": {e.code}, "error_description": {e.desc}})
		return
	}
	s.renderError(w, http.StatusBadRequest, "This sign-in request is not valid", e.desc)
}

// redirectBack sends the browser to the client's redirect URI with
// params, state and iss added to its own query.
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, req *authRequest, status int, params url.Values) {
	u := *req.redirect
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if st := req.get("state"); st != "" {
		q.Set("state", st)
	}
	q.Set("iss", s.Issuer())
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), status)
}

// nonce returns the browser's nonce, setting a new cookie when it has
// none.
func (s *Server) nonce(w http.ResponseWriter, r *http.Request) string {
	if n, ok := s.cookieNonce(r); ok {
		return n
	}
	n := randomString()
	http.SetCookie(w, s.cookie(nonceCookie, n, time.Time{}))
	return n
}

func (s *Server) cookieNonce(r *http.Request) (string, bool) {
	c, err := r.Cookie(nonceCookie)
	if err != nil || len(c.Value) != 43 {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil {
		return "", false
	}
	return c.Value, true
}

// signedIn reports whether the request carries a live session cookie
// bound to nonce.
func (s *Server) signedIn(r *http.Request, nonce string) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	ts, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !s.Now().Before(time.Unix(exp, 0)) {
		return false
	}
	return hashEqual(mac, s.sign("session", nonce, ts))
}

// cookie makes one of the server's cookies: HttpOnly, SameSite=Lax,
// Secure on an https site, scoped to the authorization endpoint. A zero
// expiry makes a browser-session cookie.
func (s *Server) cookie(name, value string, expires time.Time) *http.Cookie {
	path := "/"
	secure := false
	if u, err := url.Parse(s.url(PathAuth)); err == nil {
		path = u.Path
		secure = u.Scheme == "https"
	}
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = max(1, int(expires.Sub(s.Now()).Seconds()))
	}
	return c
}

// randomString is 32 random bytes, base64url.
func randomString() string {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		panic("indieauth: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
