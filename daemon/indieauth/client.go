package indieauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"willnorris.com/go/microformats"
)

// ClientInfo is what a client publishes about itself at its client_id
// URL (IndieAuth §4.2): a JSON client metadata document, or an HTML page
// with an h-app and rel=redirect_uri links.
type ClientInfo struct {
	Name string // client_name, or the h-app's name
	Logo string // logo_uri, or the h-app's logo: an http(s) URL
	URL  string // client_uri, or the h-app's url
	// RedirectURIs are the redirect URIs the client lists, absolute.
	RedirectURIs []string
}

// allows reports whether the client lists redirect exactly.
func (ci *ClientInfo) allows(redirect string) bool {
	return ci != nil && slices.Contains(ci.RedirectURIs, redirect)
}

// Defaults for Clients.
const (
	DefaultClientTimeout  = 10 * time.Second
	DefaultClientMaxBytes = 1 << 20
	DefaultClientTTL      = 5 * time.Minute
	// Failures are kept for less time, so a fixed client page counts soon.
	defaultClientFailTTL = time.Minute
	defaultClientEntries = 256
	maxClientRedirects   = 5
	maxClientFetches     = 4 // at once
	maxClientNameRunes   = 80
	maxClientURIs        = 20
)

// Clients fetches client information, bounded, guarded and cached. The
// fetch must not turn the server into a tool for reaching other hosts:
// only http(s), at most DefaultClientMaxBytes, DefaultClientTimeout and
// 5 redirects, and never a loopback, private or otherwise special address
// unless the client_id itself is on loopback (a client in development).
// The address is checked after DNS resolution, at connect time, so a
// name that resolves to a private address is refused too.
type Clients struct {
	Timeout  time.Duration // whole fetch, body included
	MaxBytes int64
	TTL      time.Duration
	Now      func() time.Time

	// resolve, when set, maps host names to IP addresses in place of
	// DNS; tests use it to name their local servers.
	resolve func(host string) (string, bool)

	fetching chan struct{}
	mu       sync.Mutex
	cache    map[string]cachedClient
}

type cachedClient struct {
	info    *ClientInfo
	err     error
	expires time.Time
}

// NewClients returns a Clients with the default limits.
func NewClients() *Clients {
	return &Clients{
		Timeout:  DefaultClientTimeout,
		MaxBytes: DefaultClientMaxBytes,
		TTL:      DefaultClientTTL,
		Now:      time.Now,
		fetching: make(chan struct{}, maxClientFetches),
		cache:    map[string]cachedClient{},
	}
}

// ClientError is a client_id URL that could not be read or understood.
// Its message is fit to show the owner.
type ClientError struct {
	Msg string
	err error
}

func (e *ClientError) Error() string { return e.Msg }
func (e *ClientError) Unwrap() error { return e.err }

func clientErr(err error, format string, args ...any) *ClientError {
	return &ClientError{Msg: fmt.Sprintf(format, args...), err: err}
}

// Fetch returns the information published at clientID, from the cache
// when it was read lately. Errors are *ClientError.
func (c *Clients) Fetch(ctx context.Context, clientID string) (*ClientInfo, error) {
	now := c.Now()
	c.mu.Lock()
	hit, ok := c.cache[clientID]
	c.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return hit.info, hit.err
	}
	info, err := c.fetch(ctx, clientID)
	if ctx.Err() != nil || errors.Is(err, errBusy) {
		// The browser went away, or others held every fetch slot: this
		// says nothing about the client.
		return info, err
	}
	ttl := c.TTL
	if err != nil {
		ttl = min(ttl, defaultClientFailTTL)
	}
	c.mu.Lock()
	c.store(clientID, cachedClient{info: info, err: err, expires: now.Add(ttl)}, now)
	c.mu.Unlock()
	return info, err
}

// store caches one answer, keeping the cache bounded: expired entries
// go first, then the one closest to expiry.
func (c *Clients) store(key string, v cachedClient, now time.Time) {
	if _, ok := c.cache[key]; !ok && len(c.cache) >= defaultClientEntries {
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
			}
		}
		for len(c.cache) >= defaultClientEntries {
			var oldest string
			var when time.Time
			for k, e := range c.cache {
				if oldest == "" || e.expires.Before(when) {
					oldest, when = k, e.expires
				}
			}
			delete(c.cache, oldest)
		}
	}
	c.cache[key] = v
}

