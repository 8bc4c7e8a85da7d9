#!/usr/bin/env bash
# Carbon against nginx (HTTP/1.1, TLS, h2, compression) and against Caddy (HTTP/3) on the same machine, the
# same files and the same certificate, back to back in one run. Traffic goes only to 127.0.0.1. Prints Markdown
# tables with Carbon/nginx and Carbon/Caddy ratios and writes them, with the machine, the versions and the date,
# between the bench markers of docs/benchmarks.md.
#
# Usage: bench/compare.sh
#        ROWS=h3 bench/compare.sh      only the HTTP/3 rows (Carbon and Caddy; nginx is not started)
# Environment (defaults in brackets):
#   ROWS [all]            the rows to measure, by name, separated by spaces or commas: 1k 100k 1m gzip br h2 ab
#                         (against nginx), h3-1k h3-100k (against Caddy); "nginx" = the first seven, "h3" = the
#                         last two. Anything but all prints only (WRITE_DOCS defaults to 0, and 1 is refused)
#   H3 [1]                1 = the HTTP/3 rows (needs caddy); 0 = none, as if ROWS left them out
#   DURATION [10s]        measured time per row and server (s, m or h; whole numbers), split into ROUNDS runs
#   ROUNDS [2]            runs per row and server, taking turns (Carbon, nginx, nginx, Carbon, ...): the machine's
#                         speed drifts by ±20% over minutes on a shared host, and turns cancel a steady drift
#                         instead of handing it to whichever server went second; a row's figure is the mean of
#                         its runs (p99 latency: the worst run)
#   WARMUP [2s]           load on the same URL just before each measured wrk/h2load run; 0 = none
#   JIT_WARMUP [10s]      once, before the first row: this long of every row's load (wrk, h2load, ab) on Carbon,
#                         so that the JVM has compiled its hot code before anything is measured: a long-running
#                         server is measured in its steady state, not in its first seconds (HTTP/2 over TLS takes
#                         15-20 s of load to get there). nginx, compiled ahead of time, has nothing to warm; 0 = none
#   THREADS [2]           wrk and h2load threads, H3Load event loops
#   CONNECTIONS [50]      wrk and h2load connections
#   H3_CONNECTIONS [CONNECTIONS], H3_STREAMS [10]   HTTP/3 rows: QUIC connections and request streams in flight on
#                         each (h2load's -c and -m), from bench/H3Load.java run out of the Carbon jar
#   H3_WARMUP [5s]        HTTP/3 rows: load before each measured H3Load run. H3Load is a JVM started for every run,
#                         so this also compiles the client's own hot code; both servers get the same
#   AB_CONCURRENCY [CONNECTIONS], AB_REQUESTS [100000 per second of a run]: ab -c and -n (ab also stops at -t)
#   WRITE_DOCS [1]        0 = only print the table, leave docs/benchmarks.md alone
#   CARBON_EXTRA          extra "key = value" lines for Carbon's config; a key given here replaces the
#                         script's own value, e.g. CARBON_EXTRA=$'cache_max_bytes = 0\nenable_compression = false'
#   CARBON_JAVA_OPTS [-XX:+UseParallelGC -Xms64m -Xmx512m -XX:MaxDirectMemorySize=1g]   JVM options (the same as carbon.service)
#   NGINX_CONF [../shared/bench/nginx-reference.conf]   used as is; only its @PLACEHOLDERS@ are filled in
#   CADDY_CONF [../shared/bench/Caddyfile-reference]   the same: used as is, @PLACEHOLDERS@ filled in
#   KEEP_WORK [0]         1 = keep the temporary folder (files, configs, logs, raw tool output); it is also
#                         kept after a failure or a warning
#   CARBON_JAR [target/carbon.jar]   the jar to run; the script runs a copy of it, so a build may replace
#                         the original during the run
#   C_PORT, C_TLS, N_PORT, N_TLS, K_PORT, K_TLS [18080 18443 28080 28443 26080 26443]   loopback ports of Carbon,
#                         nginx and Caddy (C_TLS and K_TLS on UDP as well: HTTP/3)
# Needs: java 17, wrk, h2load (nghttp2-client), ab (apache2-utils), nginx with Debian's Brotli modules
# (libnginx-mod-http-brotli-filter, libnginx-mod-http-brotli-static), curl, caddy (for the HTTP/3 rows), and
# target/carbon.jar (built with netty-codec-http3: bench/H3Load.java runs from it).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
H2_STREAMS=10 # the issue asks for -m 10
H3=${H3:-1}
ROWS=${ROWS:-all}
H3_CONNECTIONS=${H3_CONNECTIONS:-$CONNECTIONS}
H3_STREAMS=${H3_STREAMS:-10}
H3_WARMUP=${H3_WARMUP:-5s}
CARBON_EXTRA=${CARBON_EXTRA:-}
CARBON_JAVA_OPTS=${CARBON_JAVA_OPTS:--XX:+UseParallelGC -Xms64m -Xmx512m -XX:MaxDirectMemorySize=1g}
NGINX_CONF=${NGINX_CONF:-../shared/bench/nginx-reference.conf}
CADDY_CONF=${CADDY_CONF:-../shared/bench/Caddyfile-reference}
DOCS=docs/benchmarks.md
C_PORT=${C_PORT:-18080} C_TLS=${C_TLS:-18443} N_PORT=${N_PORT:-28080} N_TLS=${N_TLS:-28443}
K_PORT=${K_PORT:-26080} K_TLS=${K_TLS:-26443}
HOST=127.0.0.1

die() { echo "compare.sh: $*" >&2; exit 1; }
# Warnings also go to a file: the run_* functions run in $(...) subshells, and the report lists them all.
warn() { echo "compare.sh: WARNING: $*" >&2; [ -z "${work:-}" ] || echo "$*" >>"$work/warnings"; }
say() { echo "compare.sh: $*" >&2; }

seconds() { # 10s, 2m, 1h or 10 -> whole seconds
  local v=$1 n m
  case $v in
    *h) n=${v%h}; m=3600 ;;
    *m) n=${v%m}; m=60 ;;
    *s) n=${v%s}; m=1 ;;
    *) n=$v; m=1 ;;
  esac
  [[ $n =~ ^[0-9]+$ ]] || die "cannot read '$v' as a duration (use whole seconds, minutes or hours: 10s, 2m)"
  echo $((n * m))
}
secs=$(seconds "$DURATION"); warm=$(seconds "$WARMUP"); jit_warm=$(seconds "${JIT_WARMUP:-10s}")
ROUNDS=${ROUNDS:-2}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive whole number"
[ "$secs" -ge "$ROUNDS" ] || die "DURATION must be at least ROUNDS seconds (every run lasts DURATION / ROUNDS)"
run_secs=$((secs / ROUNDS)) # one measured run
for v in THREADS CONNECTIONS H3_CONNECTIONS H3_STREAMS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number"
done
h3_warm=$(seconds "$H3_WARMUP")

