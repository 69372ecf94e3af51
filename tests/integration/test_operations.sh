#!/usr/bin/env bash
# Fit for operations: --timeout-cmd, journald priority prefixes, the audit line,
# --record (asciicast v2), and the operator's escape sequence.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tty.sh"
need_root
need_docker
need_cmd python3

fixture_busybox_image
name="$TEST_TAG-ops"
start_container "$name" ctrdbg-test/busybox >/dev/null

# --timeout-cmd: TERM, then exit 124, promptly.
start=$(date +%s%N)
run_ctrdbg -T --timeout-cmd 500ms "$name" -- sleep 30
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$rc" 124 "exit status after --timeout-cmd"
((ms < 5000)) || fail "--timeout-cmd 500ms took ${ms} ms"
# A command that ignores SIGTERM is killed after the grace period.
run_ctrdbg -T --timeout-cmd 200ms "$name" -- sh -c 'trap "" TERM; sleep 30'
assert_eq "$rc" 124 "exit status when SIGTERM is ignored"
pass "--timeout-cmd ends the command and exits 124 (${ms} ms for 500ms)"

# Under systemd (JOURNAL_STREAM = our stderr), messages carry priority prefixes;
# stdout stays the command's alone.
out=$(bash -c 'JOURNAL_STREAM=$(stat -L -c "%d:%i" /proc/self/fd/2) exec "$0" nosuch-container-$$ -- true' \
  "$CTRDBG" 2>"$TEST_TMP/journal.err") && rc=0 || rc=$?
assert_eq "$rc" 125 "exit status for a missing target"
assert_eq "$out" "" "stdout of a failed session"
assert_contains "$(head -c 12 "$TEST_TMP/journal.err")" "<3>ctrdbg: e" "journald priority prefix of an error"
run_ctrdbg nosuch-container-$$ -- true
assert_contains "${err:0:15}" "ctrdbg: error:" "no prefix without JOURNAL_STREAM"
pass "journald priority prefixes only when stderr is the journal"

# The audit line: one datagram per session to the configured syslog socket.
sock="$TEST_TMP/audit.sock"
python3 - "$sock" >"$TEST_TMP/audit.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(20)
print(s.recv(65536).decode(), flush=True)
PY
listener=$!
wait_for 10 test -S "$sock" || fail "audit listener did not start"
printf '{"audit_socket": "%s"}\n' "$sock" >"$TEST_TMP/config.json"
CTRDBG_CONFIG="$TEST_TMP/config.json" "$CTRDBG" -T "$name" -- sh -c 'exit 3' && rc=0 || rc=$?
assert_eq "$rc" 3 "exit status of the audited session"
wait "$listener" || fail "no audit line arrived"
line=$(cat "$TEST_TMP/audit.log")
for field in "uid=0" "target=$name" "engine=docker" "name=$name" "pid=$(container_pid "$name")" \
  'command="sh -c exit 3"' "mode=\"no tty\"" "exit=3" "duration="; do
  assert_contains "$line" "$field" "audit line"
done
assert_contains "$line" "<85>ctrdbg[" "syslog priority (authpriv.notice) and tag"
# No listener at all: the session is not held up.
CTRDBG_CONFIG="$TEST_TMP/config.json" "$CTRDBG" -T "$name" -- true || fail "session failed without an audit listener"
pass "audit line: $line"

# --record: a real terminal session, parsed back.
tty_start 90 25
cast="$TEST_TMP/session.cast"
tty_type "$CTRDBG --record $cast $name sh; echo rc=\$?"
tty_wait_line '/ # $' 10
tty_type "echo typed-\$((6*7))"
tty_wait_line '^typed-42' 5
tty_resize 100 30
sleep 0.3
tty_type "stty size; exit 5"
tty_wait_line '^rc=5' 10
python3 - "$cast" <<'PY' || fail "the recording does not parse as asciicast v2"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
header = json.loads(lines[0])
assert header["version"] == 2 and header["width"] == 90 and header["height"] == 25, header
events = [json.loads(l) for l in lines[1:]]
times = [e[0] for e in events]
assert times == sorted(times), "timestamps go backwards"
out = "".join(e[2] for e in events if e[1] == "o")
assert "typed-42" in out, "typed text missing"
assert "30 100" in out, "stty size after the resize missing"
assert ["r", "100x30"] in [[e[1], e[2]] for e in events], "resize event missing"
PY
pass "--record writes asciicast v2: header, monotone timestamps, output, resize"

# A recording to a full disk stops with a warning; the session goes on. (A full
# tmpfs, not /dev/full: --record refuses devices.)
mkdir "$TEST_TMP/full" && mount -t tmpfs -o size=16k tmpfs "$TEST_TMP/full" || fail "cannot mount a small tmpfs"
on_exit "umount '$TEST_TMP/full'"
head -c 1M /dev/zero >"$TEST_TMP/full/fill" 2>/dev/null
run_ctrdbg -t --record "$TEST_TMP/full/session.cast" "$name" -- sh -c 'echo still-here'
assert_eq "$rc" 0 "exit status with a broken recording"
assert_contains "$out" "still-here" "output with a broken recording"
assert_contains "$err" "recording to $TEST_TMP/full/session.cast stopped: No space left on device" "warning"
pass "a broken recording warns and the session continues"

# The escape: ^] then q ends a stuck session; the terminal is restored.
tty_type "stty -a > $TEST_TMP/stty.before; $CTRDBG $name sh -c 'trap \"\" INT TERM HUP; echo stuck-now; sleep 300'; echo rc=\$?"
tty_wait_line '^stuck-now' 10
tty_keys C-c
sleep 0.3
tty_keys C-]
tty_keys q
tty_wait_line '^rc=137' 10
tty_wait_line 'session ended by the escape sequence' 2
tty_type "stty -a > $TEST_TMP/stty.after; echo compared"
tty_wait_line '^compared' 5
assert_eq "$(cat "$TEST_TMP/stty.after")" "$(cat "$TEST_TMP/stty.before")" "terminal settings after the escape"
pass "^] q ends a stuck session (137) and restores the terminal"
