// Package parallel runs a loop's iterations on several goroutines.
package parallel

import (
	"context"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n) on up to workers goroutines, and
// returns when all calls have. Once ctx is done no new call starts.
//
// Each goroutine takes the next index by counting: handing indices over
// on a channel wakes a third goroutine per item, which costs as much as
// a small item (a post's front matter, a search document).
func For(ctx context.Context, workers, n int, fn func(i int)) {
	workers = min(workers, n)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
