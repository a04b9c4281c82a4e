package posts

import (
	"context"
	"slices"
	"testing"
	"time"

	"inkstone/generator/content"
)

// diskOnly hides the builder's in-memory listing, so Recent reads the
// content folder.
type diskOnly struct{ Builder }

func TestRecent(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2025, 4, d, 8, 0, 0, 0, time.UTC) }
	create := func(p *content.Post) string {
		t.Helper()
		u, err := s.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	oldest := create(&content.Post{Title: "Oldest", Body: "a", Date: day(1)})
	draft := create(&content.Post{Title: "Draft", Body: "b", Date: day(3), Draft: true})
	gone := create(&content.Post{Title: "Gone", Body: "c", Date: day(4)})
	newest := create(&content.Post{Body: "A note", Date: day(5), Tags: []string{"x"},
		Properties: map[string]any{"rsvp": []any{"yes"}}})
	middle := create(&content.Post{Title: "Middle", Body: "d", Date: day(2), Visibility: content.Private})
	if err := s.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	all := []string{newest, draft, middle, oldest}

	for _, b := range []struct {
		name string
		b    Builder
	}{{"in memory", s.Builder}, {"from disk", diskOnly{s.Builder}}} {
		svc := &Service{Config: s.Config, Store: s.Store, Builder: b.b, Log: s.Log, Now: s.Now}
		for _, tc := range []struct {
			limit, offset int
			want          []string
		}{
			{10, 0, all},
			{2, 0, all[:2]},
			{2, 1, all[1:3]},
			{2, 3, all[3:]},
			{5, 4, nil},
			{5, 40, nil},
			{0, 0, nil},
		} {
			got, err := svc.Recent(ctx, tc.limit, tc.offset)
			if err != nil {
				t.Fatalf("%s: Recent(%d, %d): %v", b.name, tc.limit, tc.offset, err)
			}
			var urls []string
			for _, p := range got {
				u, _ := p.Properties["url"].([]any)
				if len(u) != 1 {
					t.Fatalf("%s: post %s has url property %v, want one permalink", b.name, p.Path, p.Properties["url"])
				}
				urls = append(urls, u[0].(string))
			}
			if !slices.Equal(urls, tc.want) {
				t.Errorf("%s: Recent(%d, %d) = %v, want %v", b.name, tc.limit, tc.offset, urls, tc.want)
			}
		}
		got, err := svc.Recent(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if p := got[0]; p.Body != "A note" || !slices.Equal(p.Tags, []string{"x"}) || !slices.Equal(p.Properties["rsvp"].([]any), []any{"yes"}) {
			t.Errorf("%s: newest post = %+v, want its body, tags and other properties", b.name, p)
		}
	}

	// The url property is added to copies, never to the builder's site.
	inner, err := s.Builder.(recentLister).Recent(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inner {
		if _, ok := p.Properties["url"]; ok {
			t.Errorf("builder's post %s gained a url property", p.Path)
		}
	}
	if _, err := s.Recent(ctx, -1, 0); err == nil {
		t.Error("Recent(-1, 0) succeeded, want an error")
	}
}
