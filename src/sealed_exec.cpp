#include "ctrdbg/sealed_exec.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {
namespace {

std::string why(const char* step, int err) { return fmt::format("{}: {}", step, std::strerror(err)); }

}  // namespace

void exec_sealed_self(char** argv, char** envp, std::string* note) {
  note->clear();
  Fd exe(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
  struct statvfs vfs{};
  if (!exe || ::fstatvfs(exe.get(), &vfs) < 0) {
    *note = why("open /proc/self/exe", errno);
    return;
  }
  if (vfs.f_flag & ST_RDONLY) return;  // sealed already

  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) {
    *note = why("read /proc/self/exe", errno);
    return;
  }
  path[n] = '\0';
  const char* slash = std::strrchr(path, '/');
  if (path[0] != '/' || !slash || !slash[1]) {
    *note = fmt::format("its path is {}", path);
    return;
  }
  const std::string base(slash + 1);
  const std::string dir = slash == path ? "/" : std::string(path, static_cast<size_t>(slash - path));
  // The directory holds the very file we run (not one swapped in since, and not a
  // path that says "(deleted)").
  Fd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat running{}, named{};
  if (!dirfd || ::fstat(exe.get(), &running) < 0 || ::fstatat(dirfd.get(), base.c_str(), &named, AT_SYMLINK_NOFOLLOW) < 0 ||
      running.st_dev != named.st_dev || running.st_ino != named.st_ino) {
    *note = fmt::format("{} is not the running binary any more", path);
    return;
  }

  // An overlay needs two layers when it has no upper one: the binary's directory
  // over an empty tmpfs of our own. Both named through our fds: no path is looked
  // up twice. Read-only, nosuid, nodev, and attached nowhere.
  Fd tmpfs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!tmpfs || ::fsconfig(tmpfs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    *note = why("make an empty tmpfs", errno);
    return;
  }
  Fd empty(::fsmount(tmpfs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
  Fd overlay(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!empty || !overlay) {
    *note = why("open overlayfs", errno);
    return;
  }
  const std::string lower = fmt::format("/proc/self/fd/{}:/proc/self/fd/{}", dirfd.get(), empty.get());
  if (::fsconfig(overlay.get(), FSCONFIG_SET_STRING, "lowerdir", lower.c_str(), 0) < 0 ||
      ::fsconfig(overlay.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    *note = why("make a read-only overlay of ctrdbg's directory", errno);
    return;
  }
  Fd mnt(::fsmount(overlay.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  if (!mnt) {
    *note = why("mount the overlay", errno);
    return;
  }
  Fd image(::openat(mnt.get(), base.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW));
  struct stat seen{};
  if (!image || ::fstat(image.get(), &seen) < 0 || seen.st_size != running.st_size) {
    *note = fmt::format("{} in the overlay is not the running binary", base);
    return;
  }
  // By name in the overlay (not the fd with AT_EMPTY_PATH): the process's name
  // (comm, what ps and pgrep show) is the file's name, not the fd's number.
  ::syscall(SYS_execveat, mnt.get(), base.c_str(), argv, envp, AT_SYMLINK_NOFOLLOW);
  *note = why("execute ctrdbg from the overlay", errno);
}

}  // namespace ctrdbg
