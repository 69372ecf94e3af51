// The session's profile: who and what the command (and every other process of the
// session inside the container) runs as — one value that every target kind produces
// and the session applies. Three kinds:
//
//   debug (the default)  the container's own confinement as `--as-container` builds it
//                        — capability sets, seccomp, no_new_privs, AppArmor, rlimits,
//                        the container's cgroups (and so its device rules) — as root of
//                        the container (`docker exec -u 0`) unless -u says otherwise,
//                        plus CAP_SYS_PTRACE and the system calls that go with it
//                        (ptrace, process_vm_readv, process_vm_writev), so that strace,
//                        gdb, `ss -p` and /proc/PID/fd work on every process of the
//                        container. The extras are added only when every process the
//                        session can see is the container's (ptrace_unsafe_reason).
//   as-container         exactly what `docker exec` gives a process (the same profile,
//                        the container's configured user, no extras).
//   privileged           host root with every capability, like nsenter (before 0.2
//                        the default); -u changes only the user. The default shell then
//                        sources none of the container's files and finds the toolset
//                        before the container's PATH.
//
// Where the profile comes from: the runtime's OCI spec (the bundle's config.json) for
// Docker, podman, containerd and k8s:// targets; for pid:// targets the process
// itself (/proc/PID/status: capability sets, NoNewPrivs, Seccomp, ids; its cgroups;
// its AppArmor label). A profile that cannot be read is an error that suggests
// --privileged: it is never silently replaced by host root.
//
// Everything is read and compiled on the host before the helper forks; the forked
// processes only make system calls with it (security.hpp has the pieces).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/security.hpp"
#include "ctrdbg/target.hpp"

namespace ctrdbg {

enum class ProfileKind { debug, privileged, as_container };

// "debug", "privileged", "as-container" (for -v, the audit line and messages).
const char* profile_kind_name(ProfileKind kind);

struct CredentialRequest {
  ProfileKind profile = ProfileKind::debug;
  std::optional<std::string> user;  // -u USER[:GROUP]
  int ns_flags = 0;                 // namespaces_to_join(pid): CLONE_NEWPID when the target has its own
  std::uint64_t start_time = 0;     // the pinned process's (/proc/PID/stat field 22), 0: not checked
};

struct Credentials {
  // debug: `profile` with the debug extras (or without, see ptrace_note); host_root:
  // ctrdbg's own credentials; user_only: --privileged -u (uid, gid, groups only);
  // container: --as-container.
  enum class Mode { debug, host_root, user_only, container } mode = Mode::debug;
  ProfileKind kind = ProfileKind::debug;
  SecurityProfile profile;         // debug, container: all of it; user_only: uid, gid, additional_gids
  std::vector<CgroupFd> cgroups;   // debug, container: the helper writes itself into these before setns
  std::optional<std::string> home; // HOME when the container's env has none ("/root" for host root)
  std::string source;              // where the profile was read: ".../config.json", "/proc/4242/status"
  // What the default shell may run of the container's: a login shell sources its
  // /etc/profile and ~/.profile; toolset_first puts the toolset before its PATH.
  bool login_shell = true;
  bool toolset_first = false;
  // debug: CAP_SYS_PTRACE and the ptrace system calls were added; else ptrace_note
  // says why not (said once on stderr).
  bool ptrace_added = false;
  std::string ptrace_note;

