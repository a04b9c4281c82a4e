// Package config reads a site's inkstone.toml and INKSTONE_* environment
// overrides into a Site value, fills defaults and validates it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the config file looked for at the site root.
const FileName = "inkstone.toml"

// Site is a site's whole configuration. The zero value is not useful: use
// Load or Default.
type Site struct {
	BaseURL     string   `toml:"base_url"`
	Title       string   `toml:"title"`
	Description string   `toml:"description"`
	Language    string   `toml:"language"`
	Permalink   string   `toml:"permalink"` // pattern for post URLs: :year :month :day :slug
	PerPage     int      `toml:"per_page"`  // posts on each home/tag/archive page
	Me          []string `toml:"me"`        // rel=me profile links
	Theme       string   `toml:"theme"`     // folder under paths.themes; "default" is embedded

	Author     Author    `toml:"author"`
	Paths      Paths     `toml:"paths"`
	Feeds      Feeds     `toml:"feeds"`
	Micropub   Micropub  `toml:"micropub"`
	Media      Media     `toml:"media"`
	Auth       Auth      `toml:"auth"`
	Git        Git       `toml:"git"`
	Server     Server    `toml:"server"`
	Endpoints  Endpoints `toml:"endpoints"`
	Navigation []NavLink `toml:"navigation"`

	// Root is the site folder, absolute; not read from the file.
	Root string `toml:"-"`
	// File is the config file read, empty when there was none.
	File string `toml:"-"`

	// raw keeps the values derive fills in, as configured, so that
	// WithBaseURL can derive them again.
	raw struct {
		endpoints Endpoints
		authorURL string
	}
}

// Author is the site owner, shown in every page's h-card.
type Author struct {
	Name  string `toml:"name"`
	URL   string `toml:"url"`
	Photo string `toml:"photo"`
	Email string `toml:"email"`
	Note  string `toml:"note"`
}

// Paths are folders relative to the site root (or absolute).
type Paths struct {
	Content string `toml:"content"`
	Public  string `toml:"public"`
	Themes  string `toml:"themes"`
	State   string `toml:"state"` // tokens, search index, build cache: never served
}

// Feeds configures RSS, Atom and JSON Feed.
type Feeds struct {
	Items int `toml:"items"`
}

// Micropub configures the write side.
type Micropub struct {
	MaxBodyBytes   int64         `toml:"max_body_bytes"`
	MaxUploadBytes int64         `toml:"max_upload_bytes"`
	SyndicateTo    []SyndicateTo `toml:"syndicate_to"`
	PostTypes      []string      `toml:"post_types"`
}

// Media configures photo processing, for uploads and for images under
// content/ alike.
type Media struct {
	// MaxPixels is the largest image accepted, in pixels (width × height),
	// checked from the header before decoding.
	MaxPixels int `toml:"max_pixels"`
}

// SyndicateTo is one syndication target offered to Micropub clients.
type SyndicateTo struct {
	UID  string `toml:"uid"`
	Name string `toml:"name"`
}

// Auth configures sign-in.
type Auth struct {
	PasswordHash  string `toml:"password_hash"`
	TokenEndpoint string `toml:"token_endpoint"` // external endpoint to verify tokens against
}

// Git configures committing content changes.
type Git struct {
	Commit bool   `toml:"commit"`
	Push   bool   `toml:"push"`
	Remote string `toml:"remote"`
}

// Server configures the daemon's listener.
type Server struct {
	Addr string `toml:"addr"`
}

// Endpoints are the absolute URLs advertised in every page's head. Empty
// values are derived from base_url.
type Endpoints struct {
	Micropub      string `toml:"micropub"`
	Media         string `toml:"media"`
	Authorization string `toml:"authorization"`
	Token         string `toml:"token"`
	Metadata      string `toml:"metadata"`
}

// NavLink is one entry of the site's main navigation.
type NavLink struct {
	Name string `toml:"name"`
	URL  string `toml:"url"`
}

