package indieauth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testMe = "https://example.com/"

func openTokens(t *testing.T, path string, c *clock) *Tokens {
	t.Helper()
	tk, err := OpenTokens(path, testMe)
	if err != nil {
		t.Fatal(err)
	}
	tk.Now = c.Now
	return tk
}

func TestTokensPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", TokensFile)
	c := newClock()
	tk := openTokens(t, path, c)

	s1, t1, err := tk.Create("phone", []string{"create update", "media", "create"}, "https://app.example/", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(t1.Scopes, " "); got != "create update media" {
		t.Errorf("scopes = %q, want normalized %q", got, "create update media")
	}
	if len(t1.ID) != 12 || t1.Me != testMe || !t1.CreatedAt.Equal(c.Now()) || !t1.ExpiresAt.IsZero() {
		t.Errorf("token = %+v", t1)
	}
	c.Advance(time.Minute)
	s2, t2, err := tk.Create("cli", []string{"create"}, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Now().Add(time.Hour); !t2.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", t2.ExpiresAt, want)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{s1, s2} {
		if strings.Contains(string(data), s) {
			t.Fatalf("the file holds a secret:\n%s", data)
		}
	}
	if !strings.Contains(string(data), hashSecret(s1)) {
		t.Errorf("the file lacks the secret's hash:\n%s", data)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v; want 0600", st.Mode(), err)
	}

	// Reload from disk.
	re := openTokens(t, path, c)
	list := re.List()
	if len(list) != 2 || list[0].ID != t1.ID || list[1].ID != t2.ID || list[0].Name != "phone" || list[0].ClientID != "https://app.example/" {
		t.Fatalf("reloaded list = %+v", list)
	}
	if tok, ok := re.Verify(s1); !ok || tok.ID != t1.ID {
		t.Fatalf("reloaded Verify(s1) = %+v, %v", tok, ok)
	}

	// Revoke by ID and by secret; both persist.
	if err := re.Revoke(t1.ID); err != nil {
		t.Fatal(err)
	}
	if err := re.Revoke(t1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Revoke = %v, want ErrNotFound", err)
	}
	if err := re.RevokeSecret(s2); err != nil {
		t.Fatal(err)
	}
	if err := re.RevokeSecret(s2); !errors.Is(err, ErrNotFound) {
		t.Errorf("second RevokeSecret = %v, want ErrNotFound", err)
	}
	again := openTokens(t, path, c)
	if list := again.List(); len(list) != 0 {
		t.Fatalf("after revoking both, reloaded list = %+v", list)
	}
	for _, s := range []string{s1, s2} {
		if _, ok := again.Verify(s); ok {
			t.Errorf("revoked token verifies after reload")
		}
	}
}

func TestTokensVerify(t *testing.T) {
	c := newClock()
	tk := openTokens(t, filepath.Join(t.TempDir(), TokensFile), c)
	secret, tok, err := tk.Create("x", []string{"create"}, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", secret + "x", secret[1:], strings.ToUpper(secret), hashSecret(secret)} {
		if _, ok := tk.Verify(bad); ok {
			t.Errorf("Verify(%q) succeeded", bad)
		}
	}
	c.Advance(10 * time.Minute)
	got, ok := tk.Verify(secret)
	if !ok || got.ID != tok.ID || !got.LastUsed.Equal(c.Now()) {
		t.Fatalf("Verify = %+v, %v; want LastUsed %v", got, ok, c.Now())
	}
	// Callers cannot change the store through the returned slice.
	got.Scopes[0] = "delete"
	if again, _ := tk.Verify(secret); again.Scopes[0] != "create" {
		t.Fatal("Verify returned the store's own slice")
	}
	c.Advance(time.Hour)
	if _, ok := tk.Verify(secret); ok {
		t.Fatal("expired token verifies")
	}
	if list := tk.List(); len(list) != 0 {
		t.Errorf("List shows an expired token: %+v", list)
	}
}

func TestTokensLastUsedSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), TokensFile)
	c := newClock()
	tk := openTokens(t, path, c)
	secret, _, err := tk.Create("x", nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	tk.Verify(secret) // first use: saved
	first := c.Now()
	c.Advance(time.Minute)
	tk.Verify(secret) // within the hour: memory only
	if got := openTokens(t, path, c).List()[0].LastUsed; !got.Equal(first) {
		t.Errorf("saved LastUsed = %v, want %v", got, first)
	}
	c.Advance(lastUsedEvery)
	tk.Verify(secret)
	if got := openTokens(t, path, c).List()[0].LastUsed; !got.Equal(c.Now()) {
		t.Errorf("saved LastUsed = %v, want %v", got, c.Now())
	}
}

// TestTokensSeeOtherProcess: `inkstone token create` writes the file while
// the daemon runs; the daemon must see the new token and keep it.
func TestTokensSeeOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), TokensFile)
	c := newClock()
	daemon := openTokens(t, path, c)
	if _, _, err := daemon.Create("first", nil, "", 0); err != nil {
		t.Fatal(err)
	}
	cli := openTokens(t, path, c)
	secret, tok, err := cli.Create("from the shell", []string{"create"}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := daemon.Verify(secret); !ok || got.ID != tok.ID {
		t.Fatal("the daemon does not see a token created by another process")
	}
	if _, _, err := daemon.Create("third", nil, "", 0); err != nil {
		t.Fatal(err)
	}
	if n := len(openTokens(t, path, c).List()); n != 3 {
		t.Fatalf("%d tokens on disk, want 3: a write lost another process's token", n)
	}
	if err := cli.Revoke(tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := daemon.Verify(secret); ok {
		t.Fatal("the daemon still accepts a token another process revoked")
	}
}

func TestTokensDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), TokensFile)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenTokens(path, testMe); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("OpenTokens on a damaged file = %v, want an error saying so", err)
	}
}

func TestTokensConcurrent(t *testing.T) {
	c := newClock()
	tk := openTokens(t, filepath.Join(t.TempDir(), TokensFile), c)
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				secret, tok, err := tk.Create(fmt.Sprintf("w%d-%d", w, i), []string{"create"}, "", 0)
				if err != nil {
					errs <- err
					return
				}
				for range 3 {
					if got, ok := tk.Verify(secret); !ok || got.ID != tok.ID {
						errs <- fmt.Errorf("token %s does not verify", tok.ID)
					}
				}
				tk.List()
				c.Advance(time.Second)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(tk.List()); n != workers*each {
		t.Fatalf("%d tokens, want %d", n, workers*each)
	}
}

func TestHasScope(t *testing.T) {
	tok := Token{Scopes: []string{"create", "draft"}}
	for scope, want := range map[string]bool{"create": true, "draft": true, "update": false, "media": false, "": false, "Create": false} {
		if got := HasScope(tok, scope); got != want {
			t.Errorf("HasScope(%q) = %v, want %v", scope, got, want)
		}
	}
	if HasScope(Token{Scopes: []string{"draft"}}, "create") {
		t.Error("draft implies create")
	}
}
