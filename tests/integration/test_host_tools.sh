#!/usr/bin/env bash
# --tools with the host's dynamically linked tools (strace, ss, lsof, python3, gdb,
# tcpdump, dig, curl): staged with their shared-library closure and a sealed copy
# of the host's glibc loader, they work in containers that have none of their
# libraries (static, glibc-distroless, musl), against what the container runs: its
# processes, its listener, traffic and servers in its network namespace (a DNS
# responder and a TLS server the test starts there from the host). In a container
# full of plants (fake libraries, ld.so.preload/cache, NSS, gconv, OpenSSL, Python
# and gdb init files, LD_* in its Env) every tool works and no plant ever runs,
# while the planted variables still reach what the tools start. Broken requests
# (unknown name, incomplete closure, a script, a foreign binary) are refused before
# a session starts; exit statuses and signals pass through; the container sees
# none of it (mount table, docker diff).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tool_fixtures.sh"
need_root
need_docker
need_ctrdbg_binary
for cmd in strace tcpdump gdb curl dig ss lsof ip python3 openssl nsenter timeout cc; do need_cmd "$cmd"; done
# The developer's PATH may hold a pyenv shim for python3 (a script): the tool is
# the system's interpreter, by path.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs $PY"

fixture_tools_targets
fixture_hostile_tools_target

# ---- targets, started once --------------------------------------------------------

scratch="$TEST_TAG-scratch" glibc="$TEST_TAG-glibc" musl="$TEST_TAG-musl" hostile="$TEST_TAG-hostile"
declare -A image=(["$scratch"]=$TOOLS_SCRATCH_IMAGE ["$glibc"]=$TOOLS_GLIBC_IMAGE
                  ["$musl"]=$TOOLS_MUSL_IMAGE ["$hostile"]=$TOOLS_HOSTILE_IMAGE)
targets=("$scratch" "$glibc" "$musl" "$hostile")
for name in "${targets[@]}"; do start_container "$name" "${image[$name]}" >/dev/null; done
declare -A cpid=() mounts_before=() diff_before=()
for name in "${targets[@]}"; do
  wait_running "$name"
  cpid[$name]=$(container_pid "$name")
  # The service is up once it listens (it ran /app/child first).
  wait_for 10 grep -q ':1B9E 00000000:0000 0A' "/proc/${cpid[$name]}/net/tcp" ||
    fail "$name: the service does not listen on $TOOLS_SERVICE_PORT"
  mounts_before[$name]=$(cat "/proc/${cpid[$name]}/mountinfo")
  diff_before[$name]=$(docker diff "$name")
done
markers=$(hostile_planted_markers "$hostile") || exit 1
assert_eq "$markers" "" "PLANTED-* markers before any session (the service itself loads nothing)"

# ---- servers in the containers' network namespaces (run from the host) -------------

# A DNS responder on 127.0.0.1:5353: any A query gets 10.1.2.3; exits after
# argv[1] seconds (or is killed on exit).
cat >"$TEST_TMP/dns.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 5353))
deadline = time.monotonic() + float(sys.argv[1])
print("ready", flush=True)
while (left := deadline - time.monotonic()) > 0:
    s.settimeout(left)
    try:
        query, peer = s.recvfrom(4096)
    except socket.timeout:
        break
    if len(query) < 17:
        continue
    qid, flags = struct.unpack("!HH", query[:4])
    end = query.find(b"\0", 12) + 5  # the name's labels, then QTYPE and QCLASS
    if end < 17 or end > len(query):
        continue
    question = query[12:end]
    answer = b""
    if struct.unpack("!H", question[-4:-2])[0] == 1:  # A
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("10.1.2.3")
    header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1 if answer else 0, 0, 0)
    s.sendto(header + question + answer, peer)
PY
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
  -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" >/dev/null 2>&1 || fail "openssl req failed"

