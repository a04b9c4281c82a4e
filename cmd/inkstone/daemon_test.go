package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/daemon/indieauth"
	"inkstone/internal/config"
)

// daemonSite is a git-tracked site with commits on and one app token.
type daemonSite struct {
	dir, base, token string
}

func startDaemon(t *testing.T) *daemonSite {
	t.Helper()
	return startDaemonWith(t, nil)
}

// startDaemonWith is startDaemon with prepare, when set, run on the site
// after its config is written and before the daemon starts.
func startDaemonWith(t *testing.T, prepare func(*config.Site)) *daemonSite {
	t.Helper()
	dir := t.TempDir()
	cfg := "base_url = \"https://notes.example/\"\ntitle = \"Daemon test\"\n[git]\ncommit = true\n"
	if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "--quiet")
	git("config", "user.email", "owner@notes.example")
	git("config", "user.name", "Owner")

	c, err := config.Load(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(c)
	}
	tokens, err := indieauth.OpenSiteTokens(c)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := tokens.Create("test", []string{"create", "update", "delete", "undelete", "media"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	a := newApp(&out, &out, nil)
	a.site, a.addr, a.logFormat, a.logLevel = dir, "127.0.0.1:0", "text", "warn"
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(out.String())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.daemon(ctx, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return &daemonSite{dir: dir, base: "http://" + addr, token: secret}
	case err := <-done:
		t.Fatalf("daemon stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not start")
	}
	return nil
}

func (d *daemonSite) do(t *testing.T, method, path, contentType string, body io.Reader, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, d.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp, m
}

// publicFile maps a permalink on https://notes.example/ to its file.
func (d *daemonSite) publicFile(permalink string) string {
	rel := strings.TrimPrefix(permalink, "https://notes.example/")
	return filepath.Join(d.dir, "public", filepath.FromSlash(rel), "index.html")
}

func TestDaemonMicropubEndToEnd(t *testing.T) {
	d := startDaemon(t)
	form := url.Values{"h": {"entry"}, "content": {"Posted from a phone."}, "category[]": {"phone", "test"}}
	resp, body := d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), d.token)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("form create: %d %v", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	page, err := os.ReadFile(d.publicFile(loc))
	if err != nil || !strings.Contains(string(page), "Posted from a phone.") {
		t.Fatalf("page for %s not live when 201 came back: %v", loc, err)
	}
	home, _ := os.ReadFile(filepath.Join(d.dir, "public", "index.html"))
	feed, _ := os.ReadFile(filepath.Join(d.dir, "public", "feed.json"))
	if !strings.Contains(string(home), "Posted from a phone.") || !strings.Contains(string(feed), loc) {
		t.Error("home page or feed not updated when 201 came back")
	}

	js := `{"type":["h-entry"],"properties":{"name":["A JSON article"],"content":[{"html":"<p>Hello <b>there</b></p>"}],"x-custom":["kept"]}}`
	resp, body = d.do(t, "POST", "/micropub", "application/json", strings.NewReader(js), d.token)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("json create: %d %v", resp.StatusCode, body)
	}
	article := resp.Header.Get("Location")
	resp, body = d.do(t, "GET", "/micropub?q=source&url="+url.QueryEscape(article), "", nil, d.token)
	props, _ := body["properties"].(map[string]any)
	if resp.StatusCode != 200 || fmt.Sprint(props["x-custom"]) != "[kept]" || fmt.Sprint(props["name"]) != "[A JSON article]" {
		t.Errorf("q=source = %d %v", resp.StatusCode, body)
	}

	upd := fmt.Sprintf(`{"action":"update","url":%q,"replace":{"content":["Edited from the phone."]}}`, loc)
	resp, body = d.do(t, "POST", "/micropub", "application/json", strings.NewReader(upd), d.token)
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %v", resp.StatusCode, body)
	}
	if page, _ := os.ReadFile(d.publicFile(loc)); !strings.Contains(string(page), "Edited from the phone.") {
		t.Error("update not live")
	}
	resp, _ = d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"action": {"delete"}, "url": {loc}}.Encode()), d.token)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := os.Stat(d.publicFile(loc)); !os.IsNotExist(err) {
		t.Error("deleted post still in public/")
	}
	resp, _ = d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"action": {"undelete"}, "url": {loc}}.Encode()), d.token)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("undelete: %d", resp.StatusCode)
	}
	if _, err := os.Stat(d.publicFile(loc)); err != nil {
		t.Error("undeleted post not back")
	}

	// Media: a PNG upload lands under /media/ and is published.
	var mbody bytes.Buffer
	mw := multipart.NewWriter(&mbody)
	fw, _ := mw.CreateFormFile("file", "pic.jpg")
	fw.Write(tinyPNG)
	mw.Close()
	resp, body = d.do(t, "POST", "/micropub/media", mw.FormDataContentType(), &mbody, d.token)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), "https://notes.example/media/") {
		t.Fatalf("media upload: %d %v %s", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	mediaRel := strings.TrimPrefix(resp.Header.Get("Location"), "https://notes.example/")
	if _, err := os.Stat(filepath.Join(d.dir, "public", filepath.FromSlash(mediaRel))); err != nil {
		t.Errorf("uploaded file not in public/: %v", err)
	}

	// Errors.
	tests := []struct {
		name, method, path, ctype, body, token string
		status                                 int
		code                                   string
	}{
		{"no token", "POST", "/micropub", "application/x-www-form-urlencoded", "h=entry&content=x", "", 401, "unauthorized"},
		{"bad token", "POST", "/micropub", "application/x-www-form-urlencoded", "h=entry&content=x", "nope", 401, "unauthorized"},
		{"wrong type", "POST", "/micropub", "text/plain", "hello", d.token, 415, "unsupported_media_type"},
		{"empty post", "POST", "/micropub", "application/x-www-form-urlencoded", "h=entry", d.token, 400, "invalid_request"},
		{"unknown url", "POST", "/micropub", "application/x-www-form-urlencoded", "action=delete&url=https://notes.example/2020/01/none/", d.token, 400, "invalid_request"},
		{"too large", "POST", "/micropub", "application/x-www-form-urlencoded", "h=entry&content=" + strings.Repeat("a", 2<<20), d.token, 413, "invalid_request"},
	}
	for _, tt := range tests {
		resp, body := d.do(t, tt.method, tt.path, tt.ctype, strings.NewReader(tt.body), tt.token)
		if resp.StatusCode != tt.status || body["error"] != tt.code || body["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s with a description", tt.name, resp.StatusCode, body, tt.status, tt.code)
		}
	}

	// Health.
	if resp, _ := d.do(t, "GET", "/health", "", nil, ""); resp.StatusCode != 200 {
		t.Errorf("/health = %d", resp.StatusCode)
	}
	resp, body = d.do(t, "GET", "/health/ready", "", nil, d.token)
	if resp.StatusCode != 200 || body["checks"] == nil {
		t.Errorf("/health/ready with a token = %d %v", resp.StatusCode, body)
	}
	if _, body := d.do(t, "GET", "/health/ready", "", nil, ""); body["checks"] != nil {
		t.Error("/health/ready shows details without a token")
	}
	resp, body = d.do(t, "GET", "/.well-known/oauth-authorization-server", "", nil, "")
	if resp.StatusCode != 200 || body["token_endpoint"] != "https://notes.example/token" {
		t.Errorf("metadata = %d %v", resp.StatusCode, body)
	}
	waitForCommit(t, d.dir, `Create 2026/11/a-json-article "A JSON article"`)
}

