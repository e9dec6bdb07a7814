package session

import "github.com/seed-699a33a2/session/internal/codec"

// Register makes values of type T storable in sessions under the wire name
// name, which must stay the same across releases. Without registration,
// types other than the built-in ones (see the package documentation) are an
// error wrapping ErrUnsupportedType. Types implementing
// encoding.BinaryMarshaler (with *T implementing encoding.BinaryUnmarshaler)
// are encoded with those methods, others with encoding/json. Register panics
// on an empty or duplicate name or a type registered twice; call it from an
// init function. It is safe for concurrent use.
func Register[T any](name string) { codec.Register[T](name) }
