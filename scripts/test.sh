#!/usr/bin/env bash
# The project's test command (README.md): installs what is missing, starts
# real Redis (single, 6-node Cluster, Sentinel), PostgreSQL and MariaDB on
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
