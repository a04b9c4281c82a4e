// Package media stores uploaded files under content/media/ by content hash
// and serves the Micropub media endpoint. Photos are cleaned before they
// are stored (turned upright, metadata such as GPS removed) so the
// content folder, and the git history that holds it, never has them raw.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"inkstone/generator/images"
	"inkstone/internal/atomicfile"
)

// Accepted maps each accepted media type, detected from the bytes, to the
// file extension it is stored under. Audio and video are stored as sent.
var Accepted = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"audio/mpeg":      ".mp3",
	"audio/ogg":       ".ogg",
	"audio/wave":      ".wav",
	"audio/mp4":       ".m4a",
	"audio/flac":      ".flac",
	"video/mp4":       ".mp4",
	"video/quicktime": ".mov",
	"video/webm":      ".webm",
}

// typeOfExt is the media type of a stored file, from its extension.
func typeOfExt(ext string) string {
	for t, e := range Accepted {
		if e == ext {
			return t
		}
	}
	return ""
}

// ErrTooLarge means an upload exceeded the size limit.
var ErrTooLarge = errors.New("file too large")

// UnsupportedError names a type that is not accepted.
type UnsupportedError struct{ Type string }

func (e *UnsupportedError) Error() string {
	if e.Type == "image/heic" {
		return "HEIC/HEIF photos are not accepted; on iPhone choose Settings > Camera > Formats > Most Compatible (or share the photo as JPEG), or send JPEG, PNG, GIF or WebP"
	}
	return fmt.Sprintf("%s files are not accepted; send one of %s", e.Type, acceptedList())
}

// Images cleans photos before they are stored and makes their resized
// variants; *images.Processor provides it.
type Images interface {
	Clean(data []byte) ([]byte, error)
	Process(ctx context.Context, src, rel string) (images.Result, error)
}

// Store writes uploads into a folder under content/ and names them by hash.
type Store struct {
	Dir      string // e.g. SITE/content/media
	URLBase  string // absolute URL of that folder, ending in "/"
	MaxBytes int64
	Now      func() time.Time
	// Images, when set, cleans each photo before it is stored and makes
	// its variants at once, so the post that follows builds fast. When
	// nil, photos are stored as sent.
	Images Images
	// ContentPath is Dir's slash path under content/ (default "media"),
	// the rel given to Images.Process.
	ContentPath string
	// Saved, when set, is called with the path (relative to Dir) of each
	// newly stored file once it is kept, e.g. to commit it; it must not
	// block.
	Saved func(rel string)
	Log   *slog.Logger

	// fail, in tests, injects an error after the named step.
	fail func(step string) error

	mu sync.Mutex
	// holds counts the requests under way that use a file created by a
	// request still under way: it is removed if all of them fail.
	holds map[string]int
	// temps are the temp files of uploads under way, which RemoveTemps
	// leaves alone.
	temps map[string]bool
}

// Upload is a stored file, as q=source lists it.
type Upload struct {
	URL       string    `json:"url"`
	Type      string    `json:"mime_type"`
	Published time.Time `json:"published"`
}

const tempPrefix = atomicfile.TempPrefix + "upload-"

func (s *Store) step(name string) error {
	if s.fail == nil {
		return nil
	}
	return s.fail(name)
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Store) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Save stores r, keeps it, and returns the file's URL. The type is
// detected from the bytes; the name and any declared type are ignored.
func (s *Store) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	url, err := s.Stage(ctx, name, r)
	if err != nil {
		return "", err
	}
	s.Commit(url)
	return url, nil
}

