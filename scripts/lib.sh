# Shared shell helpers for scripts/test.sh and scripts/backends/*.sh.
# Sourced, not run.

# on_exit CMD: run CMD when the script exits (success, failure or signal),
# last registered first.
SESSION_EXIT_CMDS=()
on_exit() { SESSION_EXIT_CMDS=("$1" "${SESSION_EXIT_CMDS[@]}"); }
run_exit_cmds() {
  local c
  for c in "${SESSION_EXIT_CMDS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}
trap run_exit_cmds EXIT
trap 'exit 130' INT TERM

log() { printf '[test.sh] %s\n' "$*" >&2; }

# free_port: print a TCP port on 127.0.0.1 that nothing listens on and whose
# Redis Cluster bus port (+10000) is free too. Ports come from 10000-22767,
# below the kernel's range for outgoing connections, so that a port in use by
# an outgoing connection is never handed out. Ports handed out are recorded
# in a file, so calls in subshells ($(free_port)) never repeat one.
free_port() {
  local used="${SESSION_TEST_DIR:-/tmp}/.ports-used" p
  touch "$used"
  p=$((10000 + RANDOM % 12000))
  while :; do
    if [ $p -ge 22767 ]; then p=10000; fi
    if ! grep -qx "$p" "$used" && ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null \
       && ! (exec 3<>/dev/tcp/127.0.0.1/$((p + 10000))) 2>/dev/null; then
      echo "$p" >>"$used"
      echo "$p"
      return
    fi
    p=$((p + 1))
  done
}

# apt_install PKG...: install the Debian packages that are missing.
APT_UPDATED=
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then log "missing packages ${missing[*]} and not root to install them"; return 1; fi
  if [ -z "$APT_UPDATED" ]; then apt-get update -q >/dev/null && APT_UPDATED=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# wait_for TIMEOUT_SECONDS CMD...: retry CMD until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && { log "timed out waiting for: $*"; return 1; }
    sleep 0.1
  done
}