func (c *Clients) fetch(ctx context.Context, clientID string) (*ClientInfo, error) {
	u, err := url.Parse(clientID)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, clientErr(err, "the client_id %s is not an http(s) URL", clientID)
	}
	// The time limit covers the wait for a fetch slot too.
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	select {
	case c.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, clientErr(errBusy, "the client's page %s could not be fetched: this server is busy fetching others; try again", clientID)
	}
	defer func() { <-c.fetching }()
	tr := c.transport(onLoopback(u.Hostname()))
	defer tr.CloseIdleConnections()
	hc := &http.Client{
		Transport: tr,
		Timeout:   c.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxClientRedirects || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
				return errBadRedirect
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientID, nil)
	if err != nil {
		return nil, clientErr(err, "the client_id %s cannot be fetched", clientID)
	}
	req.Header.Set("Accept", "application/json, text/html;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "inkstone-indieauth (client information discovery)")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fetchFailed(clientID, err, c.Timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, clientErr(nil, "the client's page %s answered %d %s, not 200 OK", clientID, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBytes+1))
	if err != nil {
		return nil, fetchFailed(clientID, err, c.Timeout)
	}
	if int64(len(body)) > c.MaxBytes {
		return nil, clientErr(nil, "the client's page %s is larger than %d bytes", clientID, c.MaxBytes)
	}
	return parseClientInfo(clientID, resp.Request.URL, resp.Header, body)
}

// fetchFailed turns a transport error into words for the owner.
func fetchFailed(clientID string, err error, timeout time.Duration) *ClientError {
	var blocked *blockedAddrError
	var ne net.Error
	switch {
	case errors.As(err, &blocked):
		return clientErr(err, "the client's page %s is on a private or local network address, which this server does not fetch", clientID)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return clientErr(err, "the client's page %s did not answer within %s", clientID, timeout)
	}
	if errors.Is(err, errBadRedirect) {
		return clientErr(err, "the client's page %s redirects more than %d times or to a URL that is not http(s)", clientID, maxClientRedirects)
	}
	return clientErr(err, "the client's page %s could not be fetched", clientID)
}

// transport dials only public addresses (and loopback ones when
// loopback is true), checked on the resolved IP; it uses no proxy,
// since a proxy would hide the address from the check.
func (c *Clients) transport(loopback bool) *http.Transport {
	d := &net.Dialer{
		Timeout: c.Timeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &blockedAddrError{address}
			}
			if a := ap.Addr().Unmap(); !publicAddr(a) && !(loopback && a.IsLoopback()) {
				return &blockedAddrError{address}
			}
			return nil
		},
	}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if c.resolve != nil {
				if host, port, err := net.SplitHostPort(addr); err == nil && net.ParseIP(host) == nil {
					if ip, ok := c.resolve(host); ok {
						addr = net.JoinHostPort(ip, port)
					}
				}
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:    c.Timeout,
		ResponseHeaderTimeout:  c.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
}

// errBusy means every fetch slot stayed taken for the whole time limit.
var errBusy = errors.New("every client fetch slot is taken")

// errBadRedirect stops a redirect chain that is too long or leaves
// http(s).
var errBadRedirect = errors.New("too many redirects, or a redirect to a URL that is not http(s)")

type blockedAddrError struct{ addr string }

func (e *blockedAddrError) Error() string { return "address " + e.addr + " is not public" }

// onLoopback reports whether a client_id host is this machine.
func onLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// specialNets are ranges that are neither private nor local by the
// standard library's tests, yet not the public internet either, or that
// embed IPv4 addresses a check on the IPv6 form would miss.
var specialNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// publicAddr reports whether a is a public unicast address.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range specialNets {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// clientMetadata is the JSON client metadata document (IndieAuth §4.2,
// RFC 7591 names).
type clientMetadata struct {
	ClientID     string   `json:"client_id"`
	ClientName   string   `json:"client_name"`
	ClientURI    string   `json:"client_uri"`
	LogoURI      string   `json:"logo_uri"`
	RedirectURIs []string `json:"redirect_uris"`
}

// parseClientInfo reads a client_id response: JSON metadata when the
// response says application/json, else HTML with an h-app and
// rel=redirect_uri links; HTTP Link headers with rel=redirect_uri count
// for both. base is the URL the body came from, after redirects.
func parseClientInfo(clientID string, base *url.URL, header http.Header, body []byte) (*ClientInfo, error) {
	info := &ClientInfo{}
	for _, l := range linkRedirects(header) {
		info.addRedirect(base, l)
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var m clientMetadata
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, clientErr(err, "the client metadata at %s is not valid JSON: fix the document", clientID)
		}
		if m.ClientID != "" && !sameClient(m.ClientID, clientID) {
			return nil, clientErr(nil, "the client metadata at %s names the client_id %s; it must name itself", clientID, clip(m.ClientID))
		}
		info.Name = cleanName(m.ClientName)
		info.Logo = httpURL(base, m.LogoURI)
		info.URL = httpURL(base, m.ClientURI)
		for _, r := range m.RedirectURIs {
			info.addRedirect(base, r)
		}
	case mt == "text/html" || mt == "application/xhtml+xml" || mt == "":
		data := microformats.Parse(bytes.NewReader(body), base)
		for _, r := range data.Rels["redirect_uri"] {
			info.addRedirect(base, r)
		}
		info.fromHApp(clientID, data.Items)
	}
	return info, nil
}

