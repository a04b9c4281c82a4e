package main

import (
	"strings"
	"testing"
)

func TestRunSearch(t *testing.T) {
	var out strings.Builder
	if err := runSearch([]int{40}, []string{"go", "run", "../corpus"}, "../../themes/default", t.TempDir(), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "40 ") {
		t.Fatalf("output:\n%s", out.String())
	}
	f := strings.Fields(lines[1])
	// posts, static build, bleve build, size, "MB", files, 1-word, "KB", 2-word, "KB"
	if len(f) != 10 || f[5] == "0" || f[6] == "0.0" {
		t.Errorf("row %q", lines[1])
	}
}
