package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The shipped reverse proxy configurations, run by the real Caddy and
// nginx in front of the real daemon: a Micropub post through the proxy,
// then its pages, feeds and files with their headers.

const (
	shortCache     = "public, max-age=300"
	immutableCache = "public, max-age=31536000, immutable"
)

// needBinary returns the path of a proxy server, skipping the test when
// it is not installed, unless INKSTONE_REQUIRE_PROXY=1 (CI) makes that a
// failure.
func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("INKSTONE_REQUIRE_PROXY") == "1" {
			t.Fatalf("%s is not installed and INKSTONE_REQUIRE_PROXY=1: apt-get install -y caddy nginx", name)
		}
		t.Skipf("%s is not installed (apt-get install -y caddy nginx)", name)
	}
	return p
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runProxy starts cmd, stops it when the test ends, and waits until base
// answers /health through to the daemon.
func runProxy(t *testing.T, cmd *exec.Cmd, base string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited: %v\n%s", filepath.Base(cmd.Path), err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /health at %s: %v\n%s", filepath.Base(cmd.Path), base, err, out.String())
		}
	}
}

// startCaddy runs deploy/Caddyfile as it is, configured through its
// environment variables.
func startCaddy(t *testing.T, public, daemonAddr string) string {
	bin := needBinary(t, "caddy")
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := t.TempDir()
	cmd := exec.Command(bin, "run", "--config", filepath.Join("..", "..", "deploy", "Caddyfile"), "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(),
		"SITE_ADDRESS="+base, "SITE_ROOT="+public, "DAEMON_ADDR="+daemonAddr, "CADDY_ADMIN=off",
		"HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	runProxy(t, cmd, base)
	return base
}

// startNginx runs deploy/nginx.conf with its server-specific lines
// replaced: the port, the folders and the daemon's address, with every
// file nginx writes under a temporary prefix.
func startNginx(t *testing.T, public, daemonAddr string) string {
	bin := needBinary(t, "nginx")
	port := freePort(t)
	prefix := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read the test's 0700 folders
	}
	tmp := func(name string) string { return filepath.Join(prefix, name) }
	conf := string(src)
	for _, r := range []struct{ old, new string }{
		{"user www-data;", user},
		{"pid /run/nginx.pid;", "pid " + tmp("nginx.pid") + ";"},
		{"error_log /var/log/nginx/error.log;", "error_log " + tmp("error.log") + ";"},
		{"access_log /var/log/nginx/access.log;", "access_log " + tmp("access.log") + ";\n" +
			"\tclient_body_temp_path " + tmp("body") + ";\n\tproxy_temp_path " + tmp("proxy") + ";\n" +
			"\tfastcgi_temp_path " + tmp("fastcgi") + ";\n\tuwsgi_temp_path " + tmp("uwsgi") + ";\n\tscgi_temp_path " + tmp("scgi") + ";"},
		{"server 127.0.0.1:8080;", "server " + daemonAddr + ";"},
		{"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port)},
		{"listen [::]:80;", ""},
		{"root /srv/site/public;", "root " + public + ";"},
	} {
		if !strings.Contains(conf, r.old) {
			t.Fatalf("deploy/nginx.conf no longer has %q; update this test with it", r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	file := tmp("nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", prefix, "-c", file, "-e", tmp("error.log"), "-g", "daemon off;")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	runProxy(t, cmd, base)
	return base
}

// fetched is one answer, its body decompressed.
type fetched struct {
	status int
	header http.Header
	body   string
}

// fetch GETs (or sends) through the proxy, with the encoding asked for.
func fetch(t *testing.T, method, u, encoding string, body io.Reader, header map[string]string) fetched {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// Raw answers: no transparent decompression, no redirects followed.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("%s: bad gzip: %v", u, err)
		}
		r = gz
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return fetched{resp.StatusCode, resp.Header, string(data)}
}

// checkSecurityHeaders asserts the headers every static answer carries.
func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Strict-Transport-Security": "max-age=31536000",
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"X-Frame-Options":           "DENY",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'self'", "script-src 'self'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, part)
		}
	}
}

func TestReverseProxiesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon, Caddy and nginx")
	}
	// Look the binaries up first: without them there is nothing to start.
	needBinary(t, "caddy")
	needBinary(t, "nginx")
	d := startDaemon(t)
	daemonAddr := strings.TrimPrefix(d.base, "http://")
	public := filepath.Join(d.dir, "public")

	proxies := []struct {
		name  string
		start func(*testing.T, string, string) string
		// zstd is asked for too where the proxy supports it.
		zstd bool
	}{
		{"caddy", startCaddy, true},
		{"nginx", startNginx, false},
	}
	for _, p := range proxies {
		t.Run(p.name, func(t *testing.T) {
			base := p.start(t, public, daemonAddr)
			checkProxy(t, d, base, p.name, p.zstd)
		})
	}

	// The daemon counted the proxied requests by route; /metrics answers
	// a direct local request.
	m := fetch(t, "GET", d.base+"/metrics", "", nil, nil)
	for _, want := range []string{
		`inkstone_http_requests_total{code="201",method="POST",route="/micropub"} 2`,
		`inkstone_http_requests_total{code="201",method="POST",route="/micropub/media"} 2`,
		`inkstone_http_request_duration_seconds_count{route="/health"}`,
		`inkstone_queue_depth{queue="git"}`,
		`inkstone_git_failures_total 0`,
		`inkstone_build_duration_seconds_count{kind="full"} 1`,
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("daemon /metrics lacks %s", want)
		}
	}
}

