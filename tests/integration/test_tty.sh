#!/usr/bin/env bash
# Pty mode, driven through a real terminal (tmux): the prompt, a pty from the
# container's own devpts, window size at start and on resize, Ctrl-C to the
# command, exit status, and the operator's terminal restored after every kind of
# ending (exit, SIGTERM, SIGHUP, SIGINT, container killed). Also -t with a pipe.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tty.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd tmux
fixture_busybox_image
fixture_scratch_image

bb=ctrdbg-tty-bb-$$
sc=ctrdbg-tty-sc-$$
start_container "$bb" ctrdbg-test/busybox -- sleep 100000 >/dev/null
start_container "$sc" ctrdbg-test/scratch >/dev/null
wait_running "$bb"
wait_running "$sc"
bb_pid=$(container_pid "$bb")
sc_pid=$(container_pid "$sc")

tty_start 100 30

now() { echo "${EPOCHREALTIME/[.,]/}"; }  # microseconds
ms_since() { echo $((($(now) - $1) / 1000)); }
pane_size() { tmux_ display-message -p -t "$TTY_TARGET" '#{pane_height} #{pane_width}'; }
prompt_re() { printf '^\\[ctrdbg %s\\] / # ' "$1"; }

# session_start CONTAINER [CTRDBG ARGS...]: in the outer shell, records `stty -a`,
# runs ctrdbg (default shell), then prints its status and records `stty -a` again.
# Waits for a new prompt from the container. Sets $sess (file prefix) and $sess_mark.
session_start() {
  local c=$1
  shift
  tty_mark
  sess_mark=$tty_m
  sess="$TEST_TMP/$sess_mark"
  local prompts
  prompts=$(tty_count "$(prompt_re "$c")")
  tty_type "stty -a >$sess.before; $CTRDBG $* $c; echo \"RC\"\"$sess_mark=\$?\"; stty -a >$sess.after; echo \"E\"\"$sess_mark\""
  tty_wait_line "$(prompt_re "$c")" 10 $((prompts + 1))
}

# session_end [SECS]: waits for ctrdbg to have returned to the outer shell; sets $sess_rc.
session_end() {
  tty_wait_line "^E$sess_mark\$" "${1:-10}"
  # Not anchored: a shell killed at its prompt leaves no newline before it.
  sess_rc=$(tty_screen | sed -n "s/.*RC$sess_mark=\([0-9]*\)\$/\1/p")
  [ -n "$sess_rc" ] || fail "no exit status printed for session $sess_mark"
}

# The outer terminal's settings are exactly what they were before ctrdbg started.
assert_terminal_restored() {
  [ -s "$sess.before" ] && [ -s "$sess.after" ] || fail "stty -a snapshots missing"
  diff -u "$sess.before" "$sess.after" >&2 || fail "$1: the outer terminal's settings changed (stty -a above)"
  # And it still works as a terminal: a line typed now is read and run.
  tty_exec 'echo "terminal" "ok"' 5
  assert_eq "$tty_out" "terminal ok" "$1: outer shell after the session"
}

# session_pid CONTAINER: sets $pid to the one ctrdbg process running for CONTAINER.
session_pid() {
  pid=$(ctrdbg_main_pid " $1\$")
  [ "$(wc -w <<<"$pid")" = 1 ] || fail "expected one ctrdbg process for $1, found [$pid]"
}

# ---- busybox container: prompt, tty, size, resize, Ctrl-C, exit status ----
session_start "$bb"
pass "prompt names the container ($bb)"

