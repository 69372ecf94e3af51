// The container's security profile, for `--as-container`: what a process started by
// `docker exec` gets from runc (libcontainer/setns_init_linux.go + init_linux.go
// finalizeNamespace/setupUser), applied to ctrdbg's command instead of host root.
//
// Everything is prepared on the host BEFORE fork: the OCI spec (config.json) is
// parsed into plain data, and its `linux.seccomp` profile is compiled with libseccomp
// into a ready BPF program, with runc's -ENOSYS stub in front (runc's patchbpf). The
// command process only makes system calls: apply_security() allocates nothing, throws
// nothing and calls no libseccomp function, so it may run in the vfork child.
//
// What runc does, in order, for `runc exec` (the exec path, 1.1.x):
//   parent: join the container's cgroups, prlimit the rlimits, oom_score_adj
//   child:  join the session keyring "_ses.<id>"; no_new_privs; umask;
//           seccomp here when no_new_privs is NOT set (loading a filter then needs
//           CAP_SYS_ADMIN, which is about to go);
//           finalizeNamespace: drop the bounding set, PR_SET_KEEPCAPS,
//           setgroups/setgid/setuid, clear KEEPCAPS, capset (E, P, I), ambient;
//           AppArmor "exec <profile>"; seccomp here when no_new_privs IS set; execve.
// apply_security() does the child part (and the rlimits, oom_score_adj, which runc's
// parent sets from outside) in that order; cgroups are joined by the helper before it
// forks the command (see "cgroups" below).
//
// Known, deliberate differences from docker exec on a given host:
//   * RLIMIT_NOFILE: runc < 1.1.12 built with Go >= 1.19 hands exec'd processes a soft
//     limit raised to the hard one; we apply the spec's values (as fixed runc does, and
//     as the container's init has them).
//   * the -ENOSYS stub is encoded differently (same decisions for every arch/nr); the
//     libseccomp part is identical to runc 1.1.5's (binary_tree off).
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/step.hpp"

namespace ctrdbg {

// ---- capabilities ----

inline constexpr int kLastKnownCapability = 40;  // CAP_CHECKPOINT_RESTORE

// "CAP_CHOWN" -> 0 ... "CAP_CHECKPOINT_RESTORE" -> 40; nullopt for anything else
// (exact, upper-case names as in OCI specs).
std::optional<int> capability_number(std::string_view name);
// 0 -> "CAP_CHOWN"; nullptr for a number without a name.
const char* capability_name(int number);

struct CapabilityMask {
  std::uint64_t mask = 0;
  std::vector<std::string> unknown;  // names skipped, in order (runc warns and skips them)
};
CapabilityMask capability_mask(std::span<const std::string> names);

struct CapabilitySets {
  std::uint64_t bounding = 0;
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t ambient = 0;
};

// ---- rlimits ----

struct Rlimit {
  int resource = 0;        // RLIMIT_*
  std::uint64_t soft = 0;  // RLIM_INFINITY = ~0
  std::uint64_t hard = 0;
};
// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; nullopt when unknown.
std::optional<int> rlimit_resource(std::string_view name);
const char* rlimit_name(int resource);  // "RLIMIT_NOFILE"; "RLIMIT_?" when unknown

// ---- seccomp ----

// Comparison operators, same values as libseccomp's enum scmp_compare.
enum class SeccompOp : int { ne = 1, lt = 2, le = 3, eq = 4, ge = 5, gt = 6, masked_eq = 7 };

struct SeccompArg {
  unsigned index = 0;           // 0-5
  std::uint64_t value = 0;      // MASKED_EQ: the mask
  std::uint64_t value_two = 0;  // MASKED_EQ: the value compared with (arg & mask)
  SeccompOp op = SeccompOp::eq;
};

struct SeccompRule {  // one per syscall name (OCI `names` are expanded, as runc does)
  std::string name;
  std::uint32_t action = 0;  // the kernel's SECCOMP_RET_* value (== libseccomp SCMP_ACT_*), errno included
  std::vector<SeccompArg> args;
};

struct SeccompSpec {
  std::uint32_t default_action = 0;          // SECCOMP_RET_* value, errno included
  std::vector<std::uint32_t> architectures;  // libseccomp SCMP_ARCH_* tokens, in profile order
  bool flags_given = false;                  // "flags" present (even empty)
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_LOG | _SPEC_ALLOW (TSYNC is accepted and ignored, as runc does)
  std::vector<SeccompRule> rules;
};

// `linux.seccomp` (the object's JSON text). Throws Error naming the field
// ("linux.seccomp.syscalls[3].action: unknown action ...").
SeccompSpec parse_seccomp(std::string_view linux_seccomp_json);

struct SeccompOptions {
  // runc >= 1.2 sets SECCOMP_FILTER_FLAG_SPEC_ALLOW when the profile has no "flags" at
  // all; runc 1.1 (Debian 12's docker.io) does not.
  bool spec_allow_when_flags_absent = false;
  // runc's -ENOSYS stub (patchbpf): for each architecture listed in the profile, a
  // syscall numbered above the profile's highest known one returns ENOSYS instead of
  // the default action, so programs fall back from syscalls newer than the profile.
  bool enosys_stub = true;
  // Later runc releases ask libseccomp for its binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE
  // 2) when the profile names more than 32 syscalls; runc 1.1.5 does not. Same decisions
  // either way; off gives a program byte-identical to runc 1.1.5's after the stub.
  bool binary_tree = false;
};

struct SeccompProgram {
  std::vector<sock_filter> filter;   // load with seccomp(SECCOMP_SET_MODE_FILTER, flags, {size, data})
  unsigned flags = 0;                // SECCOMP_FILTER_FLAG_*
  std::vector<std::string> skipped;  // syscall names libseccomp does not know: skipped, like runc
};

// Compiles with libseccomp exactly as runc's InitSeccomp does (same rules, same arch
// list, same redundant-rule skipping, same one-rule-per-condition fallback when two
// conditions test the same argument) and exports the BPF. Throws Error.
SeccompProgram compile_seccomp(const SeccompSpec& spec, const SeccompOptions& options = {});

// runc's -ENOSYS stub alone (compile_seccomp puts it in front of libseccomp's program
// when the default action is not ALLOW/LOG/TRACE): for each architecture the profile
// lists, syscall numbers above the highest one it names return ENOSYS; x86_64 tells x32
// calls (bit 30) apart; s390/s390x also send nr 0 to ENOSYS. Its "ja" instructions
// jump to just past its end. Empty when no listed architecture has a known syscall.
std::vector<sock_filter> seccomp_enosys_stub(const SeccompSpec& spec);

// ---- the profile ----

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
  SeccompProgram seccomp;
};

