package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"inkstone/generator/search"
)

// cliSearch runs `inkstone search --json` in-process and returns the URLs found.
func cliSearch(t *testing.T, dir string, args ...string) []searchJSON {
	t.Helper()
	var out, errs strings.Builder
	a := newApp(&out, &errs, nil)
	root := a.root()
	root.SetArgs(append([]string{"search", "--site", dir, "--json", "--limit", "100"}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("inkstone search %q: %v\n%s", args, err, errs.String())
	}
	var res []searchJSON
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("inkstone search --json: %v\n%s", err, out.String())
	}
	return res
}

// gzipResponse compresses what the file server writes.
type gzipResponse struct {
	http.ResponseWriter
	zw *gzip.Writer
}

func (g *gzipResponse) WriteHeader(code int) {
	g.Header().Del("Content-Length")
	g.Header().Set("Content-Encoding", "gzip")
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipResponse) Write(b []byte) (int, error) { return g.zw.Write(b) }

// serveGzip serves dir on 127.0.0.1 as a static host does: gzip-compressed.
func serveGzip(t *testing.T, dir string) string {
	t.Helper()
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			files.ServeHTTP(w, r)
			return
		}
		zw := gzip.NewWriter(w)
		defer zw.Close()
		files.ServeHTTP(&gzipResponse{ResponseWriter: w, zw: zw}, r)
	}))
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// buildSite runs `inkstone build` in-process.
func buildSite(t *testing.T, dir string) {
	t.Helper()
	var out strings.Builder
	root := newApp(&out, &out, nil).root()
	root.SetArgs([]string{"build", "--site", dir, "--log-level", "warn"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("inkstone build: %v\n%s", err, out.String())
	}
}

// searchCase is one query of the table the browser and `inkstone search`
// both answer.
type searchCase struct {
	q, tag, typ string
	min         int  // results expected at least
	mark        bool // a result shows a matched word highlighted
}

var searchCases = []searchCase{
	{q: "gotland", min: 2, mark: true},
	{q: "riding", min: 2, mark: true},          // stemmed: ride, rides, riding
	{q: "sourdough bread", min: 1, mark: true}, // two words, both required
	{q: "crème brûlée", min: 1, mark: true},    // accents
	{q: "gotl", min: 1},                        // prefix of the last word
	{q: "gotland", typ: "article", min: 1},
	{q: "ride", tag: "travel", min: 1},
	{q: "the ", min: 0},         // a stop word alone finds nothing
	{q: "constructor ", min: 0}, // not a property of every object
}

func (c searchCase) page() string {
	v := url.Values{}
	v.Set("q", c.q)
	if c.tag != "" {
		v.Set("tag", c.tag)
	}
	if c.typ != "" {
		v.Set("type", c.typ)
	}
	return "/search/?" + v.Encode()
}

func (c searchCase) args() []string {
	var args []string
	if c.tag != "" {
		args = append(args, "--tag", c.tag)
	}
	if c.typ != "" {
		args = append(args, "--type", c.typ)
	}
	return append(args, "--", c.q)
}

func TestBrowserSearch(t *testing.T) {
	ctx, problems := browser(t)
	dir := exampleSite(t)
	base := serveGzip(t, filepath.Join(dir, "public"))
	// The site's own address, so that its absolute links (the h-card
	// photo) reach the test server.
	cfgPath := filepath.Join(dir, "inkstone.toml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = regexp.MustCompile(`(?m)^base_url = .*$`).ReplaceAll(cfg, []byte(`base_url = "`+base+`/"`))
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	buildSite(t, dir)

	var mu sync.Mutex
	var bytes float64
	var fetched []string
	urls := map[network.RequestID]string{}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			mu.Lock()
			urls[e.RequestID] = e.Response.URL
			mu.Unlock()
		case *network.EventLoadingFinished:
			mu.Lock()
			defer mu.Unlock()
			// The page, its stylesheet and script, and the index: not
			// the images a theme may put on every page.
			u := strings.TrimPrefix(urls[e.RequestID], base)
			if strings.HasSuffix(u, ".css") || strings.HasSuffix(u, ".js") || strings.HasSuffix(u, ".json") || strings.HasPrefix(u, "/search/?") {
				bytes += e.EncodedDataLength
				fetched = append(fetched, fmt.Sprintf("%s %.0f", u, e.EncodedDataLength))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	done := `document.getElementById("search-results").dataset.state === "done"`
	open := func(path, ready string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := chromedp.Do(tctx, chromedp.Navigate(base+path))
		if err == nil {
			_, err = chromedp.Run(tctx, chromedp.Poll[bool](ready))
		}
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}
	hrefs := `Array.from(document.querySelectorAll("#search-results a")).map(a => a.getAttribute("href"))`

	for _, c := range searchCases {
		want := cliSearch(t, dir, c.args()...)
		var wantURLs []string
		for _, r := range want {
			wantURLs = append(wantURLs, r.URL)
		}
		if len(want) < c.min {
			t.Errorf("%+v: inkstone search finds %d, want at least %d", c, len(want), c.min)
		}
		// A cold cache for every query.
		if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		bytes, fetched = 0, nil
		mu.Unlock()
		open(c.page(), done)
		status := eval[string](t, ctx, `document.getElementById("search-status").textContent`)
		if len(want) == 0 {
			if !strings.HasPrefix(status, "No ") {
				t.Errorf("%+v: page says %q, inkstone search finds nothing", c, status)
			}
		} else if w := strconv.Itoa(len(want)) + " result"; !strings.HasPrefix(status, w) {
			t.Errorf("%+v: page says %q, inkstone search finds %d", c, status, len(want))
		}
		// All results, page by page, are the same set.
		for eval[bool](t, ctx, `!document.getElementById("search-more").hidden`) {
			n := len(eval[[]string](t, ctx, hrefs))
			eval[bool](t, ctx, `document.getElementById("search-more").click(), true`)
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelectorAll("#search-results a").length > %d`, n))); err != nil {
				t.Fatal(err)
			}
		}
		got := eval[[]string](t, ctx, hrefs)
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(wantURLs))) {
			t.Errorf("%+v: the page shows %q, inkstone search finds %q", c, got, wantURLs)
		}
		if len(got) > 0 && got[0] != wantURLs[0] {
			t.Errorf("%+v: the page ranks %s first, inkstone search %s", c, got[0], wantURLs[0])
		}
		if c.mark && eval[int](t, ctx, `document.querySelectorAll("#search-results mark").length`) == 0 {
			t.Errorf("%+v: no matched word is highlighted", c)
		}
		mu.Lock()
		t.Logf("%+v: %d results, %.0f bytes: %s", c, len(got), bytes, strings.Join(fetched, ", "))
		limit := 50_000.0
		if strings.Contains(c.q, " ") {
			limit = 70_000
		}
		if bytes > limit {
			t.Errorf("%+v: %.0f bytes transferred, want at most %.0f", c, bytes, limit)
		}
		mu.Unlock()
	}

	// Results as the reader types, the last word matched as a prefix.
	open("/search/", `document.readyState === "complete"`)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = chromedp.Run(tctx, chromedp.Evaluate[bool](`document.getElementById("search-q").focus(), true`))
	if err == nil {
		err = chromedp.Do(tctx, chromedp.SendKeys("#search-q", "gotla"))
	}
	if err == nil {
		_, err = chromedp.Run(tctx, chromedp.Poll[bool](`document.querySelectorAll("#search-results a").length > 0 && `+done))
	}
	cancel()
	if err != nil {
		t.Fatalf("type a query: %v", err)
	}
	if got := eval[[]string](t, ctx, hrefs); !slices.ContainsFunc(got, func(h string) bool { return strings.Contains(h, "gotland") }) {
		t.Errorf("typing gotla shows %q", got)
	}
	if u := eval[string](t, ctx, `location.search`); u != "?q=gotla" {
		t.Errorf("the address shows %q, want ?q=gotla", u)
	}
	// The keyboard moves from the box to the results.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("search-q").dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowDown", bubbles: true})), true`)); err != nil {
		t.Fatal(err)
	}
	if tag := eval[string](t, ctx, `document.activeElement.closest("#search-results") ? "result" : document.activeElement.id`); tag != "result" {
		t.Errorf("ArrowDown in the box focuses %q, want the first result", tag)
	}

	// Analysis in the script matches the build's.
	an, err := search.NewAnalyzer("en")
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile("../../generator/search/testdata/words.txt")
	if err != nil {
		t.Fatal(err)
	}
	texts := append(strings.Split(strings.TrimSpace(string(list)), "\n"),
		"John's bike", "Crème brûlée", "RUNNING shoes", "constructor", "the", "don't", "e.g. 3.14 and 1,000", "Köln: Kaffee & Kuchen")
	js, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	got := eval[[][]string](t, ctx, `(`+string(js)+`).map(s => window.inkstoneSearch.terms(s))`)
	if len(got) != len(texts) {
		t.Fatalf("script analysed %d of %d texts", len(got), len(texts))
	}
	bad := 0
	for i, text := range texts {
		if want := an.Terms(text); !slices.Equal(got[i], want) && !(len(got[i]) == 0 && len(want) == 0) && bad < 10 {
			bad++
			t.Errorf("script analyses %q as %q, the build as %q", text, got[i], want)
		}
	}

	// Without JavaScript the page says so and links to the archives.
	resp, err := http.Get(base + "/search/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "Search needs JavaScript") || !strings.Contains(string(body), `href="/tags/"`) {
		t.Error("the search page has no fallback for readers without JavaScript")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors: %q", p)
	}
}
