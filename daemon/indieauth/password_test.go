package indieauth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPassword(t *testing.T) {
	// One hash at the real cost; the rest at a cheap one, which
	// CheckPassword reads from the hash.
	hash, err := HashPassword("s3cret pass")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash = %q, want a PHC argon2id string with the default costs", hash)
	}
	if err := ValidPasswordHash(hash); err != nil {
		t.Errorf("ValidPasswordHash = %v", err)
	}
	if !CheckPassword(hash, "s3cret pass") || CheckPassword(hash, "s3cret pass ") {
		t.Error("CheckPassword is wrong at the default cost")
	}

	cheap := cheapHash(t, "s3cret pass")
	if !CheckPassword(cheap, "s3cret pass") {
		t.Error("the right password does not match")
	}
	for _, pw := range []string{"", "s3cret pass ", "S3cret pass", "s3cret", strings.Repeat("x", MaxPasswordBytes+1)} {
		if CheckPassword(cheap, pw) {
			t.Errorf("CheckPassword(%q) matched", pw)
		}
	}
	if cheapHash(t, "s3cret pass") == cheap {
		t.Error("two hashes of one password are equal: no salt")
	}
	if _, err := HashPassword(""); err == nil {
		t.Error("an empty password hashed")
	}
}

func TestCheckPasswordBcrypt(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("pw from htpasswd"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(string(h), "pw from htpasswd") || CheckPassword(string(h), "nope") {
		t.Error("bcrypt hashes are not checked correctly")
	}
}

func TestCheckPasswordBadHashes(t *testing.T) {
	good := cheapHash(t, "pw")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"plain text":     "pw",
		"other algo":     strings.Replace(good, "argon2id", "argon2i", 1),
		"huge memory":    strings.Replace(good, "m=64,", "m=99999999,", 1),
		"huge time":      strings.Replace(good, "t=1,", "t=1000,", 1),
		"zero threads":   strings.Replace(good, "p=1", "p=0", 1),
		"bad version":    strings.Replace(good, "v=19", "v=16", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing fields": "$argon2id$v=19$m=64,t=1,p=1",
	} {
		if CheckPassword(h, "pw") {
			t.Errorf("%s: CheckPassword matched %q", name, h)
		}
		if h != "" && ValidPasswordHash(h) == nil {
			t.Errorf("%s: ValidPasswordHash accepted %q", name, h)
		}
	}
}

// TestConstantTimeCompares checks, in the source, that every comparison
// of a secret goes through crypto/subtle: a timing-safe compare is not
// something a behavioural test can see.
func TestConstantTimeCompares(t *testing.T) {
	fset := token.NewFileSet()
	calls := map[string]map[string]bool{} // function → callees
	for _, file := range []string{"tokens.go", "codes.go", "password.go", "authorize.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			callees := map[string]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					switch f := c.Fun.(type) {
					case *ast.Ident:
						callees[f.Name] = true
					case *ast.SelectorExpr:
						if x, ok := f.X.(*ast.Ident); ok {
							callees[x.Name+"."+f.Sel.Name] = true
						}
					}
				}
				return true
			})
			calls[fn.Name.Name] = callees
		}
	}
	if !calls["hashEqual"]["subtle.ConstantTimeCompare"] {
		t.Fatal("hashEqual does not use subtle.ConstantTimeCompare")
	}
	for fn, via := range map[string]string{
		"lookup":        "hashEqual",                  // token secrets
		"checkPKCE":     "hashEqual",                  // code verifiers
		"signedIn":      "hashEqual",                  // session cookies
		"authorizePost": "hashEqual",                  // CSRF tokens
		"CheckPassword": "subtle.ConstantTimeCompare", // argon2id keys
	} {
		if !calls[fn][via] {
			t.Errorf("%s does not compare with %s", fn, via)
		}
	}
}
