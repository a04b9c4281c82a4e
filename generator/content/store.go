package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/cespare/xxhash/v2"

	"inkstone/internal/atomicfile"
	"inkstone/internal/parallel"
	"inkstone/internal/rawfile"
)

// PostsDir is the folder under content/ that holds dated posts.
const PostsDir = "posts"

// Store reads and writes the Markdown files under one content folder.
type Store struct {
	Dir string // the content folder
}

// Snapshot is everything a build reads from the content folder.
type Snapshot struct {
	Posts []*Post  // posts and pages, in path order
	Files []string // every other file (media, images), relative slash paths
}

// LoadAll reads every content file. Problems in files are collected, so
// that one call reports all of them; the error then joins *ParseError
// values. Files that parsed are returned even when others failed.
func (s *Store) LoadAll(ctx context.Context) (*Snapshot, error) {
	var mdPaths []string
	snap := &Snapshot{}
	if _, err := os.Stat(s.Dir); os.IsNotExist(err) {
		return snap, nil // a new site with nothing written yet
	}
	err := filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p == s.Dir && !d.IsDir() {
			return fmt.Errorf("%s is not a folder", p)
		}
		if p != s.Dir && Ignored(name) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.Dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(name, ".md") {
			mdPaths = append(mdPaths, rel)
		} else {
			snap.Files = append(snap.Files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", s.Dir, err)
	}
	sort.Strings(mdPaths)
	sort.Strings(snap.Files)

	posts := make([]*Post, len(mdPaths))
	errs := make([]error, len(mdPaths))
	parallel.For(ctx, runtime.GOMAXPROCS(0), len(mdPaths), func(i int) {
		posts[i], errs[i] = s.Load(mdPaths[i])
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p != nil {
			snap.Posts = append(snap.Posts, p)
		}
	}
	return snap, errors.Join(errs...)
}

// Load reads one content file by its slash path relative to Dir.
func (s *Store) Load(rel string) (*Post, error) {
	full := filepath.Join(s.Dir, filepath.FromSlash(rel))
	data, err := rawfile.Read(full)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", full, err)
	}
	p, err := Parse(path.Join(filepath.ToSlash(filepath.Base(s.Dir)), rel), data)
	if err != nil {
		return nil, err
	}
	p.Path = rel
	p.Kind = KindOf(rel)
	p.Version = xxhash.Sum64(data)
	return p, nil
}

// Save writes the post to its Path durably (file and folder fsynced).
func (s *Store) Save(p *Post) error {
	if err := CheckPath(p.Path); err != nil {
		return err
	}
	data, err := Marshal(p)
	if err != nil {
		return fmt.Errorf("save %s: %w", p.Path, err)
	}
	full := filepath.Join(s.Dir, filepath.FromSlash(p.Path))
	if err := atomicfile.WriteFile(full, data, atomicfile.Options{Sync: true}); err != nil {
		return fmt.Errorf("save %s: %w", p.Path, err)
	}
	return nil
}

// Exists reports whether a content file exists at the slash path rel.
func (s *Store) Exists(rel string) bool {
	_, err := os.Stat(filepath.Join(s.Dir, filepath.FromSlash(rel)))
	return err == nil
}

// CheckPath refuses paths that would leave the content folder.
func CheckPath(rel string) error {
	clean := path.Clean("/" + rel)[1:]
	if rel == "" || clean != rel || strings.HasPrefix(rel, "../") || strings.Contains(rel, "\\") {
		return &ValidationError{Field: "path", Problem: fmt.Sprintf("%q is not a clean path inside the content folder", rel),
			Hint: "use a relative path such as posts/2024/05/hello.md"}
	}
	return nil
}

// KindOf tells a post from a page by its path.
func KindOf(rel string) Kind {
	if strings.HasPrefix(rel, PostsDir+"/") {
		return KindPost
	}
	return KindPage
}

// PostPath is where a new post with this slug and date is stored.
func PostPath(p *Post, slug string) string {
	return fmt.Sprintf("%s/%04d/%02d/%s.md", PostsDir, p.Date.Year(), int(p.Date.Month()), slug)
}

// Ignored reports whether a file or folder name is skipped: hidden files,
// editor backups and swap files, and inkstone's own temp files.
func Ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "#") ||
		strings.HasSuffix(name, "~") || strings.HasSuffix(name, ".swp") ||
		strings.HasSuffix(name, ".swx") || strings.HasSuffix(name, ".tmp") ||
		atomicfile.IsTemp(name)
}
