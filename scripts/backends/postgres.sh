# start_postgres: start a throwaway PostgreSQL 15 for the tests.
# Sourced by scripts/test.sh after scripts/lib.sh, with $SESSION_TEST_DIR set.
# Binds 127.0.0.1 on a free port, keeps its data under $SESSION_TEST_DIR,
# creates the database "app", exports SESSION_TEST_POSTGRES_DSN and stops
# the server when the script exits. Returns non-zero (with a log line) on
# failure. Must run as root (initdb runs as the postgres user).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

start_postgres() {
  [ -n "${SESSION_TEST_DIR:-}" ] || { log "postgres: SESSION_TEST_DIR is not set"; return 1; }
  local dir="$SESSION_TEST_DIR/postgres" port psql
  if [ ! -x "$PG_BIN/initdb" ]; then
    apt_install postgresql || { log "postgres: cannot install postgresql"; return 1; }
  fi
  [ -x "$PG_BIN/initdb" ] || { log "postgres: no $PG_BIN/initdb after installing postgresql"; return 1; }
  id -u postgres >/dev/null 2>&1 || { log "postgres: no user 'postgres'"; return 1; }
  psql="$PG_BIN/psql"
  [ -x "$psql" ] || psql=psql

  mkdir -p "$dir" || { log "postgres: cannot create $dir"; return 1; }
  # The server runs as postgres and must reach its directory.
  if ! runuser -u postgres -- test -x "$SESSION_TEST_DIR"; then
    chmod a+x "$SESSION_TEST_DIR" || { log "postgres: user postgres cannot enter $SESSION_TEST_DIR"; return 1; }
  fi
  chown postgres: "$dir" && chmod 700 "$dir" || { log "postgres: cannot hand $dir to postgres"; return 1; }

  # free_port runs in this shell (not in $(...)) so that it remembers the port.
  free_port >"$dir/port" && port=$(<"$dir/port") || { log "postgres: no free port"; return 1; }

  if ! runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
    log "postgres: initdb failed:"; tail -n 20 "$dir/initdb.log" >&2; return 1
  fi

  # Registered before the start, so a server that starts slowly or half-way
  # is stopped too; errors of the stop are ignored by run_exit_cmds.
  on_exit "runuser -u postgres -- $(printf %q "$PG_BIN/pg_ctl") -D $(printf %q "$dir/data") -m fast -w -t 30 stop"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null 2>&1; then
    log "postgres: server did not start:"; tail -n 20 "$dir/pg.log" >&2; return 1
  fi
  wait_for 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || { log "postgres: not ready on port $port"; return 1; }

  if ! "$psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c 'CREATE DATABASE app' >"$dir/createdb.log" 2>&1; then
    log "postgres: CREATE DATABASE app failed:"; cat "$dir/createdb.log" >&2; return 1
  fi

  export SESSION_TEST_POSTGRES_DSN="host=127.0.0.1 port=$port user=postgres dbname=app sslmode=disable"
  log "postgres: ready on 127.0.0.1:$port"
}
