#!/usr/bin/env bash
# Real-browser test of the landing page's live demo, called by .ci/run after the jar is built:
#   bash .ci/browser-test.sh
# Debian's chromium, driven by npm playwright-core (.ci/browser/check.mjs), against target/carbon.jar started in a
# temporary folder with its own copy of www/, its own config and a self-signed certificate:
#   1. https://  HTTP/2 over TLS, WebSocket on: the page must say h2, echo and both channel checks must pass
#                (the browser picks RFC 8441 WebSockets on the h2 connection, or HTTP/1.1 upgrades, by itself);
#   2. http://   HTTP/1.1, WebSocket on: the same over plain RFC 6455 upgrades;
#   3. https://  HTTP/3 from the same Carbon (enable_http3, UDP on the HTTPS port's number): Chromium is told to
#                use QUIC to that origin at once (--origin-to-force-quic-on) and to accept the self-signed
#                certificate by its key (--ignore-certificate-errors-spki-list); the navigation's
#                nextHopProtocol must be h3, and the demo must pass (fetch and EventSource go over h3, WebSocket
#                over whatever Chromium picks); Chromium's net log is kept for a failure;
#   4. http://   a second Carbon with enable_websocket = false: the page must say the demo is off.
# WebTransport (the demo's second part, #demo data-webtransport): on the plain-HTTP pages it must always say off.
# On the https pages (1 and 3), with WT=1 (the default), the Carbon of 1-3 gets
# enable_webtransport = true and self_signed_for_webtransport = true (an ECDSA P-256 certificate valid 13 days,
# whose SHA-256 the page fetches from /.well-known/carbon/certificate-hash for serverCertificateHashes), and the
# stream echo, the datagram echo and the channel must all pass over WebTransport, or the test fails. With
# WT=0 WebTransport stays off there and its outcome is only reported.
# Installs chromium (apt-get) and the npm packages (npm ci) when missing. Every step is bounded; the whole
# script exits non-zero with the reason, Carbon's log and the browser's output on any failure.
# Environment: BT_HTTP_PORT [18280], BT_HTTPS_PORT [18643] (TCP and UDP), KEEP_WORK [0] (1 = keep the temporary
# folder), WT [1] (0 = WebTransport off, outcome only reported).
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT=${BT_HTTP_PORT:-18280}
HTTPS_PORT=${BT_HTTPS_PORT:-18643}
HOST=127.0.0.1
WT=${WT:-1}
case $WT in
  0) WT_HTTPS='' WT_CONF='' ;;
  1) WT_HTTPS=ok WT_CONF=$'enable_webtransport = true\nself_signed_for_webtransport = true' ;;
  *) echo "browser-test: FAIL: WT must be 0 or 1, not '$WT'" >&2; exit 2 ;;
esac

say() { echo "browser-test: $*"; }
die() { echo "browser-test: FAIL: $*" >&2; exit 1; }

[ -f target/carbon.jar ] || die "target/carbon.jar is missing: build it first (mvn -B package)"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v ss >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 900 apt-get install -y -qq "${need[@]}" >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old for playwright-core (20 or later)"
say "$(/usr/bin/chromium --version 2>/dev/null | head -n 1), node $(node --version)"

