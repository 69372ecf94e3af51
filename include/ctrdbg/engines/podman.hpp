// Rootful podman containers, from podman's on-disk state (podman has no daemon
// to ask). containers/storage's containers.json gives names and IDs; the OCI
// spec podman wrote (userdata/config.json) gives env, cwd and hostname; the PID
// is believed only when the runtime's own state (runc's state.json, or crun's
// status) and podman's pidfile agree, and the live process has the start time the
// runtime recorded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/engines/docker_disk.hpp"  // RuncState
#include "ctrdbg/target.hpp"

namespace ctrdbg {

struct PodmanLayout {
  std::string graph_root = "/var/lib/containers/storage";  // containers.json, <id>/userdata/config.json
  std::string run_root = "/run/containers/storage";        // <id>/userdata/pidfile
  std::string runc_root = "/run/runc";                     // <id>/state.json (runc)
  std::string crun_root = "/run/crun";                     // <id>/status (crun)
};

// crun's <root>/<id>/status: "pid" and "process-start-time" (/proc/PID/stat field
// 22 of that process, as crun read it when it wrote the file). Throws Error.
RuncState parse_crun_status(std::string_view json);

struct PodmanContainer {
  std::string id;
  std::vector<std::string> names;
  std::string image;  // the image name it was created from
};
// containers.json of containers/storage. Throws Error.
std::vector<PodmanContainer> parse_podman_containers(std::string_view json);

// NAME, full ID or unique ID prefix. Throws Error: not found (or no podman store),
// ambiguous, not running, stale state.
Target resolve_via_podman(const std::string& target, const PodmanLayout& layout);
// The same, with "not there" as a plain answer (nullopt, `not_found` says why) rather
// than an Error: a bare TARGET is looked up in every engine, and in a static binary the
// first C++ exception costs milliseconds (libgcc sorts every unwind entry). Still
// throws Error for what is wrong (damaged state, ambiguity, a stopped container).
std::optional<Target> find_via_podman(const std::string& target, const PodmanLayout& layout, std::string* not_found);

// Running podman containers (damaged entries skipped).
std::vector<Target> list_podman(const PodmanLayout& layout);

// True when this host has a podman store at all (cheap: one stat).
bool podman_present(const PodmanLayout& layout);

}  // namespace ctrdbg
