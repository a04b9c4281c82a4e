// Package micropub is the W3C Micropub protocol
// (https://www.w3.org/TR/micropub/) over HTTP: creates sent as forms,
// JSON or multipart become content.Post values handed to a write path;
// updates, deletes and queries go to the same path. It knows HTTP and
// Micropub, not files: the write path (Posts), token checks (Auth) and
// file storage (MediaStore) are interfaces its caller provides.
package micropub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"inkstone/generator/content"
)

// Posts is the write path the handler drives.
type Posts interface {
	// Create stores a new post and returns its permalink once it is live.
	Create(ctx context.Context, p *content.Post) (permalink string, err error)
	// Update applies u (with Update.Apply) to the post at url and returns
	// its permalink, which changes when the update changes it.
	Update(ctx context.Context, url string, u Update) (permalink string, err error)
	Delete(ctx context.Context, url string) error
	Undelete(ctx context.Context, url string) error
	// Source returns the post at url, deleted or not.
	Source(ctx context.Context, url string) (*content.Post, error)
	// Recent returns up to limit posts, newest first, after skipping
	// offset of them: drafts included, deleted posts left out. Each
	// post's Properties["url"] holds its permalink.
	Recent(ctx context.Context, limit, offset int) ([]*content.Post, error)
	// Categories lists the tags in use.
	Categories(ctx context.Context) ([]string, error)
}

// Auth is what the handler needs from IndieAuth.
type Auth interface {
	// Authorize checks the request's token (Authorization: Bearer, or
	// access_token in a form body, which the handler has parsed into
	// r.PostForm before it asks) and that it carries scope; an empty
	// scope asks only for a valid token. When it fails it returns an
	// *Error: 401 unauthorized, or 403 insufficient_scope.
	Authorize(r *http.Request, scope string) error
}

// MediaStore stores the files a multipart create carries (its photo,
// video and audio parts) and returns each one's URL. Problems with the
// file itself (its type, its size) should be *Error values; any other
// error is a 500.
type MediaStore interface {
	Save(ctx context.Context, name string, r io.Reader) (url string, err error)
}

// MediaStager is a MediaStore whose saved files stay provisional until
// the post is created: Commit keeps a file, Discard takes it back (the
// store removes it unless it was stored before the request or another
// request still uses it).
type MediaStager interface {
	Commit(url string)
	Discard(url string)
}

// Target is a syndication target offered to clients (q=syndicate-to).
type Target struct {
	UID  string `json:"uid"`
	Name string `json:"name"`
}

// PostType is a post type offered to clients (q=post-types).
type PostType struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// PostTypes names each post type, e.g. "note" is {note Note}.
func PostTypes(types ...string) []PostType {
	out := make([]PostType, 0, len(types))
	for _, t := range types {
		name := t
		if r, n := utf8.DecodeRuneInString(t); n > 0 {
			name = string(unicode.ToUpper(r)) + t[n:]
		}
		out = append(out, PostType{Type: t, Name: name})
	}
	return out
}

// Config is what the handler tells clients and the limits it enforces.
type Config struct {
	// MediaEndpoint is the media endpoint's absolute URL, for q=config.
	MediaEndpoint string
	SyndicateTo   []Target
	PostTypes     []PostType
	// MaxBodyBytes bounds form and JSON bodies (default 1 MiB).
	MaxBodyBytes int64
	// MaxUploadBytes bounds each file of a multipart create (default
	// 20 MiB); a multipart body may hold MaxUploadBytes+MaxBodyBytes.
	MaxUploadBytes int64
}

// Defaults for a zero Config.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxUploadBytes = 20 << 20
)

// multipartMemory is how much of a multipart body is held in memory; the
// rest of its files spill to temporary files.
const multipartMemory = 8 << 20

// queries are the q= values the handler answers.
var queries = []string{"config", "source", "syndicate-to", "category", "post-types"}

// Handler is the Micropub endpoint.
type Handler struct {
	Posts  Posts
	Auth   Auth
	Media  MediaStore // nil: multipart creates with files are refused
	Config Config
	Log    *slog.Logger     // nil: no logging
	Now    func() time.Time // nil: time.Now
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.query(w, r)
	case http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		h.WriteError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: CodeInvalidRequest,
			Description: "use GET with q= to query, and POST to create, update or delete posts"})
	}
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	req, err := h.read(w, r)
	if r.MultipartForm != nil {
		defer func() {
			if err := r.MultipartForm.RemoveAll(); err != nil {
				h.logger().WarnContext(r.Context(), "remove multipart temporary files", "err", err)
			}
		}()
	}
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	draftOnly, err := h.authorize(r, req.action)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	if err := req.check(h.Config.SyndicateTo); err != nil {
		h.WriteError(w, r, err)
		return
	}
	switch req.action {
	case actionCreate:
		err = h.create(w, r, req, draftOnly)
	case actionUpdate:
		err = h.update(w, r, req)
	case actionDelete:
		err = h.Posts.Delete(r.Context(), req.url)
	case actionUndelete:
		err = h.Posts.Undelete(r.Context(), req.url)
	}
	switch {
	case err != nil:
		h.WriteError(w, r, err)
	case req.action == actionDelete || req.action == actionUndelete:
		h.logger().InfoContext(r.Context(), "micropub "+req.action, "url", req.url)
		w.WriteHeader(http.StatusNoContent)
	}
}

