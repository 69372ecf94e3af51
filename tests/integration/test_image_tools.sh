#!/usr/bin/env bash
# --image IMAGE: an image from the local store (two layers, the second deleting a
# file and replacing a directory) mounted read-only at /.ctrdbg/image in the session
# only, its programs on PATH after the toolset's. Its dynamic programs run with the
# image's own libraries (sealed loader), its #! scripts with the image's
# interpreter, its symlinks resolve inside the image; whiteouts and opaque
# directories hold; the container never sees the mount, and it is gone after the
# session, also after a SIGKILL of ctrdbg. No plant of a hostile container runs.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/tool_fixtures.sh"
need_root
need_docker
need_ctrdbg_binary
need_cmd cc

fixture_tools_targets
fixture_hostile_tools_target
fixture_tools_image

# A third layer with an absolute symlink to a program of the image: it must
# resolve inside the image (the scratch target has no /usr/bin at all).
img=ctrdbg-test/tools-image-abs:v1
if ! docker image inspect "$img" >/dev/null 2>&1; then
  ctx="$TEST_TMP/img-abs"
  mkdir -p "$ctx"
  printf 'FROM %s\nRUN ["/bin/busybox", "ln", "-s", "/usr/bin/imgtool", "/usr/local/bin/abslink"]\n' \
    "$TOOLS_IMAGE" >"$ctx/Dockerfile"
  _build_image "$img" "$ctx"
fi

scratch="$TEST_TAG-scratch" glibc="$TEST_TAG-glibc" hostile="$TEST_TAG-hostile"
start_container "$scratch" "$TOOLS_SCRATCH_IMAGE" >/dev/null
start_container "$glibc" "$TOOLS_GLIBC_IMAGE" >/dev/null
start_container "$hostile" "$TOOLS_HOSTILE_IMAGE" >/dev/null
for c in "$scratch" "$glibc" "$hostile"; do wait_running "$c"; done
diff_before=$(docker diff "$glibc")
mounts_before=$(cat "/proc/$(container_pid "$glibc")/mountinfo")

# 1. Programs of the image, by name, in a container that has nothing.
for c in "$scratch" "$glibc"; do
  run_ctrdbg -T --image "$img" "$c" -- sh -c 'imgtool one; imgscript; abslink; cat /.ctrdbg/image/opt/d/new'
  assert_eq "$rc" 0 "exit status in $c ($err)"
  assert_contains "$out" "imgtool-ok imgtool" "dynamic program of the image in $c"
  assert_contains "$out" "imgscript-ok" "#! script of the image in $c"
  assert_contains "$out" "imgtool-ok abslink" "absolute symlink resolved in the image, in $c"
  assert_contains "$out" "new" "file of the image's top layer in $c"
done
pass "the image's dynamic program, #! script and absolute symlink run in scratch and glibc targets"

# 2. Whiteouts and opaque directories of the image's layers.
run_ctrdbg -T --image "$img" "$scratch" -- sh -c 'ls /.ctrdbg/image/opt/d; ls /.ctrdbg/image/usr/bin; command -v removed-tool || echo gone'
assert_eq "$rc" 0 "exit status ($err)"
assert_contains "$out" "gone" "whiteout"
assert_not_contains "$out" "removed-tool" "whiteout"
assert_not_contains "$out" "old" "opaque directory"
pass "a file deleted and a directory replaced in the image's upper layer stay deleted and replaced"

# 3. PATH: the toolset first, then the image; the image read-only.
run_ctrdbg -T --image "$img" "$scratch" -- sh -c 'echo "$PATH"; touch /.ctrdbg/image/x 2>&1; echo rc=$?'
assert_contains "$out" "/.ctrdbg/bin:/.ctrdbg/ibin" "PATH"
assert_contains "$out" "Read-only file system" "writing into the image"
pass "PATH has the image's programs after the toolset's; the image is read-only"

# 4. The container sees nothing: its mount table and docker diff, during the session.
# and nothing is left on the host after it, nor after a SIGKILL of ctrdbg.
layer=$(docker image inspect -f '{{.GraphDriver.Data.UpperDir}}' "$img")
"$CTRDBG" -T --image "$img" "$glibc" -- sh -c 'imgtool; sleep 30' >"$TEST_TMP/bg.out" 2>&1 &
bg=$!
wait_for 10 grep -q imgtool-ok "$TEST_TMP/bg.out" || fail "the background session did not start: $(cat "$TEST_TMP/bg.out")"
assert_eq "$(cat "/proc/$(container_pid "$glibc")/mountinfo")" "$mounts_before" "the container's mount table during the session"
if grep -q "${layer%/diff}" /proc/self/mountinfo; then fail "the image's overlay is mounted on the host"; fi
kill -KILL "$bg"
wait "$bg" 2>/dev/null
wait_for 10 sh -c "! pgrep -f '^sleep 30$' >/dev/null" || fail "the session's command survived a SIGKILL of ctrdbg"
for p in /proc/[0-9]*; do
  if grep -qs "${layer%/diff}" "$p/mountinfo"; then fail "the image's overlay survives in $(cat "$p/comm" 2>/dev/null) ($p)"; fi
done
assert_eq "$(docker diff "$glibc")" "$diff_before" "docker diff"
pass "the container's mount table and docker diff do not change; the overlay is gone after a SIGKILL of ctrdbg"

# 5. A hostile container: its plants never run in the image's programs.
run_ctrdbg -T --image "$img" "$hostile" -- sh -c 'imgtool; imgscript; abslink'
assert_eq "$rc" 0 "exit status in the hostile target ($err)"
assert_contains "$out" "imgtool-ok imgtool" "dynamic program in the hostile target"
planted=$(hostile_planted_markers "$hostile")
[ -z "$planted" ] || fail "the hostile container's code ran: $planted"
pass "in a hostile container the image's programs work and no plant runs"

# 6. Refusals name the image.
run_ctrdbg -T --image ctrdbg-test/no-such-image:v9 "$glibc" true
assert_eq "$rc" 125 "exit status for a missing image"
assert_contains "$err" "no-such-image" "error"
assert_eq "$(printf "%s\n" "$err" | wc -l)" 1 "one line ($err)"
pass "a missing image is refused with one line naming it"

# 7. An image whose programs need musl's loader: refused, saying so.
musl_img=ctrdbg-test/tools-musl-onpath:v1
if ! docker image inspect "$musl_img" >/dev/null 2>&1; then
  docker create --name "$TEST_TAG-musl-src" --label "$TEST_TAG" "$TOOLS_MUSL_IMAGE" >/dev/null
  docker commit -c 'ENV PATH=/app' "$TEST_TAG-musl-src" "$musl_img" >/dev/null || fail "could not make $musl_img"
fi
run_ctrdbg -T --image "$musl_img" "$glibc" true
assert_eq "$rc" 125 "exit status for a musl image"
assert_contains "$err" "musl's loader, not glibc's" "error"
pass "an image of musl programs is refused with the reason"
