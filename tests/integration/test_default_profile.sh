#!/usr/bin/env bash
# Least privilege by default. A hostile image whose /etc/profile, ~/.profile,
# /bin/ls, /bin/bash and /etc/ld.so.preload try to take the host over (write a host
# file through open_by_handle_at or /proc/1/root, load a kernel module, open the
# host's disk through a device node, read the host's /etc/shadow: see
# tests/tools/escape_probe.c) gets nowhere in the default profile — in the session
# and in everything it starts — while strace -p, gdb -p (tests/tools/ptrace_probe.c),
# ls -l /proc/*/fd and netstat -p still work on a process of the container running as
# another user. The profile is `docker exec -u 0`'s line by line plus CAP_SYS_PTRACE
# (and a pid:// target's is the process's own); without a PID namespace of its own,
# or without a readable spec, less or nothing. With --privileged the shell sources
# none of the container's files, `ls` is the toolset's and a warning says what it
# means.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd cc
need_cmd python3
need_ctrdbg_binary
[ -x /bin/busybox ] || skip "needs busybox-static at /bin/busybox"

P=${CTRDBG_TEST_PREFIX:-ctrdbg}-dp
SRC=$CTRDBG_SOURCE_DIR/tests/tools
KEYS='^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|Uid|Gid|Groups):'

