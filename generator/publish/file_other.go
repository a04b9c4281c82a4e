//go:build !linux

package publish

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
)

// create writes data to a new file at path, failing if one exists, and
// returns its modification time. The file is readable by all (0644),
// whatever the umask.
func create(path string, data []byte) (int64, error) {
	mtime, opened, err := writeTo(path, os.O_CREATE|os.O_EXCL, data)
	if err != nil && opened {
		os.Remove(path)
	}
	return mtime, err
}

// overwrite replaces the bytes of the existing file at path and returns
// its new modification time.
func overwrite(path string, data []byte) (mtime int64, err error) {
	mtime, _, err = writeTo(path, os.O_TRUNC, data)
	return mtime, err
}

// writeTo opens path for writing with the extra flags, writes data, makes
// the file 0644 and returns its modification time; opened tells whether
// the file could be opened at all.
func writeTo(path string, flags int, data []byte) (mtime int64, opened bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|flags, 0o644)
	if err != nil {
		return 0, false, err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	var st os.FileInfo
	if err == nil {
		st, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, true, err
	}
	return st.ModTime().UnixNano(), true, nil
}

// sameFile reports whether a file exists at path, whether it holds
// exactly data, and if so its modification time.
func sameFile(path string, data []byte) (mtime int64, exists, same bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, !errors.Is(err, fs.ErrNotExist), false
	}
	if !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return 0, true, false
	}
	old, err := os.ReadFile(path)
	return st.ModTime().UnixNano(), true, err == nil && bytes.Equal(old, data)
}

// syncFile flushes the bytes of the file at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// rename moves a staged file into place.
func rename(from, to string) error { return os.Rename(from, to) }

// exchange is not available here: callers fall back to rename.
func exchange(a, b string) error { return errors.ErrUnsupported }
