package content

import "testing"

// benchPosts mirror the mix of a real site (see internal/corpus): mostly
// notes with a date and tags, some titled articles, photo posts, replies
// and likes, plus one file whose front matter uses quoting, so that the
// general YAML path is measured too.
var benchPosts = []struct{ name, src string }{
	{"note", "---\ndate: 2024-05-04T19:53:00+02:00\ntags: [testing, indieweb]\n---\nA short note about the rain.\n"},
	{"article", "---\ntitle: Gotland in four days\ndate: 2024-07-28T18:05:00+02:00\ntags: [cycling, travel]\nlocation: Visby, Gotland\nsummary: Four days, three hundred kilometres and one puncture.\n---\n# Day one\n\nWe took the ferry.\n"},
	{"photo", "---\ndate: 2024-05-04T19:53:00+02:00\ntags: [photography]\nphoto:\n  - url: /media/2024/05/wet-month.jpg\n    alt: Rain on a window\n---\nWet month.\n"},
	{"reply", "---\ndate: 2025-02-08T10:25:00+01:00\nin_reply_to: https://sam-okafor.example/notes/2025/02/static-site-build-times\ntags: [go, indieweb]\nsyndication:\n  - https://mastodon.example/@mara/112703998811234567\n---\nMine take about a second.\n"},
	{"quoted", "---\ntitle: \"Baking on a schedule: a tiny Go program\"\ndate: 2025-10-19T11:30:00+02:00\ntags: [baking, sourdough, go]\n---\nBody.\n"},
}

// BenchmarkParse measures Parse on typical content files, one
// sub-benchmark per shape of front matter.
func BenchmarkParse(b *testing.B) {
	for _, bp := range benchPosts {
		data := []byte(bp.src)
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse("bench.md", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
