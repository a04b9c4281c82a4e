package micropub

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"inkstone/generator/content"
)

// TestCreate covers the micropub.rocks creation tests (100, 200 and 300
// series) and every property mapping: the post handed to Posts.Create,
// and q=source on the stored post afterwards.
func TestCreate(t *testing.T) {
	const sunset = "https://micropub.rocks/media/sunset.jpg"
	cases := []struct {
		name string
		req  func(t *testing.T) req
		want content.Post
		// source is the q=source answer's properties.
		source string
		// media are the files stored, URL → bytes.
		media map[string]string
	}{{
		name:   "100 h-entry form",
		req:    func(*testing.T) req { return form("h=entry&content=Hello+World") },
		want:   content.Post{Date: clock(), Body: "Hello World"},
		source: `{"content": ["Hello World"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "101 form with array category",
		req:    func(*testing.T) req { return form("h=entry&content=Hello&category[]=foo&category[]=bar") },
		want:   content.Post{Date: clock(), Body: "Hello", Tags: []string{"foo", "bar"}},
		source: `{"content": ["Hello"], "category": ["foo", "bar"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "102 form with one category, no h",
		req:    func(*testing.T) req { return form("content=Hello&category=foo") },
		want:   content.Post{Date: clock(), Body: "Hello", Tags: []string{"foo"}},
		source: `{"content": ["Hello"], "category": ["foo"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name:   "104 form with photo URL",
		req:    func(*testing.T) req { return form("h=entry&content=Nice+sunset&photo=" + urlQuery(sunset)) },
		want:   content.Post{Date: clock(), Body: "Nice sunset", Photo: []content.Media{{URL: sunset}}},
		source: `{"content": ["Nice sunset"], "photo": ["` + sunset + `"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "105 form photos with mp-photo-alt",
		req: func(*testing.T) req {
			return form("h=entry&photo[]=/media/a.jpg&photo[]=/media/b.jpg&mp-photo-alt[]=A+cat&mp-photo-alt[]=")
		},
		want:   content.Post{Date: clock(), Photo: []content.Media{{URL: "/media/a.jpg", Alt: "A cat"}, {URL: "/media/b.jpg"}}},
		source: `{"photo": [{"value": "/media/a.jpg", "alt": "A cat"}, "/media/b.jpg"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "106 form with every property and a token in the body",
		req: func(*testing.T) req {
			r := form("h=entry&access_token=good&name=Trip&content=Went+north&summary=North&published=2024-06-01T08:00:00%2B02:00" +
				"&updated=2024-06-02T08:00:00Z&in-reply-to=https://a.example/1&like-of=https://b.example/2&repost-of=https://c.example/3" +
				"&bookmark-of=https://d.example/4&video=/media/v.mp4&audio=/media/a.mp3&syndication[]=https://e.example/5" +
				"&location=geo:59.33,18.07&mp-slug=north-trip&post-status=draft&visibility=unlisted" +
				"&mp-syndicate-to=https://fed.brid.gy/&rsvp=yes")
			r.token = ""
			return r
		},
		want: content.Post{
			Title: "Trip", Body: "Went north", Summary: "North",
			Date:      time.Date(2024, 6, 1, 8, 0, 0, 0, time.FixedZone("", 2*3600)),
			Updated:   time.Date(2024, 6, 2, 8, 0, 0, 0, time.UTC),
			InReplyTo: "https://a.example/1", LikeOf: "https://b.example/2", RepostOf: "https://c.example/3", BookmarkOf: "https://d.example/4",
			Video: []content.Media{{URL: "/media/v.mp4"}}, Audio: []content.Media{{URL: "/media/a.mp3"}},
			Syndication: []string{"https://e.example/5"}, Location: "geo:59.33,18.07", Slug: "north-trip",
			Draft: true, Visibility: content.Unlisted,
			Properties: map[string]any{"mp-syndicate-to": []any{"https://fed.brid.gy/"}, "rsvp": []any{"yes"}},
		},
		source: `{"name": ["Trip"], "content": ["Went north"], "summary": ["North"], "published": ["2024-06-01T08:00:00+02:00"],
			"updated": ["2024-06-02T08:00:00Z"], "in-reply-to": ["https://a.example/1"], "like-of": ["https://b.example/2"],
			"repost-of": ["https://c.example/3"], "bookmark-of": ["https://d.example/4"], "video": ["/media/v.mp4"],
			"audio": ["/media/a.mp3"], "syndication": ["https://e.example/5"], "location": ["geo:59.33,18.07"],
			"mp-slug": ["north-trip"], "post-status": ["draft"], "visibility": ["unlisted"],
			"mp-syndicate-to": ["https://fed.brid.gy/"], "rsvp": ["yes"]}`,
	}, {
		name:   "107 form drops empty fields",
		req:    func(*testing.T) req { return form("h=entry&content=Hi&name=&in-reply-to=&category[]=") },
		want:   content.Post{Date: clock(), Body: "Hi"},
		source: `{"content": ["Hi"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "200 h-entry JSON",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": ["Hello World"]}}`)
		},
		want:   content.Post{Date: clock(), Body: "Hello World"},
		source: `{"content": ["Hello World"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "201 JSON with categories",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": ["Hello"], "category": ["foo", "bar"]}}`)
		},
		want:   content.Post{Date: clock(), Body: "Hello", Tags: []string{"foo", "bar"}},
		source: `{"content": ["Hello"], "category": ["foo", "bar"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "202 JSON with HTML content",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": [{"html": "<p>Hello <b>World</b></p>"}]}}`)
		},
		want:   content.Post{Date: clock(), Body: "<p>Hello <b>World</b></p>", ContentType: "html"},
		source: `{"content": [{"html": "<p>Hello <b>World</b></p>"}], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "203 JSON with photo",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": ["Sunset"], "photo": ["` + sunset + `"]}}`)
		},
		want:   content.Post{Date: clock(), Body: "Sunset", Photo: []content.Media{{URL: sunset}}},
		source: `{"content": ["Sunset"], "photo": ["` + sunset + `"], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "204 JSON with a nested object",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"published": ["2017-05-31T12:03:36-07:00"], "content": ["Lunch meeting"],
				"checkin": [{"type": ["h-card"], "properties": {"name": ["Los Gorditos"], "url": ["https://foursquare.com/v/502c4bbde4b06e61e06d1ebf"],
				"latitude": [45.524330801154], "longitude": [-122.68068808051], "street-address": ["922 NW Everett St"],
				"locality": ["Portland"], "region": ["OR"], "country-name": ["United States"], "postal-code": ["97209"]}}]}}`)
		},
		want: content.Post{Date: time.Date(2017, 5, 31, 12, 3, 36, 0, time.FixedZone("", -7*3600)), Body: "Lunch meeting",
			Properties: map[string]any{"checkin": []any{map[string]any{"type": []any{"h-card"}, "properties": map[string]any{
				"name": []any{"Los Gorditos"}, "url": []any{"https://foursquare.com/v/502c4bbde4b06e61e06d1ebf"},
				"latitude": []any{45.524330801154}, "longitude": []any{-122.68068808051}, "street-address": []any{"922 NW Everett St"},
				"locality": []any{"Portland"}, "region": []any{"OR"}, "country-name": []any{"United States"}, "postal-code": []any{"97209"}}}}}},
		source: `{"published": ["2017-05-31T12:03:36-07:00"], "content": ["Lunch meeting"],
			"checkin": [{"type": ["h-card"], "properties": {"name": ["Los Gorditos"], "url": ["https://foursquare.com/v/502c4bbde4b06e61e06d1ebf"],
			"latitude": [45.524330801154], "longitude": [-122.68068808051], "street-address": ["922 NW Everett St"],
			"locality": ["Portland"], "region": ["OR"], "country-name": ["United States"], "postal-code": ["97209"]}}]}`,
	}, {
		name: "205 JSON photo with alt",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": ["Sunset"], "photo": [{"value": "` + sunset + `", "alt": "Photo of a sunset"}]}}`)
		},
		want:   content.Post{Date: clock(), Body: "Sunset", Photo: []content.Media{{URL: sunset, Alt: "Photo of a sunset"}}},
		source: `{"content": ["Sunset"], "photo": [{"value": "` + sunset + `", "alt": "Photo of a sunset"}], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "206 JSON rich post is returned as sent",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {
				"name": ["Ünïcode title"],
				"content": [{"html": "<p>Hi</p>", "value": "Hi"}],
				"published": ["2024-05-01T09:30:00.000Z"],
				"in-reply-to": [{"type": ["h-cite"], "properties": {"url": ["https://a.example/post"], "name": ["A post"]}}, "https://b.example/other"],
				"location": [{"type": ["h-geo"], "properties": {"latitude": [59.33], "longitude": [18.07]}}],
				"category": ["go", {"type": ["h-card"], "properties": {"name": ["Ann"], "url": ["https://ann.example/"]}}],
				"post-status": ["published"],
				"visibility": ["Private"],
				"syndication": ["https://e.example/5"],
				"mp-slug": ["rich"],
				"rating": [4.5, 3, true, null],
				"mp-channel": ["notes"]}}`)
		},
		want: content.Post{
			Title: "Ünïcode title", Body: "<p>Hi</p>", ContentType: "html",
			Date:      time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC),
			InReplyTo: "https://a.example/post", Location: "geo:59.33,18.07", Tags: []string{"go"},
			Visibility: content.Private, Syndication: []string{"https://e.example/5"}, Slug: "rich",
			Properties: map[string]any{
				"content":     []any{map[string]any{"html": "<p>Hi</p>", "value": "Hi"}},
				"published":   []any{"2024-05-01T09:30:00.000Z"},
				"in-reply-to": []any{map[string]any{"type": []any{"h-cite"}, "properties": map[string]any{"url": []any{"https://a.example/post"}, "name": []any{"A post"}}}, "https://b.example/other"},
				"location":    []any{map[string]any{"type": []any{"h-geo"}, "properties": map[string]any{"latitude": []any{59.33}, "longitude": []any{18.07}}}},
				"category":    []any{"go", map[string]any{"type": []any{"h-card"}, "properties": map[string]any{"name": []any{"Ann"}, "url": []any{"https://ann.example/"}}}},
				"post-status": []any{"published"},
				"visibility":  []any{"Private"},
				"rating":      []any{4.5, 3.0, true, nil},
				"mp-channel":  []any{"notes"},
			},
		},
		source: `{"name": ["Ünïcode title"], "content": [{"html": "<p>Hi</p>", "value": "Hi"}], "published": ["2024-05-01T09:30:00.000Z"],
			"in-reply-to": [{"type": ["h-cite"], "properties": {"url": ["https://a.example/post"], "name": ["A post"]}}, "https://b.example/other"],
			"location": [{"type": ["h-geo"], "properties": {"latitude": [59.33], "longitude": [18.07]}}],
			"category": ["go", {"type": ["h-card"], "properties": {"name": ["Ann"], "url": ["https://ann.example/"]}}],
			"post-status": ["published"], "visibility": ["Private"], "syndication": ["https://e.example/5"], "mp-slug": ["rich"],
			"rating": [4.5, 3, true, null], "mp-channel": ["notes"]}`,
	}, {
		name: "207 JSON content as value",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": [{"value": "plain *text*"}]}}`)
		},
		want:   content.Post{Date: clock(), Body: "plain *text*", Properties: map[string]any{"content": []any{map[string]any{"value": "plain *text*"}}}},
		source: `{"content": [{"value": "plain *text*"}], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "208 JSON location as an h-card and an h-adr",
		req: func(*testing.T) req {
			return jsonReq(`{"type": ["h-entry"], "properties": {"content": ["Here"], "location": [{"type": ["h-adr"], "properties": {"locality": ["Malmö"], "country-name": ["Sweden"]}}]}}`)
		},
		want: content.Post{Date: clock(), Body: "Here", Location: "Malmö, Sweden",
			Properties: map[string]any{"location": []any{map[string]any{"type": []any{"h-adr"}, "properties": map[string]any{"locality": []any{"Malmö"}, "country-name": []any{"Sweden"}}}}}},
		source: `{"content": ["Here"], "location": [{"type": ["h-adr"], "properties": {"locality": ["Malmö"], "country-name": ["Sweden"]}}], "published": ["2025-05-01T09:30:00Z"]}`,
	}, {
		name: "300 multipart with a photo",
		req: func(t *testing.T) req {
			return multipartReq(t, part{name: "h", value: "entry"}, part{name: "content", value: "Nice sunset"},
				part{name: "photo", value: "JPEG BYTES", file: "sunset.jpg"})
		},
		want:   content.Post{Date: clock(), Body: "Nice sunset", Photo: []content.Media{{URL: site + "/media/sunset.jpg"}}},
		source: `{"content": ["Nice sunset"], "photo": ["` + site + `/media/sunset.jpg"], "published": ["2025-05-01T09:30:00Z"]}`,
		media:  map[string]string{site + "/media/sunset.jpg": "JPEG BYTES"},
	}, {
		name: "301 multipart with several photos and a URL",
		req: func(t *testing.T) req {
			return multipartReq(t, part{name: "h", value: "entry"}, part{name: "content", value: "Two"},
				part{name: "photo[]", value: sunset},
				part{name: "photo[]", value: "ONE", file: "one.jpg"}, part{name: "photo[]", value: "TWO", file: "two.jpg"},
				part{name: "mp-photo-alt[]", value: "Sunset"}, part{name: "mp-photo-alt[]", value: "First"})
		},
		want: content.Post{Date: clock(), Body: "Two", Photo: []content.Media{{URL: sunset, Alt: "Sunset"},
			{URL: site + "/media/one.jpg", Alt: "First"}, {URL: site + "/media/two.jpg"}}},
		source: `{"content": ["Two"], "photo": [{"value": "` + sunset + `", "alt": "Sunset"}, {"value": "` + site + `/media/one.jpg", "alt": "First"}, "` + site + `/media/two.jpg"],
			"published": ["2025-05-01T09:30:00Z"]}`,
		media: map[string]string{site + "/media/one.jpg": "ONE", site + "/media/two.jpg": "TWO"},
	}, {
		name: "302 multipart with video and audio, token in the body",
		req: func(t *testing.T) req {
			r := multipartReq(t, part{name: "access_token", value: "good"}, part{name: "content", value: "Listen"},
				part{name: "video", value: "MP4", file: "clip.mp4"}, part{name: "audio", value: "MP3", file: "song.mp3"})
			r.token = ""
			return r
		},
		want: content.Post{Date: clock(), Body: "Listen", Video: []content.Media{{URL: site + "/media/clip.mp4"}},
			Audio: []content.Media{{URL: site + "/media/song.mp3"}}},
		source: `{"content": ["Listen"], "video": ["` + site + `/media/clip.mp4"], "audio": ["` + site + `/media/song.mp3"], "published": ["2025-05-01T09:30:00Z"]}`,
		media:  map[string]string{site + "/media/clip.mp4": "MP4", site + "/media/song.mp3": "MP3"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			w := e.do(t, tc.req(t))
			if w.Code != http.StatusCreated {
				t.Fatalf("status = %d, want 201: %s", w.Code, w.Body)
			}
			if len(e.posts.created) != 1 {
				t.Fatalf("Create called %d times", len(e.posts.created))
			}
			got := e.posts.created[0]
			loc := w.Header().Get("Location")
			if want := e.posts.permalink(got); loc != want {
				t.Errorf("Location = %q, want %q", loc, want)
			}
			comparePost(t, got, &tc.want)
			jsonEqual(t, "q=source", e.source(t, loc), `{"type": ["h-entry"], "properties": `+tc.source+`}`)
			if tc.media != nil || len(e.media.files) > 0 {
				jsonEqual(t, "media", e.media.files, mustJSON(tc.media))
			}
		})
	}
}

// comparePost compares every field of a post, Properties as JSON.
func comparePost(t *testing.T, got, want *content.Post) {
	t.Helper()
	g, w := *got, *want
	if !sameJSON(g.Properties, w.Properties) {
		t.Errorf("Properties:\n got %s\nwant %s", mustJSON(g.Properties), mustJSON(w.Properties))
	}
	if !g.Date.Equal(w.Date) || g.Date.Format(time.RFC3339Nano) != w.Date.Format(time.RFC3339Nano) {
		t.Errorf("Date = %v, want %v", g.Date, w.Date)
	}
	if !g.Updated.Equal(w.Updated) {
		t.Errorf("Updated = %v, want %v", g.Updated, w.Updated)
	}
	g.Properties, w.Properties = nil, nil
	g.Date, w.Date = time.Time{}, time.Time{}
	g.Updated, w.Updated = time.Time{}, time.Time{}
	if !sameJSON(g, w) || g.Body != w.Body || g.ContentType != w.ContentType {
		t.Errorf("post:\n got %+v\nwant %+v", g, w)
	}
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// TestCreateErrors covers each way a create is refused, with its status,
// code and a description that says what to fix.
func TestCreateErrors(t *testing.T) {
	big := strings.Repeat("x", 5000)
	cases := []struct {
		name   string
		req    func(t *testing.T) req
		setup  func(e *env)
		status int
		code   string
		desc   string
	}{
		{name: "800 no token", req: func(*testing.T) req { r := form("h=entry&content=x"); r.token = ""; return r },
			status: 401, code: "unauthorized", desc: "no access token"},
		{name: "bad token", req: func(*testing.T) req { r := form("h=entry&content=x"); r.token = "bad"; return r },
			status: 401, code: "unauthorized", desc: "not valid"},
		{name: "801 insufficient scope", req: func(*testing.T) req { return form("h=entry&content=x") },
			setup: func(e *env) { e.auth.scopes = []string{"update"} }, status: 403, code: "insufficient_scope", desc: "create"},
		{name: "unsupported media type", req: func(*testing.T) req { r := form("content=x"); r.ctype = "text/plain"; return r },
			status: 415, code: "unsupported_media_type", desc: "application/json"},
		{name: "no content type", req: func(*testing.T) req { r := form("content=x"); r.ctype = ""; return r },
			status: 415, code: "unsupported_media_type", desc: "Content-Type is missing"},
		{name: "form too large", req: func(*testing.T) req { return form("content=" + big) },
			status: 413, code: "invalid_request", desc: "4096 bytes"},
		{name: "JSON too large", req: func(*testing.T) req { return jsonReq(`{"properties": {"content": ["` + big + `"]}}`) },
			status: 413, code: "invalid_request", desc: "4096 bytes"},
		{name: "multipart too large", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "content", value: strings.Repeat(big, 2)})
		}, status: 413, code: "invalid_request", desc: "bytes"},
		{name: "multipart with a bad token is refused before it is read", req: func(t *testing.T) req {
			r := multipartReq(t, part{name: "photo", value: strings.Repeat(big, 2), file: "big.jpg"})
			r.token = "bad"
			return r
		}, status: 401, code: "unauthorized", desc: "not valid"},
		{name: "multipart file too large", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "photo", value: "small", file: "small.jpg"},
				part{name: "photo", value: strings.Repeat("x", 3000), file: "big.jpg"})
		}, status: 413, code: "invalid_request", desc: `photo file "big.jpg" is larger than the 2048 bytes`},
		{name: "h-event form", req: func(*testing.T) req { return form("h=event&name=Party") },
			status: 400, code: "invalid_request", desc: "h-event is not supported"},
		{name: "h-event JSON", req: func(*testing.T) req { return jsonReq(`{"type": ["h-event"], "properties": {"name": ["Party"]}}`) },
			status: 400, code: "invalid_request", desc: "h-event is not supported"},
		{name: "JSON not an object", req: func(*testing.T) req { return jsonReq(`["h-entry"]`) },
			status: 400, code: "invalid_request", desc: "not a JSON object"},
		{name: "JSON syntax", req: func(*testing.T) req { return jsonReq(`{"type": `) },
			status: 400, code: "invalid_request", desc: "not a JSON object"},
		{name: "JSON trailing data", req: func(*testing.T) req { return jsonReq(`{"properties": {}} {}`) },
			status: 400, code: "invalid_request", desc: "more after"},
		{name: "JSON null", req: func(*testing.T) req { return jsonReq(`null`) },
			status: 400, code: "invalid_request", desc: "not null"},
		{name: "JSON without properties", req: func(*testing.T) req { return jsonReq(`{"type": ["h-entry"]}`) },
			status: 400, code: "invalid_request", desc: "properties is missing"},
		{name: "JSON property not a list", req: func(*testing.T) req { return jsonReq(`{"type": ["h-entry"], "properties": {"content": "hi"}}`) },
			status: 400, code: "invalid_request", desc: `properties.content must be a list of values, e.g. ["hi"]`},
		{name: "JSON unknown key", req: func(*testing.T) req { return jsonReq(`{"type": ["h-entry"], "props": {}}`) },
			status: 400, code: "invalid_request", desc: `unknown key "props"`},
		{name: "JSON type not a list", req: func(*testing.T) req { return jsonReq(`{"type": "h-entry", "properties": {}}`) },
			status: 400, code: "invalid_request", desc: "type must be a list of text"},
		{name: "JSON replace without action", req: func(*testing.T) req { return jsonReq(`{"replace": {"content": ["x"]}}`) },
			status: 400, code: "invalid_request", desc: `"action": "update"`},
		{name: "bad published", req: func(*testing.T) req { return form("content=x&published=yesterday") },
			status: 400, code: "invalid_request", desc: `published "yesterday" is not a date; use RFC 3339`},
		{name: "bad content object", req: func(*testing.T) req { return jsonReq(`{"properties": {"content": [{"markdown": "x"}]}}`) },
			status: 400, code: "invalid_request", desc: `content must be text, {"html"`},
		{name: "two contents", req: func(*testing.T) req { return form("content[]=a&content[]=b") },
			status: 400, code: "invalid_request", desc: "content takes one value, not 2"},
		{name: "two names", req: func(*testing.T) req { return form("content=x&name[]=a&name[]=b") },
			status: 400, code: "invalid_request", desc: "name takes one value"},
		{name: "name not text", req: func(*testing.T) req { return jsonReq(`{"properties": {"name": [{"a": 1}]}}`) },
			status: 400, code: "invalid_request", desc: "name must be text"},
		{name: "in-reply-to not a URL", req: func(*testing.T) req { return form("content=x&in-reply-to=yesterday") },
			status: 400, code: "invalid_request", desc: "in-reply-to must be an absolute http(s) URL"},
		{name: "like-of h-cite without url", req: func(*testing.T) req {
			return jsonReq(`{"properties": {"like-of": [{"type": ["h-cite"], "properties": {"name": ["x"]}}]}}`)
		}, status: 400, code: "invalid_request", desc: "like-of must be an absolute http(s) URL or an h-cite"},
		{name: "photo not a URL", req: func(*testing.T) req { return form("photo=not a url") },
			status: 400, code: "invalid_request", desc: "photo must be a URL"},
		{name: "photo alt not text", req: func(*testing.T) req {
			return jsonReq(`{"properties": {"photo": [{"value": "/media/x.jpg", "alt": 3}]}}`)
		}, status: 400, code: "invalid_request", desc: "photo alt must be text"},
		{name: "too many alts", req: func(*testing.T) req { return form("photo=/media/a.jpg&mp-photo-alt[]=a&mp-photo-alt[]=b") },
			status: 400, code: "invalid_request", desc: "mp-photo-alt has 2 values for 1 photos"},
		{name: "syndication not a URL", req: func(*testing.T) req { return form("content=x&syndication=twitter") },
			status: 400, code: "invalid_request", desc: "syndication must be absolute http(s) URLs"},
		{name: "two locations", req: func(*testing.T) req { return form("content=x&location[]=a&location[]=b") },
			status: 400, code: "invalid_request", desc: "location takes one value"},
		{name: "location a number", req: func(*testing.T) req { return jsonReq(`{"properties": {"location": [3]}}`) },
			status: 400, code: "invalid_request", desc: "location must be a geo: URI"},
		{name: "bad visibility", req: func(*testing.T) req { return form("content=x&visibility=friends") },
			status: 400, code: "invalid_request", desc: `visibility "friends" is not known; use public, unlisted or private`},
		{name: "bad post-status", req: func(*testing.T) req { return form("content=x&post-status=scheduled") },
			status: 400, code: "invalid_request", desc: `post-status "scheduled" is not known; use draft or published`},
		{name: "unknown syndication target", req: func(*testing.T) req { return form("content=x&mp-syndicate-to=https://twitter.com/") },
			status: 400, code: "invalid_request", desc: "use one of https://fed.brid.gy/, https://bsky.app/"},
		{name: "no syndication targets", req: func(*testing.T) req { return form("content=x&mp-syndicate-to=https://fed.brid.gy/") },
			setup: func(e *env) { e.h.Config.SyndicateTo = nil }, status: 400, code: "invalid_request", desc: "offers none"},
		{name: "unknown action", req: func(*testing.T) req { return form("action=publish&url=" + site + "/x/") },
			status: 400, code: "invalid_request", desc: `action "publish" is not known`},
		{name: "update as a form", req: func(*testing.T) req { return form("action=update&url=" + site + "/x/&content=y") },
			status: 400, code: "invalid_request", desc: "send updates as JSON"},
		{name: "nested form field", req: func(*testing.T) req { return form("content[html]=<p>x</p>") },
			status: 400, code: "invalid_request", desc: "nested form fields are not supported"},
		{name: "empty property name", req: func(*testing.T) req { return form("content=x&%5B%5D=y") },
			status: 400, code: "invalid_request", desc: "empty name"},
		{name: "h twice", req: func(*testing.T) req { return form("h=entry&h=entry&content=x") },
			status: 400, code: "invalid_request", desc: "h was sent 2 times"},
		{name: "invalid UTF-8", req: func(*testing.T) req { return form("content=%ff") },
			status: 400, code: "invalid_request", desc: "not valid UTF-8"},
		{name: "bad form encoding", req: func(*testing.T) req { return form("content=%zz") },
			status: 400, code: "invalid_request", desc: "form body cannot be read"},
		{name: "bad multipart", req: func(*testing.T) req {
			return req{ctype: "multipart/form-data; boundary=xyz", body: "--xyz\r\nbroken", token: "good"}
		}, status: 400, code: "invalid_request", desc: "multipart body cannot be read"},
		{name: "unknown file part", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "content", value: "x"}, part{name: "document", value: "PDF", file: "a.pdf"})
		}, status: 400, code: "invalid_request", desc: `file part "document" is not known`},
		{name: "files with an action", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "action", value: "delete"}, part{name: "url", value: site + "/x/"}, part{name: "photo", value: "x", file: "a.jpg"})
		}, status: 400, code: "invalid_request", desc: "file parts are only for creating posts"},
		{name: "no media store", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "photo", value: "x", file: "a.jpg"})
		}, setup: func(e *env) { e.h.Media = nil }, status: 400, code: "invalid_request", desc: "media endpoint"},
		{name: "media store refuses the file", req: func(t *testing.T) req {
			return multipartReq(t, part{name: "photo", value: "x", file: "a.exe"})
		}, setup: func(e *env) {
			e.media.err = &Error{Status: 415, Code: CodeUnsupportedMediaType, Description: "application/x-msdownload files are not accepted"}
		}, status: 415, code: "unsupported_media_type", desc: "not accepted"},
		{name: "write path refuses the post", req: func(*testing.T) req { return form("content=x") },
			setup: func(e *env) {
				e.posts.err = &content.ValidationError{Field: "content", Problem: "the post is empty", Hint: "send content"}
			}, status: 400, code: "invalid_request", desc: "content: the post is empty (send content)"},
		{name: "method not allowed", req: func(*testing.T) req { r := form("content=x"); r.method = http.MethodPut; return r },
			status: 405, code: "invalid_request", desc: "use GET with q= to query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			w := e.do(t, tc.req(t))
			wantError(t, w, tc.status, tc.code, tc.desc)
			if len(e.posts.created) > 0 {
				t.Errorf("a refused request created a post")
			}
			if e.log.Len() > 0 {
				t.Errorf("a client error was logged: %s", e.log)
			}
			if tc.status == 413 && len(e.media.names) > 0 {
				t.Errorf("files were stored for a refused request: %v", e.media.names)
			}
		})
	}
}

func TestAuthHeaders(t *testing.T) {
	e := newEnv(t)
	r := form("content=x")
	r.token = ""
	if got := e.do(t, r).Header().Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Errorf("401 WWW-Authenticate = %q", got)
	}
	e.auth.scopes = nil
	if got := e.do(t, form("content=x")).Header().Get("WWW-Authenticate"); got != `Bearer error="insufficient_scope"` {
		t.Errorf("403 WWW-Authenticate = %q", got)
	}
}

// TestDraftScope: a token with only the draft scope creates drafts,
// whatever post-status it sends; with create it may publish.
func TestDraftScope(t *testing.T) {
	cases := []struct {
		name      string
		scopes    []string
		req       req
		status    int
		wantDraft bool
	}{
		{"draft scope forces a draft", []string{"draft"}, form("content=x"), 201, true},
		{"draft scope overrides published", []string{"draft"}, jsonReq(`{"properties": {"content": ["x"], "post-status": ["published"]}}`), 201, true},
		{"draft scope may not delete", []string{"draft"}, form("action=delete&url=" + site + "/x/"), 403, false},
		{"create scope publishes", []string{"create"}, form("content=x"), 201, false},
		{"create scope may draft", []string{"create"}, form("content=x&post-status=draft"), 201, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.auth.scopes = tc.scopes
			w := e.do(t, tc.req)
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != 201 {
				return
			}
			p := e.posts.created[0]
			if p.Draft != tc.wantDraft {
				t.Errorf("Draft = %v, want %v", p.Draft, tc.wantDraft)
			}
			status := e.source(t, w.Header().Get("Location"))["properties"].(map[string]any)["post-status"]
			if tc.wantDraft && !sameJSON(status, []any{"draft"}) {
				t.Errorf("q=source post-status = %v, want [draft]", status)
			}
		})
	}
}

// TestServerError: an unexpected error is a 500 with a generic
// description, logged once, its text never shown to the client.
func TestServerError(t *testing.T) {
	e := newEnv(t)
	e.posts.err = errors.New("disk on fire at /srv/site/content")
	w := e.do(t, form("content=x"))
	wantError(t, w, 500, "server_error", "try again later")
	if strings.Contains(w.Body.String(), "disk") {
		t.Errorf("the cause was shown to the client: %s", w.Body)
	}
	if n := strings.Count(e.log.String(), "disk on fire"); n != 1 {
		t.Errorf("the cause was logged %d times, want once: %s", n, e.log)
	}
}
