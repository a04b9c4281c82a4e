package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"inkstone/daemon/livereload"
	"inkstone/generator/build"
	"inkstone/generator/watch"
	"inkstone/internal/config"
)

func (a *app) serveCmd() *cobra.Command {
	var drafts bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Build, watch and serve the site with live reload",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), drafts, nil)
		},
	}
	cmd.Flags().BoolVar(&drafts, "drafts", false, "include drafts")
	return cmd
}

// serve builds the site, then rebuilds on every change and serves public/
// with live reload until ctx is done. ready, when set, receives the
// listening address (for tests).
func (a *app) serve(ctx context.Context, drafts bool, ready chan<- string) error {
	b, log, err := a.builder()
	if err != nil {
		return multiline(err)
	}
	addr := a.addr
	if addr == "" {
		addr = b.Config.Server.Addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running? pick one with --addr)", addr, err)
	}
	defer ln.Close()
	// Like `hugo server`, preview with links to this server, not base_url.
	local := "http://" + ln.Addr().String() + "/"
	b.Config = b.Config.WithBaseURL(local)
	cfg := b.Config
	opt := build.Options{Drafts: drafts}
	sum, err := b.Full(ctx, opt)
	if err != nil {
		// Keep serving the previous site; the next save may fix it.
		log.Error("build failed", "err", multiline(err))
	} else {
		log.Info("built", "summary", sum.String())
	}

	configFile := cfg.File
	if configFile == "" {
		configFile = filepath.Join(cfg.Root, config.FileName)
	}
	w, err := watch.New(log, cfg.ContentDir(), cfg.ThemesDir(), configFile)
	if err != nil {
		return err
	}
	defer w.Close()

	broker := livereload.NewBroker()
	mux := http.NewServeMux()
	mux.Handle(livereload.EventsPath, broker)
	mux.Handle("/", &livereload.Site{Dir: cfg.PublicDir()})

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(a.stdout, "serving %s at %s (Ctrl-C to stop)\n", cfg.PublicDir(), local)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	batches := make(chan []watch.Change)
	go w.Run(ctx, batches)
	go func() {
		for batch := range batches {
			if batch = relevant(batch, cfg, configFile); len(batch) > 0 {
				a.rebuild(ctx, b, opt, log, batch, configFile, local, broker)
			}
		}
	}()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// relevant keeps the changes under content/ and themes/ and to the config
// file; the watch on the site folder (for the config) sees other names too.
func relevant(batch []watch.Change, cfg *config.Site, configFile string) []watch.Change {
	var out []watch.Change
	for _, c := range batch {
		if c.Path == configFile || within(c.Path, cfg.ContentDir()) || within(c.Path, cfg.ThemesDir()) {
			out = append(out, c)
		}
	}
	return out
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// rebuild runs after a batch of changes: a config change reloads the
// config first; then the whole site is rebuilt and browsers reload.
func (a *app) rebuild(ctx context.Context, b *build.Builder, opt build.Options, log *slog.Logger, batch []watch.Change, configFile, local string, broker *livereload.Broker) {
	for _, c := range batch {
		if c.Path != configFile {
			continue
		}
		cfg, err := a.config()
		if err != nil {
			log.Error("config has problems; keeping the previous one", "err", multiline(err))
			return
		}
		b.Config = cfg.WithBaseURL(local)
	}
	sum, err := b.Full(ctx, opt)
	if err != nil {
		log.Error("rebuild failed; still serving the previous site", "changes", len(batch), "err", multiline(err))
		return
	}
	log.Info("rebuilt", "changes", len(batch), "summary", sum.String())
	broker.Reload()
}
