#include "ctrdbg/security.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ctrdbg/fd.hpp"
#include "security_util.hpp"

namespace ctrdbg {

using secutil::format_int;
using secutil::write_all;

namespace {

// Opens a /proc/self file in the command process, where /proc is the container's
// (a root process there may have put a tmpfs with fifos, devices or symlinks in its
// place): only a regular file on a procfs, checked on an O_PATH fd before the real
// open (opening a device runs its driver; a fifo would block), and the same inode
// again after it. -1 with errno; -2 (errno EINVAL) for anything that is not procfs's own.
int open_proc_file(const char* path, int flags) {
  int probe = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (probe < 0) return -1;
  struct stat want {};
  struct statfs sfs {};
  bool ok = ::fstat(probe, &want) == 0 && ::fstatfs(probe, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
            S_ISREG(want.st_mode);
  ::close(probe);
  if (!ok) {
    errno = EINVAL;
    return -2;
  }
  int fd = ::open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat got {};
  if (::fstat(fd, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
    ::close(fd);
    errno = EINVAL;
    return -2;
  }
  return fd;
}

// /proc/self/setgroups says "deny" (a user namespace where setgroups is disabled).
bool setgroups_denied() {
  int fd = open_proc_file("/proc/self/setgroups", O_RDONLY);
  if (fd < 0) return false;
  char buf[16] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n >= 4 && std::strncmp(buf, "deny", 4) == 0;
}

int write_proc_attr(const char* path, const char* value, size_t len) {
  int fd = open_proc_file(path, O_WRONLY);
  if (fd < 0) return fd;
  int rc = write_all(fd, value, len);
  int err = errno;
  ::close(fd);
  errno = err;
  return rc;
}

}  // namespace

bool apparmor_enabled_on_host() {
  Fd fd(::open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char c = 0;
  return ::read(fd.get(), &c, 1) == 1 && c == 'Y';
}

int fix_tty_owner(int fd, std::uint32_t uid, StepFailure* f) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) return step_fail(f, "fstat the terminal", nullptr, errno);
  if (st.st_uid == uid) return 0;
  struct stat null {};
  if (::stat("/dev/null", &null) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev) return 0;
  if (::fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM)
    return step_fail(f, "chown the terminal to the user", nullptr, errno);
  return 0;
}

int apply_security(const SecurityProfile& p, StepFailure* f) {
  // -- what runc's parent does from outside: rlimits (prlimit) and oom_score_adj
  for (const auto& r : p.rlimits) {
    rlimit lim{r.soft, r.hard};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &lim) < 0)
      return step_fail(f, "set rlimit", rlimit_name(r.resource), errno);
  }
  if (p.oom_score_adj) {
    char num[24];
    size_t len = format_int(*p.oom_score_adj, num);
    int r = write_proc_attr("/proc/self/oom_score_adj", num, len);
    if (r == -2) return step_fail(f, "refusing a /proc that is not procfs:", "/proc/self/oom_score_adj", 0);
    if (r < 0) return step_fail(f, "set oom_score_adj", num, errno);
  }

