// Package testenv gives tests the addresses of the real backends that
// scripts/test.sh starts. With CI=true a missing backend fails the test;
// elsewhere the test is skipped with the name of the variable to set.
package testenv

import (
	"os"
	"strconv"
	"testing"
)

// Variables naming the backends that scripts/test.sh starts.
const (
	RedisAddr           = "SESSION_TEST_REDIS_ADDR"            // host:port of a single Redis
	RedisClusterAddrs   = "SESSION_TEST_REDIS_CLUSTER_ADDRS"   // comma-separated host:port of cluster nodes
	RedisSentinelAddrs  = "SESSION_TEST_REDIS_SENTINEL_ADDRS"  // comma-separated host:port of sentinels
	RedisSentinelMaster = "SESSION_TEST_REDIS_SENTINEL_MASTER" // master name the sentinels watch
	ValkeyAddr          = "SESSION_TEST_VALKEY_ADDR"           // host:port of a single Valkey 8.1 (SET ... IFEQ)
	PostgresDSN         = "SESSION_TEST_POSTGRES_DSN"          // PostgreSQL DSN (key=value form)
	MySQLDSN            = "SESSION_TEST_MYSQL_DSN"             // MariaDB/MySQL DSN (go-sql-driver form)
)

// InCI reports whether the tests run in CI (CI set to a true value).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Require returns the value of the environment variable name. When it is
// empty the test fails under CI and is skipped elsewhere, naming the
// variable either way.
func Require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := "backend not configured: set " + name + " (scripts/test.sh starts the backends and sets it)"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