// Default returns the configuration used when a key is absent.
func Default() Site {
	return Site{
		BaseURL:   "http://127.0.0.1:8080/",
		Title:     "My inkstone site",
		Language:  "en",
		Permalink: "/:year/:month/:slug/",
		PerPage:   10,
		Theme:     "default",
		Author:    Author{Name: "Site Owner"},
		Paths:     Paths{Content: "content", Public: "public", Themes: "themes", State: ".inkstone"},
		Feeds:     Feeds{Items: 20},
		Micropub: Micropub{
			MaxBodyBytes:   1 << 20,
			MaxUploadBytes: 20 << 20,
			PostTypes:      []string{"note", "article", "photo", "reply", "like", "repost", "bookmark"},
		},
		Media:  Media{MaxPixels: 50_000_000},
		Git:    Git{Remote: "origin"},
		Server: Server{Addr: "127.0.0.1:8080"},
		Navigation: []NavLink{
			{Name: "Home", URL: "/"},
			{Name: "About", URL: "/about/"},
			{Name: "Tags", URL: "/tags/"},
			{Name: "Search", URL: "/search/"},
		},
	}
}

// Error is a configuration problem, with the line of the file when known.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	Hint string

	err error // the underlying error, if any, for errors.Is
}

// Unwrap returns the underlying error, such as fs.ErrNotExist for a
// missing --config file.
func (e *Error) Unwrap() error { return e.err }

func (e *Error) Error() string {
	where := e.File
	if where == "" {
		where = "config"
	}
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, e.Line)
	}
	s := where + ": "
	if e.Key != "" {
		s += e.Key + ": "
	}
	s += e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Load reads the config for the site at root. file may be empty for
// root/inkstone.toml, which may be absent. env is the process environment
// (os.Environ()); INKSTONE_* values override the file. Every problem found
// is returned, joined, as *Error values.
func Load(root, file string, env []string) (*Site, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("site folder %s: %w", root, err)
	}
	cfg := Default()
	cfg.Root = absRoot
	explicit := file != ""
	if file == "" {
		file = filepath.Join(absRoot, FileName)
	}
	var errs []error
	raw, err := os.ReadFile(file)
	switch {
	case err == nil:
		cfg.File = file
		md, derr := toml.Decode(string(raw), &cfg)
		if derr != nil {
			return nil, decodeError(file, raw, derr)
		}
		errs = append(errs, unknownKeys(file, raw, md.Undecoded())...)
	case errors.Is(err, fs.ErrNotExist) && !explicit:
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: file, Msg: "config file not found", err: err,
			Hint: "check the --config path, or leave --config out to read " + FileName + " in the site folder"}
	default:
		return nil, &Error{File: file, Msg: "cannot read config: " + err.Error(), err: err,
			Hint: "check that the file is readable"}
	}
	fromEnv, envErrs := applyEnv(&cfg, env)
	errs = append(errs, envErrs...)
	errs = append(errs, cfg.validate(raw, fromEnv)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cfg.derive()
	return &cfg, nil
}

// unknownKeys reports keys the file sets that inkstone does not read. A
// whole unknown table is reported once, not once per key inside it.
func unknownKeys(file string, raw []byte, keys []toml.Key) []error {
	var errs []error
	reported := map[string]bool{}
outer:
	for _, k := range keys {
		for i := 1; i < len(k); i++ {
			if reported[k[:i].String()] {
				continue outer
			}
		}
		reported[k.String()] = true
		errs = append(errs, &Error{File: file, Line: keyLine(raw, k), Key: k.String(),
			Msg: "unknown key", Hint: "check the spelling; see README.md for the keys inkstone reads"})
	}
	return errs
}

// typeErr matches BurntSushi/toml's type mismatch errors, which carry the
// line and key only in their text.
var typeErr = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

func decodeError(file string, raw []byte, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		// Position.Line counts a newline that ends a line as the next
		// line's; the byte offset says where the problem is.
		line := pe.Position.Line
		if start := pe.Position.Start; start > 0 && start <= len(raw) {
			line = bytes.Count(raw[:start], []byte("\n")) + 1
		}
		return &Error{File: file, Line: line, Key: pe.LastKey, Msg: pe.Message, err: err,
			Hint: "inkstone.toml is TOML: key = \"value\", [section] headers"}
	}
	e := &Error{File: file, Msg: err.Error(), err: err,
		Hint: "check the value's type: strings in quotes, numbers bare, lists in [ ]"}
	if m := typeErr.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Key = m[2]
		e.Msg = m[3]
	}
	return e
}

