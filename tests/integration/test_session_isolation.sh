#!/usr/bin/env bash
# What a hostile container can reach of a session, and what a session leaves behind
# (issue 13, items 1, 2, 3 and 5):
#   1. the session's pty is a devpts instance of its own: a container holding
#      CAP_SYS_ADMIN, pushing input with TIOCSTI into every /dev/pts/N it can open,
#      never reaches the session; `tty` still names a device that exists there;
#   2. with a pty, a reader that goes away (`| head -c1`) ends the session promptly
#      with the status of a SIGPIPE;
#   3. after SIGKILL or SIGTERM of ctrdbg, and after --timeout-cmd, no process the
#      session started is left in the container (setsid and double-forked ones too);
#   4. a container holding CAP_SYS_PTRACE scanning /proc/*/fd/* during 50 recorded
#      sessions never sees a host fd: not the --record file, not a ptmx, not a pidfd,
#      not a socket;
#   5. the image every process of a session runs before its execve is a read-only
#      copy: /proc/<pid>/exe of ctrdbg, kept open until ctrdbg has exited, cannot be
#      reopened for writing (runc CVE-2019-5736).
# ISOLATION_ONLY="2 3" runs only those parts (to see each fail on an older binary).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tty.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd cc
fixture_busybox_image

part() { [ -z "${ISOLATION_ONLY:-}" ] || [[ " $ISOLATION_ONLY " == *" $1 "* ]]; }

