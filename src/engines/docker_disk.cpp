#include "ctrdbg/engines/docker_disk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

constexpr size_t kMaxStateFile = 4u << 20;

bool is_hex_id(std::string_view s, size_t min_len, size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string string_member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Reads a state file; nullopt (errno set) when it cannot be opened or read.
std::optional<std::string> read_state_file(const std::string& path) {
  return read_small_file(AT_FDCWD, path.c_str(), kMaxStateFile);
}

std::vector<std::string> container_ids(const std::string& dir) {
  std::vector<std::string> ids;
  DIR* d = ::opendir(dir.c_str());
  if (!d) fail_errno("cannot list {}", dir);
  while (dirent* e = ::readdir(d))
    if (is_hex_id(e->d_name, 64, 64)) ids.emplace_back(e->d_name);
  ::closedir(d);
  return ids;
}

}  // namespace

namespace {
std::string path_from_daemon_json(std::string_view text, std::initializer_list<const char*> keys) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  for (const char* key : keys) {
    auto it = doc.find(key);
    if (it == doc.end()) continue;
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>()[0] != '/')
      throw Error(fmt::format("\"{}\" must be an absolute path", key));
    return it->get<std::string>();
  }
  return "";
}
}  // namespace

std::string data_root_from_daemon_json(std::string_view text) { return path_from_daemon_json(text, {"data-root", "graph"}); }
std::string exec_root_from_daemon_json(std::string_view text) { return path_from_daemon_json(text, {"exec-root"}); }

DockerDiskLayout docker_layout(const std::optional<std::string>& data_root, const std::optional<std::string>& exec_root,
                               const std::string& daemon_json) {
  DockerDiskLayout layout;
  std::optional<std::string> text;
  if (!data_root || !exec_root) {
    text = read_state_file(daemon_json);
    if (!text && errno != ENOENT) fail_errno("{}", daemon_json);
  }
  try {
    std::string d = data_root ? *data_root : text ? data_root_from_daemon_json(*text) : "";
    std::string e = exec_root ? *exec_root : text ? exec_root_from_daemon_json(*text) : "";
    if (!d.empty()) layout.data_root = d;
    if (!e.empty()) {
      layout.runc_root = e + "/runtime-runc/moby";
      layout.task_root = e + "/containerd/daemon/io.containerd.runtime.v2.task/moby";
    }
  } catch (const Error& e) {
    throw e.context(daemon_json);
  }
  return layout;
}

std::string docker_data_root(const std::optional<std::string>& flag, const std::string& daemon_json) {
  if (flag) return *flag;
  auto text = read_state_file(daemon_json);
  if (!text) {
    if (errno == ENOENT) return "/var/lib/docker";
    fail_errno("{}", daemon_json);
  }
  try {
    std::string root = data_root_from_daemon_json(*text);
    return root.empty() ? "/var/lib/docker" : root;
  } catch (const Error& e) {
    throw e.context(daemon_json);
  }
}

InspectResult parse_config_v2(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  InspectResult out;
  Target& t = out.target;
  t.engine = "docker";
  t.id = string_member(doc, "ID");
  if (!is_hex_id(t.id, 64, 64)) throw Error("bad \"ID\"");
  t.name = string_member(doc, "Name");
  if (t.name.starts_with('/')) t.name.erase(0, 1);
  auto state = doc.find("State");
  if (state == doc.end() || !state->is_object()) throw Error("missing \"State\"");
  auto flag = [&](const char* key) {
    auto it = state->find(key);
    return it != state->end() && it->is_boolean() && it->get<bool>();
  };
  out.state.running = flag("Running");
  out.state.paused = flag("Paused");
  out.state.restarting = flag("Restarting");
  out.state.status = out.state.paused ? "paused" : out.state.restarting ? "restarting" : out.state.running ? "running" : "exited";
  auto pid = state->find("Pid");
  if (pid == state->end() || !pid->is_number_integer()) throw Error("bad \"State.Pid\"");
  out.state.pid = pid->get<long>();
  if (out.state.pid < 0 || out.state.pid > (1L << 22)) throw Error("implausible \"State.Pid\"");
  t.pid = static_cast<pid_t>(out.state.pid);
  auto config = doc.find("Config");
  if (config != doc.end()) read_container_config(*config, t);
  return out;
}

RuncState parse_runc_state(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  RuncState s;
  auto pid = doc.find("init_process_pid");
  auto start = doc.find("init_process_start");
  if (pid == doc.end() || !pid->is_number_integer() || pid->get<long>() <= 0) throw Error("bad \"init_process_pid\"");
  s.init_pid = pid->get<long>();
  // runc writes the start time as a number; older versions as a string.
  if (start != doc.end() && start->is_number_unsigned()) {
    s.init_start = start->get<std::uint64_t>();
  } else if (start != doc.end() && start->is_string()) {
    const std::string& v = start->get_ref<const std::string&>();
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s.init_start);
    if (ec != std::errc() || p != v.data() + v.size()) throw Error("bad \"init_process_start\"");
  } else {
    throw Error("bad \"init_process_start\"");
  }
  return s;
}

long parse_init_pid(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  long pid = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || p != text.data() + text.size() || pid <= 0) throw Error("not a PID");
  return pid;
}

