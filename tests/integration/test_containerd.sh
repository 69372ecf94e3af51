#!/usr/bin/env bash
# containerd resolved from its task state on disk, against a real standalone
# containerd (its own socket, root and state dir; Docker's own containerd is left
# alone): NS/ID, ID prefix, --list, runc's state under a chosen and the default
# root, stale state after the task died, and lookups while containerd is down.
# Until the resolver is wired into ctrdbg, tests/tools/containerd_lookup drives
# it; the ctrdbg containerd://NS/ID checks run once `ctrdbg --help` mentions it.
# Leaves no process, mount or directory behind.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd containerd
need_cmd ctr
need_cmd containerd-shim-runc-v2
need_cmd runc
need_cmd unshare

LOOKUP=${CTRDBG_CONTAINERD_LOOKUP:-$(dirname "$CTRDBG")/tests/containerd_lookup}
[ -x "$LOOKUP" ] || skip "no containerd_lookup test tool at $LOOKUP (set CTRDBG_CONTAINERD_LOOKUP)"
fixture_busybox_image

ns=ctrdbg
sock=$TEST_TMP/c.sock
state=/run/ctrdbg-test-containerd-$$
task_root=$state/io.containerd.runtime.v2.task
runc_root=$TEST_TMP/runc  # container A's runc state; B's goes to runc's default root
ctrn() { timeout 60 ctr -a "$sock" -n "$ns" "$@"; }

# containerd's clients and shims create these shared dirs on first use; the ones
# this test creates are removed again (only when empty: never another's state).
shared_dirs=("/run/containerd/runc/$ns" /run/containerd/runc /run/containerd/fifo /run/containerd/s /run/containerd)
created_dirs=()
for d in "${shared_dirs[@]}"; do [ -e "$d" ] || created_dirs+=("$d"); done

ids=()
containerd_pid=""

start_containerd() {
  containerd --config "$TEST_TMP/config.toml" >>"$TEST_TMP/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for 20 ctr -a "$sock" version >/dev/null 2>&1 ||
    fail "standalone containerd did not come up: $(tail -5 "$TEST_TMP/containerd.log")"
}

stop_containerd() {
  [ -n "$containerd_pid" ] || return 0
  kill -TERM "$containerd_pid" 2>/dev/null
  wait_for 10 eval "! kill -0 $containerd_pid 2>/dev/null" || kill -KILL "$containerd_pid" 2>/dev/null
  wait "$containerd_pid" 2>/dev/null
  containerd_pid=""
}

# mount points under DIR, deepest first
mounts_under() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

# Processes of this test's containerd: its shims (started with -address $sock) and
# the containers' processes (in cgroups named after our IDs).
our_processes() {
  local p id
  for p in $(pgrep -f -- "-address $sock"); do echo "$p"; done
  for id in "${ids[@]}"; do
    grep -l -- "/$ns/$id\$" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3
  done
}

teardown() {
  local id p m d
  if [ -n "$containerd_pid" ]; then
    for id in "${ids[@]}"; do
      # --force: kills the task if it still runs, then deletes it (its shim exits).
      ctrn task delete --force "$id" >/dev/null 2>&1
      ctrn container delete "$id" >/dev/null 2>&1
    done
  fi
  stop_containerd
  # Whatever a failure left behind, by process ID.
  for p in $(our_processes | sort -u); do kill -KILL "$p" 2>/dev/null; done
  for m in $(mounts_under "$state") $(mounts_under "$TEST_TMP"); do umount -R "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$state"
  for d in "${created_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
  return 0
}
on_exit teardown

cat >"$TEST_TMP/config.toml" <<EOF
version = 2
root = "$TEST_TMP/root"
state = "$state"
# No Kubernetes: the CRI plugin would want CNI, a stream server and a port.
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[debug]
  address = ""
[metrics]
  address = ""
EOF
start_containerd

docker save ctrdbg-test/busybox | ctrn images import - >/dev/null || fail "ctr images import"
image=$(ctrn images ls -q | grep -m1 'ctrdbg-test/busybox') || fail "imported image not listed"

# A: a CRI-style 64-hex ID, runc state under $runc_root (options.json names it).
# B: a name as ID, runc state under the default /run/containerd/runc.
id_a=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
id_b=ctrdbg-web-$$
marker=marker-$$
id_c=web-$$  # short, as people name them: shorter than a Docker short ID
ids=("$id_a" "$id_b" "$id_c")
ctrn run -d --null-io --runc-root "$runc_root" --env "FOO=bar-$$" --cwd /tmp "$image" "$id_a" \
  sh -c "echo $marker >/tmp/marker && exec sleep 100000" >/dev/null || fail "ctr run A"
ctrn run -d --null-io --env "FOO=web-$$" "$image" "$id_b" sleep 100000 >/dev/null || fail "ctr run B"
ctrn run -d --null-io --env "FOO=c-$$" "$image" "$id_c" sleep 100000 >/dev/null || fail "ctr run C"

