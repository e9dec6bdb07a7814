package codec

import (
	"fmt"

	"github.com/seed-699a33a2/session/store"
)

// The allocation budget. Decode charges every allocation it makes, nested
// slices and maps included, against Budget(len(data)) and fails with
// ErrMalformed when over; the encoder charges the same for what it writes
// and refuses, with ErrTooLarge, data whose decoding would be over. So no
// input, however hostile, makes Decode allocate more than about 16 bytes
// for each of its bytes, and whatever Encode accepts, Decode decodes.
//
// The charges follow what the Go runtime allocates on 64-bit platforms:
const (
	// costSlot is one entry of a map[string]string or map[string]any: a
	// 16-byte key and a 16-byte value, with the table's control byte and
	// slack.
	costSlot = 40
	// costSlotSlice is one entry of a map[string][]string.
	costSlotSlice = 48
	// costElem is one element of a []any or a []string.
	costElem = 16
	// costBox is a string boxed in an interface; costNumber an integer
	// or a float.
	costBox    = 16
	costNumber = 8
	// costHeader is a slice header or a time.Time boxed in an interface.
	costHeader = 24
	// costMap is a map's header.
	costMap = 48
	// costRegistered is what a registered type's unmarshaling may allocate
	// for each byte of its payload.
	costRegistered = 2

	budgetPerByte = 16
	budgetBase    = 4 << 10
)

// ErrTooLarge is wrapped by the error of CheckBudget for data whose
// decoding would allocate more than its budget.
var ErrTooLarge = store.ErrTooLarge

// Budget is what Decode may allocate for n bytes of input.
func Budget(n int) int64 { return budgetPerByte*int64(n) + budgetBase }

// CheckBudget reports, with an error wrapping ErrTooLarge, an encoding of
// n bytes whose entries cost cost to decode (the sum AppendEntryCost
// counted).
func CheckBudget(cost int64, n int) error {
	if cost += int64(n); cost > Budget(n) { // Decode's one copy of the data
		return fmt.Errorf("%w: decoding %d bytes would allocate about %d bytes, over 16 a byte: the data has too many tiny values (empty slices, nils)", ErrTooLarge, n, cost)
	}
	return nil
}

// boxCost is what boxing a value of the tag in an interface allocates;
// what a container holds is charged apart.
func boxCost(tag byte) int64 {
	switch tag {
	case tagString:
		return costBox
	case tagInt, tagInt8, tagInt16, tagInt32, tagInt64, tagUint, tagUint8, tagUint16, tagUint32, tagUint64, tagFloat32, tagFloat64:
		return costNumber
	case tagTime, tagBytes, tagStrings, tagSlice, tagRegistered:
		return costHeader
	}
	return 0 // nil, booleans (static), maps (a pointer)
}

// charge takes n bytes from the decoder's budget.
func (d *decoder) charge(n int64) error {
	if d.budget -= n; d.budget < 0 {
		return malformed("allocation budget of %d bytes for %d bytes of input exceeded at offset %d", Budget(len(d.data)), len(d.data), d.off)
	}
	return nil
}

// ScalarCost is what decoding a value that Same accepts allocates (what
// AppendEntryCost would add for it).
func ScalarCost(v any) int64 {
	switch v.(type) {
	case string:
		return costBox
	case bool:
		return 0
	}
	return costNumber
}
