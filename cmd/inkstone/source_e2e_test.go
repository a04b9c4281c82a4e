package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDaemonSourceList: q=source without url lists the posts made over
// Micropub, newest first, drafts included and deleted posts left out,
// each with the permalink its create answered.
func TestDaemonSourceList(t *testing.T) {
	d := startDaemon(t)
	create := func(content, published string, extra url.Values) string {
		t.Helper()
		form := url.Values{"h": {"entry"}, "content": {content}, "published": {published}}
		for k, v := range extra {
			form[k] = v
		}
		resp, body := d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), d.token)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %q: %d %v", content, resp.StatusCode, body)
		}
		return resp.Header.Get("Location")
	}
	first := create("First of three", "2025-03-01T10:00:00Z", nil)
	draft := create("A draft in between", "2025-03-02T10:00:00Z", url.Values{"post-status": {"draft"}})
	gone := create("Soon deleted", "2025-03-03T10:00:00Z", nil)
	last := create("Newest of all", "2025-03-04T10:00:00Z", nil)
	resp, _ := d.do(t, "POST", "/micropub", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"action": {"delete"}, "url": {gone}}.Encode()), d.token)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}

	list := func(query string) []map[string]any {
		t.Helper()
		resp, body := d.do(t, "GET", "/micropub?"+query, "", nil, d.token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", query, resp.StatusCode, body)
		}
		raw, ok := body["items"].([]any)
		if !ok {
			t.Fatalf("GET %s: no items in %v", query, body)
		}
		var items []map[string]any
		for _, it := range raw {
			m, _ := it.(map[string]any)
			props, _ := m["properties"].(map[string]any)
			items = append(items, props)
		}
		return items
	}
	// The fresh site's example posts are older than these.
	items := list("q=source&limit=3")
	var got []string
	for _, p := range items {
		got = append(got, fmt.Sprint(p["url"]))
	}
	want := []string{"[" + last + "]", "[" + draft + "]", "[" + first + "]"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("urls = %v, want %v", got, want)
	}
	if len(items) == 3 && fmt.Sprint(items[1]["post-status"]) != "[draft]" {
		t.Errorf("draft listed without post-status: %v", items[1])
	}
	items = list("q=source&limit=1&offset=1&properties[]=content")
	if len(items) != 1 || fmt.Sprint(items[0]["content"]) != "[A draft in between]" || items[0]["url"] != nil {
		t.Errorf("limit=1 offset=1 properties[]=content: %v", items)
	}
	resp, body := d.do(t, "GET", "/micropub?q=source&limit=1000", "", nil, d.token)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(fmt.Sprint(body["error_description"]), "from 1 to 100") {
		t.Errorf("limit=1000: %d %v", resp.StatusCode, body)
	}
}
