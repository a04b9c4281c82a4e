package gitsync

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required for these tests")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "--quiet")
	return dir
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func write(t *testing.T, dir, rel, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func start(t *testing.T, s *Syncer, paths ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx, paths...); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func wait(t *testing.T, s *Syncer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatalf("queue not drained: %v", err)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestCommitsEachChange(t *testing.T) {
	dir := repo(t)
	write(t, dir, "content/left.md", "left over from a crash")
	s := New(dir, false, "", quiet)
	start(t, s, "content")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, _ := exec.Command("git", "-C", dir, "log", "--format=%s").Output()
		if strings.Contains(string(out), "left uncommitted") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("leftovers were not committed at start")
		}
	}
	write(t, dir, "content/posts/a.md", "a")
	s.Queue(Change{Path: "content/posts/a.md", Message: `Create posts/a "A"`})
	wait(t, s)
	write(t, dir, "content/posts/b.md", "b")
	s.Queue(Change{Path: "content/posts/b.md", Message: "Create posts/b"})
	wait(t, s)
	log := gitRun(t, dir, "log", "--format=%s")
	for _, want := range []string{`Create posts/a "A"`, "Create posts/b", "Commit changes left uncommitted"} {
		if !strings.Contains(log, want) {
			t.Errorf("git log lacks %q:\n%s", want, log)
		}
	}
	if st := gitRun(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean:\n%s", st)
	}
}

func TestPushFailureDoesNotLoseCommits(t *testing.T) {
	dir := repo(t)
	failures := 0
	var lastErr error
	var depths []int
	s := New(dir, true, "nowhere", quiet)
	s.Failed = func(err error) { failures++; lastErr = err }
	s.Pending = func(n int) { depths = append(depths, n) }
	start(t, s)
	write(t, dir, "content/x.md", "x")
	s.Queue(Change{Path: "content/x.md", Message: "Create x"})
	wait(t, s)
	if log := gitRun(t, dir, "log", "--format=%s"); !strings.Contains(log, "Create x") {
		t.Errorf("commit missing after a failed push:\n%s", log)
	}
	if failures == 0 || lastErr == nil || !strings.Contains(lastErr.Error(), "push") {
		t.Errorf("push to a missing remote was not reported as a failure: %d, %v", failures, lastErr)
	}
	// One change waits, then none once committed.
	if len(depths) < 2 || depths[0] != 1 || depths[len(depths)-1] != 0 {
		t.Errorf("queue depths reported = %v, want 1 then 0", depths)
	}
}

func TestPushToRemote(t *testing.T) {
	remote := t.TempDir()
	gitRun(t, remote, "init", "--quiet", "--bare")
	dir := repo(t)
	gitRun(t, dir, "remote", "add", "origin", remote)
	s := New(dir, true, "origin", quiet)
	start(t, s)
	write(t, dir, "content/y.md", "y")
	s.Queue(Change{Path: "content/y.md", Message: "Create y"})
	wait(t, s)
	if log := gitRun(t, remote, "log", "--all", "--format=%s"); !strings.Contains(log, "Create y") {
		t.Errorf("remote lacks the commit:\n%s", log)
	}
}

func TestIsRepo(t *testing.T) {
	if !IsRepo(context.Background(), repo(t)) {
		t.Error("IsRepo(repo) = false")
	}
	if IsRepo(context.Background(), t.TempDir()) {
		t.Error("IsRepo(plain folder) = true")
	}
}
