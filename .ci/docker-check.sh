#!/usr/bin/env bash
# Checks the container files without a Docker engine: validates docker-compose.yml, then tries to build the
# image with podman (or buildah) and, if that works, runs it the way docker-compose.yml does and fetches a
# page. Where the machine cannot build images (no registry to pull the base images from, no user namespaces
# or overlay mounts for the build), it says why and skips that part instead of failing.
# Runs as root on Debian: bash .ci/docker-check.sh   (DOCKER_CHECK_BUILD=0 skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."

install_missing() {
  local need=("$@")
  [ ${#need[@]} -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "docker-check: missing ${need[*]} and cannot apt-get install them (not root on Debian)" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
}

# 1. docker-compose.yml: Docker's compose plugin when it works, else Debian's docker-compose.
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  command -v docker-compose >/dev/null || install_missing docker-compose
  compose=(docker-compose)
fi
"${compose[@]}" -f docker-compose.yml config -q
echo "docker-check: docker-compose.yml is valid (${compose[*]} config -q)"

# 2. Build the image, if this machine can.
if [ "${DOCKER_CHECK_BUILD:-1}" = 0 ]; then
  echo "docker-check: SKIP image build (DOCKER_CHECK_BUILD=0)"
  exit 0
fi
if ! command -v podman >/dev/null && ! command -v buildah >/dev/null; then
  install_missing podman || { echo "docker-check: SKIP image build: neither podman nor buildah is available"; exit 0; }
fi
if command -v podman >/dev/null; then build=(podman build); else build=(buildah bud); fi

# Failures of the machine rather than of the Dockerfile: the base images cannot be pulled (Docker Hub not
# reachable), or the kernel or sandbox refuses what a build needs (user namespaces, overlay, mounts).
environment_problem='pinging container registry|initializing source docker://|no such host|dial tcp|i/o timeout|TLS handshake timeout|connection refused|toomanyrequests|newuidmap|user namespace|overlay.*not supported|operation not permitted|cannot clone|unshare'

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${build[@]}" -t carbon:latest . >"$log" 2>&1; then
  if grep -Eqi "$environment_problem" "$log"; then
    echo "docker-check: SKIP image build: this machine cannot build images with ${build[*]}:"
    grep -Ei "$environment_problem" "$log" | tail -3 | sed 's/^/  /'
    exit 0
  fi
  cat "$log" >&2
  echo "docker-check: ${build[*]} failed" >&2
  exit 1
fi
tail -3 "$log"
echo "docker-check: image carbon:latest built with ${build[*]}"

# 3. Run it as docker-compose.yml does and fetch the landing page; SIGTERM must end it with status 0.
command -v podman >/dev/null || { echo "docker-check: SKIP run: podman is needed to run the image"; exit 0; }
command -v curl >/dev/null || install_missing curl
name=carbon-docker-check
podman rm -f "$name" >/dev/null 2>&1 || true
if ! podman run -d --name "$name" --read-only --tmpfs /tmp:exec,mode=1777,size=256m --cap-drop ALL \
      --security-opt no-new-privileges --ulimit nofile=65536:65536 --pids-limit 1024 --memory 2g \
      -p 127.0.0.1:18080:8080 carbon:latest >"$log" 2>&1; then
  if grep -Eqi "$environment_problem|OCI runtime|cgroup" "$log"; then
    echo "docker-check: SKIP run: podman cannot start containers here:"; tail -3 "$log" | sed 's/^/  /'
    exit 0
  fi
  cat "$log" >&2; exit 1
fi
trap 'rm -f "$log"; podman rm -f "$name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null http://127.0.0.1:18080/ 2>/dev/null && break
  sleep 0.2
done
if ! curl -fsS -o /dev/null http://127.0.0.1:18080/; then
  podman logs "$name" >&2; echo "docker-check: the container does not serve http://127.0.0.1:18080/" >&2; exit 1
fi
podman logs "$name" 2>&1 | grep -q "transport epoll" \
  || { podman logs "$name" >&2; echo "docker-check: epoll did not load (is /tmp mounted exec?)" >&2; exit 1; }
# The healthcheck needs the admin listener (admin_port); require it once the config knows that key.
if grep -q '"admin_port"' src/main/java/io/carbon/config/ConfigKeys.java; then
  podman healthcheck run "$name" || { podman logs "$name" >&2; echo "docker-check: unhealthy" >&2; exit 1; }
fi
podman stop -t 15 "$name" >/dev/null
status=$(podman inspect --format '{{.State.ExitCode}}' "$name")
[ "$status" = 0 ] || { podman logs "$name" >&2; echo "docker-check: exit status $status after SIGTERM" >&2; exit 1; }
echo "docker-check: container served the landing page and stopped cleanly on SIGTERM"
