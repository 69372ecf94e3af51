#include "ctrdbg/container_env.hpp"

#include <algorithm>


namespace ctrdbg {
namespace {

// Ordered KEY=VAL list where a later set() replaces an earlier value in place.
class EnvList {
 public:
  void set(const std::string& kv) {
    std::string key = kv.substr(0, kv.find('='));
    auto it = std::find_if(vars_.begin(), vars_.end(), [&](const std::string& e) {
      return e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=';
    });
    if (it != vars_.end()) *it = kv;
    else vars_.push_back(kv);
  }
  std::optional<std::string> get(const std::string& key) const {
    for (const auto& e : vars_)
      if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
        return e.substr(key.size() + 1);
    return std::nullopt;
  }
  void set_default(const std::string& key, const std::string& value) {
    if (!get(key)) set(key + "=" + value);
  }
  std::vector<std::string> take() { return std::move(vars_); }

 private:
  std::vector<std::string> vars_;
};

}  // namespace

std::vector<std::string> build_environment(const Target& target, const EnvRequest& req) {
  EnvList env;
  for (const auto& kv : target.env)
    if (kv.find('=') != std::string::npos && kv.front() != '=') env.set(kv);

  std::string path = env.get("PATH").value_or(kDefaultPath);
  const std::string bin = req.tool_dir + "/bin" + (req.image_bin ? ":" + req.tool_dir + "/ibin" : "");
  if (path.empty())
    env.set("PATH=" + bin);
  else
    env.set("PATH=" + (req.toolset_first ? bin + ":" + path : path + ":" + bin));
  if (req.host_bin) env.set("PATH=" + req.tool_dir + "/hbin:" + *env.get("PATH"));
  if (!target.hostname.empty()) env.set_default("HOSTNAME", target.hostname);
  env.set_default("HOME", req.home.empty() ? "/" : req.home);
  if (req.tty) {
    auto term = req.host_getenv ? req.host_getenv("TERM") : std::nullopt;
    env.set_default("TERM", term && !term->empty() ? *term : "xterm");
  }
  if (req.default_shell) env.set("ENV=" + req.tool_dir + "/rc");
  if (req.default_shell && req.toolset_first) env.set("HISTFILE=");

  for (const auto& kv : req.overrides) {
    if (kv.find('=') != std::string::npos) {
      env.set(kv);
    } else if (auto value = req.host_getenv ? req.host_getenv(kv) : std::nullopt) {
      env.set(kv + "=" + *value);
    }
  }
  return env.take();
}

std::string working_directory(const Target& target, const std::optional<std::string>& flag) {
  if (flag) return *flag;
  if (!target.working_dir.empty()) return target.working_dir;
  return "/";
}

}  // namespace ctrdbg
