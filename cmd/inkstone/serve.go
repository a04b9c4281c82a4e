package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"inkstone/daemon/livereload"
	"inkstone/daemon/server"
	"inkstone/generator/build"
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
// with live reload and the daemon's endpoints until ctx is done. ready,
// when set, receives the listening address (for tests).
func (a *app) serve(ctx context.Context, drafts bool, ready chan<- string) error {
	b, log, err := a.builder()
	if err != nil {
		return multiline(err)
	}
	ln, err := a.listen(b.Config)
	if err != nil {
		return err
	}
	defer ln.Close()
	// Like `hugo server`, preview with links to this server, not base_url.
	local := "http://" + ln.Addr().String() + "/"
	b.Config = b.Config.WithBaseURL(local)
	cfg := b.Config
	opt := build.Options{Drafts: drafts}
	if !drafts {
		index := newSearchIndexer(cfg, log, true)
		b.Index = index
		defer index.Wait()
	}
	if sum, err := b.Full(ctx, opt); err != nil {
		// Keep serving the previous site; the next save may fix it.
		log.Error("build failed", "err", multiline(err))
	} else {
		log.Info("built", "summary", sum.String())
	}

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
	srv := server.HTTPServer(front.Handler(), log)
	srv.RegisterOnShutdown(broker.Close)

	r := &rebuilder{app: a, b: b, opt: opt, log: log, rebuilt: broker.Reload,
		rebase: func(c *config.Site) *config.Site { return c.WithBaseURL(local) }}
	stop, err := a.background(r, ws)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintf(a.stdout, "serving %s at %s (Ctrl-C to stop)\n", cfg.PublicDir(), local)
	fmt.Fprintf(a.stdout, "Micropub: %smicropub  local token (12 h): %s\n", local, token)
	fmt.Fprintf(a.stdout, "try: curl -H 'Authorization: Bearer %s' -d h=entry -d content=Hello %smicropub\n", token, local)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return server.Serve(ctx, srv, ln)
}
