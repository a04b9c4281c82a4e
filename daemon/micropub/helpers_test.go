package micropub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/generator/content"
)

const site = "https://example.com"

var clock = func() time.Time { return time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC) }

// fakePosts stores posts the way the real write path does, as front
// matter files: every post goes through content.Marshal and content.Parse,
// so the tests see what would come back from disk.
type fakePosts struct {
	mu      sync.Mutex
	files   map[string][]byte // permalink → file
	deleted map[string]bool
	calls   []string
	created []*content.Post // as handed to Create
	cats    []string
	err     error // returned by every method when set
}

func newFakePosts() *fakePosts {
	return &fakePosts{files: map[string][]byte{}, deleted: map[string]bool{}}
}

func (f *fakePosts) call(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakePosts) permalink(p *content.Post) string {
	return fmt.Sprintf("%s/%s/%s/", site, p.Date.UTC().Format("2006/01"), content.SlugFor(p, clock()))
}

func (f *fakePosts) store(url string, p *content.Post) error {
	data, err := content.Marshal(p)
	if err != nil {
		return err
	}
	f.files[url] = data
	return nil
}

// key is the permalink a URL (absolute or from /) names.
func key(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return site + u.Path
}

func (f *fakePosts) load(url string) (*content.Post, error) {
	data, ok := f.files[key(url)]
	if !ok {
		return nil, fmt.Errorf("fake: %w: %s", ErrNotFound, url)
	}
	return content.Parse("post.md", data)
}

func (f *fakePosts) Create(_ context.Context, p *content.Post) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("create")
	if f.err != nil {
		return "", f.err
	}
	c := *p
	f.created = append(f.created, &c)
	url := f.permalink(p)
	return url, f.store(url, p)
}

func (f *fakePosts) Update(_ context.Context, url string, u Update) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("update %s", url)
	if f.err != nil {
		return "", f.err
	}
	p, err := f.load(url)
	if err != nil {
		return "", err
	}
	if f.deleted[key(url)] {
		return "", fmt.Errorf("fake: %w", ErrGone)
	}
	slug, date := p.Slug, p.Date
	if err := u.Apply(p); err != nil {
		return "", err
	}
	p.Updated = clock()
	// As the real write path: the file stays where it is unless the
	// slug or the date moves it.
	next := key(url)
	if p.Slug != slug || !p.Date.Equal(date) {
		delete(f.files, next)
		next = f.permalink(p)
	}
	return next, f.store(next, p)
}

func (f *fakePosts) Delete(_ context.Context, url string) error {
	return f.setDeleted("delete", url, true)
}

func (f *fakePosts) Undelete(_ context.Context, url string) error {
	return f.setDeleted("undelete", url, false)
}

func (f *fakePosts) setDeleted(verb, url string, deleted bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("%s %s", verb, url)
	if f.err != nil {
		return f.err
	}
	if _, err := f.load(url); err != nil {
		return err
	}
	f.deleted[key(url)] = deleted
	return nil
}

func (f *fakePosts) Source(_ context.Context, url string) (*content.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("source %s", url)
	if f.err != nil {
		return nil, f.err
	}
	return f.load(url)
}

// Recent lists the stored posts as the real write path does: newest
// first, deleted ones left out, each with its url property.
func (f *fakePosts) Recent(_ context.Context, limit, offset int) ([]*content.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("recent %d %d", limit, offset)
	if f.err != nil {
		return nil, f.err
	}
	var out []*content.Post
	for u := range f.files {
		if f.deleted[u] {
			continue
		}
		p, err := f.load(u)
		if err != nil {
			return nil, err
		}
		if p.Properties == nil {
			p.Properties = map[string]any{}
		}
		p.Properties["url"] = []any{u}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *content.Post) int { return b.Date.Compare(a.Date) })
	out = out[min(offset, len(out)):]
	return out[:min(limit, len(out))], nil
}

func (f *fakePosts) Categories(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("categories")
	return f.cats, f.err
}

// put stores a post made from JSON properties, as if created earlier.
func (f *fakePosts) put(t *testing.T, propsJSON string) string {
	t.Helper()
	var props Properties
	if err := json.Unmarshal([]byte(propsJSON), &props); err != nil {
		t.Fatal(err)
	}
	p, err := props.Post()
	if err != nil {
		t.Fatal(err)
	}
	if p.Date.IsZero() {
		p.Date = clock()
	}
	url := f.permalink(p)
	if err := f.store(url, p); err != nil {
		t.Fatal(err)
	}
	return url
}

// fakeAuth accepts the bearer token "good" (header or form body) with the
// scopes it holds.
type fakeAuth struct{ scopes []string }

