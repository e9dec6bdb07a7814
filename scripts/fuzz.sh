#!/usr/bin/env bash
# Runs every fuzz target of the module, one at a time, each for FUZZTIME
# (default 10s), and fails if any of them fails. CI runs it with the
# default; the long run is
#
#   FUZZTIME=5m scripts/fuzz.sh
#
# Targets are found in the module's own packages (go list ./...), so a
# nested module (bench/) is left out. A failing input is written by go test
# to the package's testdata/fuzz/<Target>/ folder: commit it with the fix.
# go test prints the executions each target reached ("execs: N").
#   scripts/fuzz.sh ./cookiestore    # only the targets of these packages
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

log() { printf '[fuzz.sh] %s\n' "$*" >&2; }

targets=()
while IFS=$'\t' read -r dir import; do
  for f in "$dir"/*_test.go; do
    [ -e "$f" ] || continue
    while read -r name; do
      targets+=("$import $name")
    done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$f")
  done
done < <(go list -f '{{.Dir}}{{"\t"}}{{.ImportPath}}' "${pkgs[@]}")

if [ ${#targets[@]} -eq 0 ]; then
  log "no fuzz targets found"
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# fuzz PKG NAME: run one target, its output shown and kept in $out.
fuzz() { go test -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" "$1" 2>&1 | tee "$out"; }

log "${#targets[@]} fuzz targets, $fuzztime each"
failed=()
for t in "${targets[@]}"; do
  pkg=${t% *} name=${t#* }
  log "$name in $pkg"
  if fuzz "$pkg" "$name"; then
    continue
  fi
  # go test reports "context deadline exceeded" when FUZZTIME runs out
  # while it is still busy: replaying the corpus (a busy machine, a large
  # cached corpus), or minimizing a new interesting input when time is up.
  # No input failed then. Try once more; a real failure always names the
  # input it wrote.
  if ! grep -q 'Failing input written' "$out" && grep -q 'context deadline exceeded' "$out"; then
    log "$name: time ran out while go test was still busy (no failing input); running it again"
    fuzz "$pkg" "$name" && continue
  fi
  failed+=("$name ($pkg)")
done

if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all ${#targets[@]} fuzz targets passed"
