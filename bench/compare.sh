#!/usr/bin/env bash
# Carbon against nginx, h2o and Caddy on the same machine, the same files and the same certificate, taking turns
# in one run: HTTP/1.1, compression, h2 over TLS, h2c, connection and TLS handshake per request, HTTP/3 (Carbon and
# Caddy), then each server's resident memory after the load and its time from start to first response. Traffic
# goes only to 127.0.0.1. Prints a Markdown table with every server's figure and Carbon / best peer, and writes
# it, with the machine, the versions and the date, between the bench markers of docs/benchmarks.md. With CEILING=1
# (the default) the Java ceiling takes its turns too on the rows it can serve: ../shared/bench/limit, a bare Netty
# server answering fixed in-memory bodies (no files, logging or routing), built as is from a copy; it is never a
# peer: it has its own columns, its figure and Carbon / ceiling (what lies between Carbon and it is Carbon's own cost).
#
# Usage: bench/compare.sh
#        ROWS=h2,h2c WRITE_DOCS=0 bench/compare.sh     only some rows (the servers they need are started)
# Environment (defaults in brackets):
#   ROWS [all]            the rows to measure, by name, separated by spaces or commas:
#                           1k 100k 1m gzip br br-static   wrk, HTTP/1.1 keep-alive
#                           h2 h2-100k                     h2load over TLS (ALPN h2)
#                           h2c                            h2load over cleartext, prior knowledge (nginx's
#                                                          reference config has no h2c port: not measured)
#                           ab tls                         ab, a new connection per request; tls = over HTTPS,
#                                                          a full TLS handshake per request
#                           h3-1k h3-100k                  bench/H3Load.java over QUIC (Carbon and Caddy: the
#                                                          Debian builds of nginx and h2o have no HTTP/3)
#                         groups: "tcp" = all but the HTTP/3 rows, "h3" = those two. Memory after the load and
#                         time to first response are always reported. Anything but all prints only (WRITE_DOCS
#                         defaults to 0, and 1 is refused)
#   PEERS [nginx h2o caddy]   the peers to run (for a quick look at one); the docs want all three
#   CEILING [1]           1 = the Java ceiling as well: ../shared/bench/limit copied to the temporary folder and
#                         built there with mvn (from Maven Central), run with CARBON_JAVA_OPTS less its
#                         -XX:SharedArchiveFile (the archive is Carbon's) and CARBON_ENV, the same certificate, and
#                         the same WARMUP and JIT_WARMUP as Carbon, on the rows 1k 100k 1m h2 h2-100k h2c ab tls
#                         ("—" on the others). Never a best peer: the columns "Netty ceiling" and "Carbon / ceiling"
#                         come after the peers', and the goals are as without it. A failed build is a warning and
#                         the run goes on without it; 0 = leave it out (no build, the table as without it)
#   H3 [1]                1 = the HTTP/3 rows (needs caddy); 0 = none, as if ROWS left them out
#   DURATION [10s]        measured time per row and server (s, m or h; whole numbers), split into ROUNDS runs
#   ROUNDS [2]            runs per row and server, taking turns (Carbon, nginx, h2o, Caddy, the ceiling, then the
#                         other way round, ...): the machine's speed drifts by ±20% over minutes on a shared host,
#                         and turns cancel a steady drift instead of handing it to whichever server went last; a
#                         row's figure is the mean of its runs (p99 latency: the worst run)
#   WARMUP [2s]           load on the same URL just before each measured wrk/h2load run; 0 = none
#   JIT_WARMUP [10s]      once, before the first row: this long of every row's load on Carbon, so that the JVM has
#                         compiled its hot code before anything is measured: a long-running server is measured in
#                         its steady state, not in its first seconds. The peers, compiled ahead of time, have
#                         nothing to warm; the ceiling, a JVM too, gets the same on its rows, before Carbon's; 0 = none
#   THREADS [2]           wrk and h2load threads, H3Load event loops
#   CONNECTIONS [50]      wrk and h2load connections
#   H3_CONNECTIONS [CONNECTIONS], H3_STREAMS [10]   HTTP/3 rows: QUIC connections and request streams in flight on
#                         each (h2load's -c and -m), from bench/H3Load.java run out of the Carbon jar
#   H3_WARMUP [5s]        HTTP/3 rows: load before each measured H3Load run (H3Load is a JVM started per run, so
#                         this also compiles the client's own hot code; every server gets the same)
#   AB_CONCURRENCY [CONNECTIONS], AB_REQUESTS [100000 per second of a run]: ab -c and -n (ab also stops at -t)
#   WRITE_DOCS [1]        0 = only print the table, leave docs/benchmarks.md alone
#   CARBON_EXTRA          extra "key = value" lines for Carbon's config; a key given here replaces the
#                         script's own value, e.g. CARBON_EXTRA=$'cache_max_bytes = 0\nenable_compression = false'
#   CARBON_JAVA_OPTS [the flags of carbon.service's ExecStart]   JVM options; a -XX:SharedArchiveFile in them is
#                         pointed at a class-data archive this run writes for its copy of the jar (--cds-training)
#   CARBON_ENV [carbon.service's Environment= lines]   NAME=value words for Carbon's environment
#   NGINX_CONF [../shared/bench/nginx-reference.conf], H2O_CONF [../shared/bench/h2o-reference.conf],
#   CADDY_CONF [../shared/bench/Caddyfile-reference]   used as they are; only their @PLACEHOLDERS@ are filled in
#   SETTLE [10]           seconds between the two resident-memory readings after the last row (the goal applies to
#                         the second: the load's connections gone, freed native memory handed back)
#   INSTALL [1]           as root with apt-get, install missing tools and peers (0 = stop and name them)
#   KEEP_WORK [0]         1 = keep the temporary folder (files, configs, logs, raw tool output); it is also
#                         kept after a failure or a warning
#   CARBON_JAR [target/carbon.jar]   the jar to run; the script runs a copy of it, so a build may replace
#                         the original during the run
#   C_PORT C_TLS, N_PORT N_TLS, O_PORT O_TLS, K_PORT K_TLS [18080 18443, 28080 28443, 27080 27443, 26080 26443]
#                         loopback ports of Carbon, nginx, h2o and Caddy (C_TLS and K_TLS on UDP as well: HTTP/3)
#   L_PORT L_TLS L_H2C [25080 25443 25082]   loopback ports of the Java ceiling: HTTP/1.1, TLS (ALPN h2 or
#                         HTTP/1.1), h2c by prior knowledge (it has a port of its own for h2c)
# Needs: java 17, wrk, h2load (nghttp2-client), ab (apache2-utils), curl, brotli, nginx with Debian's Brotli
# modules (libnginx-mod-http-brotli-filter, libnginx-mod-http-brotli-static), h2o, caddy, and target/carbon.jar
# (built with netty-codec-http3: bench/H3Load.java runs from it); mvn and ../shared/bench/limit for the ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
H2_STREAMS=10 # the issue asks for -m 10
H3=${H3:-1}
ROWS=${ROWS:-all}
PEERS=${PEERS:-nginx h2o caddy}
H3_CONNECTIONS=${H3_CONNECTIONS:-$CONNECTIONS}
H3_STREAMS=${H3_STREAMS:-10}
H3_WARMUP=${H3_WARMUP:-5s}
CARBON_EXTRA=${CARBON_EXTRA:-}
# The JVM flags and environment of the systemd unit, so the figures are those of an installed Carbon; its
# class-data archive is made for the copy of the jar this run starts (see below), at the unit's path's place.
service_opts=$(sed -n 's/^ExecStart=[^ ]*java \(.*\) -jar .*/\1/p' carbon.service 2>/dev/null || true)
CARBON_JAVA_OPTS=${CARBON_JAVA_OPTS:-${service_opts:--XX:+UseSerialGC}}
CARBON_ENV=${CARBON_ENV-$(sed -n 's/^Environment=\(.*\)/\1/p' carbon.service 2>/dev/null | tr '\n' ' ')}
NGINX_CONF=${NGINX_CONF:-../shared/bench/nginx-reference.conf}
H2O_CONF=${H2O_CONF:-../shared/bench/h2o-reference.conf}
CADDY_CONF=${CADDY_CONF:-../shared/bench/Caddyfile-reference}
DOCS=docs/benchmarks.md
C_PORT=${C_PORT:-18080} C_TLS=${C_TLS:-18443} N_PORT=${N_PORT:-28080} N_TLS=${N_TLS:-28443}
O_PORT=${O_PORT:-27080} O_TLS=${O_TLS:-27443} K_PORT=${K_PORT:-26080} K_TLS=${K_TLS:-26443}
L_PORT=${L_PORT:-25080} L_TLS=${L_TLS:-25443} L_H2C=${L_H2C:-25082}
CEILING=${CEILING:-1}
LIMIT_SRC=../shared/bench/limit # the Java ceiling's sources, used as they are (built from a copy)
HOST=127.0.0.1
MAX_RSS_MIB=128        # the issue's goals for memory after the load
MAX_FIRST_RESPONSE=0.5 # and for the time from start to first response, in seconds

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
tcp_rows="1k 100k 1m gzip br br-static h2 h2-100k h2c ab tls" h3_rows="h3-1k h3-100k"
selected=" "
for r in ${ROWS//,/ }; do
  case $r in
    all) selected+="$tcp_rows $h3_rows " ;;
    tcp|nginx) selected+="$tcp_rows " ;;
    h3) selected+="$h3_rows " ;;
    *) [[ " $tcp_rows $h3_rows " == *" $r "* ]] || die "ROWS: unknown row '$r' (rows: $tcp_rows $h3_rows; groups: all tcp h3)"
       selected+="$r " ;;
  esac
