#include "ctrdbg/resolve.hpp"

#include <fcntl.h>

#include <algorithm>
#include <charconv>

#include "ctrdbg/docker_api.hpp"
#include "ctrdbg/engines/containerd.hpp"
#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/engines/podman.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A plain process: its own environment, no engine to ask.
Target resolve_pid(pid_t pid) {
  Fd proc = open_proc_pid(pid);
  if (!proc) fail("no process with pid {}", pid);
  Target t;
  t.engine = "pid";
  t.source = "pid";
  t.pid = pid;
  t.name = fmt::format("pid{}", pid);
  auto stat = read_small_file(proc.get(), "stat");
  if (!stat) fail("no process with pid {}", pid);
  t.start_time = parse_stat_start_time(*stat);
  if (auto environ = read_small_file(proc.get(), "environ", 1 << 20)) {
    size_t pos = 0;
    while (pos < environ->size()) {
      size_t end = environ->find('\0', pos);
      if (end == std::string::npos) end = environ->size();
      if (end > pos) t.env.emplace_back(environ->substr(pos, end - pos));
      pos = end + 1;
    }
  }
  return t;
}

}  // namespace

std::optional<pid_t> parse_pid_target(const std::string& target) {
  if (!target.starts_with("pid://")) return std::nullopt;
  std::string_view digits = std::string_view(target).substr(6);
  long pid = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || pid <= 0 || pid > kPidMaxLimit)
    fail("'{}': expected pid://N with N a process ID", target);
  return static_cast<pid_t>(pid);
}

namespace {

// The Docker chain: the Engine API, and the on-disk state when the API cannot be asked.
Target resolve_docker(const ResolveRequest& req, const std::string& target, std::vector<std::string>& attempts) {
  std::string api_failure;
  if (req.source != EngineSource::disk) {
    auto t0 = Clock::now();
    try {
      Target t = resolve_via_docker_api(target, req.socket_path, req.timeout, req.while_waiting);
      attempts.push_back(fmt::format("docker API answered in {:.1f} ms", ms_since(t0)));
      return t;
    } catch (const EngineUnavailable& e) {
      attempts.push_back(fmt::format("{} ({:.1f} ms)", e.what(), ms_since(t0)));
      if (req.source == EngineSource::api) throw;
      api_failure = e.what();
    }
  }
  auto t0 = Clock::now();
  try {
    DockerDiskLayout layout = docker_layout(req.docker_root, req.docker_exec_root);
    Target t = resolve_via_docker_disk(target, layout);
    attempts.push_back(fmt::format("docker on disk answered in {:.1f} ms", ms_since(t0)));
    return t;
  } catch (const Error& e) {
    // Both sources failed: one error that says what each answered (an ambiguity
    // stays one: the bare-TARGET chain below tells it apart by type).
    rethrow_as(e, api_failure.empty() ? fmt::format("docker on disk: {}", e.what())
                                      : fmt::format("{}; docker on disk: {}", api_failure, e.what()));
  }
}

struct EngineAnswer {
  std::string engine;  // "docker", "podman", "containerd", "pid"
  std::optional<Target> target;
  std::string error;
  bool ambiguous = false;  // the engine knows several containers TARGET could mean
};

std::string qualified(const EngineAnswer& a, const std::string& target) {
  if (a.engine == "docker") return "docker://" + target;
  if (a.engine == "pid") return "pid://" + target;
  return a.engine + "://" + (a.target ? a.target->name : target);
}

}  // namespace

Resolved resolve_target(const ResolveRequest& req) {
  Resolved out;
  const std::string& target = req.target;
  auto take = [&](Target t) {
    out.target = std::move(t);
    return out;
  };
  // Qualified forms go to one engine.
  if (auto pid = parse_pid_target(target)) return take(resolve_pid(*pid));
  if (target.starts_with("docker://")) return take(resolve_docker(req, target.substr(9), out.attempts));
  if (target.starts_with("podman://")) return take(resolve_via_podman(target.substr(9), PodmanLayout{}));
  if (target.starts_with("containerd://")) return take(resolve_via_containerd(target, ContainerdLayout{}));
  if (target.starts_with("k8s://")) return take(resolve_via_k8s(target, ContainerdLayout{}));
  if (target.find("://") != std::string::npos)
    fail("'{}': unknown engine (use docker://, podman://, containerd://, k8s:// or pid://)", target);
  if (req.source != EngineSource::automatic) return take(resolve_docker(req, target, out.attempts));

  // A bare TARGET is looked up in every engine present on this host.
  std::vector<EngineAnswer> answers;
  // `resolve` returns the target, or nullopt with a.error set (no exception on the
  // common "not in this engine" path: see find_via_podman).
  auto ask = [&](const char* engine, auto&& resolve) {
    EngineAnswer a{engine, std::nullopt, "", false};
    try {
      a.target = resolve(&a.error);
    } catch (const EngineUnavailable& e) {
      a.error = e.what();
    } catch (const AmbiguousTarget& e) {
      a.error = e.what();
      a.ambiguous = true;
    } catch (const Error& e) {
      a.error = e.what();
    }
    answers.push_back(std::move(a));
  };
  ask("docker", [&](std::string*) { return std::optional<Target>(resolve_docker(req, target, out.attempts)); });
  PodmanLayout podman;
  if (podman_present(podman)) ask("podman", [&](std::string* why) { return find_via_podman(target, podman, why); });
  // Docker's own containerd (its tasks are Docker's containers, which Docker
  // answers for) is left out here; containerd://moby/ID still reaches it.
  ContainerdLayout containerd;
  containerd.task_roots = {containerd.task_roots.front()};
  ask("containerd", [&](std::string* why) { return find_via_containerd(target, containerd, why); });
  // A bare number that no engine knows may be a PID.
  bool numeric = !target.empty() && target.find_first_not_of("0123456789") == std::string::npos && target.size() < 8;
  if (numeric)
    ask("pid", [&](std::string*) { return std::optional<Target>(resolve_pid(static_cast<pid_t>(std::stol(target)))); });

  // The same process found through two engines (docker's containerd namespace) is one match.
  std::vector<const EngineAnswer*> found;
  for (const auto& a : answers) {
    if (!a.target) continue;
    bool same = std::any_of(found.begin(), found.end(), [&](const EngineAnswer* f) { return f->target->pid == a.target->pid; });
    if (!same) found.push_back(&a);
  }
  // A bare number matching a container is the container; the PID reading is only
  // a fallback, also when an engine found several containers with that prefix.
  bool ambiguous = std::any_of(answers.begin(), answers.end(), [](const EngineAnswer& a) { return a.ambiguous; });
  if (!found.empty() && found.back()->engine == std::string("pid") && (found.size() > 1 || ambiguous)) found.pop_back();
  if (found.size() == 1) return take(*found.front()->target);
  if (found.size() > 1) {
    std::string forms;
    for (const auto* f : found) forms += (forms.empty() ? "" : ", ") + qualified(*f, target);
    fail("'{}' matches containers of several engines: {}; name one of them", target, forms);
  }
  // Nothing matched: one error with what each engine answered.
  std::string why;
  for (const auto& a : answers) {
    if (a.error.empty()) continue;  // a PID reading passed over for an engine's answer
    std::string answer = a.error.starts_with(a.engine + ":") ? a.error : a.engine + ": " + a.error;
    why += (why.empty() ? "" : "; ") + answer;
  }
  throw Error(why);
}

}  // namespace ctrdbg