  // -- linuxSetnsInit.Init
  if (!p.session_keyring.empty() && ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, p.session_keyring.c_str()) < 0 &&
      errno != ENOSYS)
    return step_fail(f, "join the session keyring", p.session_keyring.c_str(), errno);
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return step_fail(f, "set no_new_privs", nullptr, errno);
  if (p.umask) ::umask(static_cast<mode_t>(*p.umask));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the caps go.
  if (p.has_seccomp && !p.no_new_privs && load_seccomp_program(p.seccomp) < 0)
    return step_fail(f, "load the seccomp filter", nullptr, errno);

  // -- finalizeNamespace: bounding set, user, capabilities
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &hdr, data) < 0) return step_fail(f, "read the capabilities", nullptr, errno);
  bool have_setpcap = (data[0].effective & (1U << CAP_SETPCAP)) != 0;
  for (int cap = 0; cap < 64; ++cap) {
    if (p.caps.bounding & (1ULL << cap)) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;  // not in the set, or unknown to this kernel
    if (!have_setpcap || ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (have_setpcap && errno == EINVAL) continue;
      return step_fail(f, "drop from the capability bounding set", capability_name(cap), have_setpcap ? errno : EPERM);
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return step_fail(f, "set keep-caps", nullptr, errno);
  if (apply_user_only(p, f) < 0) return -1;
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return step_fail(f, "clear keep-caps", nullptr, errno);
  data[0].effective = static_cast<std::uint32_t>(p.caps.effective);
  data[1].effective = static_cast<std::uint32_t>(p.caps.effective >> 32);
  data[0].permitted = static_cast<std::uint32_t>(p.caps.permitted);
  data[1].permitted = static_cast<std::uint32_t>(p.caps.permitted >> 32);
  data[0].inheritable = static_cast<std::uint32_t>(p.caps.inheritable);
  data[1].inheritable = static_cast<std::uint32_t>(p.caps.inheritable >> 32);
  hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (::syscall(SYS_capset, &hdr, data) < 0) return step_fail(f, "set the capabilities", nullptr, errno);
  // Ambient: runc lowers every cap not listed and raises the listed ones, ignoring
  // failures (EINVAL: kernel without ambient caps or unknown cap; EPERM: not in
  // permitted and inheritable).
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int cap = 0; cap < 64; ++cap)
    if (p.caps.ambient & (1ULL << cap)) ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);

  // -- AppArmor: the profile takes effect at execve
  if (p.apparmor_enabled && !p.apparmor_profile.empty()) {
    char value[4096];
    constexpr char kPrefix[] = "exec ";
    size_t plen = sizeof kPrefix - 1;
    if (plen + p.apparmor_profile.size() >= sizeof value)
      return step_fail(f, "AppArmor profile name too long:", p.apparmor_profile.c_str(), ENAMETOOLONG);
    std::memcpy(value, kPrefix, plen);
    std::memcpy(value + plen, p.apparmor_profile.data(), p.apparmor_profile.size());
    size_t len = plen + p.apparmor_profile.size();
    if (write_proc_attr("/proc/thread-self/attr/apparmor/exec", value, len) < 0) {
      if (errno != ENOENT) return step_fail(f, "set the AppArmor profile", p.apparmor_profile.c_str(), errno);
      if (write_proc_attr("/proc/thread-self/attr/exec", value, len) < 0)
        return step_fail(f, "set the AppArmor profile", p.apparmor_profile.c_str(), errno);
    }
  }

  // With no_new_privs, seccomp comes last: as few system calls as possible after it.
  if (p.has_seccomp && p.no_new_privs && load_seccomp_program(p.seccomp) < 0)
    return step_fail(f, "load the seccomp filter", nullptr, errno);
  return 0;
}

int apply_user_only(const SecurityProfile& p, StepFailure* f) {
  int pdeathsig = 0;
  ::prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
  // runc: setgroups (unless /proc/self/setgroups says "deny"), setgid, setuid: the raw
  // per-thread system calls (glibc's wrappers would signal every thread of the
  // process: in a vfork child, the parent's), which set the real, effective and saved
  // ids of root.
  if (::syscall(SYS_setgroups, p.additional_gids.size(), p.additional_gids.data()) < 0 &&
      !(errno == EPERM && setgroups_denied()))
    return step_fail(f, "setgroups", nullptr, errno);
  if (::syscall(SYS_setgid, p.gid) < 0) return step_fail(f, "setgid", nullptr, errno);
  if (::syscall(SYS_setuid, p.uid) < 0) return step_fail(f, "setuid", nullptr, errno);
  // A uid/gid change clears the parent-death signal: set it again.
  if (pdeathsig != 0 && ::prctl(PR_SET_PDEATHSIG, pdeathsig, 0, 0, 0) < 0)
    return step_fail(f, "set the parent-death signal", nullptr, errno);
  return 0;
}

}  // namespace ctrdbg
