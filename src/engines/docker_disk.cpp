#include "ctrdbg/engines/docker_disk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctrdbg/batch_read.hpp"
#include "ctrdbg/cpus.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

constexpr size_t kMaxStateFile = 4u << 20;
// runc writes "id", "init_process_pid" and "init_process_start" first (within
// ~150 bytes of a ~30 KiB file); the head is read and, only when the two fields
// are not in it, the whole file.
constexpr size_t kRuncHead = 4096;

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

// One reusable buffer per scanning thread: a file is read with one read() when it
// fits (a short read of a regular file is its end), without a fresh allocation.
class FileBuffer {
 public:
  // Reads at most `limit` bytes of dirfd/path; false (errno set) when it cannot be
  // opened or read. `complete` says whether the end of the file was reached.
  bool read(int dirfd, const char* path, size_t limit) {
    len_ = 0;
    complete_ = false;
    Fd fd(::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));  // a fifo cannot hold the open
    if (!fd) return false;
    while (len_ < limit) {
      if (len_ == cap_) grow(std::min(limit, std::max<size_t>(cap_ * 2, 16 << 10)));
      size_t want = std::min(cap_, limit) - len_;
      ssize_t n = ::read(fd.get(), data_.get() + len_, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      len_ += static_cast<size_t>(n);
      if (n == 0 || static_cast<size_t>(n) < want) {
        complete_ = true;
        break;
      }
    }
    return true;
  }
  std::string_view view() const { return {data_.get(), len_}; }
  bool complete() const { return complete_; }

