package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// run executes the CLI with args and returns stdout, stderr and the error.
func run(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := newApp(&stdout, &stderr, env)
	a.now = func() time.Time { return time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC) }
	root := a.root()
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestInitBuildCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	out, _, err := run(t, nil, "init", dir)
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	if !strings.Contains(out, "created a new site") {
		t.Errorf("init said %q", out)
	}
	if _, _, err := run(t, nil, "init", dir); err == nil {
		t.Error("init over an existing site succeeded, want an error")
	}
	out, _, err = run(t, nil, "build", "--site", dir)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if !strings.Contains(out, "2 posts") {
		t.Errorf("build summary = %q, want 2 posts", out)
	}
	for _, f := range []string{"index.html", "2025/05/hello-world/index.html", "about/index.html", "feed.xml", "atom.xml", "feed.json", "sitemap.xml", "robots.txt", "404.html", "tags/meta/index.html", "2025/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, "public", f)); err != nil {
			t.Errorf("missing output %s: %v", f, err)
		}
	}
	out, _, err = run(t, nil, "check", "--site", dir)
	if err != nil || !strings.Contains(out, "ok:") {
		t.Errorf("check = %q, %v; want ok", out, err)
	}
	other := t.TempDir()
	if _, _, err := run(t, nil, "build", "--site", dir, "--out", other); err != nil {
		t.Fatalf("build --out: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "index.html")); err != nil {
		t.Errorf("build --out wrote no index.html: %v", err)
	}
}

func TestCheckListsEveryProblem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if _, _, err := run(t, nil, "init", dir); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"content/posts/2025/05/a.md": "---\ntitle: A\ndate: yesterday\n---\nbody\n",
		"content/posts/2025/05/b.md": "---\ntitle: B\ndate: 2025-05-01\ntype: essay\nvisibility: secret\n---\n",
		"content/posts/2025/05/c.md": "---\ntitle: [unclosed\n---\n",
	}
	for name, data := range bad {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := run(t, nil, "check", "--site", dir)
	if err == nil {
		t.Fatal("check passed a broken site")
	}
	msg := err.Error()
	for _, want := range []string{
		"4 problems",
		"content/posts/2025/05/a.md:3: date \"yesterday\" is not a date",
		"content/posts/2025/05/b.md:4: unknown type \"essay\"",
		"content/posts/2025/05/b.md:5: unknown visibility \"secret\"",
		"content/posts/2025/05/c.md:2:",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("check output lacks %q:\n%s", want, msg)
		}
	}
}

func TestBadConfigNamesLine(t *testing.T) {
	dir := t.TempDir()
	cfg := "title = \"x\"\nbase_url = \"example.com\"\ncolour = \"red\"\n"
	if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, nil, "build", "--site", dir)
	if err == nil || !strings.Contains(err.Error(), "inkstone.toml:3: colour: unknown key") {
		t.Errorf("err = %v, want the unknown key on line 3", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), []byte("title = \"x\"\nbase_url = \"example.com\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, nil, "build", "--site", dir)
	if err == nil || !strings.Contains(err.Error(), "inkstone.toml:2: base_url:") {
		t.Errorf("err = %v, want base_url on line 2", err)
	}
	_, _, err = run(t, []string{"INKSTONE_FEEDS_ITEMS=many"}, "build", "--site", dir)
	if err == nil || !strings.Contains(err.Error(), "INKSTONE_FEEDS_ITEMS") {
		t.Errorf("err = %v, want the bad environment variable named", err)
	}
}

func TestFailedBuildKeepsSite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if _, _, err := run(t, nil, "init", dir); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, nil, "build", "--site", dir); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "public", "index.html")
	before, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	post := filepath.Join(dir, "content", "posts", "2025", "05", "broken.md")
	if err := os.WriteFile(post, []byte("---\ntitle: New\ndate: 2025-05-02\ntags: [a\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, nil, "build", "--site", dir)
	if err == nil || !strings.Contains(err.Error(), "broken.md:") {
		t.Fatalf("err = %v, want the broken file named", err)
	}
	after, err := os.ReadFile(index)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("home page changed after a failed build")
	}
}

func TestVersionAndFlags(t *testing.T) {
	out, _, err := run(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "inkstone ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version = %q, %v", out, err)
	}
	if _, _, err := run(t, nil, "build", "--log-format", "xml"); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("bad --log-format: err = %v", err)
	}
	if _, _, err := run(t, nil, "build", "extra"); err == nil {
		t.Error("build with an argument succeeded")
	}
}

func TestNewCreatesPosts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if _, _, err := run(t, nil, "init", dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string // permalink suffix; empty means an error is expected
	}{
		{[]string{"new", "note", "Lunch", "by", "the", "harbour."}, "/2025/05/lunch-by-the-harbour/"},
		{[]string{"new", "article", "--title", "On bread", "Flour, water, salt."}, "/2025/05/on-bread/"},
		{[]string{"new", "like", "--url", "https://example.org/a"}, "/2025/05/20250501093000/"},
		{[]string{"new", "bookmark", "--url", "https://example.org/b", "Worth reading"}, "/2025/05/worth-reading/"},
		{[]string{"new", "article", "no title"}, ""},
		{[]string{"new", "reply", "text only"}, ""},
		{[]string{"new", "poem", "x"}, ""},
	}
	for _, tt := range tests {
		out, _, err := run(t, nil, append(tt.args, "--site", dir)...)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%v succeeded, want an error", tt.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if !strings.HasSuffix(strings.TrimSpace(out), tt.want) {
			t.Errorf("%v printed %q, want a permalink ending in %s", tt.args, out, tt.want)
		}
		page := filepath.Join(dir, "public", filepath.FromSlash(tt.want), "index.html")
		if _, err := os.Stat(page); err != nil {
			t.Errorf("%v: page not built: %v", tt.args, err)
		}
	}
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, nil, "token", "create", "--scope", "create media", "--name", "phone", "--site", dir)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out)
	if len(secret) < 40 || strings.Contains(secret, " ") {
		t.Fatalf("token create printed %q, want the token alone", out)
	}
	stored, err := os.ReadFile(filepath.Join(dir, ".inkstone", "tokens.json"))
	if err != nil || strings.Contains(string(stored), secret) {
		t.Fatalf("token file missing or holds the secret: %v", err)
	}
	out, _, err = run(t, nil, "token", "list", "--site", dir)
	if err != nil || !strings.Contains(out, "phone") || !strings.Contains(out, "create media") || strings.Contains(out, secret) {
		t.Fatalf("token list = %q, %v", out, err)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if _, _, err := run(t, nil, "token", "revoke", id, "--site", dir); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := run(t, nil, "token", "list", "--site", dir); strings.Contains(out, "phone") {
		t.Errorf("revoked token still listed: %q", out)
	}
	if _, _, err := run(t, nil, "token", "revoke", "nope", "--site", dir); err == nil {
		t.Error("revoking an unknown token succeeded")
	}
	if _, _, err := run(t, nil, "token", "create", "--scope", "create everything", "--site", dir); err == nil {
		t.Error("unknown scope accepted")
	}
}
