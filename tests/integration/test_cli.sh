#!/usr/bin/env bash
# The command line on its own: help, version, and every usage error exits 125
# with one "ctrdbg: error:" line, before any container is looked at.
source "$(dirname "$0")/../lib/common.sh"
[ -x "$CTRDBG" ] || fail "no ctrdbg binary at $CTRDBG"

run_ctrdbg --help
assert_status "$rc" 0 "--help"
assert_contains "$out" "TARGET" "--help output"
assert_contains "$out" "--timeout" "--help output"
assert_eq "$err" "" "--help stderr"
run_ctrdbg -h
assert_status "$rc" 0 "-h"
assert_contains "$out" "TARGET" "-h output"
pass "--help / -h"

run_ctrdbg --version
assert_status "$rc" 0 "--version"
[[ "$out" =~ ^ctrdbg\ [0-9]+\.[0-9]+ ]] || fail "--version printed [$out]"
assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "--version line count"
pass "--version: $out"

run_ctrdbg --no-such-option some-container
assert_ctrdbg_error "no-such-option"
run_ctrdbg -Q some-container
assert_ctrdbg_error
pass "unknown option"

run_ctrdbg -t -T some-container true
assert_ctrdbg_error
run_ctrdbg --tty --no-tty some-container true
assert_ctrdbg_error
run_ctrdbg -tT some-container true
assert_ctrdbg_error
pass "-t with -T"

run_ctrdbg
assert_ctrdbg_error "TARGET"
run_ctrdbg -T -v
assert_ctrdbg_error "TARGET"
run_ctrdbg -T --
assert_ctrdbg_error "TARGET"
pass "no TARGET"

for bad in abc 5x -1 1.5h "" 10sm; do
  run_ctrdbg --timeout "$bad" some-container true
  assert_ctrdbg_error "--timeout"
done
run_ctrdbg --timeout=soon some-container true
assert_ctrdbg_error "--timeout" "soon"
pass "bad --timeout"

run_ctrdbg --engine bogus some-container true
assert_ctrdbg_error "bogus"
pass "bad --engine"

run_ctrdbg -w tmp some-container true
assert_ctrdbg_error "tmp"
run_ctrdbg --workdir ./srv some-container true
assert_ctrdbg_error "./srv"
run_ctrdbg -w "" some-container true
assert_ctrdbg_error
pass "relative -w"

# Not root: refused before the engine or any namespace is touched. The binary is
# copied where nobody can execute it.
need_cmd setpriv
chmod 711 "$TEST_TMP"
cp "$CTRDBG" "$TEST_TMP/ctrdbg" && chmod 755 "$TEST_TMP/ctrdbg"
out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$TEST_TMP/ctrdbg" some-container true 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")
assert_ctrdbg_error "root"
# ...while help still works for anyone.
out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$TEST_TMP/ctrdbg" --help 2>/dev/null) && rc=0 || rc=$?
assert_status "$rc" 0 "--help as nobody"
assert_contains "$out" "TARGET" "--help as nobody"
pass "not root"
