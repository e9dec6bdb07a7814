package mapid_test

import (
	"maps"
	"testing"

	"github.com/seed-699a33a2/session/internal/mapid"
)

func TestSameIsIdentityNotEquality(t *testing.T) {
	a := map[string]any{"k": 1}
	alias := a
	if !mapid.Same(a, alias) {
		t.Error("a map and its alias are not the same")
	}
	if mapid.Same(a, maps.Clone(a)) {
		t.Error("a map and an equal copy are the same")
	}
	if mapid.Same(a, nil) || mapid.Same(nil, a) {
		t.Error("a map and nil are the same")
	}
	if !mapid.Same(map[string]any(nil), nil) {
		t.Error("two nil maps are not the same")
	}
}