  std::string name() const { return profile_kind_name(kind); }
  // For -v: "debug (the container's confinement + CAP_SYS_PTRACE) from ...: uid 0 gid 0 groups 0; ..."
  std::string describe() const;
  // True when the command does not simply keep ctrdbg's own credentials (host root):
  // apply_credentials() then changes something, and the session's pty is chowned.
  bool changes_identity() const { return mode != Mode::host_root; }
};

// In a forked process (system calls only, nothing allocated or thrown): gives the
// calling process these credentials. Used for the command, last before its execve,
// and for every other process of the session inside the container (its reaper),
// which must never hold more than the command. AppArmor's profile takes effect at
// the process's next execve, as with runc. Re-arms PR_SET_PDEATHSIG (a uid change
// clears it). 0, or -1 with `f` filled.
int apply_credentials(const Credentials& c, StepFailure* f);

// Prepares the session's profile for `target`, whose init process is `pid` (pinned).
// Throws Error (exit 125) naming what could not be read or resolved, and for the
// default profile suggesting --privileged: "web (3f2a...): cannot read the
// container's profile from /run/.../config.json: ...", "unable to find user app: ...".
Credentials prepare_credentials(const Target& target, pid_t pid, const CredentialRequest& request);

// ---- the debug extras and when they are safe (pure; unit-tested) ----

// System calls the debug profile allows whatever the container's seccomp profile says.
inline constexpr const char* kDebugSyscalls[] = {"ptrace", "process_vm_readv", "process_vm_writev"};

// Adds CAP_SYS_PTRACE to the bounding, permitted and effective sets (for root that is
// what makes it effective after execve; a non-root user loses it at execve, as every
// capability without ambient ones, so it stays out of the ambient set) and replaces
// the seccomp profile's rules for kDebugSyscalls by unconditional allows (the spec is
// compiled afterwards: compile_profile_seccomp).
void add_debug_extras(SecurityProfile& p);

// One process of the target's PID namespace as the container's own procfs shows it.
struct NamespaceProcess {
  std::string pid;     // its number in that namespace (the /proc entry's name)
  std::string status;  // /proc/N/status
  std::string cgroup;  // /proc/N/cgroup (read from the host: host cgroup paths)
};

// Why the debug extras would let the session reach beyond the container (nullopt:
// they are safe): the session's CAP_SYS_PTRACE reaches every process of the PID
// namespace it joins, so every one must be the container's — within the container's
// cgroups (`container_cgroup`: the target's /proc/PID/cgroup cut to the container, see
// container_cgroup_view), holding no capability outside `allowed_caps` (the profile's
// bounding set + CAP_SYS_PTRACE), and under seccomp when the container is. A process
// outside that (a --privileged ctrdbg session, nsenter, a sibling container sharing the
// namespace, docker exec --privileged) could otherwise be traced and its privileges
// taken by code the container controls running in the session.
std::optional<std::string> foreign_process_reason(std::span<const NamespaceProcess> processes,
                                                  std::string_view container_cgroup, std::uint64_t allowed_caps,
                                                  bool container_has_seccomp);

// ---- pid:// targets: the process's own confinement (pure parsers; unit-tested) ----

struct ProcessSecurity {
  CapabilitySets caps;
  bool no_new_privs = false;
  int seccomp_mode = 0;  // 0 none, 1 strict, 2 filter
  std::uint32_t uid = 0, gid = 0;               // effective ids
  std::vector<std::uint32_t> groups;            // supplementary groups
};
// /proc/PID/status -> the fields above. Throws Error naming a missing or malformed line.
ProcessSecurity parse_process_status(std::string_view status);

// /proc/PID/attr/current (or attr/apparmor/current) -> the AppArmor profile to exec
// into: "docker-default (enforce)" -> "docker-default"; "" for "unconfined" or nothing.
std::string apparmor_label_profile(std::string_view attr_current);

// ---- --privileged: who could trace the host-root session ----

// A process of the target's PID namespace (read through the container's own procfs
// when a PID namespace is joined, else the target alone) that holds CAP_SYS_PTRACE in
// its effective or permitted set: "pid 7 (sleep)" as the container numbers it, or
// nullopt. Best effort: what cannot be read counts as nothing found.
std::optional<std::string> process_with_sys_ptrace(pid_t pid, int ns_flags);

// Kept for callers of the old name: the target itself holds CAP_SYS_PTRACE.
bool process_has_sys_ptrace(pid_t pid);

}  // namespace ctrdbg
