package indieauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseClientInfo(t *testing.T) {
	const id = "https://app.example/"
	base, _ := url.Parse(id)
	cases := []struct {
		name      string
		ctype     string
		link      string
		body      string
		want      ClientInfo
		wantError string
	}{{
		name:  "JSON metadata",
		ctype: "application/json",
		body: `{"client_id": "https://app.example/", "client_name": "Quill", "client_uri": "https://app.example/about",
			"logo_uri": "/logo.png", "redirect_uris": ["com.example.app:/callback", "https://login.example/cb"]}`,
		want: ClientInfo{Name: "Quill", Logo: "https://app.example/logo.png", URL: "https://app.example/about",
			RedirectURIs: []string{"com.example.app:/callback", "https://login.example/cb"}},
	}, {
		name:  "JSON metadata without client_id, charset",
		ctype: "application/json; charset=utf-8",
		body:  `{"client_name": "  Two\n\tlines\u0007 ", "redirect_uris": ["https://login.example/cb"]}`,
		want:  ClientInfo{Name: "Two lines", RedirectURIs: []string{"https://login.example/cb"}},
	}, {
		name:      "JSON naming another client",
		ctype:     "application/json",
		body:      `{"client_id": "https://evil.example/", "redirect_uris": ["https://evil.example/cb"]}`,
		wantError: "names the client_id https://evil.example/; it must name itself",
	}, {
		name:      "JSON broken",
		ctype:     "application/json",
		body:      `{"client_name": `,
		wantError: "is not valid JSON",
	}, {
		name:  "JSON logo that is a script",
		ctype: "application/json",
		body:  `{"client_name": "X", "logo_uri": "javascript:alert(1)", "client_uri": "data:text/html,hi"}`,
		want:  ClientInfo{Name: "X"},
	}, {
		name:  "HTML link rel",
		ctype: "text/html; charset=utf-8",
		body:  `<html><head><link rel="redirect_uri" href="/cb"><link rel="me redirect_uri" href="https://other.example/cb"></head></html>`,
		want:  ClientInfo{RedirectURIs: []string{"https://app.example/cb", "https://other.example/cb"}},
	}, {
		name:  "HTTP Link header",
		ctype: "text/plain",
		link:  `<https://login.example/a>; rel="redirect_uri", <https://x.example/>; rel="me"; title="a, b", </b>;rel=redirect_uri`,
		body:  "hello",
		want:  ClientInfo{RedirectURIs: []string{"https://login.example/a", "https://app.example/b"}},
	}, {
		name:  "h-app",
		ctype: "text/html",
		body: `<div class="h-app"><img class="u-logo" src="/logo.svg" alt=""><a class="u-url p-name" href="/">Micro App</a></div>
			<link rel="redirect_uri" href="app.native:/done">`,
		want: ClientInfo{Name: "Micro App", Logo: "https://app.example/logo.svg", URL: "https://app.example/",
			RedirectURIs: []string{"app.native:/done"}},
	}, {
		name:  "h-x-app nested, another app's h-app skipped",
		ctype: "text/html",
		body: `<div class="h-app"><a class="u-url p-name" href="https://other.example/">Other</a></div>
			<main><div class="h-entry"><div class="e-content"><div class="h-x-app"><span class="p-name">Old App</span></div></div></div></main>`,
		want: ClientInfo{Name: "Old App"},
	}, {
		name:  "image with no h-app",
		ctype: "image/png",
		body:  "\x89PNG",
		want:  ClientInfo{},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {tc.ctype}}
			if tc.link != "" {
				h.Set("Link", tc.link)
			}
			got, err := parseClientInfo(id, base, h, []byte(tc.body))
			if tc.wantError != "" {
				var ce *ClientError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("error = %v, want a ClientError saying %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.want.Name || got.Logo != tc.want.Logo || got.URL != tc.want.URL || !slices.Equal(got.RedirectURIs, tc.want.RedirectURIs) {
				t.Errorf("got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

// clientSite is a test server for a client's pages, counting requests.
type clientSite struct {
	*httptest.Server
	hits atomic.Int32
}

func newClientSite(t *testing.T, h http.HandlerFunc) *clientSite {
	t.Helper()
	cs := &clientSite{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func jsonClient(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func testClients(hosts map[string]string) *Clients {
	c := NewClients()
	c.resolve = func(host string) (string, bool) {
		ip, ok := hosts[host]
		return ip, ok
	}
	return c
}

func TestClientsFetch(t *testing.T) {
	ok := newClientSite(t, jsonClient(`{"client_name": "Fine", "redirect_uris": ["app:/cb"]}`))
	slow := newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	huge := newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<link rel="redirect_uri" href="app:/cb">`))
		w.Write(make([]byte, DefaultClientMaxBytes))
	})
	var loop *clientSite
	loop = newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusFound)
	})
	missing := newClientSite(t, http.NotFound)
	toFTP := newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://app.example/", http.StatusFound)
	})
	port := func(cs *clientSite) string { return strings.TrimPrefix(cs.URL, "http://127.0.0.1") }

	cases := []struct {
		name, clientID string
		timeout        time.Duration
		wantName       string
		wantError      string
	}{
		{"JSON on loopback", ok.URL + "/", 0, "Fine", ""},
		{"localhost is loopback", "http://localhost" + port(ok) + "/", 0, "Fine", ""},
		{"name that resolves to loopback", "http://app.test" + port(ok) + "/", 0, "", "is on a private or local network address"},
		{"private address", "http://intranet.test" + port(ok) + "/", 0, "", "is on a private or local network address"},
		{"slow server", slow.URL + "/", 300 * time.Millisecond, "", "did not answer within 300ms"},
		{"oversized body", huge.URL + "/", 0, "", "is larger than 1048576 bytes"},
		{"redirect loop", loop.URL + "/", 0, "", "redirects more than 5 times or to a URL that is not http(s)"},
		{"redirect to ftp", toFTP.URL + "/", 0, "", "redirects more than 5 times or to a URL that is not http(s)"},
		{"not found", missing.URL + "/", 0, "", "answered 404 Not Found, not 200 OK"},
		{"not http", "ftp://app.example/", 0, "", "is not an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testClients(map[string]string{"app.test": "127.0.0.1", "intranet.test": "10.1.2.3"})
			if tc.timeout > 0 {
				c.Timeout = tc.timeout
			}
			start := time.Now()
			info, err := c.Fetch(context.Background(), tc.clientID)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("fetch took %s", took)
			}
			if tc.wantError != "" {
				var ce *ClientError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("error = %v, want a ClientError saying %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != tc.wantName || !info.allows("app:/cb") {
				t.Errorf("info = %+v, want %q allowing app:/cb", info, tc.wantName)
			}
		})
	}
	if n := loop.hits.Load(); n != maxClientRedirects+1 {
		t.Errorf("redirect loop: %d requests, want %d", n, maxClientRedirects+1)
	}
}

func TestClientsCache(t *testing.T) {
	site := newClientSite(t, jsonClient(`{"client_name": "Cached"}`))
	down := newClientSite(t, http.NotFound)
	c := testClients(nil)
	clk := newClock()
	c.Now = clk.Now
	for i := range 3 {
		if info, err := c.Fetch(context.Background(), site.URL+"/"); err != nil || info.Name != "Cached" {
			t.Fatalf("fetch %d: %+v, %v", i, info, err)
		}
		c.Fetch(context.Background(), down.URL+"/")
	}
	if site.hits.Load() != 1 || down.hits.Load() != 1 {
		t.Errorf("hits = %d, %d within the TTL, want 1, 1", site.hits.Load(), down.hits.Load())
	}
	clk.Advance(2 * time.Minute) // past the time failures are kept
	c.Fetch(context.Background(), site.URL+"/")
	c.Fetch(context.Background(), down.URL+"/")
	if site.hits.Load() != 1 || down.hits.Load() != 2 {
		t.Errorf("hits = %d, %d after 2 minutes, want 1, 2", site.hits.Load(), down.hits.Load())
	}
	clk.Advance(DefaultClientTTL)
	c.Fetch(context.Background(), site.URL+"/")
	if site.hits.Load() != 2 {
		t.Errorf("hits = %d after the TTL, want 2", site.hits.Load())
	}

	// The cache stays bounded.
	for i := range defaultClientEntries + 50 {
		c.mu.Lock()
		c.store(fmt.Sprintf("https://c%d.example/", i), cachedClient{expires: clk.Now().Add(time.Duration(i) * time.Second)}, clk.Now())
		c.mu.Unlock()
	}
	if n := len(c.cache); n > defaultClientEntries {
		t.Errorf("cache holds %d entries, want at most %d", n, defaultClientEntries)
	}
	if _, ok := c.cache[fmt.Sprintf("https://c%d.example/", defaultClientEntries+49)]; !ok {
		t.Error("newest entry evicted")
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1:248:1893:25c8:1946": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "100.64.0.1": false, "::1": false,
		"fe80::1": false, "fd00::1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false,
		"224.0.0.1": false, "255.255.255.255": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// clientQuery is a valid authorization request from a client whose
// pages are on site.
func clientQuery(clientID, redirect string) url.Values {
	q := authQuery("create")
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirect)
	return q
}

// TestClientRedirectListed: a native app's custom-scheme redirect URI,
// listed in its metadata, completes the flow; its name and logo show.
func TestClientRedirectListed(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		handler        func(id string) http.HandlerFunc
		wantName       string
		wantLogo       string
	}{
		{"JSON metadata", "com.example.app:/callback", func(id string) http.HandlerFunc {
			return jsonClient(fmt.Sprintf(`{"client_id": %q, "client_name": "Phone <App>", "logo_uri": "https://cdn.example/logo.png",
				"redirect_uris": ["com.example.app:/callback"]}`, id))
		}, "Phone &lt;App&gt;", `<img class="logo" src="https://cdn.example/logo.png"`},
		{"HTML link rel and h-app", "https://login.example/cb", func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<!doctype html><link rel="redirect_uri" href="https://login.example/cb">
					<div class="h-app"><span class="p-name">Web App</span><img class="u-logo" src="javascript:alert(1)"></div>`)
			}
		}, "Web App", ""},
		{"Link header", "app.native:/x", func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", `<app.native:/x>; rel="redirect_uri"`)
				fmt.Fprint(w, "<p>no metadata here</p>")
			}
		}, "", ""}, // no name: the client_id's host
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var id string
			site := newClientSite(t, func(w http.ResponseWriter, r *http.Request) { tc.handler(id)(w, r) })
			id = site.URL + "/app"
			q := clientQuery(id, tc.redirect)
			c := e.browser()
			consent := e.signIn(c, q)
			if tc.wantName == "" {
				tc.wantName = strings.TrimPrefix(site.URL, "http://")
			}
			if !strings.Contains(consent.body, "<h1>Allow "+tc.wantName+"?</h1>") {
				t.Errorf("consent page does not name %q:\n%s", tc.wantName, consent.body)
			}
			if tc.wantLogo != "" && !strings.Contains(consent.body, tc.wantLogo) {
				t.Errorf("consent page lacks the logo %s", tc.wantLogo)
			}
			if tc.wantLogo == "" && strings.Contains(consent.body, "<img") {
				t.Errorf("consent page shows an image the client did not give safely:\n%s", consent.body)
			}
			resp := e.post(c, PathAuth, formOf(t, consent.body, q, url.Values{"action": {"approve"}, "grant": {"create"}}))
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), tc.redirect+"?") || loc.Query().Get("code") == "" {
				t.Fatalf("approve: %d Location %q, want 303 to %s with a code", resp.StatusCode, resp.Header.Get("Location"), tc.redirect)
			}
			form := redeemForm(loc.Query().Get("code"), verifier)
			form.Set("client_id", id)
			form.Set("redirect_uri", tc.redirect)
			tok := e.post(http.DefaultClient, PathToken, form)
			if tok.StatusCode != http.StatusOK || tok.json(t)["access_token"] == "" {
				t.Fatalf("token: %d %s", tok.StatusCode, tok.body)
			}
			if n := site.hits.Load(); n != 1 {
				t.Errorf("client pages fetched %d times, want once (cached)", n)
			}
		})
	}
}

