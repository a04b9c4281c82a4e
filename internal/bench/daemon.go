package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// The incremental targets: a Micropub post live within targetLive at the
// 99th percentile, and the daemon under targetDaemonMiB with the site
// loaded.
const (
	targetLive      = 100 * time.Millisecond
	targetDaemonMiB = 150
	daemonPosts     = 100 // Micropub creates timed
	warmPosts       = 5   // Micropub creates made first, not timed
	handEdits       = 30  // hand edits timed
)

// daemonResult holds what the daemon benchmark measured on one site.
type daemonResult struct {
	size      int
	start     time.Duration   // from exec to listening, the first full build included
	creates   []time.Duration // Micropub create → 201 (page, lists, feeds updated)
	edits     []time.Duration // file written → its page updated in public/
	rssLoaded int64           // KiB resident once the site is loaded
	rssAfter  int64           // KiB resident after the creates and edits
	peak      int64           // KiB, the process's high-water mark
}

// benchDaemon runs `inkstone daemon` on site and times posts and edits.
func benchDaemon(inkstone, site string, size int, logw io.Writer) (daemonResult, error) {
	res := daemonResult{size: size}
	// The search index the shell reads, made now, as a running site has it:
	// the daemon would otherwise index every post while it is timed.
	if _, err := runCmd(exec.Command(inkstone, "build", "--site", site)); err != nil {
		return res, fmt.Errorf("build with search index: %w", err)
	}
	token, err := runCmd(exec.Command(inkstone, "token", "create", "--site", site, "--scope", "create update", "--name", "bench"))
	if err != nil {
		return res, fmt.Errorf("token: %w", err)
	}
	token = strings.TrimSpace(token)
	addr, err := freeAddr()
	if err != nil {
		return res, err
	}
	cmd := exec.Command(inkstone, "daemon", "--site", site, "--addr", addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "INKSTONE_GIT_COMMIT=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("start daemon: %w", err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	client := &http.Client{Timeout: 30 * time.Second}
	for {
		resp, err := client.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(began) > 2*time.Minute {
			return res, fmt.Errorf("daemon did not start: %s", tail(stderr.String(), 2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
	res.start = time.Since(began)
	time.Sleep(500 * time.Millisecond) // let the collector settle
	res.rssLoaded, _ = procStatus(cmd.Process.Pid, "VmRSS")
	fmt.Fprintf(logw, "bench: daemon up on %d posts in %s, %s resident\n", size, formatDuration(res.start), formatMiB(res.rssLoaded))

	public := filepath.Join(site, "public")
	// Steady state: the first posts warm the caches (templates' cached
	// fragments, the spares of replaced files) and are not timed.
	for i := -warmPosts; i < daemonPosts; i++ {
		form := url.Values{"h": {"entry"}, "content": {fmt.Sprintf("Benchmark note %d about bread and bikes.", i)},
			"category": {"bench", fmt.Sprintf("tag%d", i%7)}}
		req, _ := http.NewRequest(http.MethodPost, base+"/micropub", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return res, fmt.Errorf("create %d: %w", i, err)
		}
		d := time.Since(t0)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return res, fmt.Errorf("create %d: %s: %s", i, resp.Status, body)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return res, fmt.Errorf("create %d: location: %w", i, err)
		}
		if _, err := os.Stat(filepath.Join(public, filepath.FromSlash(loc.Path), "index.html")); err != nil {
			return res, fmt.Errorf("create %d answered 201 before its page was written: %w", i, err)
		}
		if i >= 0 {
			res.creates = append(res.creates, d)
		}
	}

	posts, err := filepath.Glob(filepath.Join(site, "content", "posts", "*", "*", "*.md"))
	if err != nil || len(posts) == 0 {
		return res, fmt.Errorf("no posts to edit in %s", site)
	}
	slices.Sort(posts)
	for i := 0; i < handEdits; i++ {
		d, err := handEdit(posts[(i*7919)%len(posts)], public, i)
		if err != nil {
			return res, err
		}
		res.edits = append(res.edits, d)
	}
	res.rssAfter, _ = procStatus(cmd.Process.Pid, "VmRSS")
	res.peak, _ = procStatus(cmd.Process.Pid, "VmHWM")
	return res, nil
}

// handEdit appends a marker to a post's body, as an editor would, and
// waits until the post's page in public/ shows it.
func handEdit(file, public string, i int) (time.Duration, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	page, err := pageOf(file, public, data)
	if err != nil {
		return 0, err
	}
	marker := fmt.Sprintf("handedit%dmarker", i)
	t0 := time.Now()
	if err := os.WriteFile(file, append(data, []byte("\n"+marker+"\n")...), 0o644); err != nil {
		return 0, err
	}
	for time.Since(t0) < 10*time.Second {
		if got, err := os.ReadFile(page); err == nil && bytes.Contains(got, []byte(marker)) {
			return time.Since(t0), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("edit of %s did not reach %s within 10 s", file, page)
}

// pageOf finds the page of a corpus post: /YYYY/MM/slug/ from its date
// and file name (the corpus writes no slug or permalink overrides).
func pageOf(file, public string, data []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "date: "); ok {
			t, err := time.Parse(time.RFC3339, strings.Trim(v, `"'`))
			if err != nil {
				return "", fmt.Errorf("%s: date: %w", file, err)
			}
			slug := strings.TrimSuffix(filepath.Base(file), ".md")
			return filepath.Join(public, fmt.Sprintf("%04d", t.Year()), fmt.Sprintf("%02d", int(t.Month())), slug, "index.html"), nil
		}
	}
	return "", fmt.Errorf("%s has no date line", file)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// procStatus reads a KiB field such as VmRSS from /proc/PID/status.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New(field + " not found")
}

// percentile returns the p-th percentile (0–100) by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

func reportDaemon(w io.Writer, results []daemonResult) {
	fmt.Fprintf(w, "\nincremental: `inkstone daemon`, %d Micropub creates and %d hand edits per site\n", daemonPosts, handEdits)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "posts\tstart\tcreate p50\tcreate p99\tedit p50\tedit p99\tRSS loaded\tRSS after\tpeak\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", formatCount(int64(r.size)), formatDuration(r.start),
			ms(percentile(r.creates, 50)), ms(percentile(r.creates, 99)), ms(percentile(r.edits, 50)), ms(percentile(r.edits, 99)),
			formatMiB(r.rssLoaded), formatMiB(r.rssAfter), formatMiB(r.peak))
	}
	tw.Flush()
	for _, r := range results {
		if r.size != targetPosts {
			continue
		}
		p99 := percentile(r.creates, 99)
		fmt.Fprintf(w, "target at %s posts: create p99 < %s: %s (%s); daemon < %d MiB: %s (%s)\n",
			formatCount(targetPosts), ms(targetLive), passMiss(p99 < targetLive), ms(p99),
			targetDaemonMiB, passMiss(r.rssAfter < targetDaemonMiB*1024), formatMiB(r.rssAfter))
		fmt.Fprintln(w, "hand edits include the watcher's 50 ms quiet period")
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}
