#!/usr/bin/env bash
# --as-container: the command gets exactly what `docker exec` gives a process —
# capability sets, seccomp filter, no_new_privs, user and groups (-u USER[:GROUP]
# resolved from the container's own /etc/passwd and /etc/group), rlimits, umask and
# cgroup membership — compared line by line with `docker exec` in containers run with
# the default profile, dropped capabilities, no-new-privileges, a custom seccomp
# profile, --user, --ulimit and --privileged.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
if ! "$CTRDBG" --help 2>&1 | grep -q -- --as-container; then
  skip "ctrdbg has no --as-container yet"
fi
fixture_busybox_image

cat >"$TEST_TMP/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:App:/home/app:/bin/sh
web:x:1001:1001::/srv/web:/bin/sh
P
cat >"$TEST_TMP/group" <<'G'
root:x:0:root
wheel:x:10:root,app
app:x:1000:
web:x:1001:app
staff:x:50:web,app
G
build_image ctrdbg-test/busybox-users "$TEST_TMP/passwd" "$TEST_TMP/group" <<'D'
FROM ctrdbg-test/busybox
COPY passwd group /etc/
RUN ["/bin/mkdir", "-p", "/tmp"]
RUN ["/bin/chmod", "1777", "/tmp"]
CMD ["sleep", "100000"]
D
IMAGE=ctrdbg-test/busybox-users

# The lines of /proc/self/status that make up the security profile.
KEYS='^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|Uid|Gid|Groups):'

# same_as_docker LABEL CONTAINER [USER] -- SHELL-SNIPPET: the snippet's output (and exit
# status) under `docker exec [-u USER]` and `ctrdbg --as-container -T [-u USER]` must match.
# stdout and stderr are compared merged: docker exec relays them as two streams whose
# interleaving varies, so a snippet that writes to both merges them itself (2>&1).
same_as_docker() {
  local label=$1 c=$2 user=
  shift 2
  if [ "$1" != -- ]; then user=$1; shift; fi
  shift
  local u=()
  [ -n "$user" ] && u=(-u "$user")
  local want want_rc
  want=$(docker exec "${u[@]}" "$c" sh -c "$1" 2>&1) && want_rc=0 || want_rc=$?
  out=$("$CTRDBG" --as-container -T "${u[@]}" "$c" -- sh -c "$1" 2>&1 </dev/null) && rc=0 || rc=$?
  err=$out
  assert_eq "$out" "$want" "$label: output of [$1] (ctrdbg vs docker exec)"
  assert_status "$rc" "$want_rc" "$label: exit status of [$1]"
}

# profile_matches LABEL CONTAINER [USER]: the status lines, /proc/self/cgroup,
# /proc/self/limits and the umask are those of docker exec.
profile_matches() {
  local label=$1 c=$2 user=${3:-}
  local u=()
  [ -n "$user" ] && u=("$user")
  same_as_docker "$label" "$c" "${u[@]}" -- "grep -E '$KEYS' /proc/self/status"
  same_as_docker "$label" "$c" "${u[@]}" -- "cat /proc/self/cgroup"
  same_as_docker "$label" "$c" "${u[@]}" -- "grep -v -E '${LIMITS_EXCLUDE:-^\$}' /proc/self/limits"
  same_as_docker "$label" "$c" "${u[@]}" -- "umask"
  pass "$label: capabilities, seccomp, no_new_privs, ids, groups, cgroups, rlimits, umask as docker exec${user:+ -u $user}"
}

start() {  # NAME [docker run args...]
  local name=$1
  shift
  start_container "$name" "$IMAGE" "$@" >/dev/null
  wait_running "$name"
}

# ---- the default profile; users and groups from the container's own files ----
c=ctrdbg-asc-default-$$
start "$c"
status=$(docker exec "$c" cat /proc/self/status)
assert_contains "$status" $'Seccomp:\t2' "docker exec in a default container"
profile_matches "default" "$c"
for user in app 1000 app:staff 1000:1001 4242 4242:77 root web daemon:app :app; do
  profile_matches "default, -u $user" "$c" "$user"
  same_as_docker "default, -u $user" "$c" "$user" -- 'echo "HOME=$HOME"'
