#!/usr/bin/env bash
# TARGET resolution through the Docker Engine API: name, full ID, unique prefix,
# and every way it can fail (exit 125, one "ctrdbg: error:" line).
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd python3
fixture_busybox_image

name_a=ctrdbg-res-a-$$
name_b=ctrdbg-res-b-$$
id_a=$(start_container "$name_a" ctrdbg-test/busybox -- sleep 100000)
id_b=$(start_container "$name_b" ctrdbg-test/busybox -- sleep 100000)
host_a=$(docker inspect -f '{{.Config.Hostname}}' "$id_a")
host_b=$(docker inspect -f '{{.Config.Hostname}}' "$id_b")
[ -n "$host_a" ] && [ "$host_a" != "$host_b" ] || fail "fixture: hostnames [$host_a] [$host_b] should differ"

# shortest prefix of $1 that no other container ID (running or not) starts with
unique_prefix() {
  local id=$1 all n p
  all=$(docker ps -aq --no-trunc)
  for ((n = 1; n <= 64; n++)); do
    p=${id:0:n}
    [ "$(grep -c "^$p" <<<"$all")" = 1 ] && { echo "$p"; return; }
  done
}

for pair in "$name_a:$host_a" "$id_a:$host_a" "$name_b:$host_b" "$id_b:$host_b" \
            "$(unique_prefix "$id_a"):$host_a" "$(unique_prefix "$id_b"):$host_b" \
            "${id_b:0:12}:$host_b"; do
  ref=${pair%%:*} want=${pair#*:}
  run_ctrdbg -T "$ref" -- cat /etc/hostname
  assert_status "$rc" 0 "ctrdbg $ref"
  assert_eq "$out" "$want" "hostname seen through '$ref'"
done
pass "by name, full ID, unique prefix"

run_ctrdbg -T "no-such-container-$$" -- true
assert_ctrdbg_error "no-such-container-$$"
pass "not found names the target"

# Ambiguous: create containers until two of ours share their first hex digit, and a
# digit 1-9 at that: a bare number that is also a live PID on the host ("8"), which
# must still be the ambiguity error and never a session in PID 8.
declare -A by_first=()
prefix=""
for ((i = 0; i < 80 && ${#prefix} == 0; i++)); do
  id=$(docker create --label "$TEST_TAG" ctrdbg-test/busybox sleep 1) || fail "docker create"
  c=${id:0:1}
  [[ "$c" == [1-9] ]] && [ -d "/proc/$c" ] || continue
  if [ -n "${by_first[$c]:-}" ]; then prefix=$c; other=${by_first[$c]}; else by_first[$c]=$id; fi
done
[ -n "$prefix" ] || fail "no two containers shared a first digit that is a live PID"
run_ctrdbg -T "$prefix" -- true
assert_ctrdbg_error "ambiguous" "${id:0:12}" "${other:0:12}"
listed=$(grep -oE '\b[0-9a-f]{12}\b' <<<"$err" | sort -u | wc -l)
((listed >= 2)) || fail "ambiguous prefix '$prefix': fewer than 2 IDs listed: [$err]"
# The engine's "Multiple IDs found" is its answer, not a failure to answer: the
# API alone must say so too.
run_ctrdbg --engine api -T "$prefix" -- true
assert_ctrdbg_error "ambiguous" "${id:0:12}" "${other:0:12}"
pass "ambiguous prefix '$prefix' lists $listed IDs"

# Stopped: never started, and exited.
created=$(docker create --label "$TEST_TAG" --name "ctrdbg-res-created-$$" ctrdbg-test/busybox sleep 1)
run_ctrdbg -T "ctrdbg-res-created-$$" -- true
assert_ctrdbg_error "not running"
start_container "ctrdbg-res-exited-$$" ctrdbg-test/busybox -- true >/dev/null
wait_for 10 test "$(docker inspect -f '{{.State.Status}}' "ctrdbg-res-exited-$$")" = exited || fail "container did not exit"
run_ctrdbg -T "ctrdbg-res-exited-$$" -- true
assert_ctrdbg_error "not running" "exited"
pass "stopped container"

name_p=$name_b
docker pause "$name_p" >/dev/null || fail "docker pause"
on_exit "docker unpause $name_p >/dev/null 2>&1"
run_ctrdbg -T "$name_p" -- true
assert_ctrdbg_error "paused"
docker unpause "$name_p" >/dev/null
run_ctrdbg -T "$name_p" -- cat /etc/hostname
assert_status "$rc" 0 "after unpause"
assert_eq "$out" "$host_b" "hostname after unpause"
pass "paused container"

# Engine unreachable. --engine api: that is the end of it; by default ctrdbg
# falls back to Docker's on-disk state and still gets in.
out=$(DOCKER_HOST=unix:///nonexistent.sock "$CTRDBG" --engine api -T "$name_a" -- true 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_ctrdbg_error "/nonexistent.sock"
out=$(DOCKER_HOST=unix:///nonexistent.sock "$CTRDBG" -T "no-such-container-$$" -- true 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_ctrdbg_error "no-such-container-$$"
out=$(DOCKER_HOST=unix:///nonexistent.sock "$CTRDBG" -T "$name_a" -- cat /etc/hostname 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "engine unreachable, fallback to disk"
assert_eq "$out" "$host_a" "hostname through the on-disk fallback"
pass "engine unreachable"

# A hung engine: accepts connections and never answers ("silent"), or answers
# /_ping and then hangs ("stall"). ctrdbg must give up at its deadline.
fake_engine() {  # MODE SOCKET
  python3 - "$1" "$2" <<'PY' &
import socket, sys, threading, time
mode, path = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(16)
def serve(c):
    buf = b""
    while True:
        d = c.recv(4096)
        if not d:
            return
        buf += d
        while b"\r\n\r\n" in buf:
            req, buf = buf.split(b"\r\n\r\n", 1)
            if mode == "stall" and b" /_ping " in req:
                c.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
                          b"Content-Length: 2\r\n\r\nOK")
            # anything else: no answer, ever
conns = []
while True:
    c, _ = srv.accept()
    conns.append(c)
    if mode == "stall":
        threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
  local pid=$!
  on_exit "kill $pid 2>/dev/null"
  wait_for 10 test -S "$2" || fail "fake engine did not start"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
timed_ctrdbg() {  # SOCKET ARGS...: sets out err rc elapsed (ms)
  local sock=$1 t0
  shift
  t0=$(now_ms)
  out=$(DOCKER_HOST=unix://$sock timeout 20 "$CTRDBG" "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  elapsed=$(($(now_ms) - t0))
  err=$(cat "$TEST_TMP/stderr")
}

for mode in silent stall; do
  sock=$TEST_TMP/$mode.sock
  fake_engine "$mode" "$sock"
  timed_ctrdbg "$sock" --engine api --timeout 300ms -T "$name_a" -- true
  assert_ctrdbg_error "$sock"
  ((elapsed >= 200 && elapsed < 3000)) || fail "$mode engine, --timeout 300ms: gave up after ${elapsed} ms"
  pass "$mode engine, --engine api: --timeout 300ms gave up after ${elapsed} ms: $err"
  # By default: the deadline passes, then the on-disk state gets us in.
  timed_ctrdbg "$sock" --timeout 300ms -T "$name_a" -- cat /etc/hostname
  assert_status "$rc" 0 "$mode engine, fallback to disk"
  assert_eq "$out" "$host_a" "hostname through the on-disk fallback"
  ((elapsed < 3000)) || fail "$mode engine, --timeout 300ms: entered after ${elapsed} ms"
  pass "$mode engine: entered from disk after ${elapsed} ms"
done
# The documented default deadline is 1 s.
timed_ctrdbg "$TEST_TMP/silent.sock" --engine api -T "$name_a" -- true
assert_ctrdbg_error
((elapsed >= 700 && elapsed < 5000)) || fail "silent engine, default timeout: gave up after ${elapsed} ms"
pass "silent engine: default deadline gave up after ${elapsed} ms"
