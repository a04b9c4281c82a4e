package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"inkstone/generator/images"
)

const gpsMarker = 0x5EC12E7A

// phoneJPEG is a w×h JPEG, red on its left half, with an EXIF block
// holding orientation o and a GPS latitude, spliced in as phones write it.
func phoneJPEG(t *testing.T, w, h, o int, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{shade, shade, 255, 255}
			if x < w/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, value uint32) {
		tiff = be.AppendUint16(tiff, tag)
		tiff = be.AppendUint16(tiff, typ)
		tiff = be.AppendUint32(tiff, count)
		tiff = be.AppendUint32(tiff, value)
	}
	tiff = be.AppendUint16(tiff, 2)
	entry(0x0112, 3, 1, uint32(o)<<16)
	entry(0x8825, 4, 1, 38)
	tiff = be.AppendUint32(tiff, 0)
	tiff = be.AppendUint16(tiff, 1)
	entry(0x0002, 5, 3, 56)
	tiff = be.AppendUint32(tiff, 0)
	for _, v := range []uint32{gpsMarker, 1, 51, 1, 2999, 100} {
		tiff = be.AppendUint32(tiff, v)
	}
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(app1)+2))
	enc := buf.Bytes()
	out := append([]byte{}, enc[:2]...)
	out = append(out, seg...)
	out = append(out, app1...)
	return append(out, enc[2:]...)
}

func imageStore(t *testing.T) (*Store, *images.Processor) {
	dir := t.TempDir()
	p := &images.Processor{CacheDir: filepath.Join(dir, "cache"), Widths: []int{16, 32}}
	s := &Store{Dir: filepath.Join(dir, "content", "media"), URLBase: "https://example.com/media/",
		MaxBytes: 1 << 20, Images: p}
	return s, p
}

// storedFiles lists every file under dir, temps included.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func TestStageCleansPhotos(t *testing.T) {
	s, p := imageStore(t)
	raw := phoneJPEG(t, 64, 32, 6, 0)
	url, err := s.Save(context.Background(), "IMG_0001.JPG", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimPrefix(url, s.URLBase)
	stored, err := os.ReadFile(filepath.Join(s.Dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{[]byte("Exif"), binary.BigEndian.AppendUint32(nil, gpsMarker)} {
		if bytes.Contains(stored, secret) {
			t.Errorf("stored original still holds %q", secret)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6 turns the 64×32 stored image a quarter clockwise:
	// upright it is 32×64 with the red half on top.
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 64 {
		t.Fatalf("stored image is %v, want 32×64 upright", b)
	}
	if r, g, _, _ := img.At(16, 8).RGBA(); r>>8 < 200 || g>>8 > 60 {
		t.Errorf("top of the upright photo is not red: r=%d g=%d", r>>8, g>>8)
	}
	// The variants were made at upload: processing again is a cache hit.
	res, err := p.Process(context.Background(), filepath.Join(s.Dir, rel), "media/"+rel)
	if err != nil {
		t.Fatal(err)
	}
	// 32 is the photo's own width: no variant, never an upscale.
	if len(res.Files) != 2 || res.Files[1].Width != 16 || res.Files[1].Height != 32 {
		t.Errorf("variants %+v, want the original and a 16×32 one", res.Files)
	}
	// The same bytes again: one stored file.
	again, err := s.Save(context.Background(), "copy.jpg", bytes.NewReader(raw))
	if err != nil || again != url {
		t.Errorf("same bytes: %s, %v; want %s", again, err, url)
	}
	if files := storedFiles(t, s.Dir); len(files) != 1 {
		t.Errorf("stored %v, want one file", files)
	}
}

func pngBomb() []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, 100000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100000)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

func TestHandlerRefusals(t *testing.T) {
	corrupt := phoneJPEG(t, 32, 32, 1, 0)[:200]
	tests := []struct {
		name   string
		data   []byte
		status int
		says   string
	}{
		{"decompression bomb", pngBomb(), 413, "megapixels"},
		{"corrupt jpeg", corrupt, 415, "JPEG"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), 415, "Most Compatible"},
		{"pdf", []byte("%PDF-1.4 hello"), 415, "image/jpeg"},
		{"html", []byte("<html><body>x</body></html>"), 415, "video/mp4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := imageStore(t)
			h := &Handler{Store: s, Auth: allow{}, WriteError: func(w http.ResponseWriter, r *http.Request, err error) {
				writeErr(w, r, err)
			}}
			rec := upload(t, h, "file", tt.data)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.says) {
				t.Errorf("%d %s; want %d mentioning %q", rec.Code, rec.Body.String(), tt.status, tt.says)
			}
			if files := storedFiles(t, s.Dir); len(files) != 0 {
				t.Errorf("refused upload left %v", files)
			}
		})
	}
}