tty_exec tty
[[ "$tty_out" =~ ^/dev/pts/([0-9]+)$ ]] || fail "tty inside: [$tty_out]"
n=${BASH_REMATCH[1]}
# The device exists in the session, on a devpts instance of the session's own: not
# the container's (whose processes could open it and push input with TIOCSTI), not
# the host's.
tty_exec "test -c /dev/pts/$n && stat -c %d /dev/pts/$n"
session_dev=$tty_out
[[ "$session_dev" =~ ^[0-9]+$ ]] || fail "/dev/pts/$n is not a device in the session: [$session_dev]"
pts_in_container=$(docker exec "$bb" ls /dev/pts/)
grep -qx -- "$n" <<<"$pts_in_container" && fail "/dev/pts/$n is in the container's /dev/pts: [$pts_in_container]"
[ "$session_dev" != "$(stat -c %d "/proc/$bb_pid/root/dev/pts/ptmx")" ] || fail "the session's pty is on the container's devpts"
[ "$session_dev" != "$(stat -c %d /dev/pts/ptmx 2>/dev/null)" ] || fail "the session's pty is on the host's devpts"
pass "tty is /dev/pts/$n of the session's own devpts, absent from the container's"

tty_exec 'stty size'
assert_eq "$tty_out" "$(pane_size)" "stty size at start (window 100x30)"
assert_eq "$tty_out" "30 100" "stty size at start"
pass "window size set before the first output"

# SIGWINCH is followed: poll briefly (the resize reaches ctrdbg asynchronously).
check_size_follows() {
  local want=$1 deadline=$((SECONDS + 3))
  while :; do
    tty_exec 'stty size'
    [ "$tty_out" = "$want" ] && return 0
    ((SECONDS < deadline)) || fail "stty size after resize: expected [$want], got [$tty_out]"
    sleep 0.1
  done
}
tty_resize 120 40
check_size_follows "40 120"
assert_eq "$(pane_size)" "40 120" "pane size"
tty_resize 100 30
check_size_follows "30 100"
pass "window size follows resizes (120x40, back to 100x30)"

# Ctrl-C reaches the command as a byte: sleep dies, the shell and ctrdbg live on.
tty_type 'sleep 30'
# (grep without -q in these pipelines: with pipefail, an early exit would SIGPIPE the writer.)
in_bb() { processes_in_pidns "$bb_pid" | grep -e "$1" >/dev/null; }
wait_for 5 in_bb " sleep 30$" || fail "sleep 30 did not start in the container"
t0=$(now)
tty_keys C-c
tty_exec 'echo "back" "at prompt"' 5
assert_eq "$tty_out" "back at prompt" "shell after Ctrl-C"
elapsed=$(ms_since "$t0")
((elapsed < 3000)) || fail "Ctrl-C took ${elapsed} ms to return to the prompt"
in_bb " sleep 30$" && fail "sleep 30 still runs after Ctrl-C"
[ -n "$(ctrdbg_main_pid " $bb\$")" ] || fail "ctrdbg ended on Ctrl-C"
[ "$(tty_count "RC$sess_mark=")" = 0 ] || fail "ctrdbg returned to the outer shell on Ctrl-C"
pass "Ctrl-C interrupts sleep in ${elapsed} ms; shell and ctrdbg still running"

tty_type 'exit 7'
session_end 5
assert_eq "$sess_rc" 7 "ctrdbg's status after exit 7"
assert_terminal_restored "exit 7"
pass "exit 7 -> ctrdbg exits 7; terminal restored"

# ---- scratch container (no shell, no /etc): the toolset's shell and tty ----
session_start "$sc"
tty_exec tty
[[ "$tty_out" =~ ^/dev/pts/([0-9]+)$ ]] || fail "tty inside scratch: [$tty_out]"
n=${BASH_REMATCH[1]}
tty_exec "test -c /dev/pts/$n && echo IS-A-DEVICE"
assert_eq "$tty_out" "IS-A-DEVICE" "/dev/pts/$n in the session in scratch"
tty_exec 'stty size'
assert_eq "$tty_out" "$(pane_size)" "stty size in scratch"
tty_type 'exit'
session_end 5
assert_eq "$sess_rc" 0 "ctrdbg's status after exit in scratch"
assert_terminal_restored "scratch exit"
pass "scratch: prompt, /dev/pts/$n in the container, size; terminal restored"