// read parses the body by its Content-Type, within the size limits.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) (*request, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		limit := h.maxBody()
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err, "form", limit)
		}
		return parseForm(r.PostForm)
	case "application/json":
		limit := h.maxBody()
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			return nil, bodyError(err, "JSON", limit)
		}
		return parseJSON(body)
	case "multipart/form-data":
		limit := h.maxUpload() + h.maxBody()
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.Header.Get("Authorization") != "" {
			// Refuse a bad token before spooling megabytes of files; the
			// scope is checked once the action is known.
			if err := h.Auth.Authorize(r, ""); err != nil {
				return nil, err
			}
		}
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			return nil, bodyError(err, "multipart", limit)
		}
		return parseMultipart(r.MultipartForm)
	}
	desc := "send application/x-www-form-urlencoded, multipart/form-data or application/json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		desc = "Content-Type " + show(ct) + " is not accepted; " + desc
	} else {
		desc = "Content-Type is missing; " + desc
	}
	return nil, &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType, Description: desc}
}

// bodyError is the error for a body that could not be read.
func bodyError(err error, kind string, limit int64) error {
	var big *http.MaxBytesError
	if errors.As(err, &big) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return tooLarge("the request body", limit)
	}
	return invalid("the %s body cannot be read; check its encoding and Content-Type", kind)
}

// authorize checks the token's scope for the action. A create needs the
// create scope; a token with only the draft scope may create drafts, and
// draftOnly says so.
func (h *Handler) authorize(r *http.Request, action string) (draftOnly bool, err error) {
	scope := action
	switch action {
	case actionCreate:
		scope = "create"
	case actionUpdate, actionDelete, actionUndelete:
	default:
		scope = "" // check refuses the action once the client is known
	}
	err = h.Auth.Authorize(r, scope)
	if err == nil || action != actionCreate {
		return false, err
	}
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusForbidden && h.Auth.Authorize(r, "draft") == nil {
		return true, nil
	}
	return false, err
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, req *request, draftOnly bool) error {
	for _, f := range req.files {
		// Every file is checked before any is stored.
		if limit := h.maxUpload(); f.file.Size > limit {
			return tooLarge(f.prop+" file "+show(f.file.Filename), limit)
		}
	}
	urls := make([]string, 0, len(req.files))
	created := false
	if st, ok := h.Media.(MediaStager); ok {
		// A create that fails takes back the files it stored, so none is
		// left without a post.
		defer func() {
			for _, u := range urls {
				if created {
					st.Commit(u)
				} else {
					st.Discard(u)
				}
			}
		}()
	}
	for _, f := range req.files {
		u, err := h.save(r.Context(), f)
		if err != nil {
			return err
		}
		urls = append(urls, u)
	}
	p, err := req.post(urls)
	if err != nil {
		return err
	}
	if draftOnly {
		if err := setProp(p, "post-status", []any{"draft"}); err != nil {
			return err
		}
	}
	if p.Date.IsZero() {
		p.Date = h.now()
	}
	permalink, err := h.Posts.Create(r.Context(), p)
	if err != nil {
		return err
	}
	created = true
	h.logger().InfoContext(r.Context(), "micropub create", "url", permalink, "draft", p.Draft)
	w.Header().Set("Location", location(permalink))
	w.WriteHeader(http.StatusCreated)
	return nil
}

