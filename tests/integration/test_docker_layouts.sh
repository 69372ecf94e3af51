#!/usr/bin/env bash
# Docker in both of its layouts, each a dockerd of the test's own (data-root,
# exec-root, socket, pidfile, daemon.json; no networking, in a network namespace of
# its own) next to the host's, which is left alone:
#   own        dockerd started bare runs its own containerd: the containers'
#              bundles (OCI config.json, init.pid) are under
#              <exec-root>/containerd/daemon/io.containerd.runtime.v2.task/moby/<id>
#   packaged   as Debian's and docker-ce's docker.service start it,
#              `dockerd --containerd=/run/containerd/containerd.sock` on a containerd
#              started on its own: the bundles are under
#              /run/containerd/io.containerd.runtime.v2.task/moby/<id>
# runc's state is <exec-root>/runtime-runc/moby/<id>/state.json in both. Each
# layout's daemons, and ctrdbg, run in a private mount namespace whose
# /run/containerd is a directory of the test's (a system containerd of the host's
# is not touched); what they mount goes with it. Per layout: plain entry,
# --as-container (the capabilities of the container's init), --engine disk, --list.
# Leaves no process, mount or directory behind.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_ctrdbg_binary
for c in dockerd containerd containerd-shim-runc-v2 runc ctr unshare nsenter; do need_cmd "$c"; done
fixture_busybox_image

base=/run/ctrdbg-layouts-$$  # exec-roots and the containerd state: short socket paths
declare -A holder=()         # per layout, the process that keeps its mount namespace
declare -A dockerd_pid=() containers=()
containerd_pid=""
created_run_containerd=0
[ -e /run/containerd ] || created_run_containerd=1

in_ns() { nsenter -t "${holder[$1]}" -m -n -- "${@:2}"; }  # LAYOUT COMMAND...
dk() { docker -H "unix://$TEST_TMP/$1/docker.sock" "${@:2}"; }  # LAYOUT DOCKER-ARGS...

# mount points under DIR in the host's namespace, deepest first
mounts_under() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

stop_pid() {  # PID [SECONDS]: TERM, then KILL
  local p=$1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  wait_for "${2:-15}" eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  return 0
}

