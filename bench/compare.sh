#!/usr/bin/env bash
# Carbon against nginx on the same machine, the same files and in the same run. Traffic only to 127.0.0.1.
# Usage: bench/compare.sh            (DURATION=10s CONNECTIONS=50 H2_REQUESTS=200000 to change the load)
# Needs: java, wrk, h2load (nghttp2-client), nginx, curl. Prints a Markdown table with Carbon/nginx ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
H2_REQUESTS=${H2_REQUESTS:-200000}
NGINX_CONF=${NGINX_CONF:-../shared/bench/nginx-reference.conf}
C_PORT=18080 C_TLS=18443 N_PORT=28080 N_TLS=28443

[ -f target/carbon.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
cleanup() {
  [ -n "${carbon_pid:-}" ] && kill "$carbon_pid" 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# The file set both servers serve.
mkdir -p "$work/www" "$work/nginx" "$work/log"
head -c 1024 /dev/urandom | base64 -w 76 | head -c 1024 > "$work/www/1k.html"
head -c 102400 /dev/urandom > "$work/www/100k.bin"
head -c 1048576 /dev/urandom > "$work/www/1m.bin"

# Carbon, with its access log on; the same self-signed certificate is given to nginx.
cat > "$work/carbon.conf" <<CONF
port = $C_PORT
use_https = true
https_port = $C_TLS
enable_http2 = true
max_threads = 0
max_connections = 20000
www_path = $work/www
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
log_file = $work/log/server.log
access_log = $work/log/access.log
CONF
java -jar target/carbon.jar --config "$work/carbon.conf" --gen-cert >/dev/null
java -XX:+UseParallelGC -jar target/carbon.jar --config "$work/carbon.conf" >"$work/log/stdout" 2>&1 &
carbon_pid=$!

sed -e "s#@PREFIX@#$work/nginx#g" -e "s#@WWW@#$work/www#g" -e "s#@PORT@#$N_PORT#g" -e "s#@TLS_PORT@#$N_TLS#g" \
    -e "s#@CERT@#$work/cert.pem#g" -e "s#@KEY@#$work/key.pem#g" "$NGINX_CONF" > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"

for url in "http://127.0.0.1:$C_PORT/1k.html" "http://127.0.0.1:$N_PORT/1k.html"; do
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$url" && break; sleep 0.1; done
done

rss_kb() { # resident memory of a process and its children, in KiB
  ps -o rss= --ppid "$1" -p "$1" | awk '{s+=$1} END {print s+0}'
}
nginx_pid() { cat "$work/nginx/nginx.pid"; }

# One wrk run: prints "requests/s MB/s p99(ms)"
run_wrk() {
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | awk '
    /Requests\/sec/ {rps=$2}
    /Transfer\/sec/ {v=$2; if (v ~ /GB/) m=v*1024; else if (v ~ /MB/) m=v+0; else if (v ~ /KB/) m=v/1024; else m=v/1048576}
    /^ +99%/ {l=$2; if (l ~ /us/) p=l/1000; else if (l ~ /ms/) p=l+0; else p=l*1000}
    END {printf "%.0f %.1f %.2f\n", rps, m, p}'
}
# One h2load run: prints "requests/s MB/s mean-latency(ms)" (h2load reports no percentiles)
run_h2load() {
  h2load -n "$H2_REQUESTS" -c "$CONNECTIONS" -m 10 "$1" | awk '
    /^finished in/ {rps=$4; v=$6; if (v ~ /GB/) m=v*1024; else if (v ~ /MB/) m=v+0; else if (v ~ /KB/) m=v/1024; else m=v/1048576}
    /^time for request:/ {l=$6; if (l ~ /us/) p=l/1000; else if (l ~ /ms/) p=l+0; else p=l*1000}
    END {printf "%.0f %.1f %.2f\n", rps, m, p}'
}

rows=()
measure() { # name, command for Carbon, command for nginx (URLs differ by port)
  local name=$1 carbon_cmd=$2 nginx_cmd=$3 c n
  c=$(eval "$carbon_cmd"); local c_rss; c_rss=$(rss_kb "$carbon_pid")
  n=$(eval "$nginx_cmd"); local n_rss; n_rss=$(rss_kb "$(nginx_pid)")
  read -r c_rps c_mb c_lat <<<"$c"; read -r n_rps n_mb n_lat <<<"$n"
  rows+=("| $name | $c_rps | $n_rps | $(awk "BEGIN{printf \"%.2f\", $c_rps/($n_rps>0?$n_rps:1)}")x | $c_mb / $n_mb | $c_lat / $n_lat | $((c_rss/1024)) / $((n_rss/1024)) |")
}

measure "wrk 1 KB, HTTP/1.1 keep-alive" \
  "run_wrk http://127.0.0.1:$C_PORT/1k.html" "run_wrk http://127.0.0.1:$N_PORT/1k.html"
measure "wrk 100 KB, HTTP/1.1 keep-alive" \
  "run_wrk http://127.0.0.1:$C_PORT/100k.bin" "run_wrk http://127.0.0.1:$N_PORT/100k.bin"
measure "wrk 1 MiB, HTTP/1.1 keep-alive" \
  "run_wrk http://127.0.0.1:$C_PORT/1m.bin" "run_wrk http://127.0.0.1:$N_PORT/1m.bin"
measure "h2load 1 KB, h2 over TLS, -m 10" \
  "run_h2load https://127.0.0.1:$C_TLS/1k.html" "run_h2load https://127.0.0.1:$N_TLS/1k.html"

echo "Carbon vs nginx $(nginx -v 2>&1 | sed 's#.*/##'), $(nproc) cores, $(date -u +%Y-%m-%d), duration $DURATION, $CONNECTIONS connections"
echo
echo "| test | Carbon req/s | nginx req/s | Carbon/nginx | MB/s (C / n) | latency ms, p99 wrk / mean h2load (C / n) | RSS MiB (C / n) |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