# The pinned playwright-core from package-lock.json; playwright-core never downloads a browser.
if ! (cd .ci/browser && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
  die "npm ci in .ci/browser failed"
fi

for p in $HTTP_PORT $HTTPS_PORT; do
  [ -z "$(ss -Htln "sport = :$p")" ] || die "port $p is already in use (set BT_HTTP_PORT / BT_HTTPS_PORT)"
done
[ -z "$(ss -Huln "sport = :$HTTPS_PORT")" ] || die "UDP port $HTTPS_PORT is already in use (set BT_HTTPS_PORT)"

work=$(mktemp -d /tmp/carbon-browser.XXXXXX)
carbon_pid=''
stopped=0
stop_carbon() { # TERM, up to 15 s, then KILL; the exit status goes to $stopped
  local pid=$carbon_pid i
  carbon_pid='' stopped=0
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || stopped=$?
}
cleanup() {
  local rc=$?
  [ -z "$carbon_pid" ] || stop_carbon
  if [ "$rc" -ne 0 ]; then
    for f in "$work"/*/stdout "$work"/*/server.log; do
      [ -s "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
    done
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
    say "files, configs and logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts Carbon from target/carbon.jar in $work/$1 with www/ copied there; the rest of the config comes on stdin.
# A clean environment: Carbon reads PORT, CARBON_<KEY>, ... and they would win over the file.
start_carbon() {
  local dir=$work/$1 i
  mkdir -p "$dir"
  cp -R www "$dir/www"
  {
    echo "server_name = $HOST"
    echo "port = $HTTP_PORT"
    echo "www_path = $dir/www"
    echo "log_file = $dir/server.log"
    echo "access_log = $dir/access.log"
    echo "shutdown_timeout = 2s"
    echo "admin_port = 0" # no metrics listener: the default 9180 may be taken by another Carbon on the machine
    cat
  } >"$dir/carbon.conf"
  # timeout bounds a Carbon that outlives this script; --foreground, because without it timeout passes our one
  # SIGTERM on to its whole process group as well, and Carbon takes a second TERM as "stop at once" (exit 143).
  local carbon=(env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=C.UTF-8" timeout --foreground -k 10 600 java)
  timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$dir/carbon.conf" --check >"$dir/check.out" 2>&1 \
    || die "Carbon refused $dir/carbon.conf: $(tail -n 5 "$dir/check.out")"
  if grep -q 'use_https = true' "$dir/carbon.conf"; then
    timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$dir/carbon.conf" --gen-cert >"$dir/gen-cert.out" 2>&1 \
      || die "Carbon could not write a self-signed certificate: $(tail -n 5 "$dir/gen-cert.out")"
  fi
  "${carbon[@]}" -jar target/carbon.jar --config "$dir/carbon.conf" </dev/null >"$dir/stdout" 2>&1 &
  carbon_pid=$!
  for ((i = 0; i < 300; i++)); do
    curl -fsk --max-time 2 -o /dev/null "http://$HOST:$HTTP_PORT/" 2>/dev/null && return 0
    kill -0 "$carbon_pid" 2>/dev/null || die "Carbon exited during startup"
    sleep 0.1
  done
  die "Carbon did not answer http://$HOST:$HTTP_PORT/ within 30 s"
}

# Runs check.mjs (bounded twice: its own timeout and this one). QUIC_ORIGIN, SPKI_SHA256 and NET_LOG pass through.
check() { # url expected-protocol ok|off [webtransport: ok|off|empty = reported only]
  if ! EXPECT_PROTOCOL=$2 EXPECT_DEMO=$3 EXPECT_WT=${4:-} TIMEOUT_MS=30000 timeout -k 5 90 node .ci/browser/check.mjs "$1"; then
    if [ -n "${NET_LOG:-}" ] && [ -s "$NET_LOG" ]; then # why QUIC failed, in Chromium's words
      say "QUIC in Chromium's net log $NET_LOG (errors and close reasons):"
      grep -oE '"(details|net_error|quic_error|error)": ?("[^"]*"|-?[0-9]+)' "$NET_LOG" | sort | uniq -c | sed 's/^/  /' || true
    fi
    die "the landing page's demo at $1 did not pass (expected protocol $2, demo $3${4:+, WebTransport $4})"
  fi
}

# 1 and 2: WebSocket on, HTTPS with HTTP/2 and plain HTTP/1.1.
start_carbon on <<CONF
use_https = true
https_port = $HTTPS_PORT
ssl_cert_path = $work/on/cert.pem
ssl_key_path = $work/on/key.pem
enable_http2 = true
enable_http3 = true
enable_websocket = true
$WT_CONF
CONF
for ((i = 0; i < 100; i++)); do
  curl -fsk --max-time 2 -o /dev/null "https://$HOST:$HTTPS_PORT/" 2>/dev/null && break
  sleep 0.1
done
version=$(curl -sk --http2 --max-time 5 -o /dev/null -w '%{http_version}' "https://$HOST:$HTTPS_PORT/" || true)
[ "$version" = 2 ] || die "curl did not get HTTP/2 from https://$HOST:$HTTPS_PORT/ (got '$version')"
check "https://$HOST:$HTTPS_PORT/" h2 ok "$WT_HTTPS"
check "http://$HOST:$HTTP_PORT/" http/1.1 ok off
# 3: HTTP/3. Carbon serves TCP on when QUIC cannot start; here that is a failure, said before the browser runs.
grep -q "listening on udp://.*:$HTTPS_PORT (HTTP/3" "$work/on/stdout" \
  || die "Carbon does not say it listens on udp port $HTTPS_PORT for HTTP/3"
spki=$(openssl x509 -pubkey -noout -in "$work/on/cert.pem" | openssl pkey -pubin -outform der \
       | openssl dgst -sha256 -binary | base64) || die "openssl could not hash the key of $work/on/cert.pem"
QUIC_ORIGIN=$HOST:$HTTPS_PORT SPKI_SHA256=$spki NET_LOG=$work/on/chromium-netlog.json \
  check "https://$HOST:$HTTPS_PORT/" h3 ok "$WT_HTTPS"
# Which way the browser's WebSockets went (information only: the browser chooses). Counted from the access
# log: demo requests to /ws and /ws/channels/ by protocol.
sleep 0.5
if [ -s "$work/on/access.log" ]; then
  say "requests in the access log, by protocol: $(sed -E 's/.*"[A-Z]+ [^ ]+ ([^"]*)".*/\1/' "$work/on/access.log" \
    | sort | uniq -c | tr -s ' ' | paste -sd, -)"
  say "WebSocket and channel requests in the access log, by method and protocol:"
  grep -E '"[A-Z]+ /ws(/channels/[^ ]*)? ' "$work/on/access.log" \
    | sed -E 's/.*"([A-Z]+) (\/ws[^ ]*) ([^"]*)".*/\1 \3/' | sort | uniq -c | sed 's/^/  /' || true
fi
stop_carbon
[ "$stopped" = 0 ] || die "Carbon (WebSocket on) exited with status $stopped after SIGTERM"

# 4: WebSocket off: the page works and says the demo is off.
start_carbon off <<CONF
use_https = false
enable_websocket = false
CONF
check "http://$HOST:$HTTP_PORT/" http/1.1 off off
stop_carbon
[ "$stopped" = 0 ] || die "Carbon (WebSocket off) exited with status $stopped after SIGTERM"

say "OK: h2 over TLS, h3 over QUIC and HTTP/1.1 with the WebSocket echo, channel and SSE checks, and the page" \
  "without WebSocket; WebTransport $([ "$WT" = 1 ] && echo 'stream, datagram and channel checks passed on the https pages' \
  || echo 'reported only on the https pages (WT=1 requires it)'), off on the plain-HTTP pages"
