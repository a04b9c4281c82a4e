package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// site writes an inkstone.toml (unless toml is empty) into a new site
// folder and returns the folder.
func site(t *testing.T, tomlText string) string {
	t.Helper()
	dir := t.TempDir()
	if tomlText != "" {
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(tomlText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// configErrors returns every *Error in err, in order.
func configErrors(t *testing.T, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("error %v (%T) is not a *config.Error", err, err)
			return
		}
		out = append(out, ce)
	}
	walk(err)
	return out
}

// public is c without its unexported bookkeeping, to compare with a
// Site written out in a test.
func public(c Site) Site {
	var zero Site
	c.raw = zero.raw
	return c
}

// derived is Default() as Load completes it for a site at root.
func derived(root string) Site {
	c := Default()
	c.Root = root
	c.Endpoints = Endpoints{
		Micropub:      "http://127.0.0.1:8080/micropub",
		Media:         "http://127.0.0.1:8080/micropub/media",
		Authorization: "http://127.0.0.1:8080/auth",
		Token:         "http://127.0.0.1:8080/token",
		Metadata:      "http://127.0.0.1:8080/.well-known/oauth-authorization-server",
	}
	c.Author.URL = "http://127.0.0.1:8080/"
	return c
}

func TestLoadDefaultsWithoutFile(t *testing.T) {
	dir := site(t, "")
	got, err := Load(dir, "", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := derived(dir)
	if !reflect.DeepEqual(public(*got), want) {
		t.Errorf("Load without a file:\ngot  %+v\nwant %+v", *got, want)
	}
	if got.File != "" {
		t.Errorf("File: got %q, want empty", got.File)
	}
	if !filepath.IsAbs(got.Root) {
		t.Errorf("Root %q is not absolute", got.Root)
	}
}

func TestLoadRelativeRoot(t *testing.T) {
	dir := site(t, "title = \"Rel\"\n")
	t.Chdir(dir)
	got, err := Load(".", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Root != dir {
		t.Errorf("Root: got %q, want %q", got.Root, dir)
	}
	if got.File != filepath.Join(dir, FileName) {
		t.Errorf("File: got %q, want %q", got.File, filepath.Join(dir, FileName))
	}
	if got.ContentDir() != filepath.Join(dir, "content") {
		t.Errorf("ContentDir: got %q", got.ContentDir())
	}
}

func TestLoadEmptyFile(t *testing.T) {
	dir := site(t, "# nothing set yet\n\n")
	got, err := Load(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := derived(dir)
	want.File = filepath.Join(dir, FileName)
	if !reflect.DeepEqual(public(*got), want) {
		t.Errorf("Load of an empty file:\ngot  %+v\nwant %+v", *got, want)
	}
}

const fullTOML = `# A site with every key set.
base_url = "https://notes.example.com/blog"
title = "Field notes"
description = "Rides, repairs and coffee."
language = "sv"
permalink = "/:year/:month/:day/:slug/"
per_page = 25
me = ["https://github.com/someone", "https://mastodon.example/@someone"]
theme = "paper"

[author]
name = "Alex Example"
url = "https://alex.example/"
photo = "/media/me.jpg"
email = "alex@example.com"
note = "Cyclist."

[paths]
content = "notes"
public = "/srv/www"
themes = "my-themes"
state = ".state"

[feeds]
items = 50

[micropub]
max_body_bytes = 2048
max_upload_bytes = 10485760
post_types = ["note", "photo"]

[media]
max_pixels = 24000000

[[micropub.syndicate_to]]
uid = "https://mastodon.example/@someone"
name = "Mastodon"

[[micropub.syndicate_to]]
uid = "https://bsky.example/someone"
name = "Bluesky"

[auth]
password_hash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA"
token_endpoint = "https://tokens.example/token"

[git]
commit = true
push = true
remote = "upstream"

[server]
addr = "0.0.0.0:9000"

[endpoints]
micropub = "https://api.example.com/micropub"
token = "https://tokens.example/token"

[[navigation]]
name = "Notes"
url = "/"

[[navigation]]
name = "Now"
url = "/now/"
`

func TestLoadFullFile(t *testing.T) {
	dir := site(t, fullTOML)
	got, err := Load(dir, "", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Site{
		BaseURL:     "https://notes.example.com/blog/",
		Title:       "Field notes",
		Description: "Rides, repairs and coffee.",
		Language:    "sv",
		Permalink:   "/:year/:month/:day/:slug/",
		PerPage:     25,
		Me:          []string{"https://github.com/someone", "https://mastodon.example/@someone"},
		Theme:       "paper",
		Author:      Author{Name: "Alex Example", URL: "https://alex.example/", Photo: "/media/me.jpg", Email: "alex@example.com", Note: "Cyclist."},
		Paths:       Paths{Content: "notes", Public: "/srv/www", Themes: "my-themes", State: ".state"},
		Feeds:       Feeds{Items: 50},
		Micropub: Micropub{
			MaxBodyBytes:   2048,
			MaxUploadBytes: 10485760,
			SyndicateTo: []SyndicateTo{
				{UID: "https://mastodon.example/@someone", Name: "Mastodon"},
				{UID: "https://bsky.example/someone", Name: "Bluesky"},
			},
			PostTypes: []string{"note", "photo"},
		},
		Media:  Media{MaxPixels: 24000000},
		Auth:   Auth{PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", TokenEndpoint: "https://tokens.example/token"},
		Git:    Git{Commit: true, Push: true, Remote: "upstream"},
		Server: Server{Addr: "0.0.0.0:9000"},
		Endpoints: Endpoints{
			Micropub:      "https://api.example.com/micropub",
			Media:         "https://notes.example.com/blog/micropub/media",
			Authorization: "https://notes.example.com/blog/auth",
			Token:         "https://tokens.example/token",
			Metadata:      "https://notes.example.com/blog/.well-known/oauth-authorization-server",
		},
		Navigation: []NavLink{{Name: "Notes", URL: "/"}, {Name: "Now", URL: "/now/"}},
		Root:       dir,
		File:       filepath.Join(dir, FileName),
	}
	if !reflect.DeepEqual(public(*got), want) {
		t.Errorf("Load:\ngot  %+v\nwant %+v", *got, want)
	}
	if got.ContentDir() != filepath.Join(dir, "notes") {
		t.Errorf("ContentDir: got %q", got.ContentDir())
	}
	if got.PublicDir() != "/srv/www" {
		t.Errorf("PublicDir: got %q, want the absolute path as is", got.PublicDir())
	}
	if got.ThemesDir() != filepath.Join(dir, "my-themes") || got.StateDir() != filepath.Join(dir, ".state") {
		t.Errorf("ThemesDir %q, StateDir %q", got.ThemesDir(), got.StateDir())
	}
}

func TestLoadListsReplaceDefaults(t *testing.T) {
	dir := site(t, "me = []\n[micropub]\npost_types = [\"note\"]\n[[navigation]]\nname = \"Only\"\nurl = \"/\"\n")
	got, err := Load(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []NavLink{{Name: "Only", URL: "/"}}; !reflect.DeepEqual(got.Navigation, want) {
		t.Errorf("Navigation: got %v, want %v", got.Navigation, want)
	}
	if want := []string{"note"}; !reflect.DeepEqual(got.Micropub.PostTypes, want) {
		t.Errorf("PostTypes: got %v, want %v", got.Micropub.PostTypes, want)
	}
	if len(got.Me) != 0 {
		t.Errorf("Me: got %v, want empty", got.Me)
	}
}

func TestLoadUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // "line key" of each error
	}{
		{"top level", "title = \"x\"\ntitel = \"y\"\n", []string{"2 titel"}},
		{"in a table", "title = \"x\"\n\n[author]\nname = \"A\"\nnmae = \"B\"\n", []string{"5 author.nmae"}},
		{"same name in two tables", "[author]\nname = \"A\"\n[feeds]\nname = \"B\"\n", []string{"4 feeds.name"}},
		{"unknown table reported once", "title = \"x\"\n[colours]\nbg = \"red\"\nfg = \"blue\"\n", []string{"2 colours"}},
		{"dotted key", "title = \"x\"\nauthor.nmae = \"B\"\n", []string{"2 author.nmae"}},
		{"inline table", "author = { name = \"A\", nmae = \"B\" }\n", []string{"1 author.nmae"}},
		{"array of tables", "[[navigation]]\nname = \"A\"\nlink = \"/\"\n", []string{"3 navigation.link"}},
		{"quoted key", "\"titel\" = \"x\"\n", []string{"1 titel"}},
		{"several", "titel = 1\n[feeds]\nitem = 2\n[git]\npsuh = true\n", []string{"1 titel", "3 feeds.item", "5 git.psuh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, tt.toml)
			_, err := Load(dir, "", nil)
			if err == nil {
				t.Fatal("Load succeeded, want unknown key errors")
			}
			var got []string
			for _, ce := range configErrors(t, err) {
				got = append(got, strings.Join([]string{strconv.Itoa(ce.Line), ce.Key}, " "))
				if ce.File != filepath.Join(dir, FileName) {
					t.Errorf("File: got %q", ce.File)
				}
				if ce.Msg != "unknown key" || ce.Hint == "" {
					t.Errorf("got %+v, want msg \"unknown key\" and a hint", ce)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors: got %q, want %q\n%v", got, tt.want, err)
			}
		})
	}
}

func TestLoadSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		line int
		key  string
		msg  string
	}{
		{"missing value", "title = \"x\"\nper_page = \n", 2, "per_page", "expected value"},
		{"unclosed string", "title = \"x\nlanguage = \"en\"\n", 1, "title", "newline"},
		{"unclosed table header", "title = \"x\"\n\n[author\nname = \"A\"\n", 3, "", "to end table name"},
		{"unclosed dotted table header", "x = 1\n\n\n[a.b\n", 4, "", "to end table name"},
		{"unclosed inline table", "author = {name = \"A\"\n", 1, "author.name", "inline table"},
		{"duplicate key", "title = \"a\"\ntitle = \"b\"\n", 2, "title", "already been defined"},
		{"bare words", "title = x y z\n", 1, "title", "expected value"},
		{"wrong type: string for number", "title = \"x\"\nper_page = \"ten\"\n", 2, "per_page", "incompatible types"},
		{"wrong type in a table", "[feeds]\n\nitems = \"many\"\n", 3, "feeds.items", "incompatible types"},
		{"wrong type: number for string", "title = 42\n", 1, "title", "incompatible types"},
		{"wrong type: string for list", "me = \"https://x.example\"\n", 1, "me", "incompatible types"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, tt.toml)
			_, err := Load(dir, "", nil)
			errs := configErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			ce := errs[0]
			if ce.Line != tt.line {
				t.Errorf("Line: got %d, want %d (%v)", ce.Line, tt.line, ce)
			}
			if ce.Key != tt.key {
				t.Errorf("Key: got %q, want %q (%v)", ce.Key, tt.key, ce)
			}
			if !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("Msg: got %q, want it to contain %q", ce.Msg, tt.msg)
			}
			if ce.Hint == "" {
				t.Errorf("no hint: %v", ce)
			}
			if ce.File != filepath.Join(dir, FileName) {
				t.Errorf("File: got %q", ce.File)
			}
			if strings.Contains(ce.Msg, "toml: line") {
				t.Errorf("Msg repeats the position: %q", ce.Msg)
			}
		})
	}
}

func TestLoadInvalidValues(t *testing.T) {
	tests := []struct {
		name string
		toml string
		line int
		key  string
		msg  string
		hint string
	}{
		{"base_url without scheme", "base_url = \"example.com\"\n", 1, "base_url", "not an absolute http(s) URL", "https://example.com/"},
		{"base_url ftp", "title = \"x\"\nbase_url = \"ftp://example.com/\"\n", 2, "base_url", "not an absolute", "base_url ="},
		{"base_url relative", "base_url = \"/blog/\"\n", 1, "base_url", "not an absolute", "base_url ="},
		{"base_url no host", "base_url = \"https:///x\"\n", 1, "base_url", "not an absolute", "base_url ="},
		{"empty title", "title = \"\"\n", 1, "title", "is empty", "title ="},
		{"empty language", "language = \"\"\n", 1, "language", "is empty", "en"},
		{"permalink without slug", "permalink = \"/:year/:month/\"\n", 1, "permalink", "has no :slug", "permalink ="},
		{"permalink without leading slash", "permalink = \":year/:slug/\"\n", 1, "permalink", "must start and end with /", "permalink ="},
		{"permalink without trailing slash", "permalink = \"/:slug\"\n", 1, "permalink", "must start and end with /", "permalink ="},
		{"per_page zero", "per_page = 0\n", 1, "per_page", "0 is out of range", "1 to 1000"},
		{"per_page negative", "title = \"x\"\n\nper_page = -5\n", 3, "per_page", "-5 is out of range", "1 to 1000"},
		{"per_page too big", "per_page = 1001\n", 1, "per_page", "out of range", "1 to 1000"},
		{"feeds.items zero", "[feeds]\nitems = 0\n", 2, "feeds.items", "0 is out of range", "[feeds]"},
		{"feeds.items too big", "title = \"t\"\n[feeds]\nitems = 5000\n", 3, "feeds.items", "out of range", "[feeds]"},
		{"feeds.items as dotted key", "feeds.items = 0\n", 1, "feeds.items", "out of range", "[feeds]"},
		{"micropub body limit", "[micropub]\nmax_body_bytes = 10\n", 2, "micropub.max_body_bytes", "below 1024", "[micropub]"},
		{"micropub upload limit", "[micropub]\nmax_upload_bytes = 0\n", 2, "micropub.max_upload_bytes", "below 1024", "[micropub]"},
		{"media.max_pixels too small", "[media]\nmax_pixels = 1000\n", 2, "media.max_pixels", "1000 is out of range", "[media]"},
		{"media.max_pixels too big", "[media]\nmax_pixels = 900000000\n", 2, "media.max_pixels", "out of range", "[media]"},
		{"theme with slash", "theme = \"../evil\"\n", 1, "theme", "not a theme folder name", "theme ="},
		{"theme dot dot", "theme = \"..\"\n", 1, "theme", "not a theme folder name", "theme ="},
		{"theme empty", "theme = \"\"\n", 1, "theme", "not a theme folder name", "theme ="},
		{"empty content path", "[paths]\ncontent = \"  \"\n", 2, "paths.content", "is empty", "[paths]"},
		{"empty state path", "[paths]\npublic = \"out\"\nstate = \"\"\n", 3, "paths.state", "is empty", "[paths]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, tt.toml)
			_, err := Load(dir, "", nil)
			errs := configErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			ce := errs[0]
			if ce.File != filepath.Join(dir, FileName) {
				t.Errorf("File: got %q", ce.File)
			}
			if ce.Line != tt.line {
				t.Errorf("Line: got %d, want %d (%v)", ce.Line, tt.line, ce)
			}
			if ce.Key != tt.key {
				t.Errorf("Key: got %q, want %q", ce.Key, tt.key)
			}
			if !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("Msg: got %q, want it to contain %q", ce.Msg, tt.msg)
			}
			if !strings.Contains(ce.Hint, tt.hint) {
				t.Errorf("Hint: got %q, want it to contain %q", ce.Hint, tt.hint)
			}
		})
	}
}

