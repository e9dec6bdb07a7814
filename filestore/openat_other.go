//go:build !linux

package filestore

import "os"

// Elsewhere the session files are read through openRegular (os.Root, an
// lstat, an open and a stat), and written through os.Root.

type folderFile struct{}

func openFolderFile(*os.Root, string) (*folderFile, error) { return nil, nil }

func (*folderFile) close() {}

func (s *Store) openAtFolder(string) (regular, int64, bool, error) { return nil, 0, false, nil }

func (s *Store) openWritableAtFolder(string) (writable, fileStatus, bool, error) {
	return nil, fileStatus{}, false, nil
}

func (s *Store) writeAtFolder(string, string, []byte) (bool, error) { return false, nil }

func (s *Store) createAtFolder(string, []byte) (bool, error) { return false, nil }
