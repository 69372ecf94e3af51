#!/usr/bin/env bash
# The README's first command, `sudo tests/demo`: with no TARGET it builds a demo image
# (one static binary FROM scratch, no shell), starts a container of it and opens a
# session there. Driven here without a terminal (the shell's input from a pipe), with
# the ctrdbg under test, from a clean state (no demo image, no demo container), and
# again once both exist.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_ctrdbg_binary

demo=$CTRDBG_SOURCE_DIR/tests/demo
docker rm -f ctrdbg-demo >/dev/null 2>&1 || true
docker rmi -f ctrdbg-demo >/dev/null 2>&1 || true
on_exit "docker rm -f ctrdbg-demo >/dev/null 2>&1"

for run in "first (image and container made)" "second (both exist)"; do
  out=$(printf 'ls /\necho "pid1=$(tr "\\0" " " </proc/1/cmdline)"\n' | "$demo" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
  assert_status "$rc" 0 "tests/demo, $run run"
  assert_contains "$out" "demo-service" "ls / in the demo container ($run run)"
  assert_contains "$out" "pid1=/demo-service " "the demo container's PID 1 ($run run)"
  assert_contains "$err" "docker rm -f ctrdbg-demo" "tests/demo says how to remove its container"
  [ "$(docker container inspect -f '{{.State.Running}}' ctrdbg-demo)" = true ] ||
    fail "the demo container is not running after the $run run"
  pass "tests/demo, $run run: a session in the demo container (no shell of its own)"
done

# With a TARGET, the arguments go to ctrdbg as they are.
out=$("$demo" -T ctrdbg-demo -- cat /proc/1/cmdline </dev/null 2>"$TEST_TMP/stderr" | tr '\0' ' ') && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "tests/demo -T ctrdbg-demo -- cat /proc/1/cmdline"
assert_eq "$out" "/demo-service " "tests/demo with ctrdbg arguments"
pass "tests/demo TARGET -- COMMAND passes its arguments to ctrdbg"
