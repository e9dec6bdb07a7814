package hardening_test

import (
	"os"
	"syscall"
	"time"
)

// atime returns the last access time of fi's file.
func atime(fi os.FileInfo) (time.Time, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec), true
}
