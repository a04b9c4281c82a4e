package markdown

import (
	"bytes"
	"encoding/gob"
	"testing"
)

func TestCodeCacheRoundTrip(t *testing.T) {
	src := []byte("```go\nfunc main() {}\n```\n")
	first := New()
	want, err := first.Markdown(src)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := first.WriteCodeCache(&file); err != nil {
		t.Fatal(err)
	}

	second := New()
	if err := second.ReadCodeCache(bytes.NewReader(file.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got, want := len(second.code.cache.m), 1; got != want {
		t.Fatalf("cache holds %d blocks after reading, want %d", got, want)
	}
	got, err := second.Markdown(src)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("cached render differs\ngot  %q\nwant %q", got.HTML, want.HTML)
	}
}

func TestCodeCacheOtherVersionIgnored(t *testing.T) {
	var file bytes.Buffer
	stale := codeCacheFile{Version: "inkstone-code-cache/0", Blocks: map[string]string{"Go\x00x": "<b>stale</b>"}}
	if err := gob.NewEncoder(&file).Encode(&stale); err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.ReadCodeCache(&file); err != nil {
		t.Fatal(err)
	}
	if got := len(r.code.cache.m); got != 0 {
		t.Errorf("cache holds %d blocks from another version, want 0", got)
	}
}

func TestCodeCacheGarbage(t *testing.T) {
	if err := New().ReadCodeCache(bytes.NewReader([]byte("not a cache"))); err == nil {
		t.Error("ReadCodeCache accepted garbage, want an error")
	}
}

func TestBlockCacheLimit(t *testing.T) {
	c := newBlockCache(320)
	c.put("a", "0123456789") // 11 bytes of 320
	if _, ok := c.get("a"); !ok {
		t.Fatal("small entry not cached")
	}
	c.put("huge", string(make([]byte, 30))) // over limit/16: refused
	if _, ok := c.get("huge"); ok {
		t.Error("entry over a sixteenth of the limit was cached")
	}
	for i := 0; i < 40; i++ {
		c.put(string(rune('b'+i)), "0123456789")
	}
	if c.size > c.limit {
		t.Errorf("cache holds %d bytes, limit %d", c.size, c.limit)
	}
}
