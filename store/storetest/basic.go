package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func (s *suite) roundTrip(t tb) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("hello, session"))
	tok := mustSave(t, st, r)
	if !s.opts.ClientSide && tok != r.ID {
		t.Errorf("server-side store returned token %q, want the ID %q", tok, r.ID)
	}
	checkRecord(t, mustLoad(t, st, tok), r)
}

func (s *suite) emptyData(t tb) {
	st, clock := s.fresh(t)
	for _, data := range [][]byte{nil, {}} {
		r := record(clock, data)
		got := mustLoad(t, st, mustSave(t, st, r))
		if len(got.Data) != 0 || got.ID != r.ID {
			t.Errorf("empty data: got ID %q, %d bytes", got.ID, len(got.Data))
		}
	}
}

func (s *suite) binaryData(t tb) {
	st, clock := s.fresh(t)
	data := make([]byte, 512)
	for i := range data {
		data[i] = byte(i)
	}
	r := record(clock, data)
	checkRecord(t, mustLoad(t, st, mustSave(t, st, r)), r)
}

func (s *suite) largeData(t tb) {
	st, clock := s.fresh(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16)
	r := record(clock, data)
	checkRecord(t, mustLoad(t, st, mustSave(t, st, r)), r)
}

func (s *suite) overwrite(t tb) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("first"))
	mustSave(t, st, r)
	r.Data = []byte("second")
	r.Expires = r.Expires.Add(time.Minute)
	tok := mustSave(t, st, r)
	checkRecord(t, mustLoad(t, st, tok), r)
}

func (s *suite) notFound(t tb) {
	st, _ := s.fresh(t)
	wantNotFound(t, st, store.NewID(), "unknown ID")
}

func (s *suite) pastExpiry(t tb) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	r.Expires = clock.Now().Add(-time.Second)
	tok, err := st.Save(context.Background(), r)
	if err != nil {
		t.Fatalf("Save with a past expiry: %v", err)
	}
	if tok != "" {
		wantNotFound(t, st, tok, "record saved with a past expiry")
	}
	wantNotFound(t, st, r.ID, "ID saved with a past expiry")
}

func (s *suite) expiryByClock(t tb) {
	if s.opts.RealClock {
		t.Skip("store expires records by its server's clock")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	r.Expires = clock.Now().Add(10 * time.Second)
	tok := mustSave(t, st, r)
	clock.Advance(9 * time.Second)
	mustLoad(t, st, tok)
	clock.Advance(time.Second)
	wantNotFound(t, st, tok, "record at its expiry")
}

func (s *suite) saveExpiredDeletes(t tb) {
	if s.opts.ClientSide {
		t.Skip("client-side store: the old token stays valid until it expires")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("live"))
	tok := mustSave(t, st, r)
	r.Expires = clock.Now().Add(-time.Second)
	if _, err := st.Save(context.Background(), r); err != nil {
		t.Fatalf("Save with a past expiry: %v", err)
	}
	wantNotFound(t, st, tok, "record re-saved with a past expiry")
}

func (s *suite) deleteIdempotent(t tb) {
	st, clock := s.fresh(t)
	ctx := context.Background()
	if err := st.Delete(ctx, store.NewID()); err != nil {
		t.Fatalf("Delete of a missing record: %v", err)
	}
	r := record(clock, []byte("x"))
	tok := mustSave(t, st, r)
	for i := 0; i < 2; i++ {
		if err := st.Delete(ctx, r.ID); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if !s.opts.ClientSide {
		wantNotFound(t, st, tok, "deleted record")
	}
}

// GarbageTokens are inputs that no store may open, shared with the
// manager's hostile-input tests.
func GarbageTokens() map[string]string {
	id := store.NewID()
	return map[string]string{
		"empty":                  "",
		"short":                  "x",
		"dot-dot":                "..",
		"traversal":              "../../etc/passwd",
		"absolute":               "/etc/passwd",
		"percent-encoded":        "..%2F..%2Fetc%2Fpasswd",
		"nul-bytes":              "abc\x00def",
		"control-bytes":          "\x01\x02\x7f",
		"crlf":                   "a\r\nSet-Cookie: x=y",
		"non-ascii":              "sessión-ünïcode",
		"10KB":                   strings.Repeat("A", 10<<10),
		"1MB":                    strings.Repeat("A", 1<<20),
		"padded-base64":          id + "=",
		"std-base64":             strings.Repeat("+/", 22),
		"id-one-short":           id[:len(id)-1],
		"id-one-long":            id + "A",
		"json-suffix":            id + ".json",
		"hash-shaped":            strings.Repeat("ab", 32),
		"all-zero-id":            strings.Repeat("A", store.IDLen),
		"valid-but-unknown-id":   id,
		"uppercase-unknown-id":   strings.ToUpper(id),
		"spaces":                 "   ",
		"quotes":                 `"quoted"`,
		"semicolon":              "a;b",
		"backslash-traversal":    `..\..\windows`,
		"dot-file":               ".hidden",
		"trailing-slash":         id + "/",
		"double-encoded-percent": "%252e%252e%252f",
	}
}

func (s *suite) garbageTokens(t tb) {
	st, clock := s.fresh(t)
	mustSave(t, st, record(clock, []byte("bystander")))
	for name, tok := range GarbageTokens() {
		t.Run(name, func(t tb) { wantNotFound(t, st, tok, name) })
	}
}

// tamperedTokens changes one character of a real token at a time: every
// variant must be ErrNotFound, including the non-canonical spellings of the
// same bytes.
func (s *suite) tamperedTokens(t tb) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("secret data"))
	tok := mustSave(t, st, r)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	step := 1
	if len(tok) > 200 {
		step = len(tok) / 200
	}
	for i := 0; i < len(tok); i += step {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], alphabet[strings.IndexByte(alphabet, tok[i])^1]} {
			if c == tok[i] {
				continue
			}
			bad := tok[:i] + string(c) + tok[i+1:]
			wantNotFound(t, st, bad, fmt.Sprintf("token with byte %d changed", i))
		}
	}
	wantNotFound(t, st, tok[:len(tok)-1], "truncated token")
	wantNotFound(t, st, tok+"A", "extended token")
	mustLoad(t, st, tok)
}