struct SecurityParseOptions {
  SeccompOptions seccomp;
};

// An OCI runtime spec (config.json) -> the profile, seccomp compiled. Throws Error
// naming the field ("process.capabilities.bounding[2]: not a string").
SecurityProfile parse_oci_security(std::string_view config_json, const SecurityParseOptions& options = {});

// runc exec joins the container's session keyring "_ses.<id>" (not the caller's).
inline void set_container_id(SecurityProfile& p, std::string_view id) { p.session_keyring = "_ses." + std::string(id); }

// ---- users (docker exec -u USER[:GROUP]), from the container's own files ----

struct PasswdEntry {
  std::string name;
  std::int64_t uid = 0;  // a field that is not a number reads as 0, like runc
  std::int64_t gid = 0;
  std::string home;
};
struct GroupEntry {
  std::string name;
  std::int64_t gid = 0;
  std::vector<std::string> members;
};
// runc's libcontainer/user rules: passwd: blank lines skipped, every other line is an
// entry (runc does not skip '#' lines there); group: blank and '#' lines skipped.
// Surrounding whitespace is trimmed; missing fields are empty / 0. Callers bound the size.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

struct ResolvedUser {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;  // what docker puts in process.user.additionalGids, deduplicated
  std::string home;                            // HOME runc sets when the env has none
};

// docker exec's rules (dockerd getUser + runc GetExecUser), from the container's
// /etc/passwd and /etc/group text ("" when a file is missing):
//   USER      a name: its passwd uid/gid; a number: that uid, and the passwd entry
//             with that uid if any (its gid), else gid 0
//   :GROUP    a name or number from /etc/group; a number need not exist
//   groups    [gid] + (without :GROUP) every group whose member list names the user
//             + `group_add` (HostConfig.GroupAdd: names or numbers), deduplicated
//   home      of the first passwd entry with the final uid, else "/"
// Throws Error: unknown user/group name ("unable to find user app: no matching entries
// in passwd file", docker's wording), an id outside 0-2147483647.
ResolvedUser resolve_user(std::string_view spec, std::string_view passwd_text, std::string_view group_text,
                          std::span<const std::string> group_add = {});

// HOME as runc sets it for a uid when the environment has none: the first passwd entry
// with that uid, else "/".
std::string home_for_uid(std::uint32_t uid, std::string_view passwd_text);

inline void apply_user(SecurityProfile& p, const ResolvedUser& u) {
  p.uid = u.uid;
  p.gid = u.gid;
  p.additional_gids = u.additional_gids;
}

// A file of the container, read from the host through its root directory (an fd on
// /proc/PID/root): symlinks resolve inside that root (openat2 RESOLVE_IN_ROOT, or a
// component-by-component walk before Linux 5.6), so /etc/passwd -> /etc/shadow reads
// the container's shadow, never the host's. At most `limit` bytes (EFBIG beyond).
// nullopt with errno set when it cannot be read (ENOENT: no such file).
std::optional<std::string> read_container_file(int root_fd, const char* path, size_t limit = 1 << 20);

