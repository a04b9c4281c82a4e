// Package gitsync commits content changes to the site's git repository,
// and pushes them when configured, off the request path: a write queues a
// commit and returns; a git failure is retried and never fails a post.
package gitsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Change is one file to commit with its message.
type Change struct {
	Path    string // relative to the repository root
	Message string
}

// Syncer owns the background committer.
type Syncer struct {
	Dir    string // the site folder, inside a git work tree
	Push   bool
	Remote string
	Log    *slog.Logger
	// Retry is the wait before retrying a failed commit or push.
	Retry time.Duration
	// Failed, when set, is called after each failed commit or push
	// (metrics); the change stays queued and is retried.
	Failed func(err error)
	// Pending, when set, is called with the number of changes waiting
	// for a commit whenever it changes (metrics).
	Pending func(n int)

	mu       sync.Mutex
	pending  []Change
	busy     bool // a batch is being committed
	inflight int  // changes in that batch
	wake     chan struct{}
	identity []string // GIT_* variables when the repository has no user set
}

// New returns a Syncer for the repository holding dir.
func New(dir string, push bool, remote string, log *slog.Logger) *Syncer {
	if remote == "" {
		remote = "origin"
	}
	return &Syncer{Dir: dir, Push: push, Remote: remote, Log: log, Retry: 5 * time.Second,
		wake: make(chan struct{}, 1)}
}

// IsRepo reports whether dir is inside a git work tree.
func IsRepo(ctx context.Context, dir string) bool {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--is-inside-work-tree")
	gentle(cmd)
	cmd.Dir = dir
	out, err := cmd.Output()
	return err == nil && strings.TrimSpace(string(out)) == "true"
}

// Queue asks for a commit of one change; it never blocks on git.
func (s *Syncer) Queue(c Change) {
	s.mu.Lock()
	s.pending = append(s.pending, c)
	n := len(s.pending) + s.inflight
	s.mu.Unlock()
	s.report(n)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run commits anything left uncommitted under paths at start (a crash
// between a write and its commit), then commits queued changes until ctx
// is done. Before returning it makes a last attempt at what is queued.
func (s *Syncer) Run(ctx context.Context, paths ...string) {
	if exec.CommandContext(ctx, "git", "-C", s.Dir, "config", "user.email").Run() != nil {
		// A commit needs an identity; a server often has none configured.
		s.identity = []string{"GIT_AUTHOR_NAME=inkstone", "GIT_AUTHOR_EMAIL=inkstone@localhost",
			"GIT_COMMITTER_NAME=inkstone", "GIT_COMMITTER_EMAIL=inkstone@localhost"}
	}
	if err := s.commitAll(ctx, paths); err != nil {
		s.fail("commit leftovers", err)
	}
	for {
		select {
		case <-ctx.Done():
			// Finish what was acknowledged, with a fresh short deadline.
			final, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			s.drain(final)
			cancel()
			return
		case <-s.wake:
			s.drain(ctx)
		}
	}
}

// drain commits every queued change, retrying until it works or ctx ends.
func (s *Syncer) drain(ctx context.Context) {
	for {
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		s.busy = len(batch) > 0
		s.inflight = len(batch)
		s.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		err := s.commit(ctx, batch)
		if err != nil {
			s.fail("commit", err)
			s.mu.Lock()
			s.pending = append(batch, s.pending...)
			s.busy = false
			s.inflight = 0
			n := len(s.pending)
			s.mu.Unlock()
			s.report(n)
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.Retry):
			}
			continue
		}
		if s.Push {
			if err := s.git(ctx, "push", s.Remote, "HEAD"); err != nil {
				// The commit is safe locally; the next change pushes again.
				s.fail("push", err)
			}
		}
		s.mu.Lock()
		s.busy = false
		s.inflight = 0
		n := len(s.pending)
		s.mu.Unlock()
		s.report(n)
	}
}

// Wait blocks until every queued change is committed (tests, shutdown).
func (s *Syncer) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		done := len(s.pending) == 0 && !s.busy
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// commit adds the batch's paths and commits them in one commit.
func (s *Syncer) commit(ctx context.Context, batch []Change) error {
	var paths []string
	var msgs []string
	seen := map[string]bool{}
	for _, c := range batch {
		if !seen[c.Path] {
			seen[c.Path] = true
			paths = append(paths, c.Path)
		}
		msgs = append(msgs, c.Message)
	}
	if err := s.git(ctx, append([]string{"add", "-A", "--"}, paths...)...); err != nil {
		return err
	}
	if !s.staged(ctx) {
		return nil // already committed, e.g. by hand
	}
	msg := msgs[0]
	if len(msgs) > 1 {
		msg = fmt.Sprintf("%s (and %d more)\n\n%s", msgs[0], len(msgs)-1, strings.Join(msgs, "\n"))
	}
	return s.git(ctx, "commit", "--quiet", "--no-verify", "-m", msg, "--", ".")
}

// commitAll commits whatever is uncommitted under paths.
func (s *Syncer) commitAll(ctx context.Context, paths []string) error {
	var present []string
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(s.Dir, p)); err == nil {
			present = append(present, p)
		}
	}
	paths = present
	if len(paths) == 0 {
		return nil
	}
	if err := s.git(ctx, append([]string{"add", "-A", "--"}, paths...)...); err != nil {
		return err
	}
	if !s.staged(ctx) {
		return nil
	}
	return s.git(ctx, "commit", "--quiet", "--no-verify", "-m", "Commit changes left uncommitted")
}

// staged reports whether the index differs from HEAD.
func (s *Syncer) staged(ctx context.Context) bool {
	cmd := exec.CommandContext(ctx, "git", "diff", "--cached", "--quiet")
	gentle(cmd)
	cmd.Dir = s.Dir
	err := cmd.Run()
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == 1
}

func (s *Syncer) git(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	gentle(cmd)
	cmd.Dir = s.Dir
	cmd.Env = append(append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0"), s.identity...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// report passes the number of waiting changes to the Pending hook.
func (s *Syncer) report(n int) {
	if s.Pending != nil {
		s.Pending(n)
	}
}

func (s *Syncer) fail(what string, err error) {
	s.Log.Warn("git "+what+" failed; will retry", "err", err)
	if s.Failed != nil {
		s.Failed(err)
	}
}

// gentle makes a cancelled git command stop on SIGTERM, which lets git
// remove its .git/index.lock, instead of SIGKILL, which leaves the lock
// behind and makes every later git command in the repository fail.
func gentle(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
}
