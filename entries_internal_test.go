package session

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

// TestEntriesActLikeAMap: sets, deletes and lookups on entries, across
// the size where searching in order gives way to searching by halves,
// agree with a map.
func TestEntriesActLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var es entries
		model := map[string]string{}
		for op := range 400 {
			k := fmt.Sprintf("k%02d", rng.IntN(40))
			switch rng.IntN(3) {
			case 0, 1:
				v := fmt.Sprint(round, op)
				es.set(k, []byte(v), v)
				model[k] = v
			case 2:
				es.del(k)
				delete(model, k)
			}
			if len(es) != len(model) {
				t.Fatalf("round %d op %d: %d entries, the map has %d", round, op, len(es), len(model))
			}
			for mk, mv := range model {
				e, ok := es.entry(mk)
				if !ok || string(e.Raw) != mv || e.Val != mv {
					t.Fatalf("round %d op %d: entry(%q) = %v, %v; want %q", round, op, mk, e, ok, mv)
				}
			}
			if _, ok := es.get("absent"); ok {
				t.Fatal("found an absent key")
			}
		}
	}
	// A decoded large session is indexed, the last of equal keys winning.
	var es entries
	for i := range 30 {
		es = append(es, codec.Entry{Key: fmt.Sprintf("k%02d", 29-i), Raw: []byte{byte(i)}})
	}
	es = append(es, codec.Entry{Key: "k05", Raw: []byte{99}})
	es = es.indexed()
	if raw, ok := es.get("k05"); !ok || raw[0] != 99 || len(es) != 30 {
		t.Fatalf("indexed: k05 = %v, %v; %d entries", raw, ok, len(es))
	}
}