# ---- fixtures: an injector and an fd scanner, static, on top of the busybox image ----
cat >"$TEST_TMP/inject.c" <<'C'
/* Pushes "touch /tmp/INJECTED" + newline into every /dev/pts/N it can open, forever. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(void) {
  const char *line = "touch /tmp/INJECTED\n";
  for (;;) {
    for (int n = 0; n < 64; n++) {
      char path[32];
      snprintf(path, sizeof path, "/dev/pts/%d", n);
      int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
      if (fd < 0) continue;
      for (const char *c = line; *c; c++) ioctl(fd, TIOCSTI, c);
      close(fd);
    }
    usleep(20000);
  }
}
C
cat >"$TEST_TMP/scan.c" <<'C'
/* Reads every /proc/PID/fd/N link of every other process, forever. Appends to
   /seen.log the links of fds 0-2 it sees (proof that it sees the sessions) and to
   /host-fds.log every link of an fd above 2, and every ptmx, pidfd or socket. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  char self[16];
  snprintf(self, sizeof self, "%d", getpid());
  FILE *seen = fopen("/seen.log", "a"), *bad = fopen("/host-fds.log", "a");
  if (!seen || !bad) return 1;
  setvbuf(seen, NULL, _IOLBF, 0);
  setvbuf(bad, NULL, _IOLBF, 0);
  for (;;) {
    DIR *proc = opendir("/proc");
    struct dirent *p;
    while (proc && (p = readdir(proc))) {
      if (p->d_name[0] < '0' || p->d_name[0] > '9' || strcmp(p->d_name, self) == 0 || strcmp(p->d_name, "1") == 0)
        continue;
      char dir[64];
      snprintf(dir, sizeof dir, "/proc/%s/fd", p->d_name);
      DIR *fds = opendir(dir);
      struct dirent *f;
      while (fds && (f = readdir(fds))) {
        if (f->d_name[0] == '.') continue;
        char path[128], link[512];
        snprintf(path, sizeof path, "%s/%s", dir, f->d_name);
        ssize_t n = readlink(path, link, sizeof link - 1);
        if (n < 0) continue;
        link[n] = 0;
        int fd = atoi(f->d_name);
        if (fd > 2 || strstr(link, "ptmx") || strstr(link, "pidfd") || strstr(link, "socket:"))
          fprintf(bad, "pid %s fd %d -> %s\n", p->d_name, fd, link);
        else
          fprintf(seen, "pid %s fd %d -> %s\n", p->d_name, fd, link);
      }
      if (fds) closedir(fds);
    }
    if (proc) closedir(proc);
  }
}
C
cc -static -O2 -o "$TEST_TMP/inject" "$TEST_TMP/inject.c" || fail "cannot compile the injector"
cc -static -O2 -o "$TEST_TMP/scan" "$TEST_TMP/scan.c" || fail "cannot compile the scanner"
build_image ctrdbg-test/isolation "$TEST_TMP/inject" "$TEST_TMP/scan" <<'D'
FROM ctrdbg-test/busybox
COPY inject scan /bin/
D

# ---- 1. no input injection: the session's pty is not in the container's devpts ----
if part 1; then
c=iso-inject-$$
start_container "$c" ctrdbg-test/isolation --cap-add SYS_ADMIN -- /bin/inject >/dev/null
wait_running "$c"
tty_start
tty_type "$CTRDBG $c"
tty_wait_line "^\[ctrdbg $c\]" 15
tty_exec 'tty; test -c "$(tty)" && echo TTY-EXISTS'
assert_contains "$tty_out" "/dev/pts/" "tty in the session"
assert_contains "$tty_out" "TTY-EXISTS" "the session's tty device"
# The container's own /dev/pts holds no pty of the session's...
pts=$(docker exec "$c" ls /dev/pts | tr '\n' ' ')
assert_eq "$pts" "ptmx " "the container's /dev/pts while a session runs"
# ...and the injector, busy all along, has pushed nothing into the session.
sleep 1
tty_exec 'echo STILL-HERE'
assert_contains "$tty_out" "STILL-HERE" "the session after a second of injection attempts"
tty_type exit
tty_wait_line '^outer\$' 10 2
docker exec "$c" test -e /tmp/INJECTED && fail "input pushed with TIOCSTI from the container ran in the session"
pass "a CAP_SYS_ADMIN container cannot reach the session's pty; tty names an existing device"
fi

c=iso-plain-$$
start_container "$c" ctrdbg-test/busybox >/dev/null
wait_running "$c"

# ---- 2. a closed reader ends a pty session ----
if part 2; then
start=$SECONDS
timeout -k 5 20 "$CTRDBG" -t "$c" -- yes </dev/null | head -c1 >/dev/null
rc=${PIPESTATUS[0]}
assert_status "$rc" 141 "ctrdbg -t ... yes | head -c1"
((SECONDS - start < 15)) || fail "the session outlived its reader by $((SECONDS - start)) s"
pass "a pty session whose reader has gone ends with 141"
fi

# ---- 3. nothing of a session survives it ----
if part 3; then
init=$(container_pid "$c")
# Live processes of the container but its init (zombies have no life left: a
# container init that never reaps keeps their entries).
leftovers() {
  local p cmd state
  while read -r p cmd; do
    [ "$p" = "$init" ] && continue
    state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
    [ "$state" = Z ] && continue
    echo "$p $cmd"
  done < <(processes_in_pidns "$init")
}
nested='sleep 41 & setsid sh -c "sleep 42 & sleep 44" & (sh -c "sleep 45 &" &) ; sleep 43'
for how in KILL TERM; do
  "$CTRDBG" -T "$c" -- sh -c "$nested" </dev/null >/dev/null 2>&1 &
  pid=$!
  wait_for 10 sh -c "test \$(docker exec $c ps | grep -c 'sleep 4') -ge 5" || fail "the nested sleeps did not start"
  kill -"$how" "$pid"
  wait "$pid"
  rc=$?
  [ "$how" = KILL ] && assert_status "$rc" 137 "ctrdbg after SIGKILL"
  [ "$how" = TERM ] && assert_status "$rc" 143 "ctrdbg after SIGTERM (the command's status)"
  wait_for 5 test -z "$(leftovers)" || fail "after SIG$how of ctrdbg, left in the container: $(leftovers)"
  pass "after SIG$how of ctrdbg no process of the session is left"
done
run_ctrdbg -T --timeout-cmd 1s "$c" -- sh -c "$nested"
assert_status "$rc" 124 "--timeout-cmd"
wait_for 5 test -z "$(leftovers)" || fail "after --timeout-cmd, left in the container: $(leftovers)"
pass "after --timeout-cmd no process of the session is left"
run_ctrdbg -T "$c" -- sh -c 'sleep 46 & setsid sh -c "sleep 47 &"; echo started'
assert_status "$rc" 0 "a command that leaves background processes"
assert_eq "$out" "started" "its output"
wait_for 5 test -z "$(leftovers)" || fail "after the command's exit, left in the container: $(leftovers)"
pass "when the command exits, what it started in the background ends too"
fi

# ---- 4. no host fd in reach of a CAP_SYS_PTRACE container ----
if part 4; then
c=iso-scan-$$
start_container "$c" ctrdbg-test/isolation --cap-add SYS_PTRACE -- /bin/scan >/dev/null
wait_running "$c"
for i in $(seq 1 50); do
  "$CTRDBG" -t --record "$TEST_TMP/rec.cast" "$c" -- true </dev/null >/dev/null 2>&1 || fail "session $i failed"
  rm -f "$TEST_TMP/rec.cast"
done
# Read from the host (a `docker exec` would be a process of the container with fds
# of runc's own, which the scanner would log).
root=/proc/$(container_pid "$c")/root
seen=$(grep -c 'pts' "$root/seen.log" || true)
[ "$seen" -gt 0 ] || fail "the scanner saw no session process at all: the check proves nothing"
bad=$(cat "$root/host-fds.log")
assert_eq "$bad" "" "fds of session processes seen from a CAP_SYS_PTRACE container ($seen fds 0-2 seen)"
pass "50 recorded sessions: $seen stdio fds seen by the scanner, no other fd"
fi

# ---- 5. the exe of the session's processes cannot be written ----
if part 5; then
cat >"$TEST_TMP/exe_probe.c" <<'C'
/* exe_probe PID: holds /proc/PID/exe (O_PATH) until PID has exited, then tries to
   reopen it for writing (nothing is written) and prints what happened. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/exe", argv[1]);
  int fd = open(path, O_PATH);
  if (fd < 0) { printf("cannot open %s: %s\n", path, strerror(errno)); return 1; }
  while (kill(atoi(argv[1]), 0) == 0) usleep(10000);
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int w = open(path, O_WRONLY);
  printf("%s\n", w >= 0 ? "writable" : strerror(errno));
  return 0;
}
C
cc -O2 -D_GNU_SOURCE -include stdlib.h -o "$TEST_TMP/exe_probe" "$TEST_TMP/exe_probe.c" || fail "cannot compile the exe probe"
c=iso-plain-$$
"$CTRDBG" -T "$c" -- sleep 2 </dev/null >/dev/null 2>&1 &
pid=$!
wait_for 5 sh -c "docker exec $c ps | grep -q 'sleep 2'" || fail "the session did not start"
probe=$("$TEST_TMP/exe_probe" "$pid")
wait "$pid"
assert_eq "$probe" "Read-only file system" "reopening ctrdbg's /proc/PID/exe for writing after it exited"
pass "a session runs from a read-only image of ctrdbg: its exe cannot be reopened for writing"
fi
