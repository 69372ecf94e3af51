// Membership of a container's cgroups (and so of its device rules, memory and pids
// limits), as runc exec gives it to an exec'd process.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/step.hpp"

namespace ctrdbg {

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
// The target's /proc/PID/cgroup with each hierarchy's path cut to the container's
// cgroup as cgroup_targets() cuts it ("4:memory:/docker/ID/init.scope" ->
// "4:memory:/docker/ID"); malformed or unsafe lines are left out.
std::string container_cgroup_view(std::string_view cgroups_path, std::string_view proc_pid_cgroup);
// True when a process whose /proc/PID/cgroup is `proc_pid_cgroup` is, in every
// hierarchy of `container_view`, in that cgroup or below it.
bool cgroup_within(std::string_view proc_pid_cgroup, std::string_view container_view);

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

}  // namespace ctrdbg