std::vector<Target> list_docker_disk(const DockerDiskLayout& layout) {
  std::vector<Target> out;
  DIR* d = ::opendir(layout.runc_root.c_str());
  if (!d) {
    if (errno == ENOENT) return out;  // no runc state: nothing runs
    fail_errno("cannot list {}", layout.runc_root);
  }
  std::vector<std::string> ids;
  while (dirent* e = ::readdir(d))
    if (is_hex_id(e->d_name, 64, 64)) ids.emplace_back(e->d_name);
  ::closedir(d);
  for (const auto& id : ids) {
    try {
      auto runc = read_state_file(layout.runc_root + "/" + id + "/state.json");
      auto config = read_state_file(layout.data_root + "/containers/" + id + "/config.v2.json");
      if (!runc || !config) continue;
      RuncState rs = parse_runc_state(*runc);
      InspectResult r = parse_config_v2(*config);
      if (!r.state.running || r.target.pid != rs.init_pid) continue;
      // Alive, and the same process runc started (not a recycled PID)?
      auto stat = read_state_file("/proc/" + std::to_string(rs.init_pid) + "/stat");
      if (!stat || parse_stat_start_time(*stat) != rs.init_start) continue;
      r.target.start_time = rs.init_start;
      r.target.source = "docker on disk";
      out.push_back(std::move(r.target));
    } catch (const Error&) {
      continue;  // a damaged or vanishing entry is not a listing error
    }
  }
  return out;
}

Target resolve_via_docker_disk(const std::string& target, const DockerDiskLayout& layout) {
  const std::string dir = layout.data_root + "/containers";
  auto load = [&](const std::string& id) {
    std::string path = dir + "/" + id + "/config.v2.json";
    auto text = read_state_file(path);
    if (!text) fail_errno("{}", path);
    try {
      return parse_config_v2(*text);
    } catch (const Error& e) {
      throw e.context(path);
    }
  };

  std::vector<std::string> ids = container_ids(dir);
  std::optional<InspectResult> found;
  // Docker's order: full ID, then exact name, then unique ID prefix.
  if (std::find(ids.begin(), ids.end(), target) != ids.end()) found = load(target);
  if (!found) {
    // A cheap byte search finds the candidate files; the full parse confirms.
    const std::string needle = "\"Name\":\"/" + target + "\"";
    std::string path;
    for (const auto& id : ids) {
      path = dir + "/" + id + "/config.v2.json";
      auto text = read_state_file(path);
      if (!text || !::memmem(text->data(), text->size(), needle.data(), needle.size())) continue;
      InspectResult r;
      try {
        r = parse_config_v2(*text);
      } catch (const Error& e) {
        throw e.context(path);
      }
      if (r.target.name == target) {
        found = std::move(r);
        break;
      }
    }
  }
  if (!found && is_hex_id(target, 1, 63)) {
    std::vector<std::string> matches;
    for (const auto& id : ids)
      if (id.starts_with(target)) matches.push_back(id);
    if (matches.size() == 1) {
      found = load(matches[0]);
    } else if (matches.size() > 1) {
      std::vector<std::string> shown;
      for (const auto& id : matches) {
        std::string name;
        try {
          name = load(id).target.name;
        } catch (const Error&) {
        }
        shown.push_back(name.empty() ? id.substr(0, 12) : fmt::format("{} ({})", id.substr(0, 12), name));
      }
      std::sort(shown.begin(), shown.end());
      std::string joined;
      for (const auto& m : shown) joined += (joined.empty() ? "" : ", ") + m;
      fail("ID prefix '{}' is ambiguous: it matches {}", target, joined);
    }
  }
  if (!found) fail("no container named '{}' or with an ID starting with it (in {})", target, dir);

  Target t = std::move(found->target);
  const ContainerState& st = found->state;
  const std::string who = fmt::format("container {}", t.display());
  if (st.paused) fail("{} is paused; resume it first (docker unpause {})", who, t.name);
  if (st.restarting) fail("{} is restarting; try again once it is up", who);
  if (!st.running || t.pid <= 0) fail("{} is not running (status: {})", who, st.status);

  // The runtime's own record must agree before the PID is believed.
  std::string runc_path = layout.runc_root + "/" + t.id + "/state.json";
  if (auto runc = read_state_file(runc_path)) {
    RuncState rs;
    try {
      rs = parse_runc_state(*runc);
    } catch (const Error& e) {
      throw e.context(runc_path);
    }
    if (rs.init_pid != t.pid)
      fail("{}: engine state says pid {}, runc says {} (stale state; is the container still running?)", who, t.pid,
           rs.init_pid);
    t.start_time = rs.init_start;
    t.source = fmt::format("docker on disk ({}, {})", dir, runc_path);
  } else {
    std::string pid_path = layout.task_root + "/" + t.id + "/init.pid";
    auto text = read_state_file(pid_path);
    if (!text)
      fail("{}: no runtime state ({} nor {}): the container is not running (stale engine state)", who, runc_path,
           pid_path);
    long pid;
    try {
      pid = parse_init_pid(*text);
    } catch (const Error& e) {
      throw e.context(pid_path);
    }
    if (pid != t.pid) fail("{}: engine state says pid {}, containerd says {} (stale state)", who, t.pid, pid);
    t.source = fmt::format("docker on disk ({}, {})", dir, pid_path);
  }
  return t;
}

}  // namespace ctrdbg