 private:
  void grow(size_t cap) {
    auto bigger = std::make_unique_for_overwrite<char[]>(cap);
    if (len_) std::memcpy(bigger.get(), data_.get(), len_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, len_ = 0;
  bool complete_ = false;
};

// The directory's 64-hex entries (container IDs), in directory order.
std::vector<std::string> hex_entries(DIR* d) {
  std::vector<std::string> ids;
  while (dirent* e = ::readdir(d))
    if (is_hex_id(e->d_name, 64, 64)) ids.emplace_back(e->d_name);
  return ids;
}

struct Dir {
  DIR* d = nullptr;
  explicit Dir(const std::string& path) : d(::opendir(path.c_str())) {}
  ~Dir() {
    if (d) ::closedir(d);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  int fd() const { return ::dirfd(d); }
};

// ---- runc state.json: stop as soon as the two fields are seen ----

struct RuncValue {
  enum Kind { absent, other, integer, unsigned_integer, string } kind = absent;
  RuncValue() = default;
  explicit RuncValue(Kind k) : kind(k) {}
  std::int64_t i = 0;
  std::uint64_t u = 0;
  std::string s;
};

// Stops at the first top-level key after both fields were seen: a field's value
// counts only once the text goes on past it (a file cut inside or right after a
// number never yields a shortened number).
class RuncStateSax final : public nlohmann::json_sax<json> {
 public:
  RuncValue pid, start;
  bool root_not_object = false, parse_failed = false, stopped = false;

  bool null() override { return scalar(RuncValue(RuncValue::other)); }
  bool boolean(bool) override { return scalar(RuncValue(RuncValue::other)); }
  bool number_integer(number_integer_t v) override {
    RuncValue r(RuncValue::integer);
    r.i = v;
    return scalar(std::move(r));
  }
  bool number_unsigned(number_unsigned_t v) override {
    RuncValue r(RuncValue::unsigned_integer);
    r.u = v;
    return scalar(std::move(r));
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(RuncValue(RuncValue::other)); }
  bool string(string_t& v) override {
    RuncValue r(RuncValue::string);
    if (depth_ == 1 && field_) r.s = std::move(v);
    return scalar(std::move(r));
  }
  bool binary(binary_t&) override { return scalar(RuncValue(RuncValue::other)); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (depth_ != 1) return true;
    if (pid.kind != RuncValue::absent && start.kind != RuncValue::absent) {
      stopped = true;
      return false;
    }
    field_ = k == "init_process_pid" ? &pid : k == "init_process_start" ? &start : nullptr;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    parse_failed = true;
    return false;
  }

 private:
  bool scalar(RuncValue v) {
    if (depth_ == 0) {
      root_not_object = true;
      return false;
    }
    if (depth_ == 1 && field_) *field_ = std::move(v);
    field_ = nullptr;
    return true;
  }
  bool open(bool object) {
    if (depth_ == 0 && !object) {
      root_not_object = true;
      return false;
    }
    if (depth_ == 1 && field_) *field_ = RuncValue(RuncValue::other);
    field_ = nullptr;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
  RuncValue* field_ = nullptr;
  int depth_ = 0;
};

// ---- config.v2.json for --list: nlohmann's SAX parse, keeping a few members ----
//
// nlohmann's parser checks the whole text (the same grammar and lexer as the
// json::parse of parse_config_v2); the handler builds no tree and keeps only
// top-level "ID" and "Name", the "State" object's flags and "Pid", and the
// "Config" object's "Image". A repeated key overwrites what its predecessor set,
// so the last one wins, as in a DOM. Only the key path's first two levels matter:
// deeper values are only counted (depth_), not stored.
class ConfigV2BriefSax final : public nlohmann::json_sax<json> {
 public:
  // The members as parse_config_v2 reads them from the tree.
  std::string id, name, image;
  bool has_state = false;  // "State" is an object
  bool running = false, paused = false, restarting = false;
  enum { pid_absent, pid_bad, pid_ok } pid_kind = pid_absent;  // pid_ok: an integer, as is_number_integer()
  long pid = 0;
  bool not_object = false;  // a syntax error, or a root that is not an object

  bool null() override { return scalar(); }
  bool boolean(bool v) override {
    if (bool* flag = state_flag()) {
      *flag = v;
      field_ = none;
      return true;
    }
    return scalar();
  }
  bool number_integer(number_integer_t v) override { return integer(static_cast<long>(v)); }
  // nlohmann's get<long>() of an unsigned value: converted as is.
  bool number_unsigned(number_unsigned_t v) override { return integer(static_cast<long>(v)); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& v) override {
    std::string* out = field_ == id_field      ? &id
                       : field_ == name_field  ? &name
                       : field_ == image_field ? &image
                                               : nullptr;
    if (!out) return scalar();
    *out = std::move(v);
    field_ = none;
    return true;
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& text) override {
    std::string_view k = text;  // compared by size first
    if (depth_ == 1)
      field_ = k == "ID"      ? id_field
               : k == "Name"   ? name_field
               : k == "State"  ? state_field
               : k == "Config" ? config_field
                               : none;
    else if (depth_ == 2 && object_ == state_field)
      field_ = k == "Running"      ? running_field
               : k == "Paused"     ? paused_field
               : k == "Restarting" ? restarting_field
               : k == "Pid"        ? pid_field
                                   : none;
    else if (depth_ == 2 && object_ == config_field)
      field_ = k == "Image" ? image_field : none;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    not_object = true;
    return false;
  }

 private:
  enum Field { none, id_field, name_field, state_field, config_field, running_field, paused_field, restarting_field,
               pid_field, image_field };

  bool* state_flag() {
    return field_ == running_field      ? &running
           : field_ == paused_field     ? &paused
           : field_ == restarting_field ? &restarting
                                        : nullptr;
  }
  bool integer(long v) {
    if (field_ != pid_field) return scalar();
    pid_kind = pid_ok;
    pid = v;
    field_ = none;
    return true;
  }
  // Any other value for field_ (or one no field wants), `object` when it opens an
  // object: the field is left as parse_config_v2's lookup in the tree finds it.
  void other_value(bool object) {
    if (bool* flag = state_flag()) *flag = false;
    switch (field_) {
      case id_field: id.clear(); break;
      case name_field: name.clear(); break;
      case image_field: image.clear(); break;
      case pid_field: pid_kind = pid_bad; break;
      case state_field:  // a new State: nothing of an earlier one counts
        has_state = object;
        running = paused = restarting = false;
        pid_kind = pid_absent;
        pid = 0;
        break;
      case config_field: image.clear(); break;
      default: break;
    }
    field_ = none;
  }
  bool scalar() {
    if (depth_ == 0) {
      not_object = true;
      return false;
    }
    other_value(false);
    return true;
  }
  bool open(bool object) {
    if (depth_ == 0 && !object) {
      not_object = true;
      return false;
    }
    if (depth_ == 1) object_ = object ? field_ : none;  // the object whose keys key() reads at depth 2
    other_value(object);
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;  // containers open around the next value
  Field field_ = none;     // what the next value is, by its key path (depth 1 or 2)
  Field object_ = none;    // the depth-1 member whose object is open at depth 2
};

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

namespace {
// A containerd namespace as containerd accepts one (identifiers.Validate): letters
// and digits, separated by single '.', '_' or '-', at most 76 characters. It
// names a directory here, so nothing else (no '/', no "..") may pass.
bool is_containerd_namespace(std::string_view s) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 76 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (!alnum(s[i]) && (std::string_view("._-").find(s[i]) == std::string_view::npos || !alnum(s[i + 1])))
      return false;
  return true;
}
}  // namespace

DaemonContainerd containerd_from_daemon_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  DaemonContainerd out;
  if (auto it = doc.find("containerd"); it != doc.end()) {
    // dockerd dials it as a path; containerd's client also takes unix://PATH.
    std::string address = it->is_string() ? it->get<std::string>() : "";
    if (address.starts_with("unix://")) address.erase(0, 7);
    if (address.empty() || address[0] != '/') throw Error("\"containerd\" must be the absolute path of a socket");
    out.address = address;
  }
  if (auto it = doc.find("containerd-namespace"); it != doc.end()) {
    if (!it->is_string() || !is_containerd_namespace(it->get<std::string>()))
      throw Error("\"containerd-namespace\" must be a containerd namespace name");
    out.ns = it->get<std::string>();
  }
  return out;
}

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
    DaemonContainerd containerd = text ? containerd_from_daemon_json(*text) : DaemonContainerd{};
    if (!d.empty()) layout.data_root = d;
    if (e.empty()) e = "/run/docker";
    layout.runc_root = e + "/runtime-runc/" + containerd.ns;
    const std::string tasks = "/io.containerd.runtime.v2.task/" + containerd.ns;
    const std::string own = e + "/containerd/daemon" + tasks, system = "/run/containerd" + tasks;
    if (containerd.address.empty()) {
      layout.task_roots = {own, system};
    } else {
      // An external containerd keeps its state where its own configuration says;
      // the packaged one (and most others) beside its socket.
      std::string beside = containerd.address.substr(0, containerd.address.rfind('/')) + tasks;
      layout.task_roots = {beside, system, own};
      if (beside == system) layout.task_roots.erase(layout.task_roots.begin());
    }
  } catch (const Error& e) {
    throw e.context(daemon_json);
  }
  return layout;
}

namespace {

// What each place find_docker_bundle looked at held, for its message.
struct BundleSearch {
  std::string dir;                  // the task directory whose init.pid names the process; "" when none
  std::string pid_path;             // its init.pid
  std::vector<std::string> looked;  // what every other place held
  bool any_state = false;           // some place had an init.pid (not merely no directory)
};

// `dir`/init.pid against `pid`: true when it names it; else what it held goes to
// search.looked.
bool init_pid_names(const std::string& dir, pid_t pid, BundleSearch& search) {
  const std::string path = dir + "/init.pid";
  auto text = read_state_file(path);
  if (!text) {
    if (errno == ENOENT || errno == ENOTDIR) {
      search.looked.push_back(path + " (absent)");
    } else {
      search.any_state = true;
      search.looked.push_back(errno_message(path, errno));
    }
    return false;
  }
  search.any_state = true;
  long named;
  try {
    named = parse_init_pid(*text);
  } catch (const Error& e) {
    search.looked.push_back(fmt::format("{}: {}", path, e.what()));
    return false;
  }
  if (named != pid) {
    search.looked.push_back(fmt::format("{} says pid {}", path, named));
    return false;
  }
  search.dir = dir;
  search.pid_path = path;
  return true;
}

// The runtime v2 shim of container `id`, as the parent of its init `pid`: runc
// leaves the init to the shim (a subreaper), which containerd starts as
// `containerd-shim-runc-v2 -namespace NS -id ID -address SOCKET` with the task
// directory <state>/io.containerd.runtime.v2.task/NS/ID as its working directory.
// The directory, or "" with the reason in `why`. Only the shim's own files are
// read: never dockerd's, which may be the process that hangs.
std::string shim_task_dir(pid_t pid, const std::string& id, std::string& why) {
  Fd proc = open_proc_pid(pid);
  auto stat = proc ? read_small_file(proc.get(), "stat") : std::nullopt;
  if (!stat) {
    why = fmt::format("pid {} is gone", pid);
    return "";
  }
  const pid_t ppid = parse_stat_ppid(*stat);
  Fd shim = ppid > 1 ? open_proc_pid(ppid) : Fd();
  auto cmdline = shim ? read_small_file(shim.get(), "cmdline", 1 << 16) : std::nullopt;
  if (!cmdline) {
    why = fmt::format("its parent (pid {}) is no shim", ppid);
    return "";
  }
  std::string ns, shim_id;
  std::vector<std::string_view> args;
  for (size_t pos = 0; pos < cmdline->size();) {
    size_t end = cmdline->find('\0', pos);
    if (end == std::string::npos) end = cmdline->size();
    args.emplace_back(cmdline->data() + pos, end - pos);
    pos = end + 1;
  }
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "-namespace") ns = args[i + 1];
    if (args[i] == "-id") shim_id = args[i + 1];
  }
  if (shim_id != id || !is_containerd_namespace(ns)) {
    why = fmt::format("its parent (pid {}) is no containerd shim of it", ppid);
    return "";
  }
  char buf[4096];
  ssize_t n = ::readlinkat(shim.get(), "cwd", buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) == sizeof buf) {
    why = n < 0 ? errno_message(fmt::format("/proc/{}/cwd of its shim", ppid), errno)
                : fmt::format("/proc/{}/cwd of its shim: unreadable", ppid);
    return "";
  }
  std::string dir(buf, static_cast<size_t>(n));
  // A task directory, as the shim sees it (a shim in another mount namespace
  // names a path that means something else here: its init.pid will not agree).
  if (dir[0] != '/' || !dir.ends_with("/" + ns + "/" + id)) {
    why = fmt::format("its shim (pid {}) runs in {}, no task directory", ppid, dir);
    return "";
  }
  return dir;
}