done
pass "-u USER[:GROUP]: uid, gid, groups and HOME as docker exec"

# --group-add (HostConfig.GroupAdd): docker exec -u adds those groups to the user's,
# by name from the container's /etc/group or by number; so does -u, whether the
# target was found through the API or on disk (hostconfig.json).
cg=ctrdbg-asc-groupadd-$$
start "$cg" --group-add wheel --group-add 4242
for user in app web:staff 1001; do
  profile_matches "--group-add wheel --group-add 4242, -u $user" "$cg" "$user"
done
want=$(docker exec -u web "$cg" grep Groups /proc/self/status)
assert_contains "$want" "4242" "docker exec -u web in a --group-add 4242 container"
for engine in api disk; do
  run_ctrdbg --engine "$engine" -T -u web "$cg" -- grep Groups /proc/self/status </dev/null
  assert_status "$rc" 0 "-u web, --engine $engine"
  assert_eq "$out" "$want" "-u web in a --group-add container, --engine $engine (ctrdbg vs docker exec)"
done
docker rm -f "$cg" >/dev/null
pass "-u adds the container's --group-add groups, as docker exec -u does (API and on-disk lookup)"

run_ctrdbg --as-container -T -u nobody "$c" -- true
assert_ctrdbg_error "unable to find user nobody"
run_ctrdbg --as-container -T -u app:nogroup "$c" -- true
assert_ctrdbg_error "unable to find group nogroup"
pass "-u with an unknown user or group: an error, as docker exec"

# The host's privileges are really gone: no CAP_SYS_ADMIN for mount(2).
same_as_docker "default" "$c" -- 'mount -t tmpfs none /tmp 2>&1; echo "status $?"'
assert_not_contains "$out" "status 0" "mount under --as-container"
pass "no host privileges left (mount fails as under docker exec)"

# -u with --privileged: only the user changes (host root's other privileges, no seccomp).
run_ctrdbg --privileged -T -u app:staff "$c" -- sh -c 'id; echo "HOME=$HOME"; grep -E "^CapEff|^Seccomp:" /proc/self/status' </dev/null
assert_status "$rc" 0 "--privileged -u app:staff"
assert_contains "$out" "uid=1000(app) gid=50(staff)" "--privileged -u app:staff: id"
assert_contains "$out" "HOME=/home/app" "--privileged -u app:staff: HOME"
assert_contains "$out" $'CapEff:\t0000000000000000' "--privileged -u app:staff: no capabilities"
assert_contains "$out" $'Seccomp:\t0' "--privileged -u app:staff: no seccomp filter"
pass "--privileged -u: the user, its group and HOME, no capabilities, no seccomp"
# -u in the default profile: the same user under the container's seccomp filter.
run_ctrdbg -T -u app:staff "$c" -- sh -c 'id; echo "HOME=$HOME"; grep -E "^CapEff|^Seccomp:" /proc/self/status' </dev/null
assert_status "$rc" 0 "-u app:staff in the default profile"
assert_contains "$out" "uid=1000(app) gid=50(staff)" "-u app:staff: id"
assert_contains "$out" "HOME=/home/app" "-u app:staff: HOME"
assert_contains "$out" $'CapEff:\t0000000000000000' "-u app:staff: no capabilities"
assert_contains "$out" $'Seccomp:\t2' "-u app:staff: the container's seccomp filter"
pass "-u in the default profile: the user, its group and HOME, under the container's seccomp filter"

# A pty belongs to the user the command runs as, as with docker exec -t.
run_ctrdbg -t -u app --as-container "$c" -- sh -c 'stat -c "%U %a" "$(tty)"' </dev/null
assert_status "$rc" 0 "--as-container -t -u app"
assert_contains "$out" "app 620" "--as-container -t -u app: owner and mode of its tty"
pass "--as-container -t: the session's pty belongs to the user"

