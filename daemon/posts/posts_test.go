package posts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/generator/build"
	"inkstone/generator/content"
	"inkstone/internal/config"
)

var clock = func() time.Time { return time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC) }

func newService(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), []byte("base_url = \"https://example.com/\"\ntitle = \"T\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(cfg, build.New(cfg, log, clock), log, clock)
}

func public(s *Service, url string) string {
	rel := strings.TrimPrefix(url, "https://example.com/")
	return filepath.Join(s.Config.PublicDir(), filepath.FromSlash(rel), "index.html")
}

func TestCreateIsLiveWhenItReturns(t *testing.T) {
	s := newService(t)
	var changes []Change
	s.Changed = func(c Change) { changes = append(changes, c) }
	url, err := s.Create(context.Background(), &content.Post{Title: "Hello there", Body: "First words."})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://example.com/2025/05/hello-there/"; url != want {
		t.Errorf("permalink = %q, want %q", url, want)
	}
	page, err := os.ReadFile(public(s, url))
	if err != nil || !strings.Contains(string(page), "First words.") {
		t.Errorf("post page not live: %v", err)
	}
	home, _ := os.ReadFile(filepath.Join(s.Config.PublicDir(), "index.html"))
	if !strings.Contains(string(home), "Hello there") {
		t.Error("home page does not list the new post")
	}
	feed, _ := os.ReadFile(filepath.Join(s.Config.PublicDir(), "feed.xml"))
	if !strings.Contains(string(feed), url) {
		t.Error("feed does not list the new post")
	}
	if len(changes) != 1 || changes[0].Path != "content/posts/2025/05/hello-there.md" {
		t.Errorf("changes = %+v", changes)
	}
}

func TestSlugClashes(t *testing.T) {
	s := newService(t)
	var urls []string
	for i := 0; i < 3; i++ {
		u, err := s.Create(context.Background(), &content.Post{Title: "Same title", Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	want := []string{"same-title/", "same-title-2/", "same-title-3/"}
	for i, u := range urls {
		if !strings.HasSuffix(u, want[i]) {
			t.Errorf("post %d at %s, want suffix %s", i, u, want[i])
		}
	}
	u, err := s.Create(context.Background(), &content.Post{Body: "", LikeOf: "https://example.org/x"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u, "/20250501093000/") {
		t.Errorf("like without words got %s, want the timestamp slug", u)
	}
}

func TestUpdateDeleteUndelete(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	url, err := s.Create(ctx, &content.Post{Body: "A note about bread.", Tags: []string{"baking"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, url, func(p *content.Post) error { p.Body = "A note about rye bread."; return nil }); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(public(s, url))
	if !strings.Contains(string(page), "rye bread") {
		t.Error("update not live")
	}
	if err := s.Delete(ctx, url); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(public(s, url)); !os.IsNotExist(err) {
		t.Errorf("deleted post still in public/: %v", err)
	}
	p, err := s.Source(ctx, url)
	if err != nil || !p.Deleted {
		t.Errorf("source after delete = %+v, %v", p, err)
	}
	if err := s.Undelete(ctx, url); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(public(s, url)); err != nil {
		t.Errorf("undeleted post not back: %v", err)
	}
	if _, err := s.Source(ctx, "https://example.com/2025/05/nothing/"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing post: err = %v, want ErrNotFound", err)
	}
}

func TestInvalidPostWritesNothing(t *testing.T) {
	s := newService(t)
	tests := []*content.Post{
		{},
		{Body: "x", InReplyTo: "not a url"},
		{Body: "x", Visibility: "friends"},
	}
	for _, p := range tests {
		_, err := s.Create(context.Background(), p)
		var ve *content.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Create(%+v) err = %v, want a ValidationError", p, err)
		}
	}
	if entries, _ := os.ReadDir(s.Config.ContentDir()); len(entries) != 0 {
		t.Errorf("content folder has %d entries after invalid posts", len(entries))
	}
}

func TestConcurrentCreates(t *testing.T) {
	s := newService(t)
	const n = 40
	var wg sync.WaitGroup
	urls := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			urls[i], errs[i] = s.Create(context.Background(), &content.Post{Title: "Busy day", Body: fmt.Sprintf("post %d", i)})
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range urls {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		if seen[urls[i]] {
			t.Fatalf("two posts at %s", urls[i])
		}
		seen[urls[i]] = true
		if _, err := os.Stat(public(s, urls[i])); err != nil {
			t.Errorf("post %s not rendered: %v", urls[i], err)
		}
	}
}
