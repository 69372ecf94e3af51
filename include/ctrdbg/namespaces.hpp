// Which namespaces to join, and joining them.
//
// The table is in util-linux nsenter's order, which matters only for the
// per-namespace fallback: user first (it grants the capabilities the other joins
// need when the container has its own user namespace), mnt late (after it, /proc
// paths name the container's procfs), time last. setns(pidfd, flags) (Linux 5.8)
// joins them all at once and atomically, so no order applies there.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>

namespace ctrdbg {

struct NamespaceKind {
  const char* name;  // as in /proc/PID/ns/<name>
  int flag;          // CLONE_NEW*
};

extern const std::array<NamespaceKind, 8> kNamespaces;

// CLONE_NEW* flags of every namespace where `pid` differs from ctrdbg itself.
// Asking setns for a namespace we are already in is wrong (for the user namespace
// it fails with EINVAL), so only these are joined. Throws Error.
int namespaces_to_join(pid_t pid);

// "ipc uts net pid mnt"
std::string namespace_names(int flags);

// Joins `flags` namespaces of the process behind `pidfd` (pid `pid`). Runs in the
// forked child: no exceptions, no allocation. Returns 0, or -1 with errno set and
// *failed_ns naming the namespace that could not be joined. *method receives
// "setns(pidfd)" or "setns(/proc/PID/ns/*)".
int join_namespaces(int pidfd, pid_t pid, int flags, const char** failed_ns, const char** method);

}  // namespace ctrdbg
