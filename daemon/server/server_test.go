package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fakeAuth bool

func (f fakeAuth) Authenticated(*http.Request) bool { return bool(f) }

func newServer(logs *bytes.Buffer, auth bool, checkErr error) http.Handler {
	s := &Server{
		Log: slog.New(slog.NewJSONHandler(logs, nil)),
		Routes: []Route{
			{Path: "/boom", Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })},
			{Path: "/only-post", Methods: []string{http.MethodPost}, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })},
		},
		Checks: []Check{
			{Name: "content", Fn: func(context.Context) error { return nil }},
			{Name: "public", Fn: func(context.Context) error { return checkErr }},
		},
		Auth: fakeAuth(auth),
	}
	return s.Handler()
}

func do(h http.Handler, method, path string) (*httptest.ResponseRecorder, map[string]any) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return rec, body
}

func TestRoutes(t *testing.T) {
	var logs bytes.Buffer
	h := newServer(&logs, false, nil)
	tests := []struct {
		method, path string
		status       int
		errCode      string
	}{
		{"GET", "/health", 200, ""},
		{"GET", "/health/ready", 200, ""},
		{"GET", "/nowhere", 404, "not_found"},
		{"GET", "/only-post", 405, "invalid_request"},
		{"POST", "/only-post", 204, ""},
		{"GET", "/boom", 500, "server_error"},
	}
	for _, tt := range tests {
		rec, body := do(h, tt.method, tt.path)
		if rec.Code != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
		if tt.errCode != "" && body["error"] != tt.errCode {
			t.Errorf("%s %s error = %v, want %s", tt.method, tt.path, body["error"], tt.errCode)
		}
		if rec.Header().Get("X-Request-ID") == "" {
			t.Errorf("%s %s has no X-Request-ID", tt.method, tt.path)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), `"request_id"`) {
		t.Errorf("logs lack the panic or request IDs:\n%s", logs.String())
	}
}

func TestReadiness(t *testing.T) {
	var logs bytes.Buffer
	rec, body := do(newServer(&logs, false, errors.New("public is not writable")), "GET", "/health/ready")
	if rec.Code != 503 || body["status"] != "unavailable" {
		t.Errorf("failing check: %d %v", rec.Code, body)
	}
	if _, ok := body["checks"]; ok {
		t.Error("details shown without authentication")
	}
	rec, body = do(newServer(&logs, true, errors.New("public is not writable")), "GET", "/health/ready")
	checks, _ := body["checks"].(map[string]any)
	if rec.Code != 503 || checks["public"] != "public is not writable" || checks["content"] != "ok" {
		t.Errorf("authenticated details = %v", body)
	}
}

func TestWritableDir(t *testing.T) {
	if err := WritableDir(t.TempDir())(context.Background()); err != nil {
		t.Errorf("temp dir not writable: %v", err)
	}
	if err := WritableDir("/nonexistent/folder")(context.Background()); err == nil {
		t.Error("missing folder reported writable")
	}
}

func TestReadableFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.html")
	check := ReadableFile(path)
	if err := check(context.Background()); err == nil || !strings.Contains(err.Error(), "index.html cannot be read") {
		t.Errorf("missing file: %v, want an error naming it", err)
	}
	if err := os.WriteFile(path, []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := check(context.Background()); err != nil {
		t.Errorf("readable file: %v", err)
	}
}