BundleSearch search_docker_bundle(const DockerDiskLayout& layout, const std::string& id, pid_t pid) {
  BundleSearch search;
  if (!is_hex_id(id, 64, 64)) {
    search.looked.push_back(fmt::format("'{}' is not a container ID", id));
    return search;
  }
  for (const auto& root : layout.task_roots)
    if (init_pid_names(root + "/" + id, pid, search)) return search;
  std::string why;
  std::string dir = shim_task_dir(pid, id, why);
  if (dir.empty()) {
    search.looked.push_back("its shim: " + why);
  } else if (std::find(layout.task_roots.begin(), layout.task_roots.end(), dir.substr(0, dir.size() - 65)) ==
             layout.task_roots.end()) {
    init_pid_names(dir, pid, search);
  }
  return search;
}

std::string join_looked(const std::vector<std::string>& looked) {
  std::string out;
  for (const auto& l : looked) out += (out.empty() ? "" : "; ") + l;
  return out;
}

}  // namespace

std::string find_docker_bundle(const DockerDiskLayout& layout, const Target& target) {
  BundleSearch search = search_docker_bundle(layout, target.id, target.pid);
  if (search.dir.empty())
    fail("container {}: no containerd task directory (its OCI runtime spec) whose init.pid names pid {}: {}",
         target.display(), target.pid, join_looked(search.looked));
  return search.dir;
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
  if (out.state.pid < 0 || out.state.pid > kPidMaxLimit) throw Error("implausible \"State.Pid\"");
  t.pid = static_cast<pid_t>(out.state.pid);
  auto config = doc.find("Config");
  if (config != doc.end()) read_container_config(*config, t);
  return out;
}

