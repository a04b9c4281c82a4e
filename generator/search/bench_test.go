package search

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// syntheticDocs makes n posts of Zipf-distributed words: most posts short
// notes, one in five an article of several hundred words.
func syntheticDocs(n int) []Doc {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 8000)
	syl := []string{"ka", "lo", "mi", "ren", "sto", "va", "qu", "ib", "ent", "ar", "os", "tel", "un", "pri", "ing", "ed"}
	for i := range vocab {
		var b strings.Builder
		for range 2 + i%3 {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		vocab[i] = b.String()
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	types := []string{"note", "note", "note", "article", "photo", "reply", "like", "bookmark"}
	docs := make([]Doc, n)
	for i := range docs {
		words := 20 + r.IntN(70)
		typ := types[r.IntN(len(types))]
		if typ == "article" {
			words = 500 + r.IntN(1000)
		}
		var b strings.Builder
		for range words {
			b.WriteString(vocab[zipf.Uint64()])
			b.WriteByte(' ')
		}
		text := b.String()
		d := Doc{
			Key: fmt.Sprintf("posts/%d/%05d.md", 2020+i%6, i), Version: "1", URL: fmt.Sprintf("/%d/%05d/", 2020+i%6, i),
			Text: text, Summary: clip(text, 200), Type: typ, Tags: []string{vocab[r.IntN(40)], vocab[40+r.IntN(200)]},
			Date: time.Date(2020+i%6, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
		}
		if typ == "article" {
			d.Title = vocab[zipf.Uint64()] + " " + vocab[zipf.Uint64()]
		} else {
			d.Label = clip(text, 60)
		}
		docs[i] = d
	}
	return docs
}

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

// BenchmarkStatic10k builds the static index of 10,000 posts from scratch
// and reports its size and what typical queries transfer.
func BenchmarkStatic10k(b *testing.B) { benchmarkStatic(b, 10000) }

// BenchmarkStatic1k is the same for 1,000 posts.
func BenchmarkStatic1k(b *testing.B) { benchmarkStatic(b, 1000) }

func benchmarkStatic(b *testing.B, n int) {
	docs := syntheticDocs(n)
	var s *Static
	var files []File
	for b.Loop() {
		var err error
		if s, err = NewStatic("en"); err != nil {
			b.Fatal(err)
		}
		if files, err = s.Update(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
	data := map[string][]byte{}
	size := 0
	for _, f := range files {
		data[f.Path] = f.Data
		size += len(f.Data)
	}
	b.ReportMetric(float64(size)/1e6, "MB")
	b.ReportMetric(float64(len(files)), "files")
	// A frequent word, and two frequent words.
	for name, q := range map[string]string{"1word-gzB": "karen", "2word-gzB": "karen loka"} {
		n := 0
		for _, p := range s.Fetches(q) {
			n += gzipLen(data[p])
		}
		b.ReportMetric(float64(n), name)
	}
}

// BenchmarkStaticAddOne adds one new post to an index of 10,000 posts,
// as a build after publishing does. Taking the post out again between
// iterations is not timed.
func BenchmarkStaticAddOne(b *testing.B) {
	docs := syntheticDocs(10001)
	benchmarkStaticChange(b, docs[:10000], docs)
}

// BenchmarkStaticRemoveOne takes one post out of an index of 10,001 posts.
func BenchmarkStaticRemoveOne(b *testing.B) {
	docs := syntheticDocs(10001)
	benchmarkStaticChange(b, docs, docs[:10000])
}

// BenchmarkStaticEditOne changes the text of one post of 10,000, as a
// build after an edit does.
func BenchmarkStaticEditOne(b *testing.B) {
	docs := syntheticDocs(10000)
	edited := slices.Clone(docs)
	d := &edited[len(edited)/2]
	d.Text += " " + docs[0].Text
	d.Version = "2"
	benchmarkStaticChange(b, docs, edited)
}

// benchmarkStaticChange times the Update of an index of from to to, and
// brings it back to from, untimed, between iterations.
func benchmarkStaticChange(b *testing.B, from, to []Doc) {
	s, err := NewStatic("en")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Update(ctx, from); err != nil {
		b.Fatal(err)
	}
	written := 0
	for b.Loop() {
		files, err := s.Update(ctx, to)
		if err != nil {
			b.Fatal(err)
		}
		written = 0
		for _, f := range files {
			if f.Data != nil {
				written++
			}
		}
		b.StopTimer()
		if _, err := s.Update(ctx, from); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(written), "files-written")
}

// BenchmarkIndexSync10k indexes 10,000 posts into a new bleve index.
func BenchmarkIndexSync10k(b *testing.B) {
	docs := syntheticDocs(10000)
	for b.Loop() {
		ix, err := OpenIndex(b.TempDir(), "en")
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Sync(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStaticMemory10k reports the heap a Static of 10,000 posts
// keeps after Update, as a daemon holds it between builds: all of it
// (retained-B), and what it adds to the posts a builder keeps anyway,
// without their text (beyond-docs-B).
func BenchmarkStaticMemory10k(b *testing.B) {
	var retained, beyond uint64
	for b.Loop() {
		retained, beyond = staticRetained(b, 10000)
	}
	b.ReportMetric(float64(retained), "retained-B")
	b.ReportMetric(float64(beyond), "beyond-docs-B")
}

// staticRetained is the live heap a Static of n synthetic posts holds
// after Update, and what it adds to the posts without their text.
func staticRetained(tb testing.TB, n int) (retained, beyond uint64) {
	tb.Helper()
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	update := func(docs []Doc) *Static {
		s, err := NewStatic("en")
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := s.Update(context.Background(), docs); err != nil {
			tb.Fatal(err)
		}
		return s
	}

	// The posts are made after the first reading and dropped before the
	// second, so that all the Static keeps of them counts.
	before := heap()
	all := update(syntheticDocs(n))
	retained = heap() - before
	runtime.KeepAlive(all)

	// The posts without their text stay; the text, made anew, goes.
	kept := syntheticDocs(n)
	for i := range kept {
		kept[i].Text = ""
	}
	before = heap()
	docs := slices.Clone(kept)
	for i, d := range syntheticDocs(n) {
		docs[i].Text = d.Text
	}
	some := update(docs) // docs, and so the text, are not used again
	beyond = heap() - before
	runtime.KeepAlive(some)
	runtime.KeepAlive(kept)
	return retained, beyond
}
