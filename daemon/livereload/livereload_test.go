package livereload

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<html><body><p>x</p></body></html>", "<html><body><p>x</p>" + script + "</body></html>"},
		{"<p>no body</p>", "<p>no body</p>" + script},
		{"<body>a</body><!-- </body> -->", "<body>a</body><!-- " + script + "</body> -->"},
	}
	for _, tt := range tests {
		if got := string(Inject([]byte(tt.in))); got != tt.want {
			t.Errorf("Inject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func site(t *testing.T) *Site {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":           "<html><body>home</body></html>",
		"404.html":             "<html><body>not here</body></html>",
		"2025/01/x/index.html": "<html><body>post</body></html>",
		"style.abc.css":        "body{}",
		".hidden":              "secret",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Site{Dir: dir}
}

func TestSiteServes(t *testing.T) {
	s := site(t)
	tests := []struct {
		method, path string
		status       int
		body         string // substring
		injected     bool
		location     string
	}{
		{"GET", "/", 200, "home", true, ""},
		{"GET", "/2025/01/x/", 200, "post", true, ""},
		{"GET", "/2025/01/x", 301, "", false, "/2025/01/x/"},
		{"GET", "/style.abc.css", 200, "body{}", false, ""},
		{"GET", "/missing/", 404, "not here", true, ""},
		{"GET", "/.hidden", 404, "not here", true, ""},
		{"GET", "/../../etc/passwd", 404, "not here", true, ""},
		{"POST", "/", 405, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://x"+tt.path, nil)
			req.URL.Path = tt.path // keep dot segments as a client could send them
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			body := rec.Body.String()
			if !strings.Contains(body, tt.body) {
				t.Errorf("body %q does not contain %q", body, tt.body)
			}
			if got := strings.Contains(body, EventsPath); got != tt.injected {
				t.Errorf("script injected = %v, want %v", got, tt.injected)
			}
			if loc := rec.Header().Get("Location"); loc != tt.location {
				t.Errorf("Location = %q, want %q", loc, tt.location)
			}
		})
	}
}

func TestBrokerSendsReload(t *testing.T) {
	b := NewBroker()
	srv := httptest.NewServer(b)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	// Wait until the broker has registered the client.
	for b.Clients() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b.Reload()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before a reload event: %v", err)
		}
		if strings.TrimSpace(line) == "event: reload" {
			return
		}
	}
}
