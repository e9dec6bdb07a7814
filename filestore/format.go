package filestore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"time"

	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/store"
)

// The file format, all integers big-endian:
//
//	offset  size  field
//	0       4     magic "SESS"
//	4       1     format (3; formats 1 and 2 are still read)
//	5       3     reserved, zero
//	8       8     created, Unix nanoseconds (math.MinInt64: the zero time)
//	16      8     expires, Unix nanoseconds
//	24      4     length n of the data
//	28      8     the record's version (format 1: none, the version is 1)
//	36      2     length u of the user ID (format 1: none)
//	38      2     length i of the IP address (formats 1 and 2: none)
//	40      2     length a of the user agent (formats 1 and 2: none)
//	42      u     the user ID the session is tied to, then the IP address
//	              (i bytes) and the user agent (a bytes) of its sign-in
//	...     n     data
//	...     4     CRC-32C (Castagnoli) of everything before it
//
// In format 2 the user ID follows at offset 38, and the data after it.
// The header comes first so that the sweep can read just the header to
// learn a file's expiry and whose it is.
const (
	magic      = "SESS"
	format     = 3
	headerLen1 = 28 // the fixed header of format 1
	headerLen2 = 38 // of format 2
	headerLen  = 42 // of format 3, the longest
	maxTextLen = 1<<16 - 1
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

// encode returns the file contents for r with the given version. The
// caller keeps r's user ID, IP address and user agent under maxTextLen
// bytes each.
func encode(r store.Record, version uint64) []byte {
	size := headerLen + len(r.UserID) + len(r.IPAddress) + len(r.UserAgent)
	buf := make([]byte, headerLen, size+len(r.Data)+crcLen)
	copy(buf, magic)
	buf[4] = format
	binary.BigEndian.PutUint64(buf[8:], uint64(nanotime.From(r.Created)))
	binary.BigEndian.PutUint64(buf[16:], uint64(nanotime.From(r.Expires)))
	binary.BigEndian.PutUint32(buf[24:], uint32(len(r.Data)))
	binary.BigEndian.PutUint64(buf[28:], version)
	binary.BigEndian.PutUint16(buf[36:], uint16(len(r.UserID)))
	binary.BigEndian.PutUint16(buf[38:], uint16(len(r.IPAddress)))
	binary.BigEndian.PutUint16(buf[40:], uint16(len(r.UserAgent)))
	buf = append(buf, r.UserID...)
	buf = append(buf, r.IPAddress...)
	buf = append(buf, r.UserAgent...)
	buf = append(buf, r.Data...)
	return binary.BigEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
}

// header is the part of a file before the data.
type header struct {
	created, expires time.Time
	dataLen          int
	version          uint64
	fixed            int    // the length of the fixed part
	text             [3]int // the lengths of the user ID, IP address and user agent
	size             int    // the whole header's length, the texts included
	user, ip, ua     string // set by texts
}

// decodeHeader checks and decodes the fixed header at the start of b.
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
	h := header{version: 1, fixed: headerLen1}
	switch b[4] {
	case 2:
		if len(b) < headerLen2 {
			return header{}, errShort
		}
		h.fixed, h.text[0] = headerLen2, int(binary.BigEndian.Uint16(b[36:]))
		h.version = binary.BigEndian.Uint64(b[28:])
	case 3:
		if len(b) < headerLen {
			return header{}, errShort
		}
		h.fixed = headerLen
		for i := range h.text {
			h.text[i] = int(binary.BigEndian.Uint16(b[36+2*i:]))
		}
		h.version = binary.BigEndian.Uint64(b[28:])
	}
	n := binary.BigEndian.Uint32(b[24:])
	if n > maxDataLen {
		return header{}, errLength
	}
	h.size = h.fixed + h.text[0] + h.text[1] + h.text[2]
	h.created = nanotime.To(int64(binary.BigEndian.Uint64(b[8:])))
	h.expires = nanotime.To(int64(binary.BigEndian.Uint64(b[16:])))
	h.dataLen = int(n)
	return h, nil
}

// texts fills in the user ID, IP address and user agent from b, which
// holds the whole header.
func (h *header) texts(b []byte) {
	off := h.fixed
	for i, dst := range []*string{&h.user, &h.ip, &h.ua} {
		*dst = string(b[off : off+h.text[i]])
		off += h.text[i]
	}
}

// decode checks a whole file, of any format this package reads, and
// returns the header and the data (a subslice of b, nil when empty) of its
// record: the newest whole one of a slotted file (see decodeSlotted), torn
// reporting that its other slot is torn.
func decode(b []byte) (h header, data []byte, torn bool, err error) {
	if isSlotted(b) {
		v, err := decodeSlotted(b)
		return v.h, v.data, v.torn, err
	}
	h, data, err = decodeRecord(b, true)
	return h, data, false, err
}

// decodeRecord checks the record at the start of b and returns its header
// and its data; with exact, b must end where the record does.
func decodeRecord(b []byte, exact bool) (header, []byte, error) {
	h, err := decodeHeader(b)
	if err != nil {
		return header{}, nil, err
	}
	if size := h.size + h.dataLen + crcLen; len(b) < size || exact && len(b) != size {
		return header{}, nil, errLength
	}
	n := h.size + h.dataLen
	if crc32.Checksum(b[:n], castagnoli) != binary.BigEndian.Uint32(b[n:]) {
		return header{}, nil, errChecksum
	}
	h.texts(b)
	var data []byte
	if h.dataLen > 0 {
		data = b[h.size:n:n]
	}
	return h, data, nil
}

// record is the record of a decoded file (without its ID).
func (h header) record(data []byte) store.Record {
	return store.Record{Data: data, Created: h.created, Expires: h.expires, Version: h.version,
		UserID: h.user, IPAddress: h.ip, UserAgent: h.ua}
}
