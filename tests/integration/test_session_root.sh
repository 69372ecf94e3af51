#!/usr/bin/env bash
# The session root is the session's alone: the container's mount table, files and
# `docker diff` are untouched before, during and after a session, even when
# ctrdbg is killed; writes below the top level land in the container, a new
# top-level entry is refused.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
fixture_busybox_image
fixture_scratch_image
build_image ctrdbg-test/busybox-tmp <<'D'
FROM ctrdbg-test/busybox
RUN ["/bin/mkdir", "-p", "/tmp"]
CMD ["sleep", "100000"]
D

c=ctrdbg-root-$$
start_container "$c" ctrdbg-test/busybox-tmp -- sleep 100000 >/dev/null
wait_running "$c"
pid=$(container_pid "$c")

# Mounts that would betray a session: the toolset tmpfs (source "none") or .ctrdbg.
session_mounts() { grep -E '\.ctrdbg| - tmpfs none ' "$1" || true; }
host_before=$(session_mounts /proc/self/mountinfo)
cat "/proc/$pid/mountinfo" >"$TEST_TMP/mounts0"
[ -z "$(session_mounts "$TEST_TMP/mounts0")" ] || fail "fixture: the container already has session-like mounts"
diff0=$(docker diff "$c")

check_untouched() {  # WHEN
  diff -q "/proc/$pid/mountinfo" "$TEST_TMP/mounts0" >/dev/null ||
    fail "$1: the container's mount table changed: $(diff "$TEST_TMP/mounts0" "/proc/$pid/mountinfo")"
  assert_eq "$(session_mounts /proc/self/mountinfo)" "$host_before" "$1: host mounts of a session"
  assert_eq "$(docker diff "$c")" "$diff0" "$1: docker diff"
}

# ---- a short session that looks around ----
run_ctrdbg -T "$c" -- sh -c 'ls /.ctrdbg/bin >/dev/null && cat /etc/hostname /etc/hosts /bin/busybox >/dev/null && ls -a /' </dev/null
assert_status "$rc" 0 "a session that reads"
grep -qx .ctrdbg <<<"$out" && grep -qx bin <<<"$out" && grep -qx tmp <<<"$out" ||
  fail "ls -a / in the session: [$out]"
check_untouched "after a short session"
pass "short session leaves no trace"

# ---- during a long session ----
mkfifo "$TEST_TMP/fifo"
exec 7<>"$TEST_TMP/fifo"
"$CTRDBG" -T "$c" -- sh -c 'ls -a /; echo started; read x; echo "got $x"' \
  <"$TEST_TMP/fifo" >"$TEST_TMP/long.out" 2>"$TEST_TMP/long.err" &
session=$!
on_exit "kill -9 $session 2>/dev/null"
wait_for 10 grep -qx started "$TEST_TMP/long.out" || fail "the long session did not start: $(cat "$TEST_TMP/long.err")"
grep -qx .ctrdbg "$TEST_TMP/long.out" || fail "the session does not see /.ctrdbg: $(cat "$TEST_TMP/long.out")"
check_untouched "during a session"
seen=$(docker exec "$c" ls -a /) || fail "docker exec ls -a /"
grep -qx bin <<<"$seen" || fail "docker exec ls -a /: [$seen]"
grep -qx .ctrdbg <<<"$seen" && fail "the container sees /.ctrdbg during a session: [$seen]"
echo bye >&7
wait "$session" && rc=0 || rc=$?
exec 7>&-
err=$(cat "$TEST_TMP/long.err")
assert_status "$rc" 0 "long session"
grep -qx "got bye" "$TEST_TMP/long.out" || fail "long session output: $(cat "$TEST_TMP/long.out")"
check_untouched "after a long session"
pass "container sees nothing during and after a session"

# ---- writes ----
run_ctrdbg -T "$c" -- touch /newfile </dev/null
((rc != 0)) || fail "touch /newfile succeeded in the session"
assert_contains "$err" "Read-only file system" "touch /newfile error"
seen=$(docker exec "$c" ls -a /)
grep -qx newfile <<<"$seen" && fail "/newfile appeared in the container"
check_untouched "after touch /newfile"
token="written-$$-$RANDOM"
run_ctrdbg -T "$c" -- sh -c "echo $token >/tmp/f" </dev/null
assert_status "$rc" 0 "echo > /tmp/f"
assert_eq "$(docker exec "$c" cat /tmp/f)" "$token" "/tmp/f seen by docker exec"
assert_contains "$(docker diff "$c")" "A /tmp/f" "docker diff after writing /tmp/f"
pass "top level read-only, writes below it land in the container"

# ---- a --read-only container ----
ro=ctrdbg-root-ro-$$
start_container "$ro" ctrdbg-test/busybox --read-only -- sleep 100000 >/dev/null
wait_running "$ro"
ro_diff=$(docker diff "$ro")
run_ctrdbg -T "$ro" -- ls -a / </dev/null
assert_status "$rc" 0 "ls / in a --read-only container"
grep -qx bin <<<"$out" && grep -qx .ctrdbg <<<"$out" || fail "ls -a / in a --read-only container: [$out]"
run_ctrdbg -T "$ro" -- touch /bin/x </dev/null
((rc != 0)) || fail "touch /bin/x succeeded in a --read-only container"
assert_eq "$(docker diff "$ro")" "$ro_diff" "docker diff of the --read-only container"
assert_eq "$ro_diff" "" "docker diff of the --read-only container"
pass "--read-only container"

# ---- the scratch image ----
sc=ctrdbg-root-scratch-$$
start_container "$sc" ctrdbg-test/scratch >/dev/null
wait_running "$sc"
run_ctrdbg -T "$sc" -- ls -a / </dev/null
assert_status "$rc" 0 "ls -a / in the scratch image"
grep -qx service <<<"$out" && grep -qx .ctrdbg <<<"$out" || fail "ls -a / in the scratch image: [$out]"
pass "scratch image"

# ---- kill -9 of ctrdbg mid-session ----
"$CTRDBG" -T "$c" -- sleep 30 </dev/null >/dev/null 2>&1 &
session=$!
on_exit "kill -9 $session 2>/dev/null"
sleeping() { processes_in_pidns "$pid" | grep -E '^[0-9]+ sleep 30$'; }
wait_for 10 sleeping >/dev/null || fail "sleep 30 did not start in the container"
{ kill -9 "$session" && wait "$session"; } 2>/dev/null  # no "Killed" notice
wait_for 2 eval '! sleeping >/dev/null' || fail "after kill -9 of ctrdbg, still in the container: $(sleeping)"
top=$(docker top "$c" -o pid,args) || fail "docker top"
assert_not_contains "$top" "sleep 30" "docker top after kill -9 of ctrdbg"
check_untouched_after_kill() {
  diff -q "/proc/$pid/mountinfo" "$TEST_TMP/mounts0" >/dev/null ||
    fail "after kill -9: the container's mount table changed: $(diff "$TEST_TMP/mounts0" "/proc/$pid/mountinfo")"
  assert_eq "$(session_mounts /proc/self/mountinfo)" "$host_before" "after kill -9: host mounts of a session"
}
check_untouched_after_kill
pass "kill -9 of ctrdbg ends the session and leaves no mounts"
