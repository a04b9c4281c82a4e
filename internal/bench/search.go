package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"inkstone/generator/content"
	"inkstone/generator/markdown"
	"inkstone/generator/search"
)

// searchQueries are the queries whose transfer the search bench replays.
var searchQueries = [2]string{"coffee", "coffee bread"}

// runSearch prints, per site size, the static (median of three) and
// bleve index build times, the size of public/search/ and the gzip bytes one- and two-word
// queries transfer (the index files the script fetches, plus search.js
// and style.css). corpus is the command that writes a corpus site (its
// arguments get -n N -out DIR appended); theme is the theme folder; dir
// is where the work folder is made, as for the build bench.
func runSearch(sizes []int, corpus []string, theme, dir string, w io.Writer) error {
	tmp, err := workDir(dir)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	assets := 0
	for _, name := range []string{"static/search.js", "static/style.css"} {
		data, err := os.ReadFile(filepath.Join(theme, name))
		if err != nil {
			return fmt.Errorf("read theme: %w", err)
		}
		assets += gzipSize(data)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "posts\tstatic build\tbleve build\tsearch/ size\tfiles\t1-word query\t2-word query")
	for _, n := range sizes {
		dir := filepath.Join(tmp, strconv.Itoa(n))
		gen := exec.Command(corpus[0], append(corpus[1:], "-n", strconv.Itoa(n), "-out", dir)...)
		if out, err := gen.CombinedOutput(); err != nil {
			return fmt.Errorf("corpus: %v: %s", err, out)
		}
		docs, err := loadSearchDocs(filepath.Join(dir, "content"))
		if err != nil {
			return err
		}
		// The static index from scratch, three times: the median.
		var st *search.Static
		var files []search.File
		var times []time.Duration
		for range 3 {
			if st, err = search.NewStatic("en"); err != nil {
				return err
			}
			start := time.Now()
			if files, err = st.Update(context.Background(), docs); err != nil {
				return err
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		static := times[1]
		ix, err := search.OpenIndex(filepath.Join(dir, "bleve"), "en")
		if err != nil {
			return err
		}
		start := time.Now()
		err = ix.Sync(context.Background(), docs)
		bleveTime := time.Since(start)
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		data := map[string][]byte{}
		size := 0
		for _, f := range files {
			data[f.Path] = f.Data
			size += len(f.Data)
		}
		var q [2]int
		for i, text := range searchQueries {
			q[i] = assets
			for _, p := range st.Fetches(text) {
				q[i] += gzipSize(data[p])
			}
		}
		fmt.Fprintf(tw, "%d\t%v\t%v\t%.2f MB\t%d\t%.1f KB\t%.1f KB\n", n, static.Round(time.Millisecond), bleveTime.Round(time.Millisecond),
			float64(size)/1e6, len(files), float64(q[0])/1e3, float64(q[1])/1e3)
	}
	fmt.Fprintf(tw, "queries: %q and %q; transfer counts search.js, style.css and the index files, gzip-compressed\n", searchQueries[0], searchQueries[1])
	return tw.Flush()
}

// loadSearchDocs reads a content folder into search documents.
func loadSearchDocs(dir string) ([]search.Doc, error) {
	snap, err := (&content.Store{Dir: dir}).LoadAll(context.Background())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	md := markdown.New()
	var docs []search.Doc
	for _, p := range snap.Posts {
		if !p.Listed(false) || p.Kind != content.KindPost {
			continue
		}
		res, err := md.Markdown([]byte(p.Body))
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", p.Path, err)
		}
		docs = append(docs, search.Doc{
			Key: p.Path, Version: strconv.FormatUint(p.Version, 16),
			URL:   "/" + p.Date.Format("2006/01/") + content.SlugFor(p, time.Time{}) + "/",
			Title: p.Title, Label: markdown.Summary(res.Text, 60), Text: res.Text,
			Summary: markdown.Summary(res.Text, 200), Tags: p.Tags,
			Type: string(p.EffectiveType()), Date: p.Date,
		})
	}
	return docs, nil
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}
