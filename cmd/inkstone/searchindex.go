package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"inkstone/generator/search"
	"inkstone/internal/config"
)

// searchIndexer keeps the bleve index in the state folder in step with
// the builds, for `inkstone search`. It opens the index for each update
// and closes it after, so that the command can open it in between.
//
// In the daemon and in serve it works in the background: a post is live
// once public/ (with the browser's search index) is updated, and the
// shell's index follows a moment later. Updates that pile up meanwhile
// are coalesced into the latest.
type searchIndexer struct {
	dir, language string
	log           *slog.Logger
	background    bool

	mu      sync.Mutex
	pending []search.Doc // the latest docs not yet indexed
	queued  bool
	running bool
	closed  bool
	done    sync.WaitGroup
}

func newSearchIndexer(cfg *config.Site, log *slog.Logger, background bool) *searchIndexer {
	return &searchIndexer{dir: filepath.Join(cfg.StateDir(), "search"), language: cfg.Language, log: log, background: background}
}

// Sync indexes docs, now or in the background.
func (x *searchIndexer) Sync(ctx context.Context, docs []search.Doc) error {
	if !x.background {
		return x.sync(ctx, docs)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.pending, x.queued = docs, true
	if !x.running && !x.closed {
		x.running = true
		x.done.Add(1)
		go x.run()
	}
	return nil
}

// settle is how long the background indexer waits for more changes
// before it indexes: a burst of posts costs one update, and the update
// does not compete with the posts for the processor.
const settle = time.Second

// run indexes the latest docs until none are waiting.
func (x *searchIndexer) run() {
	defer x.done.Done()
	for {
		time.Sleep(settle)
		x.mu.Lock()
		if !x.queued {
			x.running = false
			x.mu.Unlock()
			return
		}
		docs := x.pending
		x.pending, x.queued = nil, false
		x.mu.Unlock()
		if err := x.sync(context.Background(), docs); err != nil {
			x.log.Warn("search index not updated; `inkstone search` shows older results", "err", err)
		}
	}
}

func (x *searchIndexer) sync(ctx context.Context, docs []search.Doc) error {
	ix, err := search.OpenIndex(x.dir, x.language)
	if err != nil {
		return err
	}
	err = ix.Sync(ctx, docs)
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return err
}

// Wait returns once the background work queued so far is done; later
// updates are not made.
func (x *searchIndexer) Wait() {
	x.mu.Lock()
	x.closed = true
	x.mu.Unlock()
	x.done.Wait()
}
