#include "ctrdbg/credentials.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

constexpr size_t kMaxSpec = 8 << 20;        // config.json with a large seccomp profile is ~50 KiB
constexpr size_t kMaxUserFile = 4 << 20;    // /etc/passwd, /etc/group
constexpr size_t kMaxNamespaceProcesses = 4096;  // the debug extras' check reads two files of each
constexpr std::uint64_t kSysPtrace = 1ULL << CAP_SYS_PTRACE;

Fd open_proc_dir(pid_t pid) {
  Fd fd = open_proc_pid(pid);
  if (!fd) fail_errno("reading the credentials of pid {}", pid);
  return fd;
}

// A /proc file of the target, read on the host (the host's procfs).
std::optional<std::string> proc_file(int proc_fd, const char* name, size_t limit = 1 << 16) {
  Fd fd(::openat(proc_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) return std::nullopt;
  return read_regular_file(fd.get(), limit);
}

// The container's /etc/passwd or /etc/group, resolved inside its root ("" when it
// has none, as runc and dockerd take it). `hint` ends a message (see below).
std::string container_file(int root_fd, const char* path, const Target& target, const char* hint) {
  auto text = read_container_file(root_fd, path, kMaxUserFile);
  if (text) return *text;
  if (errno == ENOENT || errno == ENOTDIR) return {};
  if (errno == EINVAL)
    fail("container {}: {} is not a regular file; refusing to read it{}", target.display(), path, hint);
  if (errno == EFBIG) fail("container {}: {} is larger than {} bytes{}", target.display(), path, kMaxUserFile, hint);
  fail_errno("container {}: reading {}", target.display(), path);
}

// The default profile reads /etc/passwd even without -u (root's groups and home):
// a container whose file is broken is still reachable as host root.
const char* user_file_hint(const CredentialRequest& r) {
  return r.profile == ProfileKind::debug && !r.user ? " (--privileged enters as host root without it)" : "";
}

// "the default profile" / "--as-container": how messages name what needs the spec.
const char* needs(ProfileKind kind) { return kind == ProfileKind::as_container ? "--as-container" : "the default profile"; }

std::string read_spec(const Target& target, ProfileKind kind) {
  if (target.bundle.empty())
    fail("{}: {} has no OCI runtime spec ({} targets are plain processes); use the container's engine form, e.g. "
         "docker://NAME{}",
         needs(kind), target.display(), target.engine,
         kind == ProfileKind::debug ? ", or --privileged to enter as host root" : "");
  const std::string path = target.bundle + "/config.json";
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  std::optional<std::string> text = fd ? read_regular_file(fd.get(), kMaxSpec) : std::nullopt;
  if (!text) {
    int err = errno;
    std::string why = err == EFBIG ? fmt::format("larger than {} bytes", kMaxSpec) : std::strerror(err);
    if (kind == ProfileKind::as_container)
      fail("--as-container: the runtime's spec of {}: {}: {}", target.display(), path, why);
    fail("container {}: cannot read its security profile from the runtime's spec {}: {}; the default profile is the "
         "container's own confinement and needs it (--privileged enters as host root instead)",
         target.display(), path, why);
  }
  return *text;
}

// "Key:\tvalue" of /proc/PID/status; nullopt when absent.
std::optional<std::string_view> status_field(std::string_view status, std::string_view key) {
  size_t at = 0;
  while (at < status.size()) {
    size_t nl = status.find('\n', at);
    std::string_view line = status.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      std::string_view v = line.substr(key.size() + 1);
      while (!v.empty() && (v.front() == '\t' || v.front() == ' ')) v.remove_prefix(1);
      return v;
    }
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return std::nullopt;
}

std::vector<std::uint64_t> status_numbers(std::string_view v) {
  std::vector<std::uint64_t> out;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    size_t j = i;
    while (j < v.size() && v[j] >= '0' && v[j] <= '9') ++j;
    if (j == i) break;
    std::uint64_t n = 0;
    std::from_chars(v.data() + i, v.data() + j, n);
    out.push_back(n);
    i = j;
  }
  return out;
}

// ---- the container's own procfs, read from the host ----
//
// The session's CAP_SYS_PTRACE reaches every process of the PID namespace it joins.
// The host's /proc lists every process of the machine; the container's /proc (the
// procfs runc mounted for its PID namespace, reached through the target's root)
// lists only that namespace's, so checking them costs a few reads, not a scan of the
// host. The container controls what is mounted there, so the procfs is verified: a
// procfs at all, the one of the target's PID namespace (the target's own entry has
// its start time), and every file is read without crossing a mount (a bind mount of
// one /proc/N over another would hide a process) and must name the entry it was read
// from.

