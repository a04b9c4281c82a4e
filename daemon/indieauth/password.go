package indieauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// argonParams are the cost settings of an argon2id hash.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  int
}

// defaultArgon is the first recommended option of RFC 9106 that fits a
// small server: 64 MiB, 3 passes, 4 lanes.
var defaultArgon = argonParams{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}

// MaxPasswordBytes bounds passwords, so a huge one cannot make hashing slow.
const MaxPasswordBytes = 1024

// HashPassword hashes the owner's password with argon2id and returns it
// in the PHC string format, e.g. $argon2id$v=19$m=65536,t=3,p=4$salt$key,
// for auth.password_hash.
func HashPassword(pw string) (string, error) {
	return hashPassword(pw, defaultArgon)
}

func hashPassword(pw string, p argonParams) (string, error) {
	if pw == "" {
		return "", errors.New("hash password: the password is empty")
	}
	if len(pw) > MaxPasswordBytes {
		return "", fmt.Errorf("hash password: longer than %d bytes", MaxPasswordBytes)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, an argon2id PHC string
// from HashPassword or, for hashes made by other tools, a bcrypt hash
// ($2a$, $2b$, $2y$). The comparison is constant-time. An empty or
// malformed hash matches nothing.
func CheckPassword(hash, pw string) bool {
	if hash == "" || pw == "" || len(pw) > MaxPasswordBytes {
		return false
	}
	if strings.HasPrefix(hash, "$2") {
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
	}
	p, salt, key, err := parseArgon(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// ValidPasswordHash reports whether hash is a hash CheckPassword can use,
// for `inkstone check`.
func ValidPasswordHash(hash string) error {
	if strings.HasPrefix(hash, "$2") {
		_, err := bcrypt.Cost([]byte(hash))
		return err
	}
	_, _, _, err := parseArgon(hash)
	return err
}

// parseArgon reads a PHC argon2id string, refusing costs so high that a
// mistyped hash would stall the daemon.
func parseArgon(hash string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("argon2id version %q is not supported", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2id parameters %q: %w", parts[3], err)
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 64 || p.Threads < 1 || p.Threads > 64 {
		return p, nil, nil, fmt.Errorf("argon2id parameters %q are out of range", parts[3])
	}
	salt, err = base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("argon2id salt is malformed")
	}
	key, err = base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errors.New("argon2id key is malformed")
	}
	return p, salt, key, nil
}