teardown() {
  local layout id p m
  for layout in "${!dockerd_pid[@]}"; do
    for id in ${containers[$layout]:-}; do dk "$layout" rm -f "$id" >/dev/null 2>&1; done
  done
  for layout in "${!dockerd_pid[@]}"; do stop_pid "${dockerd_pid[$layout]}"; done  # and its own containerd
  dockerd_pid=()
  stop_pid "$containerd_pid"
  containerd_pid=""
  for layout in "${!holder[@]}"; do
    # Whatever is left in the namespace (a shim, a containerd dockerd left behind).
    for p in /proc/[0-9]*; do
      [ "$p" != "/proc/${holder[$layout]}" ] && [ "$p/ns/mnt" -ef "/proc/${holder[$layout]}/ns/mnt" ] &&
        kill -KILL "${p#/proc/}" 2>/dev/null
    done
    stop_pid "${holder[$layout]}" 5
  done
  holder=()
  # The containers' processes, in cgroups named after their IDs.
  for id in ${containers[*]:-}; do
    for p in $(grep -l -- "/$id" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do kill -KILL "$p" 2>/dev/null; done
  done
  for m in $(mounts_under "$base") $(mounts_under "$TEST_TMP"); do umount -R "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$base"
  ((created_run_containerd)) && rmdir /run/containerd 2>/dev/null
  return 0
}
on_exit teardown
trap 'exit 1' INT TERM HUP  # the EXIT trap cleans up

# One private mount namespace per layout, its /run/containerd a directory of the
# test's. A dockerd started without --containerd takes the containerd listening
# on /run/containerd/containerd.sock when there is one (Docker 20.10 does): the
# own layout's stays empty, the packaged one's is its containerd's state.
mkdir -p /run/containerd
for layout in own packaged; do
  mkdir -p "$base/$layout-run-containerd" "$TEST_TMP/$layout"
  # A network namespace of its own too: a dockerd started with --bridge=none deletes
  # the default bridge (docker0) it finds, which would be the host dockerd's.
  unshare -m -n --propagation private sleep infinity &
  holder[$layout]=$!
  wait_for 5 test ! "/proc/${holder[$layout]}/ns/mnt" -ef /proc/self/ns/mnt || fail "no private mount namespace"
  in_ns "$layout" mount --bind "$base/$layout-run-containerd" /run/containerd || fail "cannot bind over /run/containerd"
done

# The packaged layout's containerd, as its package starts it (socket and state in
# /run/containerd), with a root of the test's and without Kubernetes (the CRI
# plugin wants CNI and a port) and /opt/containerd.
cat >"$TEST_TMP/containerd.toml" <<EOF
version = 2
root = "$TEST_TMP/containerd-root"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
[debug]
  address = ""
[metrics]
  address = ""
EOF
nsenter -t "${holder[packaged]}" -m -n -- containerd --config "$TEST_TMP/containerd.toml" \
  >"$TEST_TMP/containerd.log" 2>&1 &
containerd_pid=$!

start_dockerd() {  # LAYOUT [DOCKERD ARGS...]
  local layout=$1
  shift
  nsenter -t "${holder[$layout]}" -m -n -- dockerd --data-root "$TEST_TMP/$layout/data" --exec-root "$base/$layout" \
    --pidfile "$base/$layout.pid" -H "unix://$TEST_TMP/$layout/docker.sock" --config-file "$TEST_TMP/daemon.json" \
    --bridge=none --iptables=false --ip6tables=false --storage-driver=overlay2 "$@" \
    >"$TEST_TMP/$layout/dockerd.log" 2>&1 &
  dockerd_pid[$layout]=$!
}
echo '{}' >"$TEST_TMP/daemon.json"  # not the host's /etc/docker/daemon.json
start_dockerd own
wait_for 20 in_ns packaged ctr -a /run/containerd/containerd.sock version >/dev/null 2>&1 ||
  fail "containerd did not come up: $(tail -5 "$TEST_TMP/containerd.log")"
start_dockerd packaged --containerd=/run/containerd/containerd.sock
docker save ctrdbg-test/busybox -o "$TEST_TMP/busybox.tar" || fail "docker save"

# ctrdbg ARGS...: run_ctrdbg in $layout's namespace, pointed at its dockerd: its
# socket, its data-root, and its exec-root through the config file.
ctrdbg() {
  out=$(CTRDBG_CONFIG="$TEST_TMP/$layout/ctrdbg.json" DOCKER_HOST="unix://$TEST_TMP/$layout/docker.sock" \
    in_ns "$layout" "$CTRDBG" -T --docker-root "$TEST_TMP/$layout/data" "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
}
host_caps=$(grep '^CapEff' /proc/self/status)

for layout in own packaged; do
  wait_for 30 dk "$layout" info >/dev/null 2>&1 ||
    fail "$layout dockerd did not come up: $(tail -5 "$TEST_TMP/$layout/dockerd.log")"
  dk "$layout" load -q -i "$TEST_TMP/busybox.tar" >/dev/null || fail "$layout: docker load"
  id=$(dk "$layout" run -d --network none --name "web-$layout" ctrdbg-test/busybox) || fail "$layout: docker run"
  containers[$layout]=$id
  pid=$(dk "$layout" inspect -f '{{.State.Pid}}' "$id")
  hostname=$(dk "$layout" inspect -f '{{.Config.Hostname}}' "$id")
  [ "$pid" -gt 0 ] && [ -n "$hostname" ] || fail "$layout: container not running"

  # The layout is what it claims: where containerd put the bundle, and runc's state.
  own_task=$base/$layout/containerd/daemon/io.containerd.runtime.v2.task/moby/$id
  system_task=/run/containerd/io.containerd.runtime.v2.task/moby/$id
  if [ "$layout" = own ]; then bundle=$own_task other=$system_task; else bundle=$system_task other=$own_task; fi
  in_ns "$layout" test -f "$bundle/config.json" || fail "$layout: no bundle at $bundle"
  in_ns "$layout" test ! -e "$other" || fail "$layout: a bundle at $other too"
  [ "$(in_ns "$layout" cat "$bundle/init.pid")" = "$pid" ] || fail "$layout: init.pid of $bundle is not $pid"
  [ -f "$base/$layout/runtime-runc/moby/$id/state.json" ] || fail "$layout: no runc state under the exec-root"
  echo "{\"docker\": {\"exec_root\": \"$base/$layout\"}}" >"$TEST_TMP/$layout/ctrdbg.json"

  # 1. Plain entry, through the Engine API.
  ctrdbg "web-$layout" -- cat /etc/hostname
  assert_status "$rc" 0 "$layout: ctrdbg web-$layout -- cat /etc/hostname"
  assert_eq "$out" "$hostname" "$layout: the container's /etc/hostname"
  # By ID prefix, which the system containerd's tasks also match (the same process: one match).
  ctrdbg "${id:0:12}" -- cat /etc/hostname
  assert_status "$rc" 0 "$layout: ctrdbg ${id:0:12}"
  assert_eq "$out" "$hostname" "$layout: by ID prefix"

  # 2. --as-container: the capabilities of the container's init, from the bundle's spec.
  init_caps=$(grep '^Cap' "/proc/$pid/status")
  init_eff=$(grep '^CapEff' <<<"$init_caps")
  [ "$init_eff" != "$host_caps" ] || fail "fixture: the container's CapEff is the host root's ($init_eff)"
  ctrdbg --as-container "web-$layout" -- grep Cap /proc/self/status
  assert_status "$rc" 0 "$layout: --as-container"
  assert_eq "$out" "$init_caps" "$layout: --as-container capabilities (the init's)"

  # 3. --engine disk: config.v2.json and runc's state; with --as-container, the bundle.
  ctrdbg -v --engine disk "web-$layout" -- cat /etc/hostname
  assert_status "$rc" 0 "$layout: --engine disk"
  assert_eq "$out" "$hostname" "$layout: --engine disk reads the container's /etc/hostname"
  assert_contains "$err" "docker on disk answered" "$layout: --engine disk -v"
  ctrdbg --engine disk --as-container "${id:0:12}" -- grep CapEff /proc/self/status
  assert_status "$rc" 0 "$layout: --engine disk --as-container"
  assert_eq "$out" "$init_eff" "$layout: --engine disk --as-container CapEff"

  # 4. --list, from disk.
  ctrdbg --list
  assert_status "$rc" 0 "$layout: --list"
  assert_contains "$(grep "web-$layout" <<<"$out")" " $pid " "$layout: --list"
  pass "$layout: entry, --as-container (${init_eff//$'\t'/ }), --engine disk, --list; bundle at $bundle"
done

# Teardown leaves nothing: no process of the test's daemons, no mount, no state.
teardown
for id in "${containers[@]}"; do
  left=$(grep -l -- "/$id" /proc/[0-9]*/cgroup 2>/dev/null)
  assert_eq "$left" "" "processes of container $id left"
done
left=$(pgrep -f -- "$base|$TEST_TMP/containerd|-id (${containers[own]}|${containers[packaged]})" | tr '\n' ' ')
assert_eq "$left" "" "daemons or shims left"
assert_eq "$(mounts_under "$base") $(mounts_under "$TEST_TMP")" " " "mounts left"
[ ! -e "$base" ] || fail "$base left behind"
pass "teardown: no processes, mounts or state left"
