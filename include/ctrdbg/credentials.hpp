// Who the command runs as. By default: host root with every privilege, like
// nsenter (the operator wants strace, tcpdump and kill to work). With `-u
// USER[:GROUP]`: that user and its groups, resolved from the container's own
// /etc/passwd and /etc/group. With `--as-container`: exactly what `docker exec`
// gives a process (capabilities, seccomp, no_new_privs, user and groups, AppArmor,
// rlimits, umask, cgroups), from the runtime's OCI spec (the bundle's config.json).
//
// Everything is read and compiled on the host before the helper forks; the forked
// processes only make system calls with it (security.hpp has the pieces).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "ctrdbg/security.hpp"
#include "ctrdbg/target.hpp"

namespace ctrdbg {

struct CredentialRequest {
  bool as_container = false;        // --as-container
  std::optional<std::string> user;  // -u USER[:GROUP]
};

struct Credentials {
  enum class Mode { host_root, user_only, container } mode = Mode::host_root;
  SecurityProfile profile;         // container: all of it; user_only: uid, gid, additional_gids
  std::vector<CgroupFd> cgroups;   // container: the helper writes itself into these before setns
  std::optional<std::string> home; // HOME when the container's env has none ("/root" for host root)
  std::string describe() const;    // for -v: "uid 1000 gid 1000 groups 10,50; 14 capabilities; seccomp ..."
  // True when the command does not simply keep ctrdbg's own credentials (host root):
  // apply_credentials() then changes something, and the session's pty is chowned.
  bool changes_identity() const { return mode != Mode::host_root; }
};

// In a forked process (system calls only, nothing allocated or thrown): gives the
// calling process these credentials, last before its execve. Used for the command
// and for the session's reaper, which must never hold more than the command.
// Re-arms PR_SET_PDEATHSIG (a uid change clears it). 0, or -1 with `f` filled.
int apply_credentials(const Credentials& c, StepFailure* f);

// Prepares the command's credentials for `target`, whose init process is `pid`
// (pinned). Throws Error (exit 125) naming what could not be read or resolved:
// "--as-container: web (3f2a...) has no OCI spec: ..." , "unable to find user app: ...".
Credentials prepare_credentials(const Target& target, pid_t pid, const CredentialRequest& request);

// True when the process holds CAP_SYS_PTRACE in its effective or permitted set
// (/proc/PID/status): its processes could trace a privileged shell.
bool process_has_sys_ptrace(pid_t pid);

}  // namespace ctrdbg