func (a *fakeAuth) Authorize(r *http.Request, scope string) error {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" && r.PostForm != nil {
		tok = r.PostForm.Get("access_token")
	}
	switch {
	case tok == "":
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Description: "no access token was sent"}
	case tok != "good":
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Description: "the access token is not valid"}
	case scope != "" && !slices.Contains(a.scopes, scope):
		return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "the token lacks the " + scope + " scope"}
	}
	return nil
}

// fakeMedia keeps uploads in memory.
type fakeMedia struct {
	mu    sync.Mutex
	files map[string]string // URL → bytes
	names []string
	err   error
}

func (m *fakeMedia) Save(_ context.Context, name string, r io.Reader) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if m.files == nil {
		m.files = map[string]string{}
	}
	u := site + "/media/" + name
	m.files[u] = string(data)
	m.names = append(m.names, name)
	return u, nil
}

type env struct {
	h     *Handler
	posts *fakePosts
	auth  *fakeAuth
	media *fakeMedia
	log   *bytes.Buffer
}

var allScopes = []string{"create", "update", "delete", "undelete", "media"}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{posts: newFakePosts(), auth: &fakeAuth{scopes: allScopes}, media: &fakeMedia{}, log: &bytes.Buffer{}}
	e.h = &Handler{
		Posts: e.posts,
		Auth:  e.auth,
		Media: e.media,
		Config: Config{
			MediaEndpoint: site + "/micropub/media",
			SyndicateTo:   []Target{{UID: "https://fed.brid.gy/", Name: "Fediverse"}, {UID: "https://bsky.app/", Name: "Bluesky"}},
			PostTypes:     PostTypes("note", "article", "photo"),
			MaxBodyBytes:  4096,
			// Uploads are bounded apart from the body.
			MaxUploadBytes: 2048,
		},
		Log: slog.New(slog.NewTextHandler(e.log, nil)),
		Now: clock,
	}
	return e
}

// req is one request to the handler.
type req struct {
	method string
	target string
	ctype  string
	body   string
	token  string // "" sends none
}

func (e *env) do(t *testing.T, r req) *httptest.ResponseRecorder {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.target == "" {
		r.target = "/micropub"
	}
	hr := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	return w
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

func form(body string) req { return req{ctype: formType, body: body, token: "good"} }
func jsonReq(body string) req {
	return req{ctype: jsonType, body: body, token: "good"}
}
func get(query string) req {
	return req{method: http.MethodGet, target: "/micropub?" + query, token: "good"}
}

// part is one multipart part: a field, or a file when file is set.
type part struct{ name, value, file string }

func multipartReq(t *testing.T, parts ...part) req {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		if p.file != "" {
			var w io.Writer
			if w, err = mw.CreateFormFile(p.name, p.file); err == nil {
				_, err = io.WriteString(w, p.value)
			}
		} else {
			err = mw.WriteField(p.name, p.value)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return req{ctype: mw.FormDataContentType(), body: buf.String(), token: "good"}
}

// wantError checks w is a JSON error with status and code, whose
// description contains desc.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code, desc string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d (body %s)", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", w.Body, err)
	}
	if body["error"] != code {
		t.Errorf("error = %q, want %q", body["error"], code)
	}
	if body["error_description"] == "" || !strings.Contains(body["error_description"], desc) {
		t.Errorf("error_description = %q, want it to contain %q", body["error_description"], desc)
	}
}

// source fetches q=source for url and returns its JSON.
func (e *env) source(t *testing.T, url string, extra ...string) map[string]any {
	t.Helper()
	q := "q=source&url=" + urlQuery(url)
	for _, x := range extra {
		q += "&" + x
	}
	w := e.do(t, get(q))
	if w.Code != http.StatusOK {
		t.Fatalf("q=source: status %d: %s", w.Code, w.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// jsonEqual compares got with the JSON text want.
func jsonEqual(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON for %s: %v", what, err)
	}
	// Through JSON and back, so struct fields compare as object keys.
	var g any
	if data, err := json.Marshal(got); err == nil {
		err = json.Unmarshal(data, &g)
		if err != nil {
			t.Fatal(err)
		}
	}
	if !sameJSON(g, w) {
		g, _ := json.MarshalIndent(got, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, wi)
	}
}

// errorKind fails unless err is nil or an *Error.
func errorKind(t *testing.T, what string, err error) {
	t.Helper()
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T) is not an *Error", what, err, err)
	}
	if e != nil && (e.Status < 400 || e.Code == "" || e.Description == "") {
		t.Fatalf("%s: incomplete *Error %+v", what, e)
	}
}