done
[[ $H3 =~ ^[01]$ ]] || die "H3 must be 0 or 1"
[[ $CEILING =~ ^[01]$ ]] || die "CEILING must be 0 or 1"
[ "$H3" = 0 ] && for r in $h3_rows; do selected=${selected// $r / }; done
row_on() { [[ $selected == *" $1 "* ]]; }
peers=" "
for p in ${PEERS//,/ }; do
  case $p in nginx|h2o|caddy) peers+="$p " ;; *) die "PEERS: unknown peer '$p' (nginx h2o caddy)" ;; esac
done
peer_on() { [[ $peers == *" $1 "* ]]; }
# The rows the Java ceiling can serve: fixed bodies over HTTP/1.1, h2 (TLS) and h2c; no compression, no HTTP/3.
ceiling_rows="1k 100k 1m h2 h2-100k h2c ab tls"
ceiling_row() { [ "$CEILING" = 1 ] && [[ " $ceiling_rows " == *" $1 "* ]]; } # row: does the ceiling take part?
# Which servers a row compares: every peer that speaks its protocol as its reference config sets it up, then the
# ceiling, which takes its turns but is never a peer.
row_servers() { # row -> "carbon nginx h2o caddy ceiling", less the peers that are off or cannot serve it
  local list=carbon p
  for p in nginx h2o caddy; do
    peer_on "$p" || continue
    case $1 in
      h2c) [ "$p" = nginx ] && continue ;;        # nginx's reference port is HTTP/1.1 only
      h3-*) [ "$p" = caddy ] || continue ;;       # Debian's nginx 1.22 and h2o 2.2 have no HTTP/3
    esac
    list+=" $p"
  done
  ceiling_row "$1" && list+=" ceiling"
  echo "$list"
}
all_rows=1 any_row=0
for r in $tcp_rows $h3_rows; do
  if row_on "$r"; then any_row=1; else all_rows=0; fi
done
[ $any_row = 1 ] || die "ROWS='$ROWS' with H3=$H3 leaves no row to measure"
[ "$(echo $peers)" = "nginx h2o caddy" ] || all_rows=0
use_nginx=0 use_h2o=0 use_caddy=0 use_h3=0 use_ceiling=0
for r in $tcp_rows $h3_rows; do
  row_on "$r" || continue
  for s in $(row_servers "$r"); do
    case $s in nginx) use_nginx=1 ;; h2o) use_h2o=1 ;; caddy) use_caddy=1 ;; ceiling) use_ceiling=1 ;; esac
  done
  [[ $r == h3-* ]] && use_h3=1
done
# A partial run must not replace the full table in the docs.
WRITE_DOCS=${WRITE_DOCS:-$all_rows}
[ "$WRITE_DOCS" = 0 ] || [ $all_rows = 1 ] || die "ROWS='$ROWS' PEERS='$PEERS' measures only part of the table: run it with WRITE_DOCS=0 (the docs keep the full table)"
AB_REQUESTS=${AB_REQUESTS:-$((run_secs * 100000))}
AB_CONCURRENCY=${AB_CONCURRENCY:-$CONNECTIONS}

