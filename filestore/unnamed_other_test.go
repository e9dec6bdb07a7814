//go:build !linux

package filestore

// UnnamedFilesWork is false: the store uses unnamed files on Linux only.
func UnnamedFilesWork(string) bool { return false }
