// Package media stores uploaded files under content/media/ by content hash
// and serves the Micropub media endpoint.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"inkstone/internal/atomicfile"
)

// Accepted maps each accepted media type, detected from the bytes, to the
// file extension it is stored under.
var Accepted = map[string]string{
	"image/jpeg": ".jpg",
	"image/png":  ".png",
	"image/gif":  ".gif",
	"image/webp": ".webp",
	"audio/mpeg": ".mp3",
	"audio/ogg":  ".ogg",
	"audio/wave": ".wav",
	"audio/mp4":  ".m4a",
	"video/mp4":  ".mp4",
	"video/webm": ".webm",
}

// ErrTooLarge means an upload exceeded the size limit.
var ErrTooLarge = errors.New("file too large")

// UnsupportedError names a type that is not accepted.
type UnsupportedError struct{ Type string }

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s files are not accepted; send one of %s", e.Type, acceptedList())
}

// Store writes uploads into a folder under content/ and names them by hash.
type Store struct {
	Dir      string // e.g. SITE/content/media
	URLBase  string // absolute URL of that folder, ending in "/"
	MaxBytes int64
	Now      func() time.Time
	// Saved, when set, is called with the path (relative to Dir) of each
	// newly stored file, e.g. to commit it; it must not block.
	Saved func(rel string)

	mu     sync.Mutex // one upload renames at a time; same bytes share a file
	recent []Upload
}

// Upload is a stored file.
type Upload struct {
	URL       string    `json:"url"`
	Type      string    `json:"type"`
	Published time.Time `json:"published"`
}

// Save stores r and returns the file's URL. The type is detected from the
// bytes; the name and any declared type are ignored.
func (s *Store) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(s.Dir, atomicfile.TempPrefix+"upload-*")
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // a no-op once renamed
	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		tmp.Close()
		return "", readErr(err)
	}
	head = head[:n]
	if n == 0 {
		tmp.Close()
		return "", &UnsupportedError{Type: "empty"}
	}
	typ := Detect(head)
	ext, ok := Accepted[typ]
	if !ok {
		tmp.Close()
		return "", &UnsupportedError{Type: typ}
	}
	limit := s.MaxBytes - int64(n)
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: %w", err)
	}
	copied, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err != nil {
		tmp.Close()
		return "", readErr(err)
	}
	if copied > limit {
		tmp.Close()
		return "", ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))[:20]
	rel := sum[:2] + "/" + sum + ext
	final := filepath.Join(s.Dir, filepath.FromSlash(rel))

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(final); err != nil {
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return "", fmt.Errorf("media: %w", err)
		}
		if err := os.Rename(tmpName, final); err != nil {
			return "", fmt.Errorf("media: %w", err)
		}
		if err := atomicfile.SyncDir(filepath.Dir(final)); err != nil {
			return "", err
		}
		if s.Saved != nil {
			s.Saved(rel)
		}
	}
	url := s.URLBase + rel
	s.recent = append([]Upload{{URL: url, Type: typ, Published: s.Now()}}, s.recent...)
	if len(s.recent) > 20 {
		s.recent = s.recent[:20]
	}
	return url, nil
}

// Recent lists the latest uploads of this process, newest first.
func (s *Store) Recent() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.recent...)
}

// Detect names the type of a file from its first bytes.
func Detect(head []byte) string {
	t := http.DetectContentType(head)
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	}
	// DetectContentType has no rule for some common phone formats.
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		brand := string(head[8:12])
		switch {
		case strings.HasPrefix(brand, "heic") || strings.HasPrefix(brand, "heix") || strings.HasPrefix(brand, "mif1") || strings.HasPrefix(brand, "msf1"):
			return "image/heic"
		case strings.HasPrefix(brand, "M4A"):
			return "audio/mp4"
		}
		return "video/mp4"
	}
	return t
}

func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrTooLarge
	}
	return fmt.Errorf("media: read upload: %w", err)
}

func acceptedList() string {
	var names []string
	for t := range Accepted {
		names = append(names, t)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

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
		h.WriteError(w, r, &StatusError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use POST to upload or GET with q=last"})
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
	recent := h.Store.Recent()
	switch q := r.URL.Query().Get("q"); q {
	case "last":
		body := map[string]string{}
		if len(recent) > 0 && time.Since(recent[0].Published) < 5*time.Minute {
			body["url"] = recent[0].URL
		}
		writeJSON(w, http.StatusOK, body)
	case "source":
		writeJSON(w, http.StatusOK, map[string]any{"items": recent})
	case "config":
		writeJSON(w, http.StatusOK, map[string]any{"q": []string{"last", "source"}})
	default:
		h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request",
			Description: fmt.Sprintf("unknown query %q; use q=last, q=source or q=config", q)})
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
			h.uploadError(w, r, readErr(err))
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		url, err := h.Store.Save(r.Context(), part.FileName(), part)
		part.Close()
		if err != nil {
			h.uploadError(w, r, err)
			return
		}
		if h.Publish != nil {
			if err := h.Publish(r.Context()); err != nil {
				h.WriteError(w, r, fmt.Errorf("publish upload: %w", err))
				return
			}
		}
		w.Header().Set("Location", url)
		writeJSON(w, http.StatusCreated, map[string]string{"url": url})
		return
	}
	h.WriteError(w, r, &StatusError{Status: http.StatusBadRequest, Code: "invalid_request", Description: "no file part named file in the upload"})
}

func (h *Handler) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	var ue *UnsupportedError
	switch {
	case errors.Is(err, ErrTooLarge):
		err = &StatusError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request",
			Description: fmt.Sprintf("the file is larger than %d bytes; send a smaller one", h.Store.MaxBytes)}
	case errors.As(err, &ue):
		desc := ue.Error()
		if ue.Type == "image/heic" {
			desc = "HEIC photos are not accepted; on iPhone choose Settings > Camera > Formats > Most Compatible, or send JPEG, PNG, GIF or WebP"
		}
		err = &StatusError{Status: http.StatusUnsupportedMediaType, Code: "invalid_request", Description: desc}
	}
	h.WriteError(w, r, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
