// The host side of a running session: relay the pty (tty mode) or just wait (no
// tty: the command already holds the real stdio), forward signals, follow the
// window size, and return the command's exit status.
//
// Signals are taken synchronously from a signalfd; main() blocks them before the
// helper is forked so none is lost. Ending rules, so a session never hangs:
//   - the command exits (or the container dies and takes it along): drain what the
//     pty still holds, then return its status;
//   - SIGTERM/SIGINT/SIGHUP/SIGQUIT to ctrdbg: forwarded to the command; in tty
//     mode SIGTERM and SIGHUP also hang up the pty (an interactive shell ignores
//     SIGTERM but not a hangup); a second such signal kills the command.
#pragma once

#include "ctrdbg/session.hpp"

namespace ctrdbg {

// The signals main() must block before start_session().
void block_session_signals();

int relay_session(RunningSession& session);

}  // namespace ctrdbg
