package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"inkstone/daemon/posts"
	"inkstone/generator/content"
)

// newOptions are the flags of `inkstone new`.
type newOptions struct {
	title, slug, url, summary string
	tags, photos              []string
	draft                     bool
	visibility                string
}

func (a *app) newCmd() *cobra.Command {
	var o newOptions
	cmd := &cobra.Command{
		Use:   "new TYPE [TEXT...]",
		Short: "Create a post (note, article, photo, reply, like, repost, bookmark) through the same path as Micropub",
		Long: `Create a post through the same write path as Micropub: the file is saved,
the site rebuilt, and the permalink printed. The text comes from the
arguments, or from standard input when there are none and it is not a terminal.`,
		Example: `  inkstone new note "Lunch by the harbour."
  inkstone new article --title "On bread" < bread.md
  inkstone new like --url https://example.com/post
  inkstone new photo --photo /media/boat.jpg "Evening light"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.Join(args[1:], " ")
			if text == "" && !isTerminal(os.Stdin) {
				data, err := io.ReadAll(io.LimitReader(os.Stdin, 4<<20))
				if err != nil {
					return fmt.Errorf("read standard input: %w", err)
				}
				text = string(data)
			}
			p, err := o.post(content.Type(args[0]), text)
			if err != nil {
				return err
			}
			b, log, err := a.builder()
			if err != nil {
				return multiline(err)
			}
			svc := posts.New(b.Config, b, log, a.now)
			url, err := svc.Create(cmd.Context(), p)
			if err != nil {
				return multiline(err)
			}
			fmt.Fprintf(a.stdout, "%s\n", url)
			fmt.Fprintf(a.stderr, "saved %s/%s\n", b.Config.Paths.Content, p.Path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.title, "title", "", "title (articles need one)")
	f.StringVar(&o.slug, "slug", "", "slug for the URL (default: from the title or first words)")
	f.StringVar(&o.url, "url", "", "the URL a reply, like, repost or bookmark points at")
	f.StringVar(&o.summary, "summary", "", "summary")
	f.StringSliceVar(&o.tags, "tag", nil, "tag (repeat or comma-separate)")
	f.StringSliceVar(&o.photos, "photo", nil, "photo URL, e.g. /media/x.jpg (repeat for more)")
	f.BoolVar(&o.draft, "draft", false, "save as a draft")
	f.StringVar(&o.visibility, "visibility", "", "public, unlisted or private")
	return cmd
}

// post turns the flags into a Post for the given type.
func (o *newOptions) post(t content.Type, text string) (*content.Post, error) {
	p := &content.Post{Title: o.title, Slug: o.slug, Summary: o.summary, Tags: o.tags, Draft: o.draft,
		Visibility: content.Visibility(o.visibility), Body: strings.TrimSpace(text) + "\n"}
	if strings.TrimSpace(text) == "" {
		p.Body = ""
	}
	for _, u := range o.photos {
		p.Photo = append(p.Photo, content.Media{URL: u})
	}
	need := func(flag, what string) error {
		return fmt.Errorf("a %s needs %s; add %s", t, what, flag)
	}
	switch t {
	case content.TypeNote:
		if p.Body == "" {
			return nil, need("TEXT", "some text")
		}
	case content.TypeArticle:
		if p.Title == "" {
			return nil, need(`--title "..."`, "a title")
		}
		p.Type = content.TypeArticle
	case content.TypePhoto:
		if len(p.Photo) == 0 {
			return nil, need("--photo URL", "a photo")
		}
	case content.TypeReply:
		if o.url == "" {
			return nil, need("--url URL", "the URL it replies to")
		}
		p.InReplyTo = o.url
	case content.TypeLike:
		if o.url == "" {
			return nil, need("--url URL", "the URL it likes")
		}
		p.LikeOf = o.url
	case content.TypeRepost:
		if o.url == "" {
			return nil, need("--url URL", "the URL it reposts")
		}
		p.RepostOf = o.url
	case content.TypeBookmark:
		if o.url == "" {
			return nil, need("--url URL", "the URL it bookmarks")
		}
		p.BookmarkOf = o.url
	default:
		return nil, fmt.Errorf("unknown post type %q; use note, article, photo, reply, like, repost or bookmark", t)
	}
	return p, nil
}

// isTerminal reports whether f is an interactive terminal, so `new` does
// not wait on a keyboard for text that is not coming.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
