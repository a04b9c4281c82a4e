package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"inkstone/daemon/livereload"
	"inkstone/daemon/server"
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

	ws, err := a.newWriteSide(cfg, b, log)
	if err != nil {
		return err
	}
	// A short-lived token so a newcomer can post with curl right away.
	token, _, err := ws.tokens.Create("serve", []string{"create", "update", "delete", "undelete", "media"}, "", 12*time.Hour)
	if err != nil {
		return err
	}
	broker := livereload.NewBroker()
	routes := append(ws.routes,
		server.Route{Path: livereload.EventsPath, Handler: broker},
		server.Route{Path: "/", Prefix: true, Handler: &livereload.Site{Dir: cfg.PublicDir()}})
	front := &server.Server{Log: log, Routes: routes, Checks: ws.checks, Auth: ws}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	gitDone := make(chan struct{})
	go func() {
		if ws.git != nil {
			ws.git.Run(bg, cfg.Paths.Content)
		}
		close(gitDone)
	}()
	defer func() { stopBG(); <-gitDone }()

	srv := server.HTTPServer(front.Handler(), log)
	srv.RegisterOnShutdown(broker.Close)
	fmt.Fprintf(a.stdout, "serving %s at %s (Ctrl-C to stop)\n", cfg.PublicDir(), local)
	fmt.Fprintf(a.stdout, "Micropub: %smicropub  local token (12 h): %s\n", local, token)
	fmt.Fprintf(a.stdout, "try: curl -H 'Authorization: Bearer %s' -d h=entry -d content=Hello %smicropub\n", token, local)
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

	return server.Serve(ctx, srv, ln)
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