# The rows to measure: names in $ROWS, groups expanded; H3=0 drops the HTTP/3 rows.
nginx_rows="1k 100k 1m gzip br h2 ab" h3_rows="h3-1k h3-100k"
selected=" "
for r in ${ROWS//,/ }; do
  case $r in
    all) selected+="$nginx_rows $h3_rows " ;;
    nginx) selected+="$nginx_rows " ;;
    h3) selected+="$h3_rows " ;;
    *) [[ " $nginx_rows $h3_rows " == *" $r "* ]] || die "ROWS: unknown row '$r' (rows: $nginx_rows $h3_rows; groups: all nginx h3)"
       selected+="$r " ;;
  esac
done
[ "$H3" = 0 ] && for r in $h3_rows; do selected=${selected// $r / }; done
[[ $H3 =~ ^[01]$ ]] || die "H3 must be 0 or 1"
row_on() { [[ $selected == *" $1 "* ]]; }
use_nginx=0 use_caddy=0
for r in $nginx_rows; do row_on "$r" && use_nginx=1; done
for r in $h3_rows; do row_on "$r" && use_caddy=1; done
[ $use_nginx = 1 ] || [ $use_caddy = 1 ] || die "ROWS='$ROWS'${H3:+ with H3=$H3} leaves no row to measure"
all_rows=1
for r in $nginx_rows $h3_rows; do row_on "$r" || all_rows=0; done
# A partial run must not replace the full table in the docs.
WRITE_DOCS=${WRITE_DOCS:-$all_rows}
[ "$WRITE_DOCS" = 0 ] || [ $all_rows = 1 ] || die "ROWS='$ROWS' measures only some rows: run it with WRITE_DOCS=0 (the docs keep the full table)"
AB_CONCURRENCY=${AB_CONCURRENCY:-$CONNECTIONS}
AB_REQUESTS=${AB_REQUESTS:-$((run_secs * 100000))}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: apt-get install -y $2"; }
need java openjdk-17-jre-headless
if [ $use_nginx = 1 ]; then
  need wrk wrk
  need h2load nghttp2-client
  need ab apache2-utils
  need nginx nginx
fi
[ $use_caddy = 1 ] && need caddy caddy
need curl curl
need gzip gzip
need timeout coreutils
need ss iproute2
CARBON_JAR=${CARBON_JAR:-target/carbon.jar}
[ -f "$CARBON_JAR" ] || die "$CARBON_JAR is missing: build it first (mvn -B -q package -DskipTests)"
if [ $use_nginx = 1 ]; then
  [ -f "$NGINX_CONF" ] || die "nginx config $NGINX_CONF not found (set NGINX_CONF)"
  # The reference config loads Debian's Brotli modules (compressing per request, as nginx does for gzip).
  for module in $(sed -n 's/^[[:space:]]*load_module[[:space:]]*\([^;]*\);.*/\1/p' "$NGINX_CONF"); do
    [ -f "$module" ] || die "nginx module $module is missing (loaded by $NGINX_CONF):" \
      "apt-get install -y libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static"
  done
fi
if [ $use_caddy = 1 ]; then
  [ -f "$CADDY_CONF" ] || die "Caddy config $CADDY_CONF not found (set CADDY_CONF)"
  [ -f bench/H3Load.java ] || die "bench/H3Load.java is missing (the HTTP/3 load client)"
fi

ports="$C_PORT $C_TLS" udp_ports=""
[ $use_nginx = 1 ] && ports+=" $N_PORT $N_TLS"
[ $use_caddy = 1 ] && ports+=" $K_PORT $K_TLS" udp_ports="$C_TLS $K_TLS"
for p in $ports; do
  if [ -n "$(ss -Htln "sport = :$p")" ]; then
    die "port $p is already in use (a server left from an earlier run?); nothing was measured"
  fi
done
for p in $udp_ports; do
  if [ -n "$(ss -Huln "sport = :$p")" ]; then
    die "UDP port $p is already in use (a server left from an earlier run?); nothing was measured"
  fi
done
# ---------------------------------------------------------------------------------------------------------
# Servers, and the cleanup that stops them on any exit.
work=$(mktemp -d /tmp/carbon-bench.XXXXXX)
carbon_pid='' watchdog_pid=''
nginx_pid() { cat "$work/nginx/nginx.pid" 2>/dev/null || true; }
caddy_pid() { cat "$work/caddy/pid" 2>/dev/null || true; } # a file, so that the watchdog sees it too
stop_pid() { # pid seconds: TERM, wait, then KILL (nginx workers too)
  local pid=$1 i kids
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
}
stop_servers() {
  stop_pid "$carbon_pid" 15
  stop_pid "$(nginx_pid)" 10
  stop_pid "$(caddy_pid)" 10
}
cleanup() {
  local rc=$?
  [ -n "$watchdog_pid" ] && kill "$watchdog_pid" 2>/dev/null
  stop_servers
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ -s "$work/warnings" ]; then
    say "files, configs, logs and raw tool output kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ $use_nginx = 1 ] && pgrep -x nginx >/dev/null; then
  warn "another nginx is running (service nginx stop): it shares the CPU with this run"
fi
if [ $use_caddy = 1 ] && pgrep -x caddy >/dev/null; then
  warn "another caddy is running (service caddy stop): it shares the CPU with this run"
fi

# The file set all servers serve.
mkdir -p "$work/www" "$work/nginx" "$work/caddy" "$work/log" "$work/raw"
# A JVM loads classes from its jar while it runs: a build that replaces the jar mid-run would break the server.
cp "$CARBON_JAR" "$work/carbon.jar"
head -c 1024 /dev/urandom | base64 -w 76 | head -c 1024 >"$work/www/1k.html"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
# 100k.html: a product-listing page of exactly 102400 bytes, the same every run (a fixed-seed generator), with
# the markup repetition of a real page and varied text; gzip -6 shrinks it about 6x. text/html is compressed by
# both servers (nginx always compresses text/html when gzip is on). No .gz/.br sidecars: nginx has no gzip_static
# here, so Carbon must compress on its own as well.
awk -v size=102400 '
  function rnd(n) { seed = (seed * 16807) % 2147483647; return int(seed / 2147483647 * n) }
  function word(   s, k) {
    if (rnd(10) < 6) return w[rnd(nw) + 1]
    s = ""; for (k = 2 + rnd(3); k > 0; k--) s = s y[rnd(ny) + 1]; return s
  }
  function sentence(n,   s, i) {
    s = word(); s = toupper(substr(s, 1, 1)) substr(s, 2); for (i = 1; i < n; i++) s = s " " word(); return s "."
  }
  function hex(n,   s) { s = ""; while (n-- > 0) s = s substr("0123456789abcdef", rnd(16) + 1, 1); return s }
  BEGIN {
    seed = 42
    nw = split("the a of and to in for with on by from at as is are was be this that it your our their new best " \
      "fast light strong soft quality design product price order shipping delivery return free day week month year " \
      "home garden kitchen office outdoor travel sport fitness music book game toy baby kids men women shoe shirt " \
      "jacket bag watch phone laptop camera screen cable charger battery speaker headphone lamp chair table desk bed " \
      "pillow blanket towel bottle cup plate knife pan pot oven grill bike helmet tent backpack glove hat scarf " \
      "cotton leather steel wood glass plastic ceramic wool silk metal black white red blue green grey brown natural " \
      "small medium large extra classic modern premium compact portable wireless waterproof durable comfortable " \
      "easy simple perfect great everyday reliable handmade organic recycled sustainable warranty size colour " \
      "material feature review rating customer support service offer sale discount stock available limited edition " \
      "collection season summer winter spring autumn gift idea choice favourite popular trending recommended", w, " ")
    ny = split("ka to ri ne mo la su vi de pa ro bel tan mar gen lo fi ster on ex al pro tri cor ven", y, " ")
    cats = split("Home,Kitchen,Garden,Office,Outdoor,Travel,Sport,Music,Books,Toys,Fashion,Electronics", c, ",")
    p = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" \
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Catalogue - Carbon Store</title>\n" \
      "<link rel=\"stylesheet\" href=\"/assets/css/app.css\">\n<script defer src=\"/assets/js/app.js\"></script>\n" \
      "</head>\n<body class=\"page page-catalogue\">\n<header class=\"site-header\">\n" \
      "  <nav class=\"navbar navbar-expand-lg\">\n    <ul class=\"navbar-nav\">\n"
    for (i = 1; i <= cats; i++)
      p = p sprintf("      <li class=\"nav-item\"><a class=\"nav-link\" href=\"/category/%s\">%s</a></li>\n", tolower(c[i]), c[i])
    p = p sprintf("    </ul>\n  </nav>\n</header>\n<main class=\"container\">\n  <h1 class=\"page-title\">%s</h1>\n" \
      "  <div class=\"row product-grid\">\n", sentence(5))
    foot = "  </div>\n</main>\n<footer class=\"site-footer\"><p>&copy; Carbon Store</p></footer>\n</body>\n</html>\n"
    for (id = 1001; ; id++) {
      cat = c[rnd(cats) + 1]; name = word() " " word() " " word()
      s = sprintf("    <div class=\"col-sm-6 col-md-4 col-lg-3\">\n      <article class=\"card product-card\" " \
        "data-product-id=\"%d\" data-category=\"%s\">\n", id, tolower(cat))
      s = s sprintf("        <a class=\"card-img-link\" href=\"/product/%d\"><img class=\"card-img-top\" " \
        "src=\"/img/products/%d-%s.jpg\" alt=\"%s\" width=\"400\" height=\"300\" loading=\"lazy\"></a>\n", id, id, hex(12), name)
      s = s sprintf("        <div class=\"card-body\">\n          <h2 class=\"card-title h5\"><a href=\"/product/%d\">%s</a></h2>\n", id, name)
      s = s sprintf("          <p class=\"card-text\">%s %s %s</p>\n", sentence(10 + rnd(12)), sentence(8 + rnd(12)), sentence(6 + rnd(10)))
      s = s sprintf("          <div class=\"price\"><span class=\"currency\">EUR</span> <span class=\"amount\">%d.%02d</span></div>\n", 5 + rnd(300), rnd(100))
      s = s sprintf("          <div class=\"rating\" aria-label=\"Rated %d out of 5\">%d reviews</div>\n", 1 + rnd(5), rnd(900))
      s = s "          <button type=\"button\" class=\"btn btn-primary btn-add-to-cart\" data-action=\"cart#add\">Add to cart</button>\n" \
        "        </div>\n      </article>\n    </div>\n"
      if (length(p) + length(s) + length(foot) + 16 > size) break
      p = p s
    }
    p = p foot "<!--"
    while (length(p) < size - 4) p = p " "
    printf "%s-->\n", p
  }' >"$work/www/100k.html"
[ "$(wc -c <"$work/www/100k.html")" -eq 102400 ] || die "100k.html is not 102400 bytes (awk: $(readlink -f "$(command -v awk)"))"

# Carbon, with its access log on; the same self-signed certificate is given to nginx and Caddy. A key in
# CARBON_EXTRA replaces the script's line for it (Carbon refuses a key set twice). HTTP/3 listens on UDP at the
# HTTPS port's number.
extra_keys=$(printf '%s\n' "$CARBON_EXTRA" | sed -n 's/^[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' | tr '\n' ' ')
awk -v drop=" $extra_keys" '{ k = $1 } index(drop, " " k " ") == 0' >"$work/carbon.conf" <<CONF
server_name = $HOST
port = $C_PORT
use_https = true
https_port = $C_TLS
enable_http2 = true
max_threads = 0
max_connections = 20000
shutdown_timeout = 2s
www_path = $work/www
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
log_file = $work/log/server.log
access_log = $work/log/access.log
$( [ $use_caddy = 1 ] && echo "enable_http3 = true")
CONF
[ -n "$CARBON_EXTRA" ] && printf '# CARBON_EXTRA\n%s\n' "$CARBON_EXTRA" >>"$work/carbon.conf"
# Carbon reads PORT, SERVER_NAME, ... and every CARBON_<KEY> from its environment, and they win over the file
# (CARBON_EXTRA itself would be read as a key "extra"): it runs with a clean environment, so the config file
# above is all there is.
carbon=(env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=${LANG:-C.UTF-8}" java)
if ! timeout 60 "${carbon[@]}" -jar "$work/carbon.jar" --config "$work/carbon.conf" --check >"$work/check.out" 2>&1; then
  die "Carbon refused its config $work/carbon.conf: $(grep -v '^  ' "$work/check.out" | tail -n 5)"
fi
if grep -q 'warning' "$work/check.out"; then
  grep -q 'unknown key' "$work/check.out" && die "$(grep 'unknown key' "$work/check.out")"
  warn "Carbon warns about its config: $(grep 'warning' "$work/check.out" | tr '\n' ' ')"
fi
timeout 60 "${carbon[@]}" -jar "$work/carbon.jar" --config "$work/carbon.conf" --gen-cert >/dev/null \
  || die "Carbon could not write a certificate to $work"
# shellcheck disable=SC2086 # CARBON_JAVA_OPTS is a list of options
"${carbon[@]}" $CARBON_JAVA_OPTS -jar "$work/carbon.jar" --config "$work/carbon.conf" </dev/null >"$work/log/stdout" 2>&1 &
carbon_pid=$!

if [ $use_nginx = 1 ]; then
  sed -e "s#@PREFIX@#$work/nginx#g" -e "s#@WWW@#$work/www#g" -e "s#@PORT@#$N_PORT#g" -e "s#@TLS_PORT@#$N_TLS#g" \
      -e "s#@CERT@#$work/cert.pem#g" -e "s#@KEY@#$work/key.pem#g" "$NGINX_CONF" >"$work/nginx/nginx.conf"
  nginx_cmd=(nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")
  timeout 20 "${nginx_cmd[@]}" -t >"$work/nginx/check.out" 2>&1 || die "nginx -t failed: $(cat "$work/nginx/check.out")"
  timeout 20 "${nginx_cmd[@]}" </dev/null >"$work/nginx/start.out" 2>&1 || die "nginx did not start: $(cat "$work/nginx/start.out")"
fi

# Caddy, in the foreground of its own process (the script stops it by its PID). Its home and XDG folders are in
# $work: it saves its config and a certificate store there, not in root's home.
if [ $use_caddy = 1 ]; then
  sed -e "s#@PREFIX@#$work/caddy#g" -e "s#@WWW@#$work/www#g" -e "s#@PORT@#$K_PORT#g" -e "s#@TLS_PORT@#$K_TLS#g" \
      -e "s#@CERT@#$work/cert.pem#g" -e "s#@KEY@#$work/key.pem#g" "$CADDY_CONF" >"$work/caddy/Caddyfile"
  caddy_cmd=(env -i "PATH=$PATH" "HOME=$work/caddy" "XDG_CONFIG_HOME=$work/caddy" "XDG_DATA_HOME=$work/caddy" caddy)
  timeout 30 "${caddy_cmd[@]}" validate --config "$work/caddy/Caddyfile" --adapter caddyfile >"$work/caddy/check.out" 2>&1 \
    || die "caddy validate failed: $(grep -v '^{"level":"info"' "$work/caddy/check.out" | tail -n 5)"
  "${caddy_cmd[@]}" run --config "$work/caddy/Caddyfile" --adapter caddyfile </dev/null >"$work/caddy/caddy.log" 2>&1 &
  echo $! >"$work/caddy/pid"
fi

# If this script dies without running its traps (SIGKILL), stop both servers within a second anyway.
script_pid=$$
( while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done; stop_servers ) >/dev/null 2>&1 &
watchdog_pid=$!

wait_up() { # name url pid-or-empty [log]
  local i
  for ((i = 0; i < 300; i++)); do
    timeout 5 curl -fsk --max-time 2 -o /dev/null "$2" && return 0
    if [ -n "$3" ] && ! kill -0 "$3" 2>/dev/null; then
      die "$1 exited during startup: $(tail -n 20 "${4:-$work/log/stdout}" 2>/dev/null)"
    fi
    sleep 0.1
  done
  die "$1 did not answer $2 within 30 s"
}
wait_up Carbon "http://$HOST:$C_PORT/1k.html" "$carbon_pid"
wait_up Carbon "https://$HOST:$C_TLS/1k.html" "$carbon_pid"
if [ $use_nginx = 1 ]; then
  wait_up nginx "http://$HOST:$N_PORT/1k.html" ""
  wait_up nginx "https://$HOST:$N_TLS/1k.html" ""
fi
if [ $use_caddy = 1 ]; then
  wait_up Caddy "http://$HOST:$K_PORT/1k.html" "$(caddy_pid)" "$work/caddy/caddy.log"
  wait_up Caddy "https://$HOST:$K_TLS/1k.html" "$(caddy_pid)" "$work/caddy/caddy.log"
fi

# ---------------------------------------------------------------------------------------------------------
# Checks before measuring: the right bytes, h2 on TLS, HTTP/3 on UDP, and what each server does with
# Accept-Encoding.
servers=Carbon
[ $use_nginx = 1 ] && servers+=" nginx"
[ $use_caddy = 1 ] && servers+=" Caddy"
for server in $servers; do
  case $server in
    Carbon) port=$C_PORT tls=$C_TLS ;;
    nginx) port=$N_PORT tls=$N_TLS ;;
    Caddy) port=$K_PORT tls=$K_TLS ;;
  esac
  for f in 1k.html 100k.html 1m.bin; do
    got=$(timeout 15 curl -s --max-time 10 -o "$work/raw/check.body" -w '%{http_code}' "http://$HOST:$port/$f" || true)
    if [ "$got" != 200 ] || ! cmp -s "$work/raw/check.body" "$work/www/$f"; then
      die "$server answered $f with status '$got' or different bytes; nothing was measured"
    fi
  done
  proto=$(timeout 15 curl -sk --http2 --max-time 10 -o /dev/null -w '%{http_version}' "https://$HOST:$tls/1k.html" || true)
  [ "$proto" = 2 ] || warn "$server did not negotiate h2 on its TLS port (got HTTP/$proto); the h2load row measures something else"
