#!/usr/bin/env bash
# Frontdesk scale-out on one machine: a throwaway PostgreSQL cluster, three gateway instances on
# it, and HAProxy in front of their MLLP and HTTP ports (haproxy.cfg beside this script).
# Runs as it is on a machine without Docker: PostgreSQL and HAProxy from Debian
# (apt-get install postgresql haproxy); the gateway from this checkout (npm run build first).
#
#   examples/scale-out/run.sh          # start everything; Ctrl-C stops everything
#   MLLP senders connect to 127.0.0.1:2575, HTTP clients to http://127.0.0.1:8080
#
# Without HAProxy the instances still run (MLLP on 12575-12577, HTTP on 18081-18083) and the
# script says so. Other ports (a machine where these are taken): FD_PORT_OFFSET=10000 adds 10000
# to every port (the balancer's, the instances', PostgreSQL's) in a copy of haproxy.cfg.
set -euo pipefail
off="${FD_PORT_OFFSET:-0}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")"
[ -x "$bin/initdb" ] || { echo "PostgreSQL not found: apt-get install postgresql"; exit 1; }
[ -f "$root/dist/main.js" ] || (cd "$root" && npm run build)

work="$(mktemp -d /tmp/frontdesk-scale-out-XXXXXX)"
chmod 755 "$work"
pgport=$((15432 + off))
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
mkdir -p "$work/pg" && { [ "$(id -u)" != 0 ] || chown postgres "$work/pg"; }
as_pg "'$bin/initdb' -D '$work/pg/data' -A trust -U frontdesk -E UTF8 --locale=C >/dev/null"
as_pg "'$bin/pg_ctl' -D '$work/pg/data' -o '-p $pgport -k $work/pg -c listen_addresses=127.0.0.1' -l '$work/pg/server.log' -w start >/dev/null"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "'$bin/pg_ctl' -D '$work/pg/data' -m fast -w stop >/dev/null" || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# One configuration for all instances; what differs (name, ports) comes from the environment.
cat > "$work/gateway.json" <<JSON
{
  "store": { "url": "postgres://frontdesk@127.0.0.1:$pgport/postgres?pool=10&statement_timeout=30000" },
  "log": { "level": "info" },
  "http": { "auth": { "keys": [{ "name": "local-admin", "key": "dev-only-change-me", "scopes": ["*"] }] } },
  "processing": { "maxAttempts": 5, "takeoverAfterMs": 30000 },
  "channels": [{ "name": "registration", "source": { "mllp": { "port": 2575 } }, "messageTypes": ["ADT^*"], "destinations": [] }],
  "destinations": {}
}
JSON

for i in 1 2 3; do
  FRONTDESK_INSTANCE="gw$i" FRONTDESK_MLLP_PORT_REGISTRATION=$((12574 + i + off)) FRONTDESK_HTTP_PORT=$((18080 + i + off)) \
    node "$root/dist/main.js" --config "$work/gateway.json" > "$work/gw$i.log" 2>&1 &
  pids+=($!)
  # The first instance migrates the schema; the others find it done (an advisory lock orders them anyway).
  [ "$i" = 1 ] && sleep 3
done
sleep 3
grep -h "listening\|store" "$work"/gw*.log || true

if command -v haproxy >/dev/null; then
  # The checked-in configuration, every port moved by the offset.
  perl -pe "s/127\.0\.0\.1:(\d+)/'127.0.0.1:'.(\$1+$off)/ge; s/check port (\d+)/'check port '.(\$1+$off)/ge" "$here/haproxy.cfg" > "$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 &
  pids+=($!)
  echo "HAProxy: MLLP on 127.0.0.1:$((2575 + off)), HTTP on http://127.0.0.1:$((8080 + off)) (health: GET /health on each instance)"
else
  echo "HAProxy not installed (apt-get install haproxy): connect to the instances directly (MLLP $((12575 + off))-$((12577 + off)), HTTP $((18081 + off))-$((18083 + off)))"
fi
echo "logs in $work; Ctrl-C stops everything"
wait
