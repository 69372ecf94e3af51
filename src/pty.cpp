#include "ctrdbg/pty.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

}  // namespace

int open_session_pty(const winsize* size, int* master_out, int* slave_out, StepFailure* f) {
  // A devpts instance of the session's own (every devpts mount is a new instance
  // since Linux 4.7). Made detached, so the master comes from our own ptmx and
  // nothing of the container's /dev is opened as host root; mode and gid as Docker
  // mounts /dev/pts (tty group 5, slaves 0620).
  Fd fs(::fsopen("devpts", FSOPEN_CLOEXEC));
  if (!fs) return step_fail(f, "make the session's devpts", "fsopen", errno);
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "gid", "5", 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    return step_fail(f, "make the session's devpts", "configure", errno);
  Fd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
  if (!mnt) return step_fail(f, "make the session's devpts", "fsmount", errno);

  // O_NONBLOCK: the master is relayed non-blocking.
  Fd master(::openat(mnt.get(), "ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!master) return step_fail(f, "open the session's ptmx", nullptr, errno);
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return step_fail(f, "unlock pty", nullptr, errno);
  if (size && ::ioctl(master.get(), TIOCSWINSZ, size) < 0) return step_fail(f, "set pty size", nullptr, errno);
  Fd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return step_fail(f, "open pty slave", nullptr, errno);

  // Attached over the container's /dev/pts in the session's mount namespace only, so
  // that `tty` names a device that exists in the session; the container's processes
  // keep seeing their own devpts, which has no trace of this pty. The path is the
  // container's: plain symlinks resolve inside the session root (we are chrooted in
  // it), magic links (/proc/PID/root, ...) are not followed.
  Fd pts(openat2_resolve(AT_FDCWD, "/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS));
  if (!pts && errno == ENOSYS) pts.reset(::open("/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC));  // before 5.6
  if (!pts) return step_fail(f, "find the container's /dev/pts", "(use -T to run without a tty)", errno);
  if (::move_mount(mnt.get(), "", pts.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return step_fail(f, "attach the session's devpts at /dev/pts", nullptr, errno);
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
