package redisstore_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

func TestNewClientFromEnv(t *testing.T) {
	type want struct {
		kind     string // "single", "cluster" or "failover"
		addrs    []string
		password string
		db       int
		tls      bool
	}
	tests := []struct {
		name string
		env  map[string]string
		want want
	}{
		{"Defaults", nil, want{kind: "single", addrs: []string{"127.0.0.1:6379"}}},
		{"HostPortPasswordDB", map[string]string{
			"REDIS_HOST": "redis.internal", "REDIS_PORT": "6380", "REDIS_PASSWORD": "pw", "REDIS_DB": "3",
		}, want{kind: "single", addrs: []string{"redis.internal:6380"}, password: "pw", db: 3}},
		{"IPv6Host", map[string]string{"REDIS_HOST": "::1"}, want{kind: "single", addrs: []string{"[::1]:6379"}}},
		{"URLWins", map[string]string{
			"SESSION_REDIS_URL": "redis://:secret@cache:7000/2",
			"REDIS_HOST":        "ignored", "REDIS_PORT": "1", "REDIS_PASSWORD": "ignored", "REDIS_DB": "5",
			"REDIS_CLUSTER_ADDRS": "ignored:1",
		}, want{kind: "single", addrs: []string{"cache:7000"}, password: "secret", db: 2}},
		{"URLWithTLS", map[string]string{"SESSION_REDIS_URL": "rediss://cache:6380"},
			want{kind: "single", addrs: []string{"cache:6380"}, tls: true}},
		{"Cluster", map[string]string{
			"REDIS_CLUSTER_ADDRS": "10.0.0.1:7000, 10.0.0.2:7000,10.0.0.3:7000", "REDIS_PASSWORD": "pw", "REDIS_DB": "0",
		}, want{kind: "cluster", addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, password: "pw"}},
		{"Sentinel", map[string]string{
			"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379,10.0.0.2:26379", "REDIS_MASTER_NAME": "mymaster",
			"REDIS_PASSWORD": "pw", "REDIS_DB": "1",
		}, want{kind: "failover", password: "pw", db: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := redisstore.NewClientFromEnv(mapLookup(tc.env))
			if err != nil {
				t.Fatalf("NewClientFromEnv: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			var got want
			switch c := c.(type) {
			case *redis.ClusterClient:
				o := c.Options()
				got = want{kind: "cluster", addrs: o.Addrs, password: o.Password, tls: o.TLSConfig != nil}
			case *redis.Client:
				o := c.Options()
				got = want{kind: "single", addrs: []string{o.Addr}, password: o.Password, db: o.DB, tls: o.TLSConfig != nil}
				if o.Addr == "FailoverClient" { // what go-redis names a Sentinel-backed client
					got.kind, got.addrs = "failover", nil
				}
			default:
				t.Fatalf("client is a %T", c)
			}
			if got.kind != tc.want.kind || !slices.Equal(got.addrs, tc.want.addrs) || got.password != tc.want.password ||
				got.db != tc.want.db || got.tls != tc.want.tls {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewClientFromEnvErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    []string // substrings of the message: the variable and its value
		notWant string   // a secret the message must not show
	}{
		{"URLScheme", map[string]string{"SESSION_REDIS_URL": "http://cache:6379"},
			[]string{"SESSION_REDIS_URL", "http://cache:6379"}, ""},
		{"URLDatabase", map[string]string{"SESSION_REDIS_URL": "redis://:hunter2@cache:6379/zero"},
			[]string{"SESSION_REDIS_URL", "redis://:xxxxx@cache:6379/zero"}, "hunter2"},
		{"URLUnparsable", map[string]string{"SESSION_REDIS_URL": "redis://u:hunter2@cache:port/"},
			[]string{"SESSION_REDIS_URL", "redis://u:xxxxx@cache:port/"}, "hunter2"},
		{"URLQueryPassword", map[string]string{"SESSION_REDIS_URL": "redis://cache:6379/zero?password=hunter2"},
			[]string{"SESSION_REDIS_URL", "password=xxxxx"}, "hunter2"},
		{"PortNotANumber", map[string]string{"REDIS_PORT": "six"}, []string{"REDIS_PORT", `"six"`}, ""},
		{"PortOutOfRange", map[string]string{"REDIS_PORT": "70000"}, []string{"REDIS_PORT", `"70000"`}, ""},
		{"DBNotANumber", map[string]string{"REDIS_DB": "one"}, []string{"REDIS_DB", `"one"`}, ""},
		{"DBNegative", map[string]string{"REDIS_DB": "-1"}, []string{"REDIS_DB", `"-1"`}, ""},
		{"ClusterWithDB", map[string]string{"REDIS_CLUSTER_ADDRS": "h:7000", "REDIS_DB": "2"},
			[]string{"REDIS_DB", `"2"`, "REDIS_CLUSTER_ADDRS"}, ""},
		{"ClusterAndSentinel", map[string]string{
			"REDIS_CLUSTER_ADDRS": "h:7000", "REDIS_SENTINEL_ADDRS": "h:26379", "REDIS_MASTER_NAME": "m",
		}, []string{"REDIS_CLUSTER_ADDRS", `"h:7000"`, "REDIS_SENTINEL_ADDRS", `"h:26379"`}, ""},
		{"SentinelWithoutMaster", map[string]string{"REDIS_SENTINEL_ADDRS": "h:26379"},
			[]string{"REDIS_SENTINEL_ADDRS", `"h:26379"`, "REDIS_MASTER_NAME"}, ""},
		{"ClusterAddrNoPort", map[string]string{"REDIS_CLUSTER_ADDRS": "h1:7000,h2"},
			[]string{"REDIS_CLUSTER_ADDRS", `"h1:7000,h2"`, `"h2"`}, ""},
		{"ClusterAddrsEmpty", map[string]string{"REDIS_CLUSTER_ADDRS": " , "},
			[]string{"REDIS_CLUSTER_ADDRS"}, ""},
		{"SentinelAddrBadPort", map[string]string{"REDIS_SENTINEL_ADDRS": "h:x", "REDIS_MASTER_NAME": "m"},
			[]string{"REDIS_SENTINEL_ADDRS", `"h:x"`}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := redisstore.NewClientFromEnv(mapLookup(tc.env))
			if err == nil {
				_ = c.Close()
				t.Fatal("NewClientFromEnv succeeded, want an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "redis: ") {
				t.Errorf("error %q lacks the prefix \"redis: \"", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %s", msg, w)
				}
			}
			if tc.notWant != "" && strings.Contains(msg, tc.notWant) {
				t.Errorf("error %q shows the secret %q", msg, tc.notWant)
			}
		})
	}
}

func mapLookup(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

// TestClientsFailFast: every client NewClientFromEnv builds retries a dial
// once and a command once, 8 to 32 ms apart, unless the URL says otherwise;
// so a refused connection fails a Load with ErrBackend well under a second
// (go-redis's defaults take about 1.7 s).
func TestClientsFailFast(t *testing.T) {
	type retries struct {
		dialer, max int
		min, maxB   time.Duration
	}
	of := func(c redis.UniversalClient) retries {
		switch c := c.(type) {
		case *redis.Client:
			o := c.Options()
			return retries{o.DialerRetries, o.MaxRetries, o.MinRetryBackoff, o.MaxRetryBackoff}
		case *redis.ClusterClient:
			o := c.Options()
			return retries{o.DialerRetries, o.MaxRetries, o.MinRetryBackoff, o.MaxRetryBackoff}
		}
		t.Fatalf("client %T", c)
		return retries{}
	}
	want := retries{redisstore.DialerRetries, redisstore.MaxRetries, redisstore.MinRetryBackoff, redisstore.MaxRetryBackoff}
	if want != (retries{1, 1, 8 * time.Millisecond, 32 * time.Millisecond}) {
		t.Fatalf("the fail-fast settings changed: %+v", want)
	}
	for name, env := range map[string]map[string]string{
		"host":     {"REDIS_HOST": "127.0.0.1"},
		"url":      {"SESSION_REDIS_URL": "redis://127.0.0.1:6379/0"},
		"cluster":  {"REDIS_CLUSTER_ADDRS": "127.0.0.1:7000"},
		"sentinel": {"REDIS_SENTINEL_ADDRS": "127.0.0.1:26379", "REDIS_MASTER_NAME": "m"},
	} {
		c, err := redisstore.NewClientFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if got := of(c); got != want {
			t.Errorf("%s: retries %+v, want %+v", name, got, want)
		}
		c.Close()
	}
	c, err := redisstore.NewClientFromEnv(func(k string) string {
		return map[string]string{"SESSION_REDIS_URL": "redis://127.0.0.1:6379/0?max_retries=4&min_retry_backoff=1ms&max_retry_backoff=2ms"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := of(c); got != (retries{1, 4, time.Millisecond, 2 * time.Millisecond}) {
		t.Errorf("the URL's own retry settings were overridden: %+v", got)
	}
	c.Close()

	// A port nothing listens on: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err = redisstore.NewClientFromEnv(func(k string) string { return map[string]string{"SESSION_REDIS_URL": "redis://" + addr}[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := redisstore.New(c, redisstore.Options{})
	t0 := time.Now()
	_, err = s.Load(context.Background(), store.NewID())
	if took := time.Since(t0); !errors.Is(err, store.ErrBackend) || took > time.Second {
		t.Fatalf("Load against a refused port: %v after %v; want ErrBackend in under 1 s", err, took)
	}
}
