package micropub

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"testing"
	"time"

	"inkstone/generator/content"
)

// The fuzz targets parse a request body as the handler does and check
// that nothing panics, every error is an *Error a client can act on, and
// an accepted create is lossless: the post gives back the properties sent
// for it, also after a trip through its front matter file.
//
// Seeds live in testdata/fuzz/<target>/.

var fuzzTargets = []Target{{UID: "https://fed.brid.gy/", Name: "Fediverse"}}

func FuzzParseForm(f *testing.F) {
	f.Fuzz(func(t *testing.T, body string) {
		vals, err := url.ParseQuery(body)
		if err != nil {
			return // the handler answers 400 before parsing
		}
		req, err := parseForm(vals)
		errorKind(t, "parseForm", err)
		if err == nil {
			checkRequest(t, req)
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseJSON(body)
		errorKind(t, "parseJSON", err)
		if err == nil {
			checkRequest(t, req)
		}
	})
}

func FuzzParseMultipart(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" {
			return
		}
		form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(1 << 16)
		if err != nil {
			errorKind(t, "bodyError", bodyError(err, "multipart", 1<<20))
			return
		}
		defer func() {
			if err := form.RemoveAll(); err != nil {
				t.Error(err)
			}
		}()
		req, err := parseMultipart(form)
		errorKind(t, "parseMultipart", err)
		if err == nil {
			checkRequest(t, req)
		}
	})
}

// checkRequest runs the checks the handler makes, then the create or the
// update.
func checkRequest(t *testing.T, req *request) {
	t.Helper()
	err := req.check(fuzzTargets)
	errorKind(t, "check", err)
	if err != nil {
		return
	}
	switch req.action {
	case actionCreate:
		urls := make([]string, len(req.files))
		for i := range urls {
			urls[i] = "/media/f.jpg"
		}
		p, err := req.post(urls)
		errorKind(t, "post", err)
		if err == nil {
			checkLossless(t, req, p)
		}
	case actionUpdate:
		p := &content.Post{Date: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Title: "T", Body: "b", Tags: []string{"a"},
			Photo: []content.Media{{URL: "/a.jpg", Alt: "A"}}, Properties: map[string]any{"rsvp": []any{"yes"}}}
		before := mustJSON(PropertiesOf(p))
		err := req.update.Apply(p)
		errorKind(t, "Apply", err)
		if err != nil && mustJSON(PropertiesOf(p)) != before {
			t.Errorf("a failed Apply changed the post")
		}
	}
}

// checkLossless checks that the properties of the post made for a create
// are those sent (mp-photo-alt aside: it moves into photo), and that they
// survive the post's front matter file.
func checkLossless(t *testing.T, req *request, p *content.Post) {
	t.Helper()
	got := PropertiesOf(p)
	if len(req.files) == 0 {
		if _, alt := req.props["mp-photo-alt"]; !alt {
			want := Properties{}
			for k, v := range req.props {
				if len(v) > 0 {
					want[k] = v
				}
			}
			if !sameJSON(got, want) {
				t.Fatalf("properties changed:\n got %s\nwant %s", mustJSON(got), mustJSON(want))
			}
		}
	}
	again, err := got.Post()
	if err != nil {
		t.Fatalf("PropertiesOf gave properties Post refuses: %v", err)
	}
	if !sameJSON(PropertiesOf(again), got) {
		t.Fatalf("Post(PropertiesOf(p)) differs:\n got %s\nwant %s", mustJSON(PropertiesOf(again)), mustJSON(got))
	}
	data, err := content.Marshal(p)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := content.Parse("post.md", data)
	if err != nil {
		t.Fatalf("Parse(Marshal(p)): %v\n%s", err, data)
	}
	if !sameJSON(PropertiesOf(back), got) {
		t.Fatalf("the file changed the properties:\n got %s\nwant %s\n%s", mustJSON(PropertiesOf(back)), mustJSON(got), data)
	}
}
