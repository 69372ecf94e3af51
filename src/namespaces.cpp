#include "ctrdbg/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "ctrdbg/error.hpp"

namespace ctrdbg {

const std::array<NamespaceKind, 8> kNamespaces{{
    {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP},
    {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},
    {"pid", CLONE_NEWPID},
    {"mnt", CLONE_NEWNS},
    {"time", CLONE_NEWTIME},
}};

int namespaces_to_join(pid_t pid) {
  int flags = 0;
  for (const auto& ns : kNamespaces) {
    char theirs[64];
    std::snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", pid, ns.name);
    std::string ours = std::string("/proc/self/ns/") + ns.name;
    struct stat a{}, b{};
    if (::stat(ours.c_str(), &a) < 0) {
      if (errno == ENOENT) continue;  // this kernel has no such namespace type
      fail_errno("stat {}", ours);
    }
    if (::stat(theirs, &b) < 0) fail_errno("namespace `{}` of pid {}", ns.name, pid);
    if (a.st_ino != b.st_ino || a.st_dev != b.st_dev) flags |= ns.flag;
  }
  return flags;
}

std::string namespace_names(int flags) {
  std::string out;
  for (const auto& ns : kNamespaces)
    if (flags & ns.flag) out += (out.empty() ? "" : " ") + std::string(ns.name);
  return out.empty() ? "none" : out;
}

int join_namespaces(int pidfd, pid_t pid, int flags, const char** failed_ns, const char** method) {
  *failed_ns = "all";
  *method = "setns(pidfd)";
  if (flags == 0) return 0;
  if (pidfd >= 0) {
    if (::setns(pidfd, flags) == 0) return 0;
    // EINVAL: a kernel before 5.8 does not take a pidfd here. Anything else is real.
    if (errno != EINVAL && errno != ENOSYS) return -1;
  }
  // Fallback: open every namespace first (still in the host's mount namespace, so
  // /proc is the host's), then make sure the pidfd'd process is still alive so the
  // fds belong to it and not to a recycled PID, then join one by one.
  *method = "setns(/proc/PID/ns/*)";
  int fds[kNamespaces.size()];
  for (size_t i = 0; i < kNamespaces.size(); ++i) {
    fds[i] = -1;
    if (!(flags & kNamespaces[i].flag)) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, kNamespaces[i].name);
    fds[i] = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) {
      *failed_ns = kNamespaces[i].name;
      int err = errno;
      for (size_t k = 0; k < i; ++k)
        if (fds[k] >= 0) ::close(fds[k]);
      errno = err;
      return -1;
    }
  }
  int rc = 0;
  if (pidfd >= 0 && ::syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) < 0) {
    *failed_ns = "all";
    rc = -1;
  }
  for (size_t i = 0; i < kNamespaces.size() && rc == 0; ++i) {
    if (fds[i] < 0) continue;
    if (::setns(fds[i], kNamespaces[i].flag) < 0) {
      *failed_ns = kNamespaces[i].name;
      rc = -1;
    }
  }
  int err = errno;
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  errno = err;
  return rc;
}

}  // namespace ctrdbg