# /etc/passwd and /etc/group are the container's even when they are symlinks that
# point at host paths: they resolve inside the container's root.
mkdir -p "$TEST_TMP/hostetc"
echo 'intruder:x:4444:4444::/host-home:/bin/sh' >"$TEST_TMP/hostetc/passwd"
c2=ctrdbg-asc-links-$$
start "$c2"
# The files are changed through ctrdbg itself: docker exec reads /etc/passwd too
# (runc looks HOME up) and blocks for good on a fifo there.
# --privileged: host root reads no /etc/passwd (the default profile resolves root in it).
in_c2() { "$CTRDBG" --privileged -T "$c2" -- sh -c "$1" </dev/null 2>/dev/null || fail "preparing $c2: $1"; }
in_c2 "mkdir -p /tmp/real && mv /etc/passwd /tmp/real/passwd && ln -s ../../../../../../..$TEST_TMP/hostetc/passwd /etc/passwd"
run_ctrdbg --as-container -T -u intruder "$c2" -- id </dev/null
assert_ctrdbg_error "unable to find user intruder"
in_c2 "ln -sf /tmp/real/passwd /etc/passwd"
run_ctrdbg --as-container -T -u app "$c2" -- id -u </dev/null
assert_status "$rc" 0 "-u app with /etc/passwd a symlink inside the container"
assert_eq "$out" "1000" "-u app with /etc/passwd a symlink inside the container"
in_c2 "rm /etc/passwd && mkfifo /etc/passwd"
run_ctrdbg --as-container -T -u app "$c2" -- id -u </dev/null
assert_ctrdbg_error "/etc/passwd"
in_c2 "rm /etc/passwd && ln -s /proc/1/fd/0 /etc/passwd"
run_ctrdbg --as-container -T -u app "$c2" -- id -u </dev/null
assert_ctrdbg_error "/etc/passwd"
pass "/etc/passwd as a symlink to a host path, a fifo or a magic link: never followed out, never a hang"

# A plain process has no OCI spec to take the restrictions from.
run_ctrdbg --as-container -T "pid://$(container_pid "$c")" -- true </dev/null
assert_ctrdbg_error "has no OCI runtime spec"
pass "--as-container pid://N: refused with the reason"

# A container that may trace: a warning with --privileged (host root), none in the
# default profile (the session holds nothing the container lacks) or --as-container.
c3=ctrdbg-asc-ptrace-$$
start "$c3" --cap-add SYS_PTRACE
run_ctrdbg --privileged -T "$c3" -- true </dev/null
assert_status "$rc" 0 "--privileged into a CAP_SYS_PTRACE container"
assert_contains "$err" "holds CAP_SYS_PTRACE" "warning for a CAP_SYS_PTRACE container"
run_ctrdbg --privileged -T "$c" -- true </dev/null
assert_not_contains "$err" "CAP_SYS_PTRACE" "no warning for a default container"
run_ctrdbg -T "$c3" -- true </dev/null
assert_status "$rc" 0 "default profile into a CAP_SYS_PTRACE container"
assert_not_contains "$err" "CAP_SYS_PTRACE" "no warning in the default profile"
run_ctrdbg --as-container -T "$c3" -- true </dev/null
assert_not_contains "$err" "CAP_SYS_PTRACE" "no warning with --as-container"
pass "CAP_SYS_PTRACE in the target: warned once with --privileged only"

# ---- --cap-drop ALL --cap-add NET_BIND_SERVICE ----
c=ctrdbg-asc-caps-$$
start "$c" --cap-drop ALL --cap-add NET_BIND_SERVICE
profile_matches "cap-drop ALL + NET_BIND_SERVICE" "$c"
profile_matches "cap-drop ALL + NET_BIND_SERVICE" "$c" app

# ---- --security-opt no-new-privileges ----
c=ctrdbg-asc-nnp-$$
start "$c" --security-opt no-new-privileges
assert_contains "$(docker exec "$c" cat /proc/self/status)" $'NoNewPrivs:\t1' "docker exec with no-new-privileges"
profile_matches "no-new-privileges" "$c"
profile_matches "no-new-privileges" "$c" 1000:1000

# ---- a custom seccomp profile: the default one without mkdir/mkdirat ----
profile="$TEST_TMP/seccomp.json"
id=$(docker inspect -f '{{.Id}}' ctrdbg-asc-default-$$)
# The bundle: dockerd's own containerd, or the system one (the packaged layout).
spec=$(ls /run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/"$id"/config.json \
  /run/containerd/io.containerd.runtime.v2.task/moby/"$id"/config.json 2>/dev/null | head -1)
