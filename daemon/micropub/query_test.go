package micropub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"inkstone/generator/content"
)

// TestQuery covers the micropub.rocks query tests (600 series) and the
// other q= values.
func TestQuery(t *testing.T) {
	const rich = `{"name": ["Trip"], "content": [{"html": "<p>Went</p>"}], "category": ["go", "bike"], "published": ["2025-04-01T08:00:00.000Z"],
		"checkin": [{"type": ["h-card"], "properties": {"name": ["Café"]}}]}`
	cases := []struct {
		name  string
		query string // %URL% is the stored post's URL, query-escaped
		setup func(e *env)
		want  string // JSON body
	}{{
		name:  "600 config",
		query: "q=config",
		want: `{"media-endpoint": "https://example.com/micropub/media",
			"syndicate-to": [{"uid": "https://fed.brid.gy/", "name": "Fediverse"}, {"uid": "https://bsky.app/", "name": "Bluesky"}],
			"post-types": [{"type": "note", "name": "Note"}, {"type": "article", "name": "Article"}, {"type": "photo", "name": "Photo"}],
			"q": ["config", "source", "syndicate-to", "category", "post-types"]}`,
	}, {
		name:  "config of a bare server",
		query: "q=config",
		setup: func(e *env) { e.h.Config = Config{} },
		want:  `{"syndicate-to": [], "post-types": [], "q": ["config", "source", "syndicate-to", "category", "post-types"]}`,
	}, {
		name:  "601 syndicate-to",
		query: "q=syndicate-to",
		want:  `{"syndicate-to": [{"uid": "https://fed.brid.gy/", "name": "Fediverse"}, {"uid": "https://bsky.app/", "name": "Bluesky"}]}`,
	}, {
		name:  "post-types",
		query: "q=post-types",
		want:  `{"post-types": [{"type": "note", "name": "Note"}, {"type": "article", "name": "Article"}, {"type": "photo", "name": "Photo"}]}`,
	}, {
		name:  "602 source, all properties",
		query: "q=source&url=%URL%",
		want:  `{"type": ["h-entry"], "properties": ` + rich + `}`,
	}, {
		name:  "603 source, some properties",
		query: "q=source&url=%URL%&properties[]=content&properties[]=category&properties[]=summary",
		want:  `{"properties": {"content": [{"html": "<p>Went</p>"}], "category": ["go", "bike"]}}`,
	}, {
		name:  "source, one property without brackets",
		query: "q=source&url=%URL%&properties=checkin",
		want:  `{"properties": {"checkin": [{"type": ["h-card"], "properties": {"name": ["Café"]}}]}}`,
	}, {
		name:  "source, none of the properties asked for",
		query: "q=source&url=%URL%&properties[]=rsvp",
		want:  `{"properties": {}}`,
	}, {
		name:  "category, all",
		query: "q=category",
		want:  `{"categories": ["Go", "golang", "Cycling", "Lego", "bread"]}`,
	}, {
		name:  "category, filtered ignoring case, prefixes first",
		query: "q=category&filter=GO",
		want:  `{"categories": ["Go", "golang", "Lego"]}`,
	}, {
		name:  "category, none in use",
		query: "q=category",
		setup: func(e *env) { e.posts.cats = nil },
		want:  `{"categories": []}`,
	}, {
		name:  "any valid token may query",
		query: "q=syndicate-to",
		setup: func(e *env) { e.auth.scopes = nil },
		want:  `{"syndicate-to": [{"uid": "https://fed.brid.gy/", "name": "Fediverse"}, {"uid": "https://bsky.app/", "name": "Bluesky"}]}`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.posts.cats = []string{"Go", "golang", "Cycling", "Lego", "bread"}
			url := e.posts.put(t, rich)
			if tc.setup != nil {
				tc.setup(e)
			}
			w := e.do(t, get(replaceURL(tc.query, url)))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", w.Code, w.Body)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			var got any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, "body", got, tc.want)
		})
	}
}

func replaceURL(q, url string) string { return strings.ReplaceAll(q, "%URL%", urlQuery(url)) }

func TestQueryErrors(t *testing.T) {
	cases := []struct {
		name   string
		req    req
		setup  func(e *env)
		status int
		code   string
		desc   string
	}{
		{name: "no token", req: req{method: http.MethodGet, target: "/micropub?q=config"}, status: 401, code: "unauthorized", desc: "no access token"},
		{name: "no q", req: get(""), status: 400, code: "invalid_request", desc: "q is missing; ask for q=config, q=source"},
		{name: "unknown q", req: get("q=everything"), status: 400, code: "invalid_request", desc: `q="everything" is not supported`},
		{name: "source of no post", req: get("q=source&url=" + urlQuery(site+"/2020/01/none/")), status: 400, code: "invalid_request", desc: "no post at that URL"},
		{name: "source, url not a URL", req: get("q=source&url=x"), status: 400, code: "invalid_request", desc: "not the URL of a post"},
		{name: "source of an unreadable file", req: get("q=source&url=" + urlQuery(site+"/x/")),
			setup: func(e *env) {
				e.posts.err = &content.ParseError{File: "posts/x.md", Line: 3, Msg: "date is not a date", Hint: "use RFC 3339"}
			}, status: 400, code: "invalid_request", desc: "posts/x.md:3: date is not a date"},
		{name: "categories fail", req: get("q=category"), setup: func(e *env) { e.posts.err = errors.New("boom") },
			status: 500, code: "server_error", desc: "could not complete"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			wantError(t, e.do(t, tc.req), tc.status, tc.code, tc.desc)
		})
	}
}

