package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"inkstone/generator/content"
	"inkstone/internal/atomicfile"
)

func (a *app) initCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Start a new site in DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := absDir(args[0])
			if err != nil {
				return err
			}
			if err := initSite(dir, a.now()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created a new site in %s\nnext: cd %s && inkstone serve\n", dir, args[0])
			return nil
		},
	}
}

// initSite writes a config, a first post, an about page and a .gitignore.
// It refuses a folder that already holds a site.
func initSite(dir string, now time.Time) error {
	if exists(filepath.Join(dir, "inkstone.toml")) || exists(filepath.Join(dir, "content")) {
		return fmt.Errorf("%s already holds a site (inkstone.toml or content/ exists); pick an empty folder", dir)
	}
	first := &content.Post{
		Title: "Hello, world", Date: now.Truncate(time.Second), Tags: []string{"meta"},
		Body: "This is my first post, written with inkstone.\n\nEdit or delete `content/posts/` files, or post from a Micropub app.\n",
	}
	firstData, err := content.Marshal(first)
	if err != nil {
		return err
	}
	files := map[string]string{
		"inkstone.toml": `# inkstone site configuration; every key has a default.
base_url = "http://127.0.0.1:8080/"
title = "My notes"
language = "en"

[author]
name = "Your Name"
# url = "https://example.com/"
# photo = "/media/me.jpg"
`,
		".gitignore": "public/\n.inkstone/\n",
		"content/about.md": `---
title: About
---
Tell your readers who you are.
`,
		filepath.Join("content", filepath.FromSlash(content.PostPath(first, "hello-world"))): string(firstData),
	}
	for name, data := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), []byte(data), atomicfile.Options{Sync: true}); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "content", "media"), 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return nil
}
