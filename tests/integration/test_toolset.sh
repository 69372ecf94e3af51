#!/usr/bin/env bash
# The toolset: --toolbox refuses anything but a static busybox (without running
# it, without hanging on a fifo), and the container only ever gets a copy: what a
# root process in the container does to /.ctrdbg/bin/busybox never reaches the
# host's binary, nor the next session.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd cc
need_cmd sha256sum
[ -x /bin/busybox ] || skip "needs the host's /bin/busybox (busybox-static)"
fixture_busybox_image
fixture_scratch_image

bb=ctrdbg-tools-bb-$$
sc=ctrdbg-tools-sc-$$
start_container "$bb" ctrdbg-test/busybox -- sleep 100000 >/dev/null
start_container "$sc" ctrdbg-test/scratch >/dev/null
wait_running "$bb"
wait_running "$sc"

now() { echo "${EPOCHREALTIME/[.,]/}"; }  # microseconds
ms_since() { echo $((($(now) - $1) / 1000)); }

# ---- refused toolboxes: 125, the path named, the command never run ----
if command -v readelf >/dev/null; then
  readelf -l /bin/ls | grep 'program interpreter' >/dev/null || skip "/bin/ls is not dynamically linked here"
fi
run_ctrdbg -T --toolbox /bin/ls "$sc" echo SHOULD-NOT-RUN </dev/null
assert_ctrdbg_error "/bin/ls" "dynamically linked"
pass "dynamically linked --toolbox refused: $err"

# A static program that is not busybox, and that leaves a trace if anyone runs it.
cat >"$TEST_TMP/notbusybox.c" <<C
#include <fcntl.h>
int main(void) { open("$TEST_TMP/notbusybox-ran", O_CREAT | O_WRONLY, 0644); return 0; }
C
cc -static -O2 -o "$TEST_TMP/notbusybox" "$TEST_TMP/notbusybox.c" || skip "cannot link a static program (libc.a missing?)"
run_ctrdbg -T --toolbox "$TEST_TMP/notbusybox" "$sc" echo SHOULD-NOT-RUN </dev/null
assert_ctrdbg_error "$TEST_TMP/notbusybox" "not busybox"
[ ! -e "$TEST_TMP/notbusybox-ran" ] || fail "the --toolbox candidate was executed on the host"
pass "static non-busybox --toolbox refused without being run: $err"

missing="$TEST_TMP/no-such-busybox"
run_ctrdbg -T --toolbox "$missing" "$sc" echo SHOULD-NOT-RUN </dev/null
assert_ctrdbg_error "$missing"
pass "nonexistent --toolbox refused: $err"

