#!/usr/bin/env bash
# Shared by every integration test: skip/fail policy, fixtures built FROM scratch
# (no registry is reachable), containers that are removed on exit, assertions.
set -uo pipefail

CTRDBG=${CTRDBG:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/ctrdbg}
CTRDBG_SOURCE_DIR=${CTRDBG_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
# Containers and temp dirs of this test carry this tag, so cleanup finds them.
TEST_TAG="ctrdbg-it-$$"
TEST_TMP=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
_cleanup_hooks=()

on_exit() { _cleanup_hooks+=("$1"); }
_run_cleanup() {
  local rc=$?
  for ((i = ${#_cleanup_hooks[@]} - 1; i >= 0; i--)); do eval "${_cleanup_hooks[i]}" || true; done
  docker ps -aq --filter "label=$TEST_TAG" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm -rf "$TEST_TMP"
  exit "$rc"
}
trap _run_cleanup EXIT

# A test that cannot run says why and exits 77 (CTest: skipped); with
# CTRDBG_MUST_WORK=1 (CI) a skip is a failure.
skip() {
  if [ "${CTRDBG_MUST_WORK:-0}" = 1 ]; then
    echo "FAIL (skip not allowed, CTRDBG_MUST_WORK=1): $*" >&2
    exit 1
  fi
  echo "SKIP: $*" >&2
  exit 77
}
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_docker() { timeout 10 docker info >/dev/null 2>&1 || skip "no Docker engine answers (start dockerd)"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }

assert_eq() { [ "$1" == "$2" ] || fail "${3:-values differ}: expected [$2], got [$1]"; }
assert_contains() { [[ "$1" == *"$2"* ]] || fail "${3:-output} does not contain [$2]: [$1]"; }
assert_not_contains() { [[ "$1" != *"$2"* ]] || fail "${3:-output} contains [$2]: [$1]"; }

# run_ctrdbg ARGS... : sets $out, $err, $rc (stdin from /dev/null unless redirected by caller)
run_ctrdbg() {
  out=$("$CTRDBG" "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
}

# ---- fixtures: images built FROM scratch, cached by tag ----
_build_image() {  # tag, context dir (with Dockerfile)
  DOCKER_BUILDKIT=0 docker build -q -t "$1" "$2" >/dev/null || fail "could not build image $1"
}

# ctrdbg-test/busybox: busybox-static with its applets, a shell for docker exec/nsenter comparisons.
fixture_busybox_image() {
  docker image inspect ctrdbg-test/busybox >/dev/null 2>&1 && return 0
  local ctx="$TEST_TMP/img-busybox"
  mkdir -p "$ctx" && cp /bin/busybox "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'D'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
CMD ["/bin/sleep", "infinity"]
D
  _build_image ctrdbg-test/busybox "$ctx"
}

# ctrdbg-test/scratch: one static binary and nothing else (no shell, no libc, no /etc).
fixture_scratch_image() {
  docker image inspect ctrdbg-test/scratch >/dev/null 2>&1 && return 0
  local ctx="$TEST_TMP/img-scratch"
  mkdir -p "$ctx"
  cat >"$ctx/service.c" <<'C'
#include <signal.h>
#include <unistd.h>
static void bye(int s) { (void)s; _exit(0); }
int main(void) { signal(SIGTERM, bye); for (;;) pause(); }
C
  cc -static -O2 -o "$ctx/service" "$ctx/service.c" || fail "cannot compile the scratch fixture"
  printf 'FROM scratch\nCOPY service /service\nENTRYPOINT ["/service"]\n' >"$ctx/Dockerfile"
  _build_image ctrdbg-test/scratch "$ctx"
}

# start_container NAME IMAGE [docker run args...] [-- CMD...]: runs detached, labelled
# for cleanup; echoes the full ID.
start_container() {
  local name=$1 image=$2
  shift 2
  local args=() cmd=()
  while (($#)); do
    if [ "$1" = -- ]; then shift; cmd=("$@"); break; fi
    args+=("$1"); shift
  done
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --label "$TEST_TAG" "${args[@]}" "$image" "${cmd[@]}" ||
    fail "could not start container $name"
}

container_pid() { docker inspect -f '{{.State.Pid}}' "$1"; }

# ---- generic helpers ----

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; returns 1 if it
# has not within SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# assert_status ACTUAL EXPECTED [WHAT]: exit statuses, with stderr ($err) in the message.
assert_status() {
  [ "$1" = "$2" ] || fail "${3:-exit status}: expected $2, got $1 (stderr: [${err:-}])"
}

# assert_ctrdbg_error [SUBSTRING...]: after run_ctrdbg, ctrdbg failed the documented
# way: exit 125, nothing on stdout, exactly one stderr line "ctrdbg: error: ...",
# containing every SUBSTRING given.
assert_ctrdbg_error() {
  assert_status "$rc" 125 "ctrdbg's own failure"
  assert_eq "$out" "" "stdout on error"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "expected one stderr line, got: [$err]"
  [[ "$err" == "ctrdbg: error: "* ]] || fail "stderr does not start with 'ctrdbg: error: ': [$err]"
  local s
  for s in "$@"; do assert_contains "$err" "$s" "error message"; done
}

# build_image TAG [FILE...]: builds TAG from the Dockerfile on stdin, with FILEs
# copied into the build context.
build_image() {
  local tag=$1 ctx
  shift
  ctx=$(mktemp -d "$TEST_TMP/img.XXXXXX")
  (($#)) && { cp -- "$@" "$ctx/" || fail "cannot copy $* into the build context"; }
  cat >"$ctx/Dockerfile"
  _build_image "$tag" "$ctx"
}

# wait_running NAME: until docker reports the container running (start is async for some engines).
wait_running() {
  wait_for 10 test "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ||
    fail "container $1 is not running"
}

# processes_in_pidns PID: "HOSTPID ARGS" of every process in PID's PID namespace
# (e.g. a container's init), read from the host's /proc.
processes_in_pidns() {
  local ns p cmd
  ns=$(readlink "/proc/$1/ns/pid") || return 1
  ns=${ns//[/\\[} && ns=${ns//]/\\]}  # a find pattern: pid:[N] is no bracket expression
  for p in $(find /proc/[0-9]*/ns/pid -maxdepth 0 -lname "$ns" 2>/dev/null); do
    p=${p%/ns/pid}
    cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
    echo "${p#/proc/} ${cmd% }"
  done
}

# ctrdbg_pids PATTERN: pids of running processes of the ctrdbg binary under test
# ($CTRDBG: ctrdbg itself, its helper, a command not yet exec'd) whose command
# line matches PATTERN (pgrep -f). Other programs naming the same words (tmux
# send-keys, timeout, a shell) are left out by their executable: $CTRDBG itself, or
# the read-only image of it a session runs from (src/sealed_exec.cpp), whose exe link
# is /NAME in a mount attached nowhere.
ctrdbg_pids() {
  local exe p link
  exe=$(readlink -f "$CTRDBG")
  for p in $(pgrep -f -- "$1"); do
    link=$(readlink "/proc/$p/exe" 2>/dev/null)
    [ "$link" = "$exe" ] || [ "$link" = "/${exe##*/}" ] && echo "$p"
  done
  return 0
}

# ctrdbg_main_pid PATTERN: of those, the ctrdbg process itself, not its helper
# (a fork with the same command line, whose parent is ctrdbg).
ctrdbg_main_pid() {
  local pids p ppid
  pids=$(ctrdbg_pids "$1")
  for p in $pids; do
    ppid=$(ps -o ppid= -p "$p" | tr -d ' ')
    grep -qx -- "$ppid" <<<"$pids" || echo "$p"
  done
}

# host_ctrdbg_mounts [PID]: lines of the mount table of PID's mount namespace (default:
# ours, the host's) that look like a session's: a mount at or under /.ctrdbg, a
# mount of a /.ctrdbg path, or a tmpfs as the root. A session must leave none
# behind: its mounts live in a private namespace. (Not a plain grep for
# "ctrdbg": other engines' state dirs on a test machine may carry the word.)
host_ctrdbg_mounts() {
  awk '{
    for (i = 7; i <= NF && $i != "-"; i++) {}
    fstype = $(i + 1)
    if ($5 ~ /\/\.ctrdbg(\/|$)/ || $4 ~ /\/\.ctrdbg(\/|$)/ || ($5 == "/" && fstype == "tmpfs")) print
  }' "/proc/${1:-self}/mountinfo" 2>/dev/null || true
}

# need_ctrdbg_binary: the binary under test exists (a missing build is a failure,
# not a skip: every ctrdbg call would otherwise fail with a confusing 127).
need_ctrdbg_binary() { [ -x "$CTRDBG" ] || fail "no ctrdbg binary at $CTRDBG (build it, or set CTRDBG)"; }
