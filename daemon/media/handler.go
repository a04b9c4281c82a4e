package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// Auth checks a request's token and scope; it returns an error carrying
// the OAuth error code when it fails.
type Auth interface {
	Authorize(r *http.Request, scope string) error
}

// Handler is the Micropub media endpoint.
type Handler struct {
	Store *Store
	Auth  Auth
	Log   *slog.Logger
	// WriteError writes an error as the Micropub JSON error form; it is
	// the micropub package's writer, so both endpoints answer alike.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Publish, when set, makes a stored file live in public/ before the
	// endpoint answers 201.
	Publish func(ctx context.Context) error
}

// Limits of q=source.
const (
	defaultSourceLimit = 20
	maxSourceLimit     = 100
	// lastWindow is how recent an upload q=last names: clients ask right
	// after uploading, to offer the photo in the post they compose.
	lastWindow = 5 * time.Minute
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.Authorize(r, "media"); err != nil {
		h.WriteError(w, r, err)
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.query(w, r)
	case http.MethodPost:
		h.upload(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.WriteError(w, r, &StatusError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use POST to upload or GET with q=last or q=source"})
	}
}

// StatusError is an error with its HTTP status and OAuth code.
type StatusError struct {
	Status      int
	Code        string
	Description string
}

func (e *StatusError) Error() string { return e.Description }

func (h *Handler) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch name := q.Get("q"); name {
	case "last":
		recent, err := h.Store.Recent(1)
		if err != nil {
			h.WriteError(w, r, err)
			return
		}
		body := map[string]string{}
		if len(recent) > 0 && h.Store.now().Sub(recent[0].Published) < lastWindow {
			body["url"] = recent[0].URL
		}
		writeJSON(w, http.StatusOK, body)
	case "source":
		limit := defaultSourceLimit
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxSourceLimit {
				h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request",
					Description: fmt.Sprintf("limit must be a whole number from 1 to %d, not %q", maxSourceLimit, v)})
				return
			}
			limit = n
		}
		recent, err := h.Store.Recent(limit)
		if err != nil {
			h.WriteError(w, r, err)
			return
		}
		if recent == nil {
			recent = []Upload{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": recent})
	case "config":
		writeJSON(w, http.StatusOK, map[string]any{"q": []string{"last", "source"}})
	default:
		h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request",
			Description: fmt.Sprintf("unknown query %q; use q=last, q=source or q=config", name)})
	}
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		h.WriteError(w, r, &StatusError{Status: http.StatusUnsupportedMediaType, Code: "invalid_request",
			Description: "send the file as multipart/form-data in a part named file"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.Store.MaxBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request", Description: "the multipart body cannot be read: " + err.Error()})
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			h.WriteError(w, r, Refusal(readErr(err), "", h.Store.MaxBytes))
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		url, err := h.Store.Stage(r.Context(), part.FileName(), part)
		part.Close()
		if err != nil {
			h.WriteError(w, r, Refusal(err, part.FileName(), h.Store.MaxBytes))
			return
		}
		if h.Publish != nil {
			if err := h.Publish(r.Context()); err != nil {
				h.Store.Discard(url)
				h.WriteError(w, r, fmt.Errorf("publish upload: %w", err))
				return
			}
		}
		h.Store.Commit(url)
		w.Header().Set("Location", url)
		writeJSON(w, http.StatusCreated, map[string]string{"url": url})
		return
	}
	h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request", Description: "no file part named file in the upload"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
