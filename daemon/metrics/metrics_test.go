package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
)

// scrape returns the text exposition of m.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestMiddlewareLabelsByRouteTemplate(t *testing.T) {
	m := New()
	r := mux.NewRouter()
	r.Use(m.Middleware)
	r.HandleFunc("/micropub", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	r.HandleFunc("/posts/{slug}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	r.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r.NotFoundHandler = m.Middleware(http.NotFoundHandler())

	for _, req := range []struct{ method, path string }{
		{"POST", "/micropub"},
		{"POST", "/micropub"},
		{"GET", "/posts/one"},
		{"GET", "/posts/two"},
		{"GET", "/random/scan/1"},
		{"BREW", "/random/scan/2"},
	} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom", nil))
	}()

	out := scrape(t, m)
	for _, want := range []string{
		`inkstone_http_requests_total{code="201",method="POST",route="/micropub"} 2`,
		`inkstone_http_requests_total{code="200",method="GET",route="/posts/{slug}"} 2`,
		`inkstone_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`inkstone_http_requests_total{code="404",method="other",route="unmatched"} 1`,
		`inkstone_http_requests_total{code="500",method="GET",route="/boom"} 1`,
		`inkstone_http_request_duration_seconds_count{route="/posts/{slug}"} 2`,
		`inkstone_http_request_duration_seconds_bucket{route="/micropub",le="+Inf"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(out, "/posts/one") || strings.Contains(out, "/random/scan") {
		t.Error("a request path leaked into the labels")
	}
}

func TestEvents(t *testing.T) {
	m := New()
	m.ObserveBuild("full", 1500*time.Millisecond, nil)
	m.ObserveBuild("incremental", 20*time.Millisecond, nil)
	m.ObserveBuild("incremental", 30*time.Millisecond, errors.New("template"))
	m.PostWritten("create")
	m.PostWritten("create")
	m.PostWritten("delete")
	m.GitFailed()
	m.SetQueueDepth("posts", 3)
	m.SetQueueDepth("git", 1)
	m.SetQueueDepth("git", 0)

	out := scrape(t, m)
	for _, want := range []string{
		`inkstone_build_duration_seconds_count{kind="full"} 1`,
		`inkstone_build_duration_seconds_sum{kind="full"} 1.5`,
		`inkstone_build_duration_seconds_count{kind="incremental"} 2`,
		`inkstone_build_failures_total{kind="incremental"} 1`,
		`inkstone_posts_written_total{action="create"} 2`,
		`inkstone_posts_written_total{action="delete"} 1`,
		`inkstone_git_failures_total 1`,
		`inkstone_queue_depth{queue="posts"} 3`,
		`inkstone_queue_depth{queue="git"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestZeroSeriesBeforeEvents(t *testing.T) {
	out := scrape(t, New())
	for _, want := range []string{`inkstone_git_failures_total 0`, `inkstone_queue_depth{queue="posts"} 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s before any event", want)
		}
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	var m *Metrics
	m.ObserveBuild("full", time.Second, nil)
	m.PostWritten("create")
	m.GitFailed()
	m.SetQueueDepth("git", 1)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("nil middleware changed the answer: %d", rec.Code)
	}
}

func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(), New()
	a.PostWritten("create")
	if strings.Contains(scrape(t, b), `inkstone_posts_written_total{action="create"}`) {
		t.Error("two Metrics share a registry")
	}
}