tls_listening() { nsenter -t "$1" -n ss -Htln 'sport = :8443' | grep -q .; }
start_netns_servers() {  # CONTAINER
  local name=$1 pid=${cpid[$1]}
  nsenter -t "$pid" -n "$PY" "$TEST_TMP/dns.py" 120 >"$TEST_TMP/dns-$name.log" 2>&1 &
  on_exit "kill $! 2>/dev/null"
  nsenter -t "$pid" -n openssl s_server -accept 8443 -cert "$TEST_TMP/cert.pem" -key "$TEST_TMP/key.pem" \
    -www -quiet </dev/null >"$TEST_TMP/tls-$name.log" 2>&1 &
  on_exit "kill $! 2>/dev/null"
  wait_for 10 grep -q ready "$TEST_TMP/dns-$name.log" ||
    fail "$name: the DNS responder did not start: $(cat "$TEST_TMP/dns-$name.log")"
  wait_for 10 tls_listening "$pid" || fail "$name: openssl s_server did not start: $(cat "$TEST_TMP/tls-$name.log")"
}
for name in "$glibc" "$scratch" "$musl" "$hostile"; do start_netns_servers "$name"; done

# ---- helpers -----------------------------------------------------------------------

# in_session CONTAINER TOOLS SCRIPT: a -T session with --tools TOOLS running the
# toolset's sh -c SCRIPT; sets $out $err $rc.
in_session() { run_ctrdbg -T --tools "$2" "$1" -- sh -c "$3"; }
# expect_ok WHAT: the session exited 0.
expect_ok() { [ "$rc" = 0 ] || fail "$1: exit $rc; stdout: [$out]; stderr: [$err]"; }
# expect_line WHAT ERE: a line of $out matches ERE.
expect_line() { grep -Eq -- "$2" <<<"$out" || fail "$1: no line matching /$2/ in: [$out]; stderr: [$err]"; }
# no_plants WHAT: the hostile container's /tmp holds no PLANTED-* marker.
no_plants() {
  local m
  m=$(hostile_planted_markers "$hostile") || exit 1
  [ -z "$m" ] || fail "$1 loaded container code: markers in the container's /tmp: [${m//$'\n'/ }]; stdout: [$out]; stderr: [$err]"
}
# nothing_left CONTAINER WHAT: no ctrdbg process, no session mount on the host or in
# the container, nothing but the service in its PID namespace.
nothing_left() {
  local pids mnt procs
  pids=$(ctrdbg_pids "$1")
  [ -z "$pids" ] || fail "$2: ctrdbg processes left: $pids"
  mnt=$(host_ctrdbg_mounts)
  [ -z "$mnt" ] || fail "$2: session mounts left on the host: [$mnt]"
  assert_eq "$(cat "/proc/${cpid[$1]}/mountinfo")" "${mounts_before[$1]}" "$2: the container's mount table"
  procs=$(processes_in_pidns "${cpid[$1]}")
  [ "$(wc -l <<<"$procs")" = 1 ] && [[ "$procs" == *" /app/server" ]] ||
    fail "$2: processes in the container besides its service: [$procs]"
}
# A tcpdump session script: capture one packet to the service while connecting to
# it until tcpdump has one (it may not be listening at the first connection).
# $1: how to start tcpdump (e.g. with timeout).
tcpdump_script() {
  echo "$1 tcpdump -i lo -c 1 -n tcp port $TOOLS_SERVICE_PORT 2>&1 & t=\$!
    i=0
    while kill -0 \$t 2>/dev/null && [ \$i -lt 40 ]; do
      nc 127.0.0.1 $TOOLS_SERVICE_PORT </dev/null >/dev/null 2>&1; sleep 0.25; i=\$((i + 1))
    done
    wait \$t; echo tcpdump-exit=\$?"
}
TCPDUMP_LINE="IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$TOOLS_SERVICE_PORT: "
EXECVE_CHILD='^execve\("/app/child", \["/app/child"\], .*\) = 0$'

# ---- 1. every tool in a glibc-distroless target ----------------------------------

