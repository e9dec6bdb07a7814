# Redis backends for the tests: one single server, a 6-node Redis Cluster
# (3 masters + 3 replicas) and one master watched by one Sentinel.
# Sourced by scripts/test.sh after scripts/lib.sh; needs $SESSION_TEST_DIR.

REDIS_SENTINEL_MASTER_NAME=sessiontest

# redis_stop PORT PIDFILE: ask our server on PORT to shut down without
# saving; kill it by its pidfile if it does not go. Registered with on_exit.
redis_stop() {
  local port=$1 pidfile=$2 pid _
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
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

# redis_first_port: where the port search starts. Below the kernel's
# ephemeral range (with room for the cluster bus ports, +10000), because a
# port that some connection uses as its local port cannot be bound, yet
# looks free to free_port's connect probe.
redis_first_port() {
  local low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || low=
  if [ -n "$low" ] && [ "$low" -gt 21000 ]; then
    echo $((10000 + RANDOM % (low - 21000)))
  else
    echo $((20000 + RANDOM % 10000))
  fi
}

# redis_launch NAME DIR PORT CMD...: run CMD (a daemonizing redis-server
# writing DIR/redis.pid and DIR/redis.log; DIR is new for every attempt) and
# wait until it answers PING on PORT. Returns 2 when the port turned out to
# be taken, 1 on other failures. The shutdown is registered with on_exit
# first thing; redis_stop only acts while the pidfile's process lives.
redis_launch() {
  local name=$1 dir=$2 port=$3 pid _; shift 3
  on_exit "redis_stop $port '$dir/redis.pid'"
  if ! "$@" >"$dir/start.out" 2>&1; then
    log "redis $name on port $port failed to start"; redis_tail_log "$dir/start.out"; return 1
  fi
  for _ in $(seq 1 100); do
    pid=$(cat "$dir/redis.pid" 2>/dev/null) || pid=
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && redis_ping "$port"; then
      return 0
    fi
    if grep -q 'Address already in use' "$dir/redis.log" 2>/dev/null; then
      return 2
    fi
    sleep 0.1
  done
  log "redis $name on port $port did not answer PING"; redis_tail_log "$dir/redis.log"
  return 1
}

# redis_start NAME FROM [ARGS...]: start a redis-server ($REDIS_SERVER if
# set: another build of a compatible server) named NAME on the
# first free port from FROM on, in its own directory under $SESSION_TEST_DIR,
# and set REDIS_LAST_PORT to its port. The search resumes past ports that
# prove busy (free_port runs in a subshell here, so its record of used ports
# does not survive; each search starts past the last port taken).
redis_start() {
  local name=$1 port=$2 rc=0 attempt dir; shift 2
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(free_port "$port") || return 1
    dir="$SESSION_TEST_DIR/redis-$name-$port"
    mkdir -p "$dir" || return 1
    rc=0
    redis_launch "$name" "$dir" "$port" "${REDIS_SERVER:-redis-server}" --bind 127.0.0.1 --port "$port" --dir "$dir" \
      --save '' --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" || rc=$?
    [ $rc -eq 0 ] && { REDIS_LAST_PORT=$port; return 0; }
    [ $rc -eq 2 ] || return 1
    log "redis $name: port $port is taken (attempt $attempt), trying another"
    port=$((port + 1))
  done
  log "redis $name: no free port found"
  return 1
}

# redis_start_sentinel FROM MASTERPORT: start one Sentinel watching the
# master on MASTERPORT, and set REDIS_LAST_PORT to its port.
redis_start_sentinel() {
  local port=$1 master=$2 rc attempt dir
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(free_port "$port") || return 1
    dir="$SESSION_TEST_DIR/redis-sentinel-$port"
    mkdir -p "$dir" || return 1
    # Sentinel rewrites its configuration file, so it gets one of its own.
    cat >"$dir/sentinel.conf" <<EOF || return 1
bind 127.0.0.1
port $port
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
sentinel monitor $REDIS_SENTINEL_MASTER_NAME 127.0.0.1 $master 1
sentinel down-after-milliseconds $REDIS_SENTINEL_MASTER_NAME 5000
EOF
    rc=0
    redis_launch sentinel "$dir" "$port" redis-server "$dir/sentinel.conf" --sentinel || rc=$?
    if [ $rc -eq 0 ]; then
      if ! wait_for 10 redis_sentinel_ready "$port" "$REDIS_SENTINEL_MASTER_NAME" "$master"; then
        log "redis sentinel on port $port does not name master $REDIS_SENTINEL_MASTER_NAME"
        redis_tail_log "$dir/redis.log"; return 1
      fi
      REDIS_LAST_PORT=$port
      return 0
    fi
    [ $rc -eq 2 ] || return 1
    log "redis sentinel: port $port is taken (attempt $attempt), trying another"
    port=$((port + 1))
  done
  log "redis sentinel: no free port found"
  return 1
}

# start_redis: start every Redis backend and export the SESSION_TEST_REDIS_*
# variables that internal/testenv reads. Everything started is stopped on
# exit; a failure is logged and returns non-zero.
start_redis() {
  : "${SESSION_TEST_DIR:?SESSION_TEST_DIR must be set}"
  apt_install redis-server redis-tools || { log "could not install redis-server redis-tools"; return 1; }

  local single master sentinel node addrs=()
  REDIS_LAST_PORT=$(redis_first_port)

  redis_start single "$REDIS_LAST_PORT" || return 1
  single=$REDIS_LAST_PORT

  for node in 1 2 3 4 5 6; do
    redis_start "cluster-$node" $((REDIS_LAST_PORT + 1)) --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 || return 1
    addrs+=("127.0.0.1:$REDIS_LAST_PORT")
  done
  if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes \
      >"$SESSION_TEST_DIR/redis-cluster-create.log" 2>&1; then
    log "redis-cli --cluster create failed"; redis_tail_log "$SESSION_TEST_DIR/redis-cluster-create.log"; return 1
  fi
  for node in "${addrs[@]}"; do
    if ! wait_for 30 redis_cluster_ok "${node##*:}"; then
      log "Redis Cluster node $node never reported cluster_state:ok"
      redis-cli -h 127.0.0.1 -p "${node##*:}" cluster info >"$SESSION_TEST_DIR/redis-cluster-info.txt" 2>&1
      redis_tail_log "$SESSION_TEST_DIR/redis-cluster-info.txt"; return 1
    fi
  done

  redis_start sentinel-master $((REDIS_LAST_PORT + 1)) || return 1
  master=$REDIS_LAST_PORT
  redis_start_sentinel $((REDIS_LAST_PORT + 1)) "$master" || return 1
  sentinel=$REDIS_LAST_PORT

  export SESSION_TEST_REDIS_ADDR="127.0.0.1:$single"
  export SESSION_TEST_REDIS_CLUSTER_ADDRS
  SESSION_TEST_REDIS_CLUSTER_ADDRS=$(IFS=,; echo "${addrs[*]}")
  export SESSION_TEST_REDIS_SENTINEL_ADDRS="127.0.0.1:$sentinel"
  export SESSION_TEST_REDIS_SENTINEL_MASTER=$REDIS_SENTINEL_MASTER_NAME
  log "redis: single $SESSION_TEST_REDIS_ADDR, cluster $SESSION_TEST_REDIS_CLUSTER_ADDRS, sentinel $SESSION_TEST_REDIS_SENTINEL_ADDRS ($REDIS_SENTINEL_MASTER_NAME)"
}