// Stage stores r like Save, but the file stays provisional until Commit
// or Discard: a post that fails after storing its files discards them, and
// a discarded file is removed unless it was stored before the request or
// another request under way still uses it.
func (s *Store) Stage(ctx context.Context, name string, r io.Reader) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	tmpName, typ, sum, err := s.receive(r)
	if tmpName != "" {
		defer s.dropTemp(tmpName)
	}
	if err != nil {
		return "", err
	}
	ext := Accepted[typ]
	rel := sum[:2] + "/" + sum + ext
	final := filepath.Join(s.Dir, filepath.FromSlash(rel))
	isImage := strings.HasPrefix(typ, "image/") && s.Images != nil
	if isImage {
		if _, err := os.Stat(final); err != nil {
			// New bytes: clean them before they reach content/.
			if tmpName, err = s.clean(tmpName); err != nil {
				return "", err
			}
			defer s.dropTemp(tmpName)
		}
	}
	if err := s.step("cleaned"); err != nil {
		return "", err
	}
	created, err := s.place(tmpName, final, rel)
	if err != nil {
		return "", err
	}
	url := s.URLBase + rel
	if err := s.step("stored"); err != nil {
		s.Discard(url)
		return "", err
	}
	if isImage {
		// Make the variants now, so the build that follows finds them.
		if _, err := s.Images.Process(ctx, final, path.Join(s.contentPath(), rel)); err != nil {
			s.Discard(url)
			return "", fmt.Errorf("media: variants of %s: %w", rel, err)
		}
	}
	s.log().InfoContext(ctx, "media stored", "path", rel, "type", typ, "new", created, "name", name)
	return url, nil
}

func (s *Store) contentPath() string {
	if s.ContentPath == "" {
		return "media"
	}
	return s.ContentPath
}

// receive copies r into a temp file in Dir, checking its type and size,
// and returns the temp's path, the detected type and the content hash.
func (s *Store) receive(r io.Reader) (tmpName, typ, sum string, err error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "", "", readErr(err)
	}
	head = head[:n]
	if n == 0 {
		return "", "", "", &UnsupportedError{Type: "empty"}
	}
	typ = Detect(head)
	if _, ok := Accepted[typ]; !ok {
		return "", "", "", &UnsupportedError{Type: typ}
	}
	tmp, err := s.createTemp()
	if err != nil {
		return "", "", "", err
	}
	tmpName = tmp.Name()
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	limit := s.MaxBytes - int64(n)
	err = func() error {
		defer tmp.Close()
		if _, err := w.Write(head); err != nil {
			return fmt.Errorf("media: %w", err)
		}
		copied, err := io.Copy(w, io.LimitReader(r, limit+1))
		if err != nil {
			// Reading the request or writing the disk: tell them apart.
			var pe *os.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("media: %w", err)
			}
			return readErr(err)
		}
		if copied > limit {
			return ErrTooLarge
		}
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("media: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("media: %w", err)
		}
		return nil
	}()
	if err != nil {
		return tmpName, "", "", err
	}
	return tmpName, typ, hex.EncodeToString(h.Sum(nil))[:20], nil
}

func (s *Store) createTemp() (*os.File, error) {
	tmp, err := os.CreateTemp(s.Dir, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	s.mu.Lock()
	if s.temps == nil {
		s.temps = map[string]bool{}
	}
	s.temps[tmp.Name()] = true
	s.mu.Unlock()
	return tmp, nil
}

// dropTemp removes a temp file; a no-op once it was renamed.
func (s *Store) dropTemp(name string) {
	os.Remove(name)
	s.mu.Lock()
	delete(s.temps, name)
	s.mu.Unlock()
}

// clean writes the cleaned photo of tmpName into a new temp file.
func (s *Store) clean(tmpName string) (string, error) {
	data, err := os.ReadFile(tmpName)
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	cleaned, err := s.Images.Clean(data)
	if err != nil {
		return "", err
	}
	out, err := s.createTemp()
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, bytes.NewReader(cleaned))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.dropTemp(out.Name())
		return "", fmt.Errorf("media: %w", err)
	}
	return out.Name(), nil
}