// keyLine finds the line where key is set, best effort: a key = value
// line inside its [table] (or as a dotted key), or the table's header.
// When only a parent is found, e.g. an inline table, its line is given.
func keyLine(raw []byte, key toml.Key) int {
	if len(key) == 0 {
		return 0
	}
	want := key.String()
	best, bestLen := 0, 0
	table := ""
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		var full string
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				continue
			}
			table = normKey(strings.Trim(line[:end], "[] \t"))
			full = table
		default:
			k, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			full = normKey(k)
			if table != "" {
				full = table + "." + full
			}
		}
		if full == want {
			return i + 1
		}
		if strings.HasPrefix(want, full+".") && len(full) > bestLen {
			best, bestLen = i+1, len(full)
		}
	}
	return best
}

// normKey turns a TOML key as written (a.b, "a".b, a . b) into dotted form.
func normKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// applyEnv sets fields from INKSTONE_SECTION_KEY variables, e.g.
// INKSTONE_BASE_URL or INKSTONE_AUTHOR_NAME. Lists are comma separated.
// It returns the variables used, by dotted key (e.g. "feeds.items" ->
// "INKSTONE_FEEDS_ITEMS"), so that later problems name the variable.
func applyEnv(cfg *Site, env []string) (map[string]string, []error) {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "INKSTONE_") {
			vars[k] = v
		}
	}
	used := map[string]string{}
	if len(vars) == 0 {
		return used, nil
	}
	var errs []error
	walkFields(reflect.ValueOf(cfg).Elem(), nil, func(key []string, f reflect.Value) {
		name := "INKSTONE_" + strings.ToUpper(strings.Join(key, "_"))
		v, ok := vars[name]
		if !ok {
			return
		}
		if err := setFromString(f, v); err != nil {
			errs = append(errs, &Error{File: "environment", Key: name, Msg: err.Error(), Hint: envHint(f)})
			return
		}
		used[strings.Join(key, ".")] = name
	})
	return used, errs
}

func envHint(f reflect.Value) string {
	switch f.Kind() {
	case reflect.Int, reflect.Int64:
		return "give a whole number, e.g. 20"
	case reflect.Bool:
		return "give true or false"
	case reflect.Slice:
		if f.Type().Elem().Kind() == reflect.String {
			return "give a comma-separated list"
		}
	}
	return "set this key in " + FileName + " instead"
}

func walkFields(v reflect.Value, prefix []string, fn func([]string, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("toml")
		if tag == "" || tag == "-" {
			continue
		}
		key := append(append([]string(nil), prefix...), tag)
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			walkFields(f, key, fn)
			continue
		}
		fn(key, f)
	}
}

func setFromString(f reflect.Value, s string) error {
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		f.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		f.SetBool(b)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return errors.New("cannot be set from the environment")
		}
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	default:
		return errors.New("cannot be set from the environment")
	}
	return nil
}

