package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"inkstone/daemon/metrics"
	"inkstone/generator/build"
	"inkstone/generator/watch"
	"inkstone/internal/config"
)

// listen opens the address from --addr, else the config's server.addr.
func (a *app) listen(cfg *config.Site) (net.Listener, error) {
	addr := a.addr
	if addr == "" {
		addr = cfg.Server.Addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server running? pick one with --addr)", addr, err)
	}
	return ln, nil
}

// rebuilder keeps public/ in step with content/, themes/ and the config,
// for both `serve` and `daemon`.
type rebuilder struct {
	app *app
	b   *build.Builder
	opt build.Options
	log *slog.Logger
	// rebase adjusts a reloaded config, e.g. to serve's local base URL.
	rebase func(*config.Site) *config.Site
	// rebuilt, when set, runs after each successful rebuild.
	rebuilt func()
	metrics *metrics.Metrics // nil: not measured
	memory  *memoryLimit     // nil: the runtime's defaults
}

// watcher watches the folders and file a build reads.
func (r *rebuilder) watcher() (*watch.Watcher, error) {
	cfg := r.b.Config
	w, err := watch.New(r.log, cfg.ContentDir(), cfg.ThemesDir(), cfg.ConfigPath())
	if err != nil {
		return nil, fmt.Errorf("watch content: %w", err)
	}
	return w, nil
}

// run rebuilds after each batch of changes from w until ctx is done.
func (r *rebuilder) run(ctx context.Context, w *watch.Watcher) {
	defer w.Close()
	batches := make(chan []watch.Change)
	go w.Run(ctx, batches)
	for {
		select {
		case <-ctx.Done():
			return
		case batch := <-batches:
			if batch = relevant(batch, r.b.Config); len(batch) > 0 {
				r.rebuild(ctx, batch)
			}
		}
	}
}

// relevant keeps the changes under content/ and themes/ and to the config
// file; the watch on the site folder (for the config) sees other names too.
func relevant(batch []watch.Change, cfg *config.Site) []watch.Change {
	var out []watch.Change
	for _, c := range batch {
		if c.Path == cfg.ConfigPath() || within(c.Path, cfg.ContentDir()) || within(c.Path, cfg.ThemesDir()) {
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
// config and, like a theme change, rebuilds the whole site; changes under
// content/ rebuild only what they touch.
func (r *rebuilder) rebuild(ctx context.Context, batch []watch.Change) {
	cfg := r.b.Config
	full := false
	var paths []string
	for _, c := range batch {
		switch {
		case c.Path == cfg.ConfigPath():
			full = true
		case within(c.Path, cfg.ContentDir()):
			rel, err := filepath.Rel(cfg.ContentDir(), c.Path)
			if err == nil {
				paths = append(paths, filepath.ToSlash(rel))
			}
		default:
			full = true // the theme
		}
	}
	for _, c := range batch {
		if c.Path != cfg.ConfigPath() {
			continue
		}
		next, err := r.app.siteConfig()
		if err != nil {
			r.log.Error("config has problems; keeping the previous one", "err", multiline(err))
			return
		}
		if r.rebase != nil {
			next = r.rebase(next)
		}
		r.b.SetConfig(next)
		break
	}
	var sum build.Summary
	var err error
	start := time.Now()
	kind := "incremental"
	if full {
		kind = "full"
		sum, err = r.b.Full(ctx, r.opt)
	} else {
		sum, err = r.b.Apply(ctx, paths)
	}
	r.metrics.ObserveBuild(kind, time.Since(start), err)
	r.memory.follow()
	if err != nil {
		r.log.Error("rebuild failed; still serving the previous site", "changes", len(batch), "err", multiline(err))
		return
	}
	r.log.Info("rebuilt", "changes", len(batch), "full", full, "summary", sum.String())
	if r.rebuilt != nil {
		r.rebuilt()
	}
}