// checkProxy posts through the proxy at base and fetches what the post
// changed.
func checkProxy(t *testing.T, d *daemonSite, base, name string, zstd bool) {
	local := func(permalink string) string {
		return base + "/" + strings.TrimPrefix(permalink, "https://notes.example/")
	}

	// A Micropub post through the proxy.
	text := "Posted through " + name + "."
	form := url.Values{"h": {"entry"}, "content": {text}, "category[]": {"proxy"}}
	auth := map[string]string{"Authorization": "Bearer " + d.token, "Content-Type": "application/x-www-form-urlencoded"}
	created := fetch(t, "POST", base+"/micropub", "", strings.NewReader(form.Encode()), auth)
	if created.status != http.StatusCreated {
		t.Fatalf("micropub create through %s: %d %s", name, created.status, created.body)
	}
	if cc := created.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("daemon answer Cache-Control = %q, want no-store", cc)
	}
	// The proxy names each request (a UUID from Caddy, 32 hex digits
	// from nginx) and the daemon logs under that name.
	proxyID := regexp.MustCompile(`^([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	if id := created.header.Get("X-Request-ID"); !proxyID.MatchString(id) {
		t.Errorf("the daemon's answer has X-Request-ID %q, not the proxy's", id)
	}
	spoofed := fetch(t, "GET", base+"/health", "", nil, map[string]string{"X-Request-ID": "chosen-by-the-client"})
	if id := spoofed.header.Get("X-Request-ID"); !proxyID.MatchString(id) {
		t.Errorf("a client's X-Request-ID reached the daemon: %q", id)
	}
	permalink := created.header.Get("Location")
	if !strings.HasPrefix(permalink, "https://notes.example/") {
		t.Fatalf("Location = %q", permalink)
	}

	// Without a token the proxy passes the daemon's refusal on.
	refused := fetch(t, "POST", base+"/micropub", "", strings.NewReader("h=entry&content=x"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if refused.status != http.StatusUnauthorized || !strings.Contains(refused.body, "unauthorized") {
		t.Errorf("create without a token: %d %s", refused.status, refused.body)
	}

	// A media upload through the proxy, served as an immutable file.
	var mbody bytes.Buffer
	mw := multipart.NewWriter(&mbody)
	fw, _ := mw.CreateFormFile("file", "pic.png")
	_, _ = fw.Write(tinyPNG)
	_ = mw.Close()
	uploaded := fetch(t, "POST", base+"/micropub/media", "", &mbody,
		map[string]string{"Authorization": "Bearer " + d.token, "Content-Type": mw.FormDataContentType()})
	if uploaded.status != http.StatusCreated {
		t.Fatalf("media upload through %s: %d %s", name, uploaded.status, uploaded.body)
	}
	media := fetch(t, "GET", local(uploaded.header.Get("Location")), "", nil, nil)
	if media.status != 200 || media.body != string(tinyPNG) || media.header.Get("Cache-Control") != immutableCache {
		t.Errorf("media file: %d, %d bytes, Cache-Control %q", media.status, len(media.body), media.header.Get("Cache-Control"))
	}

	// The post's page, the home page and the feeds, compressed when asked.
	pages := []struct {
		path, contains, ctype string
	}{
		{local(permalink), text, "text/html"},
		{base + "/", text, "text/html"},
		{base + "/feed.xml", permalink, "xml"},
		{base + "/atom.xml", permalink, "xml"},
		{base + "/feed.json", permalink, "json"},
	}
	for _, pg := range pages {
		got := fetch(t, "GET", pg.path, "gzip", nil, nil)
		if got.status != 200 || !strings.Contains(got.body, pg.contains) {
			t.Errorf("%s: %d, body has %q: %v", pg.path, got.status, pg.contains, strings.Contains(got.body, pg.contains))
			continue
		}
		if !strings.Contains(got.header.Get("Content-Type"), pg.ctype) {
			t.Errorf("%s: Content-Type %q", pg.path, got.header.Get("Content-Type"))
		}
		if got.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzip-compressed when asked (Content-Encoding %q)", pg.path, got.header.Get("Content-Encoding"))
		}
		if cc := got.header.Get("Cache-Control"); cc != shortCache {
			t.Errorf("%s: Cache-Control %q, want %q", pg.path, cc, shortCache)
		}
		checkSecurityHeaders(t, pg.path, got.header)
	}
	if plain := fetch(t, "GET", base+"/feed.json", "", nil, nil); plain.header.Get("Content-Encoding") != "" {
		t.Errorf("compressed without being asked: %q", plain.header.Get("Content-Encoding"))
	}
	if zstd {
		z := fetch(t, "GET", base+"/feed.json", "zstd", nil, nil)
		if z.header.Get("Content-Encoding") != "zstd" {
			t.Errorf("feed.json not zstd-compressed when asked: %q", z.header.Get("Content-Encoding"))
		}
	}

	// The fingerprinted stylesheet the home page links to.
	home := fetch(t, "GET", base+"/", "", nil, nil)
	css := regexp.MustCompile(`href="(?:https://notes\.example)?/(style\.[0-9a-f]+\.css)"`).FindStringSubmatch(home.body)
	if css == nil {
		t.Error("home page links no fingerprinted stylesheet")
	} else {
		got := fetch(t, "GET", base+"/"+css[1], "gzip", nil, nil)
		if got.status != 200 || got.header.Get("Cache-Control") != immutableCache || got.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: %d, Cache-Control %q, Content-Encoding %q", css[1], got.status, got.header.Get("Cache-Control"), got.header.Get("Content-Encoding"))
		}
	}

	// A folder without its trailing slash redirects to it.
	noSlash := strings.TrimSuffix(local(permalink), "/")
	redirect := fetch(t, "GET", noSlash, "", nil, nil)
	if redirect.status != http.StatusMovedPermanently && redirect.status != http.StatusPermanentRedirect ||
		!strings.HasSuffix(redirect.header.Get("Location"), strings.TrimPrefix(noSlash, base)+"/") {
		t.Errorf("%s: %d Location %q, want a redirect to the trailing slash", noSlash, redirect.status, redirect.header.Get("Location"))
	}

	// The site's own 404 page, with a 404 status.
	want404, err := os.ReadFile(filepath.Join(d.dir, "public", "404.html"))
	if err != nil {
		t.Fatal(err)
	}
	missing := fetch(t, "GET", base+"/no/such/page/", "", nil, nil)
	if missing.status != http.StatusNotFound || missing.body != string(want404) {
		t.Errorf("missing page: %d, body is the site's 404.html: %v", missing.status, missing.body == string(want404))
	}
	checkSecurityHeaders(t, "404 page", missing.header)

	// Only the daemon's paths reach it: /metrics is not proxied.
	metricsAnswer := fetch(t, "GET", base+"/metrics", "", nil, nil)
	if metricsAnswer.status != http.StatusNotFound || strings.Contains(metricsAnswer.body, "inkstone_http_requests_total") {
		t.Errorf("/metrics through %s: %d", name, metricsAnswer.status)
	}
	health := fetch(t, "GET", base+"/health", "", nil, nil)
	if health.status != 200 || !strings.Contains(health.body, `"ok"`) || health.header.Get("Cache-Control") != "no-store" {
		t.Errorf("/health through %s: %d %q %q", name, health.status, health.body, health.header.Get("Cache-Control"))
	}
	// The sign-in pages keep the daemon's own policy, alone, so the
	// proxy's policy cannot break the login form.
	login := fetch(t, "GET", base+"/auth", "", nil, nil)
	if csp := login.header.Values("Content-Security-Policy"); len(csp) != 1 || !strings.Contains(csp[0], "style-src 'unsafe-inline'") ||
		!strings.Contains(login.header.Get("Content-Type"), "text/html") {
		t.Errorf("/auth through %s: %d, Content-Type %q, Content-Security-Policy %q", name, login.status, login.header.Get("Content-Type"), csp)
	}
	meta := fetch(t, "GET", base+"/.well-known/oauth-authorization-server", "", nil, nil)
	if meta.status != 200 || !strings.Contains(meta.body, `"authorization_endpoint"`) {
		t.Errorf("IndieAuth metadata through %s: %d", name, meta.status)
	}

	// The search page and its index, when the build writes them.
	searchMeta := filepath.Join(d.dir, "public", "search", "meta.json")
	if _, err := os.Stat(searchMeta); err == nil {
		got := fetch(t, "GET", base+"/search/meta.json", "gzip", nil, nil)
		if got.status != 200 || got.header.Get("Cache-Control") != shortCache {
			t.Errorf("search/meta.json: %d, Cache-Control %q", got.status, got.header.Get("Cache-Control"))
		}
		shards, _ := filepath.Glob(filepath.Join(d.dir, "public", "search", "*", "*.json"))
		if len(shards) > 0 {
			rel, _ := filepath.Rel(filepath.Join(d.dir, "public"), shards[0])
			shard := fetch(t, "GET", base+"/"+filepath.ToSlash(rel), "", nil, nil)
			if shard.status != 200 || shard.header.Get("Cache-Control") != immutableCache {
				t.Errorf("search shard %s: %d, Cache-Control %q", rel, shard.status, shard.header.Get("Cache-Control"))
			}
		}
	} else {
		t.Log("the build wrote no search/meta.json; search index not checked")
	}
	if _, err := os.Stat(filepath.Join(d.dir, "public", "search", "index.html")); err == nil {
		got := fetch(t, "GET", base+"/search/", "gzip", nil, nil)
		if got.status != 200 || got.header.Get("Cache-Control") != shortCache {
			t.Errorf("/search/: %d, Cache-Control %q", got.status, got.header.Get("Cache-Control"))
		}
		checkSecurityHeaders(t, "/search/", got.header)
		// Its script, named by its content.
		if js := regexp.MustCompile(`src="(/search\.[0-9a-f]+\.js)"`).FindStringSubmatch(got.body); js != nil {
			script := fetch(t, "GET", base+js[1], "gzip", nil, nil)
			if script.status != 200 || script.header.Get("Cache-Control") != immutableCache || script.header.Get("Content-Encoding") != "gzip" ||
				!strings.Contains(script.header.Get("Content-Type"), "javascript") {
				t.Errorf("%s: %d, Cache-Control %q, Content-Encoding %q, Content-Type %q", js[1], script.status,
					script.header.Get("Cache-Control"), script.header.Get("Content-Encoding"), script.header.Get("Content-Type"))
			}
		} else {
			t.Error("/search/ loads no fingerprinted script")
		}
	} else {
		t.Log("the build wrote no search page; /search/ not checked")
	}
}