func (ci *ClientInfo) addRedirect(base *url.URL, raw string) {
	if len(ci.RedirectURIs) >= maxClientURIs || raw == "" || len(raw) > maxParamLen {
		return
	}
	r, err := base.Parse(strings.TrimSpace(raw))
	if err != nil {
		return
	}
	if s := r.String(); !slices.Contains(ci.RedirectURIs, s) {
		ci.RedirectURIs = append(ci.RedirectURIs, s)
	}
}

// fromHApp takes name, logo and url from the first h-app (or h-x-app)
// about this client: one whose url is the client_id, or that has none.
func (ci *ClientInfo) fromHApp(clientID string, items []*microformats.Microformat) {
	var walk func([]*microformats.Microformat) bool
	walk = func(items []*microformats.Microformat) bool {
		for _, it := range items {
			if slices.Contains(it.Type, "h-app") || slices.Contains(it.Type, "h-x-app") {
				u := mfString(it.Properties["url"])
				if u == "" || sameClient(u, clientID) {
					ci.Name = cleanName(mfString(it.Properties["name"]))
					ci.Logo = httpURL(nil, mfString(it.Properties["logo"]))
					ci.URL = httpURL(nil, u)
					return true
				}
			}
			if walk(it.Children) {
				return true
			}
		}
		return false
	}
	walk(items)
}

// mfString is a microformats property's first value as text: a plain
// value, an image's URL, or an embedded item's value.
func mfString(vals []any) string {
	if len(vals) == 0 {
		return ""
	}
	switch v := vals[0].(type) {
	case string:
		return v
	case map[string]string:
		return v["value"]
	case *microformats.Microformat:
		return v.Value
	}
	return ""
}

// sameClient compares URLs ignoring a trailing slash.
func sameClient(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// httpURL is raw resolved against base when it is an http(s) URL with a
// host and no user info, else "". Logos and links shown to the owner
// must be nothing else (no javascript:, data:).
func httpURL(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxParamLen {
		return ""
	}
	u, err := url.Parse(raw)
	if err == nil && base != nil {
		u = base.ResolveReference(u)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// cleanName makes a client's name fit to show: printable, one line,
// bounded.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case !unicode.IsPrint(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxClientNameRunes {
		s = string(r[:maxClientNameRunes-1]) + "…"
	}
	return s
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 100 {
		return string(r[:99]) + "…"
	}
	return s
}

// linkRedirects returns the targets of HTTP Link headers with
// rel="redirect_uri" (RFC 8288).
func linkRedirects(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Link") {
		for len(v) > 0 {
			v = strings.TrimLeft(v, " \t,")
			if !strings.HasPrefix(v, "<") {
				break
			}
			end := strings.IndexByte(v, '>')
			if end < 0 {
				break
			}
			target := v[1:end]
			v = v[end+1:]
			// The parameters run to the next comma outside quotes.
			params, rest := splitLinkParams(v)
			v = rest
			for _, p := range params {
				name, val, _ := strings.Cut(p, "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				val = strings.Trim(strings.TrimSpace(val), `"`)
				if slices.Contains(strings.Fields(strings.ToLower(val)), "redirect_uri") {
					out = append(out, target)
				}
			}
		}
	}
	return out
}

// splitLinkParams splits the ";param=value" list after a link target,
// stopping at the comma that starts the next link.
func splitLinkParams(s string) (params []string, rest string) {
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteByte(c)
		case c == '\\' && quoted && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
		case c == ';' && !quoted:
			if p := strings.TrimSpace(cur.String()); p != "" {
				params = append(params, p)
			}
			cur.Reset()
		case c == ',' && !quoted:
			if p := strings.TrimSpace(cur.String()); p != "" {
				params = append(params, p)
			}
			return params, s[i+1:]
		default:
			cur.WriteByte(c)
		}
	}
	if p := strings.TrimSpace(cur.String()); p != "" {
		params = append(params, p)
	}
	return params, ""
}
