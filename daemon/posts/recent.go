package posts

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"inkstone/generator/content"
	"inkstone/generator/site"
)

// recentLister is a Builder that can list posts from the site it holds
// in memory, sparing a scan of the content folder.
type recentLister interface {
	Recent(ctx context.Context, limit, offset int) ([]*content.Post, error)
}

// Recent returns up to limit posts, newest first, after skipping offset
// of them: drafts and private posts included (the owner asks), deleted
// posts left out. Each post's Properties["url"] holds its absolute
// permalink, as Micropub's url property. The posts are copies.
func (s *Service) Recent(ctx context.Context, limit, offset int) ([]*content.Post, error) {
	if limit < 0 || offset < 0 {
		return nil, fmt.Errorf("recent: limit %d and offset %d must not be negative", limit, offset)
	}
	var list []*content.Post
	if r, ok := s.Builder.(recentLister); ok {
		var err error
		if list, err = r.Recent(ctx, limit, offset); err != nil {
			return nil, fmt.Errorf("recent: %w", err)
		}
	} else {
		var err error
		if list, err = s.recentFromDisk(ctx, limit, offset); err != nil {
			return nil, err
		}
	}
	pattern := site.Pattern(s.Config.Permalink)
	out := make([]*content.Post, 0, len(list))
	for _, p := range list {
		c := *p
		// The map may be shared with the builder's copy: never write into it.
		c.Properties = maps.Clone(p.Properties)
		if c.Properties == nil {
			c.Properties = map[string]any{}
		}
		c.Properties["url"] = []any{s.Config.AbsURL(site.URLFor(&c, pattern))}
		out = append(out, &c)
	}
	return out, nil
}

// recentFromDisk is Recent for a Builder that holds no site: it reads
// every post under the content folder.
func (s *Service) recentFromDisk(ctx context.Context, limit, offset int) ([]*content.Post, error) {
	snap, err := s.Store.LoadAll(ctx)
	if snap == nil {
		return nil, fmt.Errorf("recent: %w", err)
	}
	var posts []*content.Post
	for _, p := range snap.Posts {
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
	posts = posts[min(offset, len(posts)):]
	return posts[:min(limit, len(posts))], nil
}
