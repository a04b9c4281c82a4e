// Package server is the daemon's HTTP front: gorilla/mux routes, request
// logging with request IDs, panic recovery, health checks, metrics and
// timeouts. The handlers themselves come from the feature packages.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gorilla/mux"

	"inkstone/daemon/metrics"
)

// MetricsPath is where Prometheus scrapes the daemon.
const MetricsPath = "/metrics"

// Route is one endpoint.
type Route struct {
	Path    string
	Methods []string // empty: any
	Prefix  bool     // match Path as a prefix
	Handler http.Handler
}

// Check is one readiness component.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Authorizer tells whether a request may see readiness details.
type Authorizer interface {
	Authenticated(r *http.Request) bool
}

// Server is the daemon's HTTP server.
type Server struct {
	Log    *slog.Logger
	Routes []Route
	Checks []Check
	Auth   Authorizer // may be nil: details are never shown then
	// Metrics, when set, counts every request and serves MetricsPath to
	// direct loopback callers and authenticated ones.
	Metrics *metrics.Metrics
}

// Handler builds the router with every route and the middleware.
func (s *Server) Handler() http.Handler {
	log := slog.New(WithRequestID(s.Log.Handler()))
	r := mux.NewRouter()
	r.HandleFunc("/health", s.health).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/health/ready", func(w http.ResponseWriter, req *http.Request) { s.ready(w, req, log) }).
		Methods(http.MethodGet, http.MethodHead)
	if s.Metrics != nil {
		r.Use(s.Metrics.Middleware)
		r.Handle(MetricsPath, s.guardMetrics(s.Metrics.Handler())).Methods(http.MethodGet, http.MethodHead)
	}
	for _, rt := range s.Routes {
		var route *mux.Route
		if rt.Prefix {
			route = r.PathPrefix(rt.Path).Handler(rt.Handler)
		} else {
			route = r.Handle(rt.Path, rt.Handler)
		}
		if len(rt.Methods) > 0 {
			route.Methods(rt.Methods...)
		}
	}
	r.NotFoundHandler = s.Metrics.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not_found",
			"error_description": "no daemon endpoint at this path"})
	}))
	r.MethodNotAllowedHandler = s.Metrics.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request",
			"error_description": "this endpoint does not accept that method"})
	}))
	// Recovery inside the logging, so a panic's line and the 500's
	// request line both carry the request ID.
	return logRequests(log, recoverPanics(log, r))
}

// guardMetrics lets through a direct request from the machine itself (a
// local Prometheus or curl) or one with a valid token. A request that came
// through the reverse proxy also arrives from loopback, so one carrying
// forwarding headers needs the token.
func (s *Server) guardMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if directLoopback(r) || (s.Auth != nil && s.Auth.Authenticated(r)) {
			next.ServeHTTP(w, r)
			return
		}
		WriteJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden",
			"error_description": "metrics are served only to the machine itself or with a valid token (Authorization: Bearer ...)"})
	})
}

// directLoopback reports whether r comes from a loopback address with no
// sign of having passed through a proxy.
func directLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTPServer wraps h with the timeouts every server must set.
func HTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second, // uploads from slow phones
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve runs srv on ln until ctx is done, then shuts down gracefully,
// letting in-flight requests (posts) finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready runs every check; details only for an authenticated caller.
func (s *Server) ready(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status := http.StatusOK
	details := map[string]string{}
	for _, c := range s.Checks {
		if err := c.Fn(ctx); err != nil {
			status = http.StatusServiceUnavailable
			details[c.Name] = err.Error()
			log.WarnContext(r.Context(), "readiness check failed", "check", c.Name, "err", err)
		} else {
			details[c.Name] = "ok"
		}
	}
	body := map[string]any{"status": "ok"}
	if status != http.StatusOK {
		body["status"] = "unavailable"
	}
	if s.Auth != nil && s.Auth.Authenticated(r) {
		body["checks"] = details
	}
	WriteJSON(w, status, body)
}

// WritableDir checks that a folder exists and a file can be created in it.
func WritableDir(dir string) func(context.Context) error {
	return func(context.Context) error {
		f, err := os.CreateTemp(dir, ".inkstone-ready-*")
		if err != nil {
			return fmt.Errorf("%s is not writable: %w", filepath.Base(dir), err)
		}
		name := f.Name()
		f.Close()
		return os.Remove(name)
	}
}

// ReadableFile checks that a file exists and can be read, such as the
// site's home page or its search index.
func ReadableFile(path string) func(context.Context) error {
	return func(context.Context) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%s cannot be read: %w (has the site been built?)", filepath.Base(path), err)
		}
		return f.Close()
	}
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests gives each request an ID (X-Request-ID from a trusted proxy
// when it is short and plain, else a new one) and logs one line per
// request; log adds the ID to every line logged with the request's context.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		r = r.WithContext(ContextWithRequestID(r.Context(), id))
		rec := &recorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "bytes", rec.bytes, "duration", time.Since(start).Round(time.Microsecond))
	})
}

// validRequestID accepts the IDs proxies generate (hex, UUIDs) and
// nothing that could disguise itself in a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// recoverPanics turns a panic into a logged 500 instead of a dropped connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v)
				WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error",
					"error_description": "the server failed; try again"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
