// One session: pin the target, fork the helper that crosses into the container,
// and let it fork the command.
//
//   ctrdbg (host)          resolves, stages the toolset, relays, reaps; never enters
//    └─ helper            host PID namespace, so the container never sees it: goes
//       │                 non-dumpable, joins the namespaces, builds the session
//       │                 root, opens the pty, forks the command, waits for it
//       └─ command        inside the container's PID namespace: new session +
//                         controlling pty, env and cwd, only fds 0-2, execve
//
// The helper reports (step, errno) or "ready" (+ the pty master and the command's
// pidfd via SCM_RIGHTS) over a SOCK_SEQPACKET pair; the command reports only an
// exec failure, over the same socket, which closes on a successful execve.
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ctrdbg/credentials.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/toolset.hpp"
#include "ctrdbg/target.hpp"

namespace ctrdbg {

// The container's init process, pinned: a pidfd (when the kernel has pidfd_open)
// taken *before* checking that the PID still is that container's, so the checked
// process and the joined one cannot differ.
struct PinnedProcess {
  pid_t pid = 0;
  Fd pidfd;                   // -1 before Linux 5.3
  std::uint64_t start_time = 0;  // clock ticks since boot, /proc/PID/stat field 22
};
PinnedProcess pin_target(const Target& target);

struct SessionPlan {
  int ns_flags = 0;                // namespaces to join (namespaces_to_join)
  bool tty = false;
  bool have_size = false;
  winsize size{};
  std::vector<std::string> argv;   // the command; argv[0] is looked up in PATH unless it has a '/'
  std::vector<std::string> envp;
  std::string workdir;
  std::string tool_dir_name = ".ctrdbg";  // the toolset's directory under / (no slash)
  const Credentials* credentials = nullptr;  // null: host root (see credentials.hpp)
};

// Both processes are ctrdbg's children: the helper (which exits once the command
// runs) and the command (created by the helper with CLONE_PARENT); the relay reaps both.
struct RunningSession {
  pid_t helper_pid = -1;
  pid_t command_pid = -1;          // in the host PID namespace
  Fd command_pidfd;                // to forward signals without a PID race (-1 if unavailable)
  Fd pty_master;                   // tty mode only
  std::string join_method;         // "setns(pidfd)" or the per-namespace fallback
  int pending_signal = 0;          // a terminating signal that came once the command ran, before
                                   // the set-up was over: the relay forwards it first thing
};

// Starts the helper and the command. Returns once the command has been exec'd.
// While the helper joins the container and builds the session root, ctrdbg fills
// the toolset's tmpfs (tools.fill()); the helper waits for it before making the
// session root read-only and starting the command. The helper closes the host
// files the toolset still holds before it joins anything.
// Throws Error: 125 for a failed step (or what fill() threw), 126/127 when the
// command cannot be executed or is not found (the message names it).
RunningSession start_session(const SessionPlan& plan, const PinnedProcess& target, StagedToolset tools);

// 128 + N for a signal, the code for an exit.
int exit_status_from_wait(int wait_status);

}  // namespace ctrdbg
