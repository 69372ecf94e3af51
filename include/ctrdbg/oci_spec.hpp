// A container's security profile read from its OCI runtime spec (the bundle's
// config.json): capability sets, no_new_privs, user and groups, umask, rlimits,
// oom_score_adj, AppArmor profile, cgroups path and the seccomp profile, as plain
// data that a forked process applies with system calls only (apply_security).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/capabilities.hpp"
#include "ctrdbg/seccomp.hpp"
#include "ctrdbg/users.hpp"

namespace ctrdbg {

struct Rlimit {
  int resource = 0;        // RLIMIT_*
  std::uint64_t soft = 0;  // RLIM_INFINITY = ~0
  std::uint64_t hard = 0;
};
// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; nullopt when unknown.
std::optional<int> rlimit_resource(std::string_view name);
const char* rlimit_name(int resource);  // "RLIMIT_NOFILE"; "RLIMIT_?" when unknown

struct SecurityProfile {
  CapabilitySets caps;
  std::vector<std::string> unknown_capabilities;  // skipped names (all sets), for -v
  bool no_new_privs = false;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;  // deduplicated (runc's GetAdditionalGroups), order kept
  std::optional<std::uint32_t> umask;
  std::vector<Rlimit> rlimits;       // process.rlimits; see inherit_unset_from()
  std::optional<int> oom_score_adj;  // process.oomScoreAdj
  std::string apparmor_profile;      // process.apparmorProfile
  bool apparmor_enabled = false;     // host: apparmor_enabled_on_host(); the profile is applied only then
  std::string cgroups_path;          // linux.cgroupsPath
  std::string session_keyring;       // "_ses.<container id>" (set_container_id); "" = keep ctrdbg's
  bool has_seccomp = false;
  SeccompSpec seccomp_spec;          // when has_seccomp: the profile as parsed (what `seccomp` was compiled from)
  SeccompProgram seccomp;            // when has_seccomp: the program apply_security loads
};

struct SecurityParseOptions {
  SeccompOptions seccomp;
  // false: seccomp_spec is parsed but not compiled yet, so that the caller can change
  // it first (the debug profile's extra system calls) and then call compile_profile_seccomp.
  bool compile_seccomp = true;
};

// An OCI runtime spec (config.json) -> the profile, seccomp compiled (unless the
// options say otherwise). Throws Error naming the field
// ("process.capabilities.bounding[2]: not a string").
SecurityProfile parse_oci_security(std::string_view config_json, const SecurityParseOptions& options = {});

// Compiles p.seccomp_spec into p.seccomp (nothing when !has_seccomp). Throws Error.
void compile_profile_seccomp(SecurityProfile& p, const SeccompOptions& options = {});

// runc exec joins the container's session keyring "_ses.<id>" (not the caller's).
inline void set_container_id(SecurityProfile& p, std::string_view id) { p.session_keyring = "_ses." + std::string(id); }

inline void apply_user(SecurityProfile& p, const ResolvedUser& u) {
  p.uid = u.uid;
  p.gid = u.gid;
  p.additional_gids = u.additional_gids;
}

// What the spec leaves unset, a docker exec'd process inherits from the containerd
// shim that runs `runc exec` (the parent of the container's init: /proc/INIT/stat
// field 4): its rlimits and its umask. Adds, for every resource process.rlimits does
// not set, the current limits of `pid` (prlimit), and its umask (/proc/PID/status)
// when process.user.umask is unset. Throws Error.
void inherit_unset_from(SecurityProfile& p, pid_t pid);

}  // namespace ctrdbg
