# start_mariadb: start a throwaway MariaDB for the tests.
# Sourced by scripts/test.sh after scripts/lib.sh, with $SESSION_TEST_DIR set.
# Installs mariadb-server and mariadb-client when missing, binds 127.0.0.1 on
# a free port, keeps its data under $SESSION_TEST_DIR, creates the database
# "app" and the user app/app (over TCP), exports SESSION_TEST_MYSQL_DSN and
# stops the server when the script exits. Returns non-zero (with a log line)
# on failure. Must run as root.

start_mariadb() {
  [ -n "${SESSION_TEST_DIR:-}" ] || { log "mariadb: SESSION_TEST_DIR is not set"; return 1; }
  local dir="$SESSION_TEST_DIR/mariadb" port pid deadline
  apt_install mariadb-server mariadb-client || { log "mariadb: cannot install mariadb-server mariadb-client"; return 1; }
  mkdir -p "$dir" || { log "mariadb: cannot create $dir"; return 1; }
  # free_port runs in this shell (not in $(...)) so that it remembers the port.
  free_port >"$dir/port" && port=$(<"$dir/port") || { log "mariadb: no free port"; return 1; }

  if ! mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1; then
    log "mariadb: mariadb-install-db failed:"; tail -n 20 "$dir/install.log" >&2; return 1
  fi

  mariadbd --no-defaults --user=root --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
    --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/err.log" \
    --skip-name-resolve --skip-log-bin </dev/null >/dev/null 2>&1 &
  pid=$!
  on_exit "_stop_mariadb $pid $(printf %q "$dir/sock")"

  deadline=$((SECONDS + 60))
  until mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "mariadb: server exited:"; tail -n 20 "$dir/err.log" >&2; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "mariadb: not ready after 60 s:"; tail -n 20 "$dir/err.log" >&2; return 1
    fi
    sleep 0.1
  done

  if ! mariadb --no-defaults --socket="$dir/sock" -uroot >"$dir/setup.log" 2>&1 <<'SQL'
CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'app'@'%' IDENTIFIED BY 'app';
GRANT ALL PRIVILEGES ON app.* TO 'app'@'%';
SQL
  then
    log "mariadb: creating database app and user app failed:"; cat "$dir/setup.log" >&2; return 1
  fi
  if ! mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -uapp -papp app \
      -e 'SELECT 1' >"$dir/check.log" 2>&1; then
    log "mariadb: user app cannot connect over TCP:"; cat "$dir/check.log" >&2; return 1
  fi

  export SESSION_TEST_MYSQL_DSN="app:app@tcp(127.0.0.1:$port)/app?charset=utf8mb4&parseTime=True&loc=UTC&interpolateParams=true"
  log "mariadb: ready on 127.0.0.1:$port"
}

# _stop_mariadb PID SOCKET: shut the server down cleanly, then make sure the
# process is gone (SIGTERM after 15 s, SIGKILL after 30 s).
_stop_mariadb() {
  local pid=$1 sock=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  mariadb-admin --no-defaults --socket="$sock" -uroot shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    [ "$i" -eq 150 ] && kill "$pid" 2>/dev/null
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