# Tools and peers from Debian's packages: as root with apt-get, what is missing is installed (INSTALL=0: never);
# otherwise the script stops and names the packages.
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need java openjdk-17-jre-headless
need wrk wrk
need h2load nghttp2-client
need ab apache2-utils
need curl curl
need gzip gzip
need brotli brotli
need timeout coreutils
need ss iproute2
[ $use_nginx = 1 ] && need nginx nginx
[ $use_h2o = 1 ] && need h2o h2o
[ $use_caddy = 1 ] && need caddy caddy
if [ $use_nginx = 1 ] && [ -f "$NGINX_CONF" ]; then
  # The reference config loads Debian's Brotli modules (compressing per request, as nginx does for gzip).
  for module in $(sed -n 's/^[[:space:]]*load_module[[:space:]]*\([^;]*\);.*/\1/p' "$NGINX_CONF"); do
    [ -f "$module" ] || missing+=(libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2207 # package names have no blanks
  missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  if [ "${INSTALL:-1}" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 \
      || die "apt-get could not install ${missing[*]}"
    # Debian starts the nginx, h2o and caddy services it installs; they would share the CPU with the run.
    for service in nginx h2o caddy; do
      command -v systemctl >/dev/null && systemctl stop "$service" >/dev/null 2>&1 || true
      command -v service >/dev/null && service "$service" stop >/dev/null 2>&1 || true
    done
  else
    die "missing: apt-get install -y ${missing[*]}"
  fi
fi
CARBON_JAR=${CARBON_JAR:-target/carbon.jar}
[ -f "$CARBON_JAR" ] || die "$CARBON_JAR is missing: build it first (mvn -B -q package -DskipTests)"
[ $use_nginx = 1 ] && { [ -f "$NGINX_CONF" ] || die "nginx config $NGINX_CONF not found (set NGINX_CONF)"; }
[ $use_h2o = 1 ] && { [ -f "$H2O_CONF" ] || die "h2o config $H2O_CONF not found (set H2O_CONF)"; }
[ $use_caddy = 1 ] && { [ -f "$CADDY_CONF" ] || die "Caddy config $CADDY_CONF not found (set CADDY_CONF)"; }
[ $use_h3 = 1 ] && { [ -f bench/H3Load.java ] || die "bench/H3Load.java is missing (the HTTP/3 load client)"; }
# The ceiling is optional: without its sources or mvn, a warning (once the temporary folder exists) and no ceiling.
ceiling_missing=""
if [ $use_ceiling = 1 ]; then
  if [ ! -f "$LIMIT_SRC/pom.xml" ]; then ceiling_missing="$LIMIT_SRC/pom.xml is missing"
  elif ! command -v mvn >/dev/null 2>&1; then ceiling_missing="mvn is missing (apt-get install -y maven)"
  fi
fi

ports="$C_PORT $C_TLS" udp_ports=""
[ $use_nginx = 1 ] && ports+=" $N_PORT $N_TLS"
[ $use_h2o = 1 ] && ports+=" $O_PORT $O_TLS"
[ $use_caddy = 1 ] && ports+=" $K_PORT $K_TLS" udp_ports+=" $K_TLS"
[ $use_ceiling = 1 ] && [ -z "$ceiling_missing" ] && ports+=" $L_PORT $L_TLS $L_H2C"
[ $use_h3 = 1 ] && udp_ports+=" $C_TLS"
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
watchdog_pid=''
pid_of() { # server -> its main process (nginx and h2o write pid files; Carbon's, Caddy's and the ceiling's are written by us)
  case $1 in
    carbon) cat "$work/carbon.pid" 2>/dev/null || true ;; # a file: the watchdog, started before Carbon, reads it too
    nginx) cat "$work/nginx/nginx.pid" 2>/dev/null || true ;;
    h2o) cat "$work/h2o/h2o.pid" 2>/dev/null || true ;;
    caddy) cat "$work/caddy/pid" 2>/dev/null || true ;; # a file, so that the watchdog sees it too
    ceiling) cat "$work/ceiling.pid" 2>/dev/null || true ;; # the same
  esac
}
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
  stop_pid "$(pid_of carbon)" 15
  stop_pid "$(pid_of nginx)" 10
  stop_pid "$(pid_of h2o)" 10
  stop_pid "$(pid_of caddy)" 10
  stop_pid "$(pid_of ceiling)" 10
}
cleanup() {
  local rc=$?
  # To the end whatever fails: under set -e a failed command would end the trap before the servers are stopped
  # (Ctrl-C reaches the watchdog too, so it may be gone already and kill fails).
  set +e
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

for p in nginx h2o caddy; do
  if [ "$(eval echo \$use_$p)" = 1 ] && pgrep -x "$p" >/dev/null; then
    warn "another $p is running (service $p stop): it shares the CPU with this run"
  fi
done

# The file set all servers serve.
mkdir -p "$work/www" "$work/nginx" "$work/h2o" "$work/caddy" "$work/log" "$work/raw"
# A JVM loads classes from its jar while it runs: a build that replaces the jar mid-run would break the server.
cp "$CARBON_JAR" "$work/carbon.jar"
head -c 1024 /dev/urandom | base64 -w 76 | head -c 1024 >"$work/www/1k.html"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
# 100k.html: a product-listing page of exactly 102400 bytes, the same every run (a fixed-seed generator), with
# the markup repetition of a real page and varied text; gzip -6 shrinks it about 6x. text/html is compressed by
# every server. No sidecars: each server compresses on its own (Carbon once, the peers per request).
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
# 100k-static.html: the same page with a .br sidecar made once by the brotli tool (quality 11): every server
# serves the sidecar's bytes as they are (nginx brotli_static, h2o file.send-compressed, Caddy precompressed,
# Carbon precompressed), which is nginx's best case: sendfile of a file.
cp "$work/www/100k.html" "$work/www/100k-static.html"
brotli -q 11 -o "$work/www/100k-static.html.br" "$work/www/100k-static.html"
touch -r "$work/www/100k-static.html" "$work/www/100k-static.html.br" # not older than the page: it is served

# Carbon, with its access log on; the same self-signed certificate (EC P-256) is given to every peer. A key in
# CARBON_EXTRA replaces the script's line for it (Carbon refuses a key set twice). HTTP/3 listens on UDP at the
# HTTPS port's number.
extra_keys=$(printf '%s\n' "$CARBON_EXTRA" | sed -n 's/^[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' | tr '\n' ' ')
awk -v drop=" $extra_keys" '{ k = $1 } index(drop, " " k " ") == 0' >"$work/carbon.conf" <<CONF
server_name = $HOST
port = $C_PORT
use_https = true
https_port = $C_TLS
enable_http2 = true
enable_h2c = true
max_threads = 0
max_connections = 20000
shutdown_timeout = 2s
admin_port = 0
www_path = $work/www
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
log_file = $work/log/server.log
access_log = $work/log/access.log
$( [ $use_h3 = 1 ] && echo "enable_http3 = true")
CONF
[ -n "$CARBON_EXTRA" ] && printf '# CARBON_EXTRA\n%s\n' "$CARBON_EXTRA" >>"$work/carbon.conf"
# Carbon reads PORT, SERVER_NAME, ... and every CARBON_<KEY> from its environment, and they win over the file
# (CARBON_EXTRA itself would be read as a key "extra"): it runs with a clean environment, so the config file
# above is all there is.
# shellcheck disable=SC2206 # CARBON_ENV is a list of NAME=value words
carbon=(env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=${LANG:-C.UTF-8}" $CARBON_ENV java)
if ! timeout 60 "${carbon[@]}" -jar "$work/carbon.jar" --config "$work/carbon.conf" --check >"$work/check.out" 2>&1; then
  die "Carbon refused its config $work/carbon.conf: $(grep -v '^  ' "$work/check.out" | tail -n 5)"
fi
if grep -q 'warning' "$work/check.out"; then
  grep -q 'unknown key' "$work/check.out" && die "$(grep 'unknown key' "$work/check.out")"
  warn "Carbon warns about its config: $(grep 'warning' "$work/check.out" | tr '\n' ' ')"
fi
timeout 60 "${carbon[@]}" -jar "$work/carbon.jar" --config "$work/carbon.conf" --gen-cert >/dev/null \
  || die "Carbon could not write a certificate to $work"

# The class-data archive, as the unit's ExecStartPre (or the Docker build) writes it, before any timing.
if [[ " $CARBON_JAVA_OPTS " == *" -XX:SharedArchiveFile="* ]]; then
  CARBON_JAVA_OPTS=$(sed "s#-XX:SharedArchiveFile=[^ ]*#-XX:SharedArchiveFile=$work/carbon.jsa#" <<<"$CARBON_JAVA_OPTS")
  timeout 120 "${carbon[@]}" -XX:ArchiveClassesAtExit="$work/carbon.jsa" -Xlog:cds=error -jar "$work/carbon.jar" \
    --cds-training >"$work/log/cds-training.out" 2>&1 \
    || warn "Carbon's class-data archive could not be written (it starts without it): $(tail -n 3 "$work/log/cds-training.out")"
fi

# The Java ceiling, built as it is from a copy of its folder (nothing is written into ../shared), before any
# timing. It gets Carbon's JVM options less the class-data archive, which is Carbon's, and Carbon's environment.
# Without it the run goes on: its rows and columns are left out, and a warning says why.
if [ $use_ceiling = 1 ]; then
  if [ -z "$ceiling_missing" ]; then
    say "building the Java ceiling from a copy of $LIMIT_SRC"
    cp -r "$LIMIT_SRC" "$work/limit"
    chmod -R u+w "$work/limit" # ../shared is read-only: its copy must take target/ (and be removed at the end)
    rm -rf "$work/limit/target" # a build left in the original is not used: the jar is this run's own
    if ! timeout 600 mvn -B -q -f "$work/limit/pom.xml" package >"$work/log/limit-build.out" 2>&1; then
      ceiling_missing="mvn package failed: $(grep -m 3 'ERROR' "$work/log/limit-build.out" | tr '\n' ' ')(see $work/log/limit-build.out)"
    elif [ ! -f "$work/limit/target/limit.jar" ]; then
      ceiling_missing="mvn package made no target/limit.jar (see $work/log/limit-build.out)"
    fi
  fi
  if [ -n "$ceiling_missing" ]; then
    warn "the Java ceiling is left out of this run: $ceiling_missing"
    CEILING=0 use_ceiling=0
  fi
fi
# shellcheck disable=SC2001 # a pattern, not a fixed string
CEILING_JAVA_OPTS=$(sed 's#-XX:SharedArchiveFile=[^ ]*##; s#  *# #g; s#^ ##; s# $##' <<<"$CARBON_JAVA_OPTS")

fill() { # template output: the reference config with its @PLACEHOLDERS@ filled in for server $3
  local port tls
  case $3 in nginx) port=$N_PORT tls=$N_TLS ;; h2o) port=$O_PORT tls=$O_TLS ;; caddy) port=$K_PORT tls=$K_TLS ;; esac
  sed -e "s#@PREFIX@#$work/$3#g" -e "s#@WWW@#$work/www#g" -e "s#@PORT@#$port#g" -e "s#@TLS_PORT@#$tls#g" \
      -e "s#@CERT@#$work/cert.pem#g" -e "s#@KEY@#$work/key.pem#g" "$1" >"$2"
}
nginx_cmd=(nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")
h2o_cmd=(h2o -c "$work/h2o/h2o.conf")
# Caddy's home and XDG folders are in $work: it saves its config and a certificate store there.
caddy_cmd=(env -i "PATH=$PATH" "HOME=$work/caddy" "XDG_CONFIG_HOME=$work/caddy" "XDG_DATA_HOME=$work/caddy" caddy)
if [ $use_nginx = 1 ]; then
  fill "$NGINX_CONF" "$work/nginx/nginx.conf" nginx
  timeout 20 "${nginx_cmd[@]}" -t >"$work/nginx/check.out" 2>&1 || die "nginx -t failed: $(cat "$work/nginx/check.out")"
fi
if [ $use_h2o = 1 ]; then
  fill "$H2O_CONF" "$work/h2o/h2o.conf" h2o
  timeout 20 "${h2o_cmd[@]}" -t >"$work/h2o/check.out" 2>&1 || die "h2o -t failed: $(tail -n 5 "$work/h2o/check.out")"
fi
if [ $use_caddy = 1 ]; then
  fill "$CADDY_CONF" "$work/caddy/Caddyfile" caddy
  timeout 30 "${caddy_cmd[@]}" validate --config "$work/caddy/Caddyfile" --adapter caddyfile >"$work/caddy/check.out" 2>&1 \
    || die "caddy validate failed: $(grep -v '^{"level":"info"' "$work/caddy/check.out" | tail -n 5)"
fi

# If this script dies without running its traps (SIGKILL), stop the servers within a second anyway.
script_pid=$$
( while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done; stop_servers ) >/dev/null 2>&1 &
watchdog_pid=$!

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Polls with bash's /dev/tcp (no process per try, so the figure is not the poller's): connect, one GET, read the
# status line; a refused connect fails at once and is tried again 5 ms later.
first_200() { # port pid log -> waits until GET /1k.html answers 200, at most 30 s; fails if pid exits
  local deadline=$(($(now_ms) + 30000)) line fd
  while [ "$(now_ms)" -lt $deadline ]; do
    if { exec {fd}<>"/dev/tcp/$HOST/$1"; } 2>/dev/null; then
      printf 'GET /1k.html HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" >&$fd 2>/dev/null || true
      line=''
      IFS= read -r -t 5 line <&$fd || true
      exec {fd}>&-
      [[ $line == "HTTP/1.1 200"* ]] && return 0
    fi
    if [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; then
      die "a server exited during startup: $(tail -n 20 "$3" 2>/dev/null)"
    fi
    sleep 0.005
  done
  die "no 200 from port $1 within 30 s of start (see $3)"
}
declare -A first_response
start_server() { # server: starts it and records the time from its launch to its first 200
  local t0 t1 pid=''
  say "starting $1"
  t0=$(now_ms)
  case $1 in
    carbon)
      # shellcheck disable=SC2086 # CARBON_JAVA_OPTS is a list of options
      "${carbon[@]}" $CARBON_JAVA_OPTS -jar "$work/carbon.jar" --config "$work/carbon.conf" </dev/null >"$work/log/stdout" 2>&1 &
      pid=$!; echo "$pid" >"$work/carbon.pid"
      first_200 "$C_PORT" "$pid" "$work/log/stdout" ;;
    nginx)
      # daemon on: the command returns once the master forked; then the workers take a moment to accept.
      timeout 20 "${nginx_cmd[@]}" </dev/null >"$work/nginx/start.out" 2>&1 || die "nginx did not start: $(cat "$work/nginx/start.out")"
      first_200 "$N_PORT" "" "$work/nginx/error.log" ;;
    h2o)
      "${h2o_cmd[@]}" -m daemon </dev/null >"$work/h2o/start.out" 2>&1 || die "h2o did not start: $(tail -n 5 "$work/h2o/start.out")"
      first_200 "$O_PORT" "" "$work/h2o/error.log" ;;
    caddy)
      "${caddy_cmd[@]}" run --config "$work/caddy/Caddyfile" --adapter caddyfile </dev/null >"$work/caddy/caddy.log" 2>&1 &
      pid=$!; echo "$pid" >"$work/caddy/pid"
      first_200 "$K_PORT" "$pid" "$work/caddy/caddy.log" ;;
    ceiling)
      # shellcheck disable=SC2086 # CEILING_JAVA_OPTS is a list of options
      "${carbon[@]}" $CEILING_JAVA_OPTS -jar "$work/limit/target/limit.jar" "$L_PORT" "$L_TLS" "$L_H2C" "$work/cert.pem" \
        "$work/key.pem" </dev/null >"$work/log/ceiling.out" 2>&1 &
      pid=$!; echo "$pid" >"$work/ceiling.pid"
      first_200 "$L_PORT" "$pid" "$work/log/ceiling.out" ;;
  esac
  t1=$(now_ms)
  first_response[$1]=$(awk -v ms=$((t1 - t0)) 'BEGIN { printf "%.3f", ms / 1000 }')
  say "$1 answered its first request $((t1 - t0)) ms after its start"
}
# One after the other, so that no start shares the CPU with another.
servers=carbon
start_server carbon
for p in nginx h2o caddy; do
  [ "$(eval echo \$use_$p)" = 1 ] || continue
  start_server "$p"
  servers+=" $p"