done

# HTTP/3: bench/H3Load.java from the Carbon jar (Netty's QUIC and HTTP/3 client). It sends the server name
# "localhost" (a name in the certificate): Caddy's QUIC listener is bound to the wildcard address and picks its
# certificate by SNI only, and Netty sends no SNI for an IP address.
h3load=(java -XX:+UseParallelGC -cp "$work/carbon.jar" bench/H3Load.java --insecure --sni localhost --quiet)
declare -A h3_ok
h3_probe() { # server tls-port -> 0 when 1k.html and 100k.html come back over HTTP/3 with the right lengths
  local f out
  for f in 1k.html 100k.html; do
    out=$work/raw/h3-probe-$1-$f.txt
    timeout -k 5 60 "${h3load[@]}" --url "https://$HOST:$2/$f" --connections 1 --streams 1 --duration 1s \
      --connect-timeout 5s --expect-length "$(wc -c <"$work/www/$f")" >"$out" 2>&1 || true
    if ! grep -q '^RESULT requests=[1-9][0-9]* .*errors=0 ' "$out"; then
      warn "$1 did not answer $f over HTTP/3 on UDP port $2: $(grep -E '^  [0-9]+ x |Exception|rror' "$out" | head -n 3 | sed 's/^ *//' | tr '\n' ' ')(see $out)"
      return 1
    fi
  done
}
if [ $use_caddy = 1 ]; then
  h3_probe Caddy "$K_TLS" || die "Caddy, the reference, does not serve HTTP/3 here; nothing was measured"
  h3_ok[Caddy]=1
  # Carbon's rows are measured only if it answers; otherwise they show as failed.
  if h3_probe Carbon "$C_TLS"; then h3_ok[Carbon]=1; else h3_ok[Carbon]=0; fi
  # quic-go asks the kernel for 7 MiB UDP buffers and logs when it gets less (net.core.rmem_max, wmem_max).
  caddy_udp_note=$(grep -m 1 -io '[^"]*buffer size[^"]*' "$work/caddy/caddy.log" || true)
