package indieauth

import (
	"sync"
	"time"
)

// Login limits. Per client IP: 5 failed sign-ins in 15 minutes lock that
// IP out for 15 minutes, doubling with each lockout in a row up to a day.
// Across all IPs: 20 failures in 15 minutes lock everyone out for 15
// minutes, doubling up to an hour, so a botnet cannot guess either; the
// owner can then wait it out, or sign in from the shell (`inkstone token
// create`). A successful sign-in clears its IP's record.
const (
	loginWindow      = 15 * time.Minute
	loginMaxPerIP    = 5
	loginMaxGlobal   = 20
	loginMaxLockIP   = 24 * time.Hour
	loginMaxLockAll  = time.Hour
	loginForgetAfter = 24 * time.Hour // a quiet IP starts afresh
	loginMaxIPs      = 10000
	inflightWait     = 5 * time.Second // retry hint while parallel attempts are being checked
)

// bucket counts failures for one key.
type bucket struct {
	fails    []time.Time // within the window
	inflight int         // attempts being checked now, counted as failures until they end
	until    time.Time   // locked out until
	strikes  int         // lockouts in a row
	last     time.Time   // last failure
}

// blocked reports how long the bucket refuses a new attempt at now: while
// locked, or while failures and attempts still being checked already
// reach max (a burst of parallel guesses).
func (b *bucket) blocked(now time.Time, max int) time.Duration {
	if now.Before(b.until) {
		return b.until.Sub(now)
	}
	b.prune(now)
	if len(b.fails)+b.inflight >= max {
		return inflightWait
	}
	return 0
}

// fail records a failure at now and locks the bucket when it reaches max.
func (b *bucket) fail(now time.Time, max int, maxLock time.Duration) {
	if now.Sub(b.last) > loginForgetAfter {
		b.strikes = 0
	}
	b.last = now
	b.prune(now)
	b.fails = append(b.fails, now)
	if len(b.fails) < max {
		return
	}
	lock := loginWindow << min(b.strikes, 10)
	b.strikes++
	b.until = now.Add(min(lock, maxLock))
	b.fails = b.fails[:0]
}

func (b *bucket) prune(now time.Time) {
	keep := b.fails[:0]
	for _, t := range b.fails {
		if now.Sub(t) < loginWindow {
			keep = append(keep, t)
		}
	}
	b.fails = keep
}

// limiter limits failed sign-ins per client IP and overall. A sign-in
// calls begin before checking the password and end after, so parallel
// guesses count before their results are known.
type limiter struct {
	mu     sync.Mutex
	perIP  map[string]*bucket
	global bucket
}

func newLimiter() *limiter { return &limiter{perIP: map[string]*bucket{}} }

// begin reports whether ip may try to sign in at now, and if not, how
// long it must wait. When it may, the caller must call end.
func (l *limiter) begin(ip string, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.perIP[ip]
	if b == nil {
		if len(l.perIP) >= loginMaxIPs {
			l.sweep(now)
		}
		b = &bucket{}
		l.perIP[ip] = b
	}
	wait = max(l.global.blocked(now, loginMaxGlobal), b.blocked(now, loginMaxPerIP))
	if wait > 0 {
		return wait, false
	}
	b.inflight++
	l.global.inflight++
	return 0, true
}

// end records the outcome of an attempt begin allowed. Success clears the
// IP's record.
func (l *limiter) end(ip string, now time.Time, success bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.global.inflight--
	b := l.perIP[ip]
	if success {
		delete(l.perIP, ip)
		return
	}
	l.global.fail(now, loginMaxGlobal, loginMaxLockAll)
	if b == nil { // swept meanwhile
		b = &bucket{inflight: 1}
		l.perIP[ip] = b
	}
	b.inflight--
	b.fail(now, loginMaxPerIP, loginMaxLockIP)
}

// sweep forgets IPs that are neither locked, checking nor recently
// failing. The caller holds l.mu.
func (l *limiter) sweep(now time.Time) {
	for ip, b := range l.perIP {
		if b.inflight == 0 && !now.Before(b.until) && now.Sub(b.last) > loginForgetAfter {
			delete(l.perIP, ip)
		}
	}
	if len(l.perIP) >= loginMaxIPs {
		// Still full: an attack from many addresses. The global bucket
		// keeps limiting; forget per-IP detail that is not a lockout.
		for ip, b := range l.perIP {
			if b.inflight == 0 && !now.Before(b.until) {
				delete(l.perIP, ip)
			}
		}
	}
}
