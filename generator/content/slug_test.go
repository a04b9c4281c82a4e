package content

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSlugify(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Hello, World!", "hello-world"},
		{"東京の朝", "東京の朝"},
		{"Crème Brûlée, finally!", "crème-brûlée-finally"},
		{"Cre\u0300me Bru\u0302le\u0301e", "crème-brûlée"}, // decomposed input comes out composed
		{"Don't stop", "dont-stop"},
		{"It’s 5 o’clock", "its-5-oclock"},
		{"rock 'n' roll", "rock-n-roll"},
		{"Hello 😀 world", "hello-world"},
		{"😀 leading emoji", "leading-emoji"},
		{"trailing emoji 🎉🎉", "trailing-emoji"},
		{"I ❤️ Go", "i-go"},                // U+FE0F variation selector dropped with the heart
		{"Keycap 1️⃣ two", "keycap-1-two"}, // the digit stays, its keycap marks go
		{"👩‍💻 coding", "coding"},           // ZWJ sequence
		{"😀", ""},
		{"", ""},
		{"   ", ""},
		{"---", ""},
		{"-a-", "a"},
		{"a  --  b", "a-b"},
		{"Go 1.26 is out", "go-1-26-is-out"},
		{"snake_case and kebab-case", "snake-case-and-kebab-case"},
		{"UPPER lower MiXeD", "upper-lower-mixed"},
		{"Ærøskøbing", "ærøskøbing"},
		{"ΑΘΗΝΑ", "αθηνα"},
		{"Привет, мир", "привет-мир"},
		{"हिन्दी भाषा", "हिन्दी-भाषा"}, // Devanagari vowel signs and virama are kept
		{"தமிழ்", "தமிழ்"},
		{"مرحبا بالعالم", "مرحبا-بالعالم"},
		{"J\u030cEM", "\u01f0em"}, // J + caron has no composed form; j + caron has: the slug is NFC
		{"T\u0308", "\u1e97"},
		{"\u0301alone mark", "alone-mark"}, // a mark with no letter before it is dropped
		{"a \u0301b", "a-b"},
		{"C++ & Go: <b>tips</b>", "c-go-b-tips-b"},
		{"https://example.com/path", "https-example-com-path"},
		{"tab\tand\nnewline", "tab-and-newline"},
		{"x\xffy", "x-y"}, // invalid UTF-8 is a separator
		{"١٢٣ arabic digits", "١٢٣-arabic-digits"},
		{"Straße", "straße"},
		{"İstanbul", "istanbul"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Slugify(tt.in)
			if got != tt.want {
				t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSlug(t, tt.in, got)
		})
	}
}

func TestSlugifyTruncates(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "ASCII words",
			in:   strings.Repeat("word ", 30),
			want: strings.TrimSuffix(strings.Repeat("word-", 16), "-"), // 79 bytes
		},
		{
			name: "cut just before a hyphen",
			in:   strings.Repeat("abcdefghi ", 8) + "tail",
			want: strings.TrimSuffix(strings.Repeat("abcdefghi-", 8), "-"), // 79 bytes
		},
		{
			name: "exact fit before a hyphen keeps the last word",
			in:   strings.Repeat("abcdefghi ", 7) + "abcdefghij tail",
			want: strings.Repeat("abcdefghi-", 7) + "abcdefghij", // 80 bytes
		},
		{
			name: "exactly 80 bytes is kept",
			in:   strings.Repeat("a", 39) + " " + strings.Repeat("b", 40),
			want: strings.Repeat("a", 39) + "-" + strings.Repeat("b", 40),
		},
		{
			name: "one long word is cut",
			in:   strings.Repeat("x", 200),
			want: strings.Repeat("x", 80),
		},
		{
			name: "long word after a short one is cut, not dropped",
			in:   "ab " + strings.Repeat("y", 200),
			want: "ab-" + strings.Repeat("y", 77),
		},
		{
			name: "multi-byte runes cut on a rune boundary",
			in:   strings.Repeat("東", 40),
			want: strings.Repeat("東", 26), // 78 bytes
		},
		{
			name: "multi-byte words cut on a word boundary",
			in:   strings.Repeat("東京 ", 20),
			want: strings.TrimSuffix(strings.Repeat("東京-", 11), "-"), // 76 bytes
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Slugify(tt.in)
			if got != tt.want {
				t.Errorf("Slugify = %q (%d bytes), want %q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
			checkSlug(t, tt.in, got)
		})
	}
}

// checkSlug checks what every slug must be.
func checkSlug(t *testing.T, in, got string) {
	t.Helper()
	if len(got) > 80 {
		t.Errorf("Slugify(%q) = %q is %d bytes, want at most 80", in, got, len(got))
	}
	if !utf8.ValidString(got) {
		t.Errorf("Slugify(%q) = %q is not valid UTF-8", in, got)
	}
	if strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") {
		t.Errorf("Slugify(%q) = %q has a leading or trailing hyphen", in, got)
	}
	if strings.Contains(got, "--") {
		t.Errorf("Slugify(%q) = %q has a double hyphen", in, got)
	}
	if again := Slugify(got); again != got {
		t.Errorf("Slugify is not idempotent: Slugify(%q) = %q, Slugify of that = %q", in, got, again)
	}
}