fi

declare -A coding size_of
probe_coding() { # server port accept -> sets coding[server,accept] and size_of[server,accept]
  local hdr="$work/raw/probe.hdr" body="$work/raw/probe.body" got
  got=$(timeout 15 curl -s --max-time 10 -H "Accept-Encoding: $3" -D "$hdr" -o "$body" -w '%{http_code}' \
    "http://$HOST:$2/100k.html" || true)
  [ "$got" = 200 ] || die "$1 answered 100k.html with Accept-Encoding: $3 with status '$got'"
  coding[$1,$3]=$(tr -d '\r' <"$hdr" | awk -F': *' 'tolower($1) == "content-encoding" { print tolower($2) }')
  coding[$1,$3]=${coding[$1,$3]:-identity}
  size_of[$1,$3]=$(wc -c <"$body")
  if [ "${coding[$1,$3]}" = gzip ] && ! gzip -dc <"$body" | cmp -s - "$work/www/100k.html"; then
    die "$1's gzip body for 100k.html does not decompress to the file"
  fi
}
if [ $use_nginx = 1 ]; then
  for accept in gzip br; do
    probe_coding Carbon "$C_PORT" "$accept"
    probe_coding nginx "$N_PORT" "$accept"
    [ "${coding[Carbon,$accept]}" = "$accept" ] \
      || warn "Carbon answered Accept-Encoding: $accept with ${coding[Carbon,$accept]}, not $accept"
  done
  [ "${coding[nginx,gzip]}" = gzip ] || warn "nginx answered Accept-Encoding: gzip with ${coding[nginx,gzip]}, not gzip"
  if [ "${coding[nginx,br]}" = identity ]; then
    nginx_br_note="nginx has no Brotli module, so it answers \`Accept-Encoding: br\` with the identity body (102400 bytes); the row compares Carbon's br against that, as the issue asks."
  elif [ "${coding[nginx,br]}" != br ]; then
    warn "nginx answered Accept-Encoding: br with ${coding[nginx,br]}"
  fi
