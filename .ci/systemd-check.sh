#!/usr/bin/env bash
# Checks carbon.service the way systemd reads it, without installing or starting anything:
#   1. systemd-analyze verify: syntax, known keys and values, and that ExecStart/ExecStartPre/ExecReload
#      binaries exist (/usr/bin/java, /bin/kill). /opt/carbon/carbon.jar is only an argument, and verify
#      does not look up User=carbon, so neither has to exist here.
#   2. systemd-analyze security --offline=yes (systemd 252+): the exposure score of the hardening, which must
#      stay at or below MAX_EXPOSURE (0.0 best, 10.0 worst; the shipped unit scores 1.4).
# Runs as root on a fresh Debian machine (installs systemd when systemd-analyze is missing): bash .ci/systemd-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}

if ! command -v systemd-analyze >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq systemd >/dev/null
fi
systemd-analyze --version | head -1

# A copy in a directory of its own: verify also loads the units next to the one it checks, and the
# repository holds nothing else that systemd should parse.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp carbon.service "$work/"
cd "$work"

# verify exits non-zero for errors (a missing binary, a bad dependency) but only warns, with status 0, about
# an unknown key or a value it cannot parse, and ignores that setting: the unit would then run without the
# protection it asks for. So every line naming carbon.service fails the check. Lines about other units
# (the machine's own, pulled in through After=/Wants=) are not the unit's business: shown, not fatal.
status=0
out=$(systemd-analyze verify ./carbon.service 2>&1) || status=$?
[ -z "$out" ] || printf '%s\n' "$out"
if [ "$status" -ne 0 ] || grep -q 'carbon\.service' <<<"$out"; then
  echo "systemd-analyze verify: carbon.service has problems (exit status $status)" >&2
  exit 1
fi
echo "systemd-analyze verify: carbon.service OK"

if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
  report=$(systemd-analyze security --offline=yes --no-pager ./carbon.service 2>&1) || true
  grep '✗' <<<"$report" || true
  exposure=$(grep -o 'Overall exposure level for carbon.service: [0-9.]*' <<<"$report" | awk '{print $NF}')
  if [ -z "$exposure" ]; then
    printf '%s\n' "$report" >&2
    echo "systemd-analyze security printed no exposure level" >&2
    exit 1
  fi
  echo "systemd-analyze security: exposure $exposure (at most $MAX_EXPOSURE allowed)"
  if awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e > m) }'; then
    echo "carbon.service lost some of its hardening: exposure $exposure > $MAX_EXPOSURE" >&2
    exit 1
  fi
else
  echo "systemd-analyze security --offline needs systemd 252 or later; skipped"
fi
