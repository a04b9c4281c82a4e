package indieauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error codes used by Error, as Micropub and OAuth 2.0 (RFC 6749, RFC 6750)
// name them.
const (
	CodeInvalidRequest         = "invalid_request"         // 400: malformed request
	CodeUnauthorized           = "unauthorized"            // 401: no token, or one that is unknown, expired or revoked
	CodeForbidden              = "forbidden"               // 403: a valid token that may not do this (another site's)
	CodeInsufficientScope      = "insufficient_scope"      // 403: a valid token without the needed scope
	CodeTemporarilyUnavailable = "temporarily_unavailable" // 503: the external token endpoint did not answer
	CodeInvalidGrant           = "invalid_grant"           // 400: bad, used or expired authorization code
	CodeInvalidClient          = "invalid_client"          // 401
	CodeUnsupportedGrantType   = "unsupported_grant_type"  // 400
	CodeServerError            = "server_error"            // 500
)

// Error is an authentication or authorization failure with an OAuth error
// code, an HTTP status and a description fit to show the client. Callers
// write it with WriteError, or by hand as
// {"error": e.Code, "error_description": e.Description}.
type Error struct {
	Status      int
	Code        string
	Description string
	// Scope is the scope that was missing, for insufficient_scope.
	Scope string

	err error // cause, for errors.Is/As and logs; never shown to clients
}

func (e *Error) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Description, e.err)
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.err }

func errUnauthorized(desc string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Description: desc}
}

// ErrorBody is the JSON form of an error.
type ErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// WriteError writes err as OAuth JSON. An *Error keeps its status and code,
// with a WWW-Authenticate challenge on 401 and 403 (RFC 6750 §3); anything
// else is a 500 server_error with a generic description, logged to log
// (which may be nil).
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	var e *Error
	if !errors.As(err, &e) {
		if log != nil {
			log.Error("internal error", "err", err)
		}
		e = &Error{Status: http.StatusInternalServerError, Code: CodeServerError, Description: "the server could not complete the request"}
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		if e.Code != CodeInvalidClient {
			w.Header().Set("WWW-Authenticate", challenge(e))
		}
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
	}
	writeJSON(w, e.Status, ErrorBody{Error: e.Code, Description: e.Description, Scope: e.Scope})
}

// challenge is the WWW-Authenticate value for e.
func challenge(e *Error) string {
	code := "invalid_token"
	switch e.Code {
	case CodeInsufficientScope:
		code = CodeInsufficientScope
	case CodeInvalidRequest:
		code = CodeInvalidRequest
	}
	s := `Bearer error="` + code + `"`
	if e.Description != "" {
		s += `, error_description="` + quoteSafe(e.Description) + `"`
	}
	if e.Scope != "" {
		s += `, scope="` + quoteSafe(e.Scope) + `"`
	}
	return s
}

// quoteSafe drops the characters RFC 6750 does not allow in a quoted
// challenge parameter.
func quoteSafe(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) {
			b = append(b, c)
		}
	}
	return string(b)
}

// writeJSON writes v with status; responses carrying tokens or token
// state must never be cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(data, '\n')) // an error means the client went away: nothing to do
}

// oauthError is a token-endpoint error (RFC 6749 §5.2).
func oauthError(status int, code, desc string) *Error {
	return &Error{Status: status, Code: code, Description: desc}
}
