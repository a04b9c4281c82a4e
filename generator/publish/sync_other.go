//go:build !linux

package publish

// syncFS is a no-op where syncfs is not available.
func syncFS(string) {}
