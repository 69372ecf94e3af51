// From TARGET to a running container process, through a chain of sources:
//   pid://N             any process, no engine asked
//   docker Engine API   asked once, with a deadline (--timeout)
//   docker on disk      when the API could not be asked: no socket (no waiting),
//                       refused, no answer within the deadline (a hung dockerd),
//                       or a broken answer (garbled HTTP, a body that is no container)
// --engine api|disk forces one source. A definitive answer from the API ("no such
// container", "not running") is final: the disk would only repeat it, staler.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctrdbg/target.hpp"

namespace ctrdbg {

enum class EngineSource { automatic, api, disk };

struct ResolveRequest {
  std::string target;
  EngineSource source = EngineSource::automatic;
  std::chrono::milliseconds timeout{1000};
  std::string socket_path;                 // the Engine API socket
  std::optional<std::string> docker_root;  // --docker-root; else daemon.json, else /var/lib/docker
  std::optional<std::string> docker_exec_root;  // config docker.exec_root; else daemon.json, else /var/run/docker
  // Run once while the Docker Engine API prepares its answer (see
  // resolve_via_docker_api); not run when the API is not asked.
  std::function<void()> while_waiting;
};

struct Resolved {
  Target target;
  std::vector<std::string> attempts;  // for -v: each source asked, its answer, how long it took
};

Resolved resolve_target(const ResolveRequest& req);

// "pid://123" -> 123; nullopt when TARGET is not of that form; throws Error when it
// is but the number is not a PID.
std::optional<pid_t> parse_pid_target(const std::string& target);

}  // namespace ctrdbg
