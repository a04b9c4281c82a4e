package search

import (
	"os"
	"testing"
)

// The theme's script stays small: it is on the path of every first query.
func TestScriptSize(t *testing.T) {
	data, err := os.ReadFile("../../themes/default/static/search.js")
	if err != nil {
		t.Fatal(err)
	}
	if n := gzipLen(data); n > 10<<10 {
		t.Errorf("search.js is %d bytes gzip-compressed, want at most 10 KB", n)
	}
}