# ---- the host side: a marker file, its file handle, the host's root disk ----------
marker=$TEST_TMP/host-marker
echo untouched >"$marker"
mkdir -p "$TEST_TMP/vol"  # a volume on the marker's file system: the "shocker" setup
cc -O2 -o "$TEST_TMP/file_handle" "$SRC/file_handle.c" || fail "cannot compile file_handle.c"
handle=$("$TEST_TMP/file_handle" "$marker") || skip "$TEST_TMP has no file handles"
disk=$(findmnt -no MAJ:MIN -T / | head -1)
[ -n "$disk" ] && [ "${disk%%:*}" != 0 ] || disk=$(cat /sys/block/*/dev 2>/dev/null | head -1)
[ -n "$disk" ] || disk=8:0
defs=(-DMARKER_PATH="\"$marker\"" -DHANDLE_TYPE="${handle%% *}" -DHANDLE_HEX="\"${handle#* }\""
  -DDISK_MAJOR="${disk%%:*}" -DDISK_MINOR="${disk##*:}")
echo "# marker $marker (handle ${handle}), host disk $disk" >&2

# ---- the hostile image ---------------------------------------------------------------
ctx=$TEST_TMP/img
mkdir -p "$ctx"/{busybox,bin,usr/bin,lib,etc,root,tmp,vol} "$TEST_TMP/tools"
cc -static -O2 -DPROBE_MAIN "${defs[@]}" -o "$ctx/usr/bin/escape" "$SRC/escape_probe.c" &&
  cc -static -O2 -DPLANT_LS "${defs[@]}" -o "$ctx/bin/ls" "$SRC/escape_probe.c" &&
  cc -O2 -DPLANT_BASH "${defs[@]}" -o "$ctx/bin/bash" "$SRC/escape_probe.c" &&
  cc -O2 -shared -fPIC -DPLANT_PRELOAD "${defs[@]}" -o "$ctx/lib/libplant.so" "$SRC/escape_probe.c" &&
  cc -static -O2 -o "$TEST_TMP/tools/ptrace_probe" "$SRC/ptrace_probe.c" ||
  fail "cannot compile the probes"
cp "$ctx/usr/bin/escape" "$TEST_TMP/tools/toolset-escape"
# The dynamic /bin/bash needs the loader and libc, which read /etc/ld.so.preload.
for lib in $(ldd "$ctx/bin/bash" | grep -o '/[^ ]*'); do
  mkdir -p "$ctx$(dirname "$lib")" && cp -L "$lib" "$ctx$lib" || fail "cannot copy $lib"
done
cp /bin/busybox "$ctx/busybox/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$ctx/busybox/$applet"; done
echo /lib/libplant.so >"$ctx/etc/ld.so.preload"
echo '/usr/bin/escape profile' >"$ctx/etc/profile"
echo '/usr/bin/escape dotprofile' >"$ctx/root/.profile"
printf 'root:x:0:0:root:/root:/busybox/sh\napp:x:1234:1234::/tmp:/busybox/sh\n' >"$ctx/etc/passwd"
printf 'root:x:0:\napp:x:1234:\n' >"$ctx/etc/group"
chmod 1777 "$ctx/tmp"
echo Dockerfile >"$ctx/.dockerignore"
img=ctrdbg-test/plants:$$
cat >"$ctx/Dockerfile" <<'D'
FROM scratch
COPY . /
ENV PATH=/bin:/usr/bin:/busybox
CMD ["/busybox/httpd", "-f", "-p", "8080", "-h", "/tmp"]
D
_build_image "$img" "$ctx"
on_exit "docker rmi -f $img >/dev/null 2>&1"

start() {  # NAME [docker run args...]: the hostile image, its init (httpd) as uid 1234
  start_container "$1" "$img" --network none -v "$TEST_TMP/vol:/vol:ro" --user 1234:1234 "${@:2}" >/dev/null
  wait_running "$1"
}
c=$P-c-$$
start "$c"
plants_log() { docker exec -u 0 "$c" cat /tmp/plants.log 2>/dev/null; }
clear_log() { docker exec -u 0 "$c" rm -f /tmp/plants.log; }

# blocked WHAT TEXT LABEL...: every attempt of each LABEL is in TEXT, and none escaped.
blocked() {
  local what=$1 text=$2 label attempt
  shift 2
  assert_not_contains "$text" "ESCAPED" "$what"
  for label in "$@"; do
    for attempt in marker-handle marker-proc init_module mknod-open shadow; do
      assert_contains "$text" "$label: $attempt blocked" "$what"
    done
  done
}
marker_untouched() { assert_eq "$(cat "$marker")" untouched "the host's marker file ($1)"; }

# ---- the default profile: every plant runs, and fails -----------------------------------
run_ctrdbg -T "$c" -- escape session </dev/null
assert_status "$rc" 0 "the container's escape probe, named"
blocked "the session's command" "$out" session
run_ctrdbg -T --tools "$TEST_TMP/tools" "$c" -- toolset-escape toolset </dev/null
blocked "a toolset binary" "$out" toolset
marker_untouched "the session itself"
pass "the session itself: no host file written, no module loaded, the host's disk not opened, no host shadow"

clear_log
run_ctrdbg -T "$c" <<<'echo shell-ran'
assert_status "$rc" 0 "the default shell"
assert_contains "$out" shell-ran "the default shell"
blocked "the login shell's /etc/profile and ~/.profile" "$out" profile dotprofile
blocked "the plants' log in the container" "$(plants_log)" profile dotprofile
marker_untouched "/etc/profile, ~/.profile"
pass "the default (login) shell sources the container's /etc/profile and ~/.profile: they get nowhere"

run_ctrdbg -T "$c" ls / </dev/null
assert_contains "$out" PLANTED-LS "the container's /bin/ls (first on its PATH)"
blocked "/bin/ls" "$out" ls
run_ctrdbg -T "$c" bash -c 'echo bash-ran' </dev/null
assert_contains "$out" bash-ran "the container's /bin/bash"
blocked "/bin/bash with /etc/ld.so.preload" "$out" ld.so.preload bash
clear_log
run_ctrdbg -T "$c" -- sh -c '/bin/ls >/dev/null; bash -c true' </dev/null
blocked "what the session's shell starts" "$(plants_log)" ls bash ld.so.preload
marker_untouched "/bin/ls, /bin/bash, /etc/ld.so.preload"
pass "/bin/ls, /bin/bash and /etc/ld.so.preload, run by the session or by what it starts: they get nowhere"

# ---- debugging still works on a process of another user (pid 1: httpd as 1234) ---------
run_ctrdbg -T --tools "$TEST_TMP/tools" "$c" -- ptrace_probe seize 1 </dev/null
assert_status "$rc" 0 "strace -p's steps on httpd (uid 1234) [$out]"
assert_contains "$out" "seize 1: OK syscall" "strace -p's steps"
run_ctrdbg -T --tools "$TEST_TMP/tools" "$c" -- ptrace_probe attach 1 </dev/null
assert_status "$rc" 0 "gdb -p's steps on httpd (uid 1234) [$out]"
assert_contains "$out" "attach 1: OK" "gdb -p's steps"
run_ctrdbg -T "$c" -- sh -c 'ls -l /proc/*/fd' </dev/null
assert_contains "$out" "socket:[" "ls -l /proc/*/fd (httpd's listening socket)"
# ss -p and lsof -i: the listening socket's inode (/proc/net/tcp*) found among the
# fds of a process (busybox's netstat has no -p).
run_ctrdbg -T "$c" -- sh -c 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null' </dev/null
inode=$(awk '$2 ~ /:1F90$/ && $4 == "0A" { print $10; exit }' <<<"$out")
[ -n "$inode" ] || fail "no listening socket on port 8080 in /proc/net/tcp*: [$out]"
run_ctrdbg -T "$c" -- sh -c 'ls -l /proc/[0-9]*/fd 2>&1' </dev/null
assert_contains "$out" "socket:[$inode]" "the listener's socket among /proc/*/fd (ss -p, lsof -i)"
# The same without CAP_SYS_PTRACE: exactly docker exec -u 0's privileges, which do
# not reach uid 1234's process.
run_ctrdbg -T --as-container -u 0 --tools "$TEST_TMP/tools" "$c" -- ptrace_probe seize 1 </dev/null
assert_contains "$out" "PTRACE_SEIZE failed: EPERM" "--as-container -u 0: strace -p"
run_ctrdbg -T --as-container -u 0 "$c" -- ls -l /proc/1/fd </dev/null
assert_not_contains "$out" "socket:[" "--as-container -u 0: ls -l /proc/1/fd"
pass "strace -p, gdb -p (ptrace, process_vm_readv), ls -l /proc/*/fd and ss -p's socket lookup work on uid 1234's httpd"

# ---- the profile: docker exec -u 0's, line by line, plus CAP_SYS_PTRACE ----------------
# plus_ptrace: the Cap lines given with CAP_SYS_PTRACE (bit 19) added.
plus_ptrace() {  # KEYS-REGEX
  local line key value
  while IFS= read -r line; do
    key=${line%%:*} value=${line#*:$'\t'}
    if [[ "$key" =~ $1 ]]; then
      printf '%s:\t%016x\n' "$key" $((16#$value | (1 << 19)))
    else
      printf '%s\n' "$line"
    fi
  done
}
compare_with_docker_exec() {  # LABEL CONTAINER USER CAP-KEYS-WITH-PTRACE
  local label=$1 ctr=$2 user=$3 want got
  want=$(docker exec -u "$user" "$ctr" grep -E "$KEYS" /proc/self/status | plus_ptrace "$4")
  run_ctrdbg -T -u "$user" "$ctr" -- grep -E "$KEYS" /proc/self/status </dev/null
  assert_eq "$out" "$want" "$label: /proc/self/status (ctrdbg vs docker exec -u $user + CAP_SYS_PTRACE)"
  want=$(docker exec -u "$user" "$ctr" cat /proc/self/cgroup)
  run_ctrdbg -T -u "$user" "$ctr" -- cat /proc/self/cgroup </dev/null
  assert_eq "$out" "$want" "$label: /proc/self/cgroup"
}
compare_with_docker_exec "default profile" "$c" 0 '^Cap(Bnd|Prm|Eff)$'
# Without -u it is root of the container too.
run_ctrdbg -T "$c" -- grep -E "$KEYS" /proc/self/status </dev/null
assert_eq "$out" "$(docker exec -u 0 "$c" grep -E "$KEYS" /proc/self/status | plus_ptrace '^Cap(Bnd|Prm|Eff)$')" \
  "default profile without -u: root of the container"
# A non-root user loses every capability at execve, as under docker exec; only the
# bounding set keeps CAP_SYS_PTRACE.
compare_with_docker_exec "default profile, -u 1234" "$c" 1234 '^CapBnd$'
pass "default profile = docker exec -u 0 (or -u USER) + CAP_SYS_PTRACE: Cap*, Seccomp, NoNewPrivs, ids, groups, cgroups"
cd_=$P-caps-$$
start "$cd_" --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges
compare_with_docker_exec "--cap-drop ALL --cap-add NET_BIND_SERVICE, no-new-privileges" "$cd_" 0 '^Cap(Bnd|Prm|Eff)$'
run_ctrdbg -T "$cd_" -- escape dropped </dev/null
blocked "a container with every capability dropped" "$out" dropped
pass "the container's own restrictions (dropped capabilities, no-new-privileges) are kept, plus CAP_SYS_PTRACE"

# ---- -v names the profile; the audit line records it -------------------------------------
run_ctrdbg -v -T "$c" -- true </dev/null
assert_contains "$err" "profile: debug (the container's confinement + CAP_SYS_PTRACE) from " "-v"
assert_contains "$err" "/config.json: uid 0 gid 0" "-v"
sock="$TEST_TMP/audit.sock"
python3 - "$sock" >"$TEST_TMP/audit.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(20)
for _ in range(2):
    print(s.recv(65536).decode(), flush=True)
PY
listener=$!
wait_for 10 test -S "$sock" || fail "audit listener did not start"
printf '{"audit_socket": "%s"}\n' "$sock" >"$TEST_TMP/config.json"
CTRDBG_CONFIG="$TEST_TMP/config.json" "$CTRDBG" -T "$c" -- true </dev/null 2>/dev/null
CTRDBG_CONFIG="$TEST_TMP/config.json" "$CTRDBG" -T --privileged "$c" -- true </dev/null 2>/dev/null
wait "$listener" || fail "no audit lines arrived"
assert_contains "$(sed -n 1p "$TEST_TMP/audit.log")" " profile=debug " "audit line of a default session"
assert_contains "$(sed -n 2p "$TEST_TMP/audit.log")" " profile=privileged " "audit line of a --privileged session"
pass "-v names the profile; the audit line records it"

# ---- --privileged: host root, and nothing of the container's runs implicitly -------------
clear_log
run_ctrdbg --privileged -T "$c" <<<'echo shell-ran; echo "PATH=$PATH"'
assert_status "$rc" 0 "--privileged shell"
assert_contains "$out" shell-ran "--privileged shell"
assert_not_contains "$out" "profile:" "--privileged shell: /etc/profile"
assert_not_contains "$out" "dotprofile:" "--privileged shell: ~/.profile"
assert_eq "$(plants_log)" "" "plants' log after a --privileged shell"
assert_contains "$out" "PATH=/.ctrdbg/bin:/bin:" "--privileged: the toolset first on PATH"
assert_contains "$err" "--privileged: the command runs as host root with every capability" "--privileged warning"
assert_eq "$(grep -c -- --privileged <<<"$err")" 1 "--privileged warning lines"
run_ctrdbg --privileged -T "$c" ls / </dev/null
assert_status "$rc" 0 "--privileged ls /"
assert_not_contains "$out" PLANTED-LS "--privileged ls: the toolset's"
assert_contains "$out" busybox "--privileged ls / lists the container's /"
run_ctrdbg --privileged -T "$c" -- sh -c 'grep CapEff /proc/self/status' </dev/null
assert_contains "$out" "$(grep CapEff /proc/self/status)" "--privileged: host root's capabilities"
marker_untouched "--privileged sessions"
pass "--privileged: one warning, no profile files sourced, the toolset's ls, host root"

# ---- a container in the host's PID namespace: no CAP_SYS_PTRACE ----------------------------
ch=$P-hostpid-$$
start "$ch" --pid=host
run_ctrdbg -T "$ch" -- escape hostpid </dev/null
assert_status "$rc" 0 "default profile into a --pid=host container"
blocked "a --pid=host container (/proc/1 is the host's init)" "$out" hostpid
assert_contains "$err" "CAP_SYS_PTRACE not added" "--pid=host: the note"
assert_contains "$err" "shares ctrdbg's PID namespace" "--pid=host: the reason"
assert_eq "$(grep -c CAP_SYS_PTRACE <<<"$err")" 1 "--pid=host: said once"
run_ctrdbg -T "$ch" -- grep -E "$KEYS" /proc/self/status </dev/null 2>/dev/null
assert_eq "$out" "$(docker exec -u 0 "$ch" grep -E "$KEYS" /proc/self/status)" "--pid=host: exactly docker exec -u 0"
marker_untouched "--pid=host"
pass "--pid=host: the container's profile without CAP_SYS_PTRACE, said once; /proc/1/root of the host stays closed"

# A --privileged session in the container's PID namespace: a debug session would
# reach it, so it gets no CAP_SYS_PTRACE while it lasts; and --privileged warns about
# the debug session holding CAP_SYS_PTRACE.
"$CTRDBG" --privileged -T "$c" -- sleep 30 </dev/null >/dev/null 2>&1 &
priv=$!
wait_for 10 eval "docker exec -u 0 $c ps -o comm | grep -qx sleep" || fail "the --privileged session did not start"
run_ctrdbg -T "$c" -- grep CapEff /proc/self/status </dev/null
assert_contains "$err" "CAP_SYS_PTRACE not added" "a debug session beside a --privileged one"
assert_contains "$err" "outside its cgroups" "a debug session beside a --privileged one"
kill "$priv"
wait "$priv" 2>/dev/null
"$CTRDBG" -T "$c" -- sleep 30 </dev/null >/dev/null 2>&1 &
dbg=$!
wait_for 10 eval "docker exec -u 0 $c ps -o comm | grep -qx sleep" || fail "the debug session did not start"
run_ctrdbg --privileged -T "$c" -- true </dev/null
assert_contains "$err" "holds CAP_SYS_PTRACE" "--privileged beside a debug session"
kill "$dbg"
wait "$dbg" 2>/dev/null
pass "CAP_SYS_PTRACE only while every process of the namespace is the container's; --privileged warns about holders"

# ---- pid:// : the process's own confinement --------------------------------------------
cu=$P-unconfined-$$
start "$cu" --user 0 --security-opt seccomp=unconfined
cu_pid=$(container_pid "$cu")
want=$(grep -E "$KEYS" "/proc/$cu_pid/status" | plus_ptrace '^Cap(Bnd|Prm|Eff)$')
run_ctrdbg -T "pid://$cu_pid" -- grep -E "$KEYS" /proc/self/status </dev/null
assert_status "$rc" 0 "pid:// of an unconfined container's process"
assert_eq "$out" "$want" "pid://: /proc/self/status (ctrdbg vs the process itself + CAP_SYS_PTRACE)"
run_ctrdbg -T "pid://$cu_pid" -- cat /proc/self/cgroup </dev/null
assert_eq "$out" "$(docker exec "$cu" cat /proc/self/cgroup)" "pid://: /proc/self/cgroup"
run_ctrdbg -v -T "pid://$cu_pid" -- true </dev/null
assert_contains "$err" "profile: debug (the container's confinement + CAP_SYS_PTRACE) from /proc/$cu_pid/status" "-v, pid://"
run_ctrdbg -T "pid://$(container_pid "$c")" -- true </dev/null
assert_ctrdbg_error "seccomp filter" "--privileged"
run_ctrdbg -T --privileged "pid://$(container_pid "$c")" -- true </dev/null
assert_status "$rc" 0 "--privileged pid:// of a filtered process"
pass "pid://: the process's own capability sets, ids and cgroups + CAP_SYS_PTRACE; a seccomp filter refused"

# ---- podman: the profile from podman's spec, compared with podman exec -u 0 ---------------
if command -v podman >/dev/null 2>&1; then
  pm=$P-podman-$$
  docker save "$img" | podman load >/dev/null 2>&1 || fail "podman load of $img failed"
  on_exit "podman rm -f -t 0 --ignore $pm >/dev/null 2>&1; podman rmi -f $img >/dev/null 2>&1"
  # Podman's default limits exceed this machine's hard limits; these fit.
  podman run -d --name "$pm" --network none --user 1234:1234 --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    "$img" >/dev/null || fail "podman run failed"
  # Groups aside: ctrdbg resolves users by docker exec's rules for every engine, which
  # put the user's own group in the list; podman exec -u 0 leaves it out.
  want=$(podman exec -u 0 "$pm" grep -E "$KEYS" /proc/self/status | grep -v '^Groups:' | plus_ptrace '^Cap(Bnd|Prm|Eff)$')
  run_ctrdbg -T "podman://$pm" -- sh -c "grep -E '$KEYS' /proc/self/status | grep -v '^Groups:'" </dev/null
  assert_status "$rc" 0 "default profile into a podman container"
  assert_eq "$out" "$want" "podman: /proc/self/status (ctrdbg vs podman exec -u 0 + CAP_SYS_PTRACE)"
  run_ctrdbg -T "podman://$pm" -- cat /proc/self/cgroup </dev/null
  assert_eq "$out" "$(podman exec -u 0 "$pm" cat /proc/self/cgroup)" "podman: /proc/self/cgroup"
  run_ctrdbg -T "podman://$pm" -- escape podman </dev/null
  blocked "a podman container" "$out" podman
  marker_untouched "podman"
  pass "podman: the profile is podman exec -u 0's + CAP_SYS_PTRACE (groups by docker exec's rules), and the probe gets nowhere"
else
  echo "# podman is not installed: its profile is not compared" >&2
fi

# ---- no spec: refused, unless --privileged -------------------------------------------------
id=$(docker inspect -f '{{.Id}}' "$c")
spec=$(ls /run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/"$id"/config.json \
  /run/containerd/io.containerd.runtime.v2.task/moby/"$id"/config.json 2>/dev/null | head -1)
if [ -n "$spec" ]; then
  mv "$spec" "$spec.hidden"
  on_exit "[ -e '$spec.hidden' ] && mv '$spec.hidden' '$spec'"
  run_ctrdbg -T "$c" -- true </dev/null
  assert_ctrdbg_error "config.json" "--privileged"
  run_ctrdbg -T --privileged "$c" -- true </dev/null
  assert_status "$rc" 0 "--privileged without a spec"
  mv "$spec.hidden" "$spec"
  pass "a container whose spec cannot be read: refused (naming the spec and --privileged), unless --privileged"
else
  echo "# no runtime spec found for $c: the refusal is not checked" >&2
fi
marker_untouched "the end"
