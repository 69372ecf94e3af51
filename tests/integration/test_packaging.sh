#!/usr/bin/env bash
# The packaging and operations files (packaging/): the man page agrees with --help
# and renders cleanly; the example config is accepted; the systemd units verify; the
# snapshot script takes a real snapshot with secrets masked; the Docker CLI plugin
# works through `docker ctrdbg`; the completions load; the binary is static.
# (The .deb itself is not built here: too slow for every run.)
#
# Parts that cannot run (a tool missing) are reported and the test ends as skipped
# (77) after every other part has passed.
source "$(dirname "$0")/../lib/common.sh"
need_ctrdbg_binary
PKG=$CTRDBG_SOURCE_DIR/packaging
skipped=()
skip_part() { echo "# part skipped: $*" >&2; skipped+=("$*"); }

# ---- the man page -------------------------------------------------------------------

out=$(sh "$PKG/check-manpage.sh" "$CTRDBG" "$PKG/ctrdbg.1" "$CTRDBG_SOURCE_DIR/README.md" 2>&1) ||
  fail "check-manpage.sh: $out"
pass "every long option of --help is in the man page and the README"

version=$("$CTRDBG" --version)
grep -q "^\.TH CTRDBG 1 .* \"$version\" " "$PKG/ctrdbg.1" || fail "the man page's .TH line does not name \"$version\""
pass "man page is for $version"

# check-manpage.sh itself must notice a missing option.
sed 's/timeout\\-cmd/timeout\\-XXX/g' "$PKG/ctrdbg.1" >"$TEST_TMP/broken.1"
out=$(sh "$PKG/check-manpage.sh" "$CTRDBG" "$TEST_TMP/broken.1" "$CTRDBG_SOURCE_DIR/README.md" 2>&1) && rc=0 || rc=$?
assert_status "$rc" 1 "check-manpage.sh on a man page without --timeout-cmd"
assert_contains "$out" "--timeout-cmd" "check-manpage.sh's complaint"
pass "check-manpage.sh names a missing option"

if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww "$PKG/ctrdbg.1" 2>&1 >/dev/null)
  assert_eq "$warnings" "" "groff warnings for ctrdbg.1"
  text=$(groff -man -Tutf8 -P-cbou "$PKG/ctrdbg.1" 2>/dev/null)
  for s in NAME SYNOPSIS DESCRIPTION TARGET OPTIONS ENVIRONMENT FILES "EXIT STATUS" SIGNALS SECURITY EXAMPLES "SEE ALSO"; do
    grep -q "^$s\$" <<<"$text" || fail "man page has no $s section"
  done
  pass "man page renders without warnings, with every section"
else
  skip_part "groff not installed: man page rendering not checked"
fi

# ---- the example configuration ------------------------------------------------------

# Every key of the example, as section.key: one "key": value per line, sections
# opened by "name": { and closed by }.
keys=$(awk '
  /^ *"[a-z_]+": *\{/ { match($0, /"[a-z_]+"/); section = substr($0, RSTART + 1, RLENGTH - 2) "."; next }
  /^ *\}/ { section = ""; next }
  /^ *"[a-z_]+":/ { match($0, /"[a-z_]+"/); print section substr($0, RSTART + 1, RLENGTH - 2) }
' "$PKG/config.json.example")
[ "$(wc -w <<<"$keys")" -ge 10 ] || fail "config.json.example: keys not found: [$keys]"
sed 's/\\-/-/g' "$PKG/ctrdbg.1" >"$TEST_TMP/man.txt"
for key in $keys; do
  grep -qF -- "$key" "$TEST_TMP/man.txt" || fail "config key $key is not in the man page"
  grep -qF -- "\`$key\`" "$CTRDBG_SOURCE_DIR/README.md" || fail "config key $key is not in the README"
done
pass "config keys of the example ($(wc -w <<<"$keys")) are documented"

# ---- systemd units ------------------------------------------------------------------

if command -v systemd-analyze >/dev/null; then
  # verify needs the unit's ExecStart= to exist and systemd's own units
  # (sysinit.target, ...): a root with both, and the units as installed.
  root=$TEST_TMP/root
  mkdir -p "$root/etc/systemd/system" "$root/usr/libexec/ctrdbg" "$root/usr/lib/systemd"
  for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -d "$d" ] && { cp -a "$d" "$root/usr/lib/systemd/" && break; }
  done
  cp "$PKG/systemd/ctrdbg-snapshot@.service" "$PKG/systemd/ctrdbg-snapshot@.timer" "$root/etc/systemd/system/"
  cp "$PKG/ctrdbg-snapshot" "$root/usr/libexec/ctrdbg/"
  out=$(systemd-analyze verify --man=no --root="$root" ctrdbg-snapshot@web.service ctrdbg-snapshot@web.timer 2>&1) &&
    rc=0 || rc=$?
  # Unknown keys are only warnings (exit 0): any output is a failure.
  assert_status "$rc" 0 "systemd-analyze verify ($out)"
  assert_eq "$out" "" "systemd-analyze verify output"
  pass "systemd units verify"
