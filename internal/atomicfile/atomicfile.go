// Package atomicfile writes files so that a reader sees either the old bytes
// or the new ones, never a mix: a temp file in the same folder, then rename.
package atomicfile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the name of every temp file this package makes, so that
// leftovers from a crash can be found and removed (see RemoveTemps).
const TempPrefix = ".inkstone-tmp-"

// Options control durability.
type Options struct {
	// Sync flushes the file and its folder to disk before returning, so the
	// write survives a power cut. Content files need it; build output,
	// which can be rebuilt, does not.
	Sync bool
	// Perm is the file mode; 0644 when zero.
	Perm fs.FileMode
}

// WriteFile writes data to path atomically, creating parent folders.
func WriteFile(path string, data []byte, opt Options) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	perm := opt.Perm
	if perm == 0 {
		perm = 0o644
	}
	f, err := os.CreateTemp(dir, TempPrefix+"*")
	if err != nil {
		return fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if opt.Sync {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	ok = true
	if opt.Sync {
		return SyncDir(dir)
	}
	return nil
}

// SyncDir flushes a folder's entries (new names, renames) to disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// Equal reports whether the file at path holds exactly data. A missing or
// unreadable file is not equal.
func Equal(path string, data []byte) bool {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, data)
}

// IsTemp reports whether name (a base name) is one of this package's temp files.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// RemoveTemps deletes temp files left under root by an interrupted write.
func RemoveTemps(root string) error {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && IsTemp(d.Name()) {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove temp files under %s: %w", root, err)
	}
	return nil
}
