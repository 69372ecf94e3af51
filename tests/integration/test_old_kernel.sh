#!/usr/bin/env bash
# The fallbacks for older kernels, exercised on this one: the enosys test tool
# makes chosen system calls fail as they would before they existed (seccomp).
#   pidfd_open, pidfd_send_signal  (< 5.3): /proc/PID start-time check, per-namespace setns
#   close_range                     (< 5.9/5.11): fds marked close-on-exec at start-up
#   (TIOCGPTPEER, 4.13, and devpts instances, 4.7, are older than the new mount API
#   ctrdbg needs, 5.2: the session's pty has no fallback to test)
#   fsopen / open_tree              (< 5.2): refused, naming the step
#   io_uring_setup                  (< 5.19, or turned off): --list reads file by file
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
[ -x "${CTRDBG_ENOSYS:-}" ] || skip "the enosys test tool is not built (CTRDBG_ENOSYS)"
need_cmd script

fixture_busybox_image
name="$TEST_TAG-old"
start_container "$name" ctrdbg-test/busybox >/dev/null
pid=$(container_pid "$name")
old=("$CTRDBG_ENOSYS" pidfd_open pidfd_send_signal close_range --)

# Enter with every fallback at once; compare namespaces with the target's (mnt
# differs by design: the session has a private copy of the container's).
out=$("${old[@]}" "$CTRDBG" -v -T "$name" -- sh -c \
  'for n in ipc uts net pid; do readlink /proc/self/ns/$n; done; ls /proc/self/fd' \
  2>"$TEST_TMP/err" 5</dev/null 7>"$TEST_TMP/leak") || fail "ctrdbg failed under the fallbacks: $(cat "$TEST_TMP/err")"
expected=$(for n in ipc uts net pid; do readlink /proc/$pid/ns/$n; done)
assert_eq "$(head -4 <<<"$out")" "$expected" "namespaces joined through /proc/PID/ns/*"
assert_contains "$(cat "$TEST_TMP/err")" "setns(/proc/PID/ns/*)" "-v report of the join method"
# ls itself holds one fd (3) for the directory it lists; 5 and 7 must not be there.
assert_eq "$(tail -n +5 <<<"$out" | tr '\n' ' ')" "0 1 2 3 " "fds seen by the command"
pass "entering without pidfd, close_range: namespaces joined, no inherited fd leaks"

# A pty under the same fallbacks, in a real terminal (script): tty names a device
# that exists in the session.
out=$(script -qec "${old[*]} $CTRDBG -t $name -- sh -c 'tty; ls /dev/pts'" /dev/null </dev/null | tr -d '\r')
# (script itself passes a NUL to its pty when its stdin ends; only the path matters.)
dev=$(grep -o '/dev/pts/[0-9]*' <<<"$out" | head -1)
[[ "$dev" == /dev/pts/* ]] || fail "tty inside printed [$dev]"
assert_contains "$out" "${dev#/dev/pts/}" "/dev/pts listing inside the session"
pass "a pty without pidfd and close_range: tty names $dev, which exists in the session"

# Signals still reach the command without a pidfd.
"${old[@]}" "$CTRDBG" -T "$name" -- sleep 31339 &
cpid=$!
# (The command itself, not ctrdbg, whose own command line names it too.)
for _ in $(seq 50); do pgrep -f "^sleep 31339" >/dev/null && break; sleep 0.1; done
kill -TERM "$cpid"
wait "$cpid" && rc=0 || rc=$?
assert_eq "$rc" 143 "exit status after SIGTERM is forwarded by PID"
pass "signal forwarding without pidfd_send_signal"

# Without the new mount API the session cannot be built: a clear refusal.
out=$("$CTRDBG_ENOSYS" fsopen -- "$CTRDBG" "$name" -- true 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 125 "exit status without fsopen"
assert_contains "$out" "fsopen" "error names the missing step"
assert_eq "$(wc -l <<<"$out")" 1 "one-line error"
pass "kernels without the new mount API are refused with the step named"

# Without io_uring (older kernels, the io_uring_disabled sysctl, a seccomp policy)
# --list reads its files one at a time: the same rows (the uptime column aside).
# The ring is only set up for 64 containers or more, so the listing runs over a
# synthetic Docker state: 70 copies of this container's config.v2.json and runc
# state.json under new IDs, all naming its live init process.
id=$(docker inspect -f '{{.Id}}' "$name")
data_root=$(docker info -f '{{.DockerRootDir}}')
runc_state=/run/docker/runtime-runc/moby/$id/state.json
[ -f "$runc_state" ] || fail "no runc state at $runc_state"
syn=$TEST_TMP/synthetic
mkdir -p "$syn/data/containers" "$syn/exec/runtime-runc/moby"
for i in $(seq 1 70); do
  fake=$(printf '%064x' "$i")
  mkdir "$syn/data/containers/$fake" "$syn/exec/runtime-runc/moby/$fake"
  sed "s/$id/$fake/g; s|\"Name\":\"/$name\"|\"Name\":\"/synthetic-$i\"|" \
    "$data_root/containers/$id/config.v2.json" >"$syn/data/containers/$fake/config.v2.json"
  sed "s/$id/$fake/g" "$runc_state" >"$syn/exec/runtime-runc/moby/$fake/state.json"
done
printf '{"docker": {"data_root": "%s", "exec_root": "%s"}}\n' "$syn/data" "$syn/exec" >"$syn/config.json"
rows() { awk '$1 == "docker" {print $1, $2, $3, $4, $5}'; }
want=$(CTRDBG_CONFIG=$syn/config.json "$CTRDBG" --list | rows)
assert_eq "$(wc -l <<<"$want")" 70 "docker rows listed from the synthetic state"
assert_contains "$want" "docker 000000000000 synthetic-70 $pid" "--list row of a synthetic copy"
got=$(CTRDBG_CONFIG=$syn/config.json "$CTRDBG_ENOSYS" io_uring_setup -- "$CTRDBG" --list | rows)
assert_eq "$got" "$want" "--list without io_uring"
pass "--list of 70 containers without io_uring: the same rows, read file by file"
