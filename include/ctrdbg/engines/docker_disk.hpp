// Resolution from Docker's on-disk state, for when dockerd is hung, restarting or
// gone while its containers keep running (live-restore).
//
// <data-root>/containers/<id>/config.v2.json holds what `docker inspect` would say
// (name, State, Config). It is written by dockerd and can be stale after a crash,
// so its PID is trusted only when the runtime's own record agrees: runc's
// state.json (init PID and its start time in clock ticks) or, without it, the
// containerd task's init.pid — and the live process then matches (pin_target).
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
  std::string task_root = "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby";
};

// data-root: the flag, else "data-root" (or the old "graph") in daemon.json, else
// /var/lib/docker. Throws Error for an unreadable or malformed daemon.json.
std::string docker_data_root(const std::optional<std::string>& flag,
                             const std::string& daemon_json = "/etc/docker/daemon.json");
std::string data_root_from_daemon_json(std::string_view json);  // "" when not set

// The whole layout: data-root as above; runc's and containerd's state under
// dockerd's exec-root (`exec_root`, else "exec-root" in daemon.json, else /var/run/docker).
DockerDiskLayout docker_layout(const std::optional<std::string>& data_root, const std::optional<std::string>& exec_root,
                               const std::string& daemon_json = "/etc/docker/daemon.json");
std::string exec_root_from_daemon_json(std::string_view json);  // "" when not set

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
// layout and checks it is running and that the runtime agrees on its PID.
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
