#!/usr/bin/env bash
# Input that is there to trip ctrdbg up (issue 13, items 6-8):
# - a path ctrdbg opens is a fifo: CTRDBG_CONFIG, --record FILE. Nothing may block in
#   open(): a config that is no regular file is refused by its type; --record streams
#   into a fifo that has a reader and refuses one without, at once.
# - an Engine API that answers /_ping and then a broken inspect answer: that is an
#   engine that cannot be asked, so the on-disk state is read and the session enters;
#   a well-formed "no such container" stays final.
# - mount_dir naming a directory the container needs (/proc, /etc, /): refused.
# Every ctrdbg run is bounded by `timeout 10`, so a hang fails the test (exit 124
# below) instead of blocking it.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd python3
need_cmd timeout

fixture_busybox_image
name="$TEST_TAG-hostile"
start_container "$name" ctrdbg-test/busybox >/dev/null
wait_running "$name"
hostname=$(docker inspect -f '{{.Config.Hostname}}' "$name")

# bounded ARGS...: run_ctrdbg under `timeout 10` (stdin /dev/null); sets $out, $err, $rc.
bounded() {
  out=$(timeout 10 "$CTRDBG" "$@" 2>"$TEST_TMP/stderr" </dev/null) && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
  [ "$rc" != 124 ] || fail "ctrdbg $* did not end within 10 s (blocked in open()?): [$err]"
}

# ---- 6. No blocking opens: the config file ----

mkfifo "$TEST_TMP/config.fifo"
start=$(date +%s%N)
CTRDBG_CONFIG=$TEST_TMP/config.fifo bounded -T "$name" -- true
ms=$((($(date +%s%N) - start) / 1000000))
assert_ctrdbg_error "CTRDBG_CONFIG $TEST_TMP/config.fifo: not a regular file (a fifo)"
((ms < 3000)) || fail "a fifo as CTRDBG_CONFIG took ${ms} ms to be refused"
pass "CTRDBG_CONFIG a fifo: refused in ${ms} ms: $err"

mkdir "$TEST_TMP/config.dir"
CTRDBG_CONFIG=$TEST_TMP/config.dir bounded -T "$name" -- true
assert_ctrdbg_error "CTRDBG_CONFIG $TEST_TMP/config.dir: not a regular file (a directory)"
CTRDBG_CONFIG=/dev/zero bounded -T "$name" -- true
assert_ctrdbg_error "CTRDBG_CONFIG /dev/zero: not a regular file (a character device)"
pass "CTRDBG_CONFIG a directory or a device: refused by its type"

# Docker's daemon.json a fifo, in a private mount namespace (the host's /etc/docker is
# never touched): the on-disk lookup refuses it at once. With the API answering, the
# session may go ahead or stop on that file (what reads daemon.json on that path is
# not this test's business), but at once, and saying so.
need_cmd unshare
in_fifo_etc_docker() {
  out=$(unshare -m --propagation private sh -c \
    'mount -t tmpfs tmpfs /etc/docker && mkfifo /etc/docker/daemon.json && exec timeout 10 "$@"' \
    sh "$CTRDBG" "$@" 2>"$TEST_TMP/stderr" </dev/null) && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
  [ "$rc" != 124 ] || fail "ctrdbg $* with daemon.json a fifo did not end within 10 s: [$err]"
}
in_fifo_etc_docker -T --engine disk "$name" -- true
assert_ctrdbg_error "/etc/docker/daemon.json: not a regular file (a fifo)"
in_fifo_etc_docker -T "$name" -- cat /etc/hostname
if [ "$rc" = 0 ]; then
  assert_eq "$out" "$hostname" "daemon.json a fifo, the API answering"
else
  assert_ctrdbg_error "/etc/docker/daemon.json: not a regular file (a fifo)"
fi
pass "/etc/docker/daemon.json a fifo: refused at once on disk; through the API: exit $rc, promptly"

# ---- 6. No blocking opens: --record ----

mkfifo "$TEST_TMP/rec.fifo"
start=$(date +%s%N)
bounded -t --record "$TEST_TMP/rec.fifo" "$name" -- echo never
ms=$((($(date +%s%N) - start) / 1000000))
assert_ctrdbg_error "--record $TEST_TMP/rec.fifo: a fifo with no reader"
assert_not_contains "$out" "never" "stdout"
((ms < 3000)) || fail "--record to a fifo without a reader took ${ms} ms to be refused"
pass "--record to a fifo without a reader: refused in ${ms} ms: $err"