std::optional<std::string> read_beneath(int dirfd, const std::string& path) {
  Fd fd(openat2_resolve(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                        RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH));
  if (!fd && errno == ENOSYS) {
    // Before Linux 5.6: the same superblock as the procfs (a tmpfs or another procfs
    // instance mounted there would differ); a bind of another entry is caught by the
    // Pid: check of the caller.
    fd.reset(::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat dir {}, file {};
    if (fd && (::fstat(dirfd, &dir) < 0 || ::fstat(fd.get(), &file) < 0 || dir.st_dev != file.st_dev)) {
      errno = EXDEV;
      return std::nullopt;
    }
  }
  if (!fd) return std::nullopt;
  return read_regular_file(fd.get(), 1 << 16);
}

struct ContainerProcfs {
  Fd dir;
  std::string problem;  // why it cannot be trusted ("" when it can)
};

// The target's last NSpid number: its PID inside its own namespace.
std::optional<std::string> own_ns_pid(std::string_view host_status) {
  auto nspid = status_field(host_status, "NSpid");
  if (!nspid) return std::nullopt;
  auto numbers = status_numbers(*nspid);
  if (numbers.empty()) return std::nullopt;
  return std::to_string(numbers.back());
}

ContainerProcfs open_container_procfs(int proc_fd, std::uint64_t start_time, std::string_view host_status) {
  ContainerProcfs out;
  Fd root(::openat(proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    out.problem = errno_message("its root cannot be opened", errno);
    return out;
  }
  out.dir.reset(openat2_resolve(root.get(), "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                                RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS));
  if (!out.dir && errno == ENOSYS) out.dir.reset(::openat(root.get(), "proc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct statfs sfs {};
  if (!out.dir || ::fstatfs(out.dir.get(), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    out.problem = "its /proc is not a procfs";
    return out;
  }
  auto mine = own_ns_pid(host_status);
  auto stat = mine ? read_beneath(out.dir.get(), *mine + "/stat") : std::nullopt;
  bool same = false;
  if (stat && start_time != 0) {
    try {
      same = parse_stat_start_time(*stat) == start_time;
    } catch (const Error&) {
    }
  } else if (stat) {
    same = true;
  }
  if (!same) out.problem = "its /proc is not the procfs of its PID namespace";
  return out;
}

// Every process of the namespace, with its status and cgroup; `problem` set when one
// cannot be read the way it must be.
std::vector<NamespaceProcess> namespace_processes(int procfs, std::string* problem) {
  std::vector<NamespaceProcess> out;
  Fd dup(::openat(procfs, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* dir = dup ? ::fdopendir(dup.get()) : nullptr;
  if (!dir) {
    *problem = errno_message("its /proc cannot be listed", errno);
    return out;
  }
  dup.release();
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (out.size() >= kMaxNamespaceProcesses) {
      *problem = fmt::format("it has more than {} processes to check", kMaxNamespaceProcesses);
      break;
    }
    NamespaceProcess p;
    p.pid = std::string(name);
    auto status = read_beneath(procfs, p.pid + "/status");
    auto cgroup = status ? read_beneath(procfs, p.pid + "/cgroup") : std::nullopt;
    if (!status || !cgroup) {
      if (errno == ENOENT || errno == ESRCH) continue;  // it has just exited
      *problem = errno_message(fmt::format("/proc/{} in the container cannot be read", p.pid), errno);
      break;
    }
    auto own = status_field(*status, "Pid");
    if (!own || *own != p.pid) {
      *problem = fmt::format("/proc/{} in the container shows another process", p.pid);
      break;
    }
    p.status = std::move(*status);
    p.cgroup = std::move(*cgroup);
    out.push_back(std::move(p));
  }
  ::closedir(dir);
  return out;
}

std::string process_label(const NamespaceProcess& p) {
  auto name = status_field(p.status, "Name");
  return name ? fmt::format("pid {} ({})", p.pid, *name) : fmt::format("pid {}", p.pid);
}

// Why the debug extras must not be added for this target, or nullopt.
std::optional<std::string> ptrace_unsafe_reason(int proc_fd, const CredentialRequest& req,
                                                const SecurityProfile& profile, const std::string& target_cgroup) {
  if (!(req.ns_flags & CLONE_NEWPID))
    return std::string("it shares ctrdbg's PID namespace (the host's)");
  auto status = proc_file(proc_fd, "status");
  if (!status) return std::string("its /proc/PID/status cannot be read");
  ContainerProcfs procfs = open_container_procfs(proc_fd, req.start_time, *status);
  if (!procfs.problem.empty()) return procfs.problem;
  std::string problem;
  auto processes = namespace_processes(procfs.dir.get(), &problem);
  if (!problem.empty()) return problem;
  return foreign_process_reason(processes, container_cgroup_view(profile.cgroups_path, target_cgroup),
                                profile.caps.bounding | kSysPtrace, profile.has_seccomp);
}

// pid://: the profile of the process itself.
SecurityProfile process_profile(int proc_fd, pid_t pid, const Target& target) {
  auto status = proc_file(proc_fd, "status");
  if (!status) fail_errno("{}: reading /proc/{}/status", target.display(), pid);
  ProcessSecurity s;
  try {
    s = parse_process_status(*status);
  } catch (const Error& e) {
    throw e.context(fmt::format("/proc/{}/status", pid));
  }
  if (s.seccomp_mode != 0)
    fail("pid://{}: the process runs under a seccomp {} (Seccomp: {} in /proc/{}/status), which cannot be read without "
         "stopping it, so the default profile cannot copy it; use the container's engine form (docker://NAME, "
         "k8s://...), whose spec has it, or --privileged to enter as host root",
         pid, s.seccomp_mode == 2 ? "filter" : "strict mode", s.seccomp_mode, pid);
  SecurityProfile p;
  p.caps = s.caps;
  p.no_new_privs = s.no_new_privs;
  p.uid = s.uid;
  p.gid = s.gid;
  p.additional_gids = s.groups;
  p.apparmor_enabled = apparmor_enabled_on_host();
  if (p.apparmor_enabled) {
    auto label = proc_file(proc_fd, "attr/apparmor/current", 4096);
    if (!label) label = proc_file(proc_fd, "attr/current", 4096);
    if (label) p.apparmor_profile = apparmor_label_profile(*label);
  }
  // Its rlimits and umask: a process started from it would inherit them.
  inherit_unset_from(p, pid);
  return p;
}

}  // namespace

const char* profile_kind_name(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::debug: return "debug";
    case ProfileKind::privileged: return "privileged";
    case ProfileKind::as_container: return "as-container";
  }
  return "?";
}

void add_debug_extras(SecurityProfile& p) {
  p.caps.bounding |= kSysPtrace;
  p.caps.permitted |= kSysPtrace;
  p.caps.effective |= kSysPtrace;
  if (p.has_seccomp) allow_syscalls(p.seccomp_spec, kDebugSyscalls);
}

std::optional<std::string> foreign_process_reason(std::span<const NamespaceProcess> processes,
                                                  std::string_view container_cgroup, std::uint64_t allowed_caps,
                                                  bool container_has_seccomp) {
  if (container_cgroup.empty()) return std::string("its cgroups cannot be told apart");
  for (const auto& p : processes) {
    // A zombie has no memory and cannot be traced: whatever it was (the reaper of a
    // session whose ctrdbg was killed, left unreaped by an init that never waits),
    // it is nothing a traced process could reach.
    auto state = status_field(p.status, "State");
    if (state && state->starts_with("Z")) continue;
    if (!cgroup_within(p.cgroup, container_cgroup))
      return fmt::format("{} in its PID namespace is outside its cgroups (another container, nsenter or a "
                         "--privileged session)",
                         process_label(p));
    for (const char* key : {"CapPrm", "CapEff", "CapBnd"}) {
      auto field = status_field(p.status, key);
      auto mask = field ? parse_capability_hex(*field) : std::nullopt;
      if (!mask) return fmt::format("{} in its PID namespace has no readable {}", process_label(p), key);
      // The bounding set too: a process that may regain a capability (execve as root) holds it.
      if (*mask & ~allowed_caps)
        return fmt::format("{} in its PID namespace holds capabilities the container does not have", process_label(p));
    }
    if (container_has_seccomp) {
      auto mode = status_field(p.status, "Seccomp");
      if (!mode || *mode == "0")
        return fmt::format("{} in its PID namespace runs without the container's seccomp filter", process_label(p));
    }
  }
  return std::nullopt;
}

ProcessSecurity parse_process_status(std::string_view status) {
  ProcessSecurity s;
  auto need = [&](const char* key) {
    auto v = status_field(status, key);
    if (!v) throw Error(fmt::format("no {} line", key));
    return *v;
  };
  auto caps = [&](const char* key) {
    auto v = parse_capability_hex(need(key));
    if (!v) throw Error(fmt::format("{}: not a capability mask", key));
    return *v;
  };
  s.caps.bounding = caps("CapBnd");
  s.caps.permitted = caps("CapPrm");
  s.caps.effective = caps("CapEff");
  s.caps.inheritable = caps("CapInh");
  // Before Linux 4.3 there are no ambient capabilities.
  if (auto amb = status_field(status, "CapAmb")) {
    auto v = parse_capability_hex(*amb);
    if (!v) throw Error("CapAmb: not a capability mask");
    s.caps.ambient = *v;
  }
  if (auto nnp = status_field(status, "NoNewPrivs")) s.no_new_privs = *nnp == "1";
  if (auto mode = status_field(status, "Seccomp")) {
    auto n = status_numbers(*mode);
    if (n.size() != 1 || n[0] > 2) throw Error("Seccomp: not 0, 1 or 2");
    s.seccomp_mode = static_cast<int>(n[0]);
  }
  auto ids = [&](const char* key) {
    auto n = status_numbers(need(key));
    if (n.size() != 4 || n[1] > 0xffffffffULL) throw Error(fmt::format("{}: expected four ids", key));
    return static_cast<std::uint32_t>(n[1]);  // real, effective, saved, filesystem: the effective one
  };
  s.uid = ids("Uid");
  s.gid = ids("Gid");
  for (auto g : status_numbers(need("Groups"))) {
    if (g > 0xffffffffULL) throw Error("Groups: not a group id");
    s.groups.push_back(static_cast<std::uint32_t>(g));
  }
  return s;
}

std::string apparmor_label_profile(std::string_view label) {
  while (!label.empty() && (label.back() == '\n' || label.back() == '\0' || label.back() == ' ')) label.remove_suffix(1);
  // "NAME (enforce)", "NAME (complain)", or "unconfined".
  if (label.ends_with(")")) {
    size_t open = label.rfind(" (");
    if (open != std::string_view::npos) label = label.substr(0, open);
  }
  if (label.empty() || label == "unconfined") return {};
  return std::string(label);
}

std::optional<std::string> process_with_sys_ptrace(pid_t pid, int ns_flags) {
  Fd proc = open_proc_pid(pid);
  if (!proc) return std::nullopt;
  auto status = proc_file(proc.get(), "status");
  if (!status) return std::nullopt;
  auto holds = [](std::string_view st) {
    for (const char* key : {"CapEff", "CapPrm"}) {
      auto v = status_field(st, key);
      auto mask = v ? parse_capability_hex(*v) : std::nullopt;
      if (mask && (*mask & kSysPtrace)) return true;
    }
    return false;
  };
  if (holds(*status)) return fmt::format("pid {} (its init)", pid);
  if (!(ns_flags & CLONE_NEWPID)) return std::nullopt;
  ContainerProcfs procfs = open_container_procfs(proc.get(), 0, *status);
  if (!procfs.problem.empty()) return std::nullopt;
  std::string problem;
  for (const auto& p : namespace_processes(procfs.dir.get(), &problem))
    if (holds(p.status)) return process_label(p);
  return std::nullopt;
}

bool process_has_sys_ptrace(pid_t pid) { return process_with_sys_ptrace(pid, 0).has_value(); }

Credentials prepare_credentials(const Target& target, pid_t pid, const CredentialRequest& request) {
  Credentials c;
  c.kind = request.profile;
  if (request.profile == ProfileKind::privileged) {
    c.login_shell = false;
    c.toolset_first = true;
    if (!request.user) {
      c.mode = Credentials::Mode::host_root;
      c.home = "/root";
      return c;
    }
  }
  Fd proc = open_proc_dir(pid);
  // The container's root as its init sees it: /etc/passwd -> ../../host/etc/passwd
  // stays inside (read_container_file resolves in this root).
  Fd root(::openat(proc.get(), "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) fail_errno("container {}: opening its root /proc/{}/root", target.display(), pid);
  const std::string passwd = container_file(root.get(), "/etc/passwd", target, user_file_hint(request));
  std::string cgroup_text;

  if (request.profile == ProfileKind::privileged) {
    c.mode = Credentials::Mode::user_only;
  } else {
    const bool from_process = request.profile == ProfileKind::debug && target.engine == "pid";
    c.mode = request.profile == ProfileKind::debug ? Credentials::Mode::debug : Credentials::Mode::container;
    if (from_process) {
      c.profile = process_profile(proc.get(), pid, target);
      c.source = fmt::format("/proc/{}/status", pid);
    } else {
      const std::string spec = read_spec(target, request.profile);
      c.source = target.bundle + "/config.json";
      try {
        // The debug extras change the seccomp profile before it is compiled.
        c.profile = parse_oci_security(spec, SecurityParseOptions{{}, request.profile != ProfileKind::debug});
      } catch (const Error& e) {
        throw e.context(fmt::format("{}: {}", needs(request.profile), c.source));
      }
      if (!target.id.empty()) set_container_id(c.profile, target.id);
      c.profile.apparmor_enabled = apparmor_enabled_on_host();
      // What the spec leaves unset, docker exec's process inherits from the runtime's
      // shim, the parent of the container's init.
      auto stat = proc_file(proc.get(), "stat");
      if (!stat) fail_errno("container {}: reading /proc/{}/stat", target.display(), pid);
      inherit_unset_from(c.profile, parse_stat_ppid(*stat));
    }
    auto cgroup = proc_file(proc.get(), "cgroup");
    auto mountinfo = read_small_file(AT_FDCWD, "/proc/self/mountinfo", 4 << 20);
    if (!cgroup || !mountinfo) fail_errno("container {}: reading its cgroups", target.display());
    cgroup_text = *cgroup;
    c.cgroups = open_cgroup_targets(cgroup_targets(c.profile.cgroups_path, cgroup_text, *mountinfo));
  }

  // The user: -u; else for the debug profile root of the container (docker exec -u 0;
  // a pid:// target keeps its own ids); else the spec's.
  std::optional<std::string> user = request.user;
  if (!user && c.mode == Credentials::Mode::debug && target.engine != "pid") user = "0";
  if (user) {
    const std::string group = container_file(root.get(), "/etc/group", target, user_file_hint(request));
    ResolvedUser u;
    try {
      // docker exec -u adds the container's --group-add groups (dockerd getUser).
      std::vector<std::string> none;
      u = resolve_user(*user, passwd, group, target.group_add ? *target.group_add : none);
    } catch (const Error& e) {
      throw e.context(request.user ? fmt::format("-u {}", *user) : std::string("the default profile's root user"));
    }
    apply_user(c.profile, u);
    c.home = u.home;
  } else {
    c.home = home_for_uid(c.profile.uid, passwd);
  }

  if (c.mode == Credentials::Mode::debug) {
    // oom_score_adj: the session's processes inherit ctrdbg's; the profile's is written
    // (through the container's /proc, an fd open in a process the container can see)
    // only when it differs. A container without a /proc can then be debugged too.
    if (c.profile.oom_score_adj) {
      auto own = read_small_file(AT_FDCWD, "/proc/self/oom_score_adj", 64);
      if (own && std::atoi(own->c_str()) == *c.profile.oom_score_adj) c.profile.oom_score_adj.reset();
    }
    auto unsafe = ptrace_unsafe_reason(proc.get(), request, c.profile, cgroup_text);
    if (!unsafe) {
      add_debug_extras(c.profile);
      c.ptrace_added = true;
    } else {
      c.ptrace_note = fmt::format(
          "container {}: CAP_SYS_PTRACE not added to the default profile: {}; strace -p, gdb -p and /proc/PID/fd "
          "work only on processes of the session's own user",
          target.display(), *unsafe);
    }
    try {
      compile_profile_seccomp(c.profile);
    } catch (const Error& e) {
      throw e.context(fmt::format("{}: {}", needs(request.profile), c.source));
    }
  }
  return c;
}

int apply_credentials(const Credentials& c, StepFailure* f) {
  switch (c.mode) {
    case Credentials::Mode::host_root: return 0;
    case Credentials::Mode::user_only: return apply_user_only(c.profile, f);
    case Credentials::Mode::debug:
    case Credentials::Mode::container: return apply_security(c.profile, f);
  }
  return 0;
}

std::string Credentials::describe() const {
  std::string head;
  switch (kind) {
    case ProfileKind::debug:
      head = ptrace_added ? "debug (the container's confinement + CAP_SYS_PTRACE)"
                          : "debug (the container's confinement; CAP_SYS_PTRACE not added)";
      break;
    case ProfileKind::privileged: head = "privileged (host root, like nsenter)"; break;
    case ProfileKind::as_container: head = "as-container (what docker exec gives)"; break;
  }
  if (!source.empty()) head += " from " + source;
  if (mode == Mode::host_root) return head;
  std::string groups;
  for (auto g : profile.additional_gids) groups += (groups.empty() ? "" : ",") + std::to_string(g);
  std::string out =
      fmt::format("{}: uid {} gid {} groups {}", head, profile.uid, profile.gid, groups.empty() ? "-" : groups);
  if (mode == Mode::user_only) return out + "; no seccomp, outside the container's cgroups";
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
