# Redis backends for the tests: one single server, a 6-node Redis Cluster
# (3 masters + 3 replicas) and one master watched by one Sentinel.
# Sourced by scripts/test.sh after scripts/lib.sh; needs $SESSION_TEST_DIR.

REDIS_SENTINEL_MASTER_NAME=sessiontest

# redis_stop PORT PIDFILE: ask the server on PORT to shut down without
# saving; kill it by its pidfile if it does not go. Registered with on_exit.
redis_stop() {
  local port=$1 pidfile=$2 pid i
  redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
}

redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; }

redis_cluster_ok() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

redis_sentinel_ready() {
  local addr
  addr=$(redis-cli -h 127.0.0.1 -p "$1" sentinel get-master-addr-by-name "$2" 2>/dev/null | tr '\n' ' ')
  [ "$addr" = "127.0.0.1 $3 " ]
}

# redis_tail_log FILE: show the end of a server's log after a failure.
redis_tail_log() { [ -f "$1" ] && tail -n 20 "$1" | sed 's/^/    /' >&2; return 0; }

# redis_start NAME PORT [ARGS...]: start a daemonized redis-server in its own
# directory under $SESSION_TEST_DIR, register its shutdown, wait for PING.
redis_start() {
  local name=$1 port=$2; shift 2
  local dir="$SESSION_TEST_DIR/redis-$name"
  mkdir -p "$dir" || return 1
  on_exit "redis_stop $port '$dir/redis.pid'"
  if ! redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" >"$dir/start.out" 2>&1; then
    log "redis-server $name on port $port failed to start"; redis_tail_log "$dir/start.out"; return 1
  fi
  if ! wait_for 10 redis_ping "$port"; then
    log "redis-server $name on port $port did not answer PING"; redis_tail_log "$dir/redis.log"; return 1
  fi
}

# start_redis: start every Redis backend and export the SESSION_TEST_REDIS_*
# variables that internal/testenv reads. Everything started is stopped on exit.
start_redis() {
  : "${SESSION_TEST_DIR:?SESSION_TEST_DIR must be set}"
  apt_install redis-server redis-tools || { log "could not install redis-server redis-tools"; return 1; }

  # Each port is taken right after the previous server started, and the
  # search starts past the last port handed out: free_port runs in a
  # subshell here, so its own record of used ports does not survive.
  local port single nodes=() addrs=() master sentinel
  single=$(free_port) || return 1
  redis_start single "$single" || return 1
  port=$single

  for _ in 1 2 3 4 5 6; do
    port=$(free_port $((port + 1))) || return 1
    redis_start "cluster-$port" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 5000 || return 1
    nodes+=("$port")
    addrs+=("127.0.0.1:$port")
  done
  if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes \
      >"$SESSION_TEST_DIR/redis-cluster-create.log" 2>&1; then
    log "redis-cli --cluster create failed"; redis_tail_log "$SESSION_TEST_DIR/redis-cluster-create.log"; return 1
  fi
  for port in "${nodes[@]}"; do
    if ! wait_for 30 redis_cluster_ok "$port"; then
      log "Redis Cluster node on port $port never reported cluster_state:ok"
      redis_tail_log "$SESSION_TEST_DIR/redis-cluster-$port/redis.log"; return 1
    fi
  done

  master=$(free_port $((port + 1))) || return 1
  redis_start sentinel-master "$master" || return 1
  sentinel=$(free_port $((master + 1))) || return 1
  local sdir="$SESSION_TEST_DIR/redis-sentinel"
  mkdir -p "$sdir" || return 1
  # Sentinel rewrites its configuration file, so it gets one of its own.
  cat >"$sdir/sentinel.conf" <<EOF || return 1
bind 127.0.0.1
port $sentinel
dir $sdir
daemonize yes
pidfile $sdir/sentinel.pid
logfile $sdir/sentinel.log
sentinel monitor $REDIS_SENTINEL_MASTER_NAME 127.0.0.1 $master 1
sentinel down-after-milliseconds $REDIS_SENTINEL_MASTER_NAME 5000
EOF
  on_exit "redis_stop $sentinel '$sdir/sentinel.pid'"
  if ! redis-server "$sdir/sentinel.conf" --sentinel >"$sdir/start.out" 2>&1; then
    log "redis sentinel on port $sentinel failed to start"; redis_tail_log "$sdir/start.out"; return 1
  fi
  if ! wait_for 10 redis_sentinel_ready "$sentinel" "$REDIS_SENTINEL_MASTER_NAME" "$master"; then
    log "redis sentinel on port $sentinel does not name master $REDIS_SENTINEL_MASTER_NAME"
    redis_tail_log "$sdir/sentinel.log"; return 1
  fi

  export SESSION_TEST_REDIS_ADDR="127.0.0.1:$single"
  export SESSION_TEST_REDIS_CLUSTER_ADDRS
  SESSION_TEST_REDIS_CLUSTER_ADDRS=$(IFS=,; echo "${addrs[*]}")
  export SESSION_TEST_REDIS_SENTINEL_ADDRS="127.0.0.1:$sentinel"
  export SESSION_TEST_REDIS_SENTINEL_MASTER=$REDIS_SENTINEL_MASTER_NAME
  log "redis: single $SESSION_TEST_REDIS_ADDR, cluster $SESSION_TEST_REDIS_CLUSTER_ADDRS, sentinel $SESSION_TEST_REDIS_SENTINEL_ADDRS ($REDIS_SENTINEL_MASTER_NAME)"
}
