#!/usr/bin/env bash
# Runs the real-browser test of the demo app: installs Debian's chromium
# package when /usr/bin/chromium is missing (needs root), then runs the
# tests of this module. Extra arguments go to go test (e.g. -v, -run).
# Screenshots of each step land in e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
	echo "e2e: installing chromium" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends chromium
fi

go test -count=1 "$@" ./...
