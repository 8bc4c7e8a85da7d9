#!/usr/bin/env bash
# Slow-client attacks against the built jar, with a legitimate client watching (issue 14).
#
# Starts target/carbon.jar on a loopback port with its default limits (max_connections 1024,
# max_connections_per_ip 256, header_timeout 10s), then runs Debian's slowhttptest twice, 1000 connections
# each: slowloris (-H, request heads that never end) and slow read (-X, responses read a few bytes a second).
# During each attack curl fetches / every 0.5 s from another loopback address; the step fails if one fetch
# is refused, fails, or takes longer than 1 s. Run after `mvn package`: bash .ci/slowloris.sh
#
# slowhttptest cannot choose its source address, so the attack comes from 127.0.0.1 and the legitimate client
# from 127.0.0.2 (Linux answers on all of 127.0.0.0/8). From one address only max_connections_per_ip (256)
# of the 1000 connections get in and the rest are refused at once: that is the per-address limit working.
# slowhttptest's own "service available: NO" comes from its probe, which also connects from 127.0.0.1 and
# is refused for the same reason; curl from 127.0.0.2 is the probe that counts here.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${SLOWLORIS_PORT:-18380}       # below 32768 (the ephemeral range) and used by nothing else in CI
seconds=${SLOWLORIS_SECONDS:-30}    # length of each attack
connections=1000
client=127.0.0.2                    # the legitimate client's source address
max_fetch_seconds=1.0

