package build

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"inkstone/generator/content"
	"inkstone/generator/site"
	"inkstone/internal/config"
)

// The write path asks the Builder about the site it holds in memory, so
// that a post costs no scan of the content folder.

// Lookup returns the content path of the dated post whose root-relative
// permalink is url, drafts and deleted posts included, or "" when there
// is none. Before the first successful build it reads the content folder.
func (b *Builder) Lookup(ctx context.Context, url string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.st != nil {
		return b.st.urls[url], nil
	}
	posts, err := b.loadPosts(ctx)
	if err != nil {
		return "", err
	}
	pattern := site.Pattern(b.Config.Permalink)
	for _, p := range posts {
		if addressOf(p, pattern) == url {
			return p.Path, nil
		}
	}
	return "", nil
}

// Categories lists every tag used by a post, sorted without regard to case.
func (b *Builder) Categories(ctx context.Context) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var posts []*content.Post
	if b.st != nil {
		for _, src := range b.st.sources {
			posts = append(posts, src.post)
		}
	} else {
		var err error
		if posts, err = b.loadPosts(ctx); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range posts {
		for _, t := range p.Tags {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i]), strings.ToLower(out[j])
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out, nil
}

// Recent returns up to limit dated posts, newest first, after skipping
// offset of them; deleted posts are left out, drafts are not. The posts
// are copies the caller may change.
func (b *Builder) Recent(ctx context.Context, limit, offset int) ([]*content.Post, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var all []*content.Post
	if b.st != nil {
		for _, src := range b.st.sources {
			all = append(all, src.post)
		}
	} else {
		var err error
		if all, err = b.loadPosts(ctx); err != nil {
			return nil, err
		}
	}
	var posts []*content.Post
	for _, p := range all {
		if p.Kind == content.KindPost && !p.Date.IsZero() && !p.Deleted {
			posts = append(posts, p)
		}
	}
	sort.Slice(posts, func(i, j int) bool {
		if !posts[i].Date.Equal(posts[j].Date) {
			return posts[i].Date.After(posts[j].Date)
		}
		return posts[i].Path > posts[j].Path
	})
	if offset > len(posts) {
		offset = len(posts)
	}
	posts = posts[offset:]
	if limit >= 0 && limit < len(posts) {
		posts = posts[:limit]
	}
	// Read from disk: the copies in memory have no body.
	store := &content.Store{Dir: b.Config.ContentDir()}
	out := make([]*content.Post, 0, len(posts))
	for _, p := range posts {
		c, err := store.Load(p.Path)
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// loadPosts reads every post from disk, for lookups before a first build.
func (b *Builder) loadPosts(ctx context.Context) ([]*content.Post, error) {
	store := &content.Store{Dir: b.Config.ContentDir()}
	snap, err := store.LoadAll(ctx)
	if snap == nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return snap.Posts, nil
}

// SetConfig replaces the configuration (after the config file changed);
// the next build should be Full.
func (b *Builder) SetConfig(cfg *config.Site) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Config = cfg
	b.stale = true
}
