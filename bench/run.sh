#!/usr/bin/env bash
# bench/run.sh: the benchmark command. Starts Redis, Valkey 8.1 and PostgreSQL on free
# ports of 127.0.0.1 (scripts/backends), runs every benchmark against the
# library and its peers in COUNT interleaved rounds, and prints the table
# (ours, the peer's, medians with their 95 % confidence intervals, the
# ratio) and the targets, each met only when its whole interval is; then
# benchstat's own summary. Everything started is stopped on exit.
#
#   bench/run.sh                        # 10 rounds, -benchtime 500ms (about 35 minutes)
#   COUNT=1 BENCHTIME=200ms bench/run.sh  # a quick pass
#   BENCH=Memory bench/run.sh           # only some benchmarks (a -bench regexp)
#   LOADTEST=1 bench/run.sh             # also the load tests over sockets, 10 s per run: ours,
#                                       # scs and gorilla (64 users; memory and redis), then the
#                                       # demo-shaped app on every driver
#   LOADTEST=3s bench/run.sh            # the same, 3 s per run (a Go duration)
#   SESSION_BENCH_BACKENDS=none bench/run.sh   # start no servers: redis/postgres benchmarks skip
#   LIB_REV=HEAD bench/run.sh           # measure a commit of the library (git archive), not the work tree
#
# The raw `go test` output goes to bench/latest.txt (OUT=... to change).
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/lib.sh
log() { printf '[bench] %s\n' "$*" >&2; }

COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-500ms}
BENCH=${BENCH:-.}
OUT=${OUT:-latest.txt}

export SESSION_TEST_DIR
SESSION_TEST_DIR=$(mktemp -d /tmp/session-bench.XXXXXX)
chmod 755 "$SESSION_TEST_DIR"
on_exit "rm -rf '$SESSION_TEST_DIR'"

if [ -n "${LIB_REV:-}" ]; then
  # The library as committed at LIB_REV, through a copy of go.mod whose
  # replace points at it (-modfile keeps bench/go.mod untouched).
  lib="$SESSION_TEST_DIR/lib"
  mkdir -p "$lib"
  git -C .. archive "$LIB_REV" | tar -x -C "$lib"
  sed "s#=> \.\./\?\$#=> $lib#" go.mod >"$SESSION_TEST_DIR/go.mod"
  cp go.sum "$SESSION_TEST_DIR/go.sum"
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modfile=$SESSION_TEST_DIR/go.mod"
  log "library at $LIB_REV ($(git -C .. rev-parse --short "$LIB_REV"))"
fi

if [ "${SESSION_BENCH_BACKENDS:-all}" != none ]; then
  source ../scripts/backends/redis.sh
  source ../scripts/backends/postgres.sh
  source ../scripts/backends/valkey.sh
  start_redis || log "Redis did not start: its benchmarks skip (SESSION_TEST_REDIS_ADDR)"
  start_valkey || log "Valkey did not start: its benchmarks skip (SESSION_TEST_VALKEY_ADDR)"
  start_postgres || log "PostgreSQL did not start: its benchmarks skip (SESSION_TEST_POSTGRES_DSN)"
fi

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version); library ${LIB_REV:-work tree} at $(git -C .. rev-parse --short "${LIB_REV:-HEAD}")$([ -z "${LIB_REV:-}" ] && [ -n "$(git -C .. status --porcelain -- . ':!bench' 2>/dev/null)" ] && echo ' + local changes')"
  echo "# nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/\s\+/ /g')"
  echo "# $COUNT rounds of: go test -run '^\$' -bench '$BENCH' -skip Parallel -benchmem -count 1 -benchtime $BENCHTIME (+ -bench Parallel -cpu 1,2)"
} >"$OUT"
log "building and running the benchmarks (count $COUNT, benchtime $BENCHTIME); output in bench/$OUT"
go test -c -o "$SESSION_TEST_DIR/bench.test" .
(cd "$SESSION_TEST_DIR" && ./bench.test -test.run 'TestRedisRoundTrips|TestCodecKeepsTypes' -test.count 1 -test.v) 2>&1 \
  | grep -E '^(---|ok|FAIL|PASS|\s+roundtrip)' | tee -a "$OUT" >&2
# COUNT rounds of -count 1: each round runs every benchmark once, so ours
# and its peer run seconds apart in every round (with -count 6 all six runs
# of one would come before the other's), and a change in the machine's load
# hits both sides alike.
parallel=
if [ "$BENCH" = . ] || [[ Parallel =~ $BENCH ]]; then parallel=1; fi
for round in $(seq "$COUNT"); do
  log "round $round of $COUNT"
  # Odd rounds run ours first in each group, even rounds the others first.
  reverse=; if [ $((round % 2)) -eq 0 ]; then reverse=1; fi
  (cd "$SESSION_TEST_DIR" && BENCH_REVERSE=$reverse ./bench.test -test.run '^$' -test.bench "$BENCH" -test.skip Parallel -test.benchmem \
    -test.count 1 -test.benchtime "$BENCHTIME") 2>&1 | tee -a "$OUT" >&2
  if [ -n "$parallel" ]; then
    (cd "$SESSION_TEST_DIR" && ./bench.test -test.run '^$' -test.bench Parallel -test.benchmem -test.cpu 1,2 \
      -test.count 1 -test.benchtime "$BENCHTIME") 2>&1 | tee -a "$OUT" >&2
  fi
done
go run ./cmd/compare "$OUT"
echo
echo "benchstat (golang.org/x/perf/cmd/benchstat) of the same rounds:"
echo
go run golang.org/x/perf/cmd/benchstat "$OUT" | sed 's/^/    /'
if [ -n "${LOADTEST:-}" ]; then
  # The demo-shaped app with and without the session middleware, for every
  # driver, on the servers started above (a driver whose server did not
  # start is skipped with a note). 16 connections on loopback.
  loadtest_d=10s
  if [[ $LOADTEST =~ ^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$ ]]; then loadtest_d=$LOADTEST; fi
  log "load test of the peers: 64 users, $loadtest_d per run"
  echo
  go build -o "$SESSION_TEST_DIR/peers" ./peers
  "$SESSION_TEST_DIR/peers" -d "$loadtest_d" -c 64 -driver memory,redis -rounds 3
  log "load test of the demo-shaped app: every driver, $loadtest_d per run"
  echo
  go run ./loadtest -d "$loadtest_d" -c 16 -driver all
fi
