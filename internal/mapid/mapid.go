// Package mapid tells whether two map values are the same map, not merely
// equal: the library hands a request's data map around and must know when
// it is given back the one it handed out, and which response header a
// value it set belongs to.
package mapid

import "reflect"

// Same reports whether a and b are the same map (two nil maps are).
func Same[M ~map[K]V, K comparable, V any](a, b M) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
