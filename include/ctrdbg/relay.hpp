// The host side of a running session: relay the pty (tty mode) or just wait (no
// tty: the command already holds the real stdio), forward signals, follow the
// window size, and return the command's exit status.
//
// Signals are taken synchronously from a signalfd; main() blocks them before the
// helper is forked so none is lost. Ending rules, so a session never hangs:
//   - the command exits (or the container dies and takes it along): drain what the
//     pty still holds, then return its status;
//   - SIGTERM/SIGINT/SIGHUP/SIGQUIT to ctrdbg: forwarded (through the reaper) to the
//     command's process group; in tty mode SIGTERM and SIGHUP also hang up the pty
//     (an interactive shell ignores SIGTERM but not a hangup); a second such signal
//     ends the session: the reaper kills every process it started;
//   - with a pty, ctrdbg's stdout gone (a closed pipe, a hung-up terminal): the pty
//     is hung up, and the session ends with 141 (128 + SIGPIPE).
#pragma once

#include <csignal>
#include <chrono>
#include <optional>
#include <string>

#include "ctrdbg/recording.hpp"
#include "ctrdbg/session.hpp"

namespace ctrdbg {

struct RelayOptions {
  // --timeout-cmd: the command gets SIGTERM when it runs this long, SIGKILL
  // kKillGrace later, and ctrdbg then exits 124.
  std::optional<std::chrono::milliseconds> command_timeout;
  // The operator's escape: this byte, then 'q' (or '.'), ends the session from the
  // terminal; the byte twice sends it once. -1: no escape. Only with a pty on a
  // terminal.
  int escape_char = 0x1d;  // ^]
  Recorder* recorder = nullptr;  // --record
};

inline constexpr std::chrono::seconds kKillGrace{5};
// What ctrdbg sends the session's reaper (ctrdbg-session) to end the session: it
// kills the command and everything the session started. The reaper's parent-death
// signal is the same.
inline constexpr int kEndSessionSignal = SIGUSR2;
inline constexpr int kTimedOutStatus = 124;  // as timeout(1)

// "^]" (caret notation), a single character, or "none" -> the byte or -1. Throws Error.
int parse_escape(const std::string& text);

// The signals main() must block before start_session().
void block_session_signals();

int relay_session(RunningSession& session, const RelayOptions& options);

}  // namespace ctrdbg
