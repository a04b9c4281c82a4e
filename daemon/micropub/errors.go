package micropub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"inkstone/generator/content"
)

// Error codes, as Micropub and OAuth 2.0 name them.
const (
	CodeInvalidRequest       = "invalid_request"        // 400, and 413 for a body too large
	CodeUnauthorized         = "unauthorized"           // 401
	CodeForbidden            = "forbidden"              // 403
	CodeInsufficientScope    = "insufficient_scope"     // 403
	CodeUnsupportedMediaType = "unsupported_media_type" // 415
	CodeServerError          = "server_error"           // 500
)

// Sentinel errors a Posts implementation returns (wrapped or not); the
// handler answers them as 400 invalid_request, as Micropub asks.
var (
	// ErrNotFound means no post lives at the URL.
	ErrNotFound = errors.New("no post at that URL")
	// ErrGone means the post at the URL is deleted, so it cannot be updated.
	ErrGone = errors.New("the post at that URL is deleted")
)

// Error is a Micropub (OAuth 2.0 style) error: an HTTP status, a code and
// a description that tells the client what to fix. It is written as
// {"error": Code, "error_description": Description}.
type Error struct {
	Status      int
	Code        string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// invalid is a 400 invalid_request error.
func invalid(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: fmt.Sprintf(format, args...)}
}

func tooLarge(what string, limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeInvalidRequest,
		Description: fmt.Sprintf("%s is larger than the %d bytes this server accepts; send less", what, limit)}
}

// errorBody is the JSON form of an Error.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// WriteError answers err as a Micropub JSON error. An *Error keeps its
// status and code; content.ValidationError and content.ParseError are 400
// invalid_request with their message; ErrNotFound and ErrGone are 400
// invalid_request; an *http.MaxBytesError is 413. Anything else is a 500
// server_error with a generic description, logged here and only here.
// Its signature fits media.Handler.WriteError, so both endpoints answer
// alike.
func (h *Handler) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.classify(r, err)
	switch e.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	case http.StatusForbidden:
		if e.Code == CodeInsufficientScope {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		}
	}
	writeJSON(w, e.Status, errorBody{Error: e.Code, Description: e.Description})
}

// classify turns any error into the *Error the client sees, logging the
// ones that are the server's fault.
func (h *Handler) classify(r *http.Request, err error) *Error {
	var (
		e     *Error
		valid *content.ValidationError
		parse *content.ParseError
		big   *http.MaxBytesError
	)
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &valid):
		return invalid("%s", valid.Error())
	case errors.As(err, &parse):
		return invalid("the stored post cannot be read: %s", parse.Error())
	case errors.Is(err, ErrNotFound):
		return invalid("there is no post at that URL; send the permalink of an existing post")
	case errors.Is(err, ErrGone):
		return invalid("the post at that URL is deleted; undelete it first")
	case errors.As(err, &big):
		return tooLarge("the request body", big.Limit)
	}
	h.logger().ErrorContext(r.Context(), "micropub request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return &Error{Status: http.StatusInternalServerError, Code: CodeServerError,
		Description: "the server could not complete the request; try again later"}
}

// writeJSON writes v with status. Micropub answers are about private
// state (drafts, tokens' posts) and are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"server_error","error_description":"the response could not be encoded"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(data, '\n')) // an error means the client went away: nothing to do
}
