// Command bench times `inkstone build` on synthetic sites of several sizes
// and prints a table next to the spec's performance targets:
//
//	go run ./internal/bench [-sizes 1000,10000] [-runs 3] [-keep] [-dir .bench]
//
// It works in a new folder inside -dir (.bench/ in the current folder by
// default, not the system's temp folder; see workDir). It compiles the
// inkstone and corpus binaries once there (so no timing includes
// compilation), writes a corpus site per size (seed 1),
// then runs `inkstone build --no-index --site DIR` as a child process (the
// site with its browser search index; the bleve index for the shell is
// timed by the search part): -runs cold builds (each into a new output
// folder, with .inkstone/ deleted before it) followed by -runs warm
// rebuilds (nothing changed). Wall time is measured around the child; peak
// memory is the child's maximum resident set size from rusage.
//
// The exit status is non-zero only on errors, never on a missed target.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// The spec's target: a cold build of targetPosts posts within targetWall
// and targetRSSMiB of peak memory, as the spec words it in targetText.
const (
	targetPosts  = 10000
	targetWall   = 1500 * time.Millisecond
	targetRSSMiB = 300
	targetText   = "10,000 posts: ≤ 1.5 s and ≤ 300 MiB"
)

// options are the command-line flags.
type options struct {
	sizes  []int
	runs   int
	keep   bool
	daemon bool   // also time `inkstone daemon`: Micropub creates, hand edits, memory
	dir    string // where the bench makes its work folder
}

// result holds the measurements for one site size.
type result struct {
	size      int
	cold      []time.Duration
	warm      []time.Duration
	maxRSSKiB int64 // max over all runs, cold and warm
	files     int   // regular files in public/ after the last build
	bytes     int64 // their total size
}

func main() {
	sizes := flag.String("sizes", "1000,10000", "comma-separated site sizes (number of posts)")
	runs := flag.Int("runs", 3, "cold builds and warm rebuilds per size")
	keep := flag.Bool("keep", false, "keep the work folder (binaries and sites) afterwards")
	dir := flag.String("dir", ".bench", "folder to work in: a new folder is made inside it and removed afterwards")
	daemon := flag.Bool("daemon", true, "also time Micropub creates and hand edits through `inkstone daemon`")
	searchFlag := flag.Bool("search", false, "also measure search: index build times, public/search/ size, gzip bytes per query")
	flag.Parse()

	opts := options{runs: *runs, keep: *keep, daemon: *daemon, dir: *dir}
	var err error
	if opts.sizes, err = parseSizes(*sizes); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -sizes:", err)
		os.Exit(2)
	}
	if opts.runs < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/bench [-sizes 1000,10000] [-runs 3] [-keep] [-dir .bench]")
		os.Exit(2)
	}
	if err := run(opts, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *searchFlag {
		if err := runSearch(opts.sizes, []string{"go", "run", "./internal/corpus", "-seed", "1"}, "themes/default", opts.dir, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench: search:", err)
			os.Exit(1)
		}
	}
}

