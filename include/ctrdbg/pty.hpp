// Terminals: the command's pty comes from a devpts instance private to the session
// (attached at /dev/pts in its own mount namespace only), so `tty` inside names a
// device that exists there and the container cannot reach it; the operator's
// terminal goes raw for the session and is restored however the session ends.
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include "ctrdbg/step.hpp"

namespace ctrdbg {

// In the helper, once the session root is built and sealed: makes a devpts instance
// of the session's own (new mount API), opens its ptmx, unlocks it, sets `size`
// before any output, opens the slave with TIOCGPTPEER (no path lookup), and attaches
// the instance over /dev/pts in the session's private mount namespace, so `tty`
// names a device that exists there while no process of the container can reach the
// pty by any path (TIOCSTI). Returns 0 with both fds (O_CLOEXEC, master
// non-blocking), or -1 with *f filled. System calls only.
int open_session_pty(const winsize* size, int* master, int* slave, StepFailure* f);

// Puts a terminal in raw mode and restores the saved settings on destruction.
class TermiosGuard {
 public:
  TermiosGuard() = default;
  ~TermiosGuard() { restore(); }
  TermiosGuard(const TermiosGuard&) = delete;
  TermiosGuard& operator=(const TermiosGuard&) = delete;
  // Throws Error when `fd` is a terminal whose settings cannot be read or changed.
  void make_raw(int fd);
  void restore() noexcept;

 private:
  int fd_ = -1;
  termios saved_{};
};

// The window size of the first of `fds` that is a terminal; false if none is.
bool terminal_size(winsize* out, int fd_a, int fd_b);

}  // namespace ctrdbg