// TestClientRedirectRefused: a redirect URI on another site that the
// client does not list, or whose client cannot be read, gets an error
// page naming the problem, and no redirect.
func TestClientRedirectRefused(t *testing.T) {
	listed := newClientSite(t, jsonClient(`{"redirect_uris": ["com.example.app:/callback"]}`))
	slow := newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	huge := newClientSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(make([]byte, DefaultClientMaxBytes+10))
	})
	port := strings.TrimPrefix(listed.URL, "http://127.0.0.1")
	for _, tc := range []struct {
		name, clientID, redirect, want string
	}{
		{"not listed", listed.URL + "/", "com.evil.app:/callback", "the client does not list it"},
		{"listed for another path", listed.URL + "/", "com.example.app:/other", "the client does not list it"},
		{"javascript scheme", listed.URL + "/", "javascript:alert(1)", "must not be a javascript: URL"},
		{"slow client", slow.URL + "/", "com.example.app:/callback", "did not answer within 200ms"},
		{"oversized client page", huge.URL + "/", "com.example.app:/callback", "is larger than 1048576 bytes"},
		{"client on a private address", "http://app.test" + port + "/", "com.example.app:/callback", "private or local network address"},
		{"unknown host", "https://nowhere.example/", "https://evil.example/cb", "could not read the client&#39;s information"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.hosts["app.test"] = "127.0.0.1"
			e.srv.Clients.Timeout = 200 * time.Millisecond
			resp := e.get(e.browser(), PathAuth, clientQuery(tc.clientID, tc.redirect))
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("%d Location %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(resp.body, "not valid") || !strings.Contains(resp.body, tc.want) {
				t.Errorf("error page does not say %q:\n%s", tc.want, resp.body)
			}
		})
	}
}

// TestClientsBusy: with every fetch slot taken, a fetch gives up within
// its time limit, and the refusal is not cached against the client.
func TestClientsBusy(t *testing.T) {
	site := newClientSite(t, jsonClient(`{"client_name": "Patient"}`))
	c := testClients(nil)
	c.Timeout = 200 * time.Millisecond
	for range maxClientFetches {
		c.fetching <- struct{}{}
	}
	start := time.Now()
	_, err := c.Fetch(context.Background(), site.URL+"/")
	if err == nil || !strings.Contains(err.Error(), "busy") || time.Since(start) > 2*time.Second {
		t.Fatalf("Fetch with no free slot = %v after %s, want a busy error within the time limit", err, time.Since(start))
	}
	<-c.fetching
	if info, err := c.Fetch(context.Background(), site.URL+"/"); err != nil || info.Name != "Patient" {
		t.Errorf("Fetch once a slot is free = %+v, %v; want the client's name, not a cached refusal", info, err)
	}
}
