package main

import (
	"context"
	"strings"
	"testing"
)

// runSearchCmd runs `inkstone search` in-process.
func runSearchCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errs strings.Builder
	root := newApp(&out, &errs, nil).root()
	root.SetArgs(append([]string{"search"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestSearchCommand(t *testing.T) {
	dir := exampleSite(t)
	if _, err := runSearchCmd(t, "--site", dir, "gotland"); err == nil || !strings.Contains(err.Error(), "run inkstone build first") {
		t.Errorf("search before a build: %v, want advice to build", err)
	}
	buildSite(t, dir)

	out, err := runSearchCmd(t, "--site", dir, "gotland")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1. Gotland") || !strings.Contains(out, "/2024/07/gotland-in-four-days/") || !strings.Contains(out, "[Gotland]") {
		t.Errorf("text output:\n%s", out)
	}

	res := cliSearch(t, dir, "riding")
	if len(res) < 2 {
		t.Fatalf("riding: %d results", len(res))
	}
	for i, r := range res {
		if r.URL == "" || r.Type == "" || (r.Title == "" && r.Label == "") {
			t.Errorf("result %d lacks fields: %+v", i, r)
		}
		if i > 0 && r.Score > res[i-1].Score {
			t.Errorf("result %d scores %v, more than the one before", i, r.Score)
		}
	}
	for _, r := range cliSearch(t, dir, "--type", "photo", "--", "ride") {
		if r.Type != "photo" {
			t.Errorf("--type photo found a %s: %s", r.Type, r.URL)
		}
	}
	for _, r := range cliSearch(t, dir, "--tag", "travel", "--", "ride") {
		if !strings.Contains(strings.ToLower(strings.Join(r.Tags, " ")), "travel") {
			t.Errorf("--tag travel found %s with tags %q", r.URL, r.Tags)
		}
	}
	if out, err := runSearchCmd(t, "--site", dir, "zzzzqqq"); err != nil || strings.TrimSpace(out) != "no results" {
		t.Errorf("no match: %q, %v", out, err)
	}
	for _, bad := range [][]string{{"--limit", "0", "x"}, {"--limit", "1000", "x"}, {}} {
		if _, err := runSearchCmd(t, append([]string{"--site", dir}, bad...)...); err == nil {
			t.Errorf("search %q succeeded", bad)
		}
	}
}
