// Package posts is the one write path for posts, shared by Micropub and
// `inkstone new`: validate, pick a unique slug, save the Markdown file
// durably, rebuild, and only then report the permalink. Writes are
// serialised, so concurrent posts never clash.
package posts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"inkstone/generator/build"
	"inkstone/generator/content"
	"inkstone/generator/site"
	"inkstone/internal/atomicfile"
	"inkstone/internal/config"
)

// Builder is the part of the generator the write path drives: it
// rebuilds what changed and answers from the site it holds in memory.
type Builder interface {
	// Apply rebuilds after the content files at paths (relative to the
	// content folder) changed.
	Apply(ctx context.Context, paths []string) (build.Summary, error)
	// Lookup returns the content path of the post with a root-relative
	// permalink, or "".
	Lookup(ctx context.Context, url string) (string, error)
	Categories(ctx context.Context) ([]string, error)
}

// ErrNotFound means no post lives at the given URL.
var ErrNotFound = errors.New("no post at that URL")

// Change describes a write, for side effects such as git commits.
type Change struct {
	Action  string // create, update, delete or undelete
	Path    string // content path relative to the site root, e.g. content/posts/2025/05/x.md
	Message string // e.g. "Create post 2025/05/x"
}

// Service writes posts.
type Service struct {
	Config  *config.Site
	Store   *content.Store
	Builder Builder
	Log     *slog.Logger
	Now     func() time.Time
	// Changed, when set, is called after each successful write, off the
	// lock; it must not block (gitsync queues the commit).
	Changed func(Change)
	// Waiting, when set, is told how many writes wait for the write lock.
	Waiting func(n int)
	// Built, when set, is given each rebuild's duration and error.
	Built func(d time.Duration, err error)

	mu      sync.Mutex
	waiting atomic.Int64
}

// lock takes the write lock, counting the writes that wait for it.
func (s *Service) lock() {
	if s.Waiting != nil {
		s.Waiting(int(s.waiting.Add(1)))
	}
	s.mu.Lock()
	if s.Waiting != nil {
		s.Waiting(int(s.waiting.Add(-1)))
	}
}

// New returns a Service writing into cfg's content folder.
func New(cfg *config.Site, b Builder, log *slog.Logger, now func() time.Time) *Service {
	return &Service{Config: cfg, Store: &content.Store{Dir: cfg.ContentDir()}, Builder: b, Log: log, Now: now}
}

// Create stores a new post and rebuilds the site. It returns the post's
// absolute permalink once the page is live.
func (s *Service) Create(ctx context.Context, p *content.Post) (string, error) {
	s.lock()
	defer s.mu.Unlock()
	now := s.Now()
	if p.Date.IsZero() {
		p.Date = now.Truncate(time.Second)
	}
	if err := Validate(p); err != nil {
		return "", err
	}
	p.Kind = content.KindPost
	slug := content.SlugFor(p, now)
	pattern := site.Pattern(s.Config.Permalink)
	var lookupErr error
	slug = content.UniqueSlug(slug, func(c string) bool {
		if s.Store.Exists(content.PostPath(p, c)) {
			return true
		}
		rel, err := s.Builder.Lookup(ctx, pattern.Expand(c, p.Date))
		if err != nil {
			lookupErr = err
		}
		return rel != "" || err != nil
	})
	if lookupErr != nil {
		return "", lookupErr
	}
	p.Path = content.PostPath(p, slug)
	if p.Slug != "" {
		// Keep the client's mp-slug only when it is what we used.
		p.Slug = slug
	}
	if err := s.Store.Save(p); err != nil {
		return "", err
	}
	if err := s.rebuild(ctx, p.Path); err != nil {
		// Roll back so a failed request leaves nothing behind.
		if rerr := os.Remove(s.full(p.Path)); rerr != nil {
			s.Log.Error("roll back failed create", "path", p.Path, "err", rerr)
		}
		return "", err
	}
	s.changed(p.Path, "create", "Create "+describe(p))
	return s.Config.AbsURL(site.URLFor(p, pattern)), nil
}

// Update loads the post at url, lets apply change it, saves and rebuilds.
func (s *Service) Update(ctx context.Context, rawURL string, apply func(*content.Post) error) (string, error) {
	s.lock()
	defer s.mu.Unlock()
	p, err := s.find(ctx, rawURL)
	if err != nil {
		return "", err
	}
	old, err := os.ReadFile(s.full(p.Path))
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	if err := apply(p); err != nil {
		return "", err
	}
	if err := Validate(p); err != nil {
		return "", err
	}
	p.Updated = s.Now().Truncate(time.Second)
	if err := s.saveAndBuild(ctx, p, old); err != nil {
		return "", err
	}
	s.changed(p.Path, "update", "Update "+describe(p))
	return s.Config.AbsURL(site.URLFor(p, site.Pattern(s.Config.Permalink))), nil
}

// Delete marks the post deleted: it leaves public/ but its file stays, so
// Undelete can bring it back.
func (s *Service) Delete(ctx context.Context, rawURL string) error {
	return s.setDeleted(ctx, rawURL, true)
}

