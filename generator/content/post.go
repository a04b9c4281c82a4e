// Package content is inkstone's domain: a Post, the YAML front matter that
// stores it, slugs, Post Type Discovery and the Store that reads and writes
// Markdown files under content/.
package content

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Type is a post type, as named by Post Type Discovery.
type Type string

// The post types inkstone renders.
const (
	TypeNote     Type = "note"
	TypeArticle  Type = "article"
	TypePhoto    Type = "photo"
	TypeVideo    Type = "video"
	TypeAudio    Type = "audio"
	TypeReply    Type = "reply"
	TypeLike     Type = "like"
	TypeRepost   Type = "repost"
	TypeBookmark Type = "bookmark"
)

// Types lists every known post type in a stable order.
var Types = []Type{TypeNote, TypeArticle, TypePhoto, TypeVideo, TypeAudio, TypeReply, TypeLike, TypeRepost, TypeBookmark}

// Valid reports whether t is a known post type.
func (t Type) Valid() bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// Visibility says where a post may appear.
type Visibility string

// Visibility values, as in Micropub's visibility property.
const (
	Public   Visibility = "public"   // everywhere
	Unlisted Visibility = "unlisted" // its own page only: no lists, feeds, sitemap or search
	Private  Visibility = "private"  // never rendered
)

// Kind tells posts (dated, in feeds) from standalone pages such as about.md.
type Kind int

// The kinds of content file.
const (
	KindPost Kind = iota // content/posts/...
	KindPage             // any other Markdown file, e.g. content/about.md
)

// Media is a photo, video or audio attachment: a URL with optional alt text.
type Media struct {
	URL string `yaml:"url" json:"url"`
	Alt string `yaml:"alt,omitempty" json:"alt,omitempty"`
}

// Post is one content file: typed fields for every key inkstone understands,
// and Properties for any other key so that nothing a client sent is lost.
type Post struct {
	// Path is the file's path relative to the content folder, with forward
	// slashes, e.g. "posts/2024/05/hello.md" or "about.md".
	Path string `yaml:"-" json:"-"`
	Kind Kind   `yaml:"-" json:"-"`
	// Line is the line on which the body starts, for error messages.
	BodyLine int `yaml:"-" json:"-"`
	// Version is a hash of the file's bytes, set by Store.Load: equal
	// versions mean an unchanged file.
	Version uint64 `yaml:"-" json:"-"`

	Title       string     `yaml:"title,omitempty"`
	Date        time.Time  `yaml:"date,omitempty"`
	Updated     time.Time  `yaml:"updated,omitempty"`
	Slug        string     `yaml:"slug,omitempty"`
	Tags        []string   `yaml:"tags,omitempty"`
	Type        Type       `yaml:"type,omitempty"`
	Summary     string     `yaml:"summary,omitempty"`
	InReplyTo   string     `yaml:"in_reply_to,omitempty"`
	LikeOf      string     `yaml:"like_of,omitempty"`
	RepostOf    string     `yaml:"repost_of,omitempty"`
	BookmarkOf  string     `yaml:"bookmark_of,omitempty"`
	Photo       []Media    `yaml:"photo,omitempty"`
	Video       []Media    `yaml:"video,omitempty"`
	Audio       []Media    `yaml:"audio,omitempty"`
	Syndication []string   `yaml:"syndication,omitempty"`
	Location    string     `yaml:"location,omitempty"`
	Draft       bool       `yaml:"draft,omitempty"`
	Visibility  Visibility `yaml:"visibility,omitempty"`
	Deleted     bool       `yaml:"deleted,omitempty"`
	// ContentType is "markdown" (the default) or "html".
	ContentType string `yaml:"content_type,omitempty"`

	// Properties holds every front matter key inkstone does not know, verbatim.
	Properties map[string]any `yaml:"-"`

	// Body is the text after the front matter: Markdown, or HTML when
	// ContentType is "html".
	Body string `yaml:"-"`
}

// EffectiveType returns the post's declared type, or the one Post Type
// Discovery derives from its properties when none is declared.
func (p *Post) EffectiveType() Type {
	if p.Type != "" {
		return p.Type
	}
	return Discover(p)
}

// EffectiveVisibility returns the visibility, public when unset.
func (p *Post) EffectiveVisibility() Visibility {
	if p.Visibility == "" {
		return Public
	}
	return p.Visibility
}

// IsHTML reports whether the body is HTML rather than Markdown.
func (p *Post) IsHTML() bool { return strings.EqualFold(p.ContentType, "html") }

// Rendered reports whether the post gets a page of its own in public/.
// Drafts, private and deleted posts never do; drafts do when includeDrafts.
func (p *Post) Rendered(includeDrafts bool) bool {
	if p.Deleted || p.EffectiveVisibility() == Private {
		return false
	}
	if p.Draft && !includeDrafts {
		return false
	}
	return true
}

// Listed reports whether a rendered post appears in lists, feeds, sitemap
// and search: only public ones do.
func (p *Post) Listed(includeDrafts bool) bool {
	return p.Rendered(includeDrafts) && p.EffectiveVisibility() == Public
}

// Discover implements Post Type Discovery
// (https://www.w3.org/TR/post-type-discovery/) over the post's properties.
func Discover(p *Post) Type {
	switch {
	case p.RepostOf != "":
		return TypeRepost
	case p.LikeOf != "":
		return TypeLike
	case p.InReplyTo != "":
		return TypeReply
	case p.BookmarkOf != "":
		return TypeBookmark
	case len(p.Video) > 0:
		return TypeVideo
	case len(p.Photo) > 0:
		return TypePhoto
	case len(p.Audio) > 0:
		return TypeAudio
	}
	if p.Title == "" {
		return TypeNote
	}
	// PTD: a name that is not a prefix of the content (or, when there is
	// no content, of the summary) makes an article.
	name := collapseSpace(p.Title)
	// Only the start of the body can match the name; collapsing all of a
	// long article would cost more than the whole comparison.
	text := collapseSpace(head(p.Body, 4*len(p.Title)+256))
	if text == "" {
		text = collapseSpace(p.Summary)
	}
	if strings.HasPrefix(text, name) {
		return TypeNote
	}
	return TypeArticle
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// head returns at most the first n bytes of s, cut on a rune boundary.
// Whitespace runs shrink when collapsed, so n leaves room for them.
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
