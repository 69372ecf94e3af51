// Terminals: the command's pty comes from the container's own devpts instance, so
// `tty` inside names a device that exists there; the operator's terminal goes raw
// for the session and is restored however the session ends.
#pragma once

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>

#include "ctrdbg/step.hpp"

namespace ctrdbg {

// In the helper, after the session root is built: opens /dev/pts/ptmx of the
// container (refusing anything but a devpts ptmx, and opening nothing else: the
// directory is checked to be a devpts mount first, the node to be its 5:2 device),
// unlocks it, sets `size` before any output, and opens the slave with TIOCGPTPEER
// (no path lookup). Returns 0 with both fds (O_CLOEXEC, master non-blocking), or
// -1 with *f filled.
int open_container_pty(const winsize* size, int* master, int* slave, StepFailure* f);

// The major number of every Unix98 pty slave (/dev/pts/N is 136:N).
inline constexpr unsigned kPtySlaveMajor = 136;
// The device number of pty slave N.
dev_t pty_slave_device(unsigned n);
// `node` (lstat of an entry of the devpts directory `dir`) is the char device `want`
// of that same devpts filesystem: not a symlink, fifo or file, not a device node
// from elsewhere, not something mounted over the entry.
bool is_devpts_node(const struct stat& dir, const struct stat& node, dev_t want);

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
