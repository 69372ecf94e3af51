#include "ctrdbg/listing.hpp"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>
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
  constexpr size_t kColumns = 6;
  const std::array<std::string_view, kColumns> header{"ENGINE", "ID", "NAME", "PID", "IMAGE", "UPTIME"};
  // Row i's cells, handed to `emit`: once to measure the columns, once to write them.
  auto cells = [&](size_t i, auto&& emit) {
    const Target& t = targets[i];
    char pid[16];
    const std::string id = t.short_id(), uptime = format_uptime(i < uptimes.size() ? uptimes[i] : 0);
    emit(std::array<std::string_view, kColumns>{t.engine, id, t.name,
                                                std::string_view(pid, fmt::format_to(pid, "{}", t.pid) - pid),
                                                t.image.empty() ? "-" : t.image, uptime});
  };
  // Names, IDs and image references are ASCII: a column's width is its widest cell in bytes.
  std::array<size_t, kColumns> width{};
  auto measure = [&](const std::array<std::string_view, kColumns>& row) {
    for (size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
  };
  measure(header);
  for (size_t i = 0; i < targets.size(); ++i) cells(i, measure);
  size_t line = width.back() + 1;  // the longest a line can be, with its newline
  for (size_t c = 0; c + 1 < kColumns; ++c) line += width[c] + 2;

  std::string out;
  out.reserve((targets.size() + 1) * line);  // one allocation: no copies while it grows
  auto write = [&](const std::array<std::string_view, kColumns>& row) {
    for (size_t c = 0; c + 1 < kColumns; ++c) {
      out += row[c];
      out.append(width[c] - row[c].size() + 2, ' ');
    }
    out += row.back();
    out += '\n';
  };
  write(header);
  for (size_t i = 0; i < targets.size(); ++i) cells(i, write);
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
  std::vector<Target> podman = list_podman(PodmanLayout{});
  // Docker's own tasks (containerd namespace "moby") are already listed as docker:
  // their task directories are not read a second time.
  std::vector<Target> containerd = list_containerd_tasks(ContainerdLayout{}, "moby");
  all.reserve(all.size() + podman.size() + containerd.size());  // one growth, not a doubling
  std::move(podman.begin(), podman.end(), std::back_inserter(all));
  std::move(containerd.begin(), containerd.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const Target& a, const Target& b) {
    return std::tie(a.engine, a.name, a.id) < std::tie(b.engine, b.name, b.id);
  });
  return all;
}

}  // namespace ctrdbg
