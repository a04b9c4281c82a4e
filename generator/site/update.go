package site

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"inkstone/generator/content"
)

// ErrAssemble is returned by Update when the change is better made, or
// its problem better reported, by Assemble on every entry.
var ErrAssemble = errors.New("site: assemble every entry")

// link sets the neighbours of posts[i]: Prev is the older post, Next the
// newer one.
func link(posts []*Entry, i int) {
	e := posts[i]
	e.Next, e.Prev = nil, nil
	if i > 0 {
		e.Next = posts[i-1]
	}
	if i+1 < len(posts) {
		e.Prev = posts[i+1]
	}
}

// newer orders posts as Site.Posts holds them: newest first, then by path,
// descending.
func newer(a, b *Entry) int {
	if c := b.Post.Date.Compare(a.Post.Date); c != 0 {
		return c
	}
	return strings.Compare(b.Post.Path, a.Post.Path)
}

// pathDesc orders entries and pages as Update keeps them: by path,
// descending, the order a build gives Assemble.
func pathDesc(a, b *Entry) int { return strings.Compare(b.Post.Path, a.Post.Path) }

// Update returns the site as Assemble would make it from s's entries
// without those in gone and with those in fresh, in time proportional to
// the change rather than to the site: a post written to a large site
// changes a few lists. What did not change (most tags and years) is shared
// with s, and s's URL index is changed in place, so s must not be used
// afterwards. Entries of gone that s does not hold are ignored. Update
// returns ErrAssemble for a URL clash, which Assemble reports in full.
//
// It relies on what Assemble relies on: entries ordered by path,
// descending, as a build passes them.
func (s *Site) Update(gone, fresh []*Entry) (*Site, error) {
	if s.byURL == nil {
		return nil, ErrAssemble
	}
	out := gone
	gone = gone[:0:0]
	for _, g := range out {
		if s.byURL[g.URL] == g {
			gone = append(gone, g)
		}
	}
	isGone := make(map[*Entry]bool, len(gone))
	for _, g := range gone {
		isGone[g] = true
		delete(s.byURL, g.URL)
	}
	for _, f := range fresh {
		if _, taken := s.byURL[f.URL]; taken {
			return nil, ErrAssemble
		}
		s.byURL[f.URL] = f
	}

	n := &Site{byURL: s.byURL}
	var freshPosts, freshEntries, freshPages []*Entry
	for _, f := range fresh {
		switch {
		case f.Post.Kind == content.KindPage:
			freshPages = append(freshPages, f)
		default:
			freshEntries = append(freshEntries, f)
			if f.Listed {
				freshPosts = append(freshPosts, f)
			}
		}
	}
	n.Pages = merge(s.Pages, isGone, freshPages, pathDesc)
	n.Entries = merge(s.Entries, isGone, freshEntries, pathDesc)
	n.Posts = merge(s.Posts, isGone, freshPosts, newer)

	// Relink the posts next to a change: those added, and those that
	// stood next to one taken out.
	var touched []*Entry
	touched = append(touched, freshPosts...)
	for _, g := range gone {
		if g.Listed {
			touched = append(touched, g.Prev, g.Next)
		}
	}
	for _, t := range touched {
		if t == nil || isGone[t] {
			continue
		}
		i, found := slices.BinarySearchFunc(n.Posts, t, newer)
		if !found {
			continue
		}
		for j := max(0, i-1); j <= min(len(n.Posts)-1, i+1); j++ {
			link(n.Posts, j)
		}
	}
	for _, g := range gone {
		g.Prev, g.Next = nil, nil
	}

	n.Tags = s.updateTags(gone, freshPosts, isGone)
	n.Years = s.updateYears(gone, freshPosts, isGone)
	return n, nil
}

// merge returns list without the entries in gone and with add inserted
// where order puts them; list is left as it was.
func merge(list []*Entry, gone map[*Entry]bool, add []*Entry, order func(a, b *Entry) int) []*Entry {
	out := make([]*Entry, 0, len(list)+len(add))
	for _, e := range list {
		if !gone[e] {
			out = append(out, e)
		}
	}
	for _, a := range add {
		i, _ := slices.BinarySearchFunc(out, a, order)
		out = slices.Insert(out, i, a)
	}
	return out
}

// updateTags remakes the tags a change touches, as Assemble makes them:
// a tag's posts newest first, once for each of a post's tags with that
// slug, and its name from the newest post.
func (s *Site) updateTags(gone, fresh []*Entry, isGone map[*Entry]bool) []*Tag {
	slugs := map[string]bool{}
	for _, es := range [][]*Entry{gone, fresh} {
		for _, e := range es {
			if e.Listed {
				for _, r := range e.Tags {
					slugs[r.Slug] = true
				}
			}
		}
	}
	if len(slugs) == 0 {
		return s.Tags
	}
	tags := slices.Clone(s.Tags)
	bySlug := func(t *Tag, slug string) int { return strings.Compare(t.Slug, slug) }
	for slug := range slugs {
		var posts []*Entry
		i, found := slices.BinarySearchFunc(tags, slug, bySlug)
		if found {
			posts = tags[i].Posts
		}
		var add []*Entry
		for _, f := range fresh {
			for _, r := range f.Tags {
				if r.Slug == slug {
					add = append(add, f)
				}
			}
		}
		posts = merge(posts, isGone, add, newer)
		switch {
		case len(posts) == 0 && found:
			tags = slices.Delete(tags, i, i+1)
		case len(posts) == 0:
		default:
			t := &Tag{Posts: posts}
			for _, r := range posts[0].Tags {
				if r.Slug == slug {
					t.TagRef = r
					break
				}
			}
			if found {
				tags[i] = t
			} else {
				tags = slices.Insert(tags, i, t)
			}
		}
	}
	return tags
}

// updateYears remakes the year archives a change touches.
func (s *Site) updateYears(gone, fresh []*Entry, isGone map[*Entry]bool) []*Year {
	touched := map[int]bool{}
	for _, es := range [][]*Entry{gone, fresh} {
		for _, e := range es {
			if e.Listed {
				touched[e.Post.Date.Year()] = true
			}
		}
	}
	if len(touched) == 0 {
		return s.Years
	}
	years := slices.Clone(s.Years)
	byYear := func(y *Year, year int) int { return cmp.Compare(year, y.Year) } // newest first
	for year := range touched {
		var posts []*Entry
		i, found := slices.BinarySearchFunc(years, year, byYear)
		if found {
			posts = years[i].Posts
		}
		var add []*Entry
		for _, f := range fresh {
			if f.Listed && f.Post.Date.Year() == year {
				add = append(add, f)
			}
		}
		posts = merge(posts, isGone, add, newer)
		switch {
		case len(posts) == 0 && found:
			years = slices.Delete(years, i, i+1)
		case len(posts) == 0:
		case found:
			years[i] = &Year{Year: year, URL: years[i].URL, Posts: posts}
		default:
			years = slices.Insert(years, i, &Year{Year: year, URL: yearURL(year), Posts: posts})
		}
	}
	return years
}
