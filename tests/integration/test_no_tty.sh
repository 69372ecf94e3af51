#!/usr/bin/env bash
# -T / no terminal: the command gets ctrdbg's own stdin, stdout and stderr, byte
# for byte, and nothing else.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
fixture_busybox_image
c=ctrdbg-notty-$$
start_container "$c" ctrdbg-test/busybox -- sleep 100000 >/dev/null
wait_running "$c"

# 4 MiB of random bytes through cat: from a file, and from a pipe into a pipe.
head -c $((4 << 20)) /dev/urandom >"$TEST_TMP/in"
"$CTRDBG" -T "$c" -- cat <"$TEST_TMP/in" >"$TEST_TMP/out" 2>"$TEST_TMP/stderr" && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "cat of 4 MiB"
cmp "$TEST_TMP/in" "$TEST_TMP/out" || fail "4 MiB through cat (file to file) differ"
cat "$TEST_TMP/in" | "$CTRDBG" -T "$c" -- cat 2>"$TEST_TMP/stderr" | cat >"$TEST_TMP/out2"
assert_eq "${PIPESTATUS[*]}" "0 0 0" "pipe | ctrdbg cat | pipe"
cmp "$TEST_TMP/in" "$TEST_TMP/out2" || fail "4 MiB through cat (pipe to pipe) differ"
pass "4 MiB byte-identical"

run_ctrdbg -T "$c" -- sh -c 'echo out; echo err >&2; echo out2' </dev/null
assert_status "$rc" 0 "echo out/err"
assert_eq "$out" $'out\nout2' "stdout"
assert_eq "$err" "err" "stderr"
pass "stdout and stderr separate"

# EOF on stdin ends cat (and the session) at once.
out=$(printf 'abc\ndef' | timeout 10 "$CTRDBG" -T "$c" -- cat 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "cat until EOF"
assert_eq "$out" $'abc\ndef' "cat until EOF"
# stdin closed altogether: the command reads EOF (not ctrdbg's sockets).
out=$(timeout 10 "$CTRDBG" -T "$c" -- cat <&- 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "cat with stdin closed"
assert_eq "$out" "" "cat with stdin closed"
pass "EOF on stdin"

# No -T, stdin not a terminal: a script on stdin.
out=$(echo 'ls /' | timeout 10 "$CTRDBG" "$c" sh 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "echo 'ls /' | ctrdbg C sh"
grep -qx bin <<<"$out" && grep -qx proc <<<"$out" || fail "ls / via sh on stdin: [$out]"
pass "script on stdin"

# A reader that goes away: the command gets SIGPIPE from its own stdout.
timeout 10 "$CTRDBG" -T "$c" -- yes 2>/dev/null | head -n 1 >/dev/null
st=("${PIPESTATUS[@]}")
assert_status "${st[0]}" 141 "yes | head -1 (128+SIGPIPE)"
pass "SIGPIPE"

# Exactly fds 0 1 2, and they are ctrdbg's own: same files as on the host. (ls
# runs in a subshell, another process than the shell it lists: busybox sh runs a
# lone ls in-process, and its directory fd would show up.)
run_ctrdbg -T "$c" -- sh -c '(ls /proc/$$/fd); true' </dev/null
assert_status "$rc" 0 "ls /proc/\$\$/fd"
assert_eq "$(tr '\n' ' ' <<<"$out")" "0 1 2 " "open fds of the command"
: >"$TEST_TMP/o" && : >"$TEST_TMP/e"
"$CTRDBG" -T "$c" -- stat -L -c '%d:%i' /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 \
  <"$TEST_TMP/in" >"$TEST_TMP/o" 2>"$TEST_TMP/e" || fail "stat of fds: $(cat "$TEST_TMP/e")"
want=$(stat -c '%d:%i' "$TEST_TMP/in" "$TEST_TMP/o" "$TEST_TMP/e")
assert_eq "$(cat "$TEST_TMP/o")" "$want" "files behind fds 0 1 2 (device:inode)"
pass "fds 0 1 2 are ctrdbg's"

# The cwd is inside the container, whatever ctrdbg's own cwd on the host.
out=$(cd "$TEST_TMP" && "$CTRDBG" -T "$c" -- sh -c 'readlink /proc/$$/cwd; ls' </dev/null 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "cwd"
assert_eq "$(head -n 1 <<<"$out")" / "readlink /proc/\$\$/cwd"
grep -qx in <<<"$out" && fail "the command's cwd lists the host's $TEST_TMP: [$out]"
grep -qx bin <<<"$out" || fail "the command's cwd is not the container's /: [$out]"
run_ctrdbg -T -w /etc "$c" -- readlink /proc/self/cwd </dev/null
assert_eq "$out" /etc "readlink /proc/self/cwd with -w /etc"
pass "cwd inside the container"
