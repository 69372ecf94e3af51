#include "ctrdbg/engines/podman.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ctrdbg/engines/containerd.hpp"  // parse_oci_config
#include "ctrdbg/engines/docker_disk.hpp"  // parse_runc_state, parse_init_pid
#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

// The storage driver decides the directory name; overlay is podman's default.
const char* const kContainerDirs[] = {"overlay-containers", "vfs-containers", "btrfs-containers"};

std::optional<std::string> read_file(const std::string& path) {
  return read_small_file(AT_FDCWD, path.c_str(), 16u << 20);
}

struct Store {
  std::string dir;  // <graph_root>/<driver>-containers
  std::vector<PodmanContainer> containers;
};

std::optional<Store> load_store(const PodmanLayout& layout) {
  for (const char* sub : kContainerDirs) {
    std::string dir = layout.graph_root + "/" + sub;
    std::string path = dir + "/containers.json";
    auto text = read_file(path);
    if (!text) {
      if (errno == ENOENT) continue;
      fail_errno("{}", path);
    }
    try {
      return Store{dir, parse_podman_containers(*text)};
    } catch (const Error& e) {
      throw e.context(path);
    }
  }
  return std::nullopt;
}

// Builds the Target of one container and checks that the runtime agrees it runs.
Target load_running(const Store& store, const PodmanContainer& c, const PodmanLayout& layout) {
  Target t;
  t.engine = "podman";
  t.id = c.id;
  t.name = c.names.empty() ? c.id.substr(0, 12) : c.names.front();
  t.image = c.image;
  const std::string who = fmt::format("podman container {}", t.display());

  // The runtime's own record: runc's, else crun's (podman's default where crun is
  // installed). A container has one of them while it runs.
  std::string state_path = layout.runc_root + "/" + c.id + "/state.json";
  auto state = read_file(state_path);
  auto parse = parse_runc_state;
  if (!state && errno == ENOENT) {
    std::string crun_path = layout.crun_root + "/" + c.id + "/status";
    state = read_file(crun_path);
    if (!state && errno == ENOENT)
      fail("{} is not running (no runtime state at {} or {})", who, state_path, crun_path);
    state_path = crun_path;
    parse = parse_crun_status;
  }
  if (!state) fail_errno("{}", state_path);
  RuncState rs;
  try {
    rs = parse(*state);
  } catch (const Error& e) {
    throw e.context(state_path);
  }
  std::string pid_path = layout.run_root + "/" + store.dir.substr(store.dir.rfind('/') + 1) + "/" + c.id +
                         "/userdata/pidfile";
  if (auto pidfile = read_file(pid_path)) {
    long pid;
    try {
      pid = parse_init_pid(*pidfile);
    } catch (const Error& e) {
      throw e.context(pid_path);
    }
    if (pid != rs.init_pid)
      fail("{}: podman says pid {}, the runtime ({}) says {} (stale state)", who, pid, state_path, rs.init_pid);
  }
  t.pid = static_cast<pid_t>(rs.init_pid);
  t.start_time = rs.init_start;

  std::string spec_path = store.dir + "/" + c.id + "/userdata/config.json";
  if (auto spec = read_file(spec_path)) {
    try {
      OciConfig oci = parse_oci_config(*spec);
      t.env = std::move(oci.env);
      t.working_dir = std::move(oci.cwd);
      t.user = std::move(oci.user);
      t.hostname = std::move(oci.hostname);
    } catch (const Error& e) {
      throw e.context(spec_path);
    }
  }
  t.bundle = store.dir + "/" + c.id + "/userdata";
  t.source = fmt::format("podman on disk ({}, {})", store.dir, state_path);
  return t;
}

}  // namespace

RuncState parse_crun_status(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  RuncState s;
  auto pid = doc.find("pid");
  if (pid == doc.end() || !pid->is_number_integer() || pid->get<long long>() <= 0 ||
      pid->get<long long>() > kPidMaxLimit)
    throw Error("no valid \"pid\"");
  s.init_pid = static_cast<long>(pid->get<long long>());
  auto start = doc.find("process-start-time");
  if (start == doc.end() || !start->is_number_unsigned()) throw Error("no valid \"process-start-time\"");
  s.init_start = start->get<std::uint64_t>();
  return s;
}

