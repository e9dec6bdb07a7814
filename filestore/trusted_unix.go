//go:build unix

package filestore

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// trusted refuses a folder that another user owns, or that its group or
// everyone may write into: whoever can write into it could plant a session
// file, or a link, under a session's name.
func trusted(abs string, fi fs.FileInfo) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return unsafeFolder(abs, "is group- or world-writable (mode "+fi.Mode().String()+")")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return unsafeFolder(abs, fmt.Sprintf("is owned by another user (uid %d; this process runs as uid %d)", st.Uid, os.Geteuid()))
	}
	return nil
}

// linkCount is the number of hard links of the file fi describes.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