func TestPassThroughTypes(t *testing.T) {
	tests := []struct {
		head string
		ext  string
		typ  string
	}{
		{"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2", ".mp4", "video/mp4"},
		{"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", ".mov", "video/quicktime"},
		{"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42", ".m4a", "audio/mp4"},
		{"ID3\x04\x00\x00\x00\x00\x00\x00", ".mp3", "audio/mpeg"},
		{"\xff\xfb\x90\x64\x00\x00\x00\x00", ".mp3", "audio/mpeg"},
		{"OggS\x00\x02\x00\x00\x00\x00\x00\x00", ".ogg", "audio/ogg"},
		{"RIFF\x24\x00\x00\x00WAVEfmt ", ".wav", "audio/wave"},
		{"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm", ".webm", "video/webm"},
		{"fLaC\x00\x00\x00\x22", ".flac", "audio/flac"},
	}
	s, _ := imageStore(t)
	for _, tt := range tests {
		data := []byte(tt.head + strings.Repeat("\x00payload", 8))
		url, err := s.Save(context.Background(), "clip", bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", tt.typ, err)
			continue
		}
		if !strings.HasSuffix(url, tt.ext) {
			t.Errorf("%s stored as %s, want %s", tt.typ, url, tt.ext)
		}
		got, _ := os.ReadFile(filepath.Join(s.Dir, strings.TrimPrefix(url, s.URLBase)))
		if !bytes.Equal(got, data) {
			t.Errorf("%s was changed on the way in", tt.typ)
		}
	}
	items, err := s.Recent(100)
	if err != nil || len(items) != len(tests) {
		t.Fatalf("Recent = %d items, %v; want %d", len(items), err, len(tests))
	}
	for _, it := range items {
		if typeOfExt(filepath.Ext(it.URL)) != it.Type {
			t.Errorf("%s listed as %s", it.URL, it.Type)
		}
	}
}