// run does the whole benchmark, writing the report to out and progress to
// logw.
func run(opts options, out, logw io.Writer) (err error) {
	tmp, err := workDir(opts.dir)
	if err != nil {
		return err
	}
	defer func() {
		if opts.keep {
			fmt.Fprintln(logw, "bench: kept", tmp)
			return
		}
		if rmErr := os.RemoveAll(tmp); rmErr != nil && err == nil {
			err = fmt.Errorf("removing work folder: %w", rmErr)
		}
	}()

	inkstone := filepath.Join(tmp, "bin", "inkstone")
	corpus := filepath.Join(tmp, "bin", "corpus")
	fmt.Fprintln(logw, "bench: compiling inkstone and corpus")
	for _, b := range []struct{ out, pkg string }{
		{inkstone, "inkstone/cmd/inkstone"},
		{corpus, "inkstone/internal/corpus"},
	} {
		if _, err := runCmd(exec.Command("go", "build", "-o", b.out, b.pkg)); err != nil {
			return fmt.Errorf("compiling %s: %w", b.pkg, err)
		}
	}

	// Every size's builds are timed before any daemon runs: a daemon run
	// builds the search index `inkstone search` reads, whose merges
	// write and delete files by the thousand, and on some file systems
	// (ext4 without a journal, as here) creating files is slow for a
	// minute or two after that. Timed right after the 1,000-post daemon
	// run, a 10,000-post cold build took 3.0 s instead of 1.6 s.
	var results []result
	var sites []string
	for _, size := range opts.sizes {
		site := filepath.Join(tmp, fmt.Sprintf("site-%d", size))
		fmt.Fprintf(logw, "bench: writing %d posts into %s\n", size, site)
		gen := exec.Command(corpus, "-n", strconv.Itoa(size), "-out", site, "-seed", "1")
		if _, err := runCmd(gen); err != nil {
			return fmt.Errorf("generating the %d-post corpus: %w", size, err)
		}
		r, err := measure(inkstone, site, size, opts.runs, logw)
		if err != nil {
			return fmt.Errorf("%d posts: %w", size, err)
		}
		results = append(results, r)
		sites = append(sites, site)
	}
	var daemons []daemonResult
	if opts.daemon {
		// The builds above leave hundreds of MB waiting to be written.
		// The daemon syncs what it writes, and those syncs would queue
		// behind that writeback, which no daemon meets right after
		// starting on a quiet disk.
		fmt.Fprintln(logw, "bench: writing the builds' files out to disk (sync) before timing the daemon")
		syscall.Sync()
	}
	for i, size := range opts.sizes {
		if !opts.daemon {
			break
		}
		d, err := benchDaemon(inkstone, sites[i], size, logw)
		if err != nil {
			return fmt.Errorf("%d posts: daemon: %w", size, err)
		}
		daemons = append(daemons, d)
	}

	report(out, results, opts.runs)
	if opts.daemon {
		reportDaemon(out, daemons)
	}
	return nil
}

// workDir makes the bench's work folder, a new one inside dir. It is not
// in the system's temp folder, for two reasons. That folder may be a RAM
// file system (Debian 13 mounts /tmp as tmpfs), where builds would not
// touch a disk as a site's do. And where it is on disk, other programs
// (the test suite) create and delete thousands of files there: on ext4
// without a journal, as on the benchmark machine, creating files near
// many deleted a few minutes before is slow, and a 10,000-post cold build
// in /tmp took 4.1 s (5.1 s system time) right after one such delete,
// against 1.4 s in the repository's folder at the same time.
func workDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating work folder: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return "", fmt.Errorf("creating work folder: %w", err)
	}
	return filepath.Abs(tmp)
}

// measure runs the cold builds then the warm rebuilds of one site.
func measure(inkstone, site string, size, runs int, logw io.Writer) (result, error) {
	r := result{size: size}
	// A cold build writes into a folder that never existed, as a fresh
	// clone's first build does. Nothing is deleted until the whole
	// benchmark is done (the temp folder goes then): deleting public/
	// before a run, or one size's outputs before the next size's runs,
	// would time the file system instead. ext4 without a journal, as
	// here, creates files slowly for a minute or two after tens of
	// thousands were deleted; a cold build run then took 4 to 7 s
	// instead of 2.
	for i := range runs {
		if err := os.RemoveAll(filepath.Join(site, ".inkstone")); err != nil {
			return r, fmt.Errorf("cleaning before cold build: %w", err)
		}
		out := filepath.Join(site, fmt.Sprintf("cold-%d", i+1))
		d, rss, cpu, err := timedBuild(inkstone, site, "--out", out)
		if err != nil {
			return r, fmt.Errorf("cold build %d: %w", i+1, err)
		}
		fmt.Fprintf(logw, "bench: %d posts, cold build %d: %s (%s), %s\n", size, i+1, formatDuration(d), cpu, formatMiB(rss))
		r.cold = append(r.cold, d)
		r.maxRSSKiB = max(r.maxRSSKiB, rss)
	}
	// The site's own public/, built once, then rebuilt with nothing changed.
	if _, _, _, err := timedBuild(inkstone, site); err != nil {
		return r, fmt.Errorf("first build: %w", err)
	}
	for i := range runs {
		d, rss, cpu, err := timedBuild(inkstone, site)
		if err != nil {
			return r, fmt.Errorf("warm rebuild %d: %w", i+1, err)
		}
		fmt.Fprintf(logw, "bench: %d posts, warm rebuild %d: %s (%s), %s\n", size, i+1, formatDuration(d), cpu, formatMiB(rss))
		r.warm = append(r.warm, d)
		r.maxRSSKiB = max(r.maxRSSKiB, rss)
	}
	var err error
	if r.files, r.bytes, err = dirStats(filepath.Join(site, "public")); err != nil {
		return r, fmt.Errorf("measuring public/: %w", err)
	}
	return r, nil
}