# ---- signals to ctrdbg from outside ----
# SIGTERM and SIGHUP: forwarded and the pty hung up, so even an interactive shell
# (which ignores SIGTERM) ends; ctrdbg reports the signal that ended it.
for sig in TERM HUP; do
  session_start "$bb"
  session_pid "$bb"
  t0=$(now)
  kill -"$sig" "$pid"
  session_end 5
  elapsed=$(ms_since "$t0")
  ((elapsed < 3000)) || fail "SIG$sig: ctrdbg took ${elapsed} ms to exit"
  case $sess_rc in
    $((128 + $(kill -l HUP))) | $((128 + $(kill -l TERM)))) ;;
    *) fail "SIG$sig: expected the shell's death by SIGHUP or SIGTERM (129/143), got $sess_rc" ;;
  esac
  wait_for 2 eval '! in_bb " /\.ctrdbg/bin/sh -l$"' ||
    fail "SIG$sig: the session's shell is still in the container"
  [ -z "$(ctrdbg_pids " $bb\$")" ] || fail "SIG$sig: ctrdbg processes left: $(ctrdbg_pids " $bb\$")"
  assert_terminal_restored "SIG$sig"
  pass "SIG$sig to ctrdbg: exits $sess_rc in ${elapsed} ms; terminal restored"
done

# SIGINT: forwarded to the shell, which (interactive) ignores it: the session goes on.
session_start "$bb"
session_pid "$bb"
kill -INT "$pid"
sleep 0.3
tty_exec 'echo "still" "here"' 5
assert_eq "$tty_out" "still here" "shell after SIGINT to ctrdbg"
first=$pid
session_pid "$bb"
[ "$pid" = "$first" ] || fail "ctrdbg changed after SIGINT"
tty_type 'exit 3'
session_end 5
assert_eq "$sess_rc" 3 "status after SIGINT then exit 3"
assert_terminal_restored "SIGINT"
pass "SIGINT to ctrdbg: shell survives, exit 3 -> 3; terminal restored"

# ---- the container dies mid-session ----
session_start "$bb"
t0=$(now)
docker kill "$bb" >/dev/null || fail "docker kill"
session_end 10
elapsed=$(ms_since "$t0")
assert_eq "$sess_rc" 137 "status when the container is killed"
((elapsed < 5000)) || fail "ctrdbg took ${elapsed} ms to notice the container's death"
[ -z "$(ctrdbg_pids " $bb\$")" ] || fail "ctrdbg processes left after the container died"
assert_terminal_restored "container killed"
pass "container killed: ctrdbg exits 137 in ${elapsed} ms (incl. docker kill); terminal restored"

[ -z "$(host_ctrdbg_mounts)" ] || fail "host mount table mentions ctrdbg: $(host_ctrdbg_mounts)"
pass "no ctrdbg mounts on the host"

# ---- -t with a pipe on stdin: output appears, the session ends with stdin ----
# (Last: a hang here costs the timeout.) The shell is the toolset's ash, whose line
# editing turns the pty's ICANON off when it first reads: the end of stdin must
# still end it, whenever that happens.
t0=$(now)
out=$(echo 'echo "$((6 * 7))" pipe-in' | timeout 5 "$CTRDBG" -t "$sc" sh 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
elapsed=$(ms_since "$t0")
[ "$rc" != 124 ] || fail "-t with a pipe on stdin: still running 5 s after stdin ended; output: [$out]"
assert_status "$rc" 0 "-t with a pipe on stdin"
# Through a pty, lines end in \r\n; the pty also echoes the input line.
grep -qx $'42 pipe-in\r\\?' <<<"$out" || fail "-t with a pipe: no output line '42 pipe-in' in [$out]"
pass "-t with a pipe on stdin: output relayed, ends with stdin (${elapsed} ms)"
