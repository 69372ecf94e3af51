#include "ctrdbg/listing.hpp"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <tuple>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ctrdbg/engines/containerd.hpp"
#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/engines/podman.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {

std::uint64_t process_uptime(std::uint64_t start_ticks, double system_uptime, long ticks_per_second) {
  if (ticks_per_second <= 0) return 0;
  double started = static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
  return system_uptime > started ? static_cast<std::uint64_t>(system_uptime - started) : 0;
}

std::string format_uptime(std::uint64_t s) {
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string format_table(const std::vector<Target>& targets, const std::vector<std::uint64_t>& uptimes) {
  std::vector<std::array<std::string, 6>> rows{{"ENGINE", "ID", "NAME", "PID", "IMAGE", "UPTIME"}};
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    rows.push_back({t.engine, t.short_id(), t.name, std::to_string(t.pid), t.image.empty() ? "-" : t.image,
                    format_uptime(i < uptimes.size() ? uptimes[i] : 0)});
  }
  std::array<size_t, 6> width{};
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c)
      line += c + 1 == r.size() ? r[c] : fmt::format("{:<{}}  ", r[c], width[c]);
    out += line + "\n";
  }
  return out;
}

std::string format_json(const std::vector<Target>& targets, const std::vector<std::uint64_t>& uptimes) {
  nlohmann::json doc = nlohmann::json::array();
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    doc.push_back({{"engine", t.engine},
                   {"id", t.id},
                   {"name", t.name},
                   {"pid", t.pid},
                   {"image", t.image},
                   {"uptime_seconds", i < uptimes.size() ? uptimes[i] : 0}});
  }
  return doc.dump(2) + "\n";
}

std::vector<Target> list_running(const DockerDiskLayout& docker) {
  std::vector<Target> all = list_docker_disk(docker);
  for (auto& t : list_podman(PodmanLayout{})) all.push_back(std::move(t));
  // Docker's own tasks (containerd namespace "moby") are already listed as docker:
  // their task directories are not read a second time.
  for (auto& t : list_containerd_tasks(ContainerdLayout{}, "moby")) all.push_back(std::move(t));
  std::sort(all.begin(), all.end(), [](const Target& a, const Target& b) {
    return std::tie(a.engine, a.name, a.id) < std::tie(b.engine, b.name, b.id);
  });
  return all;
}

}  // namespace ctrdbg
