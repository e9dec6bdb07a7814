#!/usr/bin/env bash
# bench/regress.sh REV: no regression against an earlier commit. Builds the
# benchmarks of REV (its own bench/ on its own library, from git archive)
# and of the work tree, runs both in COUNT alternating rounds (old, new,
# old, new, ...) on the same servers, and prints benchstat's comparison of
# the benchmarks both have (old on the left).
#
#   bench/regress.sh e2998af                      # Memory|Cookie|File|Redis|Postgres, 10 rounds
#   BENCH='Memory' COUNT=6 bench/regress.sh HEAD~3
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/lib.sh
log() { printf '[regress] %s\n' "$*" >&2; }

REV=${1:?usage: bench/regress.sh REV}
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-500ms}
BENCH=${BENCH:-'Memory|Cookie|File|Redis|Postgres'}

export SESSION_TEST_DIR
SESSION_TEST_DIR=$(mktemp -d /tmp/session-regress.XXXXXX)
chmod 755 "$SESSION_TEST_DIR"
on_exit "rm -rf '$SESSION_TEST_DIR'"

old="$SESSION_TEST_DIR/old"
mkdir -p "$old"
git -C .. archive "$REV" | tar -x -C "$old"
log "building the benchmarks of $REV ($(git -C .. rev-parse --short "$REV")) and of the work tree"
(cd "$old/bench" && go test -c -o "$SESSION_TEST_DIR/old.test" .)
go test -c -o "$SESSION_TEST_DIR/new.test" .

if [ "${SESSION_BENCH_BACKENDS:-all}" != none ]; then
  source ../scripts/backends/redis.sh
  source ../scripts/backends/postgres.sh
  start_redis || log "Redis did not start: its benchmarks skip"
  start_postgres || log "PostgreSQL did not start: its benchmarks skip"
fi

for round in $(seq "$COUNT"); do
  for side in old new; do
    log "round $round of $COUNT: $side"
    (cd "$SESSION_TEST_DIR" && "./$side.test" -test.run '^$' -test.bench "$BENCH" -test.skip Parallel \
      -test.benchmem -test.count 1 -test.benchtime "$BENCHTIME") >>"$SESSION_TEST_DIR/$side.txt" 2>&1
  done
done
echo "# old: $REV ($(git -C .. rev-parse --short "$REV")); new: work tree at $(git -C .. rev-parse --short HEAD); $COUNT alternating rounds, -benchtime $BENCHTIME; $(go version)"
go run golang.org/x/perf/cmd/benchstat "$SESSION_TEST_DIR/old.txt" "$SESSION_TEST_DIR/new.txt"
