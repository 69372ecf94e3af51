// Resolution from Docker's on-disk state, for when dockerd is hung, restarting or
// gone while its containers keep running (live-restore).
//
// <data-root>/containers/<id>/config.v2.json holds what `docker inspect` would say
// (name, State, Config). It is written by dockerd and can be stale after a crash,
// so its PID is trusted only when the runtime's own record agrees: runc's
// state.json (init PID and its start time in clock ticks) or, without it, the
// containerd task's init.pid — and the live process then matches (pin_target).
//
// Where the runtime's files are depends on which containerd runs dockerd's
// containers. dockerd started bare runs its own, with its state under the
// exec-root: tasks (bundles: the OCI config.json, init.pid) in
// <exec-root>/containerd/daemon/io.containerd.runtime.v2.task/<ns>/<id>. Debian's
// and docker-ce's docker.service start `dockerd --containerd=/run/containerd/containerd.sock`:
// the system containerd's tasks are in /run/containerd/io.containerd.runtime.v2.task/<ns>/<id>.
// runc's state is at <exec-root>/runtime-runc/<ns>/<id>/state.json either way:
// dockerd names that root in the runtime options it hands containerd (the bundle's
// options.json says so; seen with Docker 20.10 on both layouts). <ns> is dockerd's
// containerd namespace, "moby" unless daemon.json's "containerd-namespace" (or
// --containerd-namespace) says otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/docker_api.hpp"
#include "ctrdbg/target.hpp"

namespace ctrdbg {

struct DockerDiskLayout {
  std::string data_root = "/var/lib/docker";
  std::string runc_root = "/run/docker/runtime-runc/moby";
  // Where containerd may keep the task directories of dockerd's namespace, in the
  // order they are tried; a directory counts only when its init.pid names the
  // container's process (find_docker_bundle).
  std::vector<std::string> task_roots = {"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby",
                                         "/run/containerd/io.containerd.runtime.v2.task/moby"};
};

// data-root: the flag, else "data-root" (or the old "graph") in daemon.json, else
// /var/lib/docker. Throws Error for an unreadable or malformed daemon.json.
std::string docker_data_root(const std::optional<std::string>& flag,
                             const std::string& daemon_json = "/etc/docker/daemon.json");
std::string data_root_from_daemon_json(std::string_view json);  // "" when not set

// The whole layout: data-root as above; runc's state under dockerd's exec-root
// (`exec_root`, else "exec-root" in daemon.json, else /var/run/docker); the task
// roots of dockerd's own containerd and of the system one, the system one first
// when daemon.json names an external containerd ("containerd"), with the
// directory of that socket before both. daemon.json is read only when data-root
// or exec-root is left to it: when both are given, they name a dockerd that file
// may not describe.
DockerDiskLayout docker_layout(const std::optional<std::string>& data_root, const std::optional<std::string>& exec_root,
                               const std::string& daemon_json = "/etc/docker/daemon.json");
std::string exec_root_from_daemon_json(std::string_view json);  // "" when not set
// daemon.json's word on the containerd dockerd uses.
struct DaemonContainerd {
  std::string address;      // "containerd" (dockerd --containerd): an external containerd's socket; "" when not set
  std::string ns = "moby";  // "containerd-namespace": the namespace of dockerd's containers
};
DaemonContainerd containerd_from_daemon_json(std::string_view json);

// The task directory (bundle) of a Docker container: the first of the layout's
// task roots whose <root>/<id>/init.pid names the container's process, else the
// working directory of the runtime v2 shim that runs it (the parent of its init,
// started as `containerd-shim-runc-v2 -namespace NS -id ID` in the bundle), with
// the same check: this finds any containerd's state, wherever its configuration
// puts it. Throws Error saying where it looked.
std::string find_docker_bundle(const DockerDiskLayout& layout, const Target& target);

// Pure parsers; each throws Error naming the file's problem.
InspectResult parse_config_v2(std::string_view json);
// What --list needs of config.v2.json (ID, Name, State, Config.Image; no Env,
// WorkingDir, User, Hostname), through nlohmann's SAX parser, building no JSON
// tree: the whole text is still checked by the same parser (it accepts what
// parse_config_v2 accepts and fails with the same messages), for a fraction of
// the CPU time.
InspectResult parse_config_v2_brief(std::string_view json);
struct RuncState {
  long init_pid = 0;
  std::uint64_t init_start = 0;  // /proc/PID/stat field 22 of the init process
};
// Stops at the first top-level "init_process_pid" and "init_process_start" (runc
// writes them first, within ~150 bytes of a ~30 KiB file, and replaces the file
// atomically): text after them is not parsed, so the head of the file suffices.
RuncState parse_runc_state(std::string_view json);
long parse_init_pid(std::string_view text);

// Finds TARGET (full ID, name, unique ID prefix, in docker's order) under the
// layout and checks it is running and that the runtime agrees on its PID: runc's
// state.json, else the init.pid of its task directory (found as find_docker_bundle
// does; Target.bundle is then set, and is left empty otherwise).
// Throws Error (exit 125) saying why not. The name search reads every
// config.v2.json once (one read each, two threads for large data-roots), and
// fully parses only those whose text holds `"Name":"/TARGET"`.
Target resolve_via_docker_disk(const std::string& target, const DockerDiskLayout& layout);

// Every running container on disk: those runc has state for, that dockerd's
// config.v2.json says run with runc's init PID, whose init process is alive with
// the recorded start time. Damaged entries are skipped, not fatal. Per container:
// config.v2.json (parse_config_v2_brief), the head of runc's state.json (only when
// config.v2.json says it runs), /proc/PID/stat; two threads for large data-roots.
std::vector<Target> list_docker_disk(const DockerDiskLayout& layout);

// HostConfig.GroupAdd of container `id`, from <data-root>/containers/<id>/hostconfig.json
// (for -u, as docker exec -u adds those groups). Throws Error naming the file.
std::vector<std::string> read_docker_group_add(const DockerDiskLayout& layout, const std::string& id);
std::vector<std::string> parse_hostconfig_group_add(std::string_view json);

}  // namespace ctrdbg