func TestLoadReportsAllProblemsAtOnce(t *testing.T) {
	text := strings.Join([]string{
		`base_url = "example.com"`, // 1
		`permalink = "/:year/"`,    // 2
		`per_page = 0`,             // 3
		`titel = "typo"`,           // 4
		``,                         // 5
		`[feeds]`,                  // 6
		`items = -1`,               // 7
		``,                         // 8
		`[author]`,                 // 9
		`nmae = "typo"`,            // 10
	}, "\n")
	dir := site(t, text)
	_, err := Load(dir, "", []string{"INKSTONE_GIT_COMMIT=perhaps", "INKSTONE_MICROPUB_MAX_BODY_BYTES=1"})
	if err == nil {
		t.Fatal("Load succeeded")
	}
	var got []string
	for _, ce := range configErrors(t, err) {
		got = append(got, filepath.Base(ce.File)+":"+strconv.Itoa(ce.Line)+":"+ce.Key)
		if ce.Hint == "" {
			t.Errorf("no hint: %v", ce)
		}
	}
	want := []string{
		"inkstone.toml:4:titel",
		"inkstone.toml:10:author.nmae",
		"environment:0:INKSTONE_GIT_COMMIT",
		"inkstone.toml:1:base_url",
		"inkstone.toml:2:permalink",
		"inkstone.toml:3:per_page",
		"inkstone.toml:7:feeds.items",
		"environment:0:INKSTONE_MICROPUB_MAX_BODY_BYTES",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\ngot  %q\nwant %q\n%v", got, want, err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
		t.Errorf("Error() has %d lines, want %d:\n%v", n, len(want), err)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	file := "base_url = \"https://file.example/\"\ntitle = \"From file\"\n[author]\nname = \"File Author\"\n[feeds]\nitems = 30\n"
	tests := []struct {
		name  string
		env   []string
		check func(t *testing.T, c *Site)
	}{
		{"base_url", []string{"INKSTONE_BASE_URL=https://env.example"}, func(t *testing.T, c *Site) {
			if c.BaseURL != "https://env.example/" {
				t.Errorf("BaseURL: got %q", c.BaseURL)
			}
			if c.Endpoints.Micropub != "https://env.example/micropub" {
				t.Errorf("endpoints not derived from the env base_url: %q", c.Endpoints.Micropub)
			}
		}},
		{"author name", []string{"INKSTONE_AUTHOR_NAME=Env Author"}, func(t *testing.T, c *Site) {
			if c.Author.Name != "Env Author" {
				t.Errorf("Author.Name: got %q", c.Author.Name)
			}
		}},
		{"feeds items", []string{"INKSTONE_FEEDS_ITEMS= 7 "}, func(t *testing.T, c *Site) {
			if c.Feeds.Items != 7 {
				t.Errorf("Feeds.Items: got %d, want 7", c.Feeds.Items)
			}
		}},
		{"git commit", []string{"INKSTONE_GIT_COMMIT=true", "INKSTONE_GIT_PUSH=1"}, func(t *testing.T, c *Site) {
			if !c.Git.Commit || !c.Git.Push {
				t.Errorf("Git: got %+v", c.Git)
			}
		}},
		{"git commit false", []string{"INKSTONE_GIT_COMMIT=false"}, func(t *testing.T, c *Site) {
			if c.Git.Commit {
				t.Errorf("Git.Commit: got true")
			}
		}},
		{"me comma list", []string{"INKSTONE_ME=https://a.example/, https://b.example/ ,,"}, func(t *testing.T, c *Site) {
			want := []string{"https://a.example/", "https://b.example/"}
			if !reflect.DeepEqual(c.Me, want) {
				t.Errorf("Me: got %q, want %q", c.Me, want)
			}
		}},
		{"me single", []string{"INKSTONE_ME=https://a.example/"}, func(t *testing.T, c *Site) {
			if !reflect.DeepEqual(c.Me, []string{"https://a.example/"}) {
				t.Errorf("Me: got %q", c.Me)
			}
		}},
		{"nested int64", []string{"INKSTONE_MICROPUB_MAX_UPLOAD_BYTES=5000000"}, func(t *testing.T, c *Site) {
			if c.Micropub.MaxUploadBytes != 5000000 {
				t.Errorf("MaxUploadBytes: got %d", c.Micropub.MaxUploadBytes)
			}
		}},
		{"paths and server", []string{"INKSTONE_PATHS_PUBLIC=/srv/out", "INKSTONE_SERVER_ADDR=:9999"}, func(t *testing.T, c *Site) {
			if c.PublicDir() != "/srv/out" || c.Server.Addr != ":9999" {
				t.Errorf("PublicDir %q, Server.Addr %q", c.PublicDir(), c.Server.Addr)
			}
		}},
		{"endpoint", []string{"INKSTONE_ENDPOINTS_TOKEN=https://tokens.example/"}, func(t *testing.T, c *Site) {
			if c.Endpoints.Token != "https://tokens.example/" || c.Endpoints.Micropub != "https://file.example/micropub" {
				t.Errorf("Endpoints: got %+v", c.Endpoints)
			}
		}},
		{"value with equals sign", []string{"INKSTONE_AUTH_PASSWORD_HASH=$argon2id$v=19$x=y"}, func(t *testing.T, c *Site) {
			if c.Auth.PasswordHash != "$argon2id$v=19$x=y" {
				t.Errorf("PasswordHash: got %q", c.Auth.PasswordHash)
			}
		}},
		{"later duplicate wins", []string{"INKSTONE_TITLE=first", "INKSTONE_TITLE=second"}, func(t *testing.T, c *Site) {
			if c.Title != "second" {
				t.Errorf("Title: got %q, want second", c.Title)
			}
		}},
		{"other variables ignored", []string{"HOME=/root", "INKSTONE_UNKNOWN=x", "INKSTONE_BASE_URL", "inkstone_title=lower", "BASE_URL=https://nope.example/"}, func(t *testing.T, c *Site) {
			if c.Title != "From file" || c.BaseURL != "https://file.example/" {
				t.Errorf("Title %q, BaseURL %q: want the file's values", c.Title, c.BaseURL)
			}
		}},
		{"no env keeps file", nil, func(t *testing.T, c *Site) {
			if c.Author.Name != "File Author" || c.Feeds.Items != 30 {
				t.Errorf("Author.Name %q, Feeds.Items %d", c.Author.Name, c.Feeds.Items)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, file)
			c, err := Load(dir, "", tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadEnvWithoutFile(t *testing.T) {
	dir := site(t, "")
	c, err := Load(dir, "", []string{"INKSTONE_BASE_URL=https://env.example/", "INKSTONE_TITLE=Env"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://env.example/" || c.Title != "Env" || c.File != "" {
		t.Errorf("got BaseURL %q Title %q File %q", c.BaseURL, c.Title, c.File)
	}
}

func TestLoadBadEnvValues(t *testing.T) {
	tests := []struct {
		name string
		env  string
		key  string
		msg  string
		hint string
	}{
		{"items not a number", "INKSTONE_FEEDS_ITEMS=many", "INKSTONE_FEEDS_ITEMS", `"many" is not a whole number`, "whole number"},
		{"items float", "INKSTONE_FEEDS_ITEMS=2.5", "INKSTONE_FEEDS_ITEMS", "not a whole number", "whole number"},
		{"items out of range", "INKSTONE_FEEDS_ITEMS=0", "INKSTONE_FEEDS_ITEMS", "0 is out of range", "1 to 1000"},
		{"per_page out of range", "INKSTONE_PER_PAGE=100000", "INKSTONE_PER_PAGE", "out of range", "1 to 1000"},
		{"bool", "INKSTONE_GIT_COMMIT=perhaps", "INKSTONE_GIT_COMMIT", `"perhaps" is not true or false`, "true or false"},
		{"bad base_url", "INKSTONE_BASE_URL=example.com", "INKSTONE_BASE_URL", "not an absolute http(s) URL", "https://"},
		{"empty title", "INKSTONE_TITLE=", "INKSTONE_TITLE", "is empty", "title"},
		{"list of tables", "INKSTONE_NAVIGATION=/a/", "INKSTONE_NAVIGATION", "cannot be set from the environment", FileName},
		{"syndicate_to", "INKSTONE_MICROPUB_SYNDICATE_TO=x", "INKSTONE_MICROPUB_SYNDICATE_TO", "cannot be set", FileName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := site(t, "base_url = \"https://file.example/\"\nper_page = 5\n[feeds]\nitems = 30\n")
			_, err := Load(dir, "", []string{tt.env})
			errs := configErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			ce := errs[0]
			if ce.File != "environment" || ce.Line != 0 {
				t.Errorf("File %q Line %d, want environment and no line", ce.File, ce.Line)
			}
			if ce.Key != tt.key {
				t.Errorf("Key: got %q, want %q", ce.Key, tt.key)
			}
			if !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("Msg: got %q, want it to contain %q", ce.Msg, tt.msg)
			}
			if !strings.Contains(ce.Hint, tt.hint) {
				t.Errorf("Hint: got %q, want it to contain %q", ce.Hint, tt.hint)
			}
			if !strings.HasPrefix(err.Error(), "environment: "+tt.key+": ") {
				t.Errorf("Error(): got %q", err.Error())
			}
		})
	}
}

func TestDerived(t *testing.T) {
	tests := []struct {
		name     string
		toml     string
		base     string
		micropub string
		author   string
	}{
		{"trailing slash added", "base_url = \"https://example.com\"\n", "https://example.com/", "https://example.com/micropub", "https://example.com/"},
		{"trailing slash kept", "base_url = \"https://example.com/\"\n", "https://example.com/", "https://example.com/micropub", "https://example.com/"},
		{"sub-path", "base_url = \"https://example.com/blog\"\n", "https://example.com/blog/", "https://example.com/blog/micropub", "https://example.com/blog/"},
		{"http and port", "base_url = \"http://localhost:1313\"\n", "http://localhost:1313/", "http://localhost:1313/micropub", "http://localhost:1313/"},
		{"author url kept", "base_url = \"https://example.com\"\n[author]\nurl = \"https://me.example/\"\n", "https://example.com/", "https://example.com/micropub", "https://me.example/"},
		{"endpoint kept", "base_url = \"https://example.com\"\n[endpoints]\nmicropub = \"https://mp.example/\"\n", "https://example.com/", "https://mp.example/", "https://example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(site(t, tt.toml), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL != tt.base {
				t.Errorf("BaseURL: got %q, want %q", c.BaseURL, tt.base)
			}
			if c.Endpoints.Micropub != tt.micropub {
				t.Errorf("Endpoints.Micropub: got %q, want %q", c.Endpoints.Micropub, tt.micropub)
			}
			if c.Author.URL != tt.author {
				t.Errorf("Author.URL: got %q, want %q", c.Author.URL, tt.author)
			}
			want := map[string]string{
				"media":         strings.TrimSuffix(tt.base, "/") + "/micropub/media",
				"authorization": strings.TrimSuffix(tt.base, "/") + "/auth",
				"token":         strings.TrimSuffix(tt.base, "/") + "/token",
				"metadata":      strings.TrimSuffix(tt.base, "/") + "/.well-known/oauth-authorization-server",
			}
			got := map[string]string{
				"media": c.Endpoints.Media, "authorization": c.Endpoints.Authorization,
				"token": c.Endpoints.Token, "metadata": c.Endpoints.Metadata,
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("endpoints:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}

func TestWithBaseURL(t *testing.T) {
	dir := site(t, "base_url = \"https://example.com/\"\n[endpoints]\ntoken = \"https://tokens.example/token\"\n")
	c, err := Load(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	local := c.WithBaseURL("http://127.0.0.1:8080")
	if local.BaseURL != "http://127.0.0.1:8080/" {
		t.Errorf("BaseURL: got %q", local.BaseURL)
	}
	wantEndpoints := Endpoints{
		Micropub:      "http://127.0.0.1:8080/micropub",
		Media:         "http://127.0.0.1:8080/micropub/media",
		Authorization: "http://127.0.0.1:8080/auth",
		Token:         "https://tokens.example/token", // set explicitly: stays
		Metadata:      "http://127.0.0.1:8080/.well-known/oauth-authorization-server",
	}
	if local.Endpoints != wantEndpoints {
		t.Errorf("Endpoints:\ngot  %+v\nwant %+v", local.Endpoints, wantEndpoints)
	}
	if local.Author.URL != "http://127.0.0.1:8080/" {
		t.Errorf("Author.URL: got %q, want it to follow base_url", local.Author.URL)
	}
	// The original is unchanged, and a second switch starts from it.
	if c.BaseURL != "https://example.com/" || c.Endpoints.Micropub != "https://example.com/micropub" || c.Author.URL != "https://example.com/" {
		t.Errorf("original changed: %+v", c)
	}
	back := local.WithBaseURL("https://example.com")
	if !reflect.DeepEqual(public(*back), public(*c)) {
		t.Errorf("switching back:\ngot  %+v\nwant %+v", *back, *c)
	}

	withAuthor, err := Load(site(t, "[author]\nurl = \"https://me.example/\"\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := withAuthor.WithBaseURL("http://localhost:1313/").Author.URL; got != "https://me.example/" {
		t.Errorf("explicit Author.URL: got %q, want it kept", got)
	}
}

func TestAbsURL(t *testing.T) {
	c := &Site{BaseURL: "https://example.com/blog/"}
	tests := []struct{ in, want string }{
		{"/", "https://example.com/blog/"},
		{"", "https://example.com/blog/"},
		{"/feed.xml", "https://example.com/blog/feed.xml"},
		{"tags/go/", "https://example.com/blog/tags/go/"},
		{"//x", "https://example.com/blog//x"},
	}
	for _, tt := range tests {
		if got := c.AbsURL(tt.in); got != tt.want {
			t.Errorf("AbsURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLoadExplicitConfig(t *testing.T) {
	t.Run("missing file is an error", func(t *testing.T) {
		dir := site(t, "")
		missing := filepath.Join(dir, "prod.toml")
		c, err := Load(dir, missing, nil)
		if err == nil {
			t.Fatalf("Load with a missing --config succeeded: %+v", c)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("got %T, want *config.Error", err)
		}
		if ce.File != missing || ce.Hint == "" || !strings.Contains(ce.Hint, "--config") {
			t.Errorf("got %+v, want the file and a hint about --config", ce)
		}
	})
	t.Run("missing default file is not", func(t *testing.T) {
		if _, err := Load(site(t, ""), "", nil); err != nil {
			t.Errorf("Load without inkstone.toml: %v", err)
		}
	})
	t.Run("file outside the site", func(t *testing.T) {
		dir := site(t, "title = \"Site file\"\n")
		other := filepath.Join(t.TempDir(), "prod.toml")
		if err := os.WriteFile(other, []byte("title = \"Prod\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(dir, other, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != "Prod" || c.File != other || c.Root != dir {
			t.Errorf("Title %q File %q Root %q", c.Title, c.File, c.Root)
		}
	})
	t.Run("errors name the explicit file", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "prod.toml")
		if err := os.WriteFile(other, []byte("per_page = 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(site(t, ""), other, nil)
		errs := configErrors(t, err)
		if len(errs) != 1 || errs[0].File != other || errs[0].Line != 1 {
			t.Errorf("got %v, want one error at %s:1", err, other)
		}
	})
	t.Run("a folder is not a config file", func(t *testing.T) {
		dir := site(t, "")
		_, err := Load(dir, dir, nil)
		var ce *Error
		if !errors.As(err, &ce) || ce.Hint == "" {
			t.Errorf("got %v, want a *config.Error with a hint", err)
		}
	})
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "inkstone.toml", Line: 3, Key: "per_page", Msg: "0 is out of range", Hint: "use 1 to 1000"}, "inkstone.toml:3: per_page: 0 is out of range (use 1 to 1000)"},
		{&Error{File: "inkstone.toml", Msg: "bad"}, "inkstone.toml: bad"},
		{&Error{Msg: "bad", Key: "k"}, "config: k: bad"},
		{&Error{File: "environment", Key: "INKSTONE_X", Msg: "bad", Hint: "h"}, "environment: INKSTONE_X: bad (h)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestKeyLine(t *testing.T) {
	raw := []byte(`# comment: title = "no"
title = "x"
"quoted" = 1

[author]
  name = "A"   # indented
[feeds] # comment
items=5
[[navigation]]
name = "N"
[ micropub . limits ]
max = 1
site.sub.key = 2
`)
	tests := []struct {
		key  []string
		want int
	}{
		{[]string{"title"}, 2},
		{[]string{"quoted"}, 3},
		{[]string{"author"}, 5},
		{[]string{"author", "name"}, 6},
		{[]string{"feeds", "items"}, 8},
		{[]string{"navigation", "name"}, 10},
		{[]string{"navigation"}, 9},
		{[]string{"micropub", "limits", "max"}, 12},
		{[]string{"micropub", "limits", "site", "sub", "key"}, 13},
		{[]string{"feeds", "missing"}, 7}, // falls back to the table
		{[]string{"missing"}, 0},
		{[]string{"name"}, 0}, // only inside tables
		{nil, 0},
	}
	for _, tt := range tests {
		if got := keyLine(raw, toml.Key(tt.key)); got != tt.want {
			t.Errorf("keyLine(%v) = %d, want %d", tt.key, got, tt.want)
		}
	}
}
