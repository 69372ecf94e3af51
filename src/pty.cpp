#include "ctrdbg/pty.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

namespace ctrdbg {
namespace {

// openat2(2) (Linux 5.6); -1 with errno ENOSYS before it.
int openat2_(int dirfd, const char* path, int flags, unsigned long long resolve) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags);
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

// The container's /dev/pts as a directory fd, only if it is a devpts mount. O_PATH
// and O_DIRECTORY: whatever is planted there (fifo, file, device) is never opened.
// Plain symlinks inside the container are followed (we are chrooted into the
// session root, so they stay in it); magic links (/proc/PID/cwd, /proc/PID/fd/N),
// which could lead anywhere a container process holds a reference, are not.
int open_devpts_dir(StepFailure* f) {
  const char* step = "open the container's /dev/pts";
  Fd dir(openat2_(AT_FDCWD, "/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS));
  if (!dir && errno == ENOSYS) dir.reset(::open("/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC));  // before 5.6
  if (!dir) return step_fail(f, step, "(use -T to run without a tty)", errno);
  struct statfs sfs{};
  if (::fstatfs(dir.get(), &sfs) < 0) return step_fail(f, step, nullptr, errno);
  if (sfs.f_type != DEVPTS_SUPER_MAGIC) return step_fail(f, step, "is not a devpts mount (use -T to run without a tty)", 0);
  return dir.release();
}

// Opens `name` in the devpts directory `dir` only if it is that devpts's own char
// device `want`: checked before the open (opening a device runs its driver, here
// with host root's privileges and outside the container's device cgroup, so a node
// the container made with mknod must never be opened) and again on the fd. The open
// crosses no mount and follows no symlink. -1 with errno, or with errno 0 when the
// entry is something else.
int open_devpts_node(int dir, const char* name, dev_t want, int flags) {
  struct stat d{}, st{};
  if (::fstat(dir, &d) < 0 || ::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (!is_devpts_node(d, st, want)) {
    errno = 0;
    return -1;
  }
  flags |= O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
  Fd fd(openat2_(dir, name, flags, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS));
  // Before 5.6 a mount a container with CAP_SYS_ADMIN races onto the name between
  // the check and the open is not excluded; what was opened is still checked.
  if (!fd && errno == ENOSYS) fd.reset(::openat(dir, name, flags));
  if (!fd) return -1;
  if (::fstat(fd.get(), &st) < 0) return -1;
  if (!is_devpts_node(d, st, want)) {
    errno = 0;
    return -1;
  }
  return fd.release();
}

}  // namespace

bool is_devpts_node(const struct stat& dir, const struct stat& node, dev_t want) {
  return S_ISCHR(node.st_mode) && node.st_rdev == want && node.st_dev == dir.st_dev;
}

dev_t pty_slave_device(unsigned n) { return makedev(kPtySlaveMajor, n); }

int open_container_pty(const winsize* size, int* master_out, int* slave_out, StepFailure* f) {
  // Only the container's /dev/pts/ptmx, opened through its verified devpts
  // directory (ptmx is 5:2 in every devpts instance). /dev/ptmx is not tried: in
  // Docker and podman it is a symlink to pts/ptmx anyway, and anything else there
  // (a tmpfs node opens the devpts found next to it, a mknod'd device of the
  // container's choosing) is nothing to open as host root.
  Fd pts(open_devpts_dir(f));
  if (!pts) return -1;
  // O_NONBLOCK: the master is relayed non-blocking.
  Fd master(open_devpts_node(pts.get(), "ptmx", makedev(5, 2), O_RDWR | O_NONBLOCK));
  if (!master)
    return step_fail(f, "open the container's /dev/pts/ptmx",
                     errno ? "(use -T to run without a tty)" : "is not a devpts pty multiplexer (use -T)", errno);
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return step_fail(f, "unlock pty", nullptr, errno);
  if (size && ::ioctl(master.get(), TIOCSWINSZ, size) < 0) return step_fail(f, "set pty size", nullptr, errno);
  Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave && (errno == EINVAL || errno == ENOTTY)) {
    // Before Linux 4.13: the slave by number, in the same devpts directory, checked
    // like the master (not re-resolved by path: /dev/pts may have changed since).
    unsigned n = 0;
    if (::ioctl(master.get(), TIOCGPTN, &n) < 0) return step_fail(f, "get pty number", nullptr, errno);
    char name[16];
    std::snprintf(name, sizeof name, "%u", n);
    slave.reset(open_devpts_node(pts.get(), name, pty_slave_device(n), O_RDWR));
    if (!slave && errno == 0) return step_fail(f, "open pty slave", "is not the pty's own device in /dev/pts", 0);
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