in_session "$glibc" strace 'strace -f /app/child 2>&1'
expect_ok "strace -f /app/child (glibc)"
expect_line "strace -f /app/child (glibc): the child's output" '(^|[^-])child-ran$'
expect_line "strace -f /app/child (glibc): the child's execve" "$EXECVE_CHILD"
in_session "$glibc" strace 'strace -f -e trace=openat /app/child 2>&1'
expect_ok "strace -e trace=openat /app/child (glibc)"
expect_line "the child opens the container's libc" \
  '^openat\(AT_FDCWD, "/lib/x86_64-linux-gnu/libc\.so\.6", O_RDONLY\|O_CLOEXEC\) = [0-9]+$'
assert_not_contains "$out" '"/.ctrdbg' "the child's openat calls (nothing of the tool directory)"
pass "glibc target: strace -f runs the container's dynamic child, which loads the container's libc"

in_session "$glibc" ss,lsof 'ss -tlnp; echo "ss-exit=$?"; lsof -nP -i :7070; echo "lsof-exit=$?"'
expect_line "ss -tlnp (glibc)" '^ss-exit=0$'
expect_line "ss -tlnp (glibc): the service's listener" ":7070 .*users:\(\(\"server\",pid=1,fd=[0-9]+\)\)"
expect_line "lsof -nP -i :7070 (glibc)" '^lsof-exit=0$'
expect_line "lsof -nP -i :7070 (glibc): the service's listener" '^server +1 .* TCP \*:7070 \(LISTEN\)$'
pass "glibc target: ss -tlnp and lsof -i :7070 name the container's listener (server, pid 1)"

in_session "$glibc" "$PY" 'python3 -c "import sys, json, ssl; print(\"prefix=\" + sys.prefix)"'
expect_ok "python3 -c (glibc)"
assert_eq "$out" "prefix=/.ctrdbg" "python3's sys.prefix (glibc)"
pass "glibc target: python3 runs with its standard library (sys.prefix /.ctrdbg; json, ssl import)"

in_session "$glibc" gdb 'gdb -batch -p 1 -ex bt 2>&1'
expect_ok "gdb -batch -p 1 -ex bt (glibc)"
expect_line "gdb -batch -p 1 -ex bt (glibc): a backtrace" '^#0 +0x[0-9a-f]+ in '
# gdb's own Python home (PYTHONHOME) is not passed to the program it starts.
in_session "$glibc" gdb 'gdb -batch -ex "python print(\"gdb-python-ok\")" -ex run --args /.ctrdbg/bin/env 2>&1'
expect_ok "gdb -ex python -ex run --args env (glibc)"
expect_line "gdb's embedded Python" '^gdb-python-ok$'
expect_line "the inferior's environment" '^APP_MODE=test$'
assert_not_contains "$out" "PYTHONHOME" "the environment of gdb's inferior"
pass "glibc target: gdb attaches to pid 1 (backtrace), runs Python and an inferior without its PYTHONHOME"

in_session "$glibc" tcpdump "$(tcpdump_script "")"
expect_line "tcpdump -c 1 (glibc)" '^tcpdump-exit=0$'
expect_line "tcpdump (glibc): the captured connection" "$TCPDUMP_LINE"
pass "glibc target: tcpdump -i lo captures the test's connection to port 7070"

in_session "$glibc" dig 'dig +short -p 5353 @127.0.0.1 probe.test'
expect_ok "dig +short -p 5353 @127.0.0.1 probe.test (glibc)"
assert_eq "$out" "10.1.2.3" "dig's answer from the responder in the container's network namespace"
pass "glibc target: dig queries a DNS server in the container's network namespace"

in_session "$glibc" curl 'curl -sSk https://127.0.0.1:8443/'
expect_ok "curl -sSk https://127.0.0.1:8443/ (glibc)"
assert_contains "$out" "s_server -accept 8443" "the page openssl s_server -www returns"
# Without -k the host's CA bundle is what curl checks (the container has none):
# the self-signed certificate is rejected (60), not "no CA file" (77).
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  in_session "$glibc" curl 'curl -sS https://127.0.0.1:8443/'
  assert_status "$rc" 60 "curl without -k against a self-signed certificate (the host's CA bundle)"
  assert_contains "$err" "certificate" "curl's error without -k"
