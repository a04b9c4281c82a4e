package indieauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"inkstone/internal/atomicfile"
	"inkstone/internal/config"
)

// TokensFile is the name of the token store under the state folder.
const TokensFile = "tokens.json"

// ErrNotFound means no token has the given ID or secret.
var ErrNotFound = errors.New("no such token")

// lastUsedEvery is how stale a token's saved LastUsed may get before
// Verify writes the file again; it keeps a busy token from costing an
// fsync per request.
const lastUsedEvery = time.Hour

// Token is an access token as the owner and the code see it. The secret
// itself is never kept: only its SHA-256 hash, in the store.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	ClientID  string    `json:"client_id,omitempty"`
	Me        string    `json:"me"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
	LastUsed  time.Time `json:"last_used,omitzero"`
}

// Scope is the token's scopes as OAuth writes them: space separated.
func (t Token) Scope() string { return strings.Join(t.Scopes, " ") }

// Expired reports whether the token has expired at now.
func (t Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

func (t Token) clone() Token {
	t.Scopes = slices.Clone(t.Scopes)
	return t
}

// record is a token as stored: the public fields and the secret's hash.
type record struct {
	Token
	Hash string `json:"sha256"` // hex SHA-256 of the secret

	savedLastUsed time.Time // LastUsed as last written to disk
}

type tokenFile struct {
	Version int       `json:"version"`
	Tokens  []*record `json:"tokens"`
}

// Tokens is the store of app tokens, a JSON file (STATE/tokens.json)
// written atomically and fsynced on every change. It is safe for
// concurrent use. Other processes (`inkstone token create` while the
// daemon runs) may change the file: the store notices a replaced file and
// reads it again before each operation. Two processes writing at the very
// same moment can still lose one change; there is no cross-process lock.
type Tokens struct {
	// Now is the clock; set it before first use.
	Now func() time.Time
	// Log receives problems that cannot be returned, such as a failure to
	// save LastUsed during Verify.
	Log *slog.Logger

	path string
	me   string

	mu     sync.Mutex
	byID   map[string]*record
	byHash map[string]*record
	stamp  fs.FileInfo // of the file as last read or written; nil when absent
}

// TokensPath is where a site keeps its tokens.
func TokensPath(cfg *config.Site) string { return filepath.Join(cfg.StateDir(), TokensFile) }

// OpenTokens reads the token store at path, which may not exist yet. me is
// the owner's profile URL, recorded in every new token.
func OpenTokens(path, me string) (*Tokens, error) {
	t := &Tokens{
		Now:    time.Now,
		Log:    slog.New(slog.DiscardHandler),
		path:   path,
		me:     me,
		byID:   map[string]*record{},
		byHash: map[string]*record{},
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(); err != nil {
		return nil, err
	}
	return t, nil
}

// OpenSiteTokens opens the site's token store, STATE/tokens.json, for the
// owner at the site's base URL.
func OpenSiteTokens(cfg *config.Site) (*Tokens, error) {
	return OpenTokens(TokensPath(cfg), cfg.BaseURL)
}

// Path is the store's file.
func (t *Tokens) Path() string { return t.path }

// Create makes a new token and saves it. The secret is returned once and
// not kept. scopes may hold space-separated lists; duplicates are dropped.
// A ttl of zero makes a token that never expires.
func (t *Tokens) Create(name string, scopes []string, clientID string, ttl time.Duration) (secret string, tok Token, err error) {
	if ttl < 0 {
		return "", Token{}, fmt.Errorf("create token: negative lifetime %s", ttl)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "token"
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(raw)

	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	id, err := t.newID()
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	now := t.Now().UTC().Truncate(time.Second)
	rec := &record{
		Token: Token{
			ID:        id,
			Name:      name,
			Scopes:    NormalizeScopes(scopes),
			ClientID:  clientID,
			Me:        t.me,
			CreatedAt: now,
		},
		Hash: hashSecret(secret),
	}
	if ttl > 0 {
		rec.ExpiresAt = now.Add(ttl)
	}
	t.byID[rec.ID] = rec
	t.byHash[rec.Hash] = rec
	if err := t.save(); err != nil {
		delete(t.byID, rec.ID)
		delete(t.byHash, rec.Hash)
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret, rec.Token.clone(), nil
}

// List returns every token that has not expired, oldest first.
func (t *Tokens) List() []Token {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refreshOrLog()
	now := t.Now()
	out := make([]Token, 0, len(t.byID))
	for _, rec := range t.byID {
		if !rec.Expired(now) {
			out = append(out, rec.Token.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Revoke deletes the token with the given ID. It returns ErrNotFound when
// there is none.
func (t *Tokens) Revoke(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	rec, ok := t.byID[id]
	if !ok {
		return fmt.Errorf("revoke token %s: %w", id, ErrNotFound)
	}
	return t.remove(rec)
}

// RevokeSecret deletes the token whose secret is given. It returns
// ErrNotFound when there is none.
func (t *Tokens) RevokeSecret(secret string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	rec := t.lookup(secret)
	if rec == nil {
		return fmt.Errorf("revoke token: %w", ErrNotFound)
	}
	return t.remove(rec)
}

// remove deletes rec and saves; the caller holds t.mu.
func (t *Tokens) remove(rec *record) error {
	delete(t.byID, rec.ID)
	delete(t.byHash, rec.Hash)
	if err := t.save(); err != nil {
		t.byID[rec.ID] = rec
		t.byHash[rec.Hash] = rec
		return fmt.Errorf("revoke token %s: %w", rec.ID, err)
	}
	return nil
}

// Verify returns the token whose secret is given, when it exists and has
// not expired, and notes its use.
func (t *Tokens) Verify(secret string) (Token, bool) {
	if secret == "" {
		return Token{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refreshOrLog()
	rec := t.lookup(secret)
	if rec == nil {
		return Token{}, false
	}
	now := t.Now().UTC().Truncate(time.Second)
	if rec.Expired(now) {
		return Token{}, false
	}
	if now.After(rec.LastUsed) {
		rec.LastUsed = now
	}
	if rec.LastUsed.Sub(rec.savedLastUsed) >= lastUsedEvery {
		if err := t.save(); err != nil {
			t.Log.Warn("save token last use", "id", rec.ID, "err", err)
		}
	}
	return rec.Token.clone(), true
}

// peek is Verify without noting a use, for introspection.
func (t *Tokens) peek(secret string) (Token, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refreshOrLog()
	rec := t.lookup(secret)
	if rec == nil || rec.Expired(t.Now()) {
		return Token{}, false
	}
	return rec.Token.clone(), true
}

// lookup finds a token by secret: a map lookup by hash, then a
// constant-time comparison of the hashes. The caller holds t.mu.
func (t *Tokens) lookup(secret string) *record {
	h := hashSecret(secret)
	rec, ok := t.byHash[h]
	if !ok || !hashEqual(rec.Hash, h) {
		return nil
	}
	return rec
}

func (t *Tokens) newID() (string, error) {
	for range 10 {
		b := make([]byte, 6)
		if _, err := io.ReadFull(rand.Reader, b); err != nil {
			return "", err
		}
		id := hex.EncodeToString(b)
		if _, taken := t.byID[id]; !taken {
			return id, nil
		}
	}
	return "", errors.New("no free token ID")
}

// refreshOrLog is refresh for reads, which keep the tokens they have when
// the file cannot be read.
func (t *Tokens) refreshOrLog() {
	if err := t.refresh(); err != nil {
		t.Log.Error("read token store", "err", err)
	}
}

// refresh reads the file again when another process replaced it since it
// was last read or written. The caller holds t.mu.
func (t *Tokens) refresh() error {
	st, err := os.Stat(t.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if t.stamp == nil {
			return nil
		}
	case err != nil:
		return fmt.Errorf("token store %s: %w", t.path, err)
	case t.stamp != nil && os.SameFile(st, t.stamp) && st.ModTime().Equal(t.stamp.ModTime()) && st.Size() == t.stamp.Size():
		return nil
	}
	return t.load()
}

// load reads the file, keeping newer in-memory LastUsed values. The caller
// holds t.mu.
func (t *Tokens) load() error {
	f, err := os.Open(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		t.byID, t.byHash, t.stamp = map[string]*record{}, map[string]*record{}, nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("read token store: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path: a replacement renamed in after
	// the read must still look new next time.
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read token store: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read token store: %w", err)
	}
	var file tokenFile
	if err := json.Unmarshal(data, &file); err != nil {
		return fmt.Errorf("token store %s is damaged: %w (fix it, or remove it to revoke every token)", t.path, err)
	}
	if file.Version > 1 {
		return fmt.Errorf("token store %s has version %d, newer than this inkstone understands", t.path, file.Version)
	}
	byID := make(map[string]*record, len(file.Tokens))
	byHash := make(map[string]*record, len(file.Tokens))
	for _, rec := range file.Tokens {
		if rec == nil || rec.ID == "" || len(rec.Hash) != sha256.Size*2 {
			return fmt.Errorf("token store %s has an entry without id or sha256 (fix it, or remove it to revoke every token)", t.path)
		}
		rec.savedLastUsed = rec.LastUsed
		if old, ok := t.byID[rec.ID]; ok && old.LastUsed.After(rec.LastUsed) {
			rec.LastUsed = old.LastUsed
		}
		byID[rec.ID] = rec
		byHash[rec.Hash] = rec
	}
	t.byID, t.byHash, t.stamp = byID, byHash, st
	return nil
}

// save writes every live token to the file. Expired tokens are dropped.
// The caller holds t.mu.
func (t *Tokens) save() error {
	now := t.Now()
	f := tokenFile{Version: 1, Tokens: []*record{}}
	for _, rec := range t.byID {
		if rec.Expired(now) {
			continue
		}
		f.Tokens = append(f.Tokens, rec)
	}
	sort.Slice(f.Tokens, func(i, j int) bool {
		a, b := f.Tokens[i], f.Tokens[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode token store: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(t.path, data, atomicfile.Options{Sync: true, Perm: 0o600}); err != nil {
		return err
	}
	st, err := os.Stat(t.path)
	if err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	t.stamp = st
	for _, rec := range f.Tokens {
		rec.savedLastUsed = rec.LastUsed
	}
	for id, rec := range t.byID {
		if rec.Expired(now) {
			delete(t.byID, id)
			delete(t.byHash, rec.Hash)
		}
	}
	return nil
}

// hashSecret is the hex SHA-256 of a token secret. Secrets are 256 random
// bits, so a fast unsalted hash is enough: there is nothing to guess.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// hashEqual compares two hashes (or other secrets) in constant time.
func hashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NormalizeScopes splits space-separated entries, drops empty and repeated
// scopes and keeps the first order.
func NormalizeScopes(scopes []string) []string {
	out := []string{}
	for _, s := range scopes {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// HasScope reports whether tok carries scope. Scopes are exact: "create"
// implies nothing else, and "draft" is a scope of its own.
func HasScope(tok Token, scope string) bool {
	return slices.Contains(tok.Scopes, scope)
}
