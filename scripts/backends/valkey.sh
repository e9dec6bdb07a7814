# A Valkey 8.1 server for the tests: the first release line with SET's IFEQ
# condition, which the Redis store's SaveIf uses where the server accepts it.
# Debian 12 packages stop at Redis 7.0 (and Valkey 8.0 in backports), so it
# is built from Debian 13's source package (the same deb.debian.org the
# packages come from), checked against its SHA-256, once per machine: the
# build is kept under $VALKEY_CACHE and later runs reuse it.
# Sourced by scripts/test.sh after scripts/lib.sh and redis.sh (whose
# redis_start it uses); needs $SESSION_TEST_DIR.

VALKEY_VERSION=8.1.1
VALKEY_TARBALL=valkey_${VALKEY_VERSION}+dfsg1.orig.tar.xz
VALKEY_SHA256=d9bbd82eecb82f359e649a0007ad3dc1b47cc15afa626348ca86b73c4ae2c7ee
VALKEY_URL=http://deb.debian.org/debian/pool/main/v/valkey/$VALKEY_TARBALL
: "${VALKEY_CACHE:=/var/cache/session-tests/valkey-$VALKEY_VERSION}"

# valkey_build: leave valkey-server in $VALKEY_CACHE/bin, building it when
# it is not there yet.
valkey_build() {
  local bin=$VALKEY_CACHE/bin/valkey-server work
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v=$VALKEY_VERSION "; then
    return 0
  fi
  apt_install build-essential pkg-config curl xz-utils || { log "could not install valkey's build tools"; return 1; }
  mkdir -p "$VALKEY_CACHE" || return 1
  work=$(mktemp -d "$SESSION_TEST_DIR/valkey-build.XXXXXX") || return 1
  log "valkey: building $VALKEY_VERSION from $VALKEY_URL (once per machine)"
  if ! curl -fsS --retry 3 -o "$work/$VALKEY_TARBALL" "$VALKEY_URL"; then
    log "valkey: download of $VALKEY_URL failed"; return 1
  fi
  if ! echo "$VALKEY_SHA256  $work/$VALKEY_TARBALL" | sha256sum -c --status; then
    log "valkey: $VALKEY_TARBALL does not match its SHA-256 $VALKEY_SHA256"; return 1
  fi
  tar -xJf "$work/$VALKEY_TARBALL" -C "$work" || return 1
  if ! make -C "$work/valkey-$VALKEY_VERSION" -j"$(nproc)" MALLOC=libc BUILD_TLS=no >"$work/build.log" 2>&1; then
    log "valkey: build failed"; redis_tail_log "$work/build.log"; return 1
  fi
  mkdir -p "$VALKEY_CACHE/bin" &&
    cp "$work/valkey-$VALKEY_VERSION/src/valkey-server" "$bin.tmp" && mv "$bin.tmp" "$bin"
}

# start_valkey: build (once) and start one Valkey server, and export
# SESSION_TEST_VALKEY_ADDR. Stopped on exit like the Redis servers.
start_valkey() {
  : "${SESSION_TEST_DIR:?SESSION_TEST_DIR must be set}"
  valkey_build || return 1
  REDIS_SERVER="$VALKEY_CACHE/bin/valkey-server" redis_start valkey "$(redis_first_port)" || return 1
  export SESSION_TEST_VALKEY_ADDR="127.0.0.1:$REDIS_LAST_PORT"
  log "valkey $VALKEY_VERSION: $SESSION_TEST_VALKEY_ADDR"
}