if ! command -v slowhttptest >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slowhttptest >/dev/null
fi
[ -f target/carbon.jar ] || { echo "slowloris: target/carbon.jar is missing; build it first (mvn package)" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "slowloris: port $port is already in use on 127.0.0.1; set SLOWLORIS_PORT to a free one" >&2
  exit 1
fi

work=$(mktemp -d)
carbon_pid=
attack_pid=
prober_pid=

# Every background process dies with the script, whatever way it ends.
cleanup() {
  local pid
  for pid in $prober_pid $attack_pid; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  if [ -n "$carbon_pid" ] && kill -0 "$carbon_pid" 2>/dev/null; then
    kill -TERM "$carbon_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$carbon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$carbon_pid" 2>/dev/null || true
  fi
  if [ -n "${SLOWLORIS_KEEP:-}" ]; then echo "slowloris: files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "slowloris: FAILED: $*" >&2
  echo "---- server log ($work/server.log and standard error) ----" >&2
  cat "$work/carbon.out" >&2 2>/dev/null || true
  exit 1
}

# The shipped www/ plus one file larger than the kernel's socket buffers (tcp_wmem allows up to 4 MiB), so a
# slow reader really stalls Carbon's writes instead of having its responses parked in the kernel.
mkdir "$work/www"
cp -R www/. "$work/www/"
head -c 16M /dev/zero >"$work/www/large.bin"

cat >"$work/server.conf" <<EOF
# Defaults for every limit but send_timeout, shortened so that slow readers are cut within the attack.
port = $port
server_name = 127.0.0.1
www_path = $work/www
log_file = $work/server.log
access_log = $work/access.log
send_timeout = 5s
EOF
# The environment overrides the file; a platform's PORT or SERVER_NAME must not move this server.
env -u PORT -u CARBON_PORT -u SERVER_NAME -u CARBON_SERVER_NAME -u USE_HTTPS -u CARBON_USE_HTTPS \
  java -jar target/carbon.jar --config "$work/server.conf" >"$work/carbon.out" 2>&1 &
carbon_pid=$!

url=http://127.0.0.1:$port/
for _ in $(seq 1 150); do
  kill -0 "$carbon_pid" 2>/dev/null || fail "carbon exited at start"
  curl -fsS -o /dev/null --interface "$client" "$url" 2>/dev/null && break
  sleep 0.1
done
curl -fsS -o /dev/null --interface "$client" "$url" \
  || fail "curl --interface $client cannot fetch $url before any attack"
# Warm up (MIME detection and the file cache load on first use) so a cold start is not taken for the attack.
for _ in 1 2 3 4 5; do curl -fsS -o /dev/null --interface "$client" "$url"; done

# The legitimate client: one fetch of / every 0.5 s until $work/stop-<mode> appears. One line per fetch:
# curl's exit status, the HTTP status, the total time, and the connections the server has open on the port.
probe() {
  local mode=$1 out rc open
  while [ ! -e "$work/stop-$mode" ]; do
    rc=0
    out=$(curl -sS -o /dev/null --interface "$client" --connect-timeout 5 --max-time 5 \
      -w '%{http_code} %{time_total}' "$url" 2>"$work/curl.err") || rc=$?
    open=$( (ss -Htn state established "( sport = :$port )" 2>/dev/null || true) | wc -l)
    echo "$rc $out $open $(tr '\n' ' ' <"$work/curl.err")" >>"$work/probes-$mode"
    sleep 0.5
  done
}

summaries=()
# attack MODE -- slowhttptest arguments
attack() {
  local mode=$1; shift
  : >"$work/probes-$mode"
  probe "$mode" &
  prober_pid=$!
  # slowhttptest stops itself after -l seconds, or earlier once Carbon has closed all its connections;
  # timeout is only the backstop should it hang.
  timeout $((seconds + 30)) slowhttptest "$@" -c "$connections" -l "$seconds" >"$work/slowhttptest-$mode" 2>&1 &
  attack_pid=$!
  local status=0
  wait "$attack_pid" || status=$?
  attack_pid=
  touch "$work/stop-$mode"
  wait "$prober_pid" || true
  prober_pid=
  # Its screen output, without colours; the last status block and the "Exit status" line are its summary.
  sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$work/slowhttptest-$mode" >"$work/slowhttptest-$mode.txt"
  [ "$status" -eq 0 ] || { cat "$work/slowhttptest-$mode.txt" >&2; fail "slowhttptest $mode exited with $status"; }
  kill -0 "$carbon_pid" 2>/dev/null || fail "carbon died during the $mode attack"

  local report
  report=$(awk -v limit="$max_fetch_seconds" '
    { n++; if ($4 + 0 > open) open = $4 + 0 }
    $1 != 0 || $2 != 200 { bad++; why = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ */, "", why)
                           print "  fetch " n ": curl exit " $1 ", HTTP " $2 ", " $3 " s, " $4 " connections open; " why > "/dev/stderr"; next }
    { if ($3 + 0 > slowest) slowest = $3 + 0; if ($3 + 0 > limit) { slow++; print "  fetch " n ": " $3 " s" > "/dev/stderr" } }
    END { printf "%d %d %d %.3f %d\n", n, bad, slow, slowest, open }' "$work/probes-$mode")
  local fetches bad slow slowest open
  read -r fetches bad slow slowest open <<<"$report"
  local ended exit_line last
  ended=$(grep -o 'Test ended on [0-9]*[a-z]* second' "$work/slowhttptest-$mode.txt" | tail -1 || true)
  exit_line=$(grep -o 'Exit status: .*' "$work/slowhttptest-$mode.txt" | tail -1 || true)
  last=$(awk '/^(connected|error|closed):/ { v[$1] = $2 } END { printf "connected %s, closed %s, error %s",
           v["connected:"], v["closed:"], v["error:"] }' "$work/slowhttptest-$mode.txt")
  [ "$fetches" -gt 0 ] || fail "$mode: the legitimate client made no fetch"
  [ "$bad" -eq 0 ] || fail "$mode: $bad of $fetches fetches from $client were refused or failed (above)"
  [ "$slow" -eq 0 ] || fail "$mode: $slow of $fetches fetches from $client took longer than $max_fetch_seconds s (above)"
  echo "$mode: $fetches fetches from $client, all 200, slowest $slowest s; at most $open connections open;" \
       "slowhttptest: $ended, $exit_line ($last)"
  summaries+=("$mode $fetches fetches, slowest $slowest s, slowhttptest: ${exit_line#Exit status: } ($last)")
}

# Slowloris: heads trickle a header line every 5 s. header_timeout (10 s from a head's first byte, not reset
# by the trickle) answers 408 and closes; new attack connections keep arriving (50 a second) for 20 s.
attack slowloris -H -r 50 -i 5 -u "$url"

# Slow read: every connection asks for the 16 MiB file and reads 32 bytes a second through a receive window
# of at most 32 bytes, so Carbon's writes stall. send_timeout (5 s here, 60 s by default) closes each stalled
# connection, and a legitimate client must not notice the attack.
(sleep 20; grep -c 'GET /large.bin' "$work/access.log" >"$work/cut-during-slow-read" || true) &
attack slow-read -X -r 200 -k 1 -n 1 -w 1 -y 32 -z 32 -u "${url}large.bin"
# The evidence is Carbon's own access log, read 20 s into the 30 s attack, while slowhttptest still holds every
# connection it has: a 16 MiB response read at 32 bytes a second never completes, so each large.bin line by then
# is a slow reader send_timeout disconnected. (slowhttptest's own count is no help: a connection Carbon closed
# still looks connected to it while the kernel delivers what was queued, at 32 bytes a second.)
cut=$(cat "$work/cut-during-slow-read")
[ "$cut" -gt 0 ] || fail "slow read: no slow reader was disconnected during the attack: send_timeout did not cut them"

# header_timeout's answers to the slowloris heads, from the access log (written by a background thread:
# stop the server first so it is drained).
kill -TERM "$carbon_pid"
wait "$carbon_pid" || fail "carbon exited with $? after SIGTERM"
carbon_pid=
timeouts=$(grep -c '" 408 ' "$work/access.log" || true)
[ "$timeouts" -gt 0 ] || fail "slowloris: no 408 in the access log: header_timeout did not close a slow head"
echo "slowloris test OK: ${summaries[0]}, $timeouts heads answered 408; ${summaries[1]}, $cut slow readers cut by send_timeout"
