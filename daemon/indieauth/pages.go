package indieauth

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The pages are small, self-contained HTML: no scripts, no external
// assets, one inline style sheet. They work with keyboard and screen
// reader, and without JavaScript.
const pagesHTML = `
{{define "head"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · {{.Site}}</title>
<style>
body{font:1.05rem/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#fafafa}
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #ccc;border-radius:.5rem}
h1{font-size:1.4rem;margin-top:0}
code{word-break:break-all;font-size:.9em}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #767676;border-radius:.25rem}
fieldset{border:1px solid #ccc;border-radius:.25rem;margin:1rem 0}
fieldset label{display:inline;font-weight:normal;margin:0}
fieldset div{margin:.35rem 0}
button{font:inherit;padding:.5rem 1.25rem;margin:1rem .5rem 0 0;border-radius:.25rem;border:1px solid #1a4d8f;background:#1a4d8f;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1a4d8f}
button:focus,input:focus{outline:3px solid #f5a623;outline-offset:2px}
.error{color:#a30000;font-weight:600}
.note{color:#555;font-size:.9rem}
.logo{float:right;max-width:64px;max-height:64px;margin:0 0 .5rem .5rem}
</style>
</head>
<body>
<main>{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "hidden"}}{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<input type="hidden" name="csrf" value="{{.CSRF}}">{{end}}

{{define "login"}}{{template "head" .}}
<h1>Sign in</h1>
<p><strong>{{.Client}}</strong> asks you to sign in as <strong>{{.Me}}</strong>.</p>
{{if .Error}}<p class="error" role="alert" id="login-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{template "hidden" .}}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus{{if .Error}} aria-describedby="login-error"{{end}}>
<button type="submit" name="action" value="login">Sign in</button>
</form>
<p class="note">Client: <code>{{.ClientID}}</code></p>
{{template "foot" .}}{{end}}

{{define "consent"}}{{template "head" .}}
{{if .Logo}}<img class="logo" src="{{.Logo}}" alt="" width="64" height="64">
{{end}}<h1>Allow {{.Client}}?</h1>
<p><strong>{{.Client}}</strong> wants to sign you in as <strong>{{.Me}}</strong>{{if .Scopes}} and asks for these permissions. Untick any you do not want to give{{end}}.</p>
<form method="post" action="{{.Action}}">
{{template "hidden" .}}
{{if .Scopes}}<fieldset>
<legend>Permissions</legend>
{{range .Scopes}}<div><input type="checkbox" id="scope-{{.Name}}" name="grant" value="{{.Name}}" checked> <label for="scope-{{.Name}}"><strong>{{.Name}}</strong>: {{.Description}}</label></div>
{{end}}</fieldset>{{end}}
{{if .Unknown}}<p class="note">Not supported here, so not granted: {{range $i, $s := .Unknown}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}.</p>{{end}}
<p class="note">Client: <code>{{.ClientID}}</code><br>You will be sent back to <code>{{.RedirectURI}}</code>.</p>
<button type="submit" name="action" value="approve">Allow</button>
<button type="submit" name="action" value="deny" class="secondary">Deny</button>
</form>
{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<p role="alert">{{.Error}}</p>
{{template "foot" .}}{{end}}
`

type pages struct{ t *template.Template }

func newPages() (*pages, error) {
	t, err := template.New("pages").Parse(pagesHTML)
	if err != nil {
		return nil, fmt.Errorf("parse pages: %w", err)
	}
	return &pages{t: t}, nil
}

type hiddenField struct{ Name, Value string }

// pageData is what every page template reads.
type pageData struct {
	Lang, Site, Title string
	Me                string
	Client, ClientID  string
	Logo              string // a checked http(s) URL, or ""
	RedirectURI       string
	Action            string
	Hidden            []hiddenField
	CSRF              string
	Error             string
	Scopes            []ScopeInfo
	Unknown           []string
}

func (s *Server) basePage(title string) pageData {
	lang := s.cfg.Language
	if lang == "" {
		lang = "en"
	}
	return pageData{Lang: lang, Site: s.cfg.Title, Title: title, Me: s.me()}
}

// requestPage fills the parts of a form page that carry the request.
func (s *Server) requestPage(title string, req *authRequest, nonce string) pageData {
	d := s.basePage(title)
	d.Client = req.client.Host
	if ci := req.info; ci != nil {
		if ci.Name != "" {
			d.Client = ci.Name
		}
		d.Logo = httpURL(nil, ci.Logo)
	}
	d.ClientID = req.get("client_id")
	d.RedirectURI = req.get("redirect_uri")
	d.Action = s.url(PathAuth)
	d.CSRF = s.sign("csrf", nonce)
	for _, k := range authParams {
		if req.values.Has(k) {
			d.Hidden = append(d.Hidden, hiddenField{k, req.get(k)})
		}
	}
	return d
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, req *authRequest, nonce, problem string) {
	if s.cfg.Auth.PasswordHash == "" {
		s.renderNoPassword(w)
		return
	}
	d := s.requestPage("Sign in", req, nonce)
	d.Error = problem
	s.render(w, status, "login", d)
}

func (s *Server) renderConsent(w http.ResponseWriter, req *authRequest, nonce string) {
	d := s.requestPage("", req, nonce)
	d.Title = "Allow " + d.Client + "?"
	for _, sc := range Scopes {
		if slices.Contains(req.scopes, sc.Name) {
			d.Scopes = append(d.Scopes, sc)
		}
	}
	d.Unknown = req.unknown
	s.render(w, http.StatusOK, "consent", d)
}

func (s *Server) renderError(w http.ResponseWriter, status int, title, msg string) {
	d := s.basePage(title)
	d.Error = msg
	s.render(w, status, "error", d)
}

func (s *Server) renderNoPassword(w http.ResponseWriter) {
	s.renderError(w, http.StatusServiceUnavailable, "Sign-in is not set up",
		"No owner password is set. Run `inkstone passwd` on the server, then try again.")
}

func (s *Server) renderTooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(wait.Round(time.Second).Seconds())
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	when := "in a few seconds"
	if wait >= time.Minute {
		when = fmt.Sprintf("in %d minutes", int((wait+time.Minute-1)/time.Minute))
	}
	s.renderError(w, http.StatusTooManyRequests, "Too many sign-in attempts",
		"There were too many failed sign-in attempts. For safety, sign-in is paused: try again "+when+".")
}

// render writes a page with headers that keep it out of caches and
// frames and allow no scripts.
func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&buf, name, d); err != nil {
		s.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No form-action: browsers apply it to the redirect after a form
	// post, which goes to the client's site.
	// Images for a client's logo only: http(s), never data: or scripts.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error means the client went away: nothing to do
}
