#!/usr/bin/env bash
# The built jar under a fake systemd: NOTIFY_SOCKET is a Unix datagram socket read by python3. Checks READY=1
# once listening (with the listeners in STATUS=), RELOADING=1 then READY=1 around SIGHUP (a real edit of
# server.conf applied, a restart-only key named in the log), SIGUSR1 reopening a rotated log, STOPPING=1 on
# SIGTERM and a clean exit. Needs target/carbon.jar: bash .ci/notify-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }

work=$(mktemp -d)
carbon=
trap '[ -n "$carbon" ] && kill $carbon 2>/dev/null; kill $receiver 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/log"
echo hello >"$work/www/index.html"
cat >"$work/server.conf" <<CONF
port = 18081
www_path = $work/www
log_file = $work/log/server.log
access_log = $work/log/access.log
cache_control = public, max-age=60
admin_port = 0
CONF

python3 - "$work/notify.sock" >"$work/datagrams" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    data = s.recv(4096).decode()
    print(data.replace("\n", " | "), flush=True)
PY
receiver=$!
for _ in $(seq 1 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done

NOTIFY_SOCKET="$work/notify.sock" java -jar target/carbon.jar --config "$work/server.conf" >"$work/out" 2>&1 &
carbon=$!
wait_for() { # wait_for FILE PATTERN WHAT
  for _ in $(seq 1 100); do grep -q -- "$2" "$1" && return 0; sleep 0.1; done
  echo "no $3 within 10 s" >&2; cat "$work/datagrams" "$work/out" >&2; exit 1
}
wait_for "$work/datagrams" "READY=1" "READY=1"
grep -q "STATUS=serving http://127.0.0.1:18081" "$work/datagrams" || { cat "$work/datagrams"; exit 1; }
curl -fsS -D - -o /dev/null http://127.0.0.1:18081/ | grep -qi '^cache-control: public, max-age=60'

sed -i 's/^cache_control = .*/cache_control = no-cache/; s/^port = .*/port = 18082/' "$work/server.conf"
kill -HUP $carbon
wait_for "$work/datagrams" "configuration reloaded" "READY=1 after the reload"
grep -q "RELOADING=1" "$work/datagrams"
curl -fsS -D - -o /dev/null http://127.0.0.1:18081/ | grep -qi '^cache-control: no-cache'
wait_for "$work/log/server.log" "port changed but need a restart" "the restart-only key in the log"

mv "$work/log/access.log" "$work/log/access.log.1"
kill -USR1 $carbon
wait_for "$work/log/server.log" "SIGUSR1: reopening the log files" "the reopen"
for _ in $(seq 1 50); do [ -f "$work/log/access.log" ] && break; sleep 0.1; done
curl -fsS -o /dev/null http://127.0.0.1:18081/
wait_for "$work/log/access.log" '"GET / HTTP/1.1" 200' "a line in the reopened access log"

kill -TERM $carbon
status=0
wait $carbon || status=$?
carbon=
wait_for "$work/datagrams" "STOPPING=1" "STOPPING=1"
[ "$status" -eq 0 ] || { cat "$work/out"; echo "carbon exited with $status" >&2; exit 1; }
cat "$work/datagrams"
echo "systemd notify smoke test OK: READY, RELOADING/READY around a real reload, USR1 reopen, STOPPING"
