package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"inkstone/internal/atomicfile"
)

// buildInkstoneBinary compiles the real inkstone binary into a temporary folder.
func buildInkstoneBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "inkstone")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// shutdownLog is a bytes.Buffer safe to write from one goroutine and read
// from another.
type shutdownLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *shutdownLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *shutdownLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDaemonShutdownFinishesPosts runs the real binary, sends SIGTERM
// (a container stop) or SIGINT (Ctrl-C) while a batch of Micropub creates
// is in flight, and checks that every create the daemon accepted is
// complete on disk, and that it exits cleanly.
func TestDaemonShutdownFinishesPosts(t *testing.T) {
	bin := buildInkstoneBinary(t)
	for name, sig := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT} {
		t.Run(name, func(t *testing.T) { shutdownUnderLoad(t, bin, sig) })
	}
}

func shutdownUnderLoad(t *testing.T, bin string, sig syscall.Signal) {
	site := filepath.Join(t.TempDir(), "site")
	inkstone := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("inkstone %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	inkstone("init", site)
	token := strings.TrimSpace(inkstone("token", "create", "--site", site, "--scope", "create", "--name", "shutdown-test"))
	if token == "" || strings.ContainsAny(token, " \n") {
		t.Fatalf("token create printed %q, want the token alone", token)
	}

	cmd := exec.Command(bin, "daemon", "--site", site, "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logs := &shutdownLog{}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "daemon listening" {
				addrc <- line.Addr
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("daemon exited before listening: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("daemon did not start:\n%s", logs.String())
	}

	const batch = 24
	type result struct {
		n        int
		status   int
		location string
		err      error
		at       time.Time
	}
	results := make(chan result, batch)
	client := &http.Client{Timeout: 45 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := make(chan struct{})
	for n := range batch {
		go func() {
			<-start
			form := url.Values{"h": {"entry"}, "content": {fmt.Sprintf("Shutdown post %d.", n)},
				"mp-slug": {fmt.Sprintf("shutdown-%d", n)}, "category": {"shutdown"}}
			req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/micropub", strings.NewReader(form.Encode()))
			if err != nil {
				results <- result{n: n, err: err}
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				results <- result{n: n, err: err, at: time.Now()}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- result{n: n, status: resp.StatusCode, location: resp.Header.Get("Location"), at: time.Now()}
		}()
	}
	close(start)

	// The signal goes as soon as the first create is answered: the
	// others are then queued behind the write lock, in flight.
	var got []result
	got = append(got, <-results)
	signalled := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for len(got) < batch {
		got = append(got, <-results)
	}

	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("daemon exit: %v, want status 0", err)
		}
	case <-time.After(35 * time.Second): // the daemon gives requests 30 s
		t.Fatalf("daemon still running 35 s after %s", sig)
	}
	t.Logf("daemon exited %s after %s", time.Since(signalled).Round(time.Millisecond), sig)

	created, afterSignal := 0, 0
	for _, r := range got {
		switch {
		case r.err != nil:
			// Not yet accepted when the listener closed: the client
			// sees a refused or closed connection, never a half-done post.
			t.Logf("create %d: %v", r.n, r.err)
			continue
		case r.status >= 500:
			t.Errorf("create %d: status %d, want no server errors during shutdown", r.n, r.status)
			continue
		case r.status != http.StatusCreated:
			t.Errorf("create %d: status %d, want 201", r.n, r.status)
			continue
		}
		created++
		if r.at.After(signalled) {
			afterSignal++
		}
		u, err := url.Parse(r.location)
		if err != nil {
			t.Errorf("create %d: Location %q: %v", r.n, r.location, err)
			continue
		}
		rel := strings.Trim(u.Path, "/") // YYYY/MM/slug
		if want := fmt.Sprintf("shutdown-%d", r.n); filepath.Base(rel) != want {
			t.Errorf("create %d: Location %s, want slug %s", r.n, r.location, want)
		}
		md, err := os.ReadFile(filepath.Join(site, "content", "posts", filepath.FromSlash(rel)+".md"))
		if err != nil || !bytes.Contains(md, fmt.Appendf(nil, "Shutdown post %d.", r.n)) {
			t.Errorf("create %d: answered 201 but its Markdown file is missing or wrong: %v", r.n, err)
		}
		page, err := os.ReadFile(filepath.Join(site, "public", filepath.FromSlash(rel), "index.html"))
		if err != nil || !bytes.Contains(page, fmt.Appendf(nil, "Shutdown post %d.", r.n)) {
			t.Errorf("create %d: answered 201 but its page is missing from public/: %v", r.n, err)
		}
	}
	t.Logf("%d of %d creates answered 201, %d of them after %s", created, batch, afterSignal, sig)
	if afterSignal == 0 {
		t.Errorf("no create finished after %s: the test did not catch any in flight", sig)
	}

	for _, dir := range []string{"content", "public"} {
		filepath.WalkDir(filepath.Join(site, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Errorf("walk %s: %v", path, err)
				return nil
			}
			if strings.HasPrefix(d.Name(), atomicfile.TempPrefix) {
				t.Errorf("temporary file left behind: %s", path)
			}
			return nil
		})
	}

	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("a new connection to %s succeeded after the daemon exited", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after exit: %v, want connection refused", err)
	}
}
