package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"inkstone/daemon/server"
)

// No container engine runs in the tests: these check the shipped
// Containerfile and compose.yaml for what the image and the stack rely on.

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// instruction is one Containerfile line, continuations joined.
type instruction struct {
	op, args string
}

// stage is one FROM and what follows it.
type stage struct {
	from, name string
	ins        []instruction
}

func (s stage) find(op string) []string {
	var out []string
	for _, in := range s.ins {
		if in.op == op {
			out = append(out, in.args)
		}
	}
	return out
}

func parseContainerfile(src string) []stage {
	var stages []stage
	var line string
	for _, raw := range strings.Split(src, "\n") {
		t := strings.TrimSpace(raw)
		if line == "" && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if strings.HasSuffix(t, "\\") {
			line += strings.TrimSuffix(t, "\\") + " "
			continue
		}
		line += t
		op, args, _ := strings.Cut(line, " ")
		line = ""
		op = strings.ToUpper(op)
		if op == "FROM" {
			f := strings.Fields(args)
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, instruction{op, strings.TrimSpace(args)})
		}
	}
	return stages
}

func TestContainerfile(t *testing.T) {
	stages := parseContainerfile(repoFile(t, "Containerfile"))
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stages", len(stages))
	}
	build := stages[0]
	runs := strings.Join(build.find("RUN"), "\n")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "go build"} {
		if !strings.Contains(runs, want) {
			t.Errorf("build stage does not run %q", want)
		}
	}
	// The version is stamped as the Makefile does.
	ldflags := regexp.MustCompile(`(?m)^LDFLAGS\s*:=\s*(.*?)\$\(VERSION\)`).FindStringSubmatch(repoFile(t, "Makefile"))
	if ldflags == nil {
		t.Fatal("Makefile has no LDFLAGS := ... $(VERSION)")
	}
	if !strings.Contains(runs, ldflags[1]+"${VERSION}") {
		t.Errorf("build stage ldflags differ from the Makefile's %q", ldflags[1])
	}
	// Every top-level folder with Go packages reaches the build stage.
	copied := strings.Join(build.find("COPY"), "\n")
	entries, err := os.ReadDir(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		goFiles, _ := filepath.Glob(filepath.Join("..", "..", e.Name(), "*", "*.go"))
		top, _ := filepath.Glob(filepath.Join("..", "..", e.Name(), "*.go"))
		if len(goFiles)+len(top) > 0 && !strings.Contains(copied, "COPY "+e.Name()+" ") && !regexp.MustCompile(`(?m)^`+e.Name()+` `).MatchString(copied) {
			t.Errorf("Go folder %s/ is not copied into the build stage", e.Name())
		}
	}

	// Every image stage: non-root, healthcheck, JSON logs, /site volume.
	for _, st := range stages[1:] {
		t.Run(st.from, func(t *testing.T) {
			users := st.find("USER")
			if len(users) == 0 || slices.Contains([]string{"root", "0", "0:0", "root:root"}, users[len(users)-1]) {
				t.Errorf("runs as %v, want a non-root user", users)
			}
			hc := st.find("HEALTHCHECK")
			if len(hc) != 1 || !strings.Contains(hc[0], `"healthcheck"`) || !strings.Contains(hc[0], "inkstone") {
				t.Errorf("HEALTHCHECK = %v, want one through `inkstone healthcheck`", hc)
			}
			cmd := strings.Join(st.find("CMD"), " ")
			for _, want := range []string{`"daemon"`, `"--log-format", "json"`, `"--site", "/site"`} {
				if !strings.Contains(cmd, want) {
					t.Errorf("CMD %s lacks %s", cmd, want)
				}
			}
			if v := st.find("VOLUME"); len(v) != 1 || v[0] != "/site" {
				t.Errorf("VOLUME = %v, want /site", v)
			}
			if !strings.Contains(strings.Join(st.find("COPY"), "\n"), "--from=build") {
				t.Error("the binary is not copied from the build stage")
			}
			gitInstalled := strings.Contains(strings.Join(st.find("RUN"), " "), "git")
			commitsOff := slices.Contains(st.find("ENV"), "INKSTONE_GIT_COMMIT=false")
			if !gitInstalled && !commitsOff {
				t.Error("an image without git must turn git commits off (ENV INKSTONE_GIT_COMMIT=false)")
			}
		})
	}
	// The default (last) stage is the small one.
	if last := stages[len(stages)-1]; !strings.Contains(last.from, "scratch") && !strings.Contains(last.from, "distroless") {
		t.Errorf("default image is based on %s; keep it small (scratch or distroless)", last.from)
	}
}

