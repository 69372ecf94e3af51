#!/usr/bin/env bash
# A busybox found in Docker's local image store by reading the store from disk
# (find_file_in_docker_image, through the tests/tools/image_lookup driver): in a
# one-layer image, not in an image whose upper layer deletes it (a whiteout),
# through a merged-/usr /bin symlink, and while dockerd is stopped. Nothing from
# an image is executed on the host.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker

IMAGE_LOOKUP=${CTRDBG_IMAGE_LOOKUP:-$(dirname "$CTRDBG")/tests/image_lookup}
[ -x "$IMAGE_LOOKUP" ] || skip "no image_lookup test tool at $IMAGE_LOOKUP (build the image_lookup target)"
[ -x /bin/busybox ] || skip "needs /bin/busybox (apt install busybox-static)"
driver=$(docker info -f '{{.Driver}}')
[ "$driver" = overlay2 ] || skip "Docker's storage driver is '$driver', not overlay2"
data_root=$(docker info -f '{{.DockerRootDir}}')
[ -d "$data_root/image/overlay2" ] || fail "no $data_root/image/overlay2 although the driver is overlay2"

one=busybox:ctrdbg-test
deleted=busybox:ctrdbg-test-deleted
usrmerge=busybox:ctrdbg-test-usrmerge
missing=busybox:ctrdbg-test-missing
# Children first: the deleted image is built on top of $one.
on_exit "docker rmi -f $deleted $usrmerge $one >/dev/null 2>&1"

# lookup REFERENCE PATH: sets $out (host path), $err (reason or error), $rc (0 found, 1 not found, 2 error)
lookup() {
  out=$("$IMAGE_LOOKUP" --data-root "$data_root" "$@" 2>"$TEST_TMP/lookup.err") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/lookup.err")
}

# ---- a one-layer image: FROM scratch + COPY ----
build_image "$one" /bin/busybox <<'D'
FROM scratch
COPY busybox /bin/busybox
D
id_one=$(docker image inspect -f '{{.Id}}' "$one")

lookup "$one" bin/busybox
assert_status "$rc" 0 "lookup in $one"
[[ "$out" == "$data_root/overlay2/"*/diff/bin/busybox ]] || fail "host path outside the layer store: [$out]"
if [ ! -f "$out" ] || [ -L "$out" ]; then fail "not a regular file: [$out]"; fi
cmp -s "$out" /bin/busybox || fail "$out differs from the /bin/busybox it was built from"
assert_contains "$err" "image $id_one" "reported image"
layer_one=$out
pass "one-layer image: bin/busybox found at the layer's own file"

lookup "$id_one" /bin/busybox
assert_status "$rc" 0 "lookup by image ID"
assert_eq "$out" "$layer_one" "host path by image ID"
pass "the same file by image ID"

tags=$("$IMAGE_LOOKUP" --data-root "$data_root" --tags busybox)
assert_contains "$tags" "$one" "tags of repository busybox"
pass "docker_image_tags lists $one"

lookup "$missing" bin/busybox
assert_status "$rc" 1 "lookup of an absent tag"
assert_contains "$err" "no image $missing" "reason"
pass "absent tag: not found, with the reason ($err)"

# ---- a two-layer image whose upper layer deletes bin/busybox: a whiteout ----
build_image "$deleted" <<D
FROM $one
RUN ["/bin/busybox", "rm", "/bin/busybox"]
D
lookup "$deleted" bin/busybox
assert_status "$rc" 1 "lookup in $deleted"
assert_contains "$err" "/bin/busybox is deleted (whiteout in layer 2 of 2)" "reason"
assert_eq "$out" "" "stdout when not found"
[ -f "$layer_one" ] || fail "the lower layer's file should still be on disk: $layer_one"
pass "deleted by the upper layer's whiteout: not found ($err)"

# ---- merged /usr: /bin is a symlink to usr/bin inside the image ----
ctx_root="$TEST_TMP/usrmerge/rootfs"
mkdir -p "$ctx_root/usr/bin"
cp /bin/busybox "$ctx_root/usr/bin/busybox"
ln -s usr/bin "$ctx_root/bin"
printf 'FROM scratch\nCOPY rootfs/ /\n' >"$TEST_TMP/usrmerge/Dockerfile"
_build_image "$usrmerge" "$TEST_TMP/usrmerge"
lookup "$usrmerge" bin/busybox
assert_status "$rc" 0 "lookup in $usrmerge"
[[ "$out" == "$data_root/overlay2/"*/diff/usr/bin/busybox ]] || fail "not resolved to usr/bin/busybox: [$out]"
cmp -s "$out" /bin/busybox || fail "$out differs from /bin/busybox"
pass "/bin -> usr/bin resolved inside the image: $out"

