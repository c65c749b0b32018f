#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, with schemathesis (PyPI): generated valid and
# invalid requests for every operation, anonymously and with an organisation's and a kommune's
# bearer key. Fails on any server error (5xx) or any response that breaks the documented
# schema. Then the example client in docs/eksempler runs against the same demo.
#
# Expects the binary built beforehand (`cargo build -p cli`); builds nothing itself. Starts
# the server on a small fresh demo database in a temporary folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
BIN="$TARGET_DIR/debug/styringsdialog"
LISTEN="127.0.0.1:18081"
BASE_URL="http://$LISTEN"
# Test cases per operation and mode; raise it for a deeper run (e.g. EKSEMPLER=500).
EKSEMPLER="${EKSEMPLER:-100}"

if ! command -v schemathesis >/dev/null; then
  pip3 install --quiet schemathesis || pip3 install --quiet --break-system-packages schemathesis
fi
[[ -x "$BIN" ]] || { echo "api-fuzz.sh: $BIN is missing; build it first with: cargo build -p cli" >&2; exit 1; }

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

DB="sqlite://$TMP/api.db"
"$BIN" --database "$DB" demo --skala 0.05 >"$TMP/demo.log" 2>&1
"$BIN" --database "$DB" serve --demo --listen "$LISTEN" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null && break
  sleep 0.5
done

# A demo user's personal API key, made the way a user makes one: log in, create a key.
csrf() { sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1; }
api_key() {
  local jar="$TMP/jar-$1" token key
  token=$(curl -fsS -c "$jar" -b "$jar" "$BASE_URL/log-ind" | csrf)
  curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$token" \
    --data-urlencode "brugernavn=$1" --data-urlencode "kodeord=demo-styringsdialog" "$BASE_URL/log-ind"
  token=$(curl -fsS -c "$jar" -b "$jar" "$BASE_URL/konto/api-noegler" | csrf)
  key=$(curl -fsS -c "$jar" -b "$jar" --data-urlencode "_csrf=$token" --data-urlencode "navn=$2" \
    "$BASE_URL/konto/api-noegler" | sed -n 's/.*id="ny-noegle">\([^<]*\)<.*/\1/p')
  [[ "$key" == sd_* ]] || { echo "api-fuzz.sh: could not make an API key for $1" >&2; exit 1; }
  echo "$key"
}
KEY=$(api_key boligorg schemathesis)

# Real identifiers, so generated requests also reach past "not found": the user's first
# package, its organisation and an afdeling of it, and its hjemstedskommune.
curl -fsS -H "Authorization: Bearer $KEY" "$BASE_URL/api/v1/pakker" >"$TMP/pakker.json"
pakke=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['data'][0]['id'])" "$TMP/pakker.json")
curl -fsS -H "Authorization: Bearer $KEY" "$BASE_URL/api/v1/pakker/$pakke" >"$TMP/pakke.json"
python3 - "$TMP/pakke.json" "$TMP/schemathesis.toml" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
org = p.get("organisation", {})
afdelinger = p.get("afdelinger") or [{}]
values = {
    "path.id": p["id"],
    "path.nummer": org.get("nummer"),
    "path.kode": org.get("hjemstedskommune"),
    "path.afdeling": afdelinger[0].get("id"),
    "path.afdelingsnummer": afdelinger[0].get("nummer"),
}
with open(sys.argv[2], "w") as f:
    f.write("[parameters]\n")
    for k, v in values.items():
        if v is not None:
            f.write(f'"{k}" = {json.dumps(v)}\n')
PY
cat "$TMP/schemathesis.toml"

run() {
  echo "api-fuzz.sh: $1"
  shift
  schemathesis --config-file "$TMP/schemathesis.toml" run "$BASE_URL/api/v1/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --phases examples,coverage,fuzzing --max-examples "$EKSEMPLER" --seed 2026 \
    --generation-database none --no-color --request-timeout 30 "$@"
}
status=0
run "anonymously" || status=$?
run "with an organisation user's bearer key" -H "Authorization: Bearer $KEY" || status=$?
KOMMUNE_KEY=$(api_key kommune schemathesis)
run "with a kommune user's bearer key" -H "Authorization: Bearer $KOMMUNE_KEY" || status=$?

# The example client of docs/eksempler against the same demo, as a kommune's system: it must
# run clean, and a second run must find nothing new (its cursor and idempotency keys hold).
echo "api-fuzz.sh: docs/eksempler/kommune_klient.py"
export SD_URL="$BASE_URL" SD_TOKEN="$KOMMUNE_KEY"
python3 docs/eksempler/kommune_klient.py "$TMP/arkiv" || status=$?
second=$(python3 docs/eksempler/kommune_klient.py "$TMP/arkiv") || status=$?
echo "$second"
[[ "$second" == "arkiveret 0 versioner, kvitteret for 0 pakker;"* ]] \
  || { echo "api-fuzz.sh: the example client's second run found work again" >&2; status=1; }

# The example webhook receiver: registered by the kommune's key (loopback is allowed because
# the demo server runs in development mode), sent a test event; the receiver verifies the
# signature and logs the event once.
echo "api-fuzz.sh: docs/eksempler/webhook_modtager.py"
registered=$(curl -fsS -H "Authorization: Bearer $KOMMUNE_KEY" -H 'Content-Type: application/json' \
  -d '{"url": "http://127.0.0.1:18099/haendelser", "typer": ["dk.styringsdialog.pakke.modtaget"]}' \
  "$BASE_URL/api/v1/webhooks")
webhook_id=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['id'])" "$registered")
WEBHOOK_SECRET=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['hemmelighed'])" "$registered") \
  python3 docs/eksempler/webhook_modtager.py 127.0.0.1:18099 "$TMP/haendelser.jsonl" &
RECEIVER_PID=$!
sleep 1
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $KOMMUNE_KEY" "$BASE_URL/api/v1/webhooks/$webhook_id/test"
for _ in $(seq 1 40); do
  [[ -s "$TMP/haendelser.jsonl" ]] && break
  sleep 0.5
done
kill "$RECEIVER_PID" 2>/dev/null || true
if grep -q '"dk.styringsdialog.webhook.test"' "$TMP/haendelser.jsonl" 2>/dev/null; then
  echo "api-fuzz.sh: the receiver verified and logged the test event"
else
  echo "api-fuzz.sh: the example receiver got no verified event" >&2
  status=1
fi
if [[ $status -ne 0 ]]; then
  echo "api-fuzz.sh: failures above; last lines of the server log:" >&2
  tail -n 30 "$TMP/server.log" >&2
fi
exit "$status"