# fifo_reader FIFO OUT READY MODE: reads FIFO in the background into OUT, having
# opened it before READY appears (O_NONBLOCK: a blocking open would wait for ctrdbg).
# MODE: all (until the writer closes), line (the first line, then close: a reader
# that goes away), none (open, never read: a stalled reader; closes after 15 s).
fifo_reader() {
  python3 - "$@" <<'PY' &
import os, select, sys, time
path, out, ready, mode = sys.argv[1:5]
fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
open(ready, "w").close()
if mode == "none":
    time.sleep(15)
    sys.exit(0)
data, p = b"", select.poll()
p.register(fd, select.POLLIN)
deadline = time.time() + 15
while time.time() < deadline:
    if not p.poll(200):
        continue
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        continue
    if not chunk:  # the writer closed (a fifo never written to does not poll readable)
        break
    data += chunk
    if mode == "line" and b"\n" in data:
        break
os.close(fd)
open(out, "wb").write(data)
PY
  reader=$!
  on_exit "kill $reader 2>/dev/null"
  wait_for 5 test -e "$3" || fail "the fifo's reader did not start"
}

# A reader that reads everything: the recording streams into the fifo.
fifo_reader "$TEST_TMP/rec.fifo" "$TEST_TMP/rec.out" "$TEST_TMP/rec.ready" all
bounded -t --record "$TEST_TMP/rec.fifo" "$name" -- echo hello-fifo
assert_status "$rc" 0 "--record to a fifo with a reader"
assert_contains "$out" "hello-fifo" "session output"
wait "$reader" || fail "the fifo's reader failed"
python3 - "$TEST_TMP/rec.out" <<'PY' || fail "the fifo did not carry an asciicast v2 recording: [$(head -c 300 "$TEST_TMP/rec.out")]"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
header = json.loads(lines[0])
assert header["version"] == 2 and header["width"] > 0, header
out = "".join(e[2] for e in map(json.loads, lines[1:]) if e[1] == "o")
assert "hello-fifo" in out, out
PY
pass "--record to a fifo with a reader: the reader got the asciicast header and the output"

# A reader that goes away after the header: the recording stops with a warning
# (EPIPE, not SIGPIPE killing ctrdbg), the session goes on.
rm -f "$TEST_TMP/rec.ready"
fifo_reader "$TEST_TMP/rec.fifo" "$TEST_TMP/rec.out" "$TEST_TMP/rec.ready" line
bounded -t --record "$TEST_TMP/rec.fifo" "$name" -- sh -c 'sleep 1; seq 1 20000'
assert_status "$rc" 0 "a fifo reader that went away"
assert_contains "$out" "20000" "session output"
assert_contains "$err" "recording to $TEST_TMP/rec.fifo stopped: Broken pipe" "warning"
wait "$reader"
pass "--record: a fifo reader that goes away stops the recording, not the session"

# A reader that never reads: once the pipe is full, one second, then a warning.
rm -f "$TEST_TMP/rec.ready"
fifo_reader "$TEST_TMP/rec.fifo" "$TEST_TMP/rec.out" "$TEST_TMP/rec.ready" none
bounded -t --record "$TEST_TMP/rec.fifo" "$name" -- seq 1 100000
assert_status "$rc" 0 "a fifo reader that never reads"
assert_contains "$out" "100000" "session output"
assert_contains "$err" "recording to $TEST_TMP/rec.fifo stopped: its reader read nothing for a second" "warning"
kill "$reader" 2>/dev/null
pass "--record: a stalled fifo reader stops the recording after a second, not the session"

# Other types are refused by name, before anything is written.
bounded -t --record "$TEST_TMP/config.dir" "$name" -- true
assert_ctrdbg_error "--record $TEST_TMP/config.dir: not a regular file or a fifo (a directory)"
bounded -t --record /dev/null "$name" -- true
assert_ctrdbg_error "--record /dev/null: not a regular file or a fifo (a character device)"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TEST_TMP/rec.sock"
bounded -t --record "$TEST_TMP/rec.sock" "$name" -- true
assert_ctrdbg_error "--record $TEST_TMP/rec.sock: not a regular file or a fifo (a socket)"
pass "--record to a directory, a device or a socket: refused by its type"

# ---- 7. A broken Engine API answer falls back to the on-disk state ----

# A fake Engine API: answers /_ping, then the inspect with the answer named in
# $TEST_TMP/api.mode (read per connection), then closes.
sock="$TEST_TMP/api.sock"
echo notjson >"$TEST_TMP/api.mode"
python3 - "$sock" "$TEST_TMP/api.mode" <<'PY' &
import json, socket, sys
path, mode_file = sys.argv[1:3]
ID = "c" * 64
def body(doc):
    return json.dumps(doc).encode()
def http(status, reason, data, length=None):
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: %d\r\n\r\n"
            % (status, reason.encode(), len(data) if length is None else length)) + data
