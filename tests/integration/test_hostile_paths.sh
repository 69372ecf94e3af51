#!/usr/bin/env bash
# Container-controlled paths prepared to trap the session: /.ctrdbg, /proc,
# /dev/pts, /dev/pts/ptmx and the working directory as symlinks to host paths,
# magic links, fifos, huge files, planted device nodes, directories with content,
# set up by a root process inside the container (with CAP_SYS_ADMIN where it
# unmounts or mounts). For every case ctrdbg either works, and the command sees
# only the container (a host marker stays unreadable, the cwd is a container
# path), or refuses with one clear line (exit 125) naming the path and the reason.
# It never hangs (timeout), never crashes, never opens a device the container
# planted (inotify on the planted inodes), and leaves no mount, no
# process and no `docker diff` change behind. Pty cases run in a real terminal
# (tmux) and under the old-kernel fallback (no openat2). The session's pty is a
# devpts instance of its own, attached over /dev/pts in the session only: whatever
# the container keeps in /dev/pts is never opened, only the path is resolved.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tty.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd tmux
need_cmd script
[ -x "${CTRDBG_ENOSYS:-}" ] || skip "the enosys test tool is not built (CTRDBG_ENOSYS)"
fixture_busybox_image
build_image ctrdbg-test/hostile <<'D'
FROM ctrdbg-test/busybox
RUN ["/bin/mkdir", "-p", "/tmp", "/app"]
WORKDIR /app
CMD ["sleep", "100000"]
D

# A host directory the container must never reach; the secret is what would leak.
hostdir="$TEST_TMP/hostdir"
secret="host-secret-$$-$RANDOM"
mkdir -p "$hostdir" && echo "$secret" >"$hostdir/marker"

# a: default privileges (files only). p: CAP_SYS_ADMIN, so its root can unmount
# and mount (--privileged does not start on every host; this is enough).
a=ctrdbg-hostile-a-$$
p=ctrdbg-hostile-p-$$
start_container "$a" ctrdbg-test/hostile >/dev/null
start_container "$p" ctrdbg-test/hostile --cap-add SYS_ADMIN --security-opt apparmor=unconfined >/dev/null
wait_running "$a"
wait_running "$p"
a_pid=$(container_pid "$a")
p_pid=$(container_pid "$p")

declare -A cpid=(["$a"]=$a_pid ["$p"]=$p_pid)

