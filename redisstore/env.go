package redisstore

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
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
			return nil, fmt.Errorf("redis: %s=%q: %w", EnvURL, redactURL(raw), err)
		}
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
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, Password: password}), nil

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
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    master,
			SentinelAddrs: addrs,
			Password:      password,
			DB:            db,
		}), nil
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
	return redis.NewClient(&redis.Options{
		Addr:     net.JoinHostPort(host, port),
		Password: password,
		DB:       db,
	}), nil
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

// redactURL masks the password of a URL so that it can go into an error.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	// Unparsable: mask all user information rather than guess where the
	// password ends.
	if scheme := strings.Index(raw, "://"); scheme >= 0 {
		if at := strings.LastIndex(raw, "@"); at > scheme {
			return raw[:scheme+3] + "xxxxx" + raw[at:]
		}
	}
	return raw
}