func TestHead(t *testing.T) {
	e := newEnv(t)
	r := get("q=config")
	r.method = http.MethodHead
	if w := e.do(t, r); w.Code != http.StatusOK {
		t.Errorf("HEAD q=config: %d", w.Code)
	}
}

// TestSourceList covers q=source without url: recent posts, newest first.
func TestSourceList(t *testing.T) {
	cases := []struct {
		name  string
		query string
		call  string   // the Recent call the handler makes
		want  []string // expected items by content, newest first
		props []string // expected property names of each item
	}{
		{"defaults", "q=source", "recent 20 0", []string{"third", "second", "first"}, []string{"content", "published", "url"}},
		{"limit", "q=source&limit=2", "recent 2 0", []string{"third", "second"}, nil},
		{"limit and offset", "q=source&limit=2&offset=2", "recent 2 2", []string{"first"}, nil},
		{"offset past the end", "q=source&offset=10", "recent 20 10", []string{}, nil},
		{"largest limit", "q=source&limit=100", "recent 100 0", []string{"third", "second", "first"}, nil},
		{"some properties", "q=source&properties[]=content&properties[]=url", "recent 20 0", []string{"third", "second", "first"}, []string{"content", "url"}},
		{"property no post has", "q=source&properties[]=rsvp", "recent 20 0", nil, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			urls := map[string]string{}
			for i, c := range []string{"first", "second", "third", "deleted"} {
				urls[c] = e.posts.put(t, fmt.Sprintf(`{"content": [%q], "published": ["2025-04-0%dT08:00:00Z"]}`, c, i+1))
			}
			e.posts.deleted[urls["deleted"]] = true
			w := e.do(t, get(tc.query))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", w.Code, w.Body)
			}
			if got := e.posts.calls[len(e.posts.calls)-1]; got != tc.call {
				t.Errorf("call = %q, want %q", got, tc.call)
			}
			var body struct {
				Items []struct {
					Type       []string       `json:"type"`
					Properties map[string]any `json:"properties"`
				} `json:"items"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Items == nil {
				t.Fatalf("no items array in %s", w.Body)
			}
			if tc.want != nil {
				var got []string
				for _, it := range body.Items {
					c, _ := it.Properties["content"].([]any)
					u, _ := it.Properties["url"].([]any)
					if len(c) != 1 || len(u) != 1 {
						t.Fatalf("item %v lacks content or url", it.Properties)
					}
					got = append(got, c[0].(string))
					if u[0] != urls[c[0].(string)] {
						t.Errorf("url of %q = %v, want %s", c[0], u[0], urls[c[0].(string)])
					}
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("items = %v, want %v", got, tc.want)
				}
			}
			for _, it := range body.Items {
				if len(it.Type) != 1 || it.Type[0] != "h-entry" {
					t.Errorf("type = %v, want [h-entry]", it.Type)
				}
				if tc.props == nil {
					continue
				}
				var names []string
				for k := range it.Properties {
					names = append(names, k)
				}
				slices.Sort(names)
				if strings.Join(names, ",") != strings.Join(tc.props, ",") {
					t.Errorf("properties = %v, want %v", names, tc.props)
				}
			}
		})
	}
}

func TestSourceListErrors(t *testing.T) {
	cases := []struct {
		name, query string
		err         error
		status      int
		code, desc  string
	}{
		{"limit zero", "q=source&limit=0", nil, 400, "invalid_request", `limit="0" is not valid; send a whole number from 1 to 100`},
		{"limit too large", "q=source&limit=101", nil, 400, "invalid_request", "from 1 to 100"},
		{"limit not a number", "q=source&limit=ten", nil, 400, "invalid_request", `limit="ten" is not valid`},
		{"limit empty", "q=source&limit=", nil, 400, "invalid_request", "limit"},
		{"negative offset", "q=source&offset=-1", nil, 400, "invalid_request", `offset="-1" is not valid; send a whole number from 0`},
		{"offset not a number", "q=source&offset=1.5", nil, 400, "invalid_request", "offset"},
		{"empty url", "q=source&url=", nil, 400, "invalid_request", "url is missing"},
		{"listing fails", "q=source", errors.New("disk on fire"), 500, "server_error", "could not complete"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.posts.err = tc.err
			w := e.do(t, get(tc.query))
			wantError(t, w, tc.status, tc.code, tc.desc)
			if strings.Contains(w.Body.String(), "disk on fire") {
				t.Error("internal error echoed to the client")
			}
		})
	}
}
