package micropub

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"inkstone/generator/content"
)

const stored = `{"content": ["Hello"], "category": ["foo", "bar"], "published": ["2025-04-01T08:00:00Z"]}`

// TestUpdate covers the micropub.rocks update tests (400 series) through
// the handler: the request, the status and the post afterwards.
func TestUpdate(t *testing.T) {
	cases := []struct {
		name     string
		body     string // %URL% stands for the post's URL
		scopes   []string
		deleted  bool
		status   int
		location string // for 201
		source   string // the properties afterwards
		code     string // for errors
		desc     string
	}{{
		name:   "400 replace",
		body:   `{"action": "update", "url": "%URL%", "replace": {"content": ["hello moon"]}}`,
		status: 204,
		source: `{"content": ["hello moon"], "category": ["foo", "bar"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "401 add a value",
		body:   `{"action": "update", "url": "%URL%", "add": {"category": ["three"]}}`,
		status: 204,
		source: `{"content": ["Hello"], "category": ["foo", "bar", "three"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "402 add a new property",
		body:   `{"action": "update", "url": "%URL%", "add": {"syndication": ["http://web.archive.org/web/20170521/https://example.com/"]}}`,
		status: 204,
		source: `{"content": ["Hello"], "category": ["foo", "bar"], "syndication": ["http://web.archive.org/web/20170521/https://example.com/"],
			"published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "403 delete a value",
		body:   `{"action": "update", "url": "%URL%", "delete": {"category": ["foo"]}}`,
		status: 204,
		source: `{"content": ["Hello"], "category": ["bar"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "404 delete a property",
		body:   `{"action": "update", "url": "%URL%", "delete": ["category"]}`,
		status: 204,
		source: `{"content": ["Hello"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "405 update without the update scope",
		body:   `{"action": "update", "url": "%URL%", "replace": {"content": ["hacked"]}}`,
		scopes: []string{"create"},
		status: 403, code: "insufficient_scope", desc: "update",
		source: `{"content": ["Hello"], "category": ["foo", "bar"], "published": ["2025-04-01T08:00:00Z"]}`,
	}, {
		name:   "replace, add and delete at once",
		body:   `{"action": "update", "url": "%URL%", "replace": {"name": ["Title"]}, "add": {"category": ["baz"], "rsvp": ["yes"]}, "delete": {"category": ["bar"]}}`,
		status: 204,
		source: `{"name": ["Title"], "content": ["Hello"], "category": ["foo", "baz"], "rsvp": ["yes"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:     "a new slug moves the post: 201 with the new URL",
		body:     `{"action": "update", "url": "%URL%", "replace": {"mp-slug": ["grüße"]}}`,
		status:   201,
		location: site + "/2025/04/gr%C3%BC%C3%9Fe/",
		source:   `{"content": ["Hello"], "category": ["foo", "bar"], "mp-slug": ["grüße"], "published": ["2025-04-01T08:00:00Z"], "updated": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:    "deleted post",
		body:    `{"action": "update", "url": "%URL%", "replace": {"content": ["x"]}}`,
		deleted: true,
		status:  400, code: "invalid_request", desc: "deleted; undelete it first",
	}, {
		name:   "no such post",
		body:   `{"action": "update", "url": "` + site + `/2020/01/nothing/", "replace": {"content": ["x"]}}`,
		status: 400, code: "invalid_request", desc: "there is no post at that URL",
	}, {
		name:   "no url",
		body:   `{"action": "update", "replace": {"content": ["x"]}}`,
		status: 400, code: "invalid_request", desc: "url is missing",
	}, {
		name:   "url not a URL",
		body:   `{"action": "update", "url": "nothing here", "replace": {"content": ["x"]}}`,
		status: 400, code: "invalid_request", desc: "is not the URL of a post",
	}, {
		name:   "nothing to do",
		body:   `{"action": "update", "url": "%URL%"}`,
		status: 400, code: "invalid_request", desc: "changes nothing",
	}, {
		name:   "replace not an object",
		body:   `{"action": "update", "url": "%URL%", "replace": ["content"]}`,
		status: 400, code: "invalid_request", desc: "replace must be an object of property lists",
	}, {
		name:   "replace value not a list",
		body:   `{"action": "update", "url": "%URL%", "replace": {"content": "x"}}`,
		status: 400, code: "invalid_request", desc: "replace.content must be a list",
	}, {
		name:   "delete not a list or object",
		body:   `{"action": "update", "url": "%URL%", "delete": "category"}`,
		status: 400, code: "invalid_request", desc: `delete must be a list of property names, e.g. ["category"]`,
	}, {
		name:   "delete list of non-names",
		body:   `{"action": "update", "url": "%URL%", "delete": [1]}`,
		status: 400, code: "invalid_request", desc: "delete must list property names",
	}, {
		name:   "delete values not a list",
		body:   `{"action": "update", "url": "%URL%", "delete": {"category": "foo"}}`,
		status: 400, code: "invalid_request", desc: "delete.category must be a list of values to remove",
	}, {
		name:   "properties in an update",
		body:   `{"action": "update", "url": "%URL%", "properties": {"content": ["x"]}}`,
		status: 400, code: "invalid_request", desc: "properties is for creating posts",
	}, {
		name:   "bad replace value is refused before the post is loaded",
		body:   `{"action": "update", "url": "%URL%", "replace": {"published": ["soon"]}}`,
		status: 400, code: "invalid_request", desc: `replace: published "soon" is not a date`,
	}, {
		name:   "a second name is refused by Apply",
		body:   `{"action": "update", "url": "%URL%", "replace": {"name": ["One"]}, "add": {"name": ["Two"]}}`,
		status: 400, code: "invalid_request", desc: "add: name takes one value, not 2",
	}, {
		name:   "unknown syndication target",
		body:   `{"action": "update", "url": "%URL%", "add": {"mp-syndicate-to": ["https://twitter.com/"]}}`,
		status: 400, code: "invalid_request", desc: "mp-syndicate-to",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			url := e.posts.put(t, stored)
			if tc.scopes != nil {
				e.auth.scopes = tc.scopes
			}
			e.posts.deleted[url] = tc.deleted
			w := e.do(t, jsonReq(strings.ReplaceAll(tc.body, "%URL%", url)))
			if tc.code != "" {
				wantError(t, w, tc.status, tc.code, tc.desc)
			} else if w.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if got := w.Header().Get("Location"); got != tc.location {
				t.Errorf("Location = %q, want %q", got, tc.location)
			}
			if tc.source == "" {
				return
			}
			e.auth.scopes = allScopes
			at := url
			if tc.location != "" {
				at = tc.location
			}
			jsonEqual(t, "q=source", e.source(t, at)["properties"], tc.source)
		})
	}
}

func TestUpdateFormIsRefused(t *testing.T) {
	e := newEnv(t)
	url := e.posts.put(t, stored)
	w := e.do(t, form("action=update&url="+urlQuery(url)+"&replace[content]=x"))
	wantError(t, w, 400, "invalid_request", "send updates as JSON")
	if len(e.posts.calls) != 0 {
		t.Errorf("Posts was called: %v", e.posts.calls)
	}
}

// TestApply applies updates to posts directly, as the write path does
// under its lock.
func TestApply(t *testing.T) {
	date := time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		post   content.Post
		update Update
		want   content.Post
		source string // PropertiesOf afterwards, when set
		err    string
	}{{
		name:   "replace HTML content with text makes it Markdown",
		post:   content.Post{Date: date, Body: "<p>x</p>", ContentType: "html"},
		update: Update{Replace: map[string][]any{"content": {"*y*"}}},
		want:   content.Post{Date: date, Body: "*y*"},
	}, {
		name:   "replace text content with HTML",
		post:   content.Post{Date: date, Body: "x"},
		update: Update{Replace: map[string][]any{"content": {map[string]any{"html": "<b>y</b>"}}}},
		want:   content.Post{Date: date, Body: "<b>y</b>", ContentType: "html"},
	}, {
		name:   "replace keeps a Markdown body hand-written as content_type markdown",
		post:   content.Post{Date: date, Body: "x", ContentType: "markdown", Title: "T"},
		update: Update{Replace: map[string][]any{"name": {"U"}}},
		want:   content.Post{Date: date, Body: "x", ContentType: "markdown", Title: "U"},
	}, {
		name: "add a tag beside a person tag",
		post: content.Post{Date: date, Tags: []string{"go"},
			Properties: map[string]any{"category": []any{"go", map[string]any{"type": []any{"h-card"}}}}},
		update: Update{Add: map[string][]any{"category": {"rust"}}},
		want: content.Post{Date: date, Tags: []string{"go", "rust"},
			Properties: map[string]any{"category": []any{"go", map[string]any{"type": []any{"h-card"}}, "rust"}}},
	}, {
		name:   "delete a photo by its value with alt",
		post:   content.Post{Date: date, Photo: []content.Media{{URL: "/a.jpg", Alt: "A"}, {URL: "/b.jpg"}}},
		update: Update{Delete: map[string][]any{"photo": {map[string]any{"alt": "A", "value": "/a.jpg"}}}},
		want:   content.Post{Date: date, Photo: []content.Media{{URL: "/b.jpg"}}},
	}, {
		name:   "delete the last tag removes the property",
		post:   content.Post{Date: date, Tags: []string{"go"}},
		update: Update{Delete: map[string][]any{"category": {"go"}}},
		want:   content.Post{Date: date},
		source: `{"published": ["2025-04-01T08:00:00Z"]}`,
	}, {
		name:   "delete a value that is not there changes nothing",
		post:   content.Post{Date: date, Tags: []string{"go"}},
		update: Update{Delete: map[string][]any{"category": {"rust"}}},
		want:   content.Post{Date: date, Tags: []string{"go"}},
	}, {
		name:   "delete with a nil list removes the property",
		post:   content.Post{Date: date, Syndication: []string{"https://a.example/"}},
		update: Update{Delete: map[string][]any{"syndication": nil}},
		want:   content.Post{Date: date},
	}, {
		name:   "delete published clears the date (the write path refuses it)",
		post:   content.Post{Date: date, Body: "x"},
		update: Update{DeleteProps: []string{"published"}},
		want:   content.Post{Body: "x"},
	}, {
		name:   "delete an unknown property",
		post:   content.Post{Date: date, Properties: map[string]any{"rsvp": []any{"yes"}, "x": []any{"y"}}},
		update: Update{DeleteProps: []string{"rsvp"}},
		want:   content.Post{Date: date, Properties: map[string]any{"x": []any{"y"}}},
	}, {
		name:   "add to a hand-written single value",
		post:   content.Post{Date: date, Properties: map[string]any{"rating": 5}},
		update: Update{Add: map[string][]any{"rating": {4}}},
		want:   content.Post{Date: date, Properties: map[string]any{"rating": []any{5, 4}}},
	}, {
		name:   "replace an unknown property",
		post:   content.Post{Date: date, Properties: map[string]any{"rsvp": []any{"maybe"}}},
		update: Update{Replace: map[string][]any{"rsvp": {"yes"}}},
		want:   content.Post{Date: date, Properties: map[string]any{"rsvp": []any{"yes"}}},
	}, {
		name:   "post-status and visibility",
		post:   content.Post{Date: date, Body: "x"},
		update: Update{Replace: map[string][]any{"post-status": {"draft"}, "visibility": {"unlisted"}}},
		want:   content.Post{Date: date, Body: "x", Draft: true, Visibility: content.Unlisted},
	}, {
		name:   "delete post-status publishes",
		post:   content.Post{Date: date, Body: "x", Draft: true},
		update: Update{DeleteProps: []string{"post-status"}},
		want:   content.Post{Date: date, Body: "x"},
	}, {
		name:   "replace in-reply-to with an h-cite",
		post:   content.Post{Date: date, InReplyTo: "https://a.example/"},
		update: Update{Replace: map[string][]any{"in-reply-to": {map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{"url": []any{"https://b.example/"}}}}}},
		want: content.Post{Date: date, InReplyTo: "https://b.example/", Properties: map[string]any{
			"in-reply-to": []any{map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{"url": []any{"https://b.example/"}}}}}},
	}, {
		name:   "replace published with a new date",
		post:   content.Post{Date: date, Body: "x"},
		update: Update{Replace: map[string][]any{"published": {"2024-01-02T03:04:05+01:00"}}},
		want:   content.Post{Date: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), Body: "x"},
	}, {
		name:   "an error leaves the post as it was",
		post:   content.Post{Date: date, Title: "Keep", Body: "x"},
		update: Update{Replace: map[string][]any{"name": {"Changed"}, "visibility": {"everyone"}}},
		want:   content.Post{Date: date, Title: "Keep", Body: "x"},
		err:    `replace: visibility "everyone" is not known`,
	}, {
		name:   "a nested form name is refused",
		post:   content.Post{Date: date},
		update: Update{DeleteProps: []string{"content[html]"}},
		want:   content.Post{Date: date},
		err:    "delete: property \"content[html]\": nested form fields",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.post
			err := tc.update.Apply(&p)
			errorKind(t, "Apply", err)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("Apply: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("Apply error = %v, want %q", err, tc.err)
			}
			comparePost(t, &p, &tc.want)
			if tc.source != "" {
				jsonEqual(t, "properties", PropertiesOf(&p), tc.source)
			}
		})
	}
}

// TestStaleShadow: when the file is edited by hand, the edited field wins
// over the values a client sent for it.
func TestStaleShadow(t *testing.T) {
	props := Properties{
		"in-reply-to": {map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{"url": []any{"https://a.example/"}}}},
		"published":   {"2024-05-01T09:30:00.000Z"},
		"content":     {map[string]any{"html": "<p>a</p>", "value": "a"}},
	}
	p, err := props.Post()
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "as sent", PropertiesOf(p), mustJSON(props))
	p.InReplyTo = "https://b.example/"
	p.Date = p.Date.Add(time.Hour)
	p.Body = "<p>b</p>"
	jsonEqual(t, "after a hand edit", PropertiesOf(p), `{"in-reply-to": ["https://b.example/"], "published": ["2024-05-01T10:30:00Z"], "content": [{"html": "<p>b</p>"}]}`)
}

// TestDelete covers the micropub.rocks delete tests (500 series).
func TestDelete(t *testing.T) {
	cases := []struct {
		name        string
		req         func(url string) req
		scopes      []string
		deleted     bool // before
		status      int
		wantDeleted bool // after
		desc        string
	}{
		{name: "500 delete, form", req: func(u string) req { return form("action=delete&url=" + urlQuery(u)) }, status: 204, wantDeleted: true},
		{name: "501 delete, JSON", req: func(u string) req { return jsonReq(`{"action": "delete", "url": "` + u + `"}`) }, status: 204, wantDeleted: true},
		{name: "502 undelete, form", req: func(u string) req { return form("action=undelete&url=" + urlQuery(u)) }, deleted: true, status: 204},
		{name: "503 undelete, JSON", req: func(u string) req { return jsonReq(`{"action": "undelete", "url": "` + u + `"}`) }, deleted: true, status: 204},
		{name: "delete by a path from the root", req: func(u string) req {
			return jsonReq(`{"action": "delete", "url": "` + strings.TrimPrefix(u, site) + `"}`)
		}, status: 204, wantDeleted: true},
		{name: "delete needs the delete scope", req: func(u string) req { return form("action=delete&url=" + urlQuery(u)) },
			scopes: []string{"create", "update"}, status: 403, desc: "delete"},
		{name: "undelete needs the undelete scope", req: func(u string) req { return form("action=undelete&url=" + urlQuery(u)) },
			scopes: []string{"delete"}, deleted: true, status: 403, wantDeleted: true, desc: "undelete"},
		{name: "delete without url", req: func(string) req { return form("action=delete") }, status: 400, desc: "url is missing"},
		{name: "delete of no post", req: func(string) req { return form("action=delete&url=" + site + "/nothing/") },
			status: 400, desc: "there is no post at that URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			url := e.posts.put(t, stored)
			e.posts.deleted[url] = tc.deleted
			if tc.scopes != nil {
				e.auth.scopes = tc.scopes
			}
			w := e.do(t, tc.req(url))
			if tc.desc != "" {
				code := "invalid_request"
				if tc.status == 403 {
					code = "insufficient_scope"
				}
				wantError(t, w, tc.status, code, tc.desc)
			} else if w.Code != tc.status || w.Body.Len() != 0 {
				t.Fatalf("got %d %q, want %d and no body", w.Code, w.Body, tc.status)
			}
			if got := e.posts.deleted[url]; got != tc.wantDeleted {
				t.Errorf("deleted = %v, want %v", got, tc.wantDeleted)
			}
		})
	}
}

func TestUpdateStatusOnUnchangedURL(t *testing.T) {
	e := newEnv(t)
	url := e.posts.put(t, stored)
	// The same post named by its path only is not a move.
	w := e.do(t, jsonReq(`{"action": "update", "url": "`+strings.TrimPrefix(url, site)+`", "add": {"category": ["x"]}}`))
	if w.Code != http.StatusNoContent || w.Header().Get("Location") != "" {
		t.Errorf("got %d Location %q, want 204 and none", w.Code, w.Header().Get("Location"))
	}
}