std::vector<PodmanContainer> parse_podman_containers(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_array()) throw Error("not a JSON array");
  std::vector<PodmanContainer> out;
  for (const auto& c : doc) {
    if (!c.is_object()) throw Error("an entry is not an object");
    PodmanContainer pc;
    auto id = c.find("id");
    if (id == c.end() || !id->is_string() || id->get_ref<const std::string&>().size() != 64)
      throw Error("an entry has no valid \"id\"");
    pc.id = id->get<std::string>();
    if (pc.id.find_first_not_of("0123456789abcdef") != std::string::npos) throw Error("an entry has no valid \"id\"");
    auto names = c.find("names");
    if (names != c.end() && names->is_array())
      for (const auto& n : *names)
        if (n.is_string()) pc.names.push_back(n.get<std::string>());
    // The image name is in the "metadata" string, itself JSON.
    auto metadata = c.find("metadata");
    if (metadata != c.end() && metadata->is_string()) {
      json meta = json::parse(metadata->get_ref<const std::string&>(), nullptr, false);
      if (meta.is_object() && meta.contains("image-name") && meta["image-name"].is_string())
        pc.image = meta["image-name"].get<std::string>();
    }
    out.push_back(std::move(pc));
  }
  return out;
}

bool podman_present(const PodmanLayout& layout) {
  struct stat st{};
  for (const char* sub : kContainerDirs)
    if (::stat((layout.graph_root + "/" + sub + "/containers.json").c_str(), &st) == 0) return true;
  return false;
}

std::optional<Target> find_via_podman(const std::string& target, const PodmanLayout& layout, std::string* not_found) {
  auto store = load_store(layout);
  if (!store) {
    *not_found = fmt::format("no podman store under {}", layout.graph_root);
    return std::nullopt;
  }
  const auto& all = store->containers;
  auto by = [&](auto pred) { return std::find_if(all.begin(), all.end(), pred); };
  auto it = by([&](const PodmanContainer& c) { return c.id == target; });
  if (it == all.end())
    it = by([&](const PodmanContainer& c) { return std::find(c.names.begin(), c.names.end(), target) != c.names.end(); });
  if (it == all.end() && !target.empty() && target.find_first_not_of("0123456789abcdef") == std::string::npos) {
    std::vector<const PodmanContainer*> matches;
    for (const auto& c : all)
      if (c.id.starts_with(target)) matches.push_back(&c);
    if (matches.size() > 1) {
      std::string joined;
      for (const auto* c : matches)
        joined += fmt::format("{}{} ({})", joined.empty() ? "" : ", ", c->id.substr(0, 12),
                              c->names.empty() ? "" : c->names.front());
      fail_ambiguous("ID prefix '{}' is ambiguous: it matches {}", target, joined);
    }
    if (matches.size() == 1) return load_running(*store, *matches.front(), layout);
  }
  if (it == all.end()) {
    *not_found = fmt::format("no container named '{}' or with an ID starting with it (in {})", target, store->dir);
    return std::nullopt;
  }
  return load_running(*store, *it, layout);
}

Target resolve_via_podman(const std::string& target, const PodmanLayout& layout) {
  std::string why;
  auto t = find_via_podman(target, layout, &why);
  if (!t) throw Error(why);
  return std::move(*t);
}

std::vector<Target> list_podman(const PodmanLayout& layout) {
  std::vector<Target> out;
  std::optional<Store> store;
  try {
    store = load_store(layout);
  } catch (const Error&) {
    return out;
  }
  if (!store) return out;
  for (const auto& c : store->containers) {
    try {
      Target t = load_running(*store, c, layout);
      auto stat = read_file("/proc/" + std::to_string(t.pid) + "/stat");
      if (!stat || parse_stat_start_time(*stat) != t.start_time) continue;
      out.push_back(std::move(t));
    } catch (const Error&) {
      continue;
    }
  }
  return out;
}

}  // namespace ctrdbg