else
  skip_part "systemd-analyze not installed: units not verified"
fi

# ---- completions --------------------------------------------------------------------

bash -n "$PKG/completions/ctrdbg.bash" || fail "bash completion: syntax error"
if command -v zsh >/dev/null; then
  zsh -n "$PKG/completions/_ctrdbg" || fail "zsh completion: syntax error"
else
  skip_part "zsh not installed: zsh completion not checked"
fi

# Both know every option of --help (and the bash one, which take a value).
help=$("$CTRDBG" --help)
options=$(sed -n 's/^ \{1,\}\(-[A-Za-z0-9], \{1,\}\)\{0,1\}\(--[A-Za-z0-9][A-Za-z0-9-]*\).*/\2/p' <<<"$help")
valued=$(sed -n 's/^ \{1,\}\(-[A-Za-z0-9], \{1,\}\)\{0,1\}\(--[A-Za-z0-9][A-Za-z0-9-]*\) [A-Z].*/\2/p' <<<"$help")
if [ -z "$options" ] || [ -z "$valued" ]; then fail "no options found in --help"; fi
for opt in $options; do
  grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$PKG/completions/ctrdbg.bash" ||
    fail "bash completion does not know $opt"
  grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$PKG/completions/_ctrdbg" ||
    fail "zsh completion does not know $opt"
done
# shellcheck disable=SC2086 # one option per word
takes=$(bash -c 'source "$1"; shift; for o; do _ctrdbg_takes_value "$o" && echo "$o"; done' _ \
  "$PKG/completions/ctrdbg.bash" $options)
assert_eq "$(sort <<<"$takes")" "$(sort <<<"$valued")" "bash completion: the options that take a value"
pass "completions know every option of --help"

# complete_bash WORDS...: what the bash completion offers for the last word.
complete_bash() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _ctrdbg
    printf "%s\n" "${COMPREPLY[@]}"' complete_bash "$PKG/completions/ctrdbg.bash" "$@"
}
# (/bin/false as ctrdbg: no running containers among the candidates)
out=$(complete_bash /bin/false --timeo)
assert_eq "$out" $'--timeout\n--timeout-cmd' "completion of --timeo"
out=$(complete_bash /bin/false --engine "")
assert_eq "$out" $'api\ndisk\nauto' "completion of --engine"
out=$(complete_bash /bin/false -v --timeout 1s web "")
assert_eq "$out" "" "completion after TARGET"
out=$(complete_bash /bin/false -e FOO k8)
assert_eq "$out" "k8s://" "completion of k8"
pass "bash completion: options, values, prefixes"

# ---- the binary ---------------------------------------------------------------------

# The shipped build is static; a sanitizer build (CTRDBG_SANITIZED=1, set by CMake for
# -DCTRDBG_SANITIZE=ON) is dynamic by design, since libasan and libubsan cannot be linked
# statically. There the check is that the binary is the instrumented one the build claims.
if command -v ldd >/dev/null; then
  out=$(ldd "$CTRDBG" 2>&1) && rc=0 || rc=$?
  if [ "${CTRDBG_SANITIZED:-0}" = 1 ]; then
    assert_contains "$out" "libasan" "ldd $CTRDBG (sanitizer build)"
    assert_contains "$out" "libubsan" "ldd $CTRDBG (sanitizer build)"
    pass "ctrdbg is the ASan + UBSan build (the static link is checked by the plain build)"
  else
    assert_contains "$out" "not a dynamic executable" "ldd $CTRDBG"
    pass "ctrdbg is a static executable"
  fi
else
  skip_part "ldd not installed: static link not checked"
fi

# ---- with root and Docker: snapshot, config, Docker CLI plugin ----------------------

need_root
need_docker
need_cmd python3
fixture_busybox_image

CTRDBG_CONFIG=$PKG/config.json.example "$CTRDBG" --show-toolset >/dev/null 2>"$TEST_TMP/stderr" ||
  fail "ctrdbg refuses config.json.example: $(cat "$TEST_TMP/stderr")"
pass "config.json.example is accepted"

c=ctrdbg-pkg-$$
start_container "$c" ctrdbg-test/busybox -e API_TOKEN=supersecret -e db_Password=hunter2 \
  -e $'SSH_KEY=-----BEGIN\nsupersecret2\nPLAIN=supersecret3' -e PLAIN_VAR=visible \
  -- sh -c 'nc -l -p 8080 & exec sleep 100000' >/dev/null
wait_running "$c"
listening() { "$CTRDBG" -T "$c" -- netstat -tln 2>/dev/null | grep -q ':8080 '; }
wait_for 10 listening || fail "nc in $c does not listen on 8080"

