package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"inkstone/daemon/indieauth"
	"inkstone/internal/atomicfile"
	"inkstone/internal/config"
)

// passwordFile holds the owner's password hash in the state folder when
// the config does not set auth.password_hash.
const passwordFile = "password"

// siteConfig loads the config and fills the password hash from the state
// folder when the config leaves it empty.
func (a *app) siteConfig() (*config.Site, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if cfg.Auth.PasswordHash == "" {
		data, err := os.ReadFile(filepath.Join(cfg.StateDir(), passwordFile))
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read password hash: %w", err)
		}
		cfg.Auth.PasswordHash = strings.TrimSpace(string(data))
	}
	return cfg, nil
}

func (a *app) tokens(cfg *config.Site) (*indieauth.Tokens, error) {
	t, err := indieauth.OpenSiteTokens(cfg)
	if err != nil {
		return nil, err
	}
	t.Now = a.now
	return t, nil
}

// siteTokens opens the token store of the site named by the flags.
func (a *app) siteTokens() (*indieauth.Tokens, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, multiline(err)
	}
	return a.tokens(cfg)
}

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke app tokens for Micropub clients"}
	var scope, name string
	var ttl time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Print a new token alone on stdout (stored hashed; shown once)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.config()
			if err != nil {
				return multiline(err)
			}
			scopes := strings.Fields(scope)
			for _, s := range scopes {
				if !validScope(s) {
					return fmt.Errorf("unknown scope %q; use any of %s", s, strings.Join(indieauth.ScopeNames(), ", "))
				}
			}
			if len(scopes) == 0 {
				return fmt.Errorf(`give at least one scope, e.g. --scope "create update media"`)
			}
			t, err := a.tokens(cfg)
			if err != nil {
				return err
			}
			secret, tok, err := t.Create(name, scopes, "", ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, secret)
			fmt.Fprintf(a.stderr, "created token %s (%s) with scope %q\n", tok.ID, tok.Name, tok.Scope())
			return nil
		},
	}
	create.Flags().StringVar(&scope, "scope", "create update delete undelete media", "space-separated scopes")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	create.Flags().DurationVar(&ttl, "expires-in", 0, "lifetime, e.g. 720h (default: never expires)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			t, err := a.siteTokens()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPE\tCLIENT\tCREATED\tEXPIRES")
			for _, tok := range t.List() {
				exp := "never"
				if !tok.ExpiresAt.IsZero() {
					exp = tok.ExpiresAt.Format(time.RFC3339)
				}
				client := tok.ClientID
				if client == "" {
					client = "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", tok.ID, tok.Name, tok.Scope(), client, tok.CreatedAt.Format(time.RFC3339), exp)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by its ID (see token list)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := a.siteTokens()
			if err != nil {
				return err
			}
			if err := t.Revoke(args[0]); err != nil {
				return fmt.Errorf("revoke %s: %w (see inkstone token list)", args[0], err)
			}
			fmt.Fprintf(a.stdout, "revoked %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func validScope(s string) bool {
	for _, n := range indieauth.ScopeNames() {
		if s == n {
			return true
		}
	}
	return false
}

func (a *app) passwdCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "passwd",
		Short: "Set the owner's sign-in password (stored as a slow hash)",
		Long: `Set the password for signing in to the built-in IndieAuth server. The
password is read from the terminal (twice), or as one line from standard
input when that is not a terminal. Its argon2id hash is stored in the state
folder; auth.password_hash in inkstone.toml, when set, takes precedence.
A running daemon picks the new password up at its next start.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.config()
			if err != nil {
				return multiline(err)
			}
			pw, err := a.readPassword()
			if err != nil {
				return err
			}
			if len(pw) < 10 {
				return fmt.Errorf("the password is too short; use at least 10 characters")
			}
			hash, err := indieauth.HashPassword(pw)
			if err != nil {
				return err
			}
			path := filepath.Join(cfg.StateDir(), passwordFile)
			if err := atomicfile.WriteFile(path, []byte(hash+"\n"), atomicfile.Options{Sync: true, Perm: 0o600}); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "password set (hash in %s)\n", path)
			if cfg.Auth.PasswordHash != "" {
				fmt.Fprintln(a.stderr, "note: auth.password_hash in the config overrides it; remove that key to use this password")
			}
			return nil
		},
	}
}

func (a *app) readPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(a.stderr, "New password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(a.stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", fmt.Errorf("the two passwords differ; run inkstone passwd again")
	}
	return string(first), nil
}
