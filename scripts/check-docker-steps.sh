#!/usr/bin/env bash
# Checks the Dockerfile's steps without a container engine (none on the development machines, and
# no base-image registry): the same commands in a clean directory, the runtime part as a non-root
# user, then the gateway is started with the image's environment and checked:
#   - it listens on every interface (0.0.0.0) for HTTP and each MLLP channel of the sample config;
#   - it answers /health and ACKs an ADT^A04 over MLLP;
#   - its store is written under the data directory (the image's /data volume), owned by that user,
#     and nothing is written in the application directory, which that user cannot write;
#   - it stops cleanly on SIGTERM;
#   - the Dockerfile EXPOSEs every MLLP port of the sample configuration and the HTTP port.
# What it cannot check: the base image itself (node:20-bookworm-slim), apt-get, and the VOLUME.
#
#   scripts/check-docker-steps.sh                     # as root (to create the user and switch to it)
#   scripts/check-docker-steps.sh --reuse-node-modules /path/to/node_modules
#       copies an installed node_modules instead of `npm ci` (offline machines; a weaker check of
#       the build stage: the lockfile install is not exercised)
# Ports: the sample's own (2575-2578, 8080) are usually taken on a shared machine, so the check
# moves them to free ports through the environment overrides (FRONTDESK_HTTP_PORT,
# FRONTDESK_MLLP_PORT_<CHANNEL>), printing which.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REUSE=""
if [ "${1:-}" = "--reuse-node-modules" ]; then REUSE=$(cd "$2" && pwd); fi
CHECK_USER=${CHECK_USER:-frontdesk-check}
WORK=$(mktemp -d /tmp/frontdesk-docker-check.XXXXXX)
chmod 755 "$WORK"
GW_PID=""
cleanup() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then kill -KILL "$GW_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-}" != "1" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/gateway.log" ] && tail -20 "$WORK/gateway.log" >&2; exit 1; }
step() { echo "== $*"; }

[ "$(id -u)" = "0" ] || fail "run as root: the check creates the user '$CHECK_USER' and runs the gateway as it"

# ---- the build context: the repository minus .dockerignore
step "build context (minus .dockerignore) -> $WORK/build"
mkdir -p "$WORK/build"
excludes=()
while IFS= read -r pattern; do
  [ -z "$pattern" ] || [ "${pattern#\#}" != "$pattern" ] && continue
  excludes+=("--exclude=./$pattern")
done < "$ROOT/.dockerignore"
tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -C "$WORK/build" -xf -

# ---- build stage (root, as Docker runs a build stage's RUN lines)
cd "$WORK/build"
if [ -n "$REUSE" ]; then
  step "node_modules copied from $REUSE (instead of npm ci)"
  cp -a "$REUSE" node_modules
else
  step "npm ci --no-audit --no-fund --foreground-scripts"
  npm ci --no-audit --no-fund --foreground-scripts
fi
step "npm run build && npm prune --omit=dev && rm -rf src test bench"
npm run build
npm prune --omit=dev --no-audit --no-fund
rm -rf src test bench
[ -f dist/main.js ] || fail "no dist/main.js after the build"

# ---- runtime stage: /app owned by root, /data owned by the unprivileged user
step "runtime: $WORK/app (root-owned) and $WORK/data (owned by $CHECK_USER)"
id "$CHECK_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$CHECK_USER"
USER_ID=$(id -u "$CHECK_USER")
GROUP_ID=$(id -g "$CHECK_USER")
cp -a "$WORK/build" "$WORK/app"
chown -R root:root "$WORK/app"
chmod -R go-w "$WORK/app"
mkdir -p "$WORK/data" && chown "$USER_ID:$GROUP_ID" "$WORK/data"
as_user() { setpriv --reuid="$USER_ID" --regid="$GROUP_ID" --clear-groups "$@"; }
if as_user test -w "$WORK/app"; then fail "$CHECK_USER can write the application directory"; fi

