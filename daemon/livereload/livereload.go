// Package livereload serves a built site for local preview and tells open
// browsers to reload after each rebuild, over Server-Sent Events. It is for
// `inkstone serve` only; production serves public/ as plain files.
package livereload

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// EventsPath is where browsers listen for reloads.
const EventsPath = "/_inkstone/livereload"

// script reconnects by itself (EventSource does) and reloads on "reload".
const script = `<script>(function(){var s=new EventSource("` + EventsPath + `");` +
	`s.onopen=function(){window.__inkstoneLive=true};` +
	`s.addEventListener("reload",function(){location.reload()});})();</script>`

// Broker fans reload events out to every connected browser.
type Broker struct {
	mu      sync.Mutex
	clients map[chan struct{}]bool
	closed  chan struct{}
	once    sync.Once
}

// NewBroker returns a Broker with no clients.
func NewBroker() *Broker {
	return &Broker{clients: map[chan struct{}]bool{}, closed: make(chan struct{})}
}

// Close ends every stream, so a graceful shutdown does not wait on
// browsers that never hang up (register it with http.Server.RegisterOnShutdown).
func (b *Broker) Close() { b.once.Do(func() { close(b.closed) }) }

// Reload tells every connected browser to reload.
func (b *Broker) Reload() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.clients {
		select {
		case c <- struct{}{}:
		default: // a reload is already pending for this client
		}
	}
}

// Clients is how many browsers are connected.
func (b *Broker) Clients() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.clients)
}

// ServeHTTP streams reload events to one browser until it goes away.
func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The controller reaches the connection through middleware wrappers.
	rc := http.NewResponseController(w)
	// The server's write timeout must not cut this long-lived stream.
	_ = rc.SetWriteDeadline(time.Time{})
	flush := func() bool { return rc.Flush() == nil }

	c := make(chan struct{}, 1)
	b.mu.Lock()
	b.clients[c] = true
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.clients, c)
		b.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, "retry: 500\n: connected\n\n")
	if !flush() {
		return // the connection cannot stream
	}
	keepalive := time.NewTicker(25 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-b.closed:
			return
		case <-c:
			fmt.Fprint(w, "event: reload\ndata: {}\n\n")
			if !flush() {
				return
			}
		case <-keepalive.C:
			fmt.Fprint(w, ": ping\n\n")
			if !flush() {
				return
			}
		}
	}
}

// Site serves the files under dir, injecting the reload script into HTML
// pages and answering missing paths with 404.html.
type Site struct {
	Dir string
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	clean := path.Clean("/" + r.URL.Path)
	full := filepath.Join(s.Dir, filepath.FromSlash(clean))
	st, err := os.Stat(full)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, clean+"/", http.StatusMovedPermanently)
			return
		}
		full = filepath.Join(full, "index.html")
		_, err = os.Stat(full)
	}
	if err != nil || strings.HasPrefix(filepath.Base(full), ".") {
		s.notFound(w, r)
		return
	}
	if strings.HasSuffix(full, ".html") {
		s.serveHTML(w, r, full, http.StatusOK)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFile(w, r, full)
}

func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	page := filepath.Join(s.Dir, "404.html")
	if _, err := os.Stat(page); err != nil {
		http.NotFound(w, r)
		return
	}
	s.serveHTML(w, r, page, http.StatusNotFound)
}

func (s *Site) serveHTML(w http.ResponseWriter, r *http.Request, file string, status int) {
	data, err := os.ReadFile(file)
	if err != nil {
		http.Error(w, "cannot read page", http.StatusInternalServerError)
		return
	}
	data = Inject(data)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// Inject puts the reload script before </body>, or at the end.
func Inject(page []byte) []byte {
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return append(page, script...)
	}
	out := make([]byte, 0, len(page)+len(script))
	out = append(out, page[:i]...)
	out = append(out, script...)
	return append(out, page[i:]...)
}
