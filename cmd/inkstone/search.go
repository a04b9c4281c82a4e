package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"inkstone/generator/search"
)

// searchResultsLimit bounds --limit.
const searchResultsLimit = 100

// searchCmd queries the build's search index in the state folder.
func (a *app) searchCmd() *cobra.Command {
	var q search.Query
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the site's posts (the index inkstone build keeps in the state folder)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q.Text = strings.Join(args, " ")
			if q.Limit < 1 || q.Limit > searchResultsLimit {
				return fmt.Errorf("--limit %d: use a number from 1 to %d", q.Limit, searchResultsLimit)
			}
			results, err := a.search(cmd, q)
			if err != nil {
				return err
			}
			if asJSON {
				return writeSearchJSON(a.stdout, results)
			}
			writeSearchText(a.stdout, results)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&q.Tags, "tag", nil, "only posts with this tag (repeat for several)")
	f.StringVar(&q.Type, "type", "", "only posts of this type (note, article, photo, …)")
	f.IntVar(&q.Limit, "limit", 10, "at most this many results")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

// search opens the index and runs q.
func (a *app) search(cmd *cobra.Command, q search.Query) ([]search.Result, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.StateDir(), "search")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no search index in %s: run inkstone build first", dir)
	}
	ix, err := search.OpenIndex(dir, cfg.Language)
	if err != nil {
		return nil, err
	}
	results, err := ix.Search(cmd.Context(), q)
	if cerr := ix.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return results, err
}

// searchJSON is one result as --json prints it.
type searchJSON struct {
	URL     string   `json:"url"`
	Title   string   `json:"title"`
	Label   string   `json:"label,omitempty"`
	Type    string   `json:"type"`
	Date    string   `json:"date,omitempty"`
	Tags    []string `json:"tags"`
	Score   float64  `json:"score"`
	Snippet string   `json:"snippet"`
}

func writeSearchJSON(w io.Writer, results []search.Result) error {
	out := make([]searchJSON, 0, len(results))
	for _, r := range results {
		j := searchJSON{URL: r.URL, Title: r.Title, Label: r.Label, Type: r.Type, Tags: r.Tags, Score: r.Score, Snippet: r.Snippet}
		if !r.Date.IsZero() {
			j.Date = r.Date.Format("2006-01-02")
		}
		if j.Tags == nil {
			j.Tags = []string{}
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

var markTag = regexp.MustCompile(`</?mark>`)

// writeSearchText prints ranked results; matched words are in [brackets].
func writeSearchText(w io.Writer, results []search.Result) {
	if len(results) == 0 {
		fmt.Fprintln(w, "no results")
		return
	}
	unescape := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'")
	for i, r := range results {
		name := r.Title
		if name == "" {
			name = r.Label
		}
		date := ""
		if !r.Date.IsZero() {
			date = "  " + r.Date.Format("2006-01-02")
		}
		fmt.Fprintf(w, "%d. %s\n   %s%s\n", i+1, name, r.URL, date)
		if r.Snippet != "" {
			s := markTag.ReplaceAllStringFunc(r.Snippet, func(m string) string {
				if m == "<mark>" {
					return "["
				}
				return "]"
			})
			fmt.Fprintf(w, "   %s\n", unescape.Replace(s))
		}
	}
}
