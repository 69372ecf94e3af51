#!/usr/bin/env bash
# Entering: the command runs in the container's namespaces, sees its processes,
# files and environment, starts in its working directory, and its exit status
# is passed through.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
fixture_busybox_image
fixture_scratch_image
build_image ctrdbg-test/busybox-srv <<'D'
FROM ctrdbg-test/busybox
RUN ["/bin/mkdir", "-p", "/tmp"]
WORKDIR /srv
CMD ["sleep", "100000"]
D

token="marker-$$-$RANDOM"
bb=ctrdbg-enter-bb-$$
sc=ctrdbg-enter-scratch-$$
start_container "$bb" ctrdbg-test/busybox-srv -e FOO=bar -e TOKEN="$token" \
  -- sh -c 'echo "$TOKEN" >/srv/marker && exec sleep 100000' >/dev/null
start_container "$sc" ctrdbg-test/scratch >/dev/null
wait_running "$bb"
wait_running "$sc"
bb_pid=$(container_pid "$bb")
sc_pid=$(container_pid "$sc")

# ---- processes: the container's PID namespace, not the host's ----
for c in "$bb:sleep 100000" "$sc:/service"; do
  name=${c%%:*} init=${c#*:}
  run_ctrdbg -T "$name" -- ps
  assert_status "$rc" 0 "ps in $name"
  grep -qE "^ *1 +[^ ]+ +$init\$" <<<"$out" || fail "ps in $name: PID 1 is not [$init]: [$out]"
  assert_not_contains "$out" dockerd "ps in $name"
  assert_not_contains "$out" containerd "ps in $name"
  nproc=$(($(wc -l <<<"$out") - 1))
  ((nproc <= 4)) || fail "ps in $name lists $nproc processes: [$out]"
done
pass "ps shows the container's processes only"

# ---- namespaces ----
ns_report='for n in cgroup ipc uts net pid user time mnt; do
  [ -e /proc/self/ns/$n ] && echo "$n $(readlink /proc/self/ns/$n)"; done'
for c in "$bb:$bb_pid" "$sc:$sc_pid"; do
  name=${c%%:*} pid=${c#*:}
  run_ctrdbg -T "$name" -- sh -c "$ns_report"
  assert_status "$rc" 0 "namespaces in $name"
  for n in cgroup ipc uts net pid user time; do
    [ -e /proc/self/ns/$n ] || continue
    want=$(readlink "/proc/$pid/ns/$n")
    got=$(awk -v n=$n '$1 == n {print $2}' <<<"$out")
    assert_eq "$got" "$want" "$n namespace in $name"
  done
  # mnt: the container's mount namespace, then a private copy of it (so the
  # container never sees the toolset): neither the host's nor the container's own
  # inode, but the container's mounts, e.g. its /etc/hostname bind mount.
  got=$(awk '$1 == "mnt" {print $2}' <<<"$out")
  [ -n "$got" ] || fail "no mnt namespace reported in $name: [$out]"
  [ "$got" != "$(readlink /proc/self/ns/mnt)" ] || fail "session in $name is in the host's mount namespace"
done
id=$(docker inspect -f '{{.Id}}' "$bb")
run_ctrdbg -T "$bb" -- cat /proc/self/mountinfo
assert_status "$rc" 0 "mountinfo in $bb"
grep -q " /etc/hostname " <<<"$out" || fail "the container's /etc/hostname mount is missing in the session: [$out]"
grep " /etc/hostname " <<<"$out" | grep -q "$id" || fail "/etc/hostname in the session is not $bb's"
pass "namespaces are the target's (mnt: a private copy of its mount namespace)"

# ---- CPUs: the command may use the CPUs ctrdbg may use (the helper is started on
# another CPU for a moment, and must give that back before the command starts) ----
cpus() { awk '/^Cpus_allowed_list:/ {print $2}' "$@"; }
run_ctrdbg -T "$bb" -- cat /proc/self/status
assert_status "$rc" 0 "status in $bb"
assert_eq "$(cpus <<<"$out")" "$(cpus /proc/self/status)" "CPUs the command may use"
if [ "$(nproc)" -gt 1 ]; then
  out=$(taskset -c 1 "$CTRDBG" -T "$bb" -- cat /proc/self/status) || fail "taskset -c 1 ctrdbg failed"
  assert_eq "$(cpus <<<"$out")" "1" "CPUs the command may use under taskset -c 1"
fi
pass "the command's CPU set is ctrdbg's"

# ---- files: the container's ----
wait_for 10 "$CTRDBG" -T "$bb" -- test -s /srv/marker || fail "the container did not write /srv/marker"
run_ctrdbg -T "$bb" -- cat /srv/marker
assert_status "$rc" 0 "cat /srv/marker"
assert_eq "$out" "$token" "/srv/marker inside"
[ ! -e /srv/marker ] || [ "$(cat /srv/marker)" != "$token" ] || fail "fixture: /srv/marker also on the host"
run_ctrdbg -T "$bb" -- cat /etc/hostname
assert_eq "$out" "$(docker inspect -f '{{.Config.Hostname}}' "$bb")" "/etc/hostname inside"
run_ctrdbg -T "$sc" -- ls /
assert_status "$rc" 0 "ls / in scratch"
assert_contains "$out" service "ls / in scratch"
grep -qx bin <<<"$out" && fail "ls / in scratch shows a /bin the image does not have: [$out]"
pass "files are the container's"

# ---- environment ----
hostname_bb=$(docker inspect -f '{{.Config.Hostname}}' "$bb")
ctr_path=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$bb" | sed -n 's/^PATH=//p')
run_ctrdbg -T "$bb" -- env
assert_status "$rc" 0 "env"
env_of() { sed -n "s/^$1=//p" <<<"$out"; }
assert_eq "$(env_of FOO)" bar "FOO from docker run -e"
assert_eq "$(env_of HOSTNAME)" "$hostname_bb" "HOSTNAME"
assert_eq "$(env_of PATH)" "$ctr_path:/.ctrdbg/bin" "PATH"
# HOME: that of root of the container, as docker exec -u 0 sets it (this image has
# no /etc/passwd: /); host root's /root with --privileged.
assert_eq "$(env_of HOME)" "$(docker exec -u 0 "$bb" sh -c 'echo "$HOME"')" "HOME (as docker exec -u 0)"
grep -q '^TERM=' <<<"$out" && fail "TERM is set without a pty: [$out]"
run_ctrdbg --privileged -T "$bb" -- env
assert_eq "$(env_of HOME)" /root "HOME with --privileged"
export CTRDBG_HOST_VAR="from host $$"
unset CTRDBG_UNSET_VAR
run_ctrdbg -T -e FOO=override -e X=1 -e CTRDBG_HOST_VAR -e CTRDBG_UNSET_VAR "$bb" -- env
assert_status "$rc" 0 "env with -e"
assert_eq "$(env_of FOO)" override "-e FOO=override"
assert_eq "$(env_of X)" 1 "-e X=1"
assert_eq "$(env_of CTRDBG_HOST_VAR)" "from host $$" "-e KEY from ctrdbg's environment"
grep -q '^CTRDBG_UNSET_VAR=' <<<"$out" && fail "-e of an unset variable set it: [$out]"
[ "$(grep -c '^FOO=' <<<"$out")" = 1 ] || fail "FOO appears twice: [$out]"
run_ctrdbg -T "$sc" -- env
assert_status "$rc" 0 "env in scratch"
assert_eq "$(env_of HOSTNAME)" "$(docker inspect -f '{{.Config.Hostname}}' "$sc")" "HOSTNAME in scratch"
[[ "$(env_of PATH)" == *:/.ctrdbg/bin ]] || fail "PATH in scratch: [$(env_of PATH)]"
pass "environment"

# ---- working directory ----
run_ctrdbg -T "$bb" -- pwd
assert_eq "$out" /srv "cwd from the image's WORKDIR"
run_ctrdbg -T -w /tmp "$bb" -- pwd
assert_eq "$out" /tmp "cwd with -w /tmp"
run_ctrdbg -T "$sc" -- pwd
assert_eq "$out" / "cwd without a WorkingDir"
run_ctrdbg -T -w /no/such/dir "$bb" -- pwd
assert_ctrdbg_error "/no/such/dir"
pass "working directory"

# ---- exit statuses ----
run_ctrdbg -T "$bb" -- sh -c 'exit 3'
assert_status "$rc" 3 "sh -c 'exit 3'"
run_ctrdbg -T "$bb" -- sh -c 'kill -9 $$'
assert_status "$rc" 137 "killed by SIGKILL"
run_ctrdbg -T "$bb" -- sh -c 'kill -TERM $$'
assert_status "$rc" 143 "killed by SIGTERM"
run_ctrdbg -T "$bb" -- no-such-command-$$ arg
assert_status "$rc" 127 "command not found"
assert_contains "$err" "no-such-command-$$" "not-found message"
[[ "$err" == "ctrdbg: error: "* ]] || fail "not-found message: [$err]"
run_ctrdbg -T "$sc" -- /no/such/binary
assert_status "$rc" 127 "absolute path not found"
assert_contains "$err" "/no/such/binary" "not-found message"
run_ctrdbg -T "$bb" -- /etc/hostname
assert_status "$rc" 126 "non-executable file"
assert_contains "$err" "/etc/hostname" "cannot-execute message"
run_ctrdbg -T "$bb" -- true
assert_status "$rc" 0 "true"
pass "exit statuses"

# ---- lookup: the container's PATH first, then the toolset ----
run_ctrdbg -T "$bb" -- which ls
assert_eq "$out" /bin/ls "which ls in the busybox image"
run_ctrdbg -T "$bb" -- readlink /proc/self/exe
assert_status "$rc" 0 "readlink /proc/self/exe"
[[ "$out" == /bin/* ]] || fail "a command in the container's PATH ran from [$out], not the container's /bin"
run_ctrdbg -T "$sc" -- which ls
assert_eq "$out" /.ctrdbg/bin/ls "which ls in the scratch image"
run_ctrdbg -T "$sc" -- readlink /proc/self/exe
[[ "$out" == /.ctrdbg/* ]] || fail "in the scratch image readlink ran from [$out], not the toolset"
pass "command lookup"
