// The container's security profile, applied to the session's processes in the debug
// profile (the default) and with `--as-container`: what a process started by `docker
// exec` gets from runc (libcontainer/setns_init_linux.go + init_linux.go
// finalizeNamespace/setupUser).
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
// forks the command (see cgroups.hpp).
//
// Known, deliberate differences from docker exec on a given host:
//   * RLIMIT_NOFILE: runc < 1.1.12 built with Go >= 1.19 hands exec'd processes a soft
//     limit raised to the hard one; we apply the spec's values (as fixed runc does, and
//     as the container's init has them).
//   * the -ENOSYS stub is encoded differently (same decisions for every arch/nr); the
//     libseccomp part is identical to runc 1.1.5's (binary_tree off).
//
// The pieces live in their own modules, all included here:
//   capabilities.hpp  names, numbers, the five sets
//   seccomp.hpp       OCI seccomp profiles compiled with libseccomp (+ runc's -ENOSYS stub)
//   users.hpp         docker exec -u: the container's /etc/passwd and /etc/group
//   cgroups.hpp       joining the container's cgroups (the helper, before setns)
//   oci_spec.hpp      config.json -> SecurityProfile; rlimits and umask from the shim
// and this file applies a profile to the calling process.
#pragma once

#include <cstdint>

#include "ctrdbg/capabilities.hpp"
#include "ctrdbg/cgroups.hpp"
#include "ctrdbg/oci_spec.hpp"
#include "ctrdbg/seccomp.hpp"
#include "ctrdbg/step.hpp"
#include "ctrdbg/users.hpp"

namespace ctrdbg {

// /sys/module/apparmor/parameters/enabled says "Y".
bool apparmor_enabled_on_host();

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