fi
pass "glibc target: curl speaks TLS (the host's libssl) to a server in the container's network namespace"

# ---- 1b. the static and musl targets -----------------------------------------------

for name in "$scratch" "$musl"; do
  kind=${name##*-}
  in_session "$name" strace 'strace -f /app/child 2>&1'
  expect_ok "strace -f /app/child ($kind)"
  expect_line "strace -f /app/child ($kind): the child's output" '(^|[^-])child-ran$'
  expect_line "strace -f /app/child ($kind): the child's execve" "$EXECVE_CHILD"
  in_session "$name" ss,lsof 'ss -tlnp; echo "ss-exit=$?"; lsof -nP -i :7070; echo "lsof-exit=$?"'
  expect_line "ss -tlnp ($kind)" '^ss-exit=0$'
  expect_line "ss -tlnp ($kind): the service's listener" ":7070 .*users:\(\(\"server\",pid=1,fd=[0-9]+\)\)"
  expect_line "lsof -nP -i :7070 ($kind)" '^lsof-exit=0$'
  expect_line "lsof -nP -i :7070 ($kind): the service's listener" '^server +1 .* TCP \*:7070 \(LISTEN\)$'
  in_session "$name" "$PY" 'python3 -c "import sys, json, ssl; print(\"prefix=\" + sys.prefix)"'
  expect_ok "python3 -c ($kind)"
  assert_eq "$out" "prefix=/.ctrdbg" "python3's sys.prefix ($kind)"
  in_session "$name" gdb 'gdb -batch -p 1 -ex bt 2>&1'
  expect_ok "gdb -batch -p 1 -ex bt ($kind)"
  expect_line "gdb -batch -p 1 -ex bt ($kind): a backtrace" '^#0 +0x[0-9a-f]+ in '
  in_session "$name" tcpdump "$(tcpdump_script "")"
  if [ "$kind" = scratch ]; then
    # No /etc/passwd: tcpdump cannot look up the user it runs as; ctrdbg says so.
    expect_line "tcpdump (scratch): ctrdbg's note" "^ctrdbg-tool: tcpdump: this container has no /etc/passwd"
  else
    expect_line "tcpdump ($kind): the captured connection" "$TCPDUMP_LINE"
  fi
  in_session "$name" dig 'dig +short -p 5353 @127.0.0.1 probe.test'
  assert_eq "$out" "10.1.2.3" "dig's answer ($kind)"
  in_session "$name" curl 'curl -sSk https://127.0.0.1:8443/'
  assert_contains "$out" "s_server -accept 8443" "curl over TLS ($kind)"
  pass "$kind target: strace -f /app/child, ss and lsof (listener server), python3, gdb -p 1, tcpdump (scratch: says what is missing), dig, curl over TLS"
done

# musl: the child runs on the container's musl loader (libc and loader in one),
# seen in its memory map when gdb stops it at its first instruction.
in_session "$musl" gdb 'gdb -batch -ex starti -ex "info proc mappings" /app/child 2>&1'
expect_ok "gdb starti /app/child (musl)"
expect_line "the musl child's memory map" ' /lib/ld-musl-x86_64\.so\.1$'
assert_not_contains "$out" "/.ctrdbg" "the musl child's memory map"
pass "musl target: the child gdb starts is mapped with the container's /lib/ld-musl-x86_64.so.1"

# ---- 2. the hostile target: every tool, and no plant runs --------------------------

in_session "$hostile" strace 'strace -f /app/child 2>&1'
expect_ok "strace -f /app/child (hostile)"
expect_line "strace -f /app/child (hostile): the child's output" '(^|[^-])child-ran$'
no_plants "strace -f /app/child"
in_session "$hostile" ss 'ss -tlnp'
expect_ok "ss -tlnp (hostile)"
expect_line "ss -tlnp (hostile): the service's listener" "users:\(\(\"server\",pid=1,"
no_plants "ss -tlnp"
in_session "$hostile" lsof 'lsof -nP -i :7070'
expect_ok "lsof -nP -i :7070 (hostile)"
expect_line "lsof (hostile): the service's listener" '^server +1 '
no_plants "lsof -nP -i :7070"
in_session "$hostile" curl 'curl -sSk https://127.0.0.1:8443/'
expect_ok "curl -sSk https://127.0.0.1:8443/ (hostile)"
assert_contains "$out" "s_server -accept 8443" "curl's page (hostile)"
no_plants "curl -sSk https://127.0.0.1:8443/"
in_session "$hostile" dig 'dig +short -p 5353 @127.0.0.1 probe.test'
expect_ok "dig @127.0.0.1 (hostile)"
assert_eq "$out" "10.1.2.3" "dig's answer (hostile)"
no_plants "dig +short -p 5353 @127.0.0.1 probe.test"
in_session "$hostile" tcpdump "$(tcpdump_script "timeout 10")"
expect_line "tcpdump -c 1 (hostile)" '^tcpdump-exit=0$'
expect_line "tcpdump (hostile): the captured connection" "$TCPDUMP_LINE"
no_plants "tcpdump -i lo -c 1"
in_session "$hostile" gdb 'gdb -batch -p 1 -ex bt 2>&1'
expect_ok "gdb -batch -p 1 -ex bt (hostile)"
expect_line "gdb -p 1 -ex bt (hostile): a backtrace" '^#0 +0x[0-9a-f]+ in '
no_plants "gdb -batch -p 1 -ex bt"
in_session "$hostile" gdb 'gdb -batch -ex "python print(\"gdb-python-ok\")" -ex run /app/child 2>&1'
expect_ok "gdb -ex python -ex run /app/child (hostile)"
expect_line "gdb's embedded Python (hostile)" '^gdb-python-ok$'
expect_line "gdb's inferior (hostile)" '^child-ran$'
no_plants "gdb -ex python -ex run /app/child"
in_session "$hostile" "$PY" \
  'python3 -c "import ssl, json, socket; ssl.create_default_context(); socket.getaddrinfo(\"localhost\", 80); print(\"python-ok\")"'
expect_ok "python3 -c 'import ssl, json, socket; getaddrinfo' (hostile)"
assert_eq "$out" "python-ok" "python3's output (hostile)"
no_plants "python3 -c 'import ssl, json, socket; ...'"
# A staged tool started by another (strace's child is python3's launcher).
in_session "$hostile" "strace,$PY" 'strace -f -o /dev/null python3 -c "print(\"nested-ok\")"'
expect_ok "strace -f python3 (hostile)"
assert_eq "$out" "nested-ok" "python3 under strace (hostile)"
no_plants "strace -f -o /dev/null python3"
pass "hostile target: strace, ss, lsof, curl, dig, tcpdump, gdb (attach, Python, run), python3 work; no plant ran"

# The container's variables are hidden from the loader, not from the tools: the
# tool's environment (python3) and what it starts (strace's child) have them.
in_session "$hostile" "$PY" 'python3 -c "import os; print(os.environ.get(\"LD_PRELOAD\"))"'
expect_ok "python3 printing LD_PRELOAD (hostile)"
assert_eq "$out" "/plant/envpreload.so" "LD_PRELOAD in python3's environment"
in_session "$hostile" strace 'strace -f -o /dev/null env'
expect_ok "strace -f -o /dev/null env (hostile)"
expect_line "LD_PRELOAD in strace's child" '^LD_PRELOAD=/plant/envpreload\.so$'
expect_line "LD_AUDIT in strace's child" '^LD_AUDIT=/plant/audit\.so$'
expect_line "LD_LIBRARY_PATH in strace's child" '^LD_LIBRARY_PATH=/plant/lib$'
expect_line "APP_MODE in strace's child" '^APP_MODE=test$'
assert_not_contains "$out" "__CTRDBG_RESTORE__" "strace's child's environment"
# Dropped for tools (libraries load code from where they point).
assert_not_contains "$out" "GCONV_PATH=" "strace's child's environment"
assert_not_contains "$out" "OPENSSL_CONF=" "strace's child's environment"
no_plants "python3 / strace with the planted environment"
pass "hostile target: LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH reach the tools' environment and children, never loaded"

# ---- 4. exit statuses and signals pass through --------------------------------------

run_ctrdbg -T --tools strace "$glibc" -- strace -o /dev/null sh -c 'exit 7'
assert_status "$rc" 7 "ctrdbg's exit status for strace -o /dev/null sh -c 'exit 7'"
run_ctrdbg -T --tools "$PY" "$glibc" -- python3 -c 'import os, signal; os.kill(os.getpid(), signal.SIGTERM)'
assert_status "$rc" 143 "ctrdbg's exit status for python3 killed by SIGTERM"
in_session "$glibc" strace 'strace -o /dev/null sleep 1 & s=$!; sleep 0.3
  echo "bg=$s"; echo "comm=$(cat /proc/$s/comm)"; ps -o pid,comm; wait $s; echo "strace-exit=$?"'
expect_ok "strace in the background, ps"
bg=$(sed -n 's/^bg=//p' <<<"$out")
expect_line "the background strace's /proc/PID/comm" '^comm=strace$'
expect_line "ps -o pid,comm: the process called strace" "^ *$bg +strace\$"
expect_line "the background strace" '^strace-exit=0$'
pass "exit status 7 and SIGTERM (143) pass through; ps shows a process named strace"

# ---- 4b. a tool asked for runs, also where busybox has an applet of its name ------------
# `ip` is a busybox applet, and busybox's shell runs applets before PATH: the toolset's
# rc (the interactive shell's ENV) makes the host's run; as COMMAND, PATH decides, and
# the host tools' directory comes first.
run_ctrdbg -T --tools ip "$glibc" -- ip -V
assert_eq "$rc" 0 "ip as COMMAND ($err)"
assert_contains "$out" "iproute2" "ip as COMMAND"
run_ctrdbg -T --tools ip "$glibc" -- sh -c '. /.ctrdbg/rc; ip -V; echo "$PATH"'
assert_contains "$out" "iproute2" "ip in the toolset's shell"
assert_contains "$out" "/.ctrdbg/hbin:" "PATH"
[[ "$out" == *$'\n'/.ctrdbg/hbin:* ]] || fail "the host tools' directory is not first on PATH: $out"
pass "a host tool with a busybox applet's name (ip) runs the host's, as COMMAND and in the toolset's shell"

# ---- 5. nothing visible to the container ---------------------------------------------

"$CTRDBG" -T --tools "strace,tcpdump,gdb,curl,$PY" "$glibc" -- sh -c 'echo staged; sleep 2' \
  >"$TEST_TMP/long.out" 2>&1 </dev/null &
long=$!
wait_for 10 grep -q staged "$TEST_TMP/long.out" || fail "the session did not start: $(cat "$TEST_TMP/long.out")"
during=$(cat "/proc/${cpid[$glibc]}/mountinfo")
host_during=$(host_ctrdbg_mounts)
wait "$long" || fail "the session failed: $(cat "$TEST_TMP/long.out")"
for s in .ctrdbg /usr/bin/strace /usr/sbin/tcpdump /usr/bin/tcpdump /usr/bin/gdb /usr/share/gdb /usr/lib/python3 \
  /usr/lib/x86_64-linux-gnu/lib; do
  assert_not_contains "$during" "$s" "the container's mountinfo during a --tools session"
done
assert_eq "$during" "${mounts_before[$glibc]}" "the container's mountinfo during a --tools session"
assert_eq "$host_during" "" "session mounts in the host's mount table during a --tools session"
for name in "${targets[@]}"; do
  assert_eq "$(docker diff "$name")" "${diff_before[$name]}" "docker diff of $name after the --tools sessions"
  nothing_left "$name" "after the --tools sessions in $name"
done
pass "the container's mount table and docker diff are unchanged; no session mount on the host"

# ---- 3. refusals before any session -------------------------------------------------

# refused WHAT SUBSTRING... : after run_ctrdbg, one-line error, exit 125, nothing left.
refused() {
  local what=$1
  shift
  assert_ctrdbg_error "$@"
  nothing_left "$glibc" "$what"
}

run_ctrdbg -T --tools no-such-tool-xyz "$glibc" -- true
refused "--tools no-such-tool-xyz" no-such-tool-xyz "not found on the host's PATH"
pass "refused: a tool not on the host's PATH (exit 125, named)"

# A program needing a library the host's loader cannot find (no rpath, not in any
# library directory): its closure is incomplete.
mkdir -p "$TEST_TMP/lib"
echo 'int ctrdbg_missing(void) { return 42; }' >"$TEST_TMP/missing.c"
echo 'int ctrdbg_missing(void); int main(void) { return ctrdbg_missing() == 42 ? 0 : 1; }' >"$TEST_TMP/prog.c"
cc -shared -fPIC -o "$TEST_TMP/lib/libctrdbgmissing.so" "$TEST_TMP/missing.c" &&
  cc -o "$TEST_TMP/prog" "$TEST_TMP/prog.c" -L"$TEST_TMP/lib" -lctrdbgmissing ||
  fail "cannot build the program with a missing library"
if env -u LD_LIBRARY_PATH "$TEST_TMP/prog" 2>/dev/null; then fail "the host's loader finds libctrdbgmissing.so"; fi
run_ctrdbg -T --tools "$TEST_TMP/prog" "$glibc" -- true
refused "--tools PROG (missing library)" prog libctrdbgmissing.so
pass "refused: a tool whose library closure is incomplete (names libctrdbgmissing.so)"

printf '#!/bin/sh\necho script-ran\n' >"$TEST_TMP/myscript" && chmod 755 "$TEST_TMP/myscript"
run_ctrdbg -T --tools "$TEST_TMP/myscript" "$glibc" -- true
refused "--tools SCRIPT (by path)" "$TEST_TMP/myscript"
mkdir -p "$TEST_TMP/pathbin" && cp "$TEST_TMP/myscript" "$TEST_TMP/pathbin/ctrdbg-it-script"
PATH="$TEST_TMP/pathbin:$PATH" run_ctrdbg -T --tools ctrdbg-it-script "$glibc" -- true
refused "--tools SCRIPT (on PATH)" ctrdbg-it-script "script"
pass "refused: a #!/bin/sh script as a tool, by path and by name"

# A binary for another architecture: built by a cross compiler where there is one,
# else a copy of a host binary whose ELF header says AArch64 (e_machine 183), which
# is all ctrdbg reads to refuse it.
foreign="$TEST_TMP/foreign/ctrdbg-it-foreign"
mkdir -p "${foreign%/*}"
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  echo 'int main(void) { return 0; }' >"$TEST_TMP/foreign.c"
  aarch64-linux-gnu-gcc -o "$foreign" "$TEST_TMP/foreign.c" || fail "aarch64-linux-gnu-gcc failed"
else
  echo "note: no aarch64-linux-gnu-gcc; the foreign binary is a copy of /usr/bin/true with e_machine set to AArch64"
  cp /usr/bin/true "$foreign" && printf '\xb7\x00' | dd of="$foreign" bs=1 seek=18 conv=notrunc status=none ||
    fail "cannot make the foreign-architecture binary"
fi
PATH="${foreign%/*}:$PATH" run_ctrdbg -T --tools ctrdbg-it-foreign "$glibc" -- true
refused "--tools FOREIGN (on PATH)" ctrdbg-it-foreign aarch64
run_ctrdbg -T --tools "$foreign" "$glibc" -- true
refused "--tools FOREIGN (by path)" "$foreign" aarch64
pass "refused: a binary for another architecture (aarch64), by name and by path"
