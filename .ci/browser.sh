#!/usr/bin/env bash
# Accessibility check of the yearly cycle in headless Chromium (axe-core, WCAG 2.1 A/AA).
#
# Expects the binary built beforehand (`cargo build -p cli`: target/debug/, or
# $CARGO_TARGET_DIR/debug/ when that is set); builds nothing itself. Starts the server on a
# fresh demo database in a temporary folder, runs tests/browser/ with node's test runner and
# exits with its status. The test mutates the data, so every run starts from
# a new database.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# `cargo build -p cli` puts the binary under CARGO_TARGET_DIR when that is set (.ci/run does).
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
BIN="$TARGET_DIR/debug/styringsdialog"
LISTEN="127.0.0.1:18080"
BASE_URL="http://$LISTEN"

if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser.sh: installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

if [[ ! -x "$BIN" ]]; then
  echo "browser.sh: ERROR: $BIN is missing; build it first with: cargo build -p cli" >&2
  exit 1
fi

(cd tests/browser && npm ci --no-audit --no-fund)

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/healthz" 2>/dev/null; then
  echo "browser.sh: ERROR: something already answers on $LISTEN; stop it first" >&2
  exit 1
fi

echo "browser.sh: starting the server with demo data on $LISTEN"
"$BIN" --database "sqlite://$TMP/browser.db" serve --demo --listen "$LISTEN" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "browser.sh: ERROR: the server stopped during start-up:" >&2
    cat "$TMP/server.log" >&2
    exit 1
  fi
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/healthz" || true)" == "200" ]]; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "browser.sh: ERROR: $BASE_URL/healthz did not answer 200 within 120 s:" >&2
  cat "$TMP/server.log" >&2
  exit 1
fi

status=0
BASE_URL="$BASE_URL" node --test tests/browser/ || status=$?
if [[ $status -ne 0 ]]; then
  echo "browser.sh: the browser test failed; last lines of the server log:" >&2
  tail -n 40 "$TMP/server.log" >&2
fi
exit "$status"
