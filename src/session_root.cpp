#include "ctrdbg/session_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {
namespace {

// More top-level entries than this is not a real image; refuse rather than spend
// the tmpfs on a hostile directory.
constexpr int kMaxTopLevelEntries = 4096;

int attach_clone(int old_root, const char* name, bool recursive, StepFailure* f) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0u);
  Fd tree(::open_tree(old_root, name, flags));
  if (!tree) return step_fail(f, "clone container mount", name, errno);
  if (::move_mount(tree.get(), "", AT_FDCWD, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return step_fail(f, "attach into session root", name, errno);
  return 0;
}

int mirror_entry(int old_root, int new_root, const char* name, StepFailure* f) {
  struct stat st{};
  if (::fstatat(old_root, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return 0;  // vanished meanwhile
    return step_fail(f, "stat container root entry", name, errno);
  }
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(old_root, name, target, sizeof target - 1);
    if (n < 0) return step_fail(f, "read container symlink", name, errno);
    target[n] = '\0';
    if (::symlinkat(target, new_root, name) < 0) return step_fail(f, "copy container symlink", name, errno);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(new_root, name, 0755) < 0) return step_fail(f, "make mount point", name, errno);
    return attach_clone(old_root, name, true, f);
  }
  // Files, sockets, fifos, devices: an empty regular file is a valid mount point
  // for any non-directory. O_PATH clone: a planted fifo is never opened.
  Fd placeholder(::openat(new_root, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!placeholder) return step_fail(f, "make mount point", name, errno);
  return attach_clone(old_root, name, false, f);
}

}  // namespace

int build_session_root(int toolset_root_fd, const char* tool_dir_name, StepFailure* f) {
  if (::unshare(CLONE_NEWNS) < 0) return step_fail(f, "unshare mount namespace", nullptr, errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0)
    return step_fail(f, "make container mounts slaves", nullptr, errno);

  Fd old_root(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!old_root) return step_fail(f, "open container root", nullptr, errno);

  if (::move_mount(toolset_root_fd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return step_fail(f, "attach toolset over /", nullptr, errno);
  // A process's root never follows a mount stacked on top of it: step into the
  // tmpfs through its fd and make that the root.
  if (::fchdir(toolset_root_fd) < 0 || ::chroot(".") < 0)
    return step_fail(f, "enter session root", nullptr, errno);
  Fd new_root(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!new_root) return step_fail(f, "open session root", nullptr, errno);

  alignas(8) char buf[16384];
  int entries = 0;
  for (;;) {
    long n = ::syscall(SYS_getdents64, old_root.get(), buf, sizeof buf);
    if (n < 0) return step_fail(f, "list container root", nullptr, errno);
    if (n == 0) break;
    for (long off = 0; off < n;) {
      // glibc's dirent64 has the kernel's getdents64 record layout.
      auto* d = reinterpret_cast<dirent64*>(buf + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      // The container's own entry of the toolset's name (if any) stays hidden.
      if (std::strcmp(name, tool_dir_name) == 0) continue;
      if (++entries > kMaxTopLevelEntries)
        return step_fail(f, "list container root", "more than 4096 top-level entries", 0);
      if (mirror_entry(old_root.get(), new_root.get(), name, f) < 0) return -1;
    }
  }

  return 0;
}

int seal_session_root(StepFailure* f) {
  // A bind remount changes only this mount's flags (the attached clones keep
  // theirs); unlike mount_setattr it also works before Linux 5.12.
  if (::chdir("/") < 0) return step_fail(f, "enter session root", nullptr, errno);
  if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) < 0)
    return step_fail(f, "make session root read-only", nullptr, errno);
  return 0;
}

}  // namespace ctrdbg
