package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"inkstone/daemon/server"
	"inkstone/generator/build"
	"inkstone/internal/config"
)

// version is set at link time by the Makefile (-ldflags -X main.version=...).
var version = "dev"

// app holds what every command shares: output streams, environment and
// the common flags.
type app struct {
	stdout, stderr io.Writer
	env            []string
	now            func() time.Time

	site       string
	configFile string
	addr       string
	logFormat  string
	logLevel   string
}

func newApp(stdout, stderr io.Writer, env []string) *app {
	return &app{stdout: stdout, stderr: stderr, env: env, now: time.Now}
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "inkstone",
		Short:         "A static site generator with a thin Micropub daemon for personal IndieWeb sites",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&a.site, "site", ".", "site folder")
	f.StringVar(&a.configFile, "config", "", "config file (default SITE/inkstone.toml)")
	f.StringVar(&a.addr, "addr", "", "listen address HOST:PORT (default from config, 127.0.0.1:8080)")
	f.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.AddCommand(a.buildCmd(), a.serveCmd(), a.daemonCmd(), a.checkCmd(), a.initCmd(), a.newCmd(), a.tokenCmd(), a.passwdCmd(), a.healthcheckCmd(), a.versionCmd(), a.searchCmd())
	return root
}

// logger builds the logger from the common flags.
func (a *app) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	// Lines logged with a request's context carry its request_id.
	switch a.logFormat {
	case "text":
		return slog.New(server.WithRequestID(slog.NewTextHandler(a.stderr, opts))), nil
	case "json":
		return slog.New(server.WithRequestID(slog.NewJSONHandler(a.stderr, opts))), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", a.logFormat)
}

// config loads the site's configuration.
func (a *app) config() (*config.Site, error) {
	return config.Load(a.site, a.configFile, a.env)
}

// builder wires a Builder for the site.
func (a *app) builder() (*build.Builder, *slog.Logger, error) {
	log, err := a.logger()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := a.siteConfig()
	if err != nil {
		return nil, nil, err
	}
	return build.New(cfg, log, a.now), log, nil
}

func (a *app) buildCmd() *cobra.Command {
	var opt build.Options
	var noIndex bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the site into public/",
		Long: `Build the site into public/ (or --out): every page, the feeds, and the
browser's search index under public/search/. It then brings the search index
that ` + "`inkstone search`" + ` reads (in the state folder) up to date, unless
--no-index says not to (a deploy that only publishes public/ needs no such
index) or the build is of drafts or into another folder.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, log, err := a.builder()
			if err != nil {
				return err
			}
			if opt.Out == "" && !opt.Drafts && !noIndex {
				b.Index = newSearchIndexer(b.Config, log, false)
			}
			oneShotGC()
			start := time.Now()
			sum, err := b.Full(cmd.Context(), opt)
			if err != nil {
				return multiline(err)
			}
			if b.Index != nil {
				log.Info("search index for `inkstone search` updated", "took", (time.Since(start) - sum.Took).Round(time.Millisecond))
			}
			out := opt.Out
			if out == "" {
				out = b.Config.PublicDir()
			}
			fmt.Fprintf(a.stdout, "built %s into %s\n", sum, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&opt.Out, "out", "", "output folder (default: the config's public folder)")
	cmd.Flags().BoolVar(&opt.Drafts, "drafts", false, "include drafts")
	cmd.Flags().BoolVar(&noIndex, "no-index", false, "do not update the search index that `inkstone search` reads")
	return cmd
}

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the config and every content file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, _, err := a.builder()
			if err != nil {
				return multiline(err)
			}
			n, err := b.Check(cmd.Context())
			if err != nil {
				return multiline(err)
			}
			fmt.Fprintf(a.stdout, "ok: config and %d content files are valid\n", n)
			return nil
		},
	}
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			commit, when := "unknown", ""
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					switch s.Key {
					case "vcs.revision":
						commit = s.Value
					case "vcs.time":
						when = " " + s.Value
					}
				}
			}
			fmt.Fprintf(a.stdout, "inkstone %s (commit %s%s, %s %s/%s)\n", version, commit, when, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// multiline turns a joined error into one problem per line, so that
// `check` and `build` list every problem at once.
func multiline(err error) error {
	var lines []string
	flatten(err, "", &lines)
	if len(lines) <= 1 {
		return err
	}
	return fmt.Errorf("%d problems:\n  %s", len(lines), strings.Join(lines, "\n  "))
}

func flatten(err error, prefix string, out *[]string) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			flatten(e, prefix, out)
		}
		return
	}
	// A wrapper such as "load: <joined>" keeps its prefix on each line.
	if u := errors.Unwrap(err); u != nil {
		if _, ok := u.(interface{ Unwrap() []error }); ok {
			p := strings.TrimSuffix(err.Error(), u.Error())
			flatten(u, prefix+p, out)
			return
		}
	}
	*out = append(*out, prefix+err.Error())
}

// absDir resolves a folder from the command line.
func absDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("folder %s: %w", dir, err)
	}
	return abs, nil
}

// exists reports whether a path exists.
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
