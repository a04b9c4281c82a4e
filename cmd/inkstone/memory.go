package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
)

// A long-running process (daemon, serve) holds the site in memory and
// makes garbage with every build. Left to GOGC alone, the heap grows to
// twice what was live at the last collection, and the runtime returns
// freed memory to the system slowly, so the process looks much larger
// than the site it holds. memoryLimit sets the runtime's soft memory
// limit to a multiple of the live heap instead, raised or lowered as the
// site grows or shrinks. The runtime keeps to a soft limit by collecting
// more often, never by failing; GOMEMLIMIT, when set, wins.
type memoryLimit struct {
	log   *slog.Logger
	fixed bool // GOMEMLIMIT is set: leave the limit alone

	mu     sync.Mutex
	set    int64   // the limit set last; 0 before the first
	recent []int64 // the live heap after the last few builds
}

// recentBuilds is how many builds' live heaps memoryLimit looks back on.
// The runtime counts as live what was allocated while it marked, and a
// build allocates as it runs: the least of a few readings is nearer what
// the site holds.
const recentBuilds = 8

const (
	// minMemoryLimit is the least limit set: small sites get room to
	// spare, since collecting often saves them nothing worth having.
	minMemoryLimit = 64 << 20
	// memoryHeadroom is added to the multiple of the live heap, for the
	// runtime's own memory, the stacks of requests being served and a
	// build's garbage.
	memoryHeadroom = 32 << 20
)

func newMemoryLimit(log *slog.Logger) *memoryLimit {
	return &memoryLimit{log: log, fixed: os.Getenv("GOMEMLIMIT") != ""}
}

// follow sets the limit from the live heap the runtime found at its last
// collection. It is cheap: call it after every build.
func (m *memoryLimit) follow() {
	if m == nil || m.fixed {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recent = append(m.recent, int64(sample[0].Value.Uint64()))
	if len(m.recent) > recentBuilds {
		m.recent = m.recent[1:]
	}
	live := slices.Min(m.recent)
	// As much again as the live heap, plus the headroom, is room for
	// several builds' garbage (an incremental build of a 10,000-post site
	// makes about 5 MB): tighter, and the collector runs so often that
	// builds slow down.
	limit := max(minMemoryLimit, live*2+memoryHeadroom)
	if d := limit - m.set; m.set != 0 && d < m.set/16 && -d < m.set/16 {
		return // about the same: no need to tell the runtime
	}
	debug.SetMemoryLimit(limit)
	m.set = limit
	m.log.Debug("memory limit", "live_MiB", live>>20, "limit_MiB", limit>>20)
}

// buildGCPercent is the collector's GOGC for `inkstone build`, which
// exits when done: letting the heap grow to three times what is live,
// rather than twice, spares a third of the collections, about a tenth
// of a full build's time, for about 30 MiB more at 10,000 posts.
const buildGCPercent = 200

// oneShotGC sets buildGCPercent unless GOGC is set, which wins.
func oneShotGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(buildGCPercent)
	}
}
