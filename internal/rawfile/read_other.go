//go:build !linux

package rawfile

import "os"

// Read returns the bytes of the file at path.
func Read(path string) ([]byte, error) { return os.ReadFile(path) }
