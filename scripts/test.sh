#!/usr/bin/env bash
# The project's test command (README.md): installs what is missing, starts
# real Redis (single, 6-node Cluster, Sentinel), Valkey 8.1, PostgreSQL and MariaDB on
# free ports of 127.0.0.1, runs gofmt, go vet and go test -race against
# them, and stops everything it started, on success and on failure.
#
#   scripts/test.sh                  # everything
#   scripts/test.sh ./memstore/...   # only these packages (backends still started)
#   SESSION_TEST_BACKENDS=none scripts/test.sh   # start no servers (their tests skip, or fail with CI=true)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

export SESSION_TEST_DIR
SESSION_TEST_DIR=$(mktemp -d /tmp/session-test.XXXXXX)
chmod 755 "$SESSION_TEST_DIR"
on_exit "rm -rf '$SESSION_TEST_DIR'"

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
log "$(go version)"

if [ "${SESSION_TEST_BACKENDS:-all}" != none ]; then
  for f in scripts/backends/*.sh; do source "$f"; done
  start=$SECONDS
  start_redis
  start_valkey
  start_postgres
  start_mariadb
  log "backends up in $((SECONDS - start))s"
fi

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  log "gofmt would change: $unformatted"
  exit 1
fi
log "go vet"
go vet "${pkgs[@]}"
log "go test -race"
go test -race -count=1 "${pkgs[@]}"
# The heap measurements and the allocation counts skip under -race (the
# race detector changes what the heap holds and what allocates, and the
# floods would take minutes): once more without it.
# Which tests those are is read from the sources (a test of the root
# module that checks testenv.Race), so a new one cannot be left out; the
# memory store's bytes per session are measured once more too, without the
# race detector's own heap.
if [ ${#@} -eq 0 ]; then
  race_skipped=$(find . -name '*_test.go' -not -path './bench/*' -not -path './adapters/*' -not -path './examples/*' \
    -not -path './otelsession/*' -not -path './e2e/*' -exec grep -l 'testenv\.Race' {} +)
  names=$(awk '/^func Test/ { name = $2; sub(/\(.*/, "", name) } /testenv\.Race/ && name != "" { print name }' $race_skipped |
    sort -u | paste -sd '|')
  names="$names|TestMemoryPerSession"
  dirs=$(for f in $race_skipped; do dirname "$f"; done | sort -u | sed 's#$#/#')
  log "go test (heap measurements and allocation counts, without -race): $names"
  go test -count=1 -run "^($names)\$" $dirs
fi

# The modules that keep what only one adapter, the benchmarks or the
# browser test need out of the library's go.mod. Skipped when packages were
# named on the command line.
if [ ${#@} -eq 0 ]; then
  for mod in adapters/echo examples otelsession; do
    log "$mod: go vet, go test -race"
    (cd "$mod" && go vet ./... && go test -race -count=1 ./...)
  done
  log "bench: go vet (run the benchmarks with bench/run.sh)"
  if [ -f bench/go.mod ]; then (cd bench && go vet ./...); fi
  log "fuzz targets, ${FUZZTIME:=10s} each"
  FUZZTIME=$FUZZTIME scripts/fuzz.sh
  log "e2e: the demo in headless Chromium"
  e2e/run.sh
fi
