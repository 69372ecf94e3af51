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
  # host tools staged by --tools in the tests, and what their fixtures need
  strace tcpdump gdb curl bind9-dnsutils iproute2 lsof openssl musl-tools
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

# ctrdbg_daemon LOG COMMAND...: starts COMMAND in a session of its own, output to
# LOG, without the fds the caller happens to hold (a flock(1) lock, a pipe to
# ctest): a daemon would keep them open for its whole life.
ctrdbg_daemon() {
  local log=$1
  shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    setsid "$@" >"$log" 2>&1 &
  )
}

# Starts dockerd when no engine answers; waits until `docker info` works. Without
# systemd it is started as Debian's docker.service (and docker-ce's) starts it: on
# the system containerd, `dockerd --containerd=/run/containerd/containerd.sock`
# (containerd started first, as containerd.service would), so the tests see what
# real hosts have: the containers' bundles and init.pid under
# /run/containerd/io.containerd.runtime.v2.task/moby, not under dockerd's exec-root.
# Only where a dockerd ran its own containerd before (its state is in
# /run/docker/containerd/daemon) is it started bare again: the containers that one
# left running (live-restore) are known to that containerd alone. (A bare dockerd
# still takes the system containerd when one listens on that socket.)
ctrdbg_start_docker() {
  if timeout 5 docker info >/dev/null 2>&1; then return 0; fi
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker 2>/dev/null; then :; else
    local containerd_sock=/run/containerd/containerd.sock dockerd_args=()
    if [ ! -d /run/docker/containerd/daemon ] && command -v containerd >/dev/null 2>&1; then
      dockerd_args=(--containerd="$containerd_sock")
      if ! timeout 5 ctr -a "$containerd_sock" version >/dev/null 2>&1; then
        echo "setup: starting containerd" >&2
        # Its packaged defaults: /etc/containerd/config.toml, socket in /run/containerd,
        # state in /run/containerd, root /var/lib/containerd.
        ctrdbg_daemon /var/log/ctrdbg-containerd.log containerd
        local up=0
        for _ in $(seq 1 60); do
          timeout 5 ctr -a "$containerd_sock" version >/dev/null 2>&1 && { up=1; break; }
          sleep 0.5
        done
        if ((!up)); then
          echo "setup: containerd did not come up; see /var/log/ctrdbg-containerd.log" >&2
          return 1
        fi
      fi
    fi
    echo "setup: starting dockerd${dockerd_args[*]:+ ${dockerd_args[*]}}" >&2
    ctrdbg_daemon /var/log/ctrdbg-dockerd.log dockerd "${dockerd_args[@]}"
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
