#include "ctrdbg/pty.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

namespace ctrdbg {
namespace {

// A genuine ptmx: char device 5:2 on a devpts filesystem. Anything else planted at
// the path (fifo, regular file, a host device) is refused.
bool is_devpts_ptmx(int fd) {
  struct stat st{};
  struct statfs sfs{};
  if (::fstat(fd, &st) < 0 || ::fstatfs(fd, &sfs) < 0) return false;
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2 &&
         sfs.f_type == DEVPTS_SUPER_MAGIC;
}

}  // namespace

int open_container_pty(const winsize* size, int* master_out, int* slave_out, StepFailure* f) {
  // O_NONBLOCK also keeps a planted fifo from blocking the open.
  Fd master(::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!master || !is_devpts_ptmx(master.get()))
    master.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!master) return step_fail(f, "open the container's /dev/pts/ptmx", "(use -T to run without a tty)", errno);
  if (!is_devpts_ptmx(master.get()))
    return step_fail(f, "open the container's /dev/pts/ptmx", "not a devpts pty multiplexer (use -T)", 0);
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return step_fail(f, "unlock pty", nullptr, errno);
  if (size && ::ioctl(master.get(), TIOCSWINSZ, size) < 0) return step_fail(f, "set pty size", nullptr, errno);
  Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave && (errno == EINVAL || errno == ENOTTY)) {
    // Before Linux 4.13: find the slave by number in the same devpts.
    unsigned n = 0;
    char path[64];
    if (::ioctl(master.get(), TIOCGPTN, &n) < 0) return step_fail(f, "get pty number", nullptr, errno);
    std::snprintf(path, sizeof path, "/dev/pts/%u", n);
    slave.reset(::open(path, O_RDWR | O_NOCTTY | O_CLOEXEC));
  }
  if (!slave) return step_fail(f, "open pty slave", nullptr, errno);
  *master_out = master.release();
  *slave_out = slave.release();
  return 0;
}

void TermiosGuard::make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) < 0) fail_errno("read terminal settings");
  saved_ = t;
  fd_ = fd;
  ::cfmakeraw(&t);
  if (::tcsetattr(fd, TCSADRAIN, &t) < 0) {
    fd_ = -1;
    fail_errno("set terminal to raw mode");
  }
}

void TermiosGuard::restore() noexcept {
  if (fd_ < 0) return;
  ::tcsetattr(fd_, TCSADRAIN, &saved_);
  fd_ = -1;
}

bool terminal_size(winsize* out, int fd_a, int fd_b) {
  return ::ioctl(fd_a, TIOCGWINSZ, out) == 0 || ::ioctl(fd_b, TIOCGWINSZ, out) == 0;
}

}  // namespace ctrdbg