// validate checks every value; raw is the file's text, for line numbers,
// and fromEnv names the variables that set keys (see applyEnv).
func (c *Site) validate(raw []byte, fromEnv map[string]string) []error {
	var errs []error
	bad := func(key, msg, hint string) {
		if name, ok := fromEnv[key]; ok {
			errs = append(errs, &Error{File: "environment", Key: name, Msg: msg, Hint: hint})
			return
		}
		k := toml.Key(strings.Split(key, "."))
		errs = append(errs, &Error{File: c.File, Line: keyLine(raw, k), Key: key, Msg: msg, Hint: hint})
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base_url", fmt.Sprintf("%q is not an absolute http(s) URL", c.BaseURL), `write e.g. base_url = "https://example.com/"`)
	}
	if c.Title == "" {
		bad("title", "is empty", `give the site a title, e.g. title = "My notes"`)
	}
	if !strings.Contains(c.Permalink, ":slug") {
		bad("permalink", fmt.Sprintf("%q has no :slug", c.Permalink), `use e.g. permalink = "/:year/:month/:slug/"`)
	} else if !strings.HasPrefix(c.Permalink, "/") || !strings.HasSuffix(c.Permalink, "/") {
		bad("permalink", fmt.Sprintf("%q must start and end with /", c.Permalink), `use e.g. permalink = "/:year/:month/:slug/"`)
	}
	if c.PerPage < 1 || c.PerPage > 1000 {
		bad("per_page", fmt.Sprintf("%d is out of range", c.PerPage), "use a number from 1 to 1000")
	}
	if c.Feeds.Items < 1 || c.Feeds.Items > 1000 {
		bad("feeds.items", fmt.Sprintf("%d is out of range", c.Feeds.Items), "use a number from 1 to 1000 under [feeds]")
	}
	if c.Micropub.MaxBodyBytes < 1024 {
		bad("micropub.max_body_bytes", "is below 1024", "use at least 1024 bytes under [micropub]")
	}
	if c.Micropub.MaxUploadBytes < 1024 {
		bad("micropub.max_upload_bytes", "is below 1024", "use at least 1024 bytes under [micropub]")
	}
	if c.Media.MaxPixels < 1_000_000 || c.Media.MaxPixels > 500_000_000 {
		bad("media.max_pixels", fmt.Sprintf("%d is out of range", c.Media.MaxPixels), "use a number of pixels from 1000000 to 500000000 under [media], e.g. 50000000")
	}
	if c.Theme == "" || strings.ContainsAny(c.Theme, `/\`) || c.Theme == ".." || c.Theme == "." {
		bad("theme", fmt.Sprintf("%q is not a theme folder name", c.Theme), `use theme = "default" or a folder name under themes/`)
	}
	for _, p := range []struct{ name, value string }{
		{"content", c.Paths.Content}, {"public", c.Paths.Public}, {"themes", c.Paths.Themes}, {"state", c.Paths.State},
	} {
		if strings.TrimSpace(p.value) == "" {
			bad("paths."+p.name, "is empty", "give a folder under [paths], or remove the key for the default")
		}
	}
	if c.Language == "" {
		bad("language", "is empty", `use a language tag such as "en"`)
	}
	return errs
}

// WithBaseURL returns a copy of the config served from another base URL,
// as `inkstone serve` does for local preview. Values derived from base_url
// follow it; values set explicitly stay.
func (c *Site) WithBaseURL(base string) *Site {
	cp := *c
	cp.BaseURL = base
	cp.Endpoints = c.raw.endpoints
	cp.Author.URL = c.raw.authorURL
	cp.derive()
	return &cp
}

// derive fills values computed from others.
func (c *Site) derive() {
	c.raw.endpoints = c.Endpoints
	c.raw.authorURL = c.Author.URL
	if !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	e := &c.Endpoints
	if e.Micropub == "" {
		e.Micropub = c.AbsURL("/micropub")
	}
	if e.Media == "" {
		e.Media = c.AbsURL("/micropub/media")
	}
	if e.Authorization == "" {
		e.Authorization = c.AbsURL("/auth")
	}
	if e.Token == "" {
		e.Token = c.AbsURL("/token")
	}
	if e.Metadata == "" {
		e.Metadata = c.AbsURL("/.well-known/oauth-authorization-server")
	}
	if c.Author.URL == "" {
		c.Author.URL = c.BaseURL
	}
}

// AbsURL joins a root-relative path to base_url.
func (c *Site) AbsURL(p string) string {
	return strings.TrimSuffix(c.BaseURL, "/") + "/" + strings.TrimPrefix(p, "/")
}

// Path resolves one of the configured folders against the site root.
func (c *Site) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Root, p)
}

// ConfigPath is the config file that was read, or where one would be.
func (c *Site) ConfigPath() string {
	if c.File != "" {
		return c.File
	}
	return filepath.Join(c.Root, FileName)
}

// ContentDir, PublicDir, ThemesDir and StateDir are the resolved folders.
func (c *Site) ContentDir() string { return c.Path(c.Paths.Content) }

// PublicDir is where builds write.
func (c *Site) PublicDir() string { return c.Path(c.Paths.Public) }

// ThemesDir holds the site's own themes and overrides.
func (c *Site) ThemesDir() string { return c.Path(c.Paths.Themes) }

// StateDir holds tokens, search index and build cache.
func (c *Site) StateDir() string { return c.Path(c.Paths.State) }
