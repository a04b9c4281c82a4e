// Command corpus writes a synthetic inkstone site full of realistic posts,
// for benchmarks and load tests:
//
//	go run ./internal/corpus -n 10000 -out /tmp/bench [-seed 1]
//
// It creates OUT/inkstone.toml and OUT/content/posts/YYYY/MM/SLUG.md, with
// dates spread over 2018–2025. The same seed always gives byte-identical
// output.
//
// The mix, roughly: 60% untitled notes, 20% short titled articles, 10% long
// articles (500–1500 words with headings, lists and code), 5% photo posts and
// 5% replies, likes and bookmarks. Posts carry 0–3 tags from tags.txt, most
// popular first. The text comes from a tiny English grammar over the word
// list in words.txt, so it reads like (odd) sentences rather than lorem
// ipsum; code samples come from snippets.txt.
//
// Files:
//
//	main.go   flags, Generate and the file writing
//	post.go   what a post is: kind mix, front matter, slug
//	text.go   sentences, paragraphs, titles, URLs
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Options configure Generate.
type Options struct {
	N    int    // number of posts to write
	Out  string // site folder; Out/content must not exist yet
	Seed uint64 // the same seed gives the same site
}

func main() {
	var opts Options
	flag.IntVar(&opts.N, "n", 1000, "number of posts to write")
	flag.StringVar(&opts.Out, "out", "", "site folder to write (required); its content/ folder must not exist")
	flag.Uint64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same site")
	flag.Parse()
	if opts.Out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/corpus -n 10000 -out DIR [-seed 1]")
		os.Exit(2)
	}
	start := time.Now()
	if err := Generate(opts); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "corpus: wrote %d posts to %s in %v\n",
		opts.N, opts.Out, time.Since(start).Round(time.Millisecond))
}

// siteConfig is the inkstone.toml written next to the content.
const siteConfig = `base_url = "https://example.com/"
title = "Bench site"

[author]
name = "Bench Author"
`

// Generate writes opts.N posts and a minimal inkstone.toml into opts.Out.
// It refuses to touch an existing content folder.
func Generate(opts Options) error {
	if opts.N < 0 {
		return errors.New("the number of posts must not be negative")
	}
	if opts.Out == "" {
		return errors.New("no output folder given")
	}
	contentDir := filepath.Join(opts.Out, "content")
	if _, err := os.Stat(contentDir); err == nil {
		return fmt.Errorf("%s already exists: remove it or choose another folder", contentDir)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(opts.Out, "inkstone.toml"), []byte(siteConfig), 0o644); err != nil {
		return err
	}

	g := newGenerator(opts.Seed)
	taken := make(map[string]bool, opts.N) // slugs used so far
	made := make(map[string]bool)          // folders created so far
	for _, date := range g.dates(opts.N) {
		p := g.post(date)
		slug := uniqueSlug(p.slug, taken)
		dir := filepath.Join(contentDir, "posts", date.Format("2006"), date.Format("01"))
		if !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			made[dir] = true
		}
		if err := os.WriteFile(filepath.Join(dir, slug+".md"), p.bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// uniqueSlug returns slug, or slug-2, slug-3, ... whichever is free first,
// and marks it as taken.
func uniqueSlug(slug string, taken map[string]bool) string {
	s := slug
	for n := 2; taken[s]; n++ {
		s = fmt.Sprintf("%s-%d", slug, n)
	}
	taken[s] = true
	return s
}
