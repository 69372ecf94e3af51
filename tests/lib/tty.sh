#!/usr/bin/env bash
# Driving a real terminal with tmux, for tests of ctrdbg's pty mode. Source after
# common.sh. Every test gets its own tmux server (-L, a socket name of its own), so
# a user's tmux is never touched; the server is killed on exit.
#
#   tty_start [COLS ROWS]     a detached session running an interactive bash
#                             ("outer$ " prompt, no rc files) in a COLSxROWS window
#   tty_type TEXT             types TEXT literally, then Enter
#   tty_keys KEY...           tmux key names (C-c, C-d, Enter, ...)
#   tty_screen                the whole pane, history included, wrapped lines joined
#   tty_count ERE             how many lines of the pane match ERE
#   tty_wait_line ERE [SECS [N]]  until N (default 1) lines of the pane match ERE;
#                             fails with the pane
#   tty_exec CMD [SECS]       types "CMD; <end marker>" into the shell that has the
#                             terminal, waits for the marker and sets $tty_out to
#                             the lines CMD printed
#   tty_resize COLS ROWS      resizes the window (the pane's programs get SIGWINCH)
#   tty_mark                  sets $tty_m to a fresh token, for markers that cannot
#                             match earlier output (call it directly, not in $(...))

TTY_SOCKET="ctrdbg-it-tty-$$"
TTY_TARGET="main"
_tty_marks=0

tmux_() { tmux -L "$TTY_SOCKET" "$@"; }

tty_start() {
  local cols=${1:-100} rows=${2:-30}
  need_cmd tmux
  # -f /dev/null: no user config; a clean environment so the outer shell is predictable.
  tmux_ -f /dev/null new-session -d -s "$TTY_TARGET" -x "$cols" -y "$rows" \
    "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=screen PS1='outer\$ ' bash --norc --noprofile -i" ||
    fail "cannot start tmux"
  # kill-server leaves the socket file behind: remove it too.
  local sock
  sock=$(tmux_ display-message -p '#{socket_path}')
  on_exit "tmux -L '$TTY_SOCKET' kill-server >/dev/null 2>&1; rm -f '$sock'"
  tmux_ set-option -g history-limit 20000 >/dev/null
  tty_wait_line '^outer\$' 10
}

tty_type() {
  tmux_ send-keys -t "$TTY_TARGET" -l -- "$1" || fail "tmux send-keys"
  tmux_ send-keys -t "$TTY_TARGET" Enter || fail "tmux send-keys"
}

tty_keys() { tmux_ send-keys -t "$TTY_TARGET" "$@" || fail "tmux send-keys $*"; }

tty_screen() { tmux_ capture-pane -p -J -S - -t "$TTY_TARGET"; }

tty_resize() { tmux_ resize-window -t "$TTY_TARGET" -x "$1" -y "$2" || fail "tmux resize-window"; }

tty_mark() {
  _tty_marks=$((_tty_marks + 1))
  tty_m="M${$}x${_tty_marks}y"
}

tty_count() { tty_screen | grep -Ec -- "$1"; }

# Polls every 0.05 s.
tty_wait_line() {
  local re=$1 secs=${2:-10} min=${3:-1}
  local deadline=$((SECONDS + secs))
  until (($(tty_count "$re") >= min)); do
    if ((SECONDS >= deadline)); then
      echo "---- terminal ----" >&2
      tty_screen | sed '/^$/d' | tail -40 >&2
      echo "------------------" >&2
      fail "fewer than $min line(s) matching [$re] on the terminal within ${secs}s"
    fi
    sleep 0.05
  done
}

# The marker is typed as "M" "N" (two shell words), so only its output is the bare
# token: the typed line never matches ^TOKEN$.
tty_exec() {
  local cmd=$1 secs=${2:-10} m
  tty_mark
  m=$tty_m
  tty_type "$cmd; echo \"${m:0:1}\"\"${m:1}\""
  tty_wait_line "^$m\$" "$secs"
  # Output: the lines after the (last) typed line, up to the marker.
  tty_out=$(tty_screen | awk -v typed="\"${m:0:1}\"\"${m:1}\"" -v m="$m" '
    index($0, typed) { grab = 1; n = 0; next }
    grab && $0 == m { grab = 0; done = 1; next }
    grab { lines[n++] = $0 }
    END { if (done) for (i = 0; i < n; i++) print lines[i] }')
}
