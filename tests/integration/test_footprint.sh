#!/usr/bin/env bash
# Hardening that must hold in both modes: ctrdbg never opens a network listener and
# never writes outside the session's private mount namespace. During sessions no
# process of the session (ctrdbg, its helper, the command) holds an inet socket or a
# listening unix socket, in the host's or the container's network namespace; after
# sessions of every kind (pipes, pty, --as-container, -u, one SIGKILLed) no file on
# the host has changed, and the container's files are as they were.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd script
fixture_busybox_image

c=ctrdbg-footprint-$$
start_container "$c" ctrdbg-test/busybox -- sleep 100000 >/dev/null
wait_running "$c"
diff0=$(docker diff "$c")

# session_pids CTRDBG_PID: ctrdbg and every descendant (helper, command).
session_pids() {
  local todo=("$1") out=() p
  while ((${#todo[@]})); do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    out+=("$p")
    for k in $(cat "/proc/$p/task/"*/children 2>/dev/null); do todo+=("$k"); done
  done
  echo "${out[@]}"
}

# check_sockets LABEL PID...: no inet socket at all, no listening unix socket.
check_sockets() {
  local label=$1 p fd inode
  shift
  for p in "$@"; do
    for fd in /proc/"$p"/fd/*; do
      inode=$(readlink "$fd" 2>/dev/null) || continue
      [[ $inode == socket:* ]] || continue
      inode=${inode#socket:[}
      inode=${inode%]}
      # /proc/PID/net is the network namespace of that process (host or container).
      if awk -v i="$inode" 'FNR > 1 && $10 == i { found = 1 } END { exit !found }' \
        /proc/"$p"/net/tcp /proc/"$p"/net/tcp6 /proc/"$p"/net/udp /proc/"$p"/net/udp6 2>/dev/null; then
        fail "$label: pid $p ($(tr '\0' ' ' </proc/"$p"/cmdline)) holds an inet socket (inode $inode)"
      fi
      if awk -v i="$inode" 'FNR > 1 && $7 == i && $4 == "00010000" { found = 1 } END { exit !found }' \
        /proc/"$p"/net/unix 2>/dev/null; then
        fail "$label: pid $p holds a listening unix socket (inode $inode)"
      fi
    done
  done
}

# ---- host files: everything ctrdbg could plausibly write, compared before/after ----
marker=$TEST_TMP/marker
touch "$marker"
sleep 1.1  # mtime granularity of some filesystems

# 1. sockets during a no-tty session and a pty session
"$CTRDBG" -T "$c" -- sleep 3 </dev/null >/dev/null 2>&1 &
bg=$!
wait_for 5 sh -c "[ \$(cat /proc/$bg/task/*/children 2>/dev/null | wc -w) -gt 0 ]" || fail "no session helper appeared"
sleep 0.3
pids=$(session_pids "$bg")
(($(wc -w <<<"$pids") >= 2)) || fail "session processes: [$pids]"
check_sockets "no-tty session" $pids
wait "$bg" || fail "no-tty session: exit status $?"

script -qec "$CTRDBG -t $c -- sleep 3" /dev/null </dev/null >/dev/null 2>&1 &
bg=$!
wait_for 5 pgrep -f "^$CTRDBG -t $c" >/dev/null || fail "pty session did not start"
sleep 0.5
ct=$(pgrep -f "^$CTRDBG -t $c" | head -1)
pids=$(session_pids "$ct")
check_sockets "pty session" $pids
wait "$bg" || fail "pty session: exit status $?"
pass "no inet socket and no listening socket in any session process (host and container netns)"

# 2. more kinds of session, then the host's files
run_ctrdbg -T --as-container "$c" -- sh -c 'echo x > /etc/in-container-ok; id' </dev/null
assert_status "$rc" 0 "--as-container session ($err)"
run_ctrdbg -T -u 1000 "$c" -- id </dev/null
assert_status "$rc" 0 "-u session ($err)"
"$CTRDBG" -T "$c" -- sleep 30 </dev/null >/dev/null 2>&1 &
bg=$!
wait_for 5 sh -c "[ \$(cat /proc/$bg/task/*/children 2>/dev/null | wc -w) -gt 0 ]" || fail "no helper"
sleep 0.3
kill -KILL "$bg"
wait "$bg" 2>/dev/null || true
wait_for 5 sh -c "! pgrep -f '^$CTRDBG -T $c -- sleep 30' >/dev/null" || fail "a killed session left processes"

# Changed since the marker, on the host's filesystems: nothing but the engines' own
# state, logs, this test's directory, and the source and build trees (ctest writes
# its log there while the test runs).
src_dir=$(cd "${CTRDBG_SOURCE_DIR:-$(dirname "$0")/../..}" && pwd -P)
build_dir=$(cd "$(dirname "$CTRDBG")" && pwd -P)
changed=$(find / -xdev -newer "$marker" \
  -not -path "$src_dir/*" -not -path "$build_dir/*" -not -path "$src_dir" -not -path "$build_dir" \
  -not -path '/proc/*' -not -path '/sys/*' -not -path '/dev/*' \
  -not -path '/var/lib/docker/*' -not -path '/var/lib/containerd/*' -not -path '/var/lib/containers/*' \
  -not -path '/run/docker/*' -not -path '/run/containerd/*' -not -path '/run/containers/*' \
  -not -path '/var/run/docker/*' -not -path '/var/log/*' -not -path "$TEST_TMP/*" \
  -not -path '/tmp/*' -not -path '/var/tmp/*' -not -path '/work/*' -not -path '/build*' \
  -not -path '/run/docker' -not -path '/var/lib/docker' -not -path "$TEST_TMP" \
  \( -type f -o -type l -o -type d -o -type p -o -type s \) -print 2>/dev/null | grep -v -E '^/(run|tmp|var/tmp)$' || true)
[ -z "$changed" ] || fail "files on the host changed during the sessions: $(echo $changed)"
# /tmp too: nothing named after ctrdbg appeared there.
fresh_tmp=$(find /tmp /var/tmp -maxdepth 2 -newer "$marker" -name '*ctrdbg*' -not -path "$TEST_TMP*" 2>/dev/null | grep -v -E '/ci-clone|/test_' || true)
[ -z "$fresh_tmp" ] || fail "ctrdbg files in /tmp: $fresh_tmp"
pass "no host file written by any session (pipes, pty, --as-container, -u, SIGKILLed)"

# The container: only what the command itself wrote.
diff1=$(docker diff "$c")
grep -q -x 'A /etc/in-container-ok' <<<"$diff1" || fail "docker diff does not show the command's own file: [$diff1]"
assert_eq "$(grep -v -x -E 'C /etc|A /etc/in-container-ok' <<<"$diff1")" "$(grep -v -x 'C /etc' <<<"$diff0")" "docker diff after the sessions"
pass "the container changed only by what the command wrote"
