package markdown

import (
	"encoding/gob"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
)

// maxCacheBytes bounds the memory the highlight cache holds on to.
const maxCacheBytes = 32 << 20

// blockCache remembers highlighted code blocks by lexer and source.
//
// chroma's lexers cost about 2 µs per character of code, which makes
// highlighting most of a build's time even though few posts have code.
// A Renderer that lives across rebuilds (the watch daemon) thus only
// pays for blocks that changed, and WriteCodeCache and ReadCodeCache
// carry the cache from one build process to the next. When full it
// starts over, which is simpler than LRU and as good for a working set
// that fits.
type blockCache struct {
	mu    sync.Mutex
	limit int
	size  int
	m     map[string]string
}

func newBlockCache(limit int) *blockCache {
	return &blockCache{limit: limit, m: make(map[string]string)}
}

func (c *blockCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *blockCache) put(key, val string) {
	n := len(key) + len(val)
	if n > c.limit/16 {
		return // one huge block must not flush everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return
	}
	if c.size+n > c.limit {
		clear(c.m)
		c.size = 0
	}
	c.m[key] = val
	c.size += n
}

// codeCacheFile is what WriteCodeCache writes.
type codeCacheFile struct {
	// Version identifies the HTML the blocks were rendered to; blocks
	// from another version are ignored rather than served stale.
	Version string
	Blocks  map[string]string
}

// codeCacheVersion changes whenever highlighted output may change: with
// this package's format (bump the number) or with chroma's lexers.
func codeCacheVersion() string {
	v := "inkstone-code-cache/1"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/alecthomas/chroma/v2" {
				v += " chroma/" + m.Version
			}
		}
	}
	return v
}

// WriteCodeCache writes the highlighted code blocks r remembers, so that
// the next build process can start with them (see ReadCodeCache).
//
// Highlighting is by far the costliest part of rendering (chroma needs
// about 1 ms for a 25-line block), and most code blocks of a site do not
// change between builds.
func (r *Renderer) WriteCodeCache(w io.Writer) error {
	c := r.code.cache
	c.mu.Lock()
	f := codeCacheFile{Version: codeCacheVersion(), Blocks: c.m}
	err := gob.NewEncoder(w).Encode(&f)
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("markdown: write code cache: %w", err)
	}
	return nil
}

// ReadCodeCache adds the blocks an earlier WriteCodeCache wrote to r's
// cache. A cache written by another version of the highlighter is
// ignored, since its HTML might differ; an unreadable one is an error,
// and r is left as it was.
//
// The blocks' HTML is output as it is, so the cache file must be trusted
// like the site's sources: keep it with the build's own files.
func (r *Renderer) ReadCodeCache(rd io.Reader) error {
	var f codeCacheFile
	if err := gob.NewDecoder(rd).Decode(&f); err != nil {
		return fmt.Errorf("markdown: read code cache: %w", err)
	}
	if f.Version != codeCacheVersion() {
		return nil
	}
	for k, v := range f.Blocks {
		r.code.cache.put(k, v)
	}
	return nil
}