// save stores one uploaded file and returns its URL.
func (h *Handler) save(ctx context.Context, f upload) (string, error) {
	if h.Media == nil {
		return "", invalid("this endpoint takes no files; upload them to the media endpoint and send their URLs")
	}
	file, err := f.file.Open()
	if err != nil {
		return "", err
	}
	defer file.Close()
	u, err := h.Media.Save(ctx, f.file.Filename, file)
	if err != nil {
		return "", err
	}
	return u, nil
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request, req *request) error {
	permalink, err := h.Posts.Update(r.Context(), req.url, req.update)
	if err != nil {
		return err
	}
	h.logger().InfoContext(r.Context(), "micropub update", "url", req.url, "permalink", permalink)
	if permalink != "" && !sameURL(permalink, req.url) {
		// Micropub §3.4.2: an update that moves the post is a 201.
		w.Header().Set("Location", location(permalink))
		w.WriteHeader(http.StatusCreated)
		return nil
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.Authorize(r, ""); err != nil {
		h.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	switch name := q.Get("q"); name {
	case "config":
		body := map[string]any{
			"syndicate-to": h.targets(),
			"post-types":   h.postTypes(),
			"q":            queries,
		}
		if h.Config.MediaEndpoint != "" {
			body["media-endpoint"] = h.Config.MediaEndpoint
		}
		writeJSON(w, http.StatusOK, body)
	case "syndicate-to":
		writeJSON(w, http.StatusOK, map[string]any{"syndicate-to": h.targets()})
	case "post-types":
		writeJSON(w, http.StatusOK, map[string]any{"post-types": h.postTypes()})
	case "category":
		cats, err := h.Posts.Categories(r.Context())
		if err != nil {
			h.WriteError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"categories": filterCategories(cats, q.Get("filter"))})
	case "source":
		h.source(w, r, q)
	case "":
		h.WriteError(w, r, invalid("q is missing; ask for q=%s", strings.Join(queries, ", q=")))
	default:
		h.WriteError(w, r, invalid("q=%s is not supported; ask for q=%s", show(name), strings.Join(queries, ", q=")))
	}
}

// Listing bounds for q=source without url.
const (
	DefaultSourceLimit = 20
	MaxSourceLimit     = 100
	maxSourceOffset    = 1_000_000
)

// source answers q=source: the post's properties, all or those asked for
// with properties[]; without url, a page of recent posts.
func (h *Handler) source(w http.ResponseWriter, r *http.Request, q url.Values) {
	want := slices.Concat(q["properties[]"], q["properties"])
	if !q.Has("url") {
		h.sourceList(w, r, q, want)
		return
	}
	u := strings.TrimSpace(q.Get("url"))
	if err := checkURL(u); err != nil {
		h.WriteError(w, r, err)
		return
	}
	p, err := h.Posts.Source(r.Context(), u)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	props := PropertiesOf(p)
	if len(want) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"type": []string{"h-entry"}, "properties": props})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"properties": pick(props, want)})
}

// sourceList answers q=source without url, as Indiekit and GoBlog do:
// {"items": [...]} of recent posts, newest first, each with its url.
func (h *Handler) sourceList(w http.ResponseWriter, r *http.Request, q url.Values, want []string) {
	limit, err := intParam(q, "limit", DefaultSourceLimit, 1, MaxSourceLimit)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	offset, err := intParam(q, "offset", 0, 0, maxSourceOffset)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	list, err := h.Posts.Recent(r.Context(), limit, offset)
	if err != nil {
		h.WriteError(w, r, err)
		return
	}
	items := make([]map[string]any, 0, len(list))
	for _, p := range list {
		props := PropertiesOf(p)
		if len(want) > 0 {
			props = pick(props, want)
		}
		items = append(items, map[string]any{"type": []string{"h-entry"}, "properties": props})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// pick keeps the properties named in want.
func pick(props Properties, want []string) Properties {
	some := Properties{}
	for _, name := range want {
		if vals, ok := props[name]; ok {
			some[name] = vals
		}
	}
	return some
}

// intParam reads an optional whole-number query parameter within
// [lo, hi], def when absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	s := strings.TrimSpace(q.Get(name))
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalid("%s=%s is not valid; send a whole number from %d to %d, or leave it out", name, show(s), lo, hi)
	}
	return n, nil
}

// filterCategories keeps the categories containing filter, ignoring case:
// those that start with it first, each group in the given order.
func filterCategories(cats []string, filter string) []string {
	out := []string{}
	if filter == "" {
		return append(out, cats...)
	}
	f := strings.ToLower(filter)
	var rest []string
	for _, c := range cats {
		lc := strings.ToLower(c)
		switch {
		case strings.HasPrefix(lc, f):
			out = append(out, c)
		case strings.Contains(lc, f):
			rest = append(rest, c)
		}
	}
	return append(out, rest...)
}

func (h *Handler) targets() []Target {
	if h.Config.SyndicateTo == nil {
		return []Target{}
	}
	return h.Config.SyndicateTo
}

func (h *Handler) postTypes() []PostType {
	if h.Config.PostTypes == nil {
		return []PostType{}
	}
	return h.Config.PostTypes
}

// location is a permalink as a Location header value: percent-encoded,
// as HTTP asks, when the path holds other than ASCII (Unicode slugs).
func location(permalink string) string {
	if u, err := url.Parse(permalink); err == nil {
		return u.String()
	}
	return permalink
}

// sameURL reports whether two URLs name the same post: the same path,
// ignoring a trailing slash, and the same host when both have one.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	if ua.Host != "" && ub.Host != "" && !strings.EqualFold(ua.Host, ub.Host) {
		return false
	}
	clean := func(p string) string { return strings.TrimSuffix(path.Clean("/"+p), "/") }
	return clean(ua.Path) == clean(ub.Path)
}

func (h *Handler) maxBody() int64 {
	if h.Config.MaxBodyBytes > 0 {
		return h.Config.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (h *Handler) maxUpload() int64 {
	if h.Config.MaxUploadBytes > 0 {
		return h.Config.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}

// now is the date of a post sent without one: whole seconds, in UTC or a
// fixed zone, as a stored date reads back.
func (h *Handler) now() time.Time {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	t := now().Truncate(time.Second)
	if _, off := t.Zone(); off != 0 {
		return t.In(time.FixedZone("", off))
	}
	return t.UTC()
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}