running = {"Status": "running", "Running": True, "Pid": 4242}
answers = {
    "notjson": http(200, "OK", b"<html><body>502 Bad Gateway</body></html>"),
    "nopid": http(200, "OK", body({"Id": ID, "Name": "/x", "State": {"Status": "running", "Running": True}})),
    "pidstring": http(200, "OK", body({"Id": ID, "Name": "/x", "State": dict(running, Pid="4242")})),
    "noid": http(200, "OK", body({"Name": "/x", "State": running})),
    "idnumber": http(200, "OK", body({"Id": 7, "Name": "/x", "State": running})),
    "noname": http(200, "OK", body({"Id": ID, "State": running})),
    "namelist": http(200, "OK", body({"Id": ID, "Name": ["/x"], "State": running})),
    "truncated": http(200, "OK", body({"Id": ID, "Name": "/x", "State": running})[:30], length=400),
    "garbled": b"HTTP/1.1 2OO 0K\r\n\x00\xff\xfe garbage\r\n\r\n",
    "notfound": http(404, "Not Found", body({"message": "No such container: x"})),
    "exited": http(200, "OK", body({"Id": ID, "Name": "/x", "State": {"Status": "exited", "Running": False, "Pid": 0}})),
}
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
while True:
    c, _ = srv.accept()
    mode = open(mode_file).read().strip()
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = c.recv(65536)
                if not chunk:
                    raise EOFError
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n")[0]
            if line.startswith(b"GET /_ping"):
                c.sendall(http(200, "OK", b"OK"))
                continue
            c.sendall(answers[mode])
            break
    except (EOFError, OSError):
        pass
    c.close()
PY
api=$!
on_exit "kill $api 2>/dev/null"
wait_for 5 test -S "$sock" || fail "the fake Engine API did not start"

for mode in notjson nopid pidstring noid idnumber noname namelist truncated garbled; do
  echo "$mode" >"$TEST_TMP/api.mode"
  DOCKER_HOST=unix://$sock bounded -v -T "$name" -- cat /etc/hostname
  assert_status "$rc" 0 "broken answer '$mode': the session through the on-disk state"
  assert_eq "$out" "$hostname" "broken answer '$mode': the container's /etc/hostname"
  assert_contains "$err" "docker API: broken answer from $sock" "broken answer '$mode': -v says why the API was passed over"
  assert_contains "$err" "docker on disk answered" "broken answer '$mode': -v names the source"
  pass "broken API answer '$mode': fell back to disk and entered ($(grep -m1 'docker API' <<<"$err"))"
done
# The qualified form takes the same chain.
echo notjson >"$TEST_TMP/api.mode"
DOCKER_HOST=unix://$sock bounded -T "docker://$name" -- cat /etc/hostname
assert_status "$rc" 0 "docker://$name with a broken answer"
assert_eq "$out" "$hostname" "docker://$name with a broken answer"
# --engine api has no fallback: the broken answer is the error.
DOCKER_HOST=unix://$sock bounded -T --engine api "$name" -- true
assert_ctrdbg_error "broken answer from $sock" "not valid JSON"
pass "docker:// falls back too; --engine api reports the broken answer"

# Well-formed answers are verdicts, never passed over for the disk.
echo notfound >"$TEST_TMP/api.mode"
DOCKER_HOST=unix://$sock bounded -T "docker://$name" -- true
assert_ctrdbg_error "no container named '$name'"
echo exited >"$TEST_TMP/api.mode"
DOCKER_HOST=unix://$sock bounded -T "docker://$name" -- true
assert_ctrdbg_error "is not running (status: exited)"
pass "the fake API's 'no such container' and 'not running' stay final (exit 125)"
kill "$api" 2>/dev/null

# ---- 8. mount_dir cannot shadow the container ----

for dir in /proc /etc / /a/b /.a/b relative /. /.. "/.a b"; do
  printf '{"mount_dir": "%s"}\n' "$dir" >"$TEST_TMP/config.json"
  CTRDBG_CONFIG=$TEST_TMP/config.json bounded -T "$name" -- true
  assert_ctrdbg_error "$TEST_TMP/config.json: \"mount_dir\" must be a single top-level directory whose name starts with a dot, e.g. /.ctrdbg"
done
pass "mount_dir /proc, /etc, /, /a/b, relative, /., /..: refused, naming the key"

printf '{"mount_dir": "/.dbg"}\n' >"$TEST_TMP/config.json"
CTRDBG_CONFIG=$TEST_TMP/config.json bounded -T "$name" -- sh -c \
  'test -x /.dbg/bin/busybox && echo tools-here; echo "PATH=$PATH"; test -e /.ctrdbg || echo no-default; cat /proc/1/cmdline | tr "\0" " "; echo'
assert_status "$rc" 0 "mount_dir /.dbg"
assert_contains "$out" "tools-here" "the toolset at /.dbg/bin"
assert_contains "$out" "PATH=/bin:/.dbg/bin" "PATH"
assert_contains "$out" "no-default" "no /.ctrdbg with mount_dir /.dbg"
assert_contains "$out" "sleep infinity" "the container's own /proc"
pass "mount_dir /.dbg: the tools are at /.dbg/bin, /proc is the container's"
