#include "ctrdbg/cgroups.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "ctrdbg/engines/containerd.hpp"  // cgroup_leaf
#include "ctrdbg/error.hpp"
#include "security_util.hpp"

namespace ctrdbg {

using secutil::for_each_line;
using secutil::split;
using secutil::write_all;

namespace {

struct CgroupMount {
  std::string fstype;  // "cgroup" / "cgroup2"
  std::string root;
  std::string mountpoint;
  std::vector<std::string> options;  // super options
};

std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
        s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool safe_cgroup_path(std::string_view path);

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  for_each_line(mountinfo, [&](std::string_view line) {
    std::vector<std::string_view> f;
    for (auto part : split(line, ' '))
      if (!part.empty()) f.push_back(part);
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 7 || dash + 3 >= f.size()) return;
    std::string_view fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") return;
    CgroupMount m;
    m.fstype = std::string(fstype);
    m.root = unescape_mountinfo(f[3]);
    m.mountpoint = unescape_mountinfo(f[4]);
    // The kernel writes both absolute and clean; anything else is no base for a path.
    if (!safe_cgroup_path(m.root) || !safe_cgroup_path(m.mountpoint)) return;
    for (auto o : split(f[dash + 3], ',')) m.options.emplace_back(o);
    out.push_back(std::move(m));
  });
  return out;
}

bool path_is_under(std::string_view path, std::string_view root) {
  if (root == "/") return true;
  return path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/');
}

// The host directory of hierarchy `controllers` ("" = cgroup v2) at cgroup `path`;
// "" when the hierarchy is mounted nowhere.
std::string hierarchy_dir(const std::vector<CgroupMount>* mounts, bool hybrid, std::string_view controllers,
                          const std::string& path) {
  auto join = [](std::string base, std::string_view rel) {
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    if (rel.empty() || rel == "/") return base;
    return base + (rel.front() == '/' ? "" : "/") + std::string(rel);
  };
  if (!mounts) {
    if (controllers.empty()) return join(hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup", path);
    std::string dir;
    for (auto c : split(controllers, ',')) {
      if (c.starts_with("name=")) c.remove_prefix(5);
      dir += (dir.empty() ? "" : ",") + std::string(c);
    }
    return join("/sys/fs/cgroup/" + dir, path);
  }
  const CgroupMount* best = nullptr;
  for (const auto& m : *mounts) {
    if (controllers.empty() ? m.fstype != "cgroup2" : m.fstype != "cgroup") continue;
    if (!controllers.empty()) {
      bool all = true;
      for (auto c : split(controllers, ','))
        if (std::find(m.options.begin(), m.options.end(), c) == m.options.end()) all = false;
      if (!all) continue;
    }
    if (!path_is_under(path, m.root)) continue;
    if (!best || m.root.size() < best->root.size()) best = &m;
  }
  if (!best) return "";
  std::string_view rel = path;
  if (best->root != "/") rel.remove_prefix(best->root.size());
  return join(best->mountpoint, rel);
}

bool safe_cgroup_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (auto c : split(path.substr(1), '/'))
    if (c == "." || c == "..") return false;
  return true;
}

// "/docker/ID/init.scope" -> "/docker/ID" when the leaf is "ID".
std::string cut_at_leaf(const std::string& path, std::string_view leaf) {
  if (leaf.empty()) return path;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos + 1);
    std::string_view comp =
        std::string_view(path).substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if (comp == leaf) return next == std::string::npos ? path : path.substr(0, next);
    if (next == std::string::npos) break;
    pos = next;
  }
  return path;
}

struct CgroupLine {
  std::string id;           // hierarchy ID ("0" for cgroup v2)
  std::string controllers;  // "" for cgroup v2
  std::string path;
};

// /proc/PID/cgroup: v1 "N:ctrl,ctrl:/path" and v2 "0::/path" lines; malformed ones,
// and those whose controllers or path could lead out of the hierarchy, are skipped.
std::vector<CgroupLine> parse_cgroup_lines(std::string_view proc_pid_cgroup) {
  std::vector<CgroupLine> lines;
  for_each_line(proc_pid_cgroup, [&](std::string_view line) {
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    std::string_view id = line.substr(0, c1);
    std::string_view ctrl = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path(line.substr(c2 + 1));
    if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
    if (ctrl.empty() != (id == "0")) return;  // "0::" is v2; v1 hierarchies always name controllers
    // Without mountinfo the controllers name the directory under /sys/fs/cgroup: a named
    // v1 hierarchy may be called ".." (name=..), which must not climb out (fuzz_cgroup check).
    if (!ctrl.empty())
      for (auto c : split(ctrl, ',')) {
        if (c.starts_with("name=")) c.remove_prefix(5);
        if (c.empty() || c == "." || c == ".." || c.find('/') != std::string_view::npos) return;
      }
    if (!safe_cgroup_path(path)) return;
    lines.push_back(CgroupLine{std::string(id), std::string(ctrl), std::move(path)});
  });
  return lines;
}

}  // namespace