// waitForCommit waits until the git log mentions want and nothing under
// content/ is left uncommitted.
func waitForCommit(t *testing.T, dir, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := exec.Command("git", "-C", dir, "log", "--format=%s").Output()
		status, _ := exec.Command("git", "-C", dir, "status", "--porcelain", "--", "content").Output()
		if strings.Contains(string(out), want) && len(status) == 0 {
			return string(out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no commit mentioning %q; log:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDaemonConcurrentCreates(t *testing.T) {
	d := startDaemon(t)
	const n = 200
	var wg sync.WaitGroup
	locs := make([]string, n)
	codes := make([]int, n)
	sem := make(chan struct{}, 50)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			form := url.Values{"h": {"entry"}, "name": {"Same title"}, "content": {fmt.Sprintf("Post number %d", i)}}
			req, _ := http.NewRequest("POST", d.base+"/micropub", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+d.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i], locs[i] = resp.StatusCode, resp.Header.Get("Location")
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range locs {
		if codes[i] != http.StatusCreated {
			t.Fatalf("create %d: status %d", i, codes[i])
		}
		if seen[locs[i]] {
			t.Fatalf("two posts at %s", locs[i])
		}
		seen[locs[i]] = true
		if _, err := os.Stat(d.publicFile(locs[i])); err != nil {
			t.Errorf("post %s not rendered", locs[i])
		}
	}
	files, _ := filepath.Glob(filepath.Join(d.dir, "content", "posts", "*", "*", "*.md"))
	if len(files) != n {
		t.Errorf("%d files on disk, want %d", len(files), n)
	}
	// Every post is committed.
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("git", "-C", d.dir, "ls-files", "content/posts").Output()
		if strings.Count(string(out), ".md") == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d posts committed", strings.Count(string(out), ".md"), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tinyPNG is a 1×1 PNG.
var tinyPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}