func TestFailureLeavesNothing(t *testing.T) {
	for _, step := range []string{"cleaned", "stored"} {
		t.Run(step, func(t *testing.T) {
			s, _ := imageStore(t)
			boom := errors.New("disk gone")
			s.fail = func(at string) error {
				if at == step {
					return boom
				}
				return nil
			}
			if _, err := s.Save(context.Background(), "a.jpg", bytes.NewReader(phoneJPEG(t, 32, 32, 1, 0))); !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			if files := storedFiles(t, s.Dir); len(files) != 0 {
				t.Errorf("failed upload left %v", files)
			}
		})
	}
	// A failure keeps a file that was stored before the request.
	s, _ := imageStore(t)
	data := phoneJPEG(t, 32, 32, 1, 0)
	if _, err := s.Save(context.Background(), "a.jpg", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	s.fail = func(at string) error {
		if at == "stored" {
			return errors.New("later step failed")
		}
		return nil
	}
	if _, err := s.Save(context.Background(), "a.jpg", bytes.NewReader(data)); err == nil {
		t.Fatal("injected failure was ignored")
	}
	if files := storedFiles(t, s.Dir); len(files) != 1 {
		t.Errorf("files %v, want the one stored before", files)
	}
}

func TestVariantFailureRemovesUpload(t *testing.T) {
	s, p := imageStore(t)
	// A file where the cache folder should be: variants cannot be made.
	if err := os.WriteFile(p.CacheDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(context.Background(), "a.jpg", bytes.NewReader(phoneJPEG(t, 32, 32, 1, 0))); err == nil {
		t.Fatal("upload succeeded without its variants")
	}
	if files := storedFiles(t, s.Dir); len(files) != 0 {
		t.Errorf("failed upload left %v", files)
	}
}

func TestStageDiscard(t *testing.T) {
	ctx := context.Background()
	s, _ := imageStore(t)
	var saved []string
	s.Saved = func(rel string) { saved = append(saved, rel) }
	data := phoneJPEG(t, 32, 32, 1, 0)
	count := func() int { return len(storedFiles(t, s.Dir)) }

	// Two requests share a new file; it goes only when both fail.
	a, err := s.Stage(ctx, "a.jpg", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Stage(ctx, "b.jpg", bytes.NewReader(data))
	s.Discard(a)
	if count() != 1 {
		t.Fatal("file removed while another request uses it")
	}
	s.Discard(b)
	if count() != 0 {
		t.Fatal("file kept after every request using it failed")
	}
	// One keeps it: a later failure of the other does not remove it.
	a, _ = s.Stage(ctx, "a.jpg", bytes.NewReader(data))
	b, _ = s.Stage(ctx, "b.jpg", bytes.NewReader(data))
	s.Commit(a)
	s.Discard(b)
	if count() != 1 {
		t.Fatal("kept file removed")
	}
	// Stored before: a failing request leaves it.
	c, _ := s.Stage(ctx, "c.jpg", bytes.NewReader(data))
	s.Discard(c)
	if count() != 1 {
		t.Fatal("file stored before the request was removed")
	}
	if len(saved) != 1 {
		t.Errorf("Saved called for %v, want once for the kept file", saved)
	}
	s.Discard("https://example.com/media/../../etc/passwd") // must not escape Dir
}

func TestRemoveTemps(t *testing.T) {
	s, _ := imageStore(t)
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(s.Dir, tempPrefix+"123")
	if err := os.WriteFile(crashed, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := s.createTemp() // an upload under way
	if err != nil {
		t.Fatal(err)
	}
	live.Close()
	if err := s.RemoveTemps(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(crashed); !errors.Is(err, os.ErrNotExist) {
		t.Error("crash leftover survived")
	}
	if _, err := os.Stat(live.Name()); err != nil {
		t.Errorf("temp of an upload under way removed: %v", err)
	}
	s.dropTemp(live.Name())
}

func TestConcurrentPhotoUploads(t *testing.T) {
	s, _ := imageStore(t)
	photos := [][]byte{phoneJPEG(t, 48, 32, 6, 0), phoneJPEG(t, 48, 32, 3, 90), phoneJPEG(t, 40, 40, 1, 180)}
	urls := make([]string, 12)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() {
			u, err := s.Save(context.Background(), "p.jpg", bytes.NewReader(photos[i%len(photos)]))
			if err != nil {
				t.Error(err)
			}
			urls[i] = u
		})
	}
	wg.Wait()
	for i, u := range urls {
		if u != urls[i%len(photos)] {
			t.Errorf("upload %d got %s, want %s", i, u, urls[i%len(photos)])
		}
	}
	files := storedFiles(t, s.Dir)
	if len(files) != len(photos) {
		t.Errorf("stored %v, want %d files", files, len(photos))
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("Exif")) {
			t.Errorf("%s holds EXIF", f)
		}
	}
}

func TestQuerySource(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s, _ := imageStore(t)
	s.Now = func() time.Time { return now }
	h := &Handler{Store: s, Auth: allow{}, WriteError: writeErr}
	var urls []string
	for i := range 3 {
		u, err := s.Save(context.Background(), "p.jpg", bytes.NewReader(phoneJPEG(t, 16, 16, 1, uint8(i*50))))
		if err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Duration(i-3) * time.Minute)
		os.Chtimes(filepath.Join(s.Dir, strings.TrimPrefix(u, s.URLBase)), at, at)
		urls = append(urls, u)
	}
	get := func(q string) (int, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/micropub/media?"+q, nil))
		var body map[string]any
		json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	code, body := get("q=source&limit=2")
	items, _ := body["items"].([]any)
	if code != 200 || len(items) != 2 {
		t.Fatalf("q=source&limit=2: %d %v", code, body)
	}
	first := items[0].(map[string]any)
	if first["url"] != urls[2] || first["mime_type"] != "image/jpeg" || first["published"] != now.Add(-time.Minute).Format(time.RFC3339) {
		t.Errorf("newest item = %v, want %s", first, urls[2])
	}
	if _, body := get("q=last"); body["url"] != urls[2] {
		t.Errorf("q=last = %v", body)
	}
	now = now.Add(time.Hour)
	if _, body := get("q=last"); len(body) != 0 {
		t.Errorf("q=last an hour later = %v, want {}", body)
	}
	for _, bad := range []string{"0", "101", "x"} {
		if code, _ := get("q=source&limit=" + bad); code != 400 {
			t.Errorf("limit=%s: %d, want 400", bad, code)
		}
	}
	if _, body := get("q=source"); len(body["items"].([]any)) != 3 {
		t.Errorf("q=source = %v", body)
	}
}
