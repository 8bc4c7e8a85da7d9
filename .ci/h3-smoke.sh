#!/usr/bin/env bash
# HTTP/3 smoke test of the built jar, called by .ci/run after the HTTP/2 smoke:
#   bash .ci/h3-smoke.sh
# Starts target/carbon.jar in a temporary folder (its own www/ with a 1 MiB random file, its own config, a
# self-signed certificate generated on start) with use_https, enable_http2 and enable_http3, then:
#   1. gtlsclient (ngtcp2's example client, Debian ngtcp2-client) fetches /index.html and /big.bin over QUIC on
#      the HTTPS port's number: both bodies byte-exact, ALPN h3, status 200 on both streams;
#   2. curl over TLS, HTTP/1.1 and h2: the responses carry Alt-Svc: h3=":PORT"; the plain port's do not;
#   3. SIGTERM: Carbon exits 0.
# Installs ngtcp2-client (apt-get) when gtlsclient is missing. Every step is bounded; on failure the script
# exits non-zero with the reason, the client's output and Carbon's log.
# Environment: H3_HTTP_PORT [18082], H3_HTTPS_PORT [18444] (TCP and UDP), KEEP_WORK [0] (1 = keep the folder).
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT=${H3_HTTP_PORT:-18082}
HTTPS_PORT=${H3_HTTPS_PORT:-18444}
HOST=127.0.0.1

say() { echo "h3-smoke: $*"; }
die() { echo "h3-smoke: FAIL: $*" >&2; exit 1; }

[ -f target/carbon.jar ] || die "target/carbon.jar is missing: build it first (mvn -B package)"

need=()
command -v gtlsclient >/dev/null || need+=(ngtcp2-client)
command -v curl >/dev/null || need+=(curl)
command -v ss >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v gtlsclient >/dev/null || die "gtlsclient is still missing after installing ngtcp2-client"

[ -z "$(ss -Htln "sport = :$HTTP_PORT")" ] || die "TCP port $HTTP_PORT is in use (set H3_HTTP_PORT)"
[ -z "$(ss -Htln "sport = :$HTTPS_PORT")" ] || die "TCP port $HTTPS_PORT is in use (set H3_HTTPS_PORT)"
[ -z "$(ss -Huln "sport = :$HTTPS_PORT")" ] || die "UDP port $HTTPS_PORT is in use (set H3_HTTPS_PORT)"