mkfifo "$TEST_TMP/fifo"
t0=$(now)
out=$(timeout 5 "$CTRDBG" -T --toolbox "$TEST_TMP/fifo" "$sc" echo SHOULD-NOT-RUN </dev/null 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
elapsed=$(ms_since "$t0")
[ "$rc" != 124 ] || fail "--toolbox FIFO: ctrdbg hung (killed by timeout after 5 s)"
assert_ctrdbg_error "$TEST_TMP/fifo"
((elapsed < 2000)) || fail "--toolbox FIFO: refusal took ${elapsed} ms"
pass "FIFO --toolbox refused in ${elapsed} ms: $err"

run_ctrdbg -T --toolbox "$TEST_TMP" "$sc" echo SHOULD-NOT-RUN </dev/null
assert_ctrdbg_error "$TEST_TMP"
pass "directory --toolbox refused: $err"

# ---- a good one ----
host_sum=$(sha256sum </bin/busybox | cut -d' ' -f1)
run_ctrdbg -T --toolbox /bin/busybox "$sc" sh -c 'echo "toolbox" "works"' </dev/null
assert_status "$rc" 0 "--toolbox /bin/busybox"
assert_eq "$out" "toolbox works" "--toolbox /bin/busybox output"
pass "--toolbox /bin/busybox works (in a container with no shell of its own)"

# ---- the container gets a copy ----
# Same bytes: the applet's own executable, as seen from inside.
run_ctrdbg -T "$sc" sha256sum /proc/self/exe </dev/null
assert_status "$rc" 0 "sha256sum inside"
assert_eq "${out%% *}" "$host_sum" "sha256 of the toolset binary inside vs the host's /bin/busybox"
# Not the same file: the running command's executable is another inode on another device.
"$CTRDBG" -T "$sc" sleep 31340 </dev/null >/dev/null 2>&1 &
bg=$!
on_exit "kill $bg 2>/dev/null"
wait_for 5 pgrep -fx 'sleep 31340' >/dev/null || fail "sleep 31340 did not start"
p=$(pgrep -fx 'sleep 31340')
inside=$(stat -L -c '%d:%i' "/proc/$p/exe") || fail "cannot stat /proc/$p/exe"
host=$(stat -L -c '%d:%i' /bin/busybox)
[ "$inside" != "$host" ] || fail "the container runs the host's /bin/busybox itself (dev:inode $host)"
kill "$bg"
wait "$bg" 2>/dev/null
pass "the container runs a copy (dev:inode $inside, host's $host), same bytes"

# A root process in the container attacks the toolset: a plain write (the session
# root is read-only), a write through /proc/PID/exe of a running applet (CVE-2019-5736
# style), then a remount read-write and another write. It uses the container's own
# /bin/sh and mount, so the toolset binary is not busy for the last write.
before=$(sha256sum </bin/busybox)
size_before=$(stat -c %s /bin/busybox)
run_ctrdbg -T "$bb" /bin/sh -c '
  echo x >> /.ctrdbg/bin/busybox 2>/dev/null; echo "plain=$?"
  /.ctrdbg/bin/sleep 10 & p=$!
  echo x >> /proc/$p/exe 2>/dev/null; echo "procexe=$?"
  kill $p
  mount -o remount,rw / 2>/dev/null; echo "remount=$?"
  echo x >> /.ctrdbg/bin/busybox 2>/dev/null; echo "after=$?"
  ls -l /.ctrdbg/bin/busybox' </dev/null
assert_status "$rc" 0 "the attack session"
attack=$(grep -o '^[a-z]*=[0-9]*' <<<"$out" | tr '\n' ' ')
assert_contains "$out" "plain=1" "a plain write to /.ctrdbg/bin/busybox (read-only session root)"
assert_eq "$(sha256sum </bin/busybox)" "$before" "host /bin/busybox sha256 after the container's writes"
assert_eq "$(stat -c %s /bin/busybox)" "$size_before" "host /bin/busybox size after the container's writes"
# The next session starts from a pristine copy again.
run_ctrdbg -T "$sc" sha256sum /.ctrdbg/bin/busybox </dev/null
assert_eq "${out%% *}" "$host_sum" "the next session's toolset"
pass "container writes never reach the host's busybox, nor the next session (${attack% })"

# --show-toolset: which toolset, from where, and why the others were skipped.
run_ctrdbg --show-toolset
assert_eq "$rc" 0 "--show-toolset exit status ($err)"
assert_contains "$out" "version: BusyBox v" "--show-toolset"
assert_contains "$out" "from: " "--show-toolset names the source"
run_ctrdbg --show-toolset --toolbox /bin/ls
assert_eq "$rc" 125 "--show-toolset with a dynamic --toolbox"
assert_contains "$err" "dynamically linked" "its reason"
pass "--show-toolset reports the choice and refusals"

# The seed example, `ctrdbg dev bash -l`, in a container without bash: the host's
# bash-static is brought in as bash (when COMMAND is bash or the shell is
# interactive), and skipped for other commands.
if [ -x /bin/bash-static ]; then
  run_ctrdbg -T "$sc" bash -l -c 'echo "bash $BASH_VERSION"; command -v bash' </dev/null
  assert_status "$rc" 0 "bash -l in a scratch container ($err)"
  assert_contains "$out" "bash 5." "bash -l in a scratch container"
  assert_contains "$out" "/.ctrdbg/bin/bash" "bash comes from the toolset"
  run_ctrdbg -T "$sc" sh -c 'test -e /.ctrdbg/bin/bash && echo staged || echo skipped' </dev/null
  assert_eq "$out" "skipped" "bash-static for a COMMAND that is not bash"
  pass "bash -l in a container without bash (host bash-static); not copied for other commands"
else
  [ "${CTRDBG_MUST_WORK:-0}" = 1 ] && fail "bash-static is not installed (apt install bash-static)"
  echo "# bash-static not installed: the bash -l case is not tested" >&2
fi

# --tools: extra static programs beside the applets. One named like an applet
# replaces it (a real `ps` over busybox's); a new name is added; every other applet
# stays a link to busybox. (The applets are linked by ctrdbg and its helper from
# the two ends of the list at once: none may be missing, none may replace a tool.)
mkdir -p "$TEST_TMP/extra"
for tool in ps mytool; do
  printf '#include <stdio.h>\nint main(void) { puts("extra-%s"); return 0; }\n' "$tool" >"$TEST_TMP/$tool.c"
  cc -static -O2 -o "$TEST_TMP/extra/$tool" "$TEST_TMP/$tool.c" || fail "cannot build the extra tool $tool"
done
applets=$(/bin/busybox --list | grep -vx busybox | sort -u | wc -l)
run_ctrdbg -T --tools "$TEST_TMP/extra" "$sc" sh -c '
  /.ctrdbg/bin/ps; mytool
  bb=$(stat -c %i /.ctrdbg/bin/busybox)
  echo "entries $(ls -a /.ctrdbg/bin | grep -vxF -e . -e .. | wc -l)"
  echo "links $(ls -i /.ctrdbg/bin | awk -v i="$bb" "\$1 == i" | wc -l)"' </dev/null
assert_status "$rc" 0 "--tools session ($err)"
assert_contains "$out" "extra-ps" "the extra ps replaces busybox's"
assert_contains "$out" "extra-mytool" "a new extra tool"
# busybox + its applets but ps, + ps and mytool
assert_contains "$out" "entries $((applets + 2))" "entries in /.ctrdbg/bin"
# busybox itself and every applet but the replaced ps share one inode
assert_contains "$out" "links $applets" "names linked to busybox"
pass "--tools adds and replaces tools; every other applet is linked"
