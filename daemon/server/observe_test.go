package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"inkstone/daemon/metrics"
)

// logLines decodes JSON log lines.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func TestEveryLineOfARequestCarriesItsID(t *testing.T) {
	var logs bytes.Buffer
	// As the command wires it: one wrapped logger for every package.
	log := slog.New(WithRequestID(slog.NewJSONHandler(&logs, nil)))
	s := &Server{Log: log, Routes: []Route{{Path: "/work", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A feature package logs with the request's context only.
		log.InfoContext(r.Context(), "doing work", "step", 1)
		log.With("component", "x").WarnContext(r.Context(), "still working")
		w.WriteHeader(http.StatusNoContent)
	})}}}
	h := s.Handler()

	tests := []struct {
		name, header string
		keep         bool
	}{
		{"generated", "", false},
		{"from the proxy", "3f2a-bc_9.1", true},
		{"too long", strings.Repeat("a", 65), false},
		{"not plain", "id\" injected=1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest("GET", "/work", nil)
			if tt.header != "" {
				req.Header.Set("X-Request-ID", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			id := rec.Header().Get("X-Request-ID")
			if tt.keep != (id == tt.header) || id == "" {
				t.Fatalf("X-Request-ID = %q for header %q", id, tt.header)
			}
			lines := logLines(t, &logs)
			if len(lines) != 3 {
				t.Fatalf("want 3 lines (two from the handler, one request line), got %d:\n%s", len(lines), logs.String())
			}
			for _, l := range lines {
				if l["request_id"] != id {
					t.Errorf("line %v has request_id %v, want %s", l["msg"], l["request_id"], id)
				}
			}
		})
	}
}

func TestPanicLogsCarryTheRequestID(t *testing.T) {
	var logs bytes.Buffer
	h := newServer(&logs, false, nil)
	rec, _ := do(h, "GET", "/boom")
	id := rec.Header().Get("X-Request-ID")
	var sawPanic, sawRequest bool
	for _, l := range logLines(t, &logs) {
		if l["request_id"] != id {
			t.Errorf("line %v lacks the request ID", l["msg"])
		}
		switch l["msg"] {
		case "panic":
			sawPanic = true
		case "request":
			sawRequest = l["status"] == float64(500)
		}
	}
	if !sawPanic || !sawRequest {
		t.Errorf("panic line %v, request line with 500 %v:\n%s", sawPanic, sawRequest, logs.String())
	}
}

func TestWithRequestIDWrapsOnce(t *testing.T) {
	var buf bytes.Buffer
	h := WithRequestID(WithRequestID(slog.NewJSONHandler(&buf, nil)))
	slog.New(h).InfoContext(ContextWithRequestID(context.Background(), "abc"), "x")
	if n := strings.Count(buf.String(), `"request_id"`); n != 1 {
		t.Errorf("request_id appears %d times: %s", n, buf.String())
	}
	buf.Reset()
	slog.New(h).Info("outside a request")
	if strings.Contains(buf.String(), "request_id") {
		t.Errorf("request_id without a request: %s", buf.String())
	}
}

func TestMetricsRoute(t *testing.T) {
	tests := []struct {
		name    string
		remote  string
		header  map[string]string
		auth    bool
		status  int
		metrics bool
	}{
		{"loopback", "127.0.0.1:5000", nil, false, 200, true},
		{"loopback v6", "[::1]:5000", nil, false, 200, true},
		{"through the proxy", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.9"}, false, 403, false},
		{"through the proxy with a token", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.9"}, true, 200, true},
		{"remote", "203.0.113.9:5000", nil, false, 403, false},
		{"remote with a token", "203.0.113.9:5000", nil, true, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			s := &Server{Log: slog.New(slog.DiscardHandler), Auth: fakeAuth(tt.auth), Metrics: m,
				Routes: []Route{{Path: "/micropub", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.WriteHeader(http.StatusAccepted)
				})}}}
			h := s.Handler()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/micropub", nil))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/no/such/path", nil))

			req := httptest.NewRequest("GET", MetricsPath, nil)
			req.RemoteAddr = tt.remote
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, body)
			}
			got := strings.Contains(string(body), `inkstone_http_requests_total{code="202",method="POST",route="/micropub"} 1`) &&
				strings.Contains(string(body), `route="unmatched"`)
			if got != tt.metrics {
				t.Errorf("metrics shown = %v, want %v:\n%.400s", got, tt.metrics, body)
			}
			if rec.Code == 403 && !strings.Contains(string(body), "valid token") {
				t.Errorf("refusal does not say what to do: %s", body)
			}
		})
	}
}

func TestNoMetricsRouteWithoutMetrics(t *testing.T) {
	rec, _ := do(newServer(&bytes.Buffer{}, true, nil), "GET", MetricsPath)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/metrics without Metrics = %d", rec.Code)
	}
}
