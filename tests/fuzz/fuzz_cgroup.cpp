// libFuzzer target: where `--as-container` joins the container's cgroups
// (include/ctrdbg/security.hpp): cgroup_targets and cgroup_procs_files, from the
// target's /proc/PID/cgroup, the host's /proc/self/mountinfo and the spec's cgroupsPath.
//
// Input: "proc-pid-cgroup\0mountinfo\0cgroupsPath" (split at NUL bytes; a missing
// mountinfo means "assume the usual layout", a missing cgroupsPath is Docker's
// "/docker/<64 hex>"). Every input is also tried without the mountinfo.
//
// The paths that come back are opened O_WRONLY and written to by root on the host, so:
//   * never a crash, never an exception but ctrdbg::Error;
//   * every procs file (and fallback) is absolute, ends in "/cgroup.procs", and has no
//     "." or ".." component and no NUL;
//   * it lies below a cgroup hierarchy's mount point: one listed in the mountinfo as a
//     cgroup or cgroup2 mount, or /sys/fs/cgroup/ when there is no mountinfo.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/security.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::string_view kDockerPath = "/docker/3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t sp = line.find(' ', i);
    if (sp == std::string_view::npos) sp = line.size();
    if (sp > i) out.push_back(line.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

// mountinfo's octal escapes (\040 for a space) undone.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The oracle: mount points of every cgroup / cgroup2 line, however malformed the rest.
std::vector<std::string> cgroup_mount_points(std::string_view mountinfo) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= mountinfo.size()) {
    size_t nl = mountinfo.find('\n', start);
    if (nl == std::string_view::npos) nl = mountinfo.size();
    auto f = fields(mountinfo.substr(start, nl - start));
    for (size_t d = 6; d + 1 < f.size(); ++d) {
      if (f[d] != "-") continue;
      if (f[d + 1] == "cgroup" || f[d + 1] == "cgroup2") out.push_back(unescape(f[4]));
      break;
    }
    start = nl + 1;
  }
  return out;
}

bool below(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return path.size() > 1 && path[0] == '/';
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

void check_file(const std::string& file, const std::vector<std::string>* mounts) {
  constexpr std::string_view kProcs = "/cgroup.procs";
  FUZZ_CHECK(!file.empty() && file[0] == '/', "procs file '%s' is not absolute", file.c_str());
  FUZZ_CHECK(file.size() > kProcs.size() && std::string_view(file).ends_with(kProcs), "'%s' is no cgroup.procs",
             file.c_str());
  FUZZ_CHECK(file.find('\0') == std::string::npos, "NUL in '%s'", file.c_str());
  for (size_t i = 0, j; i <= file.size(); i = j + 1) {
    j = file.find('/', i);
    if (j == std::string::npos) j = file.size();
    std::string_view comp = std::string_view(file).substr(i, j - i);
    FUZZ_CHECK(comp != "." && comp != "..", "'%s' has a '%.*s' component", file.c_str(),
               static_cast<int>(comp.size()), comp.data());
  }
  bool inside = false;
  if (mounts) {
    for (const auto& m : *mounts) inside = inside || below(file, m);
  } else {
    inside = below(file, "/sys/fs/cgroup");
  }
  FUZZ_CHECK(inside, "'%s' is outside every cgroup mount", file.c_str());
}

void run(std::string_view cgroups_path, std::string_view cgroup, std::string_view mountinfo) {
  const std::vector<std::string> mounts = cgroup_mount_points(mountinfo);
  fuzz::run([&] {
    auto targets = ctrdbg::cgroup_targets(cgroups_path, cgroup, mountinfo);
    size_t lines = 1;
    for (char c : cgroup) lines += c == '\n';
    FUZZ_CHECK(targets.size() <= lines, "%zu targets from %zu lines", targets.size(), lines);
    for (const auto& t : targets) {
      check_file(t.procs_file, mountinfo.empty() ? nullptr : &mounts);
      if (!t.fallback_procs_file.empty()) check_file(t.fallback_procs_file, mountinfo.empty() ? nullptr : &mounts);
    }
    auto files = ctrdbg::cgroup_procs_files(std::string(cgroups_path), cgroup, mountinfo);
    FUZZ_CHECK(files.size() == targets.size(), "cgroup_procs_files: %zu files, %zu targets", files.size(),
               targets.size());
    for (size_t i = 0; i < files.size(); ++i)
      FUZZ_CHECK(files[i] == targets[i].procs_file, "cgroup_procs_files disagrees at %zu", i);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split_nul(fuzz::bytes(data, size));
  const std::string& cgroup = parts[0];
  const std::string mountinfo = parts.size() > 1 ? parts[1] : std::string();
  const std::string cgroups_path = parts.size() > 2 ? parts[2] : std::string(kDockerPath);

  run(cgroups_path, cgroup, mountinfo);
  if (!mountinfo.empty()) run(cgroups_path, cgroup, "");
  return 0;
}
