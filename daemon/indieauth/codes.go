package indieauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"sync"
	"time"
)

// maxCodeAttempts is how many failed redemptions (wrong verifier, client or
// redirect URI) burn a code. A verifier has 256 bits, so a few tries give
// nothing away, and a client that fumbles once can still finish.
const maxCodeAttempts = 3

// usedCodeMemory is how long a redeemed code is remembered, so that a
// second redemption is caught and revokes the token the first one got.
const usedCodeMemory = 10 * time.Minute

// maxCodes bounds outstanding codes; only the signed-in owner makes them.
const maxCodes = 1000

// authCode is what an authorization code stands for.
type authCode struct {
	ClientID    string
	RedirectURI string
	Challenge   string // S256 code challenge
	Scopes      []string
	Me          string
	Expires     time.Time

	used     bool
	attempts int
	tokenID  string // the token the code was exchanged for
}

// codeStore keeps authorization codes in memory, by hash; a restart
// invalidates them, which at 60 s of life costs nothing.
type codeStore struct {
	mu    sync.Mutex
	codes map[string]*authCode
}

func newCodeStore() *codeStore { return &codeStore{codes: map[string]*authCode{}} }

// issue stores c and returns its new code.
func (s *codeStore) issue(c *authCode, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, raw); err != nil {
		return "", err
	}
	code := base64.RawURLEncoding.EncodeToString(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if len(s.codes) >= maxCodes {
		return "", errors.New("too many outstanding authorization codes")
	}
	s.codes[hashSecret(code)] = c
	return code, nil
}

// redeemError says why a code was refused.
type redeemError struct {
	desc    string
	tokenID string // set when a reused code had been exchanged for a token
}

func (e *redeemError) Error() string { return e.desc }

// redeem checks a code against the client's request and marks it used.
// All checks happen under one lock, so two racing redemptions cannot both
// win.
func (s *codeStore) redeem(code, clientID, redirectURI, verifier string, now time.Time) (*authCode, error) {
	key := hashSecret(code)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[key]
	if !ok {
		return nil, &redeemError{desc: "the authorization code is not valid"}
	}
	if c.used {
		return nil, &redeemError{desc: "the authorization code was already used", tokenID: c.tokenID}
	}
	if !now.Before(c.Expires) {
		delete(s.codes, key)
		return nil, &redeemError{desc: "the authorization code has expired"}
	}
	var problem string
	switch {
	case c.ClientID != clientID:
		problem = "the authorization code was issued to another client_id"
	case c.RedirectURI != redirectURI:
		problem = "redirect_uri does not match the one in the authorization request"
	case !checkPKCE(verifier, c.Challenge):
		problem = "code_verifier does not match the code_challenge"
	}
	if problem != "" {
		c.attempts++
		if c.attempts >= maxCodeAttempts {
			delete(s.codes, key)
		}
		return nil, &redeemError{desc: problem}
	}
	c.used = true
	out := *c
	return &out, nil
}

// exchanged records the token a code was redeemed for.
func (s *codeStore) exchanged(code, tokenID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codes[hashSecret(code)]; ok {
		c.tokenID = tokenID
	}
}

// sweep forgets codes past their life (used ones a while later). The
// caller holds s.mu.
func (s *codeStore) sweep(now time.Time) {
	for k, c := range s.codes {
		end := c.Expires
		if c.used {
			end = end.Add(usedCodeMemory)
		}
		if !now.Before(end) {
			delete(s.codes, k)
		}
	}
}

// checkPKCE reports whether verifier is well formed (RFC 7636 §4.1) and
// hashes, by S256, to challenge; the comparison is constant-time.
func checkPKCE(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for i := 0; i < len(verifier); i++ {
		if !isUnreserved(verifier[i]) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return hashEqual(base64.RawURLEncoding.EncodeToString(sum[:]), challenge)
}

// S256Challenge is the code_challenge for a verifier, for clients and
// tests.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