std::vector<std::string> parse_hostconfig_group_add(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  return read_group_add(doc, "hostconfig.json");
}

std::vector<std::string> read_docker_group_add(const DockerDiskLayout& layout, const std::string& id) {
  if (!is_hex_id(id, 64, 64)) throw Error(fmt::format("'{}' is not a container ID", id));
  const std::string path = layout.data_root + "/containers/" + id + "/hostconfig.json";
  auto text = read_state_file(path);
  if (!text) fail_errno("{}", path);
  try {
    return parse_hostconfig_group_add(*text);
  } catch (const Error& e) {
    throw e.context(path);
  }
}

InspectResult parse_config_v2_brief(std::string_view text) {
  ConfigV2BriefSax f;
  // The checks and messages of parse_config_v2, in its order.
  if (!json::sax_parse(text, &f) || f.not_object) throw Error("not a JSON object");
  InspectResult out;
  Target& t = out.target;
  t.engine = "docker";
  t.id = std::move(f.id);
  if (!is_hex_id(t.id, 64, 64)) throw Error("bad \"ID\"");
  t.name = std::move(f.name);
  if (t.name.starts_with('/')) t.name.erase(0, 1);
  if (!f.has_state) throw Error("missing \"State\"");
  out.state.running = f.running;
  out.state.paused = f.paused;
  out.state.restarting = f.restarting;
  out.state.status = out.state.paused ? "paused" : out.state.restarting ? "restarting" : out.state.running ? "running" : "exited";
  if (f.pid_kind != ConfigV2BriefSax::pid_ok) throw Error("bad \"State.Pid\"");
  out.state.pid = f.pid;
  if (out.state.pid < 0 || out.state.pid > kPidMaxLimit) throw Error("implausible \"State.Pid\"");
  t.pid = static_cast<pid_t>(out.state.pid);
  t.image = std::move(f.image);
  return out;
}

