package filestore

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// A session's file since format 4 is slotted: a 16-byte file header, then
// two slots of the same capacity, each with room for one record in the
// format 3 layout (see format.go), checksum included:
//
//	offset    size  field
//	0         4     magic "SESS"
//	4         1     format (4)
//	5         3     reserved, zero
//	8         4     capacity c of each slot, big-endian
//	12        4     CRC-32C (Castagnoli) of bytes 0 to 11
//	16        c     slot 0: a record, then whatever the slot held before
//	16+c      c     slot 1 (absent until the second write)
//
// A file is created whole, written unnamed and linked into place or written
// to a temporary file and renamed into place (see the package doc), with
// its record in slot 0. A change of a live session writes the
// new record into the other slot than the one holding the newest whole
// record, in place (one pwrite under the session's lock), so that the file
// keeps its inode: creating a file and replacing one by rename are what a
// save costs on most file systems, many times the write itself. The record
// in the slot not written is left whole, so a writer killed mid-write, or a
// reader reading while a writer writes, finds the previous record whole
// and the torn one failing its checksum. Of two whole records the one with
// the higher version is the session (versions only grow). A torn slot does
// not prove that the whole one is the newest: a read is not atomic against
// writes, and a reader stalled between the two slots can copy one slot
// before a writer replaces it and the other while the next writer tears
// it. A reader that meets a torn slot therefore reads again, and in the end
// reads under the session's lock, where no writer is at work (see
// readDecoded). A record larger
// than the capacity, a session that has expired and a file of an older
// format are written as a new file again. What a slot holds after its
// record (the end of a longer record it replaced) is never read.
const (
	slottedFormat = 4
	fileHeaderLen = 16
	minSlotCap    = 512
	maxSlotCap    = 1 << 30
)

var errNoWholeSlot = errors.New("no slot holds a whole record")

// isSlotted reports whether b starts like a slotted file.
func isSlotted(b []byte) bool {
	return len(b) >= 5 && string(b[:4]) == magic && b[4] == slottedFormat
}

// slotCap is the capacity given to the slots of a new file whose first
// record is n bytes long: room for it to grow by half, in steps of 512.
func slotCap(n int) int {
	c := n + n/2 + 128
	return max(minSlotCap, (c+minSlotCap-1)/minSlotCap*minSlotCap)
}

// slotted returns a new slotted file holding rec, a record as encode
// returns it, in slot 0.
func slotted(rec []byte) []byte {
	b := make([]byte, fileHeaderLen, fileHeaderLen+len(rec))
	copy(b, magic)
	b[4] = slottedFormat
	binary.BigEndian.PutUint32(b[8:], uint32(slotCap(len(rec))))
	binary.BigEndian.PutUint32(b[12:], crc32.Checksum(b[:12], castagnoli))
	return append(b, rec...)
}

// slottedView is a decoded slotted file: the newest whole record's header
// and data, the slot holding it, and the slots' capacity. torn is set when
// the other slot is in the file but holds no whole record: a writer is
// writing it, or was killed while it did.
type slottedView struct {
	h        header
	data     []byte
	slot     int
	capacity int
	torn     bool
}

// decodeSlotted checks the file header of b and returns the newest whole
// record of its slots.
func decodeSlotted(b []byte) (slottedView, error) {
	if len(b) < fileHeaderLen {
		return slottedView{}, errShort
	}
	if b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return slottedView{}, errVersion
	}
	if crc32.Checksum(b[:12], castagnoli) != binary.BigEndian.Uint32(b[12:]) {
		return slottedView{}, errChecksum
	}
	c := int(binary.BigEndian.Uint32(b[8:]))
	if c < minSlotCap || c > maxSlotCap {
		return slottedView{}, errLength
	}
	v := slottedView{slot: -1, capacity: c}
	for i := range 2 {
		off := fileHeaderLen + i*c
		if off >= len(b) {
			break
		}
		h, data, err := decodeRecord(b[off:min(off+c, len(b))], false)
		switch {
		case err != nil:
			v.torn = true
		case v.slot < 0 || h.version > v.h.version:
			v.h, v.data, v.slot = h, data, i
		}
	}
	if v.slot < 0 {
		return slottedView{}, errNoWholeSlot
	}
	return v, nil
}

// spareSlot returns the offset at which a record of n bytes that is to
// follow v's newest is written, and false when it does not fit a slot.
func (v slottedView) spareSlot(n int) (int64, bool) {
	if n > v.capacity {
		return 0, false
	}
	return int64(fileHeaderLen + (1-v.slot)*v.capacity), true
}
