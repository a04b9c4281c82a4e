package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a headless browser. In CI (INKSTONE_REQUIRE_BROWSER=1)
// a missing browser fails the test instead of skipping it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INKSTONE_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium found; install it with apt-get install -y chromium")
	}
	t.Skip("no chromium found; set INKSTONE_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// browser starts headless Chromium and collects console errors, uncaught
// exceptions and browser log errors from every page it loads.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// Start the browser without a deadline: a timeout on the first call
	// would stop the whole browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || m.Type == "error" {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// exampleSite copies the repository's example site into a temp folder.
func exampleSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "content"), os.DirFS("../../content")); err != nil {
		t.Fatalf("copy example content: %v", err)
	}
	cfg, err := os.ReadFile("../../inkstone.toml")
	if err != nil {
		t.Fatalf("read example config: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startServe runs `inkstone serve` on a free port and returns its base URL.
func startServe(t *testing.T, site string) string {
	t.Helper()
	var out bytes.Buffer
	a := newApp(&out, &out, nil)
	a.site = site
	a.addr = "127.0.0.1:0"
	a.logFormat, a.logLevel = "text", "warn"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, false, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func TestBrowserRendersHomeAndPost(t *testing.T) {
	ctx, problems := browser(t)
	base := startServe(t, exampleSite(t))

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("main#main")); err != nil {
		t.Fatalf("load home page: %v", err)
	}
	if title := eval[string](t, ctx, `document.title`); title != "Mara's notebook" {
		t.Errorf("home title = %q, want %q", title, "Mara's notebook")
	}
	// The first page shows the newest posts that fill no archive page
	// and the newest full one: per_page (10) to twice that, less one.
	if n := eval[int](t, ctx, `document.querySelectorAll(".h-feed .h-entry").length`); n < 10 || n >= 20 {
		t.Errorf("home page shows %d entries, want 10 to 19", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("link[rel=alternate]").length`); n != 3 {
		t.Errorf("home page has %d feed alternates, want 3", n)
	}
	// Permalinks are absolute on base_url; visit the same path here.
	postURL := eval[string](t, ctx, `document.querySelector(".h-feed .h-entry a.u-url[href*='/20']").href`)
	i := strings.Index(postURL, "/20")
	if i < 0 {
		t.Fatalf("first entry links to %q, not a dated post", postURL)
	}
	path := postURL[i:]

	if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible("article.h-entry")); err != nil {
		t.Fatalf("load post page %s: %v", path, err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("article.h-entry").length`); n != 1 {
		t.Errorf("post page has %d h-entry, want 1", n)
	}
	published := eval[string](t, ctx, `document.querySelector("time.dt-published").getAttribute("datetime")`)
	if _, err := time.Parse(time.RFC3339, published); err != nil {
		t.Errorf("dt-published %q is not RFC 3339: %v", published, err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll(".h-entry .p-author.h-card, .h-card").length`); n == 0 {
		t.Error("post page has no author h-card")
	}
	// The fingerprinted stylesheet loaded and applies.
	if n := eval[int](t, ctx, `document.styleSheets.length`); n < 1 {
		t.Error("no stylesheet loaded")
	}
	if w := eval[string](t, ctx, `getComputedStyle(document.querySelector("main")).maxWidth`); w == "none" || w == "" {
		t.Errorf("main max-width = %q: stylesheet not applied", w)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserLiveReload(t *testing.T) {
	ctx, problems := browser(t)
	site := exampleSite(t)
	base := startServe(t, site)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/about/"), chromedp.WaitVisible("main#main")); err != nil {
		t.Fatalf("load about page: %v", err)
	}
	// Mark this page load; a reload clears the mark.
	eval[bool](t, ctx, `window.__loaded = true`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.__inkstoneLive === true`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("live reload never connected: %v", err)
	}
	about := filepath.Join(site, "content", "about.md")
	data, err := os.ReadFile(about)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(about, append(data, []byte("\nFreshly reloaded paragraph.\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// The reload replaces the page under any running evaluation, so ask
	// again until the new page answers.
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`window.__loaded === undefined && document.body.innerText.includes("Freshly reloaded paragraph.")`))
		if err == nil && ok {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("page did not reload within 10s of the edit (last error: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("reloaded %s after the edit", time.Since(start).Round(time.Millisecond))
	if p := problems(); len(p) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestServePrintsWorkingToken(t *testing.T) {
	site := exampleSite(t)
	var out bytes.Buffer
	a := newApp(&out, &out, nil)
	a.site, a.addr, a.logFormat, a.logLevel = site, "127.0.0.1:0", "text", "warn"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, false, ready) }()
	defer func() { cancel(); <-done }()
	addr := <-ready
	time.Sleep(50 * time.Millisecond) // the banner is printed just before ready
	i := strings.Index(out.String(), "local token (12 h): ")
	if i < 0 {
		t.Fatalf("no token printed:\n%s", out.String())
	}
	token := strings.Fields(out.String()[i+len("local token (12 h): "):])[0]
	req, _ := http.NewRequest("POST", "http://"+addr+"/micropub", strings.NewReader("h=entry&content=Hello+from+curl"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("post with the printed token: %d", resp.StatusCode)
	}
	page, err := http.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(body), "Hello from curl") {
		t.Errorf("new post at %s: %d", resp.Header.Get("Location"), page.StatusCode)
	}
}