// composeFile is the part of compose.yaml the stack relies on.
type composeFile struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Restart     string            `yaml:"restart"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		Expose      []string          `yaml:"expose"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFile(t *testing.T) {
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(repoFile(t, "compose.yaml")))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	daemon, ok := c.Services["inkstone"]
	if !ok || daemon.Build == nil {
		t.Fatal("compose.yaml has no inkstone service built from the Containerfile")
	}
	caddy, ok := c.Services["caddy"]
	if !ok || !strings.Contains(caddy.Image, "caddy") {
		t.Fatal("compose.yaml has no caddy service")
	}
	if _, ok := c.Volumes["site"]; !ok {
		t.Error("no named site volume")
	}
	if !slices.Contains(daemon.Volumes, "site:/site") {
		t.Errorf("daemon volumes %v lack site:/site", daemon.Volumes)
	}
	if !slices.Contains(caddy.Volumes, "site:/site:ro") {
		t.Errorf("caddy volumes %v lack the site, read-only", caddy.Volumes)
	}
	var caddyfile string
	for _, v := range caddy.Volumes {
		if strings.HasSuffix(v, ":/etc/caddy/Caddyfile:ro") {
			caddyfile = strings.TrimPrefix(strings.TrimSuffix(v, ":/etc/caddy/Caddyfile:ro"), "./")
		}
	}
	if caddyfile != "deploy/Caddyfile" {
		t.Errorf("caddy mounts %q as its Caddyfile, want deploy/Caddyfile", caddyfile)
	}
	// Caddy finds the files and the daemon where the image puts them.
	if caddy.Environment["SITE_ROOT"] != "/site/public" {
		t.Errorf("SITE_ROOT = %q, want /site/public", caddy.Environment["SITE_ROOT"])
	}
	if caddy.Environment["DAEMON_ADDR"] != "inkstone:8080" || !slices.Contains(daemon.Expose, "8080") {
		t.Errorf("caddy reaches the daemon at %q; the daemon exposes %v", caddy.Environment["DAEMON_ADDR"], daemon.Expose)
	}
	if !strings.Contains(repoFile(t, "Containerfile"), `"--addr", "0.0.0.0:8080"`) {
		t.Error("the image's daemon does not listen on 0.0.0.0:8080, where caddy looks")
	}
	for _, v := range []string{"SITE_ADDRESS", "SITE_ROOT", "DAEMON_ADDR"} {
		if !strings.Contains(repoFile(t, caddyfile), "{$"+v) {
			t.Errorf("deploy/Caddyfile does not read %s", v)
		}
	}
	if caddy.DependsOn["inkstone"].Condition != "service_healthy" {
		t.Error("caddy does not wait for the daemon's healthcheck")
	}
	if !slices.Contains(caddy.Ports, "443:443") || !slices.Contains(caddy.Ports, "80:80") {
		t.Errorf("caddy ports = %v", caddy.Ports)
	}
	if daemon.Restart == "" || caddy.Restart == "" {
		t.Error("a service is not restarted after a crash or a reboot")
	}
	if len(daemon.Ports) != 0 {
		t.Errorf("the daemon is published on the host (%v); only caddy should be", daemon.Ports)
	}
}

// TestDaemonRefusesBadSetup checks that `inkstone daemon` stops at start
// with every problem and how to fix it, before listening.
func TestDaemonRefusesBadSetup(t *testing.T) {
	tests := []struct {
		name   string
		config string
		env    []string
		flags  []string
		want   []string
	}{
		{"config file", "base_url = \"notes.example\"\ntitel = \"x\"\n[micropub]\nmax_body_bytes = 5\n", nil, nil,
			[]string{"3 problems", "inkstone.toml:1: base_url", `write e.g. base_url = "https://example.com/"`,
				"inkstone.toml:2: titel: unknown key", "check the spelling",
				"inkstone.toml:4: micropub.max_body_bytes", "use at least 1024"}},
		{"environment", "base_url = \"https://notes.example/\"\n", []string{"INKSTONE_GIT_COMMIT=perhaps"}, nil,
			[]string{"INKSTONE_GIT_COMMIT"}},
		{"git commits without a repository", "base_url = \"https://notes.example/\"\n[git]\ncommit = true\n", nil, nil,
			[]string{"not in a git repository", "git init", "commit = false"}},
		{"log format", "base_url = \"https://notes.example/\"\n", nil, []string{"--log-format", "yaml"},
			[]string{"--log-format", "use text or json"}},
		{"log level", "base_url = \"https://notes.example/\"\n", nil, []string{"--log-level", "loud"},
			[]string{"--log-level", "use debug, info, warn or error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "inkstone.toml"), []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			root := newApp(&out, &out, tt.env).root()
			root.SetArgs(append([]string{"daemon", "--site", dir, "--addr", "127.0.0.1:0"}, tt.flags...))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := root.ExecuteContext(ctx)
			if err == nil {
				t.Fatalf("daemon started with a bad setup:\n%s", out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(out.String(), "daemon listening") {
				t.Error("the daemon listened before refusing")
			}
		})
	}
}

// TestLoggerAddsRequestIDs checks the command's logger: a line logged
// with a request's context carries its request_id, in both formats.
func TestLoggerAddsRequestIDs(t *testing.T) {
	tests := []struct{ format, want string }{
		{"json", `"request_id":"abc123"`},
		{"text", `request_id=abc123`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			a := newApp(&out, &out, nil)
			a.logFormat, a.logLevel = tt.format, "info"
			log, err := a.logger()
			if err != nil {
				t.Fatal(err)
			}
			log.InfoContext(server.ContextWithRequestID(context.Background(), "abc123"), "micropub create", "url", "https://notes.example/x/")
			log.Info("built")
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], tt.want) || strings.Contains(lines[1], "request_id") {
				t.Errorf("log lines:\n%s", out.String())
			}
			if tt.format == "json" && !strings.HasPrefix(lines[0], "{") {
				t.Errorf("not JSON: %s", lines[0])
			}
		})
	}
}

// TestImageSizeBudget builds the binary as the Containerfile does and
// keeps it within the image's 30 MB budget: the default image is the
// binary plus about 0.3 MB (CA certificates, passwd, /tmp).
func TestImageSizeBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	out := filepath.Join(t.TempDir(), "inkstone")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w -X main.version=test", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	// Sizes as container tools print them, in 10^6 bytes.
	const budget = 29_500_000
	t.Logf("static binary: %.1f MB", float64(fi.Size())/1e6)
	if fi.Size() > budget {
		t.Errorf("the static binary is %.1f MB; the image must stay under 30 MB (budget %.1f MB for the binary)",
			float64(fi.Size())/1e6, float64(budget)/1e6)
	}
}
