package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"inkstone/daemon/gitsync"
	"inkstone/daemon/indieauth"
	"inkstone/daemon/media"
	"inkstone/daemon/metrics"
	"inkstone/daemon/micropub"
	"inkstone/daemon/posts"
	"inkstone/daemon/server"
	"inkstone/generator/build"
	"inkstone/generator/content"
	"inkstone/generator/images"
	"inkstone/internal/config"
)

func (a *app) daemonCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "daemon",
		Short: "Run the write side: Micropub, media, IndieAuth, health; rebuild on content changes",
		Long: `Run the production write side on --addr (default server.addr, 127.0.0.1:8080):
Micropub, the media endpoint, the built-in IndieAuth server and health checks.
It builds the site at start and rebuilds when content/, themes/ or the config
change (hand edits, git pull). It does not serve public/: point a reverse
proxy or static host at that folder.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.daemon(cmd.Context(), nil)
		},
	}
}

// writeSide is every daemon component, wired.
type writeSide struct {
	routes []server.Route
	checks []server.Check
	tokens *indieauth.Tokens
	verify *indieauth.Verifier
	posts  *posts.Service
	git    *gitsync.Syncer // nil when git commits are off
}

// newWriteSide builds the Micropub, media and IndieAuth handlers over b.
func (a *app) newWriteSide(cfg *config.Site, b *build.Builder, log *slog.Logger) (*writeSide, error) {
	tokens, err := a.tokens(cfg)
	if err != nil {
		return nil, err
	}
	tokens.Log = log
	ia, err := indieauth.NewServer(cfg, tokens)
	if err != nil {
		return nil, err
	}
	ia.Now, ia.Log = a.now, log
	verify := indieauth.NewVerifier(cfg, tokens, &http.Client{Timeout: 10 * time.Second})
	verify.Now, verify.Log = a.now, log

	svc := posts.New(cfg, b, log, a.now)
	ws := &writeSide{tokens: tokens, verify: verify, posts: svc}
	if cfg.Git.Commit {
		if !gitsync.IsRepo(context.Background(), cfg.Root) {
			return nil, fmt.Errorf("git.commit is on but %s is not in a git repository; run git init there or set commit = false", cfg.Root)
		}
		ws.git = gitsync.New(cfg.Root, cfg.Git.Push, cfg.Git.Remote, log)
		svc.Changed = func(c posts.Change) { ws.git.Queue(gitsync.Change{Path: c.Path, Message: c.Message}) }
	}

	photos := &images.Processor{CacheDir: images.CacheDir(cfg.StateDir()), MaxPixels: cfg.Media.MaxPixels, Log: log}
	store := &media.Store{Dir: filepath.Join(cfg.ContentDir(), "media"), URLBase: cfg.AbsURL("/media/"),
		MaxBytes: cfg.Micropub.MaxUploadBytes, Now: a.now, Images: photos, Log: log}
	// Nothing is uploading yet: whatever temp files exist, a crash left.
	if err := store.RemoveTemps(); err != nil {
		return nil, err
	}
	if err := photos.RemoveTemps(); err != nil {
		return nil, err
	}
	if ws.git != nil {
		store.Saved = func(rel string) {
			p := filepath.ToSlash(filepath.Join(cfg.Paths.Content, "media", rel))
			ws.git.Queue(gitsync.Change{Path: p, Message: "Add media " + rel})
		}
	}
	auth := authAdapter{verify}
	mp := &micropub.Handler{
		Posts: postsAdapter{svc},
		Auth:  auth,
		Media: mediaAdapter{store, cfg.Micropub.MaxUploadBytes},
		Config: micropub.Config{
			MediaEndpoint:  cfg.Endpoints.Media,
			PostTypes:      micropub.PostTypes(cfg.Micropub.PostTypes...),
			MaxBodyBytes:   cfg.Micropub.MaxBodyBytes,
			MaxUploadBytes: cfg.Micropub.MaxUploadBytes,
		},
		Log: log,
		Now: a.now,
	}
	for _, t := range cfg.Micropub.SyndicateTo {
		mp.Config.SyndicateTo = append(mp.Config.SyndicateTo, micropub.Target{UID: t.UID, Name: t.Name})
	}
	mediaHandler := &media.Handler{Store: store, Auth: auth, Log: log,
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
			var se *media.StatusError
			if errors.As(err, &se) {
				err = &micropub.Error{Status: se.Status, Code: se.Code, Description: se.Description}
			}
			mp.WriteError(w, r, err)
		},
		Publish: func(ctx context.Context) error {
			_, err := b.Apply(ctx, []string{"media"})
			return err
		},
	}
	ws.routes = append(ws.routes,
		server.Route{Path: "/micropub", Handler: mp},
		server.Route{Path: "/micropub/media", Handler: mediaHandler},
	)
	for _, rt := range ia.Routes() {
		ws.routes = append(ws.routes, server.Route{Path: rt.Path, Methods: rt.Methods, Handler: rt.Handler})
	}
	ws.checks = []server.Check{
		{Name: "content", Fn: server.WritableDir(cfg.ContentDir())},
		{Name: "public", Fn: server.WritableDir(cfg.PublicDir())},
		{Name: "state", Fn: server.WritableDir(cfg.StateDir())},
		{Name: "index", Fn: server.ReadableFile(filepath.Join(cfg.PublicDir(), "index.html"))},
		{Name: "search", Fn: server.ReadableFile(filepath.Join(cfg.PublicDir(), "search", "meta.json"))},
	}
	return ws, nil
}

// Authenticated lets a valid token see readiness details.
func (ws *writeSide) Authenticated(r *http.Request) bool {
	_, err := ws.verify.Authenticate(r)
	return err == nil
}

// daemon runs the write side until ctx is done.
func (a *app) daemon(ctx context.Context, ready chan<- string) error {
	b, log, err := a.builder()
	if err != nil {
		return multiline(err)
	}
	cfg := b.Config
	ws, err := a.newWriteSide(cfg, b, log)
	if err != nil {
		return err
	}
	index := newSearchIndexer(cfg, log, true)
	b.Index = index
	defer index.Wait()
	m := metrics.New()
	if ws.git != nil {
		ws.git.Failed = func(error) { m.GitFailed() }
		ws.git.Pending = func(n int) { m.SetQueueDepth("git", n) }
	}
	ws.posts.Waiting = func(n int) { m.SetQueueDepth("posts", n) }
	mem := newMemoryLimit(log)
	ws.posts.Built = func(d time.Duration, err error) {
		m.ObserveBuild("incremental", d, err)
		mem.follow()
	}
	committed := ws.posts.Changed
	ws.posts.Changed = func(c posts.Change) {
		m.PostWritten(c.Action)
		if committed != nil {
			committed(c)
		}
	}
	start := time.Now()
	sum, err := b.Full(ctx, build.Options{})
	m.ObserveBuild("full", time.Since(start), err)
	if err != nil {
		log.Error("build failed; serving the previous site until it is fixed", "err", multiline(err))
	} else {
		log.Info("built", "summary", sum.String())
	}
	// The first build's garbage (every page rendered once) is many times
	// what the daemon keeps; give it back rather than hold it for minutes.
	debug.FreeOSMemory()
	mem.follow()

	ln, err := a.listen(cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	srv := &server.Server{Log: log, Routes: ws.routes, Checks: ws.checks, Auth: ws, Metrics: m}
	httpSrv := server.HTTPServer(srv.Handler(), log)
	stop, err := a.background(&rebuilder{app: a, b: b, log: log, metrics: m, memory: mem}, ws)
	if err != nil {
		return err
	}
	defer stop()
	log.Info("daemon listening", "addr", ln.Addr().String(), "micropub", cfg.Endpoints.Micropub)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	// Serve returns after in-flight requests (posts) finish; stop then
	// lets the git committer finish what they queued.
	return server.Serve(ctx, httpSrv, ln)
}

// background starts the content watcher and the git committer. stop ends
// both and waits for them, so queued commits are made before it returns.
func (a *app) background(r *rebuilder, ws *writeSide) (stop func(), err error) {
	w, err := r.watcher()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if ws.git != nil {
		wg.Add(1)
		go func() { defer wg.Done(); ws.git.Run(ctx, r.b.Config.Paths.Content) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); r.run(ctx, w) }()
	return func() { cancel(); wg.Wait() }, nil
}

// authAdapter gives micropub and media the indieauth verifier, with its
// errors in micropub's form. An empty scope asks only for a valid token.
type authAdapter struct{ v *indieauth.Verifier }

func (a authAdapter) Authorize(r *http.Request, scope string) error {
	var err error
	if scope == "" {
		_, err = a.v.Authenticate(r)
	} else {
		_, err = a.v.Check(r, scope)
	}
	var ie *indieauth.Error
	if errors.As(err, &ie) {
		return &micropub.Error{Status: ie.Status, Code: ie.Code, Description: ie.Description}
	}
	return err
}

// postsAdapter fits the write path to micropub's Posts.
type postsAdapter struct{ s *posts.Service }

func (p postsAdapter) Create(ctx context.Context, post *content.Post) (string, error) {
	return p.s.Create(ctx, post)
}

func (p postsAdapter) Update(ctx context.Context, url string, u micropub.Update) (string, error) {
	permalink, err := p.s.Update(ctx, url, u.Apply)
	return permalink, notFound(err)
}

func (p postsAdapter) Delete(ctx context.Context, url string) error {
	return notFound(p.s.Delete(ctx, url))
}

func (p postsAdapter) Undelete(ctx context.Context, url string) error {
	return notFound(p.s.Undelete(ctx, url))
}

func (p postsAdapter) Source(ctx context.Context, url string) (*content.Post, error) {
	post, err := p.s.Source(ctx, url)
	return post, notFound(err)
}

func (p postsAdapter) Recent(ctx context.Context, limit, offset int) ([]*content.Post, error) {
	return p.s.Recent(ctx, limit, offset)
}

func (p postsAdapter) Categories(ctx context.Context) ([]string, error) {
	return p.s.Categories(ctx)
}

func notFound(err error) error {
	if errors.Is(err, posts.ErrNotFound) {
		return fmt.Errorf("%w: %w", micropub.ErrNotFound, err)
	}
	return err
}

// mediaAdapter stores files uploaded inside a Micropub create, with the
// media store's refusals in micropub's form.
type mediaAdapter struct {
	s   *media.Store
	max int64
}

// Save stores a file provisionally: micropub commits it once the post is
// created, or discards it when the create fails.
func (m mediaAdapter) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	url, err := m.s.Stage(ctx, name, r)
	if err == nil {
		return url, nil
	}
	var se *media.StatusError
	if errors.As(media.Refusal(err, name, m.max), &se) {
		code := micropub.CodeInvalidRequest
		if se.Status == http.StatusUnsupportedMediaType {
			code = micropub.CodeUnsupportedMediaType
		}
		return "", &micropub.Error{Status: se.Status, Code: code, Description: se.Description}
	}
	return "", err
}

func (m mediaAdapter) Commit(url string)  { m.s.Commit(url) }
func (m mediaAdapter) Discard(url string) { m.s.Discard(url) }
