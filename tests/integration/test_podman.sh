#!/usr/bin/env bash
# Rootful podman, which has no daemon: containers are found in its on-disk state.
# The image comes from the local Docker store (docker save | podman load).
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd podman

fixture_busybox_image
if ! podman image exists localhost/ctrdbg-test/busybox:latest 2>/dev/null; then
  docker save ctrdbg-test/busybox | podman load >/dev/null 2>&1 || fail "podman load of ctrdbg-test/busybox failed"
fi
# Podman's default limits exceed this machine's hard limits; these fit.
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
name="ctrdbg-pm-$$"
on_exit "podman rm -f -t 0 --ignore $name $name-stopped >/dev/null 2>&1"
podman run -d --name "$name" "${limits[@]}" -e FROM_SPEC=podman-env -w /bin \
  localhost/ctrdbg-test/busybox:latest sleep 31400 >/dev/null || fail "podman run failed"
pid=$(podman inspect -f '{{.State.Pid}}' "$name")
hostname=$(podman inspect -f '{{.Config.Hostname}}' "$name")

run_ctrdbg -v -T "podman://$name" -- sh -c 'hostname; echo $FROM_SPEC; pwd; tr "\\0" " " </proc/1/cmdline'
assert_eq "$rc" 0 "exit status (stderr: $err)"
assert_eq "$(sed -n 1p <<<"$out")" "$hostname" "hostname in the session (UTS namespace)"
assert_eq "$(sed -n 2p <<<"$out")" "podman-env" "env from podman's OCI spec"
assert_eq "$(sed -n 3p <<<"$out")" "/bin" "cwd from podman's OCI spec"
assert_eq "$(sed -n 4p <<<"$out")" "sleep 31400 " "PID 1 of the session's PID namespace"
assert_contains "$err" "podman on disk" "-v names the source"
pass "podman://NAME: pid $pid, env, cwd, from podman's on-disk state"

# A bare name is looked up in every engine.
run_ctrdbg -T "$name" -- hostname
assert_eq "$out" "$hostname" "bare name found in podman"
pass "bare name resolved to the podman container"

# The same name in Docker and podman: ambiguous, with the qualified forms.
start_container "$name" ctrdbg-test/busybox >/dev/null
run_ctrdbg -T "$name" -- true
assert_eq "$rc" 125 "exit status for a name two engines have"
assert_contains "$err" "docker://$name" "ambiguity error"
assert_contains "$err" "podman://$name" "ambiguity error"
pass "a name in two engines is refused: $err"
docker rm -f "$name" >/dev/null

# --list shows it, read from disk.
out=$("$CTRDBG" --list)
assert_contains "$out" "podman" "--list"
assert_contains "$(grep "$name" <<<"$out")" "$pid" "--list row of the podman container"
pass "--list includes podman"

# A stopped podman container is refused, not entered.
podman create --name "$name-stopped" "${limits[@]}" localhost/ctrdbg-test/busybox:latest sleep 1 >/dev/null
run_ctrdbg -T "podman://$name-stopped" -- true
assert_eq "$rc" 125 "exit status for a stopped podman container"
assert_contains "$err" "not running" "its error"
pass "stopped podman container refused"
