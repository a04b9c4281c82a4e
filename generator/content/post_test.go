package content

import "testing"

func TestDiscover(t *testing.T) {
	photo := []Media{{URL: "/media/a.jpg"}}
	video := []Media{{URL: "/media/a.mp4"}}
	audio := []Media{{URL: "/media/a.mp3"}}
	tests := []struct {
		name string
		post Post
		want Type
	}{
		{"empty", Post{}, TypeNote},
		{"body only", Post{Body: "Hello"}, TypeNote},
		{"repost", Post{RepostOf: "https://x.example/1"}, TypeRepost},
		{"repost beats like and reply", Post{RepostOf: "https://x/1", LikeOf: "https://x/2", InReplyTo: "https://x/3"}, TypeRepost},
		{"like", Post{LikeOf: "https://x.example/1"}, TypeLike},
		{"like beats reply", Post{LikeOf: "https://x/1", InReplyTo: "https://x/2"}, TypeLike},
		{"reply", Post{InReplyTo: "https://x.example/1", Body: "Agreed"}, TypeReply},
		{"reply beats bookmark and photo", Post{InReplyTo: "https://x/1", BookmarkOf: "https://x/2", Photo: photo}, TypeReply},
		{"bookmark", Post{BookmarkOf: "https://x.example/1", Title: "A good read"}, TypeBookmark},
		{"bookmark beats media", Post{BookmarkOf: "https://x/1", Video: video}, TypeBookmark},
		{"video", Post{Video: video}, TypeVideo},
		{"video beats photo", Post{Video: video, Photo: photo, Audio: audio}, TypeVideo},
		{"photo", Post{Photo: photo, Body: "Sunset"}, TypePhoto},
		{"photo beats audio", Post{Photo: photo, Audio: audio}, TypePhoto},
		{"photo with title", Post{Photo: photo, Title: "Album"}, TypePhoto},
		{"audio", Post{Audio: audio}, TypeAudio},
		{"title and other body", Post{Title: "My trip", Body: "We went north."}, TypeArticle},
		{"title and empty body", Post{Title: "Only a title"}, TypeArticle},
		{"title prefix of body", Post{Title: "Hello world", Body: "Hello world, and more."}, TypeNote},
		{"title prefix after collapsing space", Post{Title: "  Hello \n world ", Body: "Hello\tworld\n\nand more"}, TypeNote},
		{"title equal to body", Post{Title: "Same", Body: "Same"}, TypeNote},
		{"title longer than body", Post{Title: "Hello world again", Body: "Hello world"}, TypeArticle},
		{"no body: title prefix of summary", Post{Title: "Quick thought", Summary: "Quick thought about Go"}, TypeNote},
		{"no body: title not in summary", Post{Title: "An essay", Summary: "About Go"}, TypeArticle},
		{"body wins over summary", Post{Title: "Quick", Summary: "Quick", Body: "Other text"}, TypeArticle},
		{"declared type ignored by Discover", Post{Type: TypeArticle}, TypeNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Discover(&tt.post); got != tt.want {
				t.Errorf("Discover = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEffectiveType(t *testing.T) {
	tests := []struct {
		name string
		post Post
		want Type
	}{
		{"declared wins", Post{Type: TypeArticle, Body: "short"}, TypeArticle},
		{"declared note over photo", Post{Type: TypeNote, Photo: []Media{{URL: "/a.jpg"}}}, TypeNote},
		{"derived reply", Post{InReplyTo: "https://x.example/"}, TypeReply},
		{"derived article", Post{Title: "T", Body: "B"}, TypeArticle},
		{"derived note", Post{Body: "B"}, TypeNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.post.EffectiveType(); got != tt.want {
				t.Errorf("EffectiveType = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTypeValid(t *testing.T) {
	for _, ty := range Types {
		if !ty.Valid() {
			t.Errorf("%q.Valid() = false, want true", ty)
		}
	}
	for _, ty := range []Type{"", "Note", "essay", "rsvp", "checkin", "note "} {
		if ty.Valid() {
			t.Errorf("%q.Valid() = true, want false", ty)
		}
	}
	// Types lists each kind once, and every constant is in it.
	seen := map[Type]bool{}
	for _, ty := range Types {
		if seen[ty] {
			t.Errorf("Types lists %q twice", ty)
		}
		seen[ty] = true
	}
	for _, ty := range []Type{TypeNote, TypeArticle, TypePhoto, TypeVideo, TypeAudio, TypeReply, TypeLike, TypeRepost, TypeBookmark} {
		if !seen[ty] {
			t.Errorf("Types misses %q", ty)
		}
	}
}

func TestEffectiveVisibilityAndIsHTML(t *testing.T) {
	tests := []struct {
		post   Post
		vis    Visibility
		isHTML bool
	}{
		{Post{}, Public, false},
		{Post{Visibility: Unlisted}, Unlisted, false},
		{Post{Visibility: Private, ContentType: "html"}, Private, true},
		{Post{Visibility: Public, ContentType: "HTML"}, Public, true},
		{Post{ContentType: "markdown"}, Public, false},
	}
	for _, tt := range tests {
		if got := tt.post.EffectiveVisibility(); got != tt.vis {
			t.Errorf("%+v: EffectiveVisibility = %q, want %q", tt.post, got, tt.vis)
		}
		if got := tt.post.IsHTML(); got != tt.isHTML {
			t.Errorf("%+v: IsHTML = %v, want %v", tt.post, got, tt.isHTML)
		}
	}
}

func TestRenderedListed(t *testing.T) {
	tests := []struct {
		name string
		post Post
		// rendered and listed without drafts, then with drafts
		rendered, listed             bool
		renderedDrafts, listedDrafts bool
	}{
		{"public", Post{}, true, true, true, true},
		{"explicit public", Post{Visibility: Public}, true, true, true, true},
		{"draft", Post{Draft: true}, false, false, true, true},
		{"unlisted", Post{Visibility: Unlisted}, true, false, true, false},
		{"unlisted draft", Post{Visibility: Unlisted, Draft: true}, false, false, true, false},
		{"private", Post{Visibility: Private}, false, false, false, false},
		{"private draft", Post{Visibility: Private, Draft: true}, false, false, false, false},
		{"deleted", Post{Deleted: true}, false, false, false, false},
		{"deleted draft", Post{Deleted: true, Draft: true}, false, false, false, false},
		{"deleted unlisted", Post{Deleted: true, Visibility: Unlisted}, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.post.Rendered(false); got != tt.rendered {
				t.Errorf("Rendered(false) = %v, want %v", got, tt.rendered)
			}
			if got := tt.post.Listed(false); got != tt.listed {
				t.Errorf("Listed(false) = %v, want %v", got, tt.listed)
			}
			if got := tt.post.Rendered(true); got != tt.renderedDrafts {
				t.Errorf("Rendered(true) = %v, want %v", got, tt.renderedDrafts)
			}
			if got := tt.post.Listed(true); got != tt.listedDrafts {
				t.Errorf("Listed(true) = %v, want %v", got, tt.listedDrafts)
			}
		})
	}
}
