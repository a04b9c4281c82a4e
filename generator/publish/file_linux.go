package publish

import (
	"bytes"
	"io/fs"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The files here use system calls directly: an os.File registers each
// file with the runtime's poller, which costs five more system calls per
// file, and a build opens thousands.

// create writes data to a new file at path, failing if one exists, and
// returns its modification time. The file is readable by all (0644),
// whatever the umask.
func create(path string, data []byte) (int64, error) {
	mtime, opened, err := writeTo(path, syscall.O_CREAT|syscall.O_EXCL, data)
	if err != nil && opened {
		syscall.Unlink(path)
	}
	return mtime, err
}

// overwrite replaces the bytes of the existing file at path and returns
// its new modification time.
func overwrite(path string, data []byte) (mtime int64, err error) {
	mtime, _, err = writeTo(path, syscall.O_TRUNC, data)
	return mtime, err
}

// writeTo opens path for writing with the extra flags, writes data, makes
// the file 0644 and returns its modification time; opened tells whether
// the file could be opened at all.
func writeTo(path string, flags int, data []byte) (mtime int64, opened bool, err error) {
	fd, err := open(path, syscall.O_WRONLY|flags, 0o644)
	if err != nil {
		return 0, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	err = write(fd, data)
	if err == nil {
		err = fstat(fd, &st)
	}
	if err == nil && st.Mode&0o777 != 0o644 {
		err = fchmod(fd, 0o644)
	}
	if cerr := syscall.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, true, &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return st.Mtim.Nano(), true, nil
}

// bufs holds the buffers sameFile reads into, but for huge ones (media),
// which would stay in memory for the rest of the process.
var bufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBuffer = 1 << 20

// sameFile reports whether a file exists at path, whether it holds
// exactly data, and if so its modification time.
func sameFile(path string, data []byte) (mtime int64, exists, same bool) {
	fd, err := open(path, syscall.O_RDONLY, 0)
	if err != nil {
		return 0, err != syscall.ENOENT, false
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size != int64(len(data)) {
		return 0, true, false
	}
	bp := bufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuffer {
			bufs.Put(bp)
		}
	}()
	// One byte more than expected, to see the end of the file.
	if cap(*bp) < len(data)+1 {
		*bp = make([]byte, len(data)+1)
	}
	buf := (*bp)[:len(data)+1]
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, true, false
		}
		if m == 0 {
			break
		}
		n += m
	}
	return st.Mtim.Nano(), true, n == len(data) && bytes.Equal(buf[:n], data)
}

// syncFile flushes the bytes of the file at path to disk.
func syncFile(path string) error {
	fd, err := open(path, syscall.O_RDONLY, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	for {
		// The data and the size are what a rename over the old file
		// must not lose; its times may lag.
		err := syscall.Fdatasync(fd)
		if err == nil {
			return nil
		}
		if err != syscall.EINTR {
			return &fs.PathError{Op: "sync", Path: path, Err: err}
		}
	}
}

func open(path string, mode int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(path, mode|syscall.O_CLOEXEC, perm)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func write(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}

func fchmod(fd int, mode uint32) error {
	for {
		if err := syscall.Fchmod(fd, mode); err != syscall.EINTR {
			return err
		}
	}
}

// rename moves a staged file into place. Unlike os.Rename it does not
// look at the target first: the outputs are files, never folders.
func rename(from, to string) error {
	for {
		err := syscall.Rename(from, to)
		if err == nil {
			return nil
		}
		if err != syscall.EINTR {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
		}
	}
}

// exchange swaps two files atomically (renameat2 RENAME_EXCHANGE): a
// reader of either path sees the old file or the new one, never neither.
func exchange(a, b string) error {
	for {
		err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
		if err == nil {
			return nil
		}
		if err != unix.EINTR {
			return &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
		}
	}
}
