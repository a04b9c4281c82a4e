package main

import (
	"context"
	"strings"
	"testing"

	"inkstone/generator/search"
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

// A build hands the text of a changed post to the search indexer once;
// the next build's docs lack it, and the indexer, if it has not indexed
// that version yet, must put it back.
func TestSearchIndexerKeepsTextsUntilIndexed(t *testing.T) {
	x := &searchIndexer{background: true, closed: true} // closed: queue only
	first := []search.Doc{{Key: "a.md", Version: "1", Text: "sourdough starter"}, {Key: "b.md", Version: "1"}}
	second := []search.Doc{{Key: "a.md", Version: "1"}, {Key: "b.md", Version: "1"}, {Key: "c.md", Version: "1", Text: "new"}}
	for _, docs := range [][]search.Doc{first, second} {
		if err := x.Sync(t.Context(), docs); err != nil {
			t.Fatal(err)
		}
	}
	got := withTexts(x.pending, x.texts)
	if got[0].Text != "sourdough starter" || got[2].Text != "new" || got[1].Text != "" {
		t.Errorf("docs to index: %+v", got)
	}
	if second[0].Text != "" {
		t.Error("withTexts changed the builder's docs")
	}
	// A newer version of a.md does not get the old text.
	stale := withTexts([]search.Doc{{Key: "a.md", Version: "2"}}, x.texts)
	if stale[0].Text != "" {
		t.Errorf("version 2 got version 1's text %q", stale[0].Text)
	}
}
