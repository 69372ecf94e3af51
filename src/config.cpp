#include "ctrdbg/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ctrdbg/cli.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

constexpr const char* kDefaultPath = "/etc/ctrdbg/config.json";
// A config file is a few hundred bytes; anything this large is not one.
constexpr size_t kMaxConfigBytes = 1 << 20;

// Walks one JSON object, handing each known key to its reader and refusing the rest.
class Section {
 public:
  Section(const json& obj, std::string where, const std::string& path) : obj_(obj), where_(std::move(where)), path_(path) {
    if (!obj_.is_object()) fail("{}: {} must be an object", path_, where_.empty() ? "the file" : where_);
  }
  [[noreturn]] void wrong(const std::string& key, const char* expected) const {
    fail("{}: \"{}\" must be {}", path_, name(key), expected);
  }
  std::string name(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }
  const json* get(const std::string& key) {
    seen_.push_back(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }
  std::optional<std::string> string(const std::string& key) {
    const json* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) wrong(key, "a non-empty string");
    return v->get<std::string>();
  }
  std::optional<std::string> absolute_path(const std::string& key) {
    auto v = string(key);
    if (v && (*v)[0] != '/') wrong(key, "an absolute path");
    return v;
  }
  void finish() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it)
      if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end())
        fail("{}: unknown key \"{}\"", path_, name(it.key()));
  }

 private:
  const json& obj_;
  std::string where_;
  const std::string& path_;
  std::vector<std::string> seen_;
};

// The toolset's directory is made in the session root and covers whatever the
// container has at that name (README: "A /.ctrdbg the image itself has is hidden").
// So it must never be a name the container or the command needs: /proc, /etc, /dev,
// /tmp, "/" itself. A leading dot keeps it out of every standard layout (no FHS or
// distribution directory has one, as the default /.ctrdbg); one component only, of
// plain characters and bounded, so it names exactly one entry of the session root
// and nothing is made below a directory of the container.
bool valid_mount_dir(std::string_view dir) {
  constexpr size_t kMaxName = 64;
  if (dir.size() < 3 || dir[0] != '/' || dir[1] != '.') return false;
  std::string_view name = dir.substr(1);
  if (name.size() > kMaxName || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace

Config parse_config(std::string_view text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    fail("{}: not valid JSON (byte {})", path, e.byte);
  } catch (const json::exception& e) {
    // e.g. a number too large for a double ("1e400")
    fail("{}: not valid JSON ({})", path, e.what());
  }
  Config c;
  c.path = path;
  Section top(doc, "", path);
  if (const json* t = top.get("toolset")) {
    Section s(*t, "toolset", path);
    c.busybox = s.absolute_path("busybox");
    if (auto image = s.string("image")) c.image = *image;
    if (auto image = s.string("tools_image")) c.tools_image = *image;
    if (const json* tools = s.get("tools")) {
      if (!tools->is_array()) s.wrong("tools", "an array of tool names or absolute paths");
      for (const auto& v : *tools) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
            (v.get_ref<const std::string&>().find('/') != std::string::npos && v.get_ref<const std::string&>()[0] != '/'))
          s.wrong("tools", "an array of tool names or absolute paths");
        c.tools.push_back(v.get<std::string>());
      }
    }
    if (const json* b = s.get("bash_static")) {
      if (!b->is_boolean()) s.wrong("bash_static", "true or false");
      c.bash_static = b->get<bool>();
    }
    s.finish();
  }
  if (const json* d = top.get("docker")) {
    Section s(*d, "docker", path);
    c.docker_socket = s.absolute_path("socket");
    c.docker_root = s.absolute_path("data_root");
    c.docker_exec_root = s.absolute_path("exec_root");
    if (auto timeout = s.string("timeout")) {
      try {
        c.timeout = parse_duration(*timeout);
      } catch (const Error& e) {
        fail("{}: \"docker.timeout\": {}", path, e.what());
      }
    }
    s.finish();
  }
  if (const json* dir = top.get("mount_dir")) {
    if (!dir->is_string() || !valid_mount_dir(dir->get_ref<const std::string&>()))
      top.wrong("mount_dir", "a single top-level directory whose name starts with a dot, e.g. /.ctrdbg");
    c.mount_dir = dir->get<std::string>();
  }
  if (auto socket = top.absolute_path("audit_socket")) c.audit_socket = *socket;
  top.finish();
  return c;
}

Config load_config(const char* env_path) {
  bool explicit_path = env_path && *env_path;
  std::string path = explicit_path ? env_path : kDefaultPath;
  // Named after where the path came from, so a stray CTRDBG_CONFIG is recognised.
  const std::string what = explicit_path ? "CTRDBG_CONFIG " + path : "config file " + path;
  // O_NONBLOCK: a fifo named as the config file would otherwise hold ctrdbg in
  // open() until some writer came along, before it has said a word. Only a regular
  // file is read; a fifo, a device or a directory is refused by its type.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT && !explicit_path) return Config{};
    fail_errno("{}", what);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) fail_errno("{}", what);
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file ({})", what, file_type_name(st.st_mode));
  auto text = read_regular_file(fd.get(), kMaxConfigBytes);
  if (!text) {
    if (errno == EFBIG) fail("{}: larger than {} bytes", what, kMaxConfigBytes);
    fail_errno("{}", what);
  }
  return parse_config(*text, path);
}

}  // namespace ctrdbg
