package gormstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// readRow returns created_at and version of the row of id, read from the
// table directly.
func readRow(t *testing.T, db *gorm.DB, table, id string) (created time.Time, version int64) {
	t.Helper()
	err := db.Table(table).Select("created_at", "version").
		Where("id = ?", store.HashID(id)).Row().Scan(&created, &version)
	if err != nil {
		t.Fatalf("read row: %v", err)
	}
	return created, version
}

func TestCreatedAtKeptAndVersionIncrements(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, table := newStore(t, db, gormstore.Options{Now: clock.Now})
		r := record(clock, "first")
		firstCreated := r.Created
		save(t, st, r)
		if created, v := readRow(t, db, table, r.ID); !created.Equal(firstCreated) || v != 1 {
			t.Fatalf("after insert: created_at %v, version %d; want %v, 1", created, v, firstCreated)
		}
		for i, created := range []time.Time{clock.Now(), {}} {
			clock.Advance(time.Minute)
			r.Data = []byte(fmt.Sprintf("save %d", i+2))
			r.Created = created
			save(t, st, r)
			gotCreated, v := readRow(t, db, table, r.ID)
			if !gotCreated.Equal(firstCreated) {
				t.Errorf("save %d reset created_at to %v, want %v", i+2, gotCreated, firstCreated)
			}
			if v != int64(i+2) {
				t.Errorf("after save %d: version %d, want %d", i+2, v, i+2)
			}
		}
		got, err := st.Load(context.Background(), r.ID)
		if err != nil || string(got.Data) != "save 3" || !got.Created.Equal(firstCreated) {
			t.Errorf("Load = %q created %v, %v; want %q created %v", got.Data, got.Created, err, "save 3", firstCreated)
		}
		// A touch is not a save: the version stays.
		if err := st.Touch(context.Background(), r.ID, clock.Now().Add(2*time.Hour)); err != nil {
			t.Fatalf("Touch: %v", err)
		}
		if _, v := readRow(t, db, table, r.ID); v != 3 {
			t.Errorf("after Touch: version %d, want 3", v)
		}
	})
}

// TestMigrateIsIdempotent migrates an existing table again: nothing is
// created or altered and the rows stay.
func TestMigrateIsIdempotent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			rec := &recorder{}
			db := d.open(t, &gorm.Config{Logger: rec})
			clock := storetest.NewClock(epoch)
			st, _ := newStore(t, db, gormstore.Options{Now: clock.Now})
			r := record(clock, "kept")
			save(t, st, r)
			for i := 0; i < 2; i++ {
				rec.take()
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatalf("Migrate again: %v", err)
				}
				stmts, _ := rec.take()
				for _, s := range stmts {
					if u := strings.ToUpper(strings.TrimSpace(s)); strings.HasPrefix(u, "ALTER") || strings.HasPrefix(u, "CREATE") || strings.HasPrefix(u, "DROP") {
						t.Errorf("Migrate of an existing table ran %s", s)
					}
				}
			}
			if got, err := st.Load(context.Background(), r.ID); err != nil || string(got.Data) != "kept" {
				t.Fatalf("Load after Migrate = %q, %v", got.Data, err)
			}
		})
	}
}

// TestNoColumnHoldsTheID reads every column of a saved row as bytes: none
// may contain the session ID, in its text or its decoded form.
func TestNoColumnHoldsTheID(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, table := newStore(t, db, gormstore.Options{Now: clock.Now})
		r := record(clock, "payload")
		save(t, st, r)
		raw, err := store.Encoding.DecodeString(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Table(table).Rows()
		if err != nil {
			t.Fatalf("select *: %v", err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan: %v", err)
			}
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				case time.Time:
					b = []byte(v.Format(time.RFC3339Nano))
				default:
					b = []byte(fmt.Sprint(v))
				}
				if bytes.Contains(b, []byte(r.ID)) || bytes.Contains(b, raw) ||
					bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(r.ID))) {
					t.Errorf("column %s holds the session ID: %q", cols[i], b)
				}
				if cols[i] == "id" && string(b) != store.HashID(r.ID) {
					t.Errorf("id column = %q, want HashID of the ID", b)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("table has %d rows, want 1", n)
		}
	})
}

// TestTouchUnchanged touches twice with the same expiry at the same clock
// reading: the second UPDATE changes no value, which MySQL reports as no
// row affected, and must still not be ErrNotFound.
func TestTouchUnchanged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, _ := newStore(t, db, gormstore.Options{Now: clock.Now})
		r := record(clock, "x")
		save(t, st, r)
		exp := clock.Now().Add(3 * time.Hour)
		for i := 0; i < 2; i++ {
			if err := st.Touch(context.Background(), r.ID, exp); err != nil {
				t.Fatalf("Touch #%d: %v", i+1, err)
			}
		}
		for _, id := range []string{store.NewID(), "not an id"} {
			if err := st.Touch(context.Background(), id, exp); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Touch(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})
}

// TestMicrosecondPrecision: every dialect keeps the times to the
// microsecond (MySQL's DATETIME would keep milliseconds by default).
func TestMicrosecondPrecision(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, _ := newStore(t, db, gormstore.Options{Now: clock.Now})
		r := record(clock, "x")
		r.Created = r.Created.Add(123456789 * time.Nanosecond)
		r.Expires = r.Expires.Add(987654321 * time.Nanosecond)
		save(t, st, r)
		got, err := st.Load(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := r.Created.Truncate(time.Microsecond); !got.Created.Equal(want) {
			t.Errorf("Created = %v, want %v", got.Created, want)
		}
		if want := r.Expires.Truncate(time.Microsecond); !got.Expires.Equal(want) {
			t.Errorf("Expires = %v, want %v", got.Expires, want)
		}
		if got.Created.Location() != time.UTC || got.Expires.Location() != time.UTC {
			t.Errorf("times not in UTC: %v, %v", got.Created, got.Expires)
		}
	})
}
