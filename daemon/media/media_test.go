package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func pngBytes(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.Gray{Y: shade + 1})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newStore(t *testing.T) *Store {
	return &Store{Dir: filepath.Join(t.TempDir(), "media"), URLBase: "https://example.com/media/", MaxBytes: 1 << 20,
		Now: func() time.Time { return time.Now() }}
}

func TestSaveByHash(t *testing.T) {
	s := newStore(t)
	data := pngBytes(t, 10)
	u1, err := s.Save(context.Background(), "a.png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	u2, err := s.Save(context.Background(), "other-name.jpg", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if u1 != u2 || !strings.HasSuffix(u1, ".png") || !strings.HasPrefix(u1, "https://example.com/media/") {
		t.Errorf("urls %s and %s: want one .png URL for the same bytes", u1, u2)
	}
	var files []string
	filepath.WalkDir(s.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Errorf("stored files = %v, want exactly one (no temp leftovers)", files)
	}
}

func TestSaveRefuses(t *testing.T) {
	s := newStore(t)
	s.MaxBytes = 40
	var ue *UnsupportedError
	if _, err := s.Save(context.Background(), "x.jpg", strings.NewReader("<html>not an image</html>")); !errors.As(err, &ue) {
		t.Errorf("HTML behind .jpg: err = %v, want UnsupportedError", err)
	}
	heic := append([]byte{0, 0, 0, 24}, []byte("ftypheic0000")...)
	if _, err := s.Save(context.Background(), "x.heic", bytes.NewReader(heic)); !errors.As(err, &ue) || ue.Type != "image/heic" {
		t.Errorf("HEIC: err = %v", err)
	}
	if _, err := s.Save(context.Background(), "big.png", bytes.NewReader(pngBytes(t, 1))); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: err = %v, want ErrTooLarge", err)
	}
	if entries, _ := os.ReadDir(s.Dir); len(entries) != 0 {
		t.Errorf("refused uploads left %d files", len(entries))
	}
}

func TestConcurrentSaves(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	urls := make([]string, 20)
	for i := range urls {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u, err := s.Save(context.Background(), "p.png", bytes.NewReader(pngBytes(t, uint8(i%4))))
			if err != nil {
				t.Error(err)
			}
			urls[i] = u
		}(i)
	}
	wg.Wait()
	distinct := map[string]bool{}
	for _, u := range urls {
		distinct[u] = true
	}
	if len(distinct) != 4 {
		t.Errorf("%d distinct URLs, want 4", len(distinct))
	}
}

type allow struct{ err error }

func (a allow) Authorize(*http.Request, string) error { return a.err }

func writeErr(w http.ResponseWriter, _ *http.Request, err error) {
	status := 500
	var se *StatusError
	if errors.As(err, &se) {
		status = se.Status
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": "x", "error_description": err.Error()})
}

func upload(t *testing.T, h http.Handler, field string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, "photo.png")
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/micropub/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	published := 0
	h := &Handler{Store: newStore(t), Auth: allow{}, WriteError: writeErr,
		Publish: func(context.Context) error { published++; return nil }}
	rec := upload(t, h, "file", pngBytes(t, 3))
	if rec.Code != 201 || rec.Header().Get("Location") == "" || published != 1 {
		t.Fatalf("upload: %d %q published=%d", rec.Code, rec.Header().Get("Location"), published)
	}
	q := httptest.NewRecorder()
	h.ServeHTTP(q, httptest.NewRequest("GET", "/micropub/media?q=last", nil))
	if !strings.Contains(q.Body.String(), rec.Header().Get("Location")) {
		t.Errorf("q=last = %s", q.Body.String())
	}
	if rec := upload(t, h, "notfile", pngBytes(t, 3)); rec.Code != 400 {
		t.Errorf("no file part: %d", rec.Code)
	}
	if rec := upload(t, h, "file", []byte("%PDF-1.4 hello")); rec.Code != 415 {
		t.Errorf("pdf: %d", rec.Code)
	}
	req := httptest.NewRequest("POST", "/micropub/media", strings.NewReader("x"))
	req.Header.Set("Content-Type", "text/plain")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 415 {
		t.Errorf("text/plain body: %d", rec.Code)
	}
	denied := &Handler{Store: newStore(t), Auth: allow{&StatusError{Status: 403, Code: "insufficient_scope", Description: "needs media"}}, WriteError: writeErr}
	if rec := upload(t, denied, "file", pngBytes(t, 3)); rec.Code != 403 {
		t.Errorf("no media scope: %d", rec.Code)
	}
}