RuncState parse_runc_state(std::string_view text) {
  RuncStateSax sax;
  json::sax_parse(text, &sax);
  // Stopped early once both fields were seen; otherwise the whole document was read.
  if (sax.root_not_object || sax.parse_failed) throw Error("not a JSON object");
  RuncState s;
  const RuncValue& pid = sax.pid;
  const RuncValue& start = sax.start;
  if (pid.kind == RuncValue::integer && pid.i > 0)
    s.init_pid = static_cast<long>(pid.i);
  else if (pid.kind == RuncValue::unsigned_integer && pid.u > 0 && pid.u <= static_cast<std::uint64_t>(LONG_MAX))
    s.init_pid = static_cast<long>(pid.u);
  else
    throw Error("bad \"init_process_pid\"");
  // runc writes the start time as a number; older versions as a string.
  if (start.kind == RuncValue::unsigned_integer) {
    s.init_start = start.u;
  } else if (start.kind == RuncValue::string) {
    const std::string& v = start.s;
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

namespace {

// runc's state.json from its head (`complete`: the head is the whole file); the
// whole file is read, by `reread`, only when the two fields are not in the head.
// nullopt (errno set) when the whole file is needed and cannot be read.
template <typename Reread>
std::optional<RuncState> runc_state_from_head(std::string_view head, bool complete, Reread&& reread) {
  if (!complete) {
    try {
      return parse_runc_state(head);
    } catch (const Error&) {
      std::optional<std::string_view> whole = reread();
      if (!whole) return std::nullopt;
      return parse_runc_state(*whole);
    }
  }
  return parse_runc_state(head);
}

// runc's state.json relative to dirfd, its head first.
std::optional<RuncState> read_runc_state(int dirfd, const char* path, FileBuffer& buf) {
  if (!buf.read(dirfd, path, kRuncHead)) return std::nullopt;
  return runc_state_from_head(buf.view(), buf.complete(), [&]() -> std::optional<std::string_view> {
    if (!buf.read(dirfd, path, kMaxStateFile)) return std::nullopt;
    return buf.view();
  });
}

// ---- config.v2.json a batch at a time ----
//
// --list and the name search read every container's config.v2.json: a batch of
// kBatch files in one round of a BatchReader (one system call with io_uring). A
// file larger than its slot is read again whole, on its own.
constexpr unsigned kBatch = 8;
constexpr size_t kConfigSlot = 64u << 10;

// Setting up an io_uring (io_uring_setup, mapping its rings, registering the slots)
// costs ~0.2 ms here: one reader's files are worth a ring from about 64 containers
// on (measured: 64 one by one 5.38 ms vs 5.58 ms with a ring; 2 x 64: 6.56 vs 6.30 ms).
bool use_ring(size_t containers) { return containers >= 64; }

// The request's whole file: its buffer when that holds all of it, else read again
// into `whole` (up to `limit`). nullopt when it cannot be opened or read.
std::optional<std::string_view> full_text(const BatchReader::Request& q, FileBuffer& whole, size_t limit) {
  if (q.result < 0) return std::nullopt;
  if (q.complete()) return std::string_view(q.buf.data(), static_cast<size_t>(q.result));
  if (!whole.read(q.dirfd, q.path, limit)) return std::nullopt;
  return whole.view();
}

class ConfigReader {
 public:
  // `capacity`: requests per round of reader(), for a caller's own further rounds;
  // `files`: how many files this reader will read (see use_ring()).
  ConfigReader(int dirfd, unsigned capacity, size_t files)
      : dirfd_(dirfd),
        reader_(capacity, use_ring(files)),
        slots_(std::make_unique_for_overwrite<char[]>(kBatch * kConfigSlot)) {}

  // The config.v2.json of ids[b + k] for k < n (n <= kBatch), then text(k).
  void read(const std::vector<std::string>& ids, size_t b, size_t n) {
    reqs_.clear();
    for (size_t k = 0; k < n; ++k) {
      path_[k] = ids[b + k] + "/config.v2.json";
      reqs_.push_back({dirfd_, path_[k].c_str(), {slots_.get() + k * kConfigSlot, kConfigSlot}});
    }
    reader_.read(reqs_);
  }
  // Valid until the next text() or read().
  std::optional<std::string_view> text(size_t k) { return full_text(reqs_[k], whole_, kMaxStateFile); }
  const std::string& path(size_t k) const { return path_[k]; }
  BatchReader& reader() { return reader_; }
  FileBuffer& whole() { return whole_; }

 private:
  int dirfd_;
  BatchReader reader_;
  FileBuffer whole_;
  std::unique_ptr<char[]> slots_;
  std::array<std::string, kBatch> path_;
  std::vector<BatchReader::Request> reqs_;
};

// ---- --list ----
//
// Per batch, two rounds: every container's config.v2.json; then, for those
// dockerd's record calls running, runc's state.json head and /proc/PID/stat.
constexpr size_t kStatSlot = 4096;  // a stat line is well under 1 KiB (comm is at most 64 bytes)

struct ListDirs {
  int config = -1, runc = -1, proc = -1;
};

class ListWorker {
 public:
  ListWorker(const ListDirs& dirs, size_t containers)
      : dirs_(dirs),
        configs_(dirs.config, 2 * kBatch, containers),
        runc_(std::make_unique_for_overwrite<char[]>(kBatch * kRuncHead)),
        stat_(std::make_unique_for_overwrite<char[]>(kBatch * kStatSlot)) {}

  // Containers ids[i] for i in [begin, end): running ones into out[i], flagged in running[i].
  void run(const std::vector<std::string>& ids, size_t begin, size_t end, std::vector<Target>& out,
           std::vector<char>& running) {
    for (size_t b = begin; b < end; b += kBatch) {
      const size_t n = std::min<size_t>(kBatch, end - b);
      read_configs(ids, b, n);
      check_runtime(ids, b, n, out, running);
    }
  }

 private:
  // dockerd's record: found_[k] when it calls the container running.
  void read_configs(const std::vector<std::string>& ids, size_t b, size_t n) {
    configs_.read(ids, b, n);
    for (size_t k = 0; k < n; ++k) {
      found_[k].reset();
      try {
        auto text = configs_.text(k);
        if (!text) continue;
        InspectResult r = parse_config_v2_brief(*text);
        // Not running by dockerd's own account: runc's state is not even read.
        if (r.state.running && r.target.pid > 0) found_[k] = std::move(r);
      } catch (const Error&) {
        // a damaged or vanishing entry is not a listing error
      }
    }
  }

  // runc's record and the live process must agree with dockerd's.
  void check_runtime(const std::vector<std::string>& ids, size_t b, size_t n, std::vector<Target>& out,
                     std::vector<char>& running) {
    reqs_.clear();
    for (size_t k = 0; k < n; ++k) {
      if (!found_[k]) continue;
      runc_path_[k] = ids[b + k] + "/state.json";
      reqs_.push_back({dirs_.runc, runc_path_[k].c_str(), {runc_.get() + k * kRuncHead, kRuncHead}});
      char* e = std::to_chars(stat_path_[k].data(), stat_path_[k].data() + 20, found_[k]->target.pid).ptr;
      std::memcpy(e, "/stat", 6);
      reqs_.push_back({dirs_.proc, stat_path_[k].data(), {stat_.get() + k * kStatSlot, kStatSlot}});
    }
    configs_.reader().read(reqs_);
    FileBuffer& whole = configs_.whole();
    for (size_t k = 0, q = 0; k < n; ++k) {
      if (!found_[k]) continue;
      const BatchReader::Request& st = reqs_[q++];
      const BatchReader::Request& stat = reqs_[q++];
      try {
        if (st.result < 0) continue;
        auto rs = runc_state_from_head({st.buf.data(), static_cast<size_t>(st.result)}, st.complete(),
                                       [&] { return full_text(st, whole, kMaxStateFile); });
        Target& t = found_[k]->target;
        if (!rs || t.pid != rs->init_pid) continue;
        // Alive, and the same process runc started (not a recycled PID)?
        auto line = full_text(stat, whole, 1 << 16);
        if (!line || parse_stat_start_time(*line) != rs->init_start) continue;
        t.start_time = rs->init_start;
        t.source = "docker on disk";
        out[b + k] = std::move(t);
        running[b + k] = 1;
      } catch (const Error&) {
        // a damaged or vanishing entry is not a listing error
      }
    }
  }

  ListDirs dirs_;
  ConfigReader configs_;
  std::unique_ptr<char[]> runc_, stat_;
  std::array<std::string, kBatch> runc_path_;
  std::array<std::array<char, 32>, kBatch> stat_path_;
  std::array<std::optional<InspectResult>, kBatch> found_;
  std::vector<BatchReader::Request> reqs_;
};

// Work split over this many threads once there are enough containers to pay for one.
constexpr size_t kThreads = 2;
constexpr size_t kPerThreadMin = 64;

// work(begin, end, thread index) over [0, n) in contiguous ascending ranges, the
// first on the calling thread; an exception from any of them is rethrown here.
template <typename F>
void for_each_parallel(size_t n, F&& work) {
  size_t threads = std::min(kThreads, std::max<size_t>(1, n / kPerThreadMin));
  if (threads <= 1) {
    work(size_t{0}, n, size_t{0});
    return;
  }
  size_t chunk = (n + threads - 1) / threads;
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> extra;
  // A new thread starts on its creator's CPU and, on a small VM that packs tasks
  // onto few vCPUs, may stay there behind it: start it on another one (it ends with
  // its share of the work, so its CPU set matters to nothing else).
  cpu_set_t ours, elsewhere;
  const bool spread = cpus_besides_this_one(&ours, &elsewhere);
  for (size_t t = 1; t < threads; ++t) {
    extra.emplace_back([&, t] {
      try {
        work(std::min(n, t * chunk), std::min(n, (t + 1) * chunk), t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
    if (spread) ::pthread_setaffinity_np(extra.back().native_handle(), sizeof elsewhere, &elsewhere);
  }
  try {
    work(size_t{0}, std::min(n, chunk), size_t{0});
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& th : extra) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::vector<Target> list_docker_disk(const DockerDiskLayout& layout) {
  std::vector<Target> out;
  Dir runc(layout.runc_root);
  if (!runc.d) {
    if (errno == ENOENT) return out;  // no runc state: nothing runs
    fail_errno("cannot list {}", layout.runc_root);
  }
  std::vector<std::string> ids = hex_entries(runc.d);
  Fd configs(::open((layout.data_root + "/containers").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  Fd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!configs || !proc) return out;  // no config.v2.json can be read: nothing to list

  // One slot per entry, filled in place by both threads and then compacted in
  // place: a Target is ~400 bytes, and every fresh page of a second array costs a
  // page fault (~15 us on a VM with shadow paging).
  out.resize(ids.size());
  std::vector<char> running(ids.size());
  const ListDirs dirs{configs.get(), runc.fd(), proc.get()};
  for_each_parallel(ids.size(), [&](size_t begin, size_t end, size_t) {
    ListWorker(dirs, end - begin).run(ids, begin, end, out, running);
  });
  size_t kept = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (running[i] && kept++ != i) out[kept - 1] = std::move(out[i]);
  out.resize(kept);
  return out;
}

Target resolve_via_docker_disk(const std::string& target, const DockerDiskLayout& layout) {
  const std::string dir = layout.data_root + "/containers";
  Dir containers(dir);
  if (!containers.d) fail_errno("cannot list {}", dir);
  const int dirfd = containers.fd();
  auto load = [&](const std::string& id) {
    std::string path = dir + "/" + id + "/config.v2.json";
    auto text = read_small_file(dirfd, (id + "/config.v2.json").c_str(), kMaxStateFile);
    if (!text) fail_errno("{}", path);
    try {
      return parse_config_v2(*text);
    } catch (const Error& e) {
      throw e.context(path);
    }
  };

  std::vector<std::string> ids = hex_entries(containers.d);
  std::optional<InspectResult> found;
  // Docker's order: full ID, then exact name, then unique ID prefix.
  if (std::find(ids.begin(), ids.end(), target) != ids.end()) found = load(target);
  if (!found) {
    // A cheap byte search finds the candidate files; only they are parsed, and the
    // full parse decides. The first match in directory order wins.
    const std::string needle = "\"Name\":\"/" + target + "\"";
    std::atomic<size_t> first_match{ids.size()};
    std::vector<std::optional<InspectResult>> matched(kThreads);
    std::vector<std::optional<Error>> failed(kThreads);
    for_each_parallel(ids.size(), [&](size_t begin, size_t end, size_t thread) {
      ConfigReader configs(dirfd, kBatch, end - begin);
      for (size_t b = begin; b < end && b < first_match.load(std::memory_order_relaxed); b += kBatch) {
        const size_t n = std::min<size_t>(kBatch, end - b);
        configs.read(ids, b, n);
        for (size_t k = 0; k < n; ++k) {
          auto text = configs.text(k);
          if (!text || !::memmem(text->data(), text->size(), needle.data(), needle.size())) continue;
          try {
            InspectResult r = parse_config_v2(*text);
            if (r.target.name != target) continue;
            matched[thread] = std::move(r);
          } catch (const Error& e) {
            // a damaged candidate ends the search, as a match does
            failed[thread] = e.context(dir + "/" + configs.path(k));
          }
          size_t seen = first_match.load();
          while (b + k < seen && !first_match.compare_exchange_weak(seen, b + k)) {
          }
          return;
        }
      }
    });
    // Threads scan disjoint ranges in ascending order, so the lowest thread with a
    // decisive file has the first one in directory order.
    for (size_t t = 0; t < kThreads; ++t) {
      if (failed[t]) throw *failed[t];
      if (matched[t]) {
        found = std::move(matched[t]);
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
      fail_ambiguous("ID prefix '{}' is ambiguous: it matches {}", target, joined);
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
  FileBuffer buf;
  std::optional<RuncState> runc;
  try {
    runc = read_runc_state(AT_FDCWD, runc_path.c_str(), buf);
  } catch (const Error& e) {
    throw e.context(runc_path);
  }
  if (runc) {
    const RuncState& rs = *runc;
    if (rs.init_pid != t.pid)
      fail("{}: engine state says pid {}, runc says {} (stale state; is the container still running?)", who, t.pid,
           rs.init_pid);
    t.start_time = rs.init_start;
    t.source = fmt::format("docker on disk ({}, {})", dir, runc_path);
  } else {
    // No runc state (another runtime, or another containerd namespace than the
    // layout's): containerd's task directory must name the process.
    BundleSearch search = search_docker_bundle(layout, t.id, t.pid);
    if (search.dir.empty()) {
      if (!search.any_state)
        fail("{}: no runtime state ({} nor a task directory: {}): the container is not running (stale engine state)",
             who, runc_path, join_looked(search.looked));
      fail("{}: engine state says pid {}, but no runtime state agrees ({} absent; {}) (stale state)", who, t.pid,
           runc_path, join_looked(search.looked));
    }
    t.bundle = search.dir;
    t.source = fmt::format("docker on disk ({}, {})", dir, search.pid_path);
  }
  return t;
}

}  // namespace ctrdbg
