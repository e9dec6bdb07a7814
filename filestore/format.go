package filestore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"time"

	"github.com/seed-699a33a2/session/internal/nanotime"
)

// The file format, all integers big-endian:
//
//	offset  size  field
//	0       4     magic "SESS"
//	4       1     format (2; format 1 files are still read)
//	5       3     reserved, zero
//	8       8     created, Unix nanoseconds (math.MinInt64: the zero time)
//	16      8     expires, Unix nanoseconds
//	24      4     length n of the data
//	28      8     the record's version (format 2 only; format 1 means 1)
//	36      2     length u of the user ID (format 2 only)
//	38      u     the user ID the session is tied to (format 2 only)
//	38+u    n     data
//	38+u+n  4     CRC-32C (Castagnoli) of everything before it
//
// The header comes first so that the sweep can read just the header to
// learn a file's expiry.
const (
	magic      = "SESS"
	format     = 2
	headerLen1 = 28 // the header of format 1
	headerLen  = 38 // the fixed header of format 2, the longest (the user ID follows)
	maxUserLen = 1<<16 - 1
	crcLen     = 4

	// maxDataLen bounds the length field; files claiming more are corrupt
	// (the manager enforces its own, much smaller, limit).
	maxDataLen = math.MaxInt32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	errShort    = errors.New("file too short")
	errMagic    = errors.New("not a session file")
	errVersion  = errors.New("unknown format version")
	errLength   = errors.New("data length does not match the file size")
	errChecksum = errors.New("checksum mismatch")
)

// encode returns the file contents for one record.
// The caller keeps user under maxUserLen bytes.
func encode(data []byte, created, expires time.Time, version uint64, user string) []byte {
	size := headerLen + len(user)
	buf := make([]byte, size+len(data)+crcLen)
	copy(buf, magic)
	buf[4] = format
	binary.BigEndian.PutUint64(buf[8:], uint64(nanotime.From(created)))
	binary.BigEndian.PutUint64(buf[16:], uint64(nanotime.From(expires)))
	binary.BigEndian.PutUint32(buf[24:], uint32(len(data)))
	binary.BigEndian.PutUint64(buf[28:], version)
	binary.BigEndian.PutUint16(buf[36:], uint16(len(user)))
	copy(buf[headerLen:], user)
	copy(buf[size:], data)
	n := size + len(data)
	binary.BigEndian.PutUint32(buf[n:], crc32.Checksum(buf[:n], castagnoli))
	return buf
}

// header is the part of a file the sweep reads.
type header struct {
	created, expires time.Time
	dataLen          int
	version          uint64
	size             int    // the header's length in the file, the user ID included
	user             string // set by decode only
}

// decodeHeader checks and decodes the header at the start of b.
func decodeHeader(b []byte) (header, error) {
	if len(b) < headerLen1 {
		return header{}, errShort
	}
	if string(b[:4]) != magic {
		return header{}, errMagic
	}
	if b[4] < 1 || b[4] > format || b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return header{}, errVersion
	}
	h := header{version: 1, size: headerLen1}
	if b[4] == 2 {
		if len(b) < headerLen {
			return header{}, errShort
		}
		h.version = binary.BigEndian.Uint64(b[28:])
		h.size = headerLen + int(binary.BigEndian.Uint16(b[36:]))
	}
	n := binary.BigEndian.Uint32(b[24:])
	if n > maxDataLen {
		return header{}, errLength
	}
	h.created = nanotime.To(int64(binary.BigEndian.Uint64(b[8:])))
	h.expires = nanotime.To(int64(binary.BigEndian.Uint64(b[16:])))
	h.dataLen = int(n)
	return h, nil
}

// decode checks a whole file and returns its header and its data, a
// subslice of b (nil when empty).
func decode(b []byte) (header, []byte, error) {
	h, err := decodeHeader(b)
	if err != nil {
		return header{}, nil, err
	}
	if len(b) != h.size+h.dataLen+crcLen {
		return header{}, nil, errLength
	}
	n := h.size + h.dataLen
	if crc32.Checksum(b[:n], castagnoli) != binary.BigEndian.Uint32(b[n:]) {
		return header{}, nil, errChecksum
	}
	if h.size > headerLen1 { // format 2: the user ID follows the fixed header
		h.user = string(b[headerLen:h.size])
	}
	var data []byte
	if h.dataLen > 0 {
		data = b[h.size:n:n]
	}
	return h, data, nil
}