# ---- dockerd stopped: the store is read from disk, no daemon needed ----
read -ra dockerd_pids <<<"$(pidof dockerd)"
((${#dockerd_pids[@]})) || skip "no dockerd process to stop"
# Stopped only for the one lookup; resumed on every way out.
resume_dockerd() { kill -CONT "${dockerd_pids[@]}" 2>/dev/null || true; }
on_exit resume_dockerd
trap 'resume_dockerd; exit 1' INT TERM HUP
kill -STOP "${dockerd_pids[@]}"
out=$(timeout 5 "$IMAGE_LOOKUP" --data-root "$data_root" "$one" bin/busybox 2>"$TEST_TMP/lookup.err") && rc=0 || rc=$?
states=$(for p in "${dockerd_pids[@]}"; do awk '{print $3}' "/proc/$p/stat"; done | sort -u | tr '\n' ' ')
resume_dockerd
trap - INT TERM HUP
err=$(cat "$TEST_TMP/lookup.err")
assert_eq "$states" "T " "dockerd state during the lookup (T = stopped)"
assert_status "$rc" 0 "lookup with dockerd stopped"
assert_eq "$out" "$layer_one" "host path with dockerd stopped"
pass "found with dockerd stopped (SIGSTOP; ${err##*, }), dockerd resumed"
need_docker  # it answers again

# ---- ctrdbg itself takes busybox from the image store when the host has none ----
# A target with no shell of its own, so every tool comes from the toolset.
fixture_scratch_image
target="$TEST_TAG-img"
start_container "$target" ctrdbg-test/scratch >/dev/null
# The host's busybox hidden in a private mount namespace (merged /usr: one file).
hidden() { unshare -m sh -c 'mount --bind /dev/null /usr/bin/busybox && exec "$@"' sh "$@"; }
out=$(hidden "$CTRDBG" -v -T "$target" -- sh -c 'stat -L -c %i /proc/$$/exe /.ctrdbg/bin/busybox; ls /.ctrdbg/bin | wc -l' 2>"$TEST_TMP/err") ||
  fail "ctrdbg with the host busybox hidden: $(cat "$TEST_TMP/err")"
assert_contains "$(cat "$TEST_TMP/err")" "docker image busybox:" "-v names the image the toolset came from"
assert_contains "$(cat "$TEST_TMP/err")" "skipped" "-v says why other candidates were passed over"
# The shell (an applet: a hard link to it) runs the staged copy.
shell_inode=$(sed -n 1p <<<"$out") copy_inode=$(sed -n 2p <<<"$out")
[ -n "$shell_inode" ] && [ "$shell_inode" = "$copy_inode" ] ||
  fail "the shell's executable (inode $shell_inode) is not /.ctrdbg/bin/busybox (inode $copy_inode)"
(($(tail -1 <<<"$out") > 100)) || fail "toolset has only $(tail -1 <<<"$out") entries"
pass "host busybox hidden: toolset from $(grep -o 'docker image [^ ]*' "$TEST_TMP/err" | head -1)"

# Also with dockerd hung: both the target and the toolset come from disk.
kill -STOP "${dockerd_pids[@]}"
trap 'resume_dockerd; exit 1' INT TERM HUP
out=$(hidden "$CTRDBG" -v -T --timeout 300ms "$target" -- true 2>&1) && rc=0 || rc=$?
resume_dockerd
trap - INT TERM HUP
assert_eq "$rc" 0 "ctrdbg with dockerd stopped and the host busybox hidden ($out)"
assert_contains "$out" "docker on disk answered" "target from disk"
assert_contains "$out" "docker image busybox:" "toolset from the image store"
pass "dockerd stopped: target and toolset both read from disk"
need_docker

# Only the image whose upper layer deletes busybox is left: it must not be used.
docker rmi "$usrmerge" >/dev/null 2>&1
docker tag "$one" ctrdbg-test/keep-layers >/dev/null  # keep the lower layer, drop the busybox tag
on_exit "docker rmi -f ctrdbg-test/keep-layers >/dev/null 2>&1"
docker rmi "$one" >/dev/null
printf '{"toolset": {"image": "%s"}}\n' "$deleted" >"$TEST_TMP/config.json"
out=$(CTRDBG_CONFIG="$TEST_TMP/config.json" hidden "$CTRDBG" -T "$target" -- true 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 125 "exit status when only a whited-out busybox image is left"
assert_contains "$out" "whiteout" "the refusal names the whiteout"
assert_contains "$out" "apt install busybox-static" "the refusal says how to fix it"
pass "an image whose upper layer deleted busybox is not used: $out"
