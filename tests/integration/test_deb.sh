#!/usr/bin/env bash
# The Debian package installs into a clean root and runs there: built with CPack
# from this build tree, installed with dpkg into an empty root (no Debian userland,
# no libraries: the binary is static), run with chroot.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_cmd cpack
need_cmd dpkg
build=$(dirname "$CTRDBG")
[ -f "$build/CPackConfig.cmake" ] || skip "no CPack configuration in $build"

(cd "$build" && cpack -G DEB -B "$TEST_TMP/pkg" >"$TEST_TMP/cpack.log" 2>&1) || fail "cpack: $(tail -5 "$TEST_TMP/cpack.log")"
deb=$(ls "$TEST_TMP"/pkg/ctrdbg_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "cpack made no .deb: $(tail -5 "$TEST_TMP/cpack.log")"
listing=$(dpkg -c "$deb") || fail "dpkg -c $deb"
for path in ./usr/sbin/ctrdbg ./usr/share/man/man1/ctrdbg.1.gz ./usr/share/bash-completion/completions/ctrdbg \
  ./usr/libexec/docker/cli-plugins/docker-ctrdbg ./usr/share/doc/ctrdbg/examples/config.json; do
  grep -q " $path$" <<<"$listing" || fail "$deb lacks $path"
done
depends=$(dpkg -f "$deb" Depends)
[ -z "$depends" ] || fail "the package should depend on nothing: $depends"
pass "$(basename "$deb"): the binary, man page, completions, plugin and examples"

# A clean root: only dpkg's own database, nothing else at all.
root="$TEST_TMP/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg --root="$root" --force-not-root --log=/dev/null -i "$deb" >"$TEST_TMP/dpkg.log" 2>&1 ||
  fail "dpkg -i into a clean root: $(tail -5 "$TEST_TMP/dpkg.log")"
dpkg --root="$root" -s ctrdbg | grep -q "Status: install ok installed" || fail "dpkg does not list ctrdbg as installed"
out=$(chroot "$root" /usr/sbin/ctrdbg --version) || fail "the installed binary does not run in the clean root"
assert_eq "$out" "$("$CTRDBG" --version)" "version from the clean root"
help=$(chroot "$root" /usr/sbin/ctrdbg --help) || fail "--help in the clean root"
assert_contains "$help" "TARGET" "--help in the clean root"
pass "installed with dpkg into an empty root (no libraries) and run there: $out"
