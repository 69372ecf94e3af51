#include "ctrdbg/credentials.hpp"

#include <fcntl.h>
#include <linux/capability.h>

#include <bit>
#include <cerrno>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

constexpr size_t kMaxSpec = 8 << 20;     // config.json with a large seccomp profile is ~50 KiB
constexpr size_t kMaxUserFile = 4 << 20; // /etc/passwd, /etc/group

Fd open_proc_dir(pid_t pid) {
  Fd fd = open_proc_pid(pid);
  if (!fd) fail_errno("reading the credentials of pid {}", pid);
  return fd;
}

// The container's /etc/passwd or /etc/group, resolved inside its root ("" when it
// has none, as runc and dockerd take it).
std::string container_file(int root_fd, const char* path, const Target& target) {
  auto text = read_container_file(root_fd, path, kMaxUserFile);
  if (text) return *text;
  if (errno == ENOENT || errno == ENOTDIR) return {};
  if (errno == EINVAL) fail("container {}: {} is not a regular file; refusing to read it", target.display(), path);
  if (errno == EFBIG) fail("container {}: {} is larger than {} bytes", target.display(), path, kMaxUserFile);
  fail_errno("container {}: reading {}", target.display(), path);
}

std::string read_spec(const Target& target) {
  if (target.bundle.empty())
    fail("--as-container: {} has no OCI runtime spec ({} targets are plain processes); use the container's "
         "engine form, e.g. docker://NAME",
         target.display(), target.engine);
  const std::string path = target.bundle + "/config.json";
  auto text = read_small_file(AT_FDCWD, path.c_str(), kMaxSpec + 1);
  if (!text) fail_errno("--as-container: the runtime's spec of {}: {}", target.display(), path);
  if (text->size() > kMaxSpec) fail("--as-container: {} is larger than {} bytes", path, kMaxSpec);
  return *text;
}

}  // namespace

bool process_has_sys_ptrace(pid_t pid) {
  Fd proc = open_proc_dir(pid);
  auto status = read_small_file(proc.get(), "status");
  if (!status) return false;
  for (const char* key : {"\nCapEff:\t", "\nCapPrm:\t"}) {
    size_t at = status->find(key);
    if (at == std::string::npos) continue;
    std::uint64_t mask = std::strtoull(status->c_str() + at + std::strlen(key), nullptr, 16);
    if (mask & (1ULL << CAP_SYS_PTRACE)) return true;
  }
  return false;
}

Credentials prepare_credentials(const Target& target, pid_t pid, const CredentialRequest& request) {
  Credentials c;
  if (!request.as_container && !request.user) {
    c.home = "/root";
    return c;
  }
  Fd proc = open_proc_dir(pid);
  // The container's root as its init sees it: /etc/passwd -> ../../host/etc/passwd
  // stays inside (read_container_file resolves in this root).
  Fd root(::openat(proc.get(), "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno("container {}: opening its root /proc/{}/root", target.display(), pid);
  const std::string passwd = container_file(root.get(), "/etc/passwd", target);

  if (request.as_container) {
    c.mode = Credentials::Mode::container;
    const std::string spec = read_spec(target);
    try {
      c.profile = parse_oci_security(spec);
    } catch (const Error& e) {
      throw e.context(fmt::format("--as-container: {}/config.json", target.bundle));
    }
    if (!target.id.empty()) set_container_id(c.profile, target.id);
    c.profile.apparmor_enabled = apparmor_enabled_on_host();
    // What the spec leaves unset, docker exec's process inherits from the runtime's
    // shim, the parent of the container's init.
    auto stat = read_small_file(proc.get(), "stat");
    if (!stat) fail_errno("container {}: reading /proc/{}/stat", target.display(), pid);
    inherit_unset_from(c.profile, parse_stat_ppid(*stat));
    auto cgroup = read_small_file(proc.get(), "cgroup");
    auto mountinfo = read_small_file(AT_FDCWD, "/proc/self/mountinfo", 4 << 20);
    if (!cgroup || !mountinfo) fail_errno("container {}: reading its cgroups", target.display());
    c.cgroups = open_cgroup_targets(cgroup_targets(c.profile.cgroups_path, *cgroup, *mountinfo));
  } else {
    c.mode = Credentials::Mode::user_only;
  }

  if (request.user) {
    const std::string group = container_file(root.get(), "/etc/group", target);
    ResolvedUser u;
    try {
      // docker exec -u adds the container's --group-add groups (dockerd getUser).
      std::vector<std::string> none;
      u = resolve_user(*request.user, passwd, group, target.group_add ? *target.group_add : none);
    } catch (const Error& e) {
      throw e.context(fmt::format("-u {}", *request.user));
    }
    apply_user(c.profile, u);
    c.home = u.home;
  } else {
    c.home = home_for_uid(c.profile.uid, passwd);
  }
  return c;
}

int apply_credentials(const Credentials& c, StepFailure* f) {
  switch (c.mode) {
    case Credentials::Mode::host_root: return 0;
    case Credentials::Mode::user_only: return apply_user_only(c.profile, f);
    case Credentials::Mode::container: return apply_security(c.profile, f);
  }
  return 0;
}

std::string Credentials::describe() const {
  if (mode == Mode::host_root) return "host root";
  std::string groups;
  for (auto g : profile.additional_gids) groups += (groups.empty() ? "" : ",") + std::to_string(g);
  std::string out = fmt::format("uid {} gid {} groups {}", profile.uid, profile.gid, groups.empty() ? "-" : groups);
  if (mode == Mode::user_only) return out;
  out += fmt::format("; {} effective capabilities, {} in the bounding set", std::popcount(profile.caps.effective),
                     std::popcount(profile.caps.bounding));
  out += profile.has_seccomp ? fmt::format("; seccomp ({} BPF instructions)", profile.seccomp.filter.size())
                             : std::string("; no seccomp");
  if (profile.no_new_privs) out += "; no_new_privs";
  if (profile.apparmor_enabled && !profile.apparmor_profile.empty()) out += "; AppArmor " + profile.apparmor_profile;
  out += fmt::format("; {} cgroup(s)", cgroups.size());
  return out;
}

}  // namespace ctrdbg