func TestSlugFor(t *testing.T) {
	date := time.Date(2024, 5, 1, 9, 30, 15, 0, time.UTC)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		post Post
		want string
	}{
		{"slug field wins", Post{Slug: "My Slug!", Title: "Title", Body: "Body", Date: date}, "my-slug"},
		{"slug field already clean", Post{Slug: "dalby-loop", Title: "Other"}, "dalby-loop"},
		{"empty slug field falls to title", Post{Slug: "!!!", Title: "The Title"}, "the-title"},
		{"title", Post{Title: "Riding to Dalby: a spring loop", Body: "Body words here"}, "riding-to-dalby-a-spring-loop"},
		{"unicode title", Post{Title: "東京の朝"}, "東京の朝"},
		{"emoji title falls to body", Post{Title: "🎉", Body: "Party time"}, "party-time"},
		{"first six words", Post{Body: "Coffee on the balcony, first sun of the year."}, "coffee-on-the-balcony-first-sun"},
		{"fewer words", Post{Body: "Short one"}, "short-one"},
		{"URLs skipped", Post{Body: "https://example.com/long/path Look at this https://x.example"}, "look-at-this"},
		{"link text kept, target dropped", Post{Body: "Reading [a great post](https://example.com/post) today"}, "reading-a-great-post-today"},
		{"image line skipped", Post{Body: "![A photo](/media/a.jpg)\n\nSunset at the pier"}, "sunset-at-the-pier"},
		{"HTML line skipped", Post{Body: "<figure><img src=\"/a.jpg\"></figure>\nAfter the figure"}, "after-the-figure"},
		{"inline HTML tags dropped", Post{Body: "Some <em>very</em> <a href=\"https://x.example\">nice</a> words"}, "some-very-nice-words"},
		{"autolink dropped", Post{Body: "See <https://example.com> now"}, "see-now"},
		{"code fence skipped", Post{Body: "```go\nfunc main() {}\n```\nGo is fun"}, "go-is-fun"},
		{"tilde fence skipped", Post{Body: "~~~\nsecret code\n~~~\nAfter code"}, "after-code"},
		{"heading markup dropped", Post{Body: "# A heading\n\ntext"}, "a-heading-text"},
		{"emphasis dropped", Post{Body: "**Bold** and _italic_ words"}, "bold-and-italic-words"},
		{"body only markup: date", Post{Body: "![img](/a.jpg)", Date: date}, "20240501093015"},
		{"empty post: date", Post{Date: date}, "20240501093015"},
		{"date in another zone is written in UTC", Post{Date: rfc3339(t, "2024-05-01T01:30:00+02:00")}, "20240430233000"},
		{"no date: now", Post{}, "20250102030405"},
		{"emoji only: now", Post{Body: "🎉🎉🎉"}, "20250102030405"},
		{"URL only: date", Post{Body: "https://example.com/a-b-c", Date: date}, "20240501093015"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SlugFor(&tt.post, now); got != tt.want {
				t.Errorf("SlugFor = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUniqueSlug(t *testing.T) {
	tests := []struct {
		name  string
		slug  string
		taken []string
		want  string
	}{
		{"free", "hello", nil, "hello"},
		{"free although others taken", "hello", []string{"hello-2", "other"}, "hello"},
		{"taken once", "hello", []string{"hello"}, "hello-2"},
		{"taken twice", "hello", []string{"hello", "hello-2"}, "hello-3"},
		{"gap is reused", "hello", []string{"hello", "hello-3"}, "hello-2"},
		{"many", "a", []string{"a", "a-2", "a-3", "a-4", "a-5", "a-6", "a-7", "a-8", "a-9", "a-10"}, "a-11"},
		{"slug ending in a number", "2024", []string{"2024"}, "2024-2"},
		{"unicode", "東京", []string{"東京"}, "東京-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]bool{}
			for _, s := range tt.taken {
				set[s] = true
			}
			var asked []string
			got := UniqueSlug(tt.slug, func(s string) bool {
				asked = append(asked, s)
				return set[s]
			})
			if got != tt.want {
				t.Errorf("UniqueSlug(%q) = %q, want %q (asked %v)", tt.slug, got, tt.want, asked)
			}
			if len(asked) == 0 || asked[0] != tt.slug {
				t.Errorf("first asked %v, want the slug itself first", asked)
			}
		})
	}
}

func TestPostPath(t *testing.T) {
	tests := []struct {
		date time.Time
		slug string
		want string
	}{
		{utc(2024, 5, 1, 9, 30, 0), "hello", "posts/2024/05/hello.md"},
		{utc(2024, 12, 31, 23, 0, 0), "東京", "posts/2024/12/東京.md"},
		{utc(987, 1, 1, 0, 0, 0), "old", "posts/0987/01/old.md"},
	}
	for _, tt := range tests {
		p := &Post{Date: tt.date}
		got := PostPath(p, tt.slug)
		if got != tt.want {
			t.Errorf("PostPath(%v, %q) = %q, want %q", tt.date, tt.slug, got, tt.want)
		}
		if err := CheckPath(got); err != nil {
			t.Errorf("PostPath gave a path CheckPath refuses: %v", err)
		}
		if KindOf(got) != KindPost {
			t.Errorf("KindOf(%q) = %v, want KindPost", got, KindOf(got))
		}
	}
}

func ExampleSlugify() {
	fmt.Println(Slugify("Crème Brûlée, finally!"))
	fmt.Println(Slugify("東京の朝"))
	fmt.Println(Slugify("Don't panic 🚀"))
	// Output:
	// crème-brûlée-finally
	// 東京の朝
	// dont-panic
}
