package micropub

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

// stagingMedia records what a create keeps and takes back.
type stagingMedia struct {
	fakeMedia
	kept, discarded []string
}

func (m *stagingMedia) Commit(url string)  { m.kept = append(m.kept, url) }
func (m *stagingMedia) Discard(url string) { m.discarded = append(m.discarded, url) }

var _ MediaStager = (*stagingMedia)(nil)

// failingMedia stores the first file and refuses the second.
type failingMedia struct{ stagingMedia }

func (m *failingMedia) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	if len(m.names) == 1 {
		return "", &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType, Description: "no"}
	}
	return m.fakeMedia.Save(ctx, name, r)
}

func TestCreateTakesBackFilesOnFailure(t *testing.T) {
	photos := func(t *testing.T) req {
		return multipartReq(t, part{name: "h", value: "entry"}, part{name: "content", value: "Two"},
			part{name: "photo", file: "a.jpg", value: "A"}, part{name: "photo", file: "b.jpg", value: "B"})
	}
	t.Run("post fails", func(t *testing.T) {
		e := newEnv(t)
		m := &stagingMedia{}
		e.h.Media = m
		e.posts.err = errors.New("disk full")
		if rec := e.do(t, photos(t)); rec.Code < 400 {
			t.Fatalf("status %d", rec.Code)
		}
		if len(m.discarded) != 2 || len(m.kept) != 0 {
			t.Errorf("kept %v, discarded %v; want both discarded", m.kept, m.discarded)
		}
	})
	t.Run("second file refused", func(t *testing.T) {
		e := newEnv(t)
		m := &failingMedia{}
		e.h.Media = m
		if rec := e.do(t, photos(t)); rec.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d", rec.Code)
		}
		if len(m.discarded) != 1 || len(m.kept) != 0 {
			t.Errorf("kept %v, discarded %v; want the first discarded", m.kept, m.discarded)
		}
	})
	t.Run("post created", func(t *testing.T) {
		e := newEnv(t)
		m := &stagingMedia{}
		e.h.Media = m
		if rec := e.do(t, photos(t)); rec.Code != http.StatusCreated {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if len(m.kept) != 2 || len(m.discarded) != 0 {
			t.Errorf("kept %v, discarded %v; want both kept", m.kept, m.discarded)
		}
	})
}
