package redisstore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/internal/redact"
)

// Environment variables read by NewClientFromEnv.
const (
	EnvURL           = "SESSION_REDIS_URL"    // redis:// or rediss:// URL; wins over all the others
	EnvHost          = "REDIS_HOST"           // default 127.0.0.1
	EnvPort          = "REDIS_PORT"           // default 6379
	EnvPassword      = "REDIS_PASSWORD"       // default none
	EnvDB            = "REDIS_DB"             // default 0; must be 0 with a cluster
	EnvClusterAddrs  = "REDIS_CLUSTER_ADDRS"  // comma-separated host:port of cluster nodes
	EnvSentinelAddrs = "REDIS_SENTINEL_ADDRS" // comma-separated host:port of sentinels
	EnvMasterName    = "REDIS_MASTER_NAME"    // master name the sentinels watch
)

// NewClientFromEnv builds a go-redis client from environment variables,
// read through lookup (nil means os.Getenv; tests pass a map's lookup).
//
// When SESSION_REDIS_URL is set it alone decides: it is parsed with
// redis.ParseURL (redis:// or rediss:// for TLS, user, password and
// database in the URL) and the REDIS_* variables are ignored. Otherwise:
//
//   - REDIS_CLUSTER_ADDRS (comma-separated host:port) gives a
//     *redis.ClusterClient with REDIS_PASSWORD;
//   - REDIS_SENTINEL_ADDRS (comma-separated host:port) with
//     REDIS_MASTER_NAME gives a Sentinel failover client (a *redis.Client)
//     with REDIS_PASSWORD and REDIS_DB;
//   - else a *redis.Client for REDIS_HOST (default 127.0.0.1), REDIS_PORT
//     (default 6379), REDIS_PASSWORD and REDIS_DB (default 0).
//
// Every client retries a dial once and a command once, 8 to 32 ms apart
// (DialerRetries, MaxRetries, MinRetryBackoff, MaxRetryBackoff), unless
// SESSION_REDIS_URL sets max_retries, min_retry_backoff or
// max_retry_backoff itself; the dial timeout is go-redis's. So a Redis that
// is down fails a request within milliseconds, as an error wrapping
// store.ErrBackend. Change the options of the client it returns to choose
// otherwise.
//
// It fails, naming the variable and its value (a URL with its password
// masked), on an unparsable URL, port, database number or address list; on
// REDIS_DB other than 0 with a cluster (Redis Cluster has only database 0);
// on cluster and Sentinel addresses together; and on Sentinel addresses
// without a master name. It does not connect: the first command does.
func NewClientFromEnv(lookup func(string) string) (redis.UniversalClient, error) {
	if lookup == nil {
		lookup = os.Getenv
	}
	get := func(name string) string { return strings.TrimSpace(lookup(name)) }

	if raw := get(EnvURL); raw != "" {
		opt, err := redis.ParseURL(raw)
		if err != nil {
			// url.Error repeats the whole URL, password included.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, redact.Error(fmt.Errorf("redis: %s=%q: %w", EnvURL, redact.String(raw, raw), err), raw)
		}
		failFast(raw, &opt.DialerRetries, &opt.MaxRetries, &opt.MinRetryBackoff, &opt.MaxRetryBackoff)
		return redis.NewClient(opt), nil
	}

	password := lookup(EnvPassword) // passwords may begin or end with spaces
	db := 0
	if v := get(EnvDB); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("redis: %s=%q: not a database number", EnvDB, v)
		}
		db = n
	}

	clusterRaw, sentinelRaw := get(EnvClusterAddrs), get(EnvSentinelAddrs)
	switch {
	case clusterRaw != "" && sentinelRaw != "":
		return nil, fmt.Errorf("redis: %s=%q and %s=%q: set one of them, not both",
			EnvClusterAddrs, clusterRaw, EnvSentinelAddrs, sentinelRaw)

	case clusterRaw != "":
		addrs, err := splitAddrs(EnvClusterAddrs, clusterRaw)
		if err != nil {
			return nil, err
		}
		if db != 0 {
			return nil, fmt.Errorf("redis: %s=%q: Redis Cluster has only database 0 (%s=%q)",
				EnvDB, get(EnvDB), EnvClusterAddrs, clusterRaw)
		}
		opt := &redis.ClusterOptions{Addrs: addrs, Password: password}
		failFast("", &opt.DialerRetries, &opt.MaxRetries, &opt.MinRetryBackoff, &opt.MaxRetryBackoff)
		return redis.NewClusterClient(opt), nil

	case sentinelRaw != "":
		addrs, err := splitAddrs(EnvSentinelAddrs, sentinelRaw)
		if err != nil {
			return nil, err
		}
		master := get(EnvMasterName)
		if master == "" {
			return nil, fmt.Errorf("redis: %s=%q needs %s, which is empty",
				EnvSentinelAddrs, sentinelRaw, EnvMasterName)
		}
		opt := &redis.FailoverOptions{MasterName: master, SentinelAddrs: addrs, Password: password, DB: db}
		failFast("", &opt.DialerRetries, &opt.MaxRetries, &opt.MinRetryBackoff, &opt.MaxRetryBackoff)
		return redis.NewFailoverClient(opt), nil
	}

	host := get(EnvHost)
	if host == "" {
		host = "127.0.0.1"
	}
	port := "6379"
	if v := get(EnvPort); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("redis: %s=%q: not a TCP port", EnvPort, v)
		}
		port = v
	}
	opt := &redis.Options{Addr: net.JoinHostPort(host, port), Password: password, DB: db}
	failFast("", &opt.DialerRetries, &opt.MaxRetries, &opt.MinRetryBackoff, &opt.MaxRetryBackoff)
	return redis.NewClient(opt), nil
}

// The retry settings NewClientFromEnv gives its clients, so that a Redis
// that is down fails a request in milliseconds, not seconds (go-redis's
// own defaults dial 5 times 100 ms apart, and retry a command 3 times).
const (
	DialerRetries   = 1
	MaxRetries      = 1
	MinRetryBackoff = 8 * time.Millisecond
	MaxRetryBackoff = 32 * time.Millisecond
)

// failFast sets the retry settings, but those a SESSION_REDIS_URL (raw)
// sets itself: max_retries, min_retry_backoff, max_retry_backoff.
func failFast(raw string, dialerRetries, maxRetries *int, minBackoff, maxBackoff *time.Duration) {
	var q url.Values
	if u, err := url.Parse(raw); err == nil {
		q = u.Query()
	}
	*dialerRetries = DialerRetries
	if !q.Has("max_retries") {
		*maxRetries = MaxRetries
	}
	if !q.Has("min_retry_backoff") {
		*minBackoff = MinRetryBackoff
	}
	if !q.Has("max_retry_backoff") {
		*maxBackoff = MaxRetryBackoff
	}
}

// splitAddrs parses a comma-separated list of host:port.
func splitAddrs(name, raw string) ([]string, error) {
	var addrs []string
	for _, a := range strings.Split(raw, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port, err := net.SplitHostPort(a)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("redis: %s=%q: %q is not host:port", name, raw, a)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("redis: %s=%q: no addresses", name, raw)
	}
	return addrs, nil
}