// timedBuild runs `inkstone build --no-index --site site [args]` once and
// returns its wall time, peak resident set size in KiB, and the CPU time
// it used, user and system, which tell a slow machine from a slow disk.
func timedBuild(inkstone, site string, args ...string) (time.Duration, int64, string, error) {
	cmd := exec.Command(inkstone, append([]string{"build", "--no-index", "--site", site}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, "", fmt.Errorf("inkstone build: %w\n%s", err, tail(stderr.String(), 4000))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, "", errors.New("no rusage for the child process on this platform")
	}
	cpu := fmt.Sprintf("user %s, system %s", formatDuration(cmd.ProcessState.UserTime()), formatDuration(cmd.ProcessState.SystemTime()))
	return elapsed, int64(ru.Maxrss), cpu, nil // KiB on Linux
}

// runCmd runs cmd, returning its stdout and, on failure, an error that
// includes the end of its stderr.
func runCmd(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail(stderr.String(), 4000))
	}
	return stdout.String(), nil
}

// dirStats counts the regular files under dir and their total size.
func dirStats(dir string) (files int, size int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		size += info.Size()
		return nil
	})
	return files, size, err
}

// report prints the results table, the targets and the machine.
func report(w io.Writer, results []result, runs int) {
	fmt.Fprintf(w, "\ninkstone build, %d cold and %d warm runs per size\n\n", runs, runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "posts\tcold median\tcold min\twarm median\tpeak RSS\tfiles\tpublic/\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			formatCount(int64(r.size)),
			formatDuration(median(r.cold)), formatDuration(slices.Min(r.cold)),
			formatDuration(median(r.warm)),
			formatMiB(r.maxRSSKiB), formatCount(int64(r.files)), formatMB(r.bytes))
	}
	tw.Flush()

	fmt.Fprintf(w, "\ntarget  %s (cold build median, peak RSS)\n", targetText)
	fmt.Fprintf(w, "result  %s\n", verdict(results))
	fmt.Fprintf(w, "\nmachine %s\n", machine())
}

// verdict compares the targetPosts row, if any, with the targets.
func verdict(results []result) string {
	i := slices.IndexFunc(results, func(r result) bool { return r.size == targetPosts })
	if i < 0 {
		return fmt.Sprintf("not measured (add %d to -sizes)", targetPosts)
	}
	r := results[i]
	wall, rss := median(r.cold), float64(r.maxRSSKiB)/1024
	return fmt.Sprintf("%s %s, %s %s",
		formatDuration(wall), passMiss(wall <= targetWall),
		formatMiB(r.maxRSSKiB), passMiss(rss <= targetRSSMiB))
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// machine describes the host and toolchain in one line.
func machine() string {
	s := fmt.Sprintf("%d CPUs, %s/%s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := cpuModel(string(data)); m != "" {
			s += ", " + m
		}
	}
	return s + ", " + runtime.Version()
}

// cpuModel returns the first "model name" in /proc/cpuinfo text, or "".
func cpuModel(cpuinfo string) string {
	for line := range strings.Lines(cpuinfo) {
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// parseSizes parses a comma-separated list of positive post counts, such as
// "1000,10000"; spaces around the numbers are allowed.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(s, ",") {
		field = strings.TrimSpace(field)
		n, err := strconv.Atoi(field)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number of posts", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// median returns the median of ds (the mean of the middle two for an even
// count), or 0 for none. It does not modify ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// formatDuration prints d in seconds with millisecond precision: "1.234 s".
func formatDuration(d time.Duration) string {
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// formatMiB prints a KiB count as MiB: "123.4 MiB".
func formatMiB(kib int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

// formatMB prints a byte count in decimal megabytes: "12.3 MB".
func formatMB(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// formatCount prints n with thousands separators: "10,000".
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// tail returns the last n bytes of s, trimmed.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