done
# The ceiling last, and not in $servers: it has no memory, start or compression figures.
[ $use_ceiling = 1 ] && start_server ceiling

wait_up() { # name url: the TLS port too (Carbon and Caddy may open it a moment after the plain one)
  local i
  for ((i = 0; i < 300; i++)); do
    timeout 5 curl -fsk --max-time 2 -o /dev/null "$2" && return 0
    sleep 0.1
  done
  die "$1 did not answer $2 within 30 s"
}
port_of() { case $1 in carbon) echo "$C_PORT" ;; nginx) echo "$N_PORT" ;; h2o) echo "$O_PORT" ;; caddy) echo "$K_PORT" ;; ceiling) echo "$L_PORT" ;; esac; }
tls_of() { case $1 in carbon) echo "$C_TLS" ;; nginx) echo "$N_TLS" ;; h2o) echo "$O_TLS" ;; caddy) echo "$K_TLS" ;; ceiling) echo "$L_TLS" ;; esac; }
h2c_of() { case $1 in ceiling) echo "$L_H2C" ;; *) port_of "$1" ;; esac; } # the ceiling has a port of its own for h2c
label() { case $1 in carbon) echo Carbon ;; nginx) echo nginx ;; h2o) echo h2o ;; caddy) echo Caddy ;; ceiling) echo "the Netty ceiling" ;; esac; }
ceiling_server=""
[ $use_ceiling = 1 ] && ceiling_server=ceiling
for server in $servers $ceiling_server; do
  wait_up "$(label "$server")" "https://$HOST:$(tls_of "$server")/1k.html"
