package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
)

// variables are the environment variables the demo reads, with their
// defaults: the library's (session.ConfigFromEnv, redisstore.NewClientFromEnv)
// and the demo's own. TestUsageListsEveryVariable holds the list against
// the README's configuration table.
var variables = []struct{ name, def, meaning string }{
	{"PORT", "8080", "port to listen on, on 127.0.0.1 (-addr wins)"},
	{"SESSION_DRIVER", "memory", "cookie, db, file, memory or redis"},
	{"SESSION_LIFETIME", "120", "idle timeout: minutes, or a duration (90s, 2h)"},
	{"SESSION_ABSOLUTE_LIFETIME", "24h", "cap on a session's age (at least the idle timeout; 0 turns it off)"},
	{"SESSION_SECRET", "", "cookie driver and SESSION_ENCRYPT: a random secret (openssl rand -base64 32)"},
	{"SESSION_PREVIOUS_SECRETS", "", "comma-separated older secrets that still open (rotation)"},
	{"SESSION_ENCRYPT", "false", "file, redis, db: seal the data at rest (true, false or migrate)"},
	{"SESSION_COOKIE", "rapidgo_session", "cookie name"},
	{"SESSION_SECURE", "false", "HTTPS-only cookie"},
	{"SESSION_HTTPONLY", "true", "hide the cookie from JavaScript"},
	{"SESSION_SAMESITE", "lax", "lax, strict or none"},
	{"SESSION_PATH", "/", "cookie Path"},
	{"SESSION_DOMAIN", "", "cookie Domain (host-only when empty)"},
	{"SESSION_EXPIRE_ON_CLOSE", "false", "browser-session cookies (\"Remember me\" keeps one)"},
	{"SESSION_PARTITIONED_COOKIE", "false", "Partitioned (CHIPS) cookie; needs SESSION_SECURE=true"},
	{"SESSION_FILE_PATH", "storage/sessions", "file driver: the folder"},
	{"SESSION_TABLE", "sessions", "db driver: the table"},
	{"SESSION_PREFIX", "session:", "redis driver: the key prefix"},
	{"SESSION_MEMORY_LIMIT", "64MiB", "memory driver: the byte budget (0 turns it off)"},
	{"SESSION_REDIS_URL", "", "redis driver: redis:// or rediss:// URL (wins over REDIS_*)"},
	{"REDIS_HOST", "127.0.0.1", "redis driver: a single node's host"},
	{"REDIS_PORT", "6379", "redis driver: its port"},
	{"REDIS_PASSWORD", "", "redis driver: its password"},
	{"REDIS_DB", "0", "redis driver: the database number"},
	{"REDIS_CLUSTER_ADDRS", "", "redis driver: comma-separated host:port of a Cluster"},
	{"REDIS_SENTINEL_ADDRS", "", "redis driver: comma-separated host:port of Sentinels"},
	{"REDIS_MASTER_NAME", "", "redis driver: the master the Sentinels watch"},
	{"SESSION_DB_DRIVER", "sqlite", "db driver: sqlite, postgres or mysql (the demo opens the database)"},
	{"SESSION_DB_DSN", "storage/sessions.db", "db driver: the data source name (required for postgres and mysql)"},
}

// usage writes the demo's help: its flags, then every variable.
func usage(out io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(out, "Usage: sessiondemo [-addr host:port]\n\n")
	fmt.Fprintf(out, "A small web app on the session library: sign in, flashes, a profile form, your devices.\n\nFlags:\n")
	fs.SetOutput(out)
	fs.PrintDefaults()
	fmt.Fprintf(out, "\nEnvironment (default in brackets; none set gives the memory driver on http://127.0.0.1:8080):\n")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, v := range variables {
		def := v.def
		if def == "" {
			def = "none"
		}
		fmt.Fprintf(tw, "  %s\t[%s]\t%s\n", v.name, def, v.meaning)
	}
	tw.Flush()
}