# What a session must not change, taken after each setup: the container's files,
# its mount table and processes, and the host's mounts. The files are compared by
# their overlay upper layer, which is what `docker diff` reports (here with sizes
# and times too, and cheap enough to take for every case); `docker diff` itself is
# compared at the end.
declare -A upper=(["$a"]=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$a")
                  ["$p"]=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$p"))
[ -d "${upper[$a]}" ] && [ -d "${upper[$p]}" ] || fail "no overlay upper directory for the containers"
layer() { find "${upper[$1]}" -mindepth 1 -printf '%P %y %s %T@ %C@\n' | sort; }
declare -A snap_layer=()
snapshot() {  # CONTAINER
  snap_layer[$1]=$(layer "$1")
  snap_mounts=$(cat "/proc/${cpid[$1]}/mountinfo")
  snap_procs=$(processes_in_pidns "${cpid[$1]}" | sort)
  snap_host_mounts=$(host_ctrdbg_mounts)
}
# The sessions since the last snapshot changed no file of the container.
check_files() {  # CONTAINER WHAT
  [ -n "${snap_layer[$1]+set}" ] || return 0
  [ "$(layer "$1")" = "${snap_layer[$1]}" ] ||
    fail "$2: the container's files changed: $(diff <(echo "${snap_layer[$1]}") <(layer "$1"))"
}

# in_ctr CONTAINER SCRIPT: runs SCRIPT with the container's /bin/sh in its mount and
# PID namespaces (its view of its files and mounts), doing what a root process in it
# can do (in $p, with CAP_SYS_ADMIN, also unmount and mount). Not `docker exec`:
# runc's exec itself needs the /proc these cases take away. First checks that the
# sessions before left the container's files as they were.
in_ctr() {
  check_files "$1" "sessions before: $2"
  nsenter -t "${cpid[$1]}" -m -p -- /bin/sh -c "cd / && $2" || fail "setup in $1 failed: $2"
}

# After a session: no host mount, no process left (ctrdbg's or in the container),
# the container's mounts as they were.
no_ctrdbg_left() { [ -z "$(ctrdbg_pids "$1")" ]; }
procs_as_before() { [ "$(processes_in_pidns "$1" | sort)" = "$snap_procs" ]; }
check_no_trace() {  # CONTAINER WHAT
  local pid=${cpid[$1]}
  assert_eq "$(host_ctrdbg_mounts)" "$snap_host_mounts" "$2: host mounts of a session"
  wait_for 3 no_ctrdbg_left "$1" || fail "$2: ctrdbg processes left: $(ctrdbg_pids "$1")"
  wait_for 3 procs_as_before "$pid" || fail "$2: processes left in the container: $(processes_in_pidns "$pid")"
  [ "$(cat "/proc/$pid/mountinfo")" = "$snap_mounts" ] || fail "$2: the container's mount table changed"
}

# hostile WHAT COMMAND...: one session, bounded; sets $out $err $rc. Never a hang
# (timeout's 124), never a crash (ctrdbg killed by a signal: status >= 128; the
# commands run here are never killed), never the host's secret in the output.
hostile() {
  local what=$1
  shift
  out=$(timeout 20 "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
  ((rc != 124)) || fail "$what: ctrdbg hung (killed after 20 s); stderr: [$err]"
  ((rc < 128)) || fail "$what: ctrdbg died with status $rc; stderr: [$err]"
  assert_not_contains "$out$err" "$secret" "$what: output"
}

# works WHAT CONTAINER [OPTIONS...] -- COMMAND...: the session runs (-T), exit 0, no trace.
# refused WHAT CONTAINER 'SUBSTRING...' [OPTIONS...] -- COMMAND...: one clear error
# line, exit 125, no trace.
split_args() {  # sets opts=(...) and cmd=(...)
  opts=() cmd=()
  while (($#)) && [ "$1" != -- ]; do opts+=("$1"); shift; done
  (($#)) && shift
  cmd=("$@")
}
works() {
  local what=$1 c=$2
  shift 2
  split_args "$@"
  hostile "$what" "$CTRDBG" -T "${opts[@]}" "$c" -- "${cmd[@]}" </dev/null
  assert_status "$rc" 0 "$what"
  check_no_trace "$c" "$what"
}
refused() {
  local what=$1 c=$2 words
  read -ra words <<<"$3"
  shift 3
  split_args "$@"
  hostile "$what" "$CTRDBG" -T "${opts[@]}" "$c" -- "${cmd[@]}" </dev/null
  # The default profile says when it could not add CAP_SYS_PTRACE (a /proc that is no
  # procfs, say) before the session fails: that warning is not the failure's line.
  err=$(grep -v "^ctrdbg: warning: .*CAP_SYS_PTRACE not added" <<<"$err")
  assert_ctrdbg_error "${words[@]}"
  check_no_trace "$c" "$what"
  echo "   refused: $err"
}

# ================================================================ /.ctrdbg
# The session's /.ctrdbg is the toolset alone (bin/, the session's reaper and the
# shell's rc file).
show_toolset='echo $(ls -a /.ctrdbg); ls /.ctrdbg/bin | grep -cx busybox; cat /.ctrdbg/marker 2>&1; cat '"$hostdir"'/marker 2>&1; true'
check_toolset_seen() {  # WHAT
  [ "$(grep -m1 -x '\. \.\. .*' <<<"$out")" = ". .. bin ctrdbg-session rc" ] && grep -qx 1 <<<"$out" ||
    fail "$1: the session's /.ctrdbg is not the toolset: [$out]"
}

in_ctr "$a" "ln -s $hostdir /.ctrdbg"
snapshot "$a"
works "/.ctrdbg -> host dir" "$a" -- sh -c "$show_toolset"
check_toolset_seen "/.ctrdbg -> host dir"
[ "$(readlink "/proc/$a_pid/root/.ctrdbg")" = "$hostdir" ] || fail "the container's /.ctrdbg symlink changed"
pass "/.ctrdbg as a symlink to a host directory: hidden, the toolset is there instead"

in_ctr "$a" "rm /.ctrdbg && ln -s ../../../../../../..$hostdir /.ctrdbg"
snapshot "$a"
works "/.ctrdbg -> ../../..host dir" "$a" -- sh -c "$show_toolset"
check_toolset_seen "/.ctrdbg -> ../../..host dir"
pass "/.ctrdbg as a relative ../ symlink to a host directory: hidden"

in_ctr "$a" "rm /.ctrdbg && mkfifo /.ctrdbg"
snapshot "$a"
works "/.ctrdbg fifo" "$a" -- sh -c "$show_toolset"
check_toolset_seen "/.ctrdbg fifo"
pass "/.ctrdbg as a fifo: no hang, hidden"

in_ctr "$a" "rm /.ctrdbg && truncate -s 200G /.ctrdbg"
snapshot "$a"
works "/.ctrdbg huge file" "$a" -- sh -c "$show_toolset"
check_toolset_seen "/.ctrdbg huge file"
pass "/.ctrdbg as a huge sparse file: hidden"

# A /.ctrdbg of the container's own, with a shell that would run instead of ours.
in_ctr "$a" "rm /.ctrdbg && mkdir -p /.ctrdbg/bin && echo planted >/.ctrdbg/marker &&
  printf '#!/bin/sh\necho SHADOWED; touch /tmp/shadowed\n' >/.ctrdbg/bin/sh && chmod +x /.ctrdbg/bin/sh &&
  cp /.ctrdbg/bin/sh /.ctrdbg/bin/busybox"
snapshot "$a"
hostile "/.ctrdbg/bin/sh shadowing" "$CTRDBG" -T "$a" < <(echo 'echo "shell=$0"; '"$show_toolset")
assert_status "$rc" 0 "default shell with a planted /.ctrdbg/bin/sh"
assert_not_contains "$out" SHADOWED "default shell"
assert_contains "$out" "shell=/.ctrdbg/bin/sh" "default shell"
check_toolset_seen "/.ctrdbg/bin/sh shadowing"
check_no_trace "$a" "/.ctrdbg/bin/sh shadowing"
works "/.ctrdbg/bin/sh by path" "$a" -- /.ctrdbg/bin/sh -c 'echo ours'
assert_eq "$out" ours "/.ctrdbg/bin/sh by path"
[ -e "/proc/$a_pid/root/tmp/shadowed" ] && fail "the container's /.ctrdbg/bin/sh ran"
pass "a container's own /.ctrdbg (bin/sh, bin/busybox, files) is hidden and never run"

# ================================================================ working directory
# The image's WORKDIR /app, replaced at run time.
in_ctr "$a" "rm -rf /.ctrdbg /app && ln -s $hostdir /app"
snapshot "$a"
refused "WORKDIR -> host dir (absent in the container)" "$a" "/app No such file or directory" -- pwd
# The same path inside the container: entered, the container's, not the host's.
in_ctr "$a" "mkdir -p $hostdir && echo container-side >$hostdir/marker"
snapshot "$a"
works "WORKDIR -> host path" "$a" -- sh -c 'pwd; readlink /proc/self/cwd; cat marker'
assert_eq "$out" "$(printf '%s\n%s\n%s' "$hostdir" "$hostdir" container-side)" "WORKDIR -> host path"
pass "WORKDIR as a symlink to a host path resolves in the container (or is refused when absent there)"

in_ctr "$a" "rm /app && ln -s ../../../../../../../etc /app"
snapshot "$a"
works "WORKDIR -> ../../etc" "$a" -- sh -c 'pwd; readlink /proc/self/cwd; ls hostname'
assert_eq "$out" "$(printf '/etc\n/etc\nhostname')" "WORKDIR -> ../../etc"
works "-w /../../../../etc" "$a" -w /../../../../etc -- sh -c 'pwd; ls hostname'
assert_eq "$out" "$(printf '/etc\nhostname')" "-w /../../../../etc"
pass "../ in the working directory stops at the container's root"

in_ctr "$a" "rm /app && mkfifo /app"
snapshot "$a"
refused "WORKDIR fifo" "$a" "/app Not a directory" -- pwd
in_ctr "$a" "rm /app && truncate -s 200G /app"
snapshot "$a"
refused "WORKDIR huge file" "$a" "/app Not a directory" -- pwd
pass "WORKDIR as a fifo or a huge file: refused, no hang"

# Magic links. The init's cwd lives in the container's own mount namespace, not the
# session's: unreachable from the session root, so refused rather than entered.
in_ctr "$a" "rm /app && mkdir /app"
snapshot "$a"
refused "-w /proc/1/cwd" "$a" "working directory outside the container /proc/1/cwd" -w /proc/1/cwd -- pwd
works "-w /proc/self/cwd" "$a" -w /proc/self/cwd -- pwd
assert_eq "$out" / "-w /proc/self/cwd"
# A host directory the caller leaked to ctrdbg as fd 5 (runc CVE-2024-21626): even
# named through /proc/self/fd, it is never the command's cwd (the helper has closed
# it before anything of the session runs in the container: "No such file or
# directory"; were it open, it would be "outside the container").
hostile "-w /proc/self/fd/5" "$CTRDBG" -T -w /proc/self/fd/5 "$a" -- sh -c 'pwd; cat marker' </dev/null 5<"$hostdir"
assert_ctrdbg_error "working directory" /proc/self/fd/5
check_no_trace "$a" "-w /proc/self/fd/5"
# ... nor when the container points its WORKDIR there.
in_ctr "$a" "rm -r /app && ln -s /proc/self/fd/5 /app"
snapshot "$a"
hostile "WORKDIR -> /proc/self/fd/5" "$CTRDBG" -T "$a" -- sh -c 'pwd; cat marker' </dev/null 5<"$hostdir"
assert_ctrdbg_error "working directory" /app
check_no_trace "$a" "WORKDIR -> /proc/self/fd/5"
pass "magic links as working directory (/proc/1/cwd, a leaked host fd): refused; /proc/self/cwd works"

# ================================================================ /proc (CAP_SYS_ADMIN)
in_ctr "$p" "umount -l /proc"
snapshot "$p"
works "/proc unmounted" "$p" -- sh -c 'ls -A /proc | wc -l; pwd'
assert_eq "$out" "$(printf '0\n/app')" "/proc unmounted"
pass "/proc left empty: works"

in_ctr "$p" "rmdir /proc && ln -s $hostdir /proc"
snapshot "$p"
works "/proc -> host dir" "$p" -- sh -c "cat /proc/marker 2>&1; ls $hostdir 2>&1; ls /proc/ 2>&1; true"
pass "/proc as a symlink to a host path: resolves in the container"

in_ctr "$p" "rm /proc && mkdir /proc && mount -t tmpfs fake /proc && mkdir -p /proc/self/fd /proc/1 &&
  mkfifo /proc/self/oom_score_adj /proc/self/setgroups && ln -s $hostdir /proc/1/root && ln -s $hostdir /proc/self/cwd"
snapshot "$p"
works "/proc a fake tmpfs" "$p" -- sh -c "cat /proc/1/root/marker 2>&1; pwd; true"
assert_contains "$out" /app "pwd with a fake /proc"
refused "/proc a fake tmpfs, -w /proc/1/root" "$p" "/proc/1/root No such file or directory" -w /proc/1/root -- pwd
hostile "/proc a fake tmpfs, tty" script -qec "$CTRDBG -t $p -- tty" /dev/null </dev/null
assert_status "$rc" 0 "pty session with a fake /proc"
assert_contains "$out" /dev/pts/ "pty session with a fake /proc"
check_no_trace "$p" "/proc a fake tmpfs, tty"
# --as-container writes the spec's oomScoreAdj through the container's /proc: a fifo
# there must not hang the session, nor anything but procfs's own file be opened.
refused "/proc a fake tmpfs, --as-container" "$p" "not procfs /proc/self/oom_score_adj" --as-container -- true
in_ctr "$p" "umount -l /proc && mount -t proc proc /proc"
pass "/proc a tmpfs with fifos and symlinks to host paths: works, nothing followed out, no hang"

# ================================================================ /dev/pts (CAP_SYS_ADMIN)
# -t without a terminal: the pty is still made (that is what is under test).
pty_works() {  # WHAT [ENOSYS...]
  local what=$1
  shift
  local pre=()
  (($#)) && pre=("$CTRDBG_ENOSYS" "$@" --)
  hostile "$what" script -qec "${pre[*]} $CTRDBG -t $p -- sh -c 'tty; ls /dev/pts'" /dev/null </dev/null
  assert_status "$rc" 0 "$what"
  # (script passes a NUL to its pty when its stdin ends; only the path matters.)
  local dev
  dev=$(grep -o '/dev/[a-z]*pts/[0-9]*' <<<"$out" | head -1)
  [ -n "$dev" ] || fail "$what: tty inside: [$out]"
  check_no_trace "$p" "$what"
}
pty_refused() {  # WHAT 'SUBSTRING...' [ENOSYS...]
  local what=$1 subs=$2
  shift 2
  local pre=()
  (($#)) && pre=("$CTRDBG_ENOSYS" "$@" --)
  hostile "$what" "${pre[@]}" "$CTRDBG" -t "$p" -- tty </dev/null
  local words
  read -ra words <<<"$subs"
  assert_ctrdbg_error "${words[@]}"
  check_no_trace "$p" "$what"
  echo "   refused: $err"
  # Without a pty the same container is still usable.
  works "$what, -T" "$p" -- pwd
}
old=(openat2)

snapshot "$p"
pty_works "genuine devpts"
pty_works "genuine devpts, old kernel" "${old[@]}"

# Opening a device runs its driver: a node the container planted (here 1:3, null)
# must never be opened by the helper, which is host root outside the container's
# device cgroup. An inotify watch on the planted inodes (from the host, through the
# container's root) records every open of them.
cat >"$TEST_TMP/watch_opens.c" <<'C'
/* watch_opens OUT PATH...: appends "open PATH" to OUT on every open of a PATH. */
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>
int main(int argc, char** argv) {
  int in = inotify_init1(0);
  for (int i = 2; i < argc; ++i)
    if (inotify_add_watch(in, argv[i], IN_OPEN) != i - 1) { perror(argv[i]); return 1; }
  FILE* out = fopen(argv[1], "a");
  if (in < 0 || argc < 3 || !out) return 1;
  fputs("ready\n", out);
  fflush(out);
  char buf[4096] __attribute__((aligned(8)));
  for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
    for (char* p = buf; p < buf + n; p += sizeof(struct inotify_event) + ((struct inotify_event*)p)->len) {
      fprintf(out, "open %s\n", argv[((struct inotify_event*)p)->wd + 1]);
      fflush(out);
    }
  return 1;
}
C
cc -O2 -o "$TEST_TMP/watch_opens" "$TEST_TMP/watch_opens.c" || fail "cannot compile the inotify watcher"
watch_opens() {  # PATH... (in the container)
  local paths=() f
  for f in "$@"; do paths+=("/proc/$p_pid/root$f"); done
  rm -f "$TEST_TMP/opens"
  "$TEST_TMP/watch_opens" "$TEST_TMP/opens" "${paths[@]}" &
  watcher=$!
  on_exit "kill $watcher 2>/dev/null"
  wait_for 5 grep -qx ready "$TEST_TMP/opens" || fail "the inotify watcher did not start"
}
no_opens() {  # WHAT
  kill "$watcher" && wait "$watcher" 2>/dev/null
  assert_eq "$(grep -v '^ready$' "$TEST_TMP/opens")" "" "$1: opens of the planted devices"
}

in_ctr "$p" "umount /dev/pts && mknod /dev/pts/ptmx c 1 3 && mknod /dev/pts/0 c 1 3 && rm /dev/ptmx && mknod /dev/ptmx c 1 3"
watch_opens /dev/pts/ptmx /dev/pts/0 /dev/ptmx
snapshot "$p"
pty_works "/dev/pts a tmpfs with planted device nodes"
pty_works "/dev/pts a tmpfs with planted device nodes, old kernel" "${old[@]}"
no_opens "/dev/pts a tmpfs with planted device nodes"

# A genuine devpts, with a planted node bind-mounted over its ptmx.
in_ctr "$p" "rm /dev/pts/ptmx /dev/pts/0 && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
  mknod /tmp/planted c 1 3 && mount --bind /tmp/planted /dev/pts/ptmx"
watch_opens /tmp/planted
snapshot "$p"
pty_works "a device bind-mounted over /dev/pts/ptmx"
pty_works "a device bind-mounted over /dev/pts/ptmx, old kernel" "${old[@]}"
no_opens "a device bind-mounted over /dev/pts/ptmx"
in_ctr "$p" "umount /dev/pts/ptmx && rm /tmp/planted"

# The container's own fresh devpts instance: covered, not used.
snapshot "$p"
pty_works "a devpts instance the container mounted itself"
pty_works "a devpts instance the container mounted itself, old kernel" "${old[@]}"
pass "planted devices in /dev/pts are never opened; the session's own devpts covers whatever is there"

in_ctr "$p" "umount /dev/pts && rmdir /dev/pts && ln -s $hostdir /dev/pts"
snapshot "$p"
pty_refused "/dev/pts -> host dir" "/dev/pts No such file or directory"
in_ctr "$p" "rm /dev/pts && mkfifo /dev/pts"
snapshot "$p"
pty_refused "/dev/pts fifo" "/dev/pts Not a directory"
pty_refused "/dev/pts fifo, old kernel" "/dev/pts Not a directory" "${old[@]}"
in_ctr "$p" "rm /dev/pts && mkdir /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf /proc/1/cwd /dev/ptmx"
snapshot "$p"
pty_works "/dev/ptmx a magic link"
in_ctr "$p" "umount /dev/pts && rmdir /dev/pts && mkdir /dev/realpts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/realpts && ln -s realpts /dev/pts"
snapshot "$p"
pty_works "/dev/pts a symlink to a directory in the container"
in_ctr "$p" "rm /dev/pts && ln -s /proc/1/root/dev/realpts /dev/pts"
snapshot "$p"
pty_refused "/dev/pts a magic link" "/dev/pts Too many levels of symbolic links"
# Before openat2 (5.6) the magic link is followed, into the container's own mount
# namespace, where the kernel refuses to attach anything of the session's.
pty_refused "/dev/pts a magic link, old kernel" "attach the session's devpts at /dev/pts" "${old[@]}"
pass "/dev/pts as a symlink to a host path, a fifo, a magic link: refused with the reason; -T still works"

# ================================================================ a real terminal
# The refusal and a working hostile session, typed into a real terminal: the
# operator's terminal settings are exactly what they were.
tty_start 100 30
in_ctr "$a" "rm -r /app && ln -s ../../../../etc /app"
in_ctr "$p" "rm /dev/pts && mkfifo /dev/pts"
snapshot "$p"
a_diff=$(docker diff "$a" | sort)
p_diff=$(docker diff "$p" | sort)
tty_mark
m=$tty_m
tty_type "stty -a >$TEST_TMP/$m.before; $CTRDBG $p; echo \"RC\"\"$m=\$?\"; stty -a >$TEST_TMP/$m.after; echo \"E\"\"$m\""
tty_wait_line "^E$m\$" 20
tty_screen | grep -q "RC$m=125" || fail "tty: ctrdbg into $p did not exit 125: $(tty_screen | tail -5)"
assert_eq "$(tty_screen | grep -c '^ctrdbg: error: find the container.s /dev/pts')" 1 "tty: the refusal on the terminal"
diff -u "$TEST_TMP/$m.before" "$TEST_TMP/$m.after" >&2 || fail "tty: terminal settings changed by the refused session"
check_no_trace "$p" "tty refusal"
snapshot "$a"
tty_mark
m=$tty_m
tty_type "stty -a >$TEST_TMP/$m.before; $CTRDBG $a; echo \"RC\"\"$m=\$?\"; stty -a >$TEST_TMP/$m.after; echo \"E\"\"$m\""
tty_wait_line '^\[ctrdbg .*\] /etc # ' 10
tty_exec 'pwd; readlink /proc/self/cwd; tty' 10
[[ "$tty_out" =~ ^/etc$'\n'/etc$'\n'/dev/pts/[0-9]+$ ]] || fail "tty: pwd, cwd, tty in the session: [$tty_out]"
tty_type "cat $hostdir/marker; exit 3"
tty_wait_line "^E$m\$" 10
tty_screen | grep -q "RC$m=3" || fail "tty: exit status of the session: $(tty_screen | tail -5)"
tty_screen | grep -q "$secret" && fail "tty: the host marker was read"
diff -u "$TEST_TMP/$m.before" "$TEST_TMP/$m.after" >&2 || fail "tty: terminal settings changed by the session"
tty_exec 'echo "terminal" "ok"' 5
assert_eq "$tty_out" "terminal ok" "the outer shell after the sessions"
check_no_trace "$a" "tty session"
pass "real terminal: a refused and a hostile-but-working session leave it sane"
check_files "$a" "the last sessions"
check_files "$p" "the last sessions"
assert_eq "$(docker diff "$a" | sort)" "$a_diff" "docker diff of $a after the last sessions"
assert_eq "$(docker diff "$p" | sort)" "$p_diff" "docker diff of $p after the last sessions"
pass "no session changed a file of either container (upper layer after every case, docker diff)"
