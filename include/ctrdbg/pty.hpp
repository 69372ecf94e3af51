// Terminals: the command's pty comes from the container's own devpts instance, so
// `tty` inside names a device that exists there; the operator's terminal goes raw
// for the session and is restored however the session ends.
#pragma once

#include <sys/ioctl.h>
#include <termios.h>

#include "ctrdbg/step.hpp"

namespace ctrdbg {

// In the helper, after the session root is built: opens /dev/pts/ptmx of the
// container (refusing anything but a devpts ptmx), unlocks it, sets `size` before
// any output, and opens the slave with TIOCGPTPEER (no path lookup). Returns 0 with
// both fds (O_CLOEXEC, master non-blocking), or -1 with *f filled.
int open_container_pty(const winsize* size, int* master, int* slave, StepFailure* f);

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
