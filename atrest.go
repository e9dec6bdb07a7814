package session

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/internal/seal"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

// Encryption says whether the manager seals the data of each session
// before the store sees it (Config.Encrypt, SESSION_ENCRYPT).
type Encryption uint8

const (
	// EncryptOff stores the data as encoded (SESSION_ENCRYPT=false, the
	// default).
	EncryptOff Encryption = iota
	// EncryptOn seals the data of every session written and opens it after
	// every load (SESSION_ENCRYPT=true); a record that is not sealed is no
	// session.
	EncryptOn
	// EncryptMigrate is EncryptOn that also reads plain records, once each,
	// and writes them back sealed (SESSION_ENCRYPT=migrate): for the
	// switch-over of a store that holds plain sessions. Switch to
	// EncryptOn when the plain sessions have been rewritten or have
	// expired.
	EncryptMigrate
)

// String is the value of SESSION_ENCRYPT for e.
func (e Encryption) String() string {
	switch e {
	case EncryptOff:
		return "false"
	case EncryptOn:
		return "true"
	case EncryptMigrate:
		return "migrate"
	}
	return "Encryption(" + strconv.Itoa(int(e)) + ")"
}

// parseEncryption reads SESSION_ENCRYPT: a boolean, or migrate.
func parseEncryption(v string) (Encryption, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "migrate" {
		return EncryptMigrate, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return 0, fmt.Errorf("want true, false or migrate")
	}
	if on {
		return EncryptOn, nil
	}
	return EncryptOff, nil
}

// atRest is the purpose of the key encryption at rest derives from the
// secret: no other use of the secret (the cookie driver's) shares it.
const atRest = "at rest v1"

// newBox returns the manager's sealing box, or nil when cfg does not
// encrypt. It fails for a store with nothing at rest to encrypt, and for a
// missing or weak secret.
func newBox(st Store, cfg Config) (*seal.Box, error) {
	if cfg.Encrypt == EncryptOff {
		return nil, nil
	}
	name := "SESSION_ENCRYPT=" + cfg.Encrypt.String()
	switch st.(type) {
	case *memstore.Store:
		return nil, fmt.Errorf("%w: %s with the memory driver: nothing of it is at rest", ErrConfig, name)
	case *cookiestore.Store:
		return nil, fmt.Errorf("%w: %s with the cookie driver: its cookies are sealed already", ErrConfig, name)
	}
	if len(cfg.Secret) == 0 {
		return nil, fmt.Errorf("%w: %s needs SESSION_SECRET: make one with `openssl rand -base64 32`", ErrConfig, name)
	}
	names := []string{"SESSION_SECRET (for " + name + ")"}
	for i := range cfg.PreviousSecrets {
		names = append(names, fmt.Sprintf("SESSION_PREVIOUS_SECRETS[%d]", i))
	}
	b, err := seal.New(atRest, cfg.Secret, cfg.PreviousSecrets, names)
	if err != nil {
		return nil, configErr(err)
	}
	return b, nil
}

// seal returns the data of the session id as the store is to keep it:
// sealed, bound to the session's hashed ID, when the manager encrypts.
func (m *Manager) seal(id string, data []byte) []byte {
	if m.box == nil {
		return data
	}
	return m.box.Seal(make([]byte, 0, len(data)+seal.Overhead), data, []byte(store.HashID(id)))
}

// errNotSealed is why a plain record is no session under EncryptOn.
var errNotSealed = fmt.Errorf("%w: a plain record (SESSION_ENCRYPT=true takes only sealed ones; migrate reads plain ones too)", seal.ErrOpen)

// unsealID is unseal for the session with the given ID; the ID is hashed
// only when the manager encrypts.
func (m *Manager) unsealID(id string, data []byte) ([]byte, bool, error) {
	if m.box == nil {
		return data, false, nil
	}
	return m.unseal(store.HashID(id), data)
}

// unseal returns the encoded data of a record of the session whose handle
// (hashed ID) is handle. It fails for a record that is no session under
// the manager's encryption: one that does not open, or one that is not
// sealed, unless the manager migrates; plain then reports a plain record,
// to be written back sealed.
func (m *Manager) unseal(handle string, data []byte) (out []byte, plain bool, err error) {
	switch {
	case m.box == nil:
		return data, false, nil
	case len(data) > 0 && data[0] == codec.Version: // a plain encoding
		if m.cfg.Encrypt == EncryptMigrate {
			return data, true, nil
		}
		return nil, false, errNotSealed
	}
	out, err = m.box.Open(nil, data, []byte(handle))
	return out, false, err
}