fi

# ---------------------------------------------------------------------------------------------------------
# Measuring. Each run_* prints "requests/s MiB/s latency-ms errors" and keeps the tool's output in $work/raw.
rss_kb() { # resident memory of a process and its children (nginx workers), in KiB
  ps -o rss= --ppid "$1" -p "$1" | awk '{ s += $1 } END { print s + 0 }'
}
# Units as the tools print them: B, KB, MB, GB are powers of 1024; us, ms, s, m for times.
units_awk='
  function mib(v) { if (v ~ /GB/) return v * 1024; if (v ~ /MB/) return v + 0; if (v ~ /KB/) return v / 1024; return v / 1048576 }
  function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }'

run_wrk() { # raw-file url [wrk options]
  local out=$1 url=$2 rc=0; shift 2
  if [ "$warm" -gt 0 ]; then
    timeout -k 5 $((warm + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${warm}s" "$@" "$url" >/dev/null 2>&1 || true
  fi
  timeout -k 5 $((run_secs + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${run_secs}s" --latency "$@" "$url" >"$out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || warn "wrk exited with status $rc on $url (124 = timed out); see $out"
  awk "$units_awk"'
    /^Requests\/sec/ { rps = $2 }
    /^Transfer\/sec/ { mb = mib($2) }
    /^ +99%/ { p = ms($2) }
    /Non-2xx or 3xx responses/ { e += $NF }
    /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.1f %.2f %d\n", rps, mb, p, e }' "$out"
}
run_h2load() { # raw-file url
  local out=$1 url=$2 rc=0 wu=()
  [ "$warm" -gt 0 ] && wu=(--warm-up-time="$warm")
  timeout -k 5 $((run_secs + warm + 30)) h2load -t"$THREADS" -c"$CONNECTIONS" -m"$H2_STREAMS" -D"$run_secs" "${wu[@]}" "$url" \
    >"$out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || warn "h2load exited with status $rc on $url (124 = timed out); see $out"
  awk "$units_awk"'
    /^finished in/ { rps = $4; mb = mib($6) }
    /^requests:/ { e += $10 + $12 + $14 }
    /^status codes:/ { e += $5 + $7 + $9 }
    /^time for request:/ { p = ms($6) }
    END { printf "%.0f %.1f %.2f %d\n", rps, mb, p, e }' "$out"
}
run_ab() { # raw-file url
  local out=$1 url=$2 rc=0
  # -t bounds the time, -n (given after -t, so it wins over the 50000 that -t implies) the request count.
  timeout -k 5 $((run_secs + 30)) ab -q -r -t "$run_secs" -n "$AB_REQUESTS" -c "$AB_CONCURRENCY" "$url" >"$out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || warn "ab exited with status $rc on $url (124 = timed out); see $out"
  awk '
    /^Requests per second:/ { rps = $4 }
    /^Transfer rate:/ { mb = $3 / 1024 }
    /^Failed requests:/ { e += $3 }
    /^Non-2xx responses:/ { e += $3 }
    /^ +99%/ { p = $2 }
    END { printf "%.0f %.1f %d %d\n", rps, mb, p, e }' "$out"
}

check_run() { # name server rps errors raw-file: warns and fails when a run has no result or errors
  if [ "$3" = 0 ]; then
    warn "$1: no result for $2 (see $5)"; return 1
  elif [ "$4" -gt 0 ]; then
    warn "$1: $4 failed, non-2xx or socket-error requests for $2 (see $5)"; return 1
  fi
}
run_h3load() { # raw-file url file-size
  local out=$1 url=$2 rc=0 wu=0
  [ "$h3_warm" -gt 0 ] && wu="${h3_warm}s"
  timeout -k 5 $((run_secs + h3_warm + 60)) "${h3load[@]}" --url "$url" --connections "$H3_CONNECTIONS" \
    --streams "$H3_STREAMS" --threads "$THREADS" --duration "${run_secs}s" --warmup "$wu" --expect-length "$3" \
    >"$out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || warn "H3Load exited with status $rc on $url (1 = failed requests, 124 = timed out); see $out"
  # RESULT requests=... rps=... p99_ms=... errors=... mib_per_s=... (MiB/s of response bodies)
  awk '/^RESULT / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { printf "%.0f %.1f %.2f %d\n", v["rps"], v["mib_per_s"], v["p99_ms"], v["errors"] }' "$out"
}
run_one() { # carbon|nginx|caddy tool raw-file path [tool options] -> "requests/s MiB/s latency-ms errors"
  local who=$1 tool=$2 out=$3 path=$4 port tls
  shift 4
  case $who in
    carbon) port=$C_PORT tls=$C_TLS ;;
    nginx) port=$N_PORT tls=$N_TLS ;;
    caddy) port=$K_PORT tls=$K_TLS ;;
  esac
  case $tool in
    wrk) run_wrk "$out" "http://$HOST:$port$path" "$@" ;;
    h2load) run_h2load "$out" "https://$HOST:$tls$path" ;;
    ab) run_ab "$out" "http://$HOST:$port$path" ;;
    h3load)
      if [ "$who" = carbon ] && [ "${h3_ok[Carbon]}" != 1 ]; then
        # Not run: Carbon did not answer the HTTP/3 probe (a warning says why); the row shows it as failed.
        echo "not run: Carbon did not answer over HTTP/3 before the runs" >"$out"
        echo "0 0.0 0.00 0"
      else
        run_h3load "$out" "https://$HOST:$tls$path" "$(wc -c <"$work/www$path")"
      fi ;;
  esac
}
mean_of_runs() { # "rps mb lat err" per run -> their mean rate and throughput, worst latency, all errors
  printf '%s\n' "$@" | awk '
    { rps += $1; mb += $2; if ($3 > lat) lat = $3; err += $4; if ($1 == 0) empty = 1; n++ }
    END { if (empty) rps = 0; printf "%.0f %.1f %.2f %d\n", rps / n, mb / n, lat, err }'
}
rows=() rows_caddy=() misses=0 row_no=0
# One row: Carbon against nginx, or against Caddy for the HTTP/3 rows, taking turns ROUNDS times.
measure() { # row-key name goal tool path [tool options]
  local key=$1 name=$2 goal=$3 tool=$4 path=$5 c n c_rss n_rss base mark lat note="" arg want="" peer Peer
  shift 5
  row_on "$key" || return 0
  if [ "$tool" = h3load ]; then peer=caddy Peer=Caddy; else peer=nginx Peer=nginx; fi
  for arg in "$@"; do
    if [[ $arg == "Accept-Encoding: "* ]]; then want=${arg#Accept-Encoding: }; fi
  done
  row_no=$((row_no + 1))
  base=$work/raw/$row_no-$tool
  local runs_carbon=() runs_peer=() round who result
  for ((round = 1; round <= ROUNDS; round++)); do
    for who in $( ((round % 2)) && echo "carbon $peer" || echo "$peer carbon"); do
      say "$name: $who, run $round of $ROUNDS ..."
      result=$(run_one "$who" "$tool" "$base-$who-$round.txt" "$path" "$@")
      if [ "$who" = carbon ]; then runs_carbon+=("$result"); else runs_peer+=("$result"); fi
    done
  done
  c=$(mean_of_runs "${runs_carbon[@]}")
  n=$(mean_of_runs "${runs_peer[@]}")
  c_rss=$(rss_kb "$carbon_pid")
  n_rss=$(rss_kb "$("${peer}_pid")")
  read -r c_rps c_mb c_lat c_err <<<"$c"
  read -r n_rps n_mb n_lat n_err <<<"$n"
  check_run "$name" Carbon "$c_rps" "$c_err" "$base-carbon-*.txt" || note=" ⚠"
  check_run "$name" "$Peer" "$n_rps" "$n_err" "$base-$peer-*.txt" || note=" ⚠"
  ratio=$(awk -v c="$c_rps" -v n="$n_rps" 'BEGIN { if (c > 0 && n > 0) printf "%.2fx", c / n; else print "n/a" }')
  if [ "$c_rps" = 0 ]; then
    # No result (a run failed to connect, or was not run): said in words, so no one reads a 0 as a figure.
    mark="✗ (Carbon failed: see the warnings)"; misses=$((misses + 1))
  elif [ "$n_rps" = 0 ]; then
    mark="✗ ($Peer failed: see the warnings)"; misses=$((misses + 1))
  elif [ -n "$want" ] && [ "${coding[Carbon,$want]}" != "$want" ]; then
    mark="✗ (Carbon sent ${coding[Carbon,$want]}, not $want)"; misses=$((misses + 1))
  elif awk -v r="${ratio%x}" -v g="$goal" 'BEGIN { exit !(r >= g) }'; then
    mark="✓"
  else
    mark="✗ (goal ${goal}x)"; misses=$((misses + 1))
  fi
  [ "$c_rps" = 0 ] && c_rps=failed c_mb=- c_lat=-
  [ "$n_rps" = 0 ] && n_rps=failed n_mb=- n_lat=-
  lat="$c_lat / $n_lat"; [ "$tool" = h2load ] && lat="mean $lat"
  local row="| $name | $c_rps | $n_rps | $ratio $mark$note | $c_mb / $n_mb | $lat | $((c_rss / 1024)) / $((n_rss / 1024)) |"
  if [ "$peer" = caddy ]; then rows_caddy+=("$row"); else rows+=("$row"); fi
  say "$name: Carbon $c_rps req/s, $Peer $n_rps req/s, $ratio"
}

jit_warmup() { # every selected row's load on Carbon for $jit_warm seconds each, nothing recorded
  # Connection per request first: its hundreds of thousands of closed connections (TIME_WAIT, the access
  # log) are then settled long before the first measured row, which comes right after the last load here.
  if row_on ab; then
    timeout -k 5 $((jit_warm + 30)) ab -q -r -t "$jit_warm" -n $((jit_warm * 100000)) -c "$CONNECTIONS" \
      "http://$HOST:$C_PORT/1k.html" >/dev/null 2>&1 || true
  fi
  if row_on h2; then
    timeout -k 5 $((jit_warm + 30)) h2load -t"$THREADS" -c"$CONNECTIONS" -m"$H2_STREAMS" -D"$jit_warm" \
      "https://$HOST:$C_TLS/1k.html" >/dev/null 2>&1 || true
  fi
  # key|path|header: wrk takes a header only as "Name: value", with the space.
  local row key path header
  for row in "br|/100k.html|Accept-Encoding: br" "gzip|/100k.html|Accept-Encoding: gzip" "1m|/1m.bin|" \
      "100k|/100k.html|" "1k|/1k.html|"; do
    key=${row%%|*} row=${row#*|}
    path=${row%%|*} header=${row#*|}
    row_on "$key" || continue
    timeout -k 5 $((jit_warm + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${jit_warm}s" \
      ${header:+-H "$header"} "http://$HOST:$C_PORT$path" >/dev/null 2>&1 || true
  done
  # HTTP/3 last, nearest its rows (which come last too).
  for key in h3-100k h3-1k; do
    row_on "$key" && [ "${h3_ok[Carbon]}" = 1 ] || continue
    timeout -k 5 $((jit_warm + 60)) "${h3load[@]}" --url "https://$HOST:$C_TLS/${key#h3-}.html" \
      --connections "$H3_CONNECTIONS" --streams "$H3_STREAMS" --threads "$THREADS" --duration "${jit_warm}s" \
      >/dev/null 2>&1 || true
  done
}
if [ "$jit_warm" -gt 0 ]; then
  say "JIT warm-up: ${jit_warm}s of each row's load on Carbon"
  jit_warmup
fi

n_rows=0 n_h3=0
for r in $nginx_rows; do row_on "$r" && n_rows=$((n_rows + 1)); done
for r in $h3_rows; do row_on "$r" && n_h3=$((n_h3 + 1)); done
# The H3Load runs also start a JVM and compile the client (about 3 s each).
est=$(( n_rows * 2 * ROUNDS * (run_secs + warm) + n_h3 * 2 * ROUNDS * (run_secs + h3_warm + 3) + 10 ))
say "measuring $((n_rows + n_h3)) rows, about ${est}s (DURATION=${secs}s in $ROUNDS runs per server, WARMUP=${warm}s$( [ $n_h3 -gt 0 ] && echo ", H3_WARMUP=${h3_warm}s")); Carbon pid $carbon_pid$( [ $use_nginx = 1 ] && echo ", nginx pid $(nginx_pid)")$( [ $use_caddy = 1 ] && echo ", Caddy pid $(caddy_pid)")"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
br_name="wrk 100 KB html, Accept-Encoding: br"
[ -n "${nginx_br_note:-}" ] && br_name="$br_name (nginx: identity¹)"

measure 1k "wrk 1 KB, HTTP/1.1 keep-alive" 1.0 wrk /1k.html
measure 100k "wrk 100 KB html, HTTP/1.1 keep-alive" 1.0 wrk /100k.html
measure 1m "wrk 1 MiB, HTTP/1.1 keep-alive" 1.0 wrk /1m.bin
measure gzip "wrk 100 KB html, Accept-Encoding: gzip" 2.0 wrk /100k.html -H "Accept-Encoding: gzip"
measure br "$br_name" 2.0 wrk /100k.html -H "Accept-Encoding: br"
measure h2 "h2load 1 KB, h2 over TLS, -m $H2_STREAMS" 1.0 h2load /1k.html
measure ab "ab 1 KB, no keep-alive (connection per request)" 1.0 ab /1k.html
measure h3-1k "H3Load 1 KB, HTTP/3 over QUIC, -m $H3_STREAMS" 1.0 h3load /1k.html
measure h3-100k "H3Load 100 KB html, HTTP/3 over QUIC, -m $H3_STREAMS" 1.0 h3load /100k.html

access_lines=$(wc -l <"$work/log/access.log" 2>/dev/null || echo 0)
# The bodies again, as the rows were served: Carbon makes a slow Brotli level in the background after the
# first request (a quicker level answers that one), so the probe before the runs saw the interim body.
if [ $use_nginx = 1 ]; then
  for accept in gzip br; do
    probe_coding Carbon "$C_PORT" "$accept"
    probe_coding nginx "$N_PORT" "$accept"
  done
fi

# ---------------------------------------------------------------------------------------------------------
# The report: the same Markdown on stdout and in docs/benchmarks.md.
first_line() { timeout 30 "$@" 2>&1 | head -n 1 || true; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
carbon_version=$(timeout 30 "${carbon[@]}" -jar "$work/carbon.jar" --version 2>&1 | head -n 1 || true)
commit=$(timeout 10 git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(timeout 10 git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit, with uncommitted changes"
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
workers=$( [ $use_nginx = 0 ] || awk '$1 == "worker_processes" { sub(/;/, "", $2); print $2 }' "$NGINX_CONF")
peers=""
[ $use_nginx = 1 ] && peers="$(first_line nginx -v | sed 's#.*: ##')"
[ $use_caddy = 1 ] && peers="${peers:+$peers and }Caddy $(first_line caddy version | cut -d' ' -f1)"
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

report=$work/report.md
{
  echo "<!-- Generated by bench/compare.sh on $(date -u '+%Y-%m-%d %H:%M UTC'); the next run replaces everything up to bench:end. -->"
  echo "### $(date -u '+%Y-%m-%d') — ${carbon_version%% (*} against $peers"
  echo
  echo "- Machine: ${cpu:-unknown CPU}, $(nproc) cores, $ram RAM; ${os:-unknown OS}, kernel $(uname -r) ($(uname -m)); load average before the run: $load_before"
  echo "- Java: $(first_line java -version), options \`$CARBON_JAVA_OPTS\`"
  extra_note=""
  [ -z "$CARBON_EXTRA" ] || extra_note=", CARBON_EXTRA: \`$(printf '%s' "$CARBON_EXTRA" | tr '\n' ';')\`"
  echo "- Carbon: $carbon_version, commit $commit; access log on$( [ $use_caddy = 1 ] && echo ", \`enable_http3 = true\`")$extra_note"
  [ $use_nginx = 1 ] && echo "- nginx: $(first_line nginx -v | sed 's#.*: ##'), \`$(basename "$NGINX_CONF")\` as is ($workers workers, gzip level 6, access log off)"
  [ $use_caddy = 1 ] && echo "- Caddy: $(first_line caddy version), \`$(basename "$CADDY_CONF")\` as is (HTTP/3 by quic-go, no access log)$( [ -n "${caddy_udp_note:-}" ] && echo "; it logged: \"$caddy_udp_note\"" || echo "; no UDP buffer warning in its log")"
  [ $use_nginx = 1 ] && echo "- Tools: $(first_line wrk -v | sed 's/ Copyright.*//'); $(first_line h2load --version); $(first_line ab -V | sed 's/^This is //')"
  [ $use_nginx = 1 ] && echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS -d${run_secs}s --latency\`, \`h2load -t$THREADS -c$CONNECTIONS -m$H2_STREAMS -D$run_secs$( [ "$warm" -gt 0 ] && echo " --warm-up-time=$warm")\`, \`ab -t $run_secs -n $AB_REQUESTS -c $AB_CONCURRENCY\` (no \`-k\`), $ROUNDS runs per row and server taking turns (Carbon, nginx, nginx, Carbon, ...), the row showing their mean (p99: the worst run); $( [ "$warm" -gt 0 ] && echo "each wrk run follows ${warm}s of the same load on the same server" || echo "no warm-up")$( [ "$jit_warm" -gt 0 ] && echo "; before the first row, Carbon got ${jit_warm}s of every row's load (JIT warm-up: the JVM compiles its hot code during its first seconds under load, HTTP/2 over TLS taking 15-20 s, and a long-running server is measured in its steady state; nginx has nothing to warm)")."
  [ $use_caddy = 1 ] && echo "- HTTP/3 load: \`java -cp carbon.jar bench/H3Load.java --connections $H3_CONNECTIONS --streams $H3_STREAMS --threads $THREADS --duration ${run_secs}s --warmup ${h3_warm}s --insecure --sni localhost\` (Netty's QUIC client, a new JVM per run; the warm-up also compiles the client), $ROUNDS runs per row and server taking turns (Carbon, Caddy, Caddy, Carbon, ...)$( [ "$jit_warm" -gt 0 ] && [ "${h3_ok[Carbon]:-0}" = 1 ] && echo "; Carbon's JIT warm-up included ${jit_warm}s of each HTTP/3 row's load")."
  goals=""
  [ $use_nginx = 1 ] && goals="Carbon/nginx ≥ 1.0x on every row and ≥ 2.0x on the compressed (gzip, br) rows, where Carbon must also answer with that coding"
  [ $use_caddy = 1 ] && goals="${goals:+$goals; }Carbon/Caddy ≥ 1.0x on the HTTP/3 rows"
  echo "- Goals: $goals. ✓ met, ✗ missed: $misses of $(( ${#rows[@]} + ${#rows_caddy[@]} )) rows miss their goal."
  echo
  if [ ${#rows[@]} -gt 0 ]; then
    echo "| test | Carbon req/s | nginx req/s | Carbon/nginx | MB/s (Carbon / nginx) | p99 latency ms (Carbon / nginx) | RSS MiB (Carbon / nginx) |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    [ -n "${nginx_br_note:-}" ] && echo "¹ $nginx_br_note" && echo
  fi
  if [ ${#rows_caddy[@]} -gt 0 ]; then
    echo "HTTP/3: Carbon against Caddy"
    echo
    echo "| test | Carbon req/s | Caddy req/s | Carbon/Caddy | MB/s of bodies (Carbon / Caddy) | p99 latency ms (Carbon / Caddy) | RSS MiB (Carbon / Caddy) |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows_caddy[@]}"
    echo
  fi
  [ $use_nginx = 1 ] && echo "- Bodies of the 100 KB html page (102400 bytes) as served: gzip $(kb "${size_of[Carbon,gzip]}") from Carbon (${coding[Carbon,gzip]}, $(ratio_of 102400 "${size_of[Carbon,gzip]}")x) and $(kb "${size_of[nginx,gzip]}") from nginx (${coding[nginx,gzip]}, $(ratio_of 102400 "${size_of[nginx,gzip]}")x); br $(kb "${size_of[Carbon,br]}") from Carbon (${coding[Carbon,br]}) and $(kb "${size_of[nginx,br]}") from nginx (${coding[nginx,br]})."
  [ $use_nginx = 1 ] && echo "- MB/s is what the tool read, headers included, compressed bytes on the compressed rows (1 MB = 2^20 bytes)."
  [ $use_caddy = 1 ] && echo "- HTTP/3 rows: no \`Accept-Encoding\`, so both servers send the files as they are; MB/s counts response bodies only, and every 200 must have the file's length (\`--expect-length\`)."
  echo "- Latency: $( [ $use_nginx = 1 ] && echo "wrk's and ab's 99th percentile (ab rounds to whole ms); h2load reports no percentiles, so its row shows the mean \"time for request\"")$( [ $use_nginx = 1 ] && [ $use_caddy = 1 ] && echo "; ")$( [ $use_caddy = 1 ] && echo "H3Load's 99th percentile, from opening a request stream to the response's end")."
  echo "- RSS: resident memory at the end of each row$( [ $use_nginx = 1 ] && echo " (nginx: master and workers added up)")."
  echo "- Carbon's access log had $access_lines lines at the end of the run."
  if [ -s "$work/warnings" ]; then
    echo "- Warnings during the run (⚠ in the table marks a run with failed requests or no result):"
    sed 's/^/  - /' "$work/warnings"
  fi
} >"$report"

echo
cat "$report"

if [ "$WRITE_DOCS" != 0 ]; then
  begin='<!-- bench:begin -->' end='<!-- bench:end -->'
  [ -f "$DOCS" ] || printf '# Benchmarks\n' >"$DOCS"
  if ! grep -qF "$begin" "$DOCS" || ! grep -qF "$end" "$DOCS"; then
    printf '\n## Latest run\n\n%s\n%s\n' "$begin" "$end" >>"$DOCS"
  fi
  awk -v begin="$begin" -v end="$end" -v report="$report" '
    $0 == begin { print; while ((getline line < report) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip' "$DOCS" >"$work/docs.md"
  cat "$work/docs.md" >"$DOCS"
  say "wrote the table to $DOCS"
fi