func (s *suite) hashIsNotAToken(t tb) {
	if s.opts.ClientSide {
		t.Skip("client-side store keeps nothing on the server")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	mustSave(t, st, r)
	wantNotFound(t, st, store.HashID(r.ID), "the stored name of a session")
}

func (s *suite) invalidID(t tb) {
	st, clock := s.fresh(t)
	for _, id := range []string{"", "../../x", "short", store.NewID() + "A"} {
		r := record(clock, []byte("x"))
		r.ID = id
		if _, err := st.Save(context.Background(), r); !errors.Is(err, store.ErrInvalidID) {
			t.Errorf("Save with ID %q: err = %v, want ErrInvalidID", id, err)
		}
	}
}

func (s *suite) noAliasing(t tb) {
	st, clock := s.fresh(t)
	data := []byte("original")
	r := record(clock, data)
	tok := mustSave(t, st, r)
	copy(data, "CHANGED!")
	got := mustLoad(t, st, tok)
	if string(got.Data) != "original" {
		t.Fatalf("store aliased the caller's slice: loaded %q", got.Data)
	}
	copy(got.Data, "CHANGED!")
	if again := mustLoad(t, st, tok); string(again.Data) != "original" {
		t.Fatalf("store returned its own slice: loaded %q after the caller changed it", again.Data)
	}
}

func (s *suite) cancelledContext(t tb) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	tok := mustSave(t, st, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", op, err)
		}
		if !errors.Is(err, store.ErrBackend) {
			t.Errorf("%s with a cancelled context: err = %v, want it to wrap ErrBackend", op, err)
		}
	}
	_, err := st.Load(ctx, tok)
	check("Load", err)
	_, err = st.Save(ctx, r)
	check("Save", err)
	check("Delete", st.Delete(ctx, r.ID))
}

func (s *suite) parallel(t tb) {
	st, clock := s.fresh(t)
	shared := record(clock, []byte("shared-0"))
	sharedTok := mustSave(t, st, shared)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < rounds; i++ {
				own := record(clock, []byte(fmt.Sprintf("w%d-%d", w, i)))
				tok, err := st.Save(ctx, own)
				if err != nil {
					errs <- err
					continue
				}
				got, err := st.Load(ctx, tok)
				if err != nil || string(got.Data) != string(own.Data) {
					errs <- fmt.Errorf("worker %d: load own record: %q, %v", w, got.Data, err)
				}
				sr := shared
				sr.Data = []byte(fmt.Sprintf("shared-%d-%d", w, i))
				if _, err := st.Save(ctx, sr); err != nil {
					errs <- err
				}
				if !s.opts.ClientSide {
					if _, err := st.Load(ctx, sharedTok); err != nil {
						errs <- fmt.Errorf("worker %d: load shared record: %v", w, err)
					}
				}
				if err := st.Delete(ctx, own.ID); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func (s *suite) touch(t tb) {
	st, tc, clock := with[store.Toucher](s, t)
	ctx := context.Background()
	r := record(clock, []byte("touch me"))
	tok := mustSave(t, st, r)
	later := r.Expires.Add(30 * time.Minute)
	if err := tc.Touch(ctx, r.ID, later); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	want := r
	want.Expires = later
	checkRecord(t, mustLoad(t, st, tok), want)
	if err := tc.Touch(ctx, store.NewID(), later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Touch of a missing record: err = %v, want ErrNotFound", err)
	}
	if !s.opts.RealClock {
		clock.Advance(2 * time.Hour)
		if err := tc.Touch(ctx, r.ID, clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Touch of an expired record: err = %v, want ErrNotFound", err)
		}
	}
}

func (s *suite) deleteExpired(t tb) {
	if s.opts.RealClock {
		t.Skip("store expires records by its server's clock")
	}
	st, p, clock := with[store.Pruner](s, t)
	ctx := context.Background()
	short := record(clock, []byte("short"))
	short.Expires = clock.Now().Add(time.Minute)
	long := record(clock, []byte("long"))
	long.Expires = clock.Now().Add(time.Hour)
	mustSave(t, st, short)
	longTok := mustSave(t, st, long)
	clock.Advance(2 * time.Minute)
	n, err := p.DeleteExpired(ctx)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if n != 1 {
		t.Errorf("DeleteExpired removed %d records, want 1", n)
	}
	mustLoad(t, st, longTok)
	if n, err := p.DeleteExpired(ctx); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
	}
}
