package main

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestMemoryLimitFollowsLiveHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)

	m := &memoryLimit{log: slog.New(slog.DiscardHandler)}
	held := make([]byte, 96<<20) // live data the limit must make room for
	for i := range held {
		held[i] = byte(i)
	}
	runtime.GC()
	m.follow()
	got := debug.SetMemoryLimit(-1)
	if got < int64(len(held))*2 || got == math.MaxInt64 {
		t.Errorf("limit %d MiB with %d MiB live, want at least twice that", got>>20, len(held)>>20)
	}
	runtime.KeepAlive(held)

	held = nil
	for range recentBuilds { // the least of recent readings counts
		runtime.GC()
		m.follow()
	}
	if got := debug.SetMemoryLimit(-1); got != minMemoryLimit {
		t.Errorf("limit %d MiB once the data is gone, want the least, %d MiB", got>>20, minMemoryLimit>>20)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	fixed := &memoryLimit{log: slog.New(slog.DiscardHandler), fixed: true}
	fixed.follow()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: limit changed to %d", got)
	}
}

func TestOneShotGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	t.Setenv("GOGC", "")
	oneShotGC()
	if got := debug.SetGCPercent(100); got != buildGCPercent {
		t.Errorf("GOGC unset: the collector's percent is %d, want %d", got, buildGCPercent)
	}
	t.Setenv("GOGC", "100")
	oneShotGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100: the collector's percent is %d, want it left at 100", got)
	}
}