std::vector<CgroupTarget> cgroup_targets(std::string_view cgroups_path, std::string_view proc_pid_cgroup,
                                         std::string_view host_mountinfo) {
  std::optional<std::vector<CgroupMount>> mounts;
  if (!host_mountinfo.empty()) mounts = parse_cgroup_mounts(host_mountinfo);
  std::string leaf = cgroup_leaf(cgroups_path);
  std::vector<CgroupLine> lines = parse_cgroup_lines(proc_pid_cgroup);
  bool hybrid = std::any_of(lines.begin(), lines.end(), [](const CgroupLine& l) { return !l.controllers.empty(); });

  std::vector<CgroupTarget> out;
  for (const auto& l : lines) {
    std::string container = cut_at_leaf(l.path, leaf);
    std::string dir = hierarchy_dir(mounts ? &*mounts : nullptr, hybrid, l.controllers, container);
    if (dir.empty()) continue;
    CgroupTarget t;
    t.procs_file = dir + "/cgroup.procs";
    if (l.controllers.empty() && container != l.path) {
      std::string own = hierarchy_dir(mounts ? &*mounts : nullptr, hybrid, l.controllers, l.path);
      if (!own.empty()) t.fallback_procs_file = own + "/cgroup.procs";
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> cgroup_procs_files(const std::string& cgroups_path, std::string_view proc_pid_cgroup,
                                            std::string_view host_mountinfo) {
  std::vector<std::string> out;
  for (auto& t : cgroup_targets(cgroups_path, proc_pid_cgroup, host_mountinfo)) out.push_back(std::move(t.procs_file));
  return out;
}

std::string container_cgroup_view(std::string_view cgroups_path, std::string_view proc_pid_cgroup) {
  std::string leaf = cgroup_leaf(cgroups_path);
  std::string out;
  for (const auto& l : parse_cgroup_lines(proc_pid_cgroup))
    out += l.id + ":" + l.controllers + ":" + cut_at_leaf(l.path, leaf) + "\n";
  return out;
}

bool cgroup_within(std::string_view proc_pid_cgroup, std::string_view container_view) {
  auto mine = parse_cgroup_lines(proc_pid_cgroup);
  auto want = parse_cgroup_lines(container_view);
  if (want.empty()) return false;
  for (const auto& w : want) {
    auto it = std::find_if(mine.begin(), mine.end(),
                           [&](const CgroupLine& m) { return m.id == w.id && m.controllers == w.controllers; });
    if (it == mine.end() || !path_is_under(it->path, w.path)) return false;
  }
  return true;
}

void join_cgroups(pid_t pid, std::span<const CgroupTarget> targets) {
  std::string text = std::to_string(pid);
  auto write_to = [&](const std::string& file) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return -1;
    return write_all(fd.get(), text.data(), text.size());
  };
  for (const auto& t : targets) {
    if (write_to(t.procs_file) == 0) continue;
    int err = errno;
    if ((err == EBUSY || err == EOPNOTSUPP) && !t.fallback_procs_file.empty()) {
      if (write_to(t.fallback_procs_file) == 0) continue;
      throw Error(errno_message(
          fmt::format("joining the container's cgroup: writing pid {} to {}", pid, t.fallback_procs_file), errno));
    }
    throw Error(
        errno_message(fmt::format("joining the container's cgroup: writing pid {} to {}", pid, t.procs_file), err));
  }
}

std::vector<CgroupFd> open_cgroup_targets(std::span<const CgroupTarget> targets) {
  std::vector<CgroupFd> out;
  for (const auto& t : targets) {
    CgroupFd c;
    c.file = t.procs_file;
    c.procs.reset(::open(t.procs_file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!c.procs) fail_errno("joining the container's cgroup: {}", t.procs_file);
    if (!t.fallback_procs_file.empty()) {
      c.fallback.reset(::open(t.fallback_procs_file.c_str(), O_WRONLY | O_CLOEXEC));
      if (!c.fallback) fail_errno("joining the container's cgroup: {}", t.fallback_procs_file);
    }
    out.push_back(std::move(c));
  }
  return out;
}

int enter_cgroups(std::span<const CgroupFd> fds, StepFailure* f) {
  for (const auto& c : fds) {
    if (write_all(c.procs.get(), "0", 1) == 0) continue;
    int err = errno;
    if ((err == EBUSY || err == EOPNOTSUPP) && c.fallback && write_all(c.fallback.get(), "0", 1) == 0) continue;
    if (err == EBUSY || err == EOPNOTSUPP) err = c.fallback ? errno : err;
    return step_fail(f, "join the container's cgroup", c.file.c_str(), err);
  }
  return 0;
}
}  // namespace ctrdbg