work=$(mktemp -d /tmp/carbon-h3.XXXXXX)
carbon_pid=''
cleanup() {
  local rc=$?
  if [ -n "$carbon_pid" ]; then # TERM (timeout passes it on to java), up to 10 s, then KILL timeout and its java
    kill -TERM "$carbon_pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$carbon_pid" 2>/dev/null || break; sleep 0.1; done
    pkill -KILL -P "$carbon_pid" 2>/dev/null || true
    kill -KILL "$carbon_pid" 2>/dev/null || true
    wait "$carbon_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    for f in "$work"/gtlsclient-*.err; do
      [ -s "$f" ] && { echo "--- $f (last 30 lines)"; tail -n 30 "$f"; }
    done
    # stdout holds what server.log holds, and also what Carbon wrote before its log was open.
    [ -s "$work/stdout" ] && { echo "--- Carbon's log $work/stdout (without the config listing, last 60 lines)"
      grep -v ' INFO config ' "$work/stdout" | tail -n 60; }
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    say "files, config and logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work/www"
cp -R www/. "$work/www/"
head -c 1048576 /dev/urandom >"$work/www/big.bin"
cat >"$work/carbon.conf" <<CONF
server_name = $HOST
port = $HTTP_PORT
use_https = true
https_port = $HTTPS_PORT
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
enable_http2 = true
enable_http3 = true
admin_port = 0
www_path = $work/www
log_file = $work/server.log
access_log = $work/access.log
shutdown_timeout = 2s
CONF

# A clean environment (Carbon reads PORT, CARBON_<KEY>, ... and they would win over the file); timeout bounds a
# Carbon that outlives this script, --foreground so that our one SIGTERM is not passed on twice.
env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=C.UTF-8" timeout --foreground -k 10 300 \
  java -jar target/carbon.jar --config "$work/carbon.conf" </dev/null >"$work/stdout" 2>&1 &
carbon_pid=$!
ready=0
for ((i = 0; i < 300; i++)); do
  if curl -fsk --max-time 2 -o /dev/null "https://$HOST:$HTTPS_PORT/" 2>/dev/null; then ready=1; break; fi
  kill -0 "$carbon_pid" 2>/dev/null || die "Carbon exited during startup"
  sleep 0.1
done
[ "$ready" = 1 ] || die "Carbon did not answer https://$HOST:$HTTPS_PORT/ within 30 s"
# HTTP/3 that cannot start is logged and TCP goes on without it: that is a failure here.
grep -q "listening on udp://.*:$HTTPS_PORT (HTTP/3" "$work/stdout" \
  || die "Carbon does not say it listens on udp port $HTTPS_PORT for HTTP/3"

# gtlsclient URI... -> checks ALPN h3 and a 200 per URI; bodies land in $work/dl/<name>. Extra client options in
# the array $opts. --exit-on-all-streams-close ends it after the last response; timeout bounds a handshake or a
# stream that hangs.
n=0
opts=()
h3get() {
  n=$((n + 1))
  local out=$work/gtlsclient-$n.err rc=0
  rm -rf "$work/dl" && mkdir "$work/dl"
  timeout -k 2 30 gtlsclient --exit-on-all-streams-close --no-quic-dump --no-http-dump --timeout=10s "${opts[@]}" \
    --download "$work/dl" "$HOST" "$HTTPS_PORT" "$@" >"$work/gtlsclient-$n.out" 2>"$out" || rc=$?
  [ "$rc" = 0 ] || die "gtlsclient $* exited with $rc (124: timed out) - see $out"
  grep -q '^Negotiated ALPN is h3$' "$out" || die "gtlsclient $*: no 'Negotiated ALPN is h3' - see $out"
  local got
  got=$(grep -c '^http: stream 0x[0-9a-f]* \[:status: 200\]$' "$out" || true)
  [ "$got" = "$#" ] || die "gtlsclient $*: $got of $# responses had :status 200 - see $out"
  grep -E '^Negotiated ALPN|^http: stream 0x[0-9a-f]* \[(:status|content-length|alt-svc):' "$out" | sed 's/^/  /'
}

say "HTTP/3: /index.html"
h3get "https://$HOST:$HTTPS_PORT/index.html"
cmp "$work/dl/index.html" "$work/www/index.html" || die "/index.html over HTTP/3 differs from www/index.html"
# Flow control: the client's windows start far below 1 MiB (its defaults are 6 MiB stream, 15 MiB connection), so
# Carbon must stop at the credit and go on after MAX_STREAM_DATA / MAX_DATA.
say "HTTP/3: /big.bin (1 MiB through 64 KiB stream / 128 KiB connection windows) and /index.html on one connection"
opts=(--max-stream-data-bidi-local=64K --max-data=128K)
h3get "https://$HOST:$HTTPS_PORT/big.bin" "https://$HOST:$HTTPS_PORT/index.html"
cmp "$work/dl/big.bin" "$work/www/big.bin" || die "/big.bin over HTTP/3 differs from the 1 MiB file written"
cmp "$work/dl/index.html" "$work/www/index.html" || die "/index.html (second stream) differs from www/index.html"
opts=()

# Alt-Svc on TCP TLS responses, both HTTP/1.1 and h2; none on the plain port (RFC 7838 §2.1: only over TLS).
want="h3=\":$HTTPS_PORT\"; ma=86400"
for v in http1.1 http2; do
  headers=$(curl -ksS --"$v" --max-time 5 -D - -o /dev/null "https://$HOST:$HTTPS_PORT/" | tr -d '\r') \
    || die "curl --$v https://$HOST:$HTTPS_PORT/ failed"
  alt=$(awk -F': ' 'tolower($1)=="alt-svc" {print $2}' <<<"$headers")
  say "curl --$v: $(head -n 1 <<<"$headers"), alt-svc: $alt"
  [ "$alt" = "$want" ] || die "curl --$v over TLS: alt-svc is '$alt', expected '$want'"
done
headers=$(curl -sS --max-time 5 -D - -o /dev/null "http://$HOST:$HTTP_PORT/" | tr -d '\r') \
  || die "curl http://$HOST:$HTTP_PORT/ failed"
! grep -qi '^alt-svc:' <<<"$headers" || die "the plain http port advertises Alt-Svc: $(grep -i '^alt-svc:' <<<"$headers")"

# The access log names the protocol: three HTTP/3 requests (information; the checks above are the proof).
sleep 0.3
say "access log: $(grep -c '" 200 .*nghttp3' "$work/access.log" || true) gtlsclient requests, protocols:" \
  "$(sed -E 's/.*"[A-Z]+ [^ ]+ ([^"]+)".*/\1/' "$work/access.log" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

pid=$carbon_pid
kill -TERM "$pid"
status=0
for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && die "Carbon still runs 15 s after SIGTERM"
wait "$pid" || status=$?
carbon_pid=''
[ "$status" = 0 ] || die "Carbon exited with $status after SIGTERM"
if grep -E ' (ERROR|WARN) ' "$work/stdout" | grep -v 'SELF-SIGNED'; then
  say "(warnings and errors above are from Carbon's log)"
fi
say "OK: HTTP/3 (ALPN h3) served /index.html and 1 MiB byte-exact, Alt-Svc on h1 and h2 over TLS, clean exit"
