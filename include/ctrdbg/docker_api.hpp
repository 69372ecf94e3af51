// Resolution through the Docker Engine API: one connection, `/_ping` for the API
// version (never pinned: a pinned version breaks on older daemons), then one
// `GET /containers/{target}/json`, all under one deadline. The daemon itself
// matches name, full ID and unique ID prefix.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ctrdbg/target.hpp"

namespace ctrdbg {

// The engine socket from DOCKER_HOST (nullptr or empty: the default socket).
// Throws Error for a non-unix DOCKER_HOST.
std::string docker_socket_path(const char* docker_host);

// Pure parsers over Engine API bodies; each throws Error naming what is wrong.
struct ContainerState {
  std::string status;  // "running", "paused", "restarting", "exited", ...
  bool running = false, paused = false, restarting = false;
  long pid = 0;
};
struct InspectResult {
  Target target;
  ContainerState state;
};
// Id (64 hex digits), Name and State.Pid must be there with their types, or it is
// no container's answer. Target.group_add is HostConfig.GroupAdd, or unknown
// (nullopt) when that is malformed.
InspectResult parse_container_inspect(std::string_view json);
// The "Config" object both the Engine API and config.v2.json carry: Env,
// WorkingDir, User, Hostname, Image into `t` (absent or mistyped members skipped).
void read_container_config(const nlohmann::json& config, Target& t);
// HostConfig.GroupAdd, which the Engine API's inspect and hostconfig.json carry: an
// array of strings, or absent/null for none. Throws Error for anything else.
std::vector<std::string> read_group_add(const nlohmann::json& host_config, const char* where);
// "API version from the /_ping headers: a 1.x version string, or "" when absent.
std::string api_version_from_ping(const std::string& header_value);
// For an ambiguous prefix: "id (name)" for every container whose ID starts with prefix.
std::vector<std::string> containers_with_prefix(std::string_view list_json, std::string_view prefix);
// The daemon's {"message": "..."} error body, or the raw body.
std::string api_error_message(std::string_view body);

// Asks the engine once; returns a running container or throws Error (exit 125)
// saying why not: not found, ambiguous (with the matches), not running, paused,
// restarting. EngineUnavailable when the engine could not be asked: unreachable,
// too slow, or a broken answer (a garbled HTTP response, an HTTP 5xx, a 200 whose
// body is not a container: not JSON, no Id, Name or State.Pid of the right type).
// `while_waiting`, when set, runs once right after the question has been sent:
// work for this thread while the engine prepares its answer. It must not throw.
Target resolve_via_docker_api(const std::string& target, const std::string& socket_path,
                              std::chrono::milliseconds timeout, const std::function<void()>& while_waiting = {});

}  // namespace ctrdbg