task_pid() { ctrn task ls | awk -v id="$1" '$1 == id && $3 == "RUNNING" { print $2 }'; }
pid_a=$(task_pid "$id_a")
pid_b=$(task_pid "$id_b")
pid_c=$(task_pid "$id_c")
[ -n "$pid_a" ] && [ -n "$pid_b" ] && [ -n "$pid_c" ] || fail "ctr task ls: no running tasks: $(ctrn task ls)"
start_a=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid_a/stat")
[ -f "$task_root/$ns/$id_a/init.pid" ] || fail "no task state at $task_root/$ns/$id_a"

lookup() {
  out=$("$LOOKUP" --task-root "$task_root" "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
}
field() { sed -n "s/^$1=//p" <<<"$out"; }

# 1. NS/ID: the PID ctr reports, the spec's env and cwd, runc's start time.
lookup containerd "$ns/$id_a"
assert_status "$rc" 0 "lookup $ns/$id_a"
assert_eq "$(field pid)" "$pid_a" "pid of $ns/$id_a (ctr task ls)"
assert_eq "$(field engine)" containerd "engine"
assert_eq "$(field name)" "$ns/$id_a" "name"
assert_eq "$(field cwd)" /tmp "cwd"
assert_eq "$(field user)" 0:0 "user"
assert_contains "$(field env)" "FOO=bar-$$" "env"
assert_eq "$(field start_time)" "$start_a" "start time from runc's state.json"
assert_contains "$(field source)" "$runc_root/$ns/$id_a/state.json" "source"
pass "$ns/$id_a: pid $pid_a, env, cwd, start time from $runc_root"

# 2. ID prefix without a namespace; a name-like ID with runc's default root.
lookup containerd "${id_a:0:12}"
assert_status "$rc" 0 "lookup ${id_a:0:12}"
assert_eq "$(field pid)" "$pid_a" "pid by ID prefix"
lookup containerd "ctrdbg-web"
assert_status "$rc" 0 "lookup ctrdbg-web"
assert_eq "$(field pid)" "$pid_b" "pid of $id_b by prefix"
assert_contains "$(field env)" "FOO=web-$$" "env of $id_b"
assert_contains "$(field source)" "/run/containerd/runc/$ns/$id_b/state.json" "source of $id_b"
lookup containerd "$id_c"
assert_status "$rc" 0 "lookup $id_c"
assert_eq "$(field pid)" "$pid_c" "pid of $id_c"
pass "ID prefix ${id_a:0:12}; $id_b (pid $pid_b) with runc's default root; $id_c"

# 3. list: both tasks with ctr's PIDs.
lookup list
assert_status "$rc" 0 "list"
assert_contains "$out" "containerd $ns/$id_a $id_a $pid_a" "list"
assert_contains "$out" "containerd $ns/$id_b $id_b $pid_b" "list"
assert_contains "$out" "containerd $ns/$id_c $id_c $pid_c" "list"
pass "list: all three tasks"

# 4. Not found / bad references: exit 125, saying where it looked.
lookup containerd "$ns/nope-$$"
assert_status "$rc" 125 "lookup of a missing task"
assert_contains "$err" "no containerd task in namespace $ns named 'nope-$$'" "not found"
assert_contains "$err" "$task_root (namespace $ns searched)" "not found: where"
not_found=$err
lookup containerd "other/$id_b"
assert_contains "$err" "namespace other not present" "unknown namespace"
lookup containerd "../etc"
assert_status "$rc" 125 "a path as ID"
pass "not found: $not_found"

# 5. containerd gone: the shims keep the tasks running, the state on disk answers.
stop_containerd
lookup containerd "$ns/$id_a"
assert_status "$rc" 0 "lookup with containerd stopped"
assert_eq "$(field pid)" "$pid_a" "pid with containerd stopped"
pass "containerd stopped: still resolved to pid $pid_a"
start_containerd

# 6. Once wired into ctrdbg: containerd://NS/ID enters the container. ctrdbg's
# default task roots do not include this test's, so it runs in a private mount
# namespace where the test's state (and runc's default root) is /run/containerd.
if "$CTRDBG" --help 2>&1 | grep -q 'containerd://'; then
  view=$TEST_TMP/run-containerd-view
  mkdir -p "$view/io.containerd.runtime.v2.task" "$view/runc"
  in_view() {
    unshare -m --propagation private sh -c '
      mount --bind "$1" "$2/io.containerd.runtime.v2.task" &&
      mount --bind /run/containerd/runc "$2/runc" &&
      mount --rbind "$2" /run/containerd && shift 2 && exec "$@"' sh "$task_root" "$view" "$@"
  }
  for ref in "containerd://$ns/$id_a" "containerd://${id_a:0:12}"; do
    out=$(in_view "$CTRDBG" -T "$ref" -- cat /tmp/marker 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
    err=$(cat "$TEST_TMP/stderr")
    assert_status "$rc" 0 "ctrdbg $ref"
    assert_eq "$out" "$marker" "file inside the container through $ref"
  done
  out=$(in_view "$CTRDBG" -T "containerd://$ns/$id_a" -- sh -c 'echo "$FOO $PWD"' 2>"$TEST_TMP/stderr") ||
    fail "ctrdbg env/cwd: $(cat "$TEST_TMP/stderr")"
  assert_eq "$out" "bar-$$ /tmp" "env and cwd of the session"
  # A short ID (no 12 hex digits to find in the cgroup): still its own process.
  out=$(in_view "$CTRDBG" -T "containerd://$ns/$id_c" -- sh -c 'echo "$FOO"' 2>"$TEST_TMP/stderr") ||
    fail "ctrdbg containerd://$ns/$id_c: $(cat "$TEST_TMP/stderr")"
  assert_eq "$out" "c-$$" "env of $id_c"
  out=$(in_view "$CTRDBG" -T "containerd://$ns/nope-$$" -- true 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
  assert_ctrdbg_error "nope-$$"
  pass "ctrdbg containerd://$ns/$id_a enters the container"

  # The default profile, from the task's spec: what `ctr task exec --user 0` gets, line
  # by line, plus CAP_SYS_PTRACE (Groups aside: ctrdbg resolves users by docker exec's
  # rules, which list the user's own group; ctr lists none).
  keys='^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|Uid|Gid):'
  want=$(ctrn task exec --exec-id "profile-$$" --user 0 "$id_a" grep -E "$keys" /proc/self/status |
    while IFS= read -r line; do
      case $line in
        CapBnd:* | CapPrm:* | CapEff:*) printf '%s:\t%016x\n' "${line%%:*}" $((16#${line#*:$'\t'} | (1 << 19))) ;;
        *) printf '%s\n' "$line" ;;
      esac
    done)
  [ -n "$want" ] || fail "ctr task exec printed no status lines"
  out=$(in_view "$CTRDBG" -T "containerd://$ns/$id_a" -- grep -E "$keys" /proc/self/status 2>"$TEST_TMP/stderr") ||
    fail "ctrdbg containerd://$ns/$id_a: $(cat "$TEST_TMP/stderr")"
  assert_eq "$out" "$want" "default profile of containerd://$ns/$id_a (ctrdbg vs ctr task exec --user 0 + CAP_SYS_PTRACE)"
  out=$(in_view "$CTRDBG" -T "containerd://$ns/$id_a" -- cat /proc/self/cgroup 2>"$TEST_TMP/stderr")
  assert_eq "$out" "$(ctrn task exec --exec-id "cgroup-$$" --user 0 "$id_a" cat /proc/self/cgroup)" \
    "cgroups of containerd://$ns/$id_a"
  pass "containerd://: the default profile is the task spec's (ctr task exec --user 0) + CAP_SYS_PTRACE"
else
  echo "# ctrdbg has no containerd:// yet: the wired checks are not run"
fi

# 7. The task dies; its state stays until `ctr task delete`: stale, refused.
ctrn task kill -s KILL "$id_b" >/dev/null || fail "ctr task kill"
wait_for 10 test ! -d "/proc/$pid_b" || fail "task $id_b (pid $pid_b) did not die"
wait_for 10 eval '[ -z "$(task_pid "$id_b")" ]' || fail "ctr still reports $id_b running"
[ -f "$task_root/$ns/$id_b/init.pid" ] || fail "fixture: the dead task's state was removed already"
lookup containerd "$ns/$id_b"
assert_status "$rc" 125 "lookup of a dead task"
assert_contains "$err" "init.pid names pid $pid_b, which is not running" "stale task"
assert_contains "$err" stale "stale task"
stale=$err
lookup list
assert_not_contains "$out" "$id_b" "list after the task died"
pass "dead task refused: $stale"

# 8. Teardown leaves nothing: no processes, no mounts, no state. (First: the
# check would see them — A's shim and process, the rootfs mount.)
before=$(our_processes | sort -u)
grep -qx "$pid_a" <<<"$before" || fail "our_processes does not see pid $pid_a: [$before]"
(($(wc -l <<<"$before") >= 2)) || fail "our_processes does not see the shims: [$before]"
[ -n "$(mounts_under "$state")" ] || fail "mounts_under does not see the rootfs mounts under $state"
teardown
leftover=$(our_processes | sort -u | tr '\n' ' ')
assert_eq "$leftover" "" "processes left by the test's containerd"
assert_eq "$(mounts_under "$state") $(mounts_under "$TEST_TMP")" " " "mounts left"
[ ! -e "$state" ] || fail "$state left behind"
pass "teardown: no processes, mounts or state left"
