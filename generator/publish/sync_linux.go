package publish

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system holding dir with one syncfs call, far
// cheaper than an fsync per file. Failure only weakens durability.
func syncFS(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	_ = unix.Syncfs(int(f.Fd()))
}