// ---- host-side helpers (before fork) ----

// /sys/module/apparmor/parameters/enabled says "Y".
bool apparmor_enabled_on_host();

// What the spec leaves unset, a docker exec'd process inherits from the containerd
// shim that runs `runc exec` (the parent of the container's init: /proc/INIT/stat
// field 4): its rlimits and its umask. Adds, for every resource process.rlimits does
// not set, the current limits of `pid` (prlimit), and its umask (/proc/PID/status)
// when process.user.umask is unset. Throws Error.
void inherit_unset_from(SecurityProfile& p, pid_t pid);

// ---- cgroups ----
//
// The command cannot join cgroups itself: the host's cgroupfs is not visible from the
// container's mount namespace. Contract: the helper joins the container's cgroups
// BEFORE it forks the command, which inherits the membership at fork, as runc's exec'd
// process does (runc writes the pid of `runc init` the same way). Two ways:
//   * preferred, no round trip: ctrdbg opens the files before fork
//     (open_cgroup_targets), and the helper, first thing and before any setns, writes
//     "0" (= itself) to them (enter_cgroups, system calls only), then closes them;
//   * or ctrdbg writes the helper's PID (join_cgroups) after fork, and the helper waits
//     for a go-ahead before it forks the command.
// The helper is then in the container's cgroups too (its pids and memory count against
// the container, as runc init's do). ctrdbg itself never moves.

struct CgroupTarget {
  std::string procs_file;           // host path .../cgroup.procs
  std::string fallback_procs_file;  // cgroup v2 only: the target's own cgroup when it lies below the
                                    // container's (runc exec's fallback on EBUSY); "" otherwise
};

// From the TARGET's /proc/PID/cgroup (read on the host, in the host's cgroup namespace),
// one entry per hierarchy line: cgroup v1 "N:ctrl,ctrl:/path" and the v2 "0::/path".
// The container's cgroup is where runc exec puts processes: a path is cut after the
// component naming cgroups_path's leaf ("/docker/ID/init.scope" -> "/docker/ID").
// Hierarchies are located through `host_mountinfo` (the host's /proc/self/mountinfo;
// a hierarchy mounted nowhere is left out); without it, the usual layout is assumed
// (/sys/fs/cgroup/<controllers>, /sys/fs/cgroup/unified when v1 lines exist, else
// /sys/fs/cgroup). Lines that are malformed or carry "." / ".." components are skipped.
std::vector<CgroupTarget> cgroup_targets(std::string_view cgroups_path, std::string_view proc_pid_cgroup,
                                         std::string_view host_mountinfo = {});
// The primary files of cgroup_targets().
std::vector<std::string> cgroup_procs_files(const std::string& cgroups_path, std::string_view proc_pid_cgroup,
                                            std::string_view host_mountinfo = {});
// Writes `pid` to each procs_file (its fallback when the primary refuses with EBUSY or
// EOPNOTSUPP). Throws Error naming the file.
void join_cgroups(pid_t pid, std::span<const CgroupTarget> targets);

struct CgroupFd {
  Fd procs;
  Fd fallback;       // -1 when none
  std::string file;  // for messages
};
// Opens every procs_file (and fallback) O_WRONLY|O_CLOEXEC, before fork. Throws Error
// naming the file.
std::vector<CgroupFd> open_cgroup_targets(std::span<const CgroupTarget> targets);
// In the helper (system calls only): writes "0" — the writing process — to each, the
// fallback on EBUSY/EOPNOTSUPP. 0, or -1 with `f` filled (step, the file, errno).
int enter_cgroups(std::span<const CgroupFd> fds, StepFailure* f);

// ---- the command process (after fork; system calls only) ----

// runc's fixStdioPermissions for a pty: chown `fd` to uid (keeping its group) unless it
// already is the user's; EINVAL/EPERM ignored like runc. Only for the session's pty
// slave — never for stdio that is the operator's own file or terminal. Call before
// apply_security (it needs CAP_CHOWN). 0, or -1 with `f` filled.
int fix_tty_owner(int fd, std::uint32_t uid, StepFailure* f);

// Applies the profile to the calling process, in runc's order (see the top of this
// file). Call it last before execve: after setsid, the pty, chdir and closing fds.
// Re-arms PR_SET_PDEATHSIG, which a uid/gid change clears; the caller should check
// getppid() again afterwards. 0, or -1 with `f` filled (step + errno).
int apply_security(const SecurityProfile& p, StepFailure* f);

// -u without --as-container: only the user changes (setgroups, setgid, setuid, as
// `nsenter -S -G` or su would); a non-root uid loses every capability on the way.
// Re-arms PR_SET_PDEATHSIG like apply_security. 0, or -1 with `f` filled.
int apply_user_only(const SecurityProfile& p, StepFailure* f);

}  // namespace ctrdbg
