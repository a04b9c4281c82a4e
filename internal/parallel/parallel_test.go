package parallel

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ workers, n int }{{1, 0}, {1, 5}, {2, 1}, {4, 1000}, {16, 3}} {
		calls := make([]atomic.Int32, tc.n)
		For(context.Background(), tc.workers, tc.n, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if got := calls[i].Load(); got != 1 {
				t.Errorf("%d workers, %d items: index %d called %d times", tc.workers, tc.n, i, got)
			}
		}
	}
}

func TestForStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	For(ctx, 2, 1000, func(i int) {
		if calls.Add(1) == 10 {
			cancel()
		}
	})
	// Each worker may finish the call it had started.
	if got := calls.Load(); got < 10 || got > 11 {
		t.Errorf("%d calls after cancelling at the 10th, want 10 or 11", got)
	}
}
