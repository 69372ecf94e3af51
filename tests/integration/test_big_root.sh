#!/usr/bin/env bash
# A container cannot make itself impossible to enter through the size of its `/`:
# 5,000 top-level entries (empty directories and files), 1,000 top-level symlinks
# with 4,000-byte targets, one with a 4,095-byte target (PATH_MAX - 1, the longest
# the kernel makes), a 255-byte name (NAME_MAX) and names with a newline and with
# bytes that are not UTF-8. The session lists all of them exactly as the container
# does, reads every long symlink's full target, reaches the files and directories
# behind the odd names, keeps its top level read-only, and leaves the container's
# mount table unchanged. The session's time is printed, not asserted.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd python3
[ -x /bin/busybox ] || skip "needs /bin/busybox (busybox-static) for the container's sleep"

# The root is written as a tar and imported: one layer, made in a second or two
# (a Dockerfile would need a step per symlink).
image=ctrdbg-test/big-root-$$
on_exit "docker rmi -f $image >/dev/null 2>&1"
python3 - /bin/busybox <<'PY' | docker import -c 'CMD ["/bin/busybox", "sleep", "100000"]' - "$image" >/dev/null ||
import io, os, sys, tarfile

out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT,
                   encoding="utf-8", errors="surrogateescape")

def add(name, kind, target="", data=b"", mode=0o755):
    info = tarfile.TarInfo(os.fsdecode(name))
    info.type, info.mode, info.linkname, info.size = kind, mode, os.fsdecode(target), len(data)
    out.addfile(info, io.BytesIO(data) if data else None)

def long_target(i, length):
    # A plausible path: components of at most 200 bytes, unique per symlink.
    t = "/t%04d" % i
    while len(t) < length:
        t += "/" + "x" * min(200, length - len(t) - 1)
    return t[:length]

with open(sys.argv[1], "rb") as f:
    add("bin", tarfile.DIRTYPE)
    add("bin/busybox", tarfile.REGTYPE, data=f.read())
for i in range(2500):
    add("d%05d" % i, tarfile.DIRTYPE)
    add("f%05d" % i, tarfile.REGTYPE, mode=0o644)
for i in range(1000):
    add("l%04d" % i, tarfile.SYMTYPE, long_target(i, 4000))
add("lmax", tarfile.SYMTYPE, long_target(9999, 4095))
add("S" * 255, tarfile.SYMTYPE, long_target(8888, 4000))
add("D" * 255, tarfile.DIRTYPE)
add("D" * 255 + "/inside", tarfile.REGTYPE, data=b"deep\n", mode=0o644)
add(b"odd\nname", tarfile.DIRTYPE)
add(b"odd\nname/inside", tarfile.REGTYPE, data=b"newline\n", mode=0o644)
add(b"\xff\xfe-latin1-\xe9", tarfile.REGTYPE, data=b"not utf-8\n", mode=0o644)
add("fifo", tarfile.FIFOTYPE, mode=0o644)
out.close()
PY
  fail "could not make the big-root image"

c=ctrdbg-bigroot-$$
start_container "$c" "$image" --network none >/dev/null
wait_running "$c"
pid=$(container_pid "$c")
cat "/proc/$pid/mountinfo" >"$TEST_TMP/mounts0"

# The container's own view of its top level, byte for byte (busybox ls, as in the
# session; no pty, so names are printed raw).
docker exec "$c" /bin/busybox ls -1A / >"$TEST_TMP/want" || fail "docker exec ls -1A /"
lines=$(wc -l <"$TEST_TMP/want")
((lines > 6000)) || fail "fixture: the container lists only $lines lines at its top level"

# ---- the session lists all of them (the toolset's ls: the container has none on PATH) ----
start=$(date +%s%N)
"$CTRDBG" -T "$c" -- ls -1A / >"$TEST_TMP/got" 2>"$TEST_TMP/stderr" </dev/null && rc=0 || rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
err=$(cat "$TEST_TMP/stderr")
assert_status "$rc" 0 "ls -1A / in a session of a root with $lines entries"
LC_ALL=C grep -qax .ctrdbg "$TEST_TMP/got" || fail "the session does not list /.ctrdbg"
LC_ALL=C grep -vax .ctrdbg "$TEST_TMP/got" >"$TEST_TMP/got-container"
cmp -s "$TEST_TMP/got-container" "$TEST_TMP/want" ||
  fail "the session's top level differs from the container's: $(diff "$TEST_TMP/want" "$TEST_TMP/got-container" | head -5)"
pass "a session lists all $lines top-level lines of the container (ls -1A / took $elapsed ms in all)"

# ---- long symlinks: the whole target ----
links=(/l0000 /l0999 /lmax "/$(printf 'S%.0s' {1..255})")
each='for l; do readlink "$l"; done'
run_ctrdbg -T "$c" -- sh -c "$each" sh "${links[@]}" </dev/null
assert_status "$rc" 0 "readlink of the long symlinks"
want=$(docker exec "$c" /bin/busybox sh -c "$each" sh "${links[@]}")
assert_eq "$out" "$want" "long symlink targets"
lengths=$(awk '{ print length($0) }' <<<"$out" | tr '\n' ' ')
assert_eq "$lengths" "4000 4000 4095 4000 " "target lengths"
pass "4,000- and 4,095-byte symlink targets are copied whole, also under a 255-byte name"

# ---- names of 255 bytes, with a newline, not UTF-8: their mounts are attached ----
run_ctrdbg -T "$c" -- cat "/$(printf 'D%.0s' {1..255})/inside" "/odd"$'\n'"name/inside" $'/\xff\xfe-latin1-\xe9' </dev/null
assert_status "$rc" 0 "cat behind odd names"
assert_eq "$out" $'deep\nnewline\nnot utf-8' "files behind a 255-byte name, a newline, non-UTF-8 bytes"
pass "a 255-byte name and names with a newline or non-UTF-8 bytes are mirrored"

# ---- the top level is still sealed ----
run_ctrdbg -T "$c" -- touch /newfile </dev/null
((rc != 0)) || fail "touch /newfile succeeded in the session"
assert_contains "$err" "Read-only file system" "touch /newfile error"
pass "the session's top level stays read-only"

# ---- nothing changed for the container ----
diff -q "/proc/$pid/mountinfo" "$TEST_TMP/mounts0" >/dev/null ||
  fail "the container's mount table changed: $(diff "$TEST_TMP/mounts0" "/proc/$pid/mountinfo" | head -5)"
[ -z "$(docker diff "$c")" ] || fail "docker diff after the sessions: $(docker diff "$c" | head -5)"
pass "the container's mount table and files are unchanged"

# ---- time (printed, not asserted: shared machines are noisy) ----
fixture_busybox_image
small=ctrdbg-bigroot-small-$$
start_container "$small" ctrdbg-test/busybox --network none >/dev/null
wait_running "$small"
session_ms() {  # CONTAINER: the best of 5 `true` sessions, in ms
  local best= t s
  for _ in 1 2 3 4 5; do
    s=$(date +%s%N)
    "$CTRDBG" -T "$1" -- true </dev/null || fail "a session of $1 failed"
    t=$((($(date +%s%N) - s) / 1000))
    [ -z "$best" ] || ((t < best)) && best=$t
  done
  printf '%d.%03d' $((best / 1000)) $((best % 1000))
}
echo "# session (true), best of 5: $lines top-level entries $(session_ms "$c") ms; ctrdbg-test/busybox $(session_ms "$small") ms"
