#include "ctrdbg/resolve.hpp"

#include <fcntl.h>

#include <charconv>

#include "ctrdbg/docker_api.hpp"
#include "ctrdbg/engines/docker_disk.hpp"
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
  char dir[32];
  std::snprintf(dir, sizeof dir, "/proc/%d", pid);
  Fd proc(::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || pid <= 0 || pid > (1L << 22))
    fail("'{}': expected pid://N with N a process ID", target);
  return static_cast<pid_t>(pid);
}

Resolved resolve_target(const ResolveRequest& req) {
  Resolved out;
  if (auto pid = parse_pid_target(req.target)) {
    out.target = resolve_pid(*pid);
    return out;
  }

  std::string api_failure;
  if (req.source != EngineSource::disk) {
    auto t0 = Clock::now();
    try {
      out.target = resolve_via_docker_api(req.target, req.socket_path, req.timeout);
      out.attempts.push_back(fmt::format("docker API answered in {:.1f} ms", ms_since(t0)));
      return out;
    } catch (const EngineUnavailable& e) {
      out.attempts.push_back(fmt::format("{} ({:.1f} ms)", e.what(), ms_since(t0)));
      if (req.source == EngineSource::api) throw;
      api_failure = e.what();
    }
  }

  auto t0 = Clock::now();
  try {
    DockerDiskLayout layout;
    layout.data_root = docker_data_root(req.docker_root);
    out.target = resolve_via_docker_disk(req.target, layout);
    out.attempts.push_back(fmt::format("docker on disk answered in {:.1f} ms", ms_since(t0)));
    return out;
  } catch (const Error& e) {
    if (api_failure.empty()) throw e.context("docker on disk");
    // Both sources failed: one error that says what each answered.
    throw Error(fmt::format("{}; docker on disk: {}", api_failure, e.what()));
  }
}

}  // namespace ctrdbg