done

# ---------------------------------------------------------------------------------------------------------
# Checks before measuring: the right bytes, h2 on TLS, h2c, HTTP/3 on UDP, and what each server does with
# Accept-Encoding.
# The ceiling answers fixed bodies of 'x' of the files' sizes: its bodies are checked by length only.
for server in $servers $ceiling_server; do
  port=$(port_of "$server") tls=$(tls_of "$server") name=$(label "$server")
  for f in 1k.html 100k.html 1m.bin; do
    got=$(timeout 15 curl -s --max-time 10 -o "$work/raw/check.body" -w '%{http_code}' "http://$HOST:$port/$f" || true)
    if [ "$server" = ceiling ]; then
      if [ "$got" != 200 ] || [ "$(wc -c <"$work/raw/check.body")" != "$(wc -c <"$work/www/$f")" ]; then
        die "$name answered $f with status '$got' or a body of another length; nothing was measured"
      fi
    elif [ "$got" != 200 ] || ! cmp -s "$work/raw/check.body" "$work/www/$f"; then
      die "$name answered $f with status '$got' or different bytes; nothing was measured"
    fi
  done
  proto=$(timeout 15 curl -sk --http2 --max-time 10 -o /dev/null -w '%{http_version}' "https://$HOST:$tls/1k.html" || true)
  [ "$proto" = 2 ] || warn "$name did not negotiate h2 on its TLS port (got HTTP/$proto); its h2load rows measure something else"
  if [[ " $(row_servers h2c) " == *" $server "* ]] && row_on h2c; then
    proto=$(timeout 15 curl -s --http2-prior-knowledge --max-time 10 -o /dev/null -w '%{http_version}' "http://$HOST:$(h2c_of "$server")/1k.html" || true)
    [ "$proto" = 2 ] || warn "$name did not answer h2c by prior knowledge on its h2c port (got HTTP/$proto)"
  fi
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
if [ $use_h3 = 1 ]; then
  for server in $(row_servers h3-1k); do
    if h3_probe "$(label "$server")" "$(tls_of "$server")"; then h3_ok[$server]=1; else h3_ok[$server]=0; fi
  done
  # quic-go asks the kernel for 7 MiB UDP buffers and logs when it gets less (net.core.rmem_max, wmem_max).
  [ $use_caddy = 1 ] && caddy_udp_note=$(grep -m 1 -io '[^"]*buffer size[^"]*' "$work/caddy/caddy.log" || true)
fi

declare -A coding size_of
probe_coding() { # server path accept -> sets coding[server,path,accept] and size_of[server,path,accept]
  local hdr="$work/raw/probe.hdr" body="$work/raw/probe.body" got k="$1,$2,$3"
  got=$(timeout 15 curl -s --max-time 10 -H "Accept-Encoding: $3" -D "$hdr" -o "$body" -w '%{http_code}' \
    "http://$HOST:$(port_of "$1")$2" || true)
  [ "$got" = 200 ] || die "$(label "$1") answered $2 with Accept-Encoding: $3 with status '$got'"
  coding[$k]=$(tr -d '\r' <"$hdr" | awk -F': *' 'tolower($1) == "content-encoding" { print tolower($2) }')
  coding[$k]=${coding[$k]:-identity}
  size_of[$k]=$(wc -c <"$body")
  case ${coding[$k]} in
    gzip) gzip -dc <"$body" | cmp -s - "$work/www/100k.html" || die "$(label "$1")'s gzip body for $2 does not decompress to the page" ;;
    br) brotli -dc <"$body" | cmp -s - "$work/www/100k.html" || die "$(label "$1")'s br body for $2 does not decompress to the page" ;;
  esac
}
probe_codings() {
  local server
  for server in $servers; do
    probe_coding "$server" /100k.html gzip
    probe_coding "$server" /100k.html br
    probe_coding "$server" /100k-static.html br
  done
}
probe_codings
static_br_size=$(wc -c <"$work/www/100k-static.html.br")
for server in $servers; do
  [ "${coding[$server,/100k-static.html,br]}" = br ] && [ "${size_of[$server,/100k-static.html,br]}" = "$static_br_size" ] \
    || warn "$(label "$server") did not serve the .br sidecar of 100k-static.html as it is (${coding[$server,/100k-static.html,br]}, ${size_of[$server,/100k-static.html,br]} bytes, the sidecar has $static_br_size)"
done

