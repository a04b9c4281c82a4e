package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"1000,10000", []int{1000, 10000}},
		{" 200 , 5 ", []int{200, 5}},
		{"7", []int{7}},
	} {
		got, err := parseSizes(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseSizes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "1000,", "0", "-5", "10k", "1e4"} {
		if got, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) = %v; want an error", bad, got)
		}
	}
}

func TestMedian(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range v {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{ms(5), 5 * time.Millisecond},
		{ms(30, 10, 20), 20 * time.Millisecond},
		{ms(40, 10, 30, 20), 25 * time.Millisecond},
	} {
		in := slices.Clone(tc.in)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v; want %v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("median modified its input: %v became %v", in, tc.in)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{formatDuration(1234567 * time.Microsecond), "1.235 s"},
		{formatDuration(0), "0.000 s"},
		{formatMiB(300 * 1024), "300.0 MiB"},
		{formatMiB(1536), "1.5 MiB"},
		{formatMB(12_345_678), "12.3 MB"},
		{formatCount(0), "0"},
		{formatCount(999), "999"},
		{formatCount(1000), "1,000"},
		{formatCount(10000), "10,000"},
		{formatCount(1234567), "1,234,567"},
		{formatCount(-1234), "-1,234"},
		{passMiss(true), "PASS"},
		{passMiss(false), "MISS"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.80GHz\n"
	if got, want := cpuModel(info), "Intel(R) Xeon(R) CPU @ 2.80GHz"; got != want {
		t.Errorf("cpuModel = %q, want %q", got, want)
	}
	if got := cpuModel("processor: 0\n"); got != "" {
		t.Errorf("cpuModel without a model name = %q, want \"\"", got)
	}
}

func TestVerdict(t *testing.T) {
	rs := []result{{size: 10000, cold: []time.Duration{time.Second, 2 * time.Second, time.Second}, maxRSSKiB: 400 * 1024}}
	if got, want := verdict(rs), "1.000 s PASS, 400.0 MiB MISS"; got != want {
		t.Errorf("verdict = %q, want %q", got, want)
	}
	if got := verdict(nil); got != "not measured (add 10000 to -sizes)" {
		t.Errorf("verdict(nil) = %q", got)
	}
}

// TestWorkDir: each run gets a new folder inside the one given, made if
// missing, as an absolute path (the child processes run elsewhere).
func TestWorkDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", ".bench")
	one, err := workDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	two, err := workDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{one, two} {
		if !filepath.IsAbs(got) || filepath.Dir(got) != dir {
			t.Errorf("work folder %s: want a new folder in %s", got, dir)
		}
		if st, err := os.Stat(got); err != nil || !st.IsDir() {
			t.Errorf("work folder %s: %v", got, err)
		}
	}
	if one == two {
		t.Errorf("two runs share %s", one)
	}
}