// Undelete brings a deleted post back.
func (s *Service) Undelete(ctx context.Context, rawURL string) error {
	return s.setDeleted(ctx, rawURL, false)
}

func (s *Service) setDeleted(ctx context.Context, rawURL string, deleted bool) error {
	s.lock()
	defer s.mu.Unlock()
	p, err := s.find(ctx, rawURL)
	if err != nil {
		return err
	}
	if p.Deleted == deleted {
		return nil
	}
	old, err := os.ReadFile(s.full(p.Path))
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	p.Deleted = deleted
	if err := s.saveAndBuild(ctx, p, old); err != nil {
		return err
	}
	verb := "Delete "
	if !deleted {
		verb = "Undelete "
	}
	s.changed(p.Path, strings.ToLower(strings.TrimSpace(verb)), verb+describe(p))
	return nil
}

// Source returns the post at url, deleted or not.
func (s *Service) Source(ctx context.Context, rawURL string) (*content.Post, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(ctx, rawURL)
}

// Categories lists every tag in use, sorted.
func (s *Service) Categories(ctx context.Context) ([]string, error) {
	return s.Builder.Categories(ctx)
}

// saveAndBuild writes p and rebuilds; on a failed build it restores the
// previous bytes of the file.
func (s *Service) saveAndBuild(ctx context.Context, p *content.Post, old []byte) error {
	if err := s.Store.Save(p); err != nil {
		return err
	}
	if err := s.rebuild(ctx, p.Path); err != nil {
		if rerr := atomicfile.WriteFile(s.full(p.Path), old, atomicfile.Options{Sync: true}); rerr != nil {
			s.Log.Error("restore after failed build", "path", p.Path, "err", rerr)
		}
		return err
	}
	return nil
}

func (s *Service) rebuild(ctx context.Context, rel string) error {
	start := time.Now()
	_, err := s.Builder.Apply(ctx, []string{rel})
	if s.Built != nil {
		s.Built(time.Since(start), err)
	}
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	return nil
}

// find maps a permalink (absolute or root-relative) to its post.
func (s *Service) find(ctx context.Context, rawURL string) (*content.Post, error) {
	u, err := url.Parse(rawURL)
	if err != nil || rawURL == "" {
		return nil, &content.ValidationError{Field: "url", Problem: fmt.Sprintf("%q is not a URL", rawURL),
			Hint: "send the post's permalink"}
	}
	want := path.Clean("/"+u.Path) + "/"
	if want == "//" {
		want = "/"
	}
	rel, err := s.Builder.Lookup(ctx, want)
	if err != nil {
		return nil, err
	}
	if rel == "" {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, rawURL)
	}
	p, err := s.Store.Load(rel)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", rel, err)
	}
	return p, nil
}

func (s *Service) full(rel string) string {
	return filepath.Join(s.Store.Dir, filepath.FromSlash(rel))
}

func (s *Service) changed(rel, action, msg string) {
	if s.Changed == nil {
		return
	}
	s.Changed(Change{Action: action, Path: filepath.ToSlash(filepath.Join(s.Config.Paths.Content, rel)), Message: msg})
}

// describe names a post in a commit message.
func describe(p *content.Post) string {
	name := strings.TrimSuffix(strings.TrimPrefix(p.Path, content.PostsDir+"/"), ".md")
	if p.Title != "" {
		return fmt.Sprintf("%s %q", name, p.Title)
	}
	return name
}

// Validate checks what a post needs before it is stored.
func Validate(p *content.Post) error {
	if p.Date.IsZero() {
		return &content.ValidationError{Field: "published", Problem: "is missing", Hint: "send an RFC 3339 date or leave it out for now"}
	}
	if p.Type != "" && !p.Type.Valid() {
		return &content.ValidationError{Field: "type", Problem: fmt.Sprintf("unknown post type %q", p.Type)}
	}
	switch p.Visibility {
	case "", content.Public, content.Unlisted, content.Private:
	default:
		return &content.ValidationError{Field: "visibility", Problem: fmt.Sprintf("unknown visibility %q", p.Visibility),
			Hint: "use public, unlisted or private"}
	}
	for field, v := range map[string]string{"in-reply-to": p.InReplyTo, "like-of": p.LikeOf, "repost-of": p.RepostOf, "bookmark-of": p.BookmarkOf} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return &content.ValidationError{Field: field, Problem: fmt.Sprintf("%q is not an absolute http(s) URL", v),
				Hint: "send the full address, starting with https://"}
		}
	}
	if strings.TrimSpace(p.Body) == "" && p.Title == "" && p.LikeOf == "" && p.RepostOf == "" &&
		p.BookmarkOf == "" && len(p.Photo) == 0 && len(p.Video) == 0 && len(p.Audio) == 0 {
		return &content.ValidationError{Field: "content", Problem: "the post is empty",
			Hint: "send content, a name, a photo, or a like-of/repost-of/bookmark-of URL"}
	}
	return nil
}
