#!/bin/sh
# check-manpage.sh [CTRDBG [MANPAGE [README]]]
#
# Every long option that `ctrdbg --help` lists must be documented both in the man
# page and in README.md. Prints each one that is missing, and exits
#   0  all documented
#   1  something missing (each named on stderr)
#   2  cannot check (no binary, --help fails or lists no options, file missing)
#
# Defaults: $CTRDBG, else build/ctrdbg; packaging/ctrdbg.1 and README.md of the
# source tree this script lives in.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
ctrdbg=${1:-${CTRDBG:-$top/build/ctrdbg}}
manpage=${2:-$here/ctrdbg.1}
readme=${3:-$top/README.md}

die() { echo "check-manpage: $*" >&2; exit 2; }
for f in "$manpage" "$readme"; do
  [ -r "$f" ] || die "cannot read $f"
done
help=$("$ctrdbg" --help 2>&1) || die "'$ctrdbg --help' failed: $help"

# Option lines of the help: "  -t, --tty  ..." or "      --toolbox PATH  ...".
options=$(printf '%s\n' "$help" |
  sed -n 's/^ \{1,\}\(-[A-Za-z0-9], \{1,\}\)\{0,1\}\(--[A-Za-z0-9][A-Za-z0-9-]*\).*/\2/p' | sort -u)
[ -n "$options" ] || die "'$ctrdbg --help' lists no long options"

# The man page as text: roff's \- is a plain '-', font changes and \& are dropped.
# One awk pass over both files finds every option; "--timeout" must not be found
# inside "--timeout-cmd": an option ends at a character that cannot be part of one.
sed -e 's/\\-/-/g' -e 's/\\f\[[^]]*\]//g' -e 's/\\f([A-Za-z0-9][A-Za-z0-9]//g' \
  -e 's/\\f[A-Za-z0-9]//g' -e 's/\\&//g' "$manpage" |
  awk -v options="$options" -v manpage="$manpage" -v readme="$readme" '
    function scan(line, where,    rest, m, opt) {
      rest = line
      while (match(rest, /--[A-Za-z0-9][A-Za-z0-9-]*/)) {
        opt = substr(rest, RSTART, RLENGTH)
        # not the tail of a longer word such as "a--b"
        m = RSTART == 1 ? "" : substr(rest, RSTART - 1, 1)
        if (m !~ /[A-Za-z0-9-]/) found[where, opt] = 1
        rest = substr(rest, RSTART + RLENGTH)
      }
    }
    FILENAME == "-" { scan($0, "man"); next }
    { scan($0, "readme") }
    END {
      n = split(options, opts, "\n")
      bad = 0
      for (i = 1; i <= n; i++) {
        if (!(("man", opts[i]) in found)) {
          printf "check-manpage: %s (from ctrdbg --help) is missing from %s\n", opts[i], manpage > "/dev/stderr"
          bad = 1
        }
        if (!(("readme", opts[i]) in found)) {
          printf "check-manpage: %s (from ctrdbg --help) is missing from %s\n", opts[i], readme > "/dev/stderr"
          bad = 1
        }
      }
      if (bad) exit 1
      printf "check-manpage: all %d long options of ctrdbg --help are in the man page and the README\n", n
    }' - "$readme"