// place renames the temp file to final unless the same bytes are stored
// already, and takes a hold on a file that is not yet kept.
func (s *Store) place(tmpName, final, rel string) (created bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holds == nil {
		s.holds = map[string]int{}
	}
	if _, err := os.Stat(final); err == nil {
		if s.holds[rel] > 0 {
			s.holds[rel]++
		}
		return false, nil
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	if err := os.Rename(tmpName, final); err != nil {
		return false, fmt.Errorf("media: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return false, err
	}
	s.holds[rel] = 1
	return true, nil
}

// relOf is the path under Dir of a URL this store returned.
func (s *Store) relOf(url string) (string, bool) {
	rel, ok := strings.CutPrefix(url, s.URLBase)
	if !ok || !fs.ValidPath(rel) || strings.Contains(rel, "\\") {
		return "", false
	}
	return rel, true
}

// Commit keeps a staged file: a post now uses it.
func (s *Store) Commit(url string) {
	rel, ok := s.relOf(url)
	if !ok {
		return
	}
	s.mu.Lock()
	n := s.holds[rel]
	delete(s.holds, rel)
	s.mu.Unlock()
	if n > 0 && s.Saved != nil {
		s.Saved(rel)
	}
}

// Discard gives up a staged file; it is removed when the request that
// created it and every other request using it have failed.
func (s *Store) Discard(url string) {
	rel, ok := s.relOf(url)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.holds[rel]
	if n == 0 {
		return // stored before, or kept by another request
	}
	if n > 1 {
		s.holds[rel] = n - 1
		return
	}
	delete(s.holds, rel)
	file := filepath.Join(s.Dir, filepath.FromSlash(rel))
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log().Error("remove discarded upload", "path", rel, "err", err)
		return
	}
	s.log().Info("media discarded", "path", rel)
}

// RemoveTemps removes upload temp files left in Dir by a crash, leaving
// those of uploads under way in this process.
func (s *Store) RemoveTemps() error {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		name := filepath.Join(s.Dir, e.Name())
		if e.Type().IsRegular() && atomicfile.IsTemp(e.Name()) && !s.temps[name] {
			if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("media: %w", err)
			}
			s.log().Info("removed upload temp left by a crash", "file", name)
		}
	}
	return nil
}

// Recent lists the stored files, newest first, at most limit of them.
func (s *Store) Recent(limit int) ([]Upload, error) {
	var out []Upload
	err := filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() || atomicfile.IsTemp(d.Name()) {
			return nil
		}
		typ := typeOfExt(strings.ToLower(filepath.Ext(p)))
		if typ == "" {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		rel, err := filepath.Rel(s.Dir, p)
		if err != nil {
			return err
		}
		out = append(out, Upload{URL: s.URLBase + filepath.ToSlash(rel), Type: typ, Published: fi.ModTime().UTC().Truncate(time.Second)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("media: list uploads: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Published.Equal(out[j].Published) {
			return out[i].Published.After(out[j].Published)
		}
		return out[i].URL < out[j].URL
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Detect names the type of a file from its first bytes.
func Detect(head []byte) string {
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	switch {
	case t == "application/ogg":
		return "audio/ogg"
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "audio/flac"
	case t == "application/octet-stream" && len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return "audio/mpeg" // an MPEG audio frame without an ID3 tag
	}
	// DetectContentType has no rule for some common phone formats.
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		brand := string(head[8:12])
		switch brand {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		case "avif", "avis":
			return "image/avif"
		case "M4A ", "M4B ":
			return "audio/mp4"
		case "qt  ":
			return "video/quicktime"
		}
		return "video/mp4"
	}
	return t
}

func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrTooLarge
	}
	return fmt.Errorf("media: read upload: %w", err)
}

func acceptedList() string {
	var names []string
	for t := range Accepted {
		names = append(names, t)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Refusal turns an error from Save or Stage about the file itself into a
// StatusError the client can act on; other errors come back unchanged.
// maxBytes is the size limit to name.
func Refusal(err error, name string, maxBytes int64) error {
	var (
		ue *UnsupportedError
		pe *images.PixelsError
		fe *images.FormatError
	)
	file := "the file"
	if name != "" {
		file = fmt.Sprintf("the file %q", name)
	}
	switch {
	case errors.Is(err, ErrTooLarge):
		return &StatusError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request",
			Description: fmt.Sprintf("%s is larger than %d bytes; send a smaller one", file, maxBytes)}
	case errors.As(err, &ue):
		return &StatusError{Status: http.StatusUnsupportedMediaType, Code: "invalid_request", Description: ue.Error()}
	case errors.As(err, &pe):
		return &StatusError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request",
			Description: fmt.Sprintf("%s: %s", file, pe.Error())}
	case errors.As(err, &fe):
		return &StatusError{Status: http.StatusUnsupportedMediaType, Code: "invalid_request",
			Description: fmt.Sprintf("%s is %s; export it again as JPEG, PNG, GIF or WebP", file, fe.Error())}
	}
	return err
}
