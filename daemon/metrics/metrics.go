// Package metrics holds the daemon's Prometheus collectors: HTTP requests
// by route and status, request latency, build durations, posts written,
// git failures and queue depths. Each Metrics owns its registry, so tests
// and several daemons in one process never share counters.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of requests no route matched, so that
// scans of random paths cannot grow the label set.
const Unmatched = "unmatched"

// Metrics is the daemon's set of collectors. The zero value is not
// usable; a nil *Metrics is, and records nothing.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	builds      *prometheus.HistogramVec
	buildErrors *prometheus.CounterVec
	posts       *prometheus.CounterVec
	gitFailures prometheus.Counter
	queue       *prometheus.GaugeVec
}

// New returns collectors registered in a new registry, with the Go
// runtime and process collectors alongside.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkstone_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "inkstone_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		builds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "inkstone_build_duration_seconds",
			Help:    "Site build durations, by kind (full or incremental).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		buildErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkstone_build_failures_total",
			Help: "Builds that failed, by kind.",
		}, []string{"kind"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkstone_posts_written_total",
			Help: "Posts written through the write path, by action (create, update, delete, undelete).",
		}, []string{"action"}),
		gitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "inkstone_git_failures_total",
			Help: "Failed git commits or pushes (each is retried).",
		}),
		queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "inkstone_queue_depth",
			Help: "Work waiting: posts waiting for the write lock (posts), changes waiting for a git commit (git).",
		}, []string{"queue"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.builds, m.buildErrors, m.posts, m.gitFailures, m.queue,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Known series start at zero, so rates and alerts work before the
	// first event.
	for _, q := range []string{"posts", "git"} {
		m.queue.WithLabelValues(q)
	}
	m.gitFailures.Add(0)
	return m
}

// Registry is the registry the collectors live in (tests, extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // counts its own scrape errors
		MaxRequestsInFlight: 2,
		Timeout:             10 * time.Second,
	})
}

// Middleware counts and times each request under its gorilla/mux route
// template. Install it with Router.Use so the matched route is known;
// handlers outside any route (not found) count as Unmatched.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := Unmatched
		if cur := mux.CurrentRoute(r); cur != nil {
			if tpl, err := cur.GetPathTemplate(); err == nil {
				route = tpl
			}
		}
		rec := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			// Counted even when the handler panics: the recover
			// middleware outside answers 500.
			v := recover()
			code := rec.status
			switch {
			case v != nil:
				code = http.StatusInternalServerError
			case code == 0:
				code = http.StatusOK
			}
			m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(route, method(r.Method), strconv.Itoa(code)).Inc()
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// ObserveBuild records one build of kind ("full" or "incremental").
func (m *Metrics) ObserveBuild(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.builds.WithLabelValues(kind).Observe(d.Seconds())
	if err != nil {
		m.buildErrors.WithLabelValues(kind).Inc()
	}
}

// PostWritten counts one post written by action (create, update, delete,
// undelete).
func (m *Metrics) PostWritten(action string) {
	if m == nil {
		return
	}
	m.posts.WithLabelValues(action).Inc()
}

// GitFailed counts one failed git commit or push.
func (m *Metrics) GitFailed() {
	if m == nil {
		return
	}
	m.gitFailures.Inc()
}

// SetQueueDepth sets how much work waits in queue ("posts" or "git").
func (m *Metrics) SetQueueDepth(queue string, n int) {
	if m == nil {
		return
	}
	m.queue.WithLabelValues(queue).Set(float64(n))
}

// method bounds the method label to the standard methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