# ---------------------------------------------------------------------------------------------------------
# Measuring. Each run_* prints "requests/s MiB/s latency-ms errors" and keeps the tool's output in $work/raw.
rss_kb() { # resident memory of a process and its children (nginx workers), in KiB
  [ -n "$1" ] || { echo 0; return; }
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
run_h2load() { # raw-file url (https:// for h2 over TLS, http:// for h2c by prior knowledge)
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
run_ab() { # raw-file url (https:// makes every request a new TLS connection with a full handshake: ab keeps no sessions)
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
check_run() { # row server rps errors raw-file: warns and fails when a run has no result or errors
  if [ "$3" = 0 ]; then
    warn "$1: no result for $2 (see $5)"; return 1
  elif [ "$4" -gt 0 ]; then
    warn "$1: $4 failed, non-2xx or socket-error requests for $2 (see $5)"; return 1
  fi
}
run_one() { # server tool raw-file path [tool options] -> "requests/s MiB/s latency-ms errors"
  local who=$1 tool=$2 out=$3 path=$4 port tls
  shift 4
  port=$(port_of "$who") tls=$(tls_of "$who")
  case $tool in
    wrk) run_wrk "$out" "http://$HOST:$port$path" "$@" ;;
    h2load) run_h2load "$out" "https://$HOST:$tls$path" ;;
    h2c) run_h2load "$out" "http://$HOST:$(h2c_of "$who")$path" ;;
    ab) run_ab "$out" "http://$HOST:$port$path" ;;
    abtls) run_ab "$out" "https://$HOST:$tls$path" ;;
    h3load)
      if [ "${h3_ok[$who]:-0}" != 1 ]; then
        # Not run: the server did not answer the HTTP/3 probe (a warning says why); the row shows it as failed.
        echo "not run: $(label "$who") did not answer over HTTP/3 before the runs" >"$out"
        echo "0 0.0 0.00 0"
      else
        run_h3load "$out" "https://$HOST:$tls$path" "$(wc -c <"$work/www$path")"
      fi ;;
  esac
}
mean_of_runs() { # lines "rps mb lat err", one per run -> their mean rate and throughput, worst latency, all errors
  awk '
    { rps += $1; mb += $2; if ($3 > lat) lat = $3; err += $4; if ($1 == 0) empty = 1; n++ }
    END { if (empty) rps = 0; printf "%.0f %.1f %.2f %d\n", rps / n, mb / n, lat, err }'
}
reverse() { local out="" w; for w in "$@"; do out="$w $out"; done; echo $out; }
rows=() details=() misses=0 row_no=0 measured=0
cell() { # server-list server value -> the table cell: "—" for a server the row does not compare
  [[ " $1 " == *" $2 "* ]] && echo "$3" || echo "—"
}
# One row: every server the row compares, taking turns ROUNDS times; the best peer is the fastest peer that did
# the same work (on the compressed rows: answered with the coding asked for). The ceiling takes its turns too but
# is never the best peer: it has its own columns.
measure() { # row-key name tool path [tool options]
  local key=$1 name=$2 tool=$3 path=$4 arg want="" round who result list order best="" best_rps=0 mark ratio note="" ceiling_fig="" ceiling_ratio="" ceiling_note=""
  shift 4
  row_on "$key" || return 0
  for arg in "$@"; do
    if [[ $arg == "Accept-Encoding: "* ]]; then want=${arg#Accept-Encoding: }; fi
  done
  list=$(row_servers "$key")
  row_no=$((row_no + 1)) measured=$((measured + 1))
  local base=$work/raw/$row_no-$key
  declare -A runs=() rps=() mb=() lat=() err=() shown=()
  for ((round = 1; round <= ROUNDS; round++)); do
    # shellcheck disable=SC2086
    if ((round % 2)); then order=$list; else order=$(reverse $list); fi
    for who in $order; do
      say "$name: $(label "$who"), run $round of $ROUNDS ..."
      result=$(run_one "$who" "$tool" "$base-$who-$round.txt" "$path" "$@")
      runs[$who]+="$result"$'\n'
    done
  done
  for who in $list; do
    read -r "rps[$who]" "mb[$who]" "lat[$who]" "err[$who]" <<<"$(printf '%s' "${runs[$who]}" | mean_of_runs)"
    if [ "$who" = ceiling ]; then # its ⚠ goes with its own ratio
      check_run "$name" "$(label "$who")" "${rps[$who]}" "${err[$who]}" "$base-$who-*.txt" || ceiling_note=" ⚠"
    else
      check_run "$name" "$(label "$who")" "${rps[$who]}" "${err[$who]}" "$base-$who-*.txt" || note=" ⚠"
    fi
    shown[$who]=${rps[$who]}
    [ "${rps[$who]}" = 0 ] && shown[$who]=failed
    if [ -n "$want" ] && [ "${coding[$who,$path,$want]}" != "$want" ]; then
      shown[$who]="${shown[$who]} (${coding[$who,$path,$want]})"
      [ "$who" = carbon ] || continue # did other work: not a peer this row compares against
    fi
    [ "$who" = ceiling ] && continue
    if [ "$who" != carbon ] && [ "${rps[$who]}" -gt "$best_rps" ]; then best=$who best_rps=${rps[$who]}; fi
  done
  ratio=$(awk -v c="${rps[carbon]}" -v n="$best_rps" 'BEGIN { if (c > 0 && n > 0) printf "%.2fx", c / n; else print "n/a" }')
  if [ "${rps[carbon]}" = 0 ]; then
    mark="✗ (Carbon failed: see the warnings)"
  elif [ -z "$best" ]; then
    mark="✗ (no peer result: see the warnings)"
  elif [ -n "$want" ] && [ "${coding[carbon,$path,$want]}" != "$want" ]; then
    mark="✗ (Carbon sent ${coding[carbon,$path,$want]}, not $want)"
  elif awk -v r="${ratio%x}" 'BEGIN { exit !(r >= 1.0) }'; then
    mark="✓"
  else
    mark="✗"
  fi
  [ "$mark" = "✓" ] || misses=$((misses + 1))
  # The ceiling's figure after the peers', then Carbon / best peer, then Carbon / ceiling (CEILING=0: no columns).
  if [ $use_ceiling = 1 ]; then
    ceiling_fig=" $(cell "$list" ceiling "${shown[ceiling]:-}") |" ceiling_ratio=" — |"
    [[ " $list " == *" ceiling "* ]] && ceiling_ratio=" $(awk -v c="${rps[carbon]}" -v l="${rps[ceiling]}" \
      'BEGIN { if (c > 0 && l > 0) printf "%.2fx", c / l; else print "n/a" }')$ceiling_note |"
  fi
  rows+=("| $name | $(cell "$list" carbon "${shown[carbon]}") | $(cell "$list" nginx "${shown[nginx]:-}") | $(cell "$list" h2o "${shown[h2o]:-}") | $(cell "$list" caddy "${shown[caddy]:-}") |$ceiling_fig $ratio${best:+ ($(label "$best"))} $mark$note |$ceiling_ratio")
  local lat_cells="" mb_cells="" s
  for s in carbon nginx h2o caddy $ceiling_server; do
    if [[ " $list " == *" $s "* ]] && [ "${rps[$s]}" != 0 ]; then
      lat_cells+=" ${lat[$s]} |" mb_cells+=" ${mb[$s]} |"
    else
      lat_cells+=" — |" mb_cells+=" — |"
    fi
  done
  details+=("| $name |$mb_cells$lat_cells")
  say "$name: Carbon ${rps[carbon]} req/s, best peer ${best:-none} $best_rps req/s, $ratio${rps[ceiling]:+; the Netty ceiling ${rps[ceiling]} req/s}"
}

takes_part() { row_on "$1" && [[ " $(row_servers "$1") " == *" $2 "* ]]; } # row server
jit_warmup() { # server: every selected row's load it takes part in, for $jit_warm seconds each, nothing recorded
  # Connection per request first: its hundreds of thousands of closed connections (TIME_WAIT, the access
  # log) are then settled long before the first measured row, which comes right after the last load here.
  local who=$1 url port tls h2c
  port=$(port_of "$who") tls=$(tls_of "$who") h2c=$(h2c_of "$who")
  for url in "ab|http://$HOST:$port/1k.html" "tls|https://$HOST:$tls/1k.html"; do
    takes_part "${url%%|*}" "$who" || continue
    timeout -k 5 $((jit_warm + 30)) ab -q -r -t "$jit_warm" -n $((jit_warm * 100000)) -c "$CONNECTIONS" \
      "${url#*|}" >/dev/null 2>&1 || true
  done
  for url in "h2|https://$HOST:$tls/1k.html" "h2-100k|https://$HOST:$tls/100k.html" "h2c|http://$HOST:$h2c/1k.html"; do
    takes_part "${url%%|*}" "$who" || continue
    timeout -k 5 $((jit_warm + 30)) h2load -t"$THREADS" -c"$CONNECTIONS" -m"$H2_STREAMS" -D"$jit_warm" \
      "${url#*|}" >/dev/null 2>&1 || true
  done
  # key|path|header: wrk takes a header only as "Name: value", with the space.
  local row key path header
  for row in "br-static|/100k-static.html|Accept-Encoding: br" "br|/100k.html|Accept-Encoding: br" \
      "gzip|/100k.html|Accept-Encoding: gzip" "1m|/1m.bin|" "100k|/100k.html|" "1k|/1k.html|"; do
    key=${row%%|*} row=${row#*|}
    path=${row%%|*} header=${row#*|}
    takes_part "$key" "$who" || continue
    timeout -k 5 $((jit_warm + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${jit_warm}s" \
      ${header:+-H "$header"} "http://$HOST:$port$path" >/dev/null 2>&1 || true
  done
  # HTTP/3 last, nearest its rows (which come last too).
  for key in h3-100k h3-1k; do
    row_on "$key" && [ "${h3_ok[$who]:-0}" = 1 ] || continue
    timeout -k 5 $((jit_warm + 60)) "${h3load[@]}" --url "https://$HOST:$tls/${key#h3-}.html" \
      --connections "$H3_CONNECTIONS" --streams "$H3_STREAMS" --threads "$THREADS" --duration "${jit_warm}s" \
      >/dev/null 2>&1 || true
  done
}
if [ "$jit_warm" -gt 0 ]; then
  # The ceiling is a JVM too: the same warm-up on its rows, first, so that Carbon's still comes right before the
  # first row, as without the ceiling.
  if [ $use_ceiling = 1 ]; then
    say "JIT warm-up: ${jit_warm}s of each of its rows' load on the Netty ceiling"
    jit_warmup ceiling
  fi
  say "JIT warm-up: ${jit_warm}s of each row's load on Carbon"
  jit_warmup carbon
fi

est=10
for r in $tcp_rows $h3_rows; do
  row_on "$r" || continue
  n=$(wc -w <<<"$(row_servers "$r")")
  if [[ $r == h3-* ]]; then est=$((est + n * ROUNDS * (run_secs + h3_warm + 3))); else est=$((est + n * ROUNDS * (run_secs + warm))); fi
done
say "measuring, about ${est}s (DURATION=${secs}s in $ROUNDS runs per server, WARMUP=${warm}s); servers: $servers${ceiling_server:+ and the Netty ceiling}"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

measure 1k "wrk 1 KB, HTTP/1.1 keep-alive" wrk /1k.html
measure 100k "wrk 100 KB html, HTTP/1.1 keep-alive" wrk /100k.html
measure 1m "wrk 1 MiB, HTTP/1.1 keep-alive" wrk /1m.bin
measure gzip "wrk 100 KB html, Accept-Encoding: gzip" wrk /100k.html -H "Accept-Encoding: gzip"
measure br "wrk 100 KB html, Accept-Encoding: br" wrk /100k.html -H "Accept-Encoding: br"
measure br-static "wrk 100 KB html, its .br sidecar" wrk /100k-static.html -H "Accept-Encoding: br"
measure h2 "h2load 1 KB, h2 over TLS, -m $H2_STREAMS" h2load /1k.html
measure h2-100k "h2load 100 KB html, h2 over TLS, -m $H2_STREAMS" h2load /100k.html
measure h2c "h2load 1 KB, h2c (prior knowledge), -m $H2_STREAMS" h2c /1k.html
measure ab "ab 1 KB, a connection per request" ab /1k.html
measure tls "ab 1 KB over HTTPS, a TLS handshake per request" abtls /1k.html
measure h3-1k "H3Load 1 KB, HTTP/3, -m $H3_STREAMS" h3load /1k.html
measure h3-100k "H3Load 100 KB html, HTTP/3, -m $H3_STREAMS" h3load /100k.html

# After the load: each server's resident memory (nginx and h2o: all their processes) at once, and again once the
# servers had SETTLE to give back what the load's connections held (the JVM hands freed native memory back every
# 2 s; QUIC connections of the last row close), then the start times.
SETTLE=${SETTLE:-10}
declare -A rss_mib rss_settled
for server in $servers; do
  rss_mib[$server]=$(( $(rss_kb "$(pid_of "$server")") / 1024 ))
done
sleep "$SETTLE"
for server in $servers; do
  rss_settled[$server]=$(( $(rss_kb "$(pid_of "$server")") / 1024 ))
done
lowest() { # array-name -> the peer with the lowest value
  local -n values=$1; local s best=""
  for s in $servers; do
    [ "$s" = carbon ] && continue
    if [ -z "$best" ] || awk -v a="${values[$s]}" -v b="${values[$best]}" 'BEGIN { exit !(a < b) }'; then best=$s; fi
  done
  echo "$best"
}
limit_row() { # name array-name unit goal -> a row where lower is better and the goal (if any) is Carbon's own figure
  local -n values=$2; local best s cells=""
  best=$(lowest "$2")
  for s in carbon nginx h2o caddy; do
    if [[ " $servers " == *" $s "* ]]; then cells+=" ${values[$s]} |"; else cells+=" — |"; fi
  done
  local ratio mark
  ratio=$(awk -v c="${values[carbon]}" -v b="${values[$best]:-0}" 'BEGIN { if (b > 0) printf "%.2fx", c / b; else print "n/a" }')
  if [ -z "$4" ]; then mark=""
  elif awk -v c="${values[carbon]}" -v g="$4" 'BEGIN { exit !(c <= g) }'; then mark="✓ (goal ≤ $4 $3)"; else mark="✗ (goal ≤ $4 $3)"; misses=$((misses + 1)); fi
  local ceiling_fig="" ceiling_ratio="" # the ceiling has no memory or start figure
  [ $use_ceiling = 1 ] && ceiling_fig=" — |" ceiling_ratio=" — |"
  rows+=("| $1 |$cells$ceiling_fig ${ratio}${best:+ ($(label "$best"))} $mark |$ceiling_ratio")
}
limit_row "RSS right after the load, MiB" rss_mib MiB ""
limit_row "RSS ${SETTLE} s after the load, MiB" rss_settled MiB "$MAX_RSS_MIB"
limit_row "start to first response, s" first_response s "$MAX_FIRST_RESPONSE"

access_lines=$(wc -l <"$work/log/access.log" 2>/dev/null || echo 0)
# The bodies again, as the rows were served: Carbon makes a slow Brotli level in the background after the
# first request (a quicker level answers that one), so the probe before the runs saw the interim body.
probe_codings

# ---------------------------------------------------------------------------------------------------------
# The report: the same Markdown on stdout and in docs/benchmarks.md.
first_line() { timeout 30 "$@" 2>&1 | head -n 1 || true; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
carbon_version=$(timeout 30 "${carbon[@]}" -jar "$work/carbon.jar" --version 2>&1 | head -n 1 || true)
commit=$(timeout 10 git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(timeout 10 git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit, with uncommitted changes"
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
declare -A version
version[nginx]='' version[h2o]='' version[caddy]=''
[ $use_nginx = 1 ] && version[nginx]=$(first_line nginx -v | sed 's#.*: ##')
[ $use_h2o = 1 ] && version[h2o]=$(first_line h2o --version | sed 's/ version / /')
[ $use_caddy = 1 ] && version[caddy]="Caddy $(first_line caddy version | cut -d' ' -f1)"
peer_names=""
for s in $servers; do [ "$s" = carbon ] || peer_names+="${peer_names:+, }${version[$s]}"; done

report=$work/report.md
{
  echo "<!-- Generated by bench/compare.sh on $(date -u '+%Y-%m-%d %H:%M UTC'); the next run replaces everything up to bench:end. -->"
  echo "### $(date -u '+%Y-%m-%d') — ${carbon_version%% (*} against $peer_names"
  echo
  echo "- Machine: ${cpu:-unknown CPU}, $(nproc) cores, $ram RAM; ${os:-unknown OS}, kernel $(uname -r) ($(uname -m)); load average before the run: $load_before"
  echo "- Java: $(first_line java -version), options \`$CARBON_JAVA_OPTS\`$( [ -n "$CARBON_ENV" ] && echo ", environment \`$CARBON_ENV\`")"
  extra_note=""
  [ -z "$CARBON_EXTRA" ] || extra_note=", CARBON_EXTRA: \`$(printf '%s' "$CARBON_EXTRA" | tr '\n' ';')\`"
  echo "- Carbon: $carbon_version, commit $commit; access log on$( [ $use_h3 = 1 ] && echo ", \`enable_http3 = true\`")$extra_note"
  [ $use_nginx = 1 ] && echo "- nginx: ${version[nginx]}, \`$(basename "$NGINX_CONF")\` as is ($(awk '$1 == "worker_processes" { sub(/;/, "", $2); print $2 }' "$NGINX_CONF") workers, gzip and Brotli level 6 per request, sidecars, access log off)"
  [ $use_h2o = 1 ] && echo "- h2o: ${version[h2o]}, \`$(basename "$H2O_CONF")\` as is ($(awk '$1 == "num-threads:" { print $2 }' "$H2O_CONF") threads, gzip and Brotli per request, sidecars, no access log)"
  [ $use_caddy = 1 ] && echo "- Caddy: ${version[caddy]}, \`$(basename "$CADDY_CONF")\` as is (zstd and gzip per request, no Brotli encoder, sidecars, no access log; HTTP/3 by quic-go)$( [ $use_h3 = 1 ] && { [ -n "${caddy_udp_note:-}" ] && echo "; it logged: \"$caddy_udp_note\"" || echo "; no UDP buffer warning in its log"; })"
  echo "- Tools: $(first_line wrk -v | sed 's/ Copyright.*//'); $(first_line h2load --version); $(first_line ab -V | sed 's/^This is //')$( [ $use_h3 = 1 ] && echo "; bench/H3Load.java")"
  echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS -d${run_secs}s --latency\`, \`h2load -t$THREADS -c$CONNECTIONS -m$H2_STREAMS -D$run_secs$( [ "$warm" -gt 0 ] && echo " --warm-up-time=$warm")\`, \`ab -t $run_secs -n $AB_REQUESTS -c $AB_CONCURRENCY\` (no \`-k\`; over HTTPS every request is a new connection with a full TLS 1.3 handshake: ab keeps no sessions)$( [ $use_h3 = 1 ] && echo ", \`H3Load --connections $H3_CONNECTIONS --streams $H3_STREAMS --threads $THREADS --duration ${run_secs}s --warmup ${h3_warm}s\` (a new JVM per run)"); $ROUNDS runs per row and server taking turns (Carbon, nginx, h2o, Caddy$( [ $use_ceiling = 1 ] && echo ", the Netty ceiling"), then the other way round), the row showing their mean; $( [ "$warm" -gt 0 ] && echo "each wrk and h2load run follows ${warm}s of the same load on the same server" || echo "no warm-up")$( [ "$jit_warm" -gt 0 ] && echo "; before the first row, Carbon got ${jit_warm}s of every row's load$( [ $use_ceiling = 1 ] && echo ", and the Netty ceiling (a JVM too) the same on its rows") (JIT warm-up: a long-running server is measured in its steady state; the peers have nothing to warm)")."
  echo "- Goals: Carbon / best peer ≥ 1.0x on every load row (on the compressed rows Carbon must answer with the coding asked for, and a peer that answered with another coding is not compared), at most $MAX_RSS_MIB MiB resident after the load, and a first response within $MAX_FIRST_RESPONSE s of start. ✓ met, ✗ missed: $misses of $((measured + 2)) rows with a goal miss it."
  echo
  if [ $use_ceiling = 1 ]; then
    echo "| test | Carbon | nginx | h2o | Caddy | Netty ceiling | Carbon / best peer | Carbon / ceiling |"
    echo "|---|---|---|---|---|---|---|---|"
  else
    echo "| test | Carbon | nginx | h2o | Caddy | Carbon / best peer |"
    echo "|---|---|---|---|---|---|"
  fi
  printf '%s\n' "${rows[@]}"
  echo
  echo "- Load rows in requests/s. \"—\": the row does not compare that server (nginx's reference config has no h2c port; Debian's nginx and h2o have no HTTP/3$( [ $use_ceiling = 1 ] && echo "; the Netty ceiling has no compression, HTTP/3, memory or start figures")). A coding in brackets: that server answered with it instead of the one asked for, so it did other work and is not the best peer."
  [ $use_ceiling = 1 ] && echo "- Netty ceiling: the Java ceiling, \`../shared/bench/limit\` built as is (a bare server on Carbon's Netty and BoringSSL answering fixed in-memory bodies of the files' sizes: no files, logging or routing), with Carbon's JVM options less its class-data archive (\`$CEILING_JAVA_OPTS\`)$( [ -n "$CARBON_ENV" ] && echo " and environment"), the same certificate, turns and warm-ups; never a best peer, and not in the goals. Carbon / ceiling is the share of the bare Netty figure Carbon keeps (above 1.0x, Carbon does better than the bare server itself): the gap below 1.0x is Carbon's own cost (files, access log, routing, headers), while the gap between the ceiling and a peer (compare their columns) is Netty's and the JVM's, which Carbon cannot close by itself."
  echo "- Bodies of the 100 KB html page (102400 bytes) as served, in KB: $(for s in $servers; do printf '%s gzip %s, br %s; ' "$(label "$s")" "$(kb "${size_of[$s,/100k.html,gzip]}")" "$(kb "${size_of[$s,/100k.html,br]}") (${coding[$s,/100k.html,br]})"; done)the .br sidecar $(kb "$static_br_size") (brotli -q 11)."
  echo "- RSS: resident memory right after the last load row and again $SETTLE s later, when the load's connections are gone and the JVM has handed freed native memory back (nginx and h2o: all their processes added up); the goal applies to the second. Start to first response: from launching the server to its first 200 for /1k.html over HTTP/1.1, polled every 5 ms, each server started alone (Carbon: \`${CARBON_ENV:+$CARBON_ENV}java $CARBON_JAVA_OPTS -jar carbon.jar\`, its class-data archive written beforehand by \`--cds-training\` as the unit does)."
  echo
  echo "<details><summary>MB/s read by the tool (headers included; HTTP/3: bodies only) and p99 latency in ms (h2load: the mean time for request, which is all it reports)</summary>"
  echo
  if [ $use_ceiling = 1 ]; then
    echo "| test | MB/s Carbon | nginx | h2o | Caddy | Netty ceiling | p99 ms Carbon | nginx | h2o | Caddy | Netty ceiling |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
  else
    echo "| test | MB/s Carbon | nginx | h2o | Caddy | p99 ms Carbon | nginx | h2o | Caddy |"
    echo "|---|---|---|---|---|---|---|---|---|"
  fi
  printf '%s\n' "${details[@]}"
  echo
  echo "</details>"
  echo
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
