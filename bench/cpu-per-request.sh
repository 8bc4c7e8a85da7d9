#!/usr/bin/env bash
# Server CPU time per request: runs a load command and divides the CPU time the server's processes used
# meanwhile (user + system, every thread, from /proc) by the requests the command reports. On a shared host
# whose speed drifts by ±20% over minutes, this moves far less than requests/s: use it to compare two builds
# (or Carbon and nginx) in runs that take turns, e.g.
#
#   bench/cpu-per-request.sh "$(pgrep -f carbon.jar)" wrk -t2 -c50 -d5s http://127.0.0.1:8080/1k.html
#   bench/cpu-per-request.sh "$(pgrep nginx | tr '\n' ' ')" ab -q -t 5 -n 1000000 -c 50 http://127.0.0.1:28080/1k.html
#
# Prints the tool's requests/s, the server's CPU (cores busy) and its CPU µs per request. Understands wrk,
# ab and h2load output. The load generator shares the machine: compare like with like.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
pids=$1; shift
for pid in $pids; do [ -d "/proc/$pid" ] || { echo "cpu-per-request.sh: no process $pid" >&2; exit 2; }; done

ticks() { # user + system clock ticks of every thread of the given processes
  local pid total=0
  for pid in $pids; do
    total=$((total + $(cat /proc/"$pid"/task/*/stat 2>/dev/null | awk '{ s += $14 + $15 } END { print s + 0 }')))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
before=$(ticks); start=$(date +%s.%N)
output=$("$@" 2>&1)
after=$(ticks); end=$(date +%s.%N)
rps=$(printf '%s\n' "$output" | awk '
  /^Requests\/sec:/ { print $2; exit }                 # wrk
  /^Requests per second:/ { print $4; exit }           # ab
  /^finished in/ { print $4; exit }                    # h2load')
[ -n "$rps" ] || { printf '%s\n' "$output" >&2; echo "cpu-per-request.sh: no requests/s in the output above" >&2; exit 1; }
awk -v a="$before" -v b="$after" -v hz="$hz" -v t0="$start" -v t1="$end" -v rps="$rps" 'BEGIN {
  cpu = (b - a) / hz; wall = t1 - t0
  printf "%.0f req/s; server CPU %.2f s in %.1f s (%.2f cores); %.1f us per request\n", rps, cpu, wall, cpu / wall,
    cpu * 1e6 / (rps * wall) }'
