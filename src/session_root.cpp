#include "ctrdbg/session_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

// No limit on the number of top-level entries: the work is one pass over the
// container's `/`, a few system calls per entry. Each entry costs the session one
// inode in its tmpfs (a symlink whose target does not fit in the inode, one page
// more: see make_toolset_mount for the tmpfs's limits), and each entry but a
// symlink one mount, of which the kernel allows fs.mount-max per mount namespace.

// A failure about a top-level entry names it, and the message reaches the
// operator's terminal: the container chose the name, so control bytes and bytes
// outside ASCII (a newline, an escape sequence, C1 controls) are shown as \xNN.
int entry_fail(StepFailure* f, const char* step, const char* name, int err) {
  char shown[sizeof f->detail];
  size_t k = 0;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(name); *p; ++p) {
    bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';
    size_t need = plain ? 1 : 4;
    if (k + need + 1 > sizeof shown) break;
    if (plain) {
      shown[k++] = static_cast<char>(*p);
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      shown[k++] = '\\';
      shown[k++] = 'x';
      shown[k++] = hex[*p >> 4];
      shown[k++] = hex[*p & 15];
    }
  }
  shown[k] = '\0';
  return step_fail(f, step, shown, err);
}

// ENOSPC while attaching is the kernel's limit on mounts per namespace, not a full
// disk: say which, since root can raise it (sysctl -w fs.mount-max=N).
int attach_fail(StepFailure* f, const char* name, int err) {
  return entry_fail(f, err == ENOSPC ? "mount limit fs.mount-max reached (sysctl) at" : "attach into session root",
                    name, err);
}

int attach_clone(int old_root, const char* name, bool recursive, StepFailure* f) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0u);
  Fd tree(::open_tree(old_root, name, flags));
  if (!tree) return entry_fail(f, "clone container mount", name, errno);
  if (::move_mount(tree.get(), "", AT_FDCWD, name, MOVE_MOUNT_F_EMPTY_PATH) < 0) return attach_fail(f, name, errno);
  return 0;
}

int mirror_entry(int old_root, int new_root, const char* name, StepFailure* f) {
  struct stat st{};
  if (::fstatat(old_root, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return 0;  // vanished meanwhile
    return entry_fail(f, "stat container root entry", name, errno);
  }
  if (S_ISLNK(st.st_mode)) {
    // Up to PATH_MAX - 1 bytes (what symlink(2) allows); a result that fills the
    // buffer may be cut short, and is longer than any symlink we could make.
    char target[PATH_MAX + 1];
    ssize_t n = ::readlinkat(old_root, name, target, sizeof target);
    if (n < 0) return entry_fail(f, "read container symlink", name, errno);
    if (static_cast<size_t>(n) == sizeof target) return entry_fail(f, "read container symlink", name, ENAMETOOLONG);
    target[n] = '\0';
    if (::symlinkat(target, new_root, name) < 0) return entry_fail(f, "copy container symlink", name, errno);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(new_root, name, 0755) < 0) return entry_fail(f, "make mount point", name, errno);
    return attach_clone(old_root, name, true, f);
  }
  // Files, sockets, fifos, devices: an empty regular file is a valid mount point
  // for any non-directory. O_PATH clone: a planted fifo is never opened.
  Fd placeholder(::openat(new_root, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!placeholder) return entry_fail(f, "make mount point", name, errno);
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
      // The container's own entry of the toolset's name (if any) stays hidden, and
      // so does any name that starts with byte 0x01: the sealed host-tool loader's
      // paths start so (tools/host_tools.hpp), and must never exist.
      if (std::strcmp(name, tool_dir_name) == 0 || name[0] == '\x01') continue;
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