# ---- the EXPOSE line against the sample configuration
step "Dockerfile EXPOSE against examples/config/gateway.json"
expose=$(grep -E '^EXPOSE' "$ROOT/Dockerfile" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')
sample=$(node -e "const c=require('$ROOT/examples/config/gateway.json');const p=c.channels.filter(x=>x.source.mllp).map(x=>x.source.mllp.port);p.push(c.http.port);console.log(p.sort((a,b)=>a-b).join(' '))")
[ "$expose" = "$sample " ] || fail "EXPOSE lists '$expose', the sample configuration listens on '$sample'"
echo "EXPOSE $expose"

# ---- the image's environment (ENV lines of the final stage) and free ports
free_port() { node -e "const s=require('net').createServer().listen(0,'0.0.0.0',()=>{console.log(s.address().port);s.close()})"; }
envs=(NODE_ENV=production FRONTDESK_DB="$WORK/data/frontdesk.db" FRONTDESK_HTTP_HOST=0.0.0.0 FRONTDESK_MLLP_HOST=0.0.0.0)
grep -q 'FRONTDESK_DB=/data/frontdesk.db' "$ROOT/Dockerfile" || fail "the Dockerfile does not put the store on /data"
grep -q 'FRONTDESK_HTTP_HOST=0.0.0.0' "$ROOT/Dockerfile" && grep -q 'FRONTDESK_MLLP_HOST=0.0.0.0' "$ROOT/Dockerfile" || fail "the Dockerfile does not listen on 0.0.0.0"
HTTP_PORT=$(free_port)
envs+=(FRONTDESK_HTTP_PORT="$HTTP_PORT")
for ch in REGISTRATION SCHEDULING LAB_RESULTS CHARGES; do envs+=("FRONTDESK_MLLP_PORT_$ch=$(free_port)"); done
REG_PORT=$(printf '%s\n' "${envs[@]}" | sed -n 's/^FRONTDESK_MLLP_PORT_REGISTRATION=//p')
echo "ports: HTTP $HTTP_PORT; $(printf '%s ' "${envs[@]}" | grep -o 'FRONTDESK_MLLP_PORT_[A-Z_]*=[0-9]*' | tr '\n' ' ')"

# ---- start it as the user, from the application directory, as CMD does
step "node dist/main.js as $CHECK_USER (uid $USER_ID)"
cd "$WORK/app"
touch "$WORK/started"
# setpriv, then env, exec the next program: $! is the gateway's own pid (a shell function here would
# put a subshell in between, and the SIGTERM below would stop the subshell, not the gateway).
setpriv --reuid="$USER_ID" --regid="$GROUP_ID" --clear-groups env -i PATH="$PATH" HOME="$WORK/data" "${envs[@]}" node dist/main.js >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 600); do
  grep -q 'HTTP listening' "$WORK/gateway.log" && break
  kill -0 "$GW_PID" 2>/dev/null || fail "the gateway exited"
  sleep 0.1
done
grep -q 'HTTP listening' "$WORK/gateway.log" || fail "no 'HTTP listening' within 60 s"
cat "$WORK/gateway.log"
[ "$(grep -c 'MLLP channel .* listening on 0\.0\.0\.0:' "$WORK/gateway.log")" = "4" ] || fail "not every MLLP channel listens on 0.0.0.0"
grep -q "HTTP listening on http://0\.0\.0\.0:$HTTP_PORT" "$WORK/gateway.log" || fail "HTTP does not listen on 0.0.0.0:$HTTP_PORT"

step "GET /health and an ADT^A04 over MLLP"
node -e "
const http=require('http'),net=require('net'),fs=require('fs');
http.get('http://127.0.0.1:$HTTP_PORT/health',(r)=>{ if(r.statusCode!==200){console.error('health',r.statusCode);process.exit(1)} console.log('health 200');
  const msg=fs.readFileSync('$ROOT/examples/hl7v2/adt-a04.hl7','utf8').replace(/\r?\n/g,'\r');
  const s=net.connect($REG_PORT,'127.0.0.1',()=>s.write('\x0b'+msg+'\x1c\r'));let a='';
  s.on('data',(d)=>{a+=d; if(a.includes('\x1c')){const msa=a.split('\r').find(x=>x.startsWith('MSA'));console.log('ACK',msa);s.end();process.exit(/^MSA\|(CA|AA)\|/.test(msa||'')?0:1)}});
  setTimeout(()=>{console.error('no ACK');process.exit(1)},30000);
}).on('error',(e)=>{console.error(e.message);process.exit(1)});
" || fail "the gateway did not answer"

step "the store is on the data directory, owned by $CHECK_USER; nothing written in the application directory"
[ -f "$WORK/data/frontdesk.db" ] || fail "no $WORK/data/frontdesk.db"
[ "$(stat -c %u "$WORK/data/frontdesk.db")" = "$USER_ID" ] || fail "the store is not owned by $CHECK_USER"
[ ! -e "$WORK/app/data" ] || fail "something wrote $WORK/app/data"
written=$(find "$WORK/app" -newer "$WORK/started" -print -quit)
[ -z "$written" ] || fail "written in the application directory: $written"
ls -l "$WORK/data"

step "SIGTERM stops it cleanly"
kill -TERM "$GW_PID"
code=0; wait "$GW_PID" || code=$?
GW_PID=""
[ "$code" = "0" ] || fail "exit code $code after SIGTERM"
grep -q '"shutting down"' "$WORK/gateway.log" || fail "no 'shutting down' line: the gateway did not stop by itself"
echo "OK: the image's steps build, and the gateway runs as $CHECK_USER with its store on the data volume, listening on 0.0.0.0"
