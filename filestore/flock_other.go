//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package filestore

import "os"

// crossProcess reports whether the store's locks hold across processes
// sharing the folder on this system: without flock(2) they hold only
// among the goroutines of one process.
const crossProcess = false

// flock and funlock do nothing where the system has no flock(2).
func flock(*os.File) error { return nil }

func funlock(*os.File) error { return nil }
