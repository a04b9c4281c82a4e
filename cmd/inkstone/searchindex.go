package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
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
	// texts holds the text of docs given to Sync and maybe not indexed
	// yet. A build hands over the text of the posts it changed only: a
	// later build's docs no longer carry it (the builder lets go of the
	// text of posts it has indexed), so it is kept here until indexed.
	texts   map[docVersion]string
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
	for _, d := range docs {
		if d.Text != "" {
			if x.texts == nil {
				x.texts = map[docVersion]string{}
			}
			x.texts[docVersion{d.Key, d.Version}] = d.Text
		}
	}
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
		docs, texts := x.pending, x.texts
		x.pending, x.texts, x.queued = nil, nil, false
		x.mu.Unlock()
		docs = withTexts(docs, texts)
		if err := x.sync(context.Background(), docs); err != nil {
			x.log.Warn("search index not updated; `inkstone search` shows older results", "err", err)
		}
	}
}

// docVersion names one version of a doc.
type docVersion struct{ key, version string }

// withTexts gives back to docs the texts a later build's docs lack; docs
// is the builder's and is not changed.
func withTexts(docs []search.Doc, texts map[docVersion]string) []search.Doc {
	if len(texts) == 0 {
		return docs
	}
	out := slices.Clone(docs)
	for i := range out {
		if out[i].Text == "" {
			out[i].Text = texts[docVersion{out[i].Key, out[i].Version}]
		}
	}
	return out
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