if [ -n "$spec" ] && command -v python3 >/dev/null 2>&1; then
  python3 - "$spec" "$profile" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["linux"]["seccomp"]
for rule in s["syscalls"]:
    rule["names"] = [n for n in rule["names"] if n not in ("mkdir", "mkdirat")]
s["syscalls"] = [r for r in s["syscalls"] if r["names"]]
json.dump(s, open(sys.argv[2], "w"))
PY
else
  # No OCI spec to derive from: a small allow-by-default profile.
  cat >"$profile" <<'J'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
J
fi
c=ctrdbg-asc-seccomp-$$
start "$c" --security-opt seccomp="$profile"
profile_matches "custom seccomp profile" "$c"
same_as_docker "custom seccomp profile" "$c" -- 'mkdir /tmp/x'
assert_contains "$out" "Operation not permitted" "mkdir under the custom profile"
[ "$rc" != 0 ] || fail "mkdir succeeded under a profile that forbids it"
docker exec "$c" test -e /tmp/x && fail "/tmp/x was created"
# The default profile's answers: a forbidden call (EPERM) and clone3 (ENOSYS) the same way.
same_as_docker "custom seccomp profile" "$c" -- 'unshare -U true 2>&1; echo $?'
pass "a forbidden system call fails the same way (EPERM) as under docker exec"

# ---- --user 1000:1000 ----
c=ctrdbg-asc-user-$$
start "$c" --user 1000:1000
profile_matches "--user 1000:1000" "$c"
same_as_docker "--user 1000:1000" "$c" -- 'echo "HOME=$HOME"; id'
profile_matches "--user 1000:1000, -u root" "$c" root

# ---- --ulimit ----
# runc 1.1 before 1.1.12, built with Go >= 1.19, hands exec'd processes RLIMIT_NOFILE
# with the soft limit raised to the hard one (the Go runtime raises it in `runc init`
# after runc has set it; runc#4195). ctrdbg applies the spec's values, as fixed runc
# versions do and as the container's own init has them: that line is compared with
# the init's instead.
c=ctrdbg-asc-ulimit-$$
start "$c" --ulimit nofile=1024:2048 --ulimit nproc=500:600
LIMITS_EXCLUDE='^Max open files' profile_matches "--ulimit" "$c"
run_ctrdbg --as-container -T "$c" -- grep "open files" /proc/self/limits
assert_eq "$out" "$(grep "open files" "/proc/$(container_pid "$c")/limits")" "--ulimit: RLIMIT_NOFILE (the spec's, as the init has it)"
assert_contains "$out" "1024                 2048" "--ulimit nofile=1024:2048"
pass "--ulimit nofile: the spec's soft and hard limits"

# ---- --privileged: all capabilities, no seccomp ----
# Where dockerd itself lacks a capability (a sandbox that dropped CAP_SYS_RESOURCE from
# the bounding set, say), runc cannot start a privileged container; the same profile
# without the missing capabilities stands in for it.
c=ctrdbg-asc-priv-$$
docker rm -f "$c" >/dev/null 2>&1
if docker run -d --name "$c" --label "$TEST_TAG" --privileged "$IMAGE" >/dev/null 2>"$TEST_TMP/priv.err"; then
  label="--privileged"
else
  missing=()
  bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
    SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
    AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
    PERFMON BPF CHECKPOINT_RESTORE)
  for i in "${!names[@]}"; do (((bnd >> i) & 1)) || missing+=(--cap-drop "${names[i]}"); done
  ((${#missing[@]})) || fail "docker cannot start a privileged container: $(cat "$TEST_TMP/priv.err")"
  echo "# --privileged does not start here ($(tr -d '\n' <"$TEST_TMP/priv.err")); using --cap-add ALL ${missing[*]} --security-opt seccomp=unconfined" >&2
  docker rm -f "$c" >/dev/null 2>&1
  start "$c" --cap-add ALL "${missing[@]}" --security-opt seccomp=unconfined
  label="all capabilities, seccomp=unconfined"
fi
wait_running "$c"
assert_contains "$(docker exec "$c" cat /proc/self/status)" $'Seccomp:\t0' "docker exec in a $label container"
profile_matches "$label" "$c"
profile_matches "$label" "$c" app