out=$(CTRDBG=$CTRDBG sh "$PKG/ctrdbg-snapshot" "$c" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")  # for assert_status messages
assert_status "$rc" 0 "ctrdbg-snapshot $c"
for section in "processes" "listening sockets" "mounts" "/etc/resolv.conf" "environment"; do
  assert_contains "$out" "=== $section ===" "snapshot"
done
grep -Eq '^ *1 +[^ ]+ +sleep 100000$' <<<"$out" || fail "snapshot: no process list with the container's init: [$out]"
grep -Eq '^tcp .*:8080 .*LISTEN' <<<"$out" || fail "snapshot: no listening socket 8080: [$out]"
grep -Eq '^[0-9]+ [0-9]+ [0-9]+:[0-9]+ / / ' <<<"$out" || fail "snapshot: no mountinfo with the root mount: [$out]"
resolv=$(docker inspect -f '{{.ResolvConfPath}}' "$c")
first=$(grep -m1 -v '^#' "$resolv" | grep . || true)
[ -z "$first" ] || assert_contains "$out" "$first" "snapshot's resolv.conf"
assert_contains "$out" "API_TOKEN=***" "snapshot"
assert_contains "$out" "db_Password=***" "snapshot"
assert_contains "$out" "SSH_KEY=***" "snapshot"
assert_contains "$out" "PLAIN_VAR=visible" "snapshot"
assert_not_contains "$out" "supersecret" "snapshot"
assert_not_contains "$out" "hunter2" "snapshot"
pass "ctrdbg-snapshot: processes, sockets, mounts, resolv.conf, environment with secrets masked"

out=$(CTRDBG=$CTRDBG sh "$PKG/ctrdbg-snapshot" "no-such-container-$$" 2>&1) && rc=0 || rc=$?
assert_status "$rc" 125 "ctrdbg-snapshot of a missing container"
pass "ctrdbg-snapshot exits with ctrdbg's status"

out=$(complete_bash "$CTRDBG" -T "$c")
grep -qx -- "$c" <<<"$out" || fail "bash completion of $c: [$out]"
pass "bash completion: a running container's name (from ctrdbg --list --json)"

# The Docker CLI plugin, from a DOCKER_CONFIG of our own, ctrdbg next to it.
meta=$(env -u CTRDBG "$PKG/docker-ctrdbg" docker-cli-plugin-metadata)
python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert m["SchemaVersion"] == "0.1.0" and m["Vendor"] == "ctrdbg", m
assert m["ShortDescription"], m' "$meta" || fail "plugin metadata: [$meta]"
export DOCKER_CONFIG=$TEST_TMP/dockercfg
mkdir -p "$DOCKER_CONFIG/cli-plugins"
cp "$PKG/docker-ctrdbg" "$DOCKER_CONFIG/cli-plugins/docker-ctrdbg"
ln -s "$(readlink -f "$CTRDBG")" "$DOCKER_CONFIG/cli-plugins/ctrdbg"
meta=$(env -u CTRDBG "$DOCKER_CONFIG/cli-plugins/docker-ctrdbg" docker-cli-plugin-metadata)
version=$("$CTRDBG" --version)
assert_contains "$meta" "\"Version\":\"${version#ctrdbg }\"" "plugin metadata"
# docker must find the plugin in $DOCKER_CONFIG/cli-plugins (first in its search path).
plugins=$(docker info --format '{{range .ClientInfo.Plugins}}{{.Name}} {{.Path}}{{"\n"}}{{end}}' 2>/dev/null)
assert_contains "$plugins" "ctrdbg $DOCKER_CONFIG/cli-plugins/docker-ctrdbg" "docker's plugins"
out=$(env -u CTRDBG docker ctrdbg --version 2>&1) || fail "docker ctrdbg --version: $out"
assert_eq "$out" "$version" "docker ctrdbg --version"
out=$(env -u CTRDBG docker ctrdbg "$c" -- cat /etc/hostname </dev/null 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
err=$(cat "$TEST_TMP/stderr")  # for assert_status messages
assert_status "$rc" 0 "docker ctrdbg $c -- cat /etc/hostname"
assert_eq "$out" "$(docker inspect -f '{{.Config.Hostname}}' "$c")" "docker ctrdbg: the container's hostname"
env -u CTRDBG docker ctrdbg -T "$c" -- sh -c 'exit 7' </dev/null 2>/dev/null && rc=0 || rc=$?
assert_status "$rc" 7 "docker ctrdbg: the command's exit status"
pass "docker ctrdbg (plugin in \$DOCKER_CONFIG/cli-plugins): metadata, --version, a command, its status"
unset DOCKER_CONFIG

((${#skipped[@]} == 0)) || skip "parts not checked: ${skipped[*]}"
