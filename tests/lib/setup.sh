#!/usr/bin/env bash
# Everything a fresh Debian machine needs to build ctrdbg and run it against real
# containers: build tools and libraries, Docker, busybox-static, test tools.
# Idempotent; sourced by tests/check and tests/demo. Needs root.
set -euo pipefail

ctrdbg_packages=(
  build-essential cmake pkg-config
  libseccomp-dev liburing-dev libfmt-dev libcxxopts-dev nlohmann-json3-dev doctest-dev
  docker.io podman busybox-static bash-static
  tmux bsdutils util-linux procps hyperfine time
  groff-base man-db zsh bash-completion systemd python3
)

ctrdbg_install_packages() {
  local missing=()
  for p in "${ctrdbg_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Starts dockerd when no engine answers; waits until `docker info` works.
ctrdbg_start_docker() {
  if timeout 5 docker info >/dev/null 2>&1; then return 0; fi
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker 2>/dev/null; then :; else
    echo "setup: starting dockerd" >&2
    # Without fds the caller happens to hold (a flock(1) lock, a pipe to ctest):
    # dockerd would keep them open for its whole life.
    (
      for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
      done
      setsid dockerd >/var/log/ctrdbg-dockerd.log 2>&1 &
    )
  fi
  for _ in $(seq 1 60); do
    timeout 5 docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "setup: dockerd did not come up; see /var/log/ctrdbg-dockerd.log" >&2
  return 1
}

# Configures and builds into $1 (default: build/ at the top of the tree).
ctrdbg_build() {
  local top build
  top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  build=${1:-$top/build}
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CTRDBG_CMAKE_ARGS:-} >/dev/null
  cmake --build "$build" -j"$(nproc)"
}
