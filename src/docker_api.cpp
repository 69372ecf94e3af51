#include "ctrdbg/docker_api.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"
#include "ctrdbg/http.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

const json& member(const json& obj, const char* key, const char* where) {
  if (!obj.is_object()) throw Error(fmt::format("{}: not a JSON object", where));
  auto it = obj.find(key);
  if (it == obj.end()) throw Error(fmt::format("{}: missing \"{}\"", where, key));
  return *it;
}

std::string string_or_empty(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// A boolean member, false when absent; any other type is a broken answer (json::value()
// would throw nlohmann's type_error instead: a fuzz finding).
bool bool_or_false(const json& obj, const char* key, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw Error(fmt::format("{}: \"{}\" is not a boolean", where, key));
  return it->get<bool>();
}

// Only characters a container name or ID can hold go into the request path.
bool valid_reference(const std::string& s) {
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

std::string docker_socket_path(const char* docker_host) {
  if (docker_host == nullptr || *docker_host == '\0') return "/var/run/docker.sock";
  std::string_view host = docker_host;
  if (host.starts_with("unix://") && host.size() > 7) return std::string(host.substr(7));
  throw Error(fmt::format("DOCKER_HOST={}: only unix:// sockets are supported (ctrdbg works on the local host)",
                          host));
}

InspectResult parse_container_inspect(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw Error("container inspect answer is not valid JSON");
  const char* where = "container inspect answer";
  InspectResult out;
  Target& t = out.target;
  t.engine = "docker";
  const json& id = member(doc, "Id", where);
  if (!id.is_string() || id.get<std::string>().size() != 64) throw Error("container inspect answer: bad \"Id\"");
  t.id = id.get<std::string>();
  // Docker names every container ("/web"): an answer without a name is no container's.
  const json& name = member(doc, "Name", where);
  if (!name.is_string()) throw Error("container inspect answer: bad \"Name\"");
  t.name = name.get<std::string>();
  if (t.name.starts_with('/')) t.name.erase(0, 1);
  if (t.name.empty()) throw Error("container inspect answer: empty \"Name\"");

  const json& state = member(doc, "State", where);
  if (!state.is_object()) throw Error("container inspect answer: \"State\" is not an object");
  out.state.status = string_or_empty(state, "Status");
  out.state.running = bool_or_false(state, "Running", "container inspect answer: State");
  out.state.paused = bool_or_false(state, "Paused", "container inspect answer: State");
  out.state.restarting = bool_or_false(state, "Restarting", "container inspect answer: State");
  auto pid = state.find("Pid");
  if (pid == state.end() || !pid->is_number_integer()) throw Error("container inspect answer: bad \"State.Pid\"");
  out.state.pid = pid->get<long>();
  if (out.state.pid < 0 || out.state.pid > kPidMaxLimit)
    throw Error(fmt::format("container inspect answer: implausible State.Pid {}", out.state.pid));
  t.pid = static_cast<pid_t>(out.state.pid);

  auto config = doc.find("Config");
  if (config != doc.end()) read_container_config(*config, t);
  // Only -u uses GroupAdd: a malformed one must not fail every session. Left unknown,
  // -u reads it from hostconfig.json instead (and names that file if it is bad too).
  auto host_config = doc.find("HostConfig");
  if (host_config == doc.end() || !host_config->is_object()) {
    t.group_add = std::vector<std::string>{};
  } else {
    try {
      t.group_add = read_group_add(*host_config, where);
    } catch (const Error&) {
      t.group_add.reset();
    }
  }
  return out;
}

std::vector<std::string> read_group_add(const nlohmann::json& host_config, const char* where) {
  std::vector<std::string> out;
  auto groups = host_config.find("GroupAdd");
  if (groups == host_config.end() || groups->is_null()) return out;
  if (!groups->is_array()) throw Error(fmt::format("{}: \"HostConfig.GroupAdd\" is not an array", where));
  for (const auto& g : *groups) {
    if (!g.is_string()) throw Error(fmt::format("{}: \"HostConfig.GroupAdd\" holds a non-string", where));
    out.push_back(g.get<std::string>());
  }
  return out;
}

void read_container_config(const nlohmann::json& config, Target& t) {
  if (!config.is_object()) return;
  auto env = config.find("Env");
  if (env != config.end() && env->is_array())
    for (const auto& e : *env)
      if (e.is_string()) t.env.push_back(e.get<std::string>());
  t.working_dir = string_or_empty(config, "WorkingDir");
  t.user = string_or_empty(config, "User");
  t.hostname = string_or_empty(config, "Hostname");
  t.image = string_or_empty(config, "Image");
}

std::string api_version_from_ping(const std::string& value) {
  // Accept "1.41"-shaped versions only; anything else means "use the unversioned path".
  size_t dot = value.find('.');
  if (value.size() > 8 || dot == std::string::npos || dot == 0 || dot + 1 == value.size()) return "";
  for (size_t i = 0; i < value.size(); ++i)
    if (i != dot && !std::isdigit(static_cast<unsigned char>(value[i]))) return "";
  return value;
}

std::vector<std::string> containers_with_prefix(std::string_view list_json, std::string_view prefix) {
  json doc = json::parse(list_json, nullptr, false);
  if (!doc.is_array()) throw Error("container list answer is not a JSON array");
  std::vector<std::string> out;
  for (const auto& c : doc) {
    if (!c.is_object()) continue;
    std::string id = string_or_empty(c, "Id");
    if (!id.starts_with(prefix)) continue;
    std::string name;
    auto names = c.find("Names");
    if (names != c.end() && names->is_array() && !names->empty() && (*names)[0].is_string())
      name = (*names)[0].get<std::string>();
    if (name.starts_with('/')) name.erase(0, 1);
    out.push_back(name.empty() ? id.substr(0, 12) : fmt::format("{} ({})", id.substr(0, 12), name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string api_error_message(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("message") && doc["message"].is_string())
    return doc["message"].get<std::string>();
  std::string raw(body.substr(0, 200));
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.pop_back();
  return raw;
}

Target resolve_via_docker_api(const std::string& target, const std::string& socket_path,
                              std::chrono::milliseconds timeout, const std::function<void()>& while_waiting) {
  if (!valid_reference(target))
    fail("'{}' is not a container name or ID (allowed: letters, digits, '_', '.', '-')", target);
  auto deadline = UnixHttpClient::Clock::now() + timeout;
  std::string version;
  HttpResponse inspect, list;
  // Everything that can go wrong while *talking* to the engine means it could not
  // be asked: EngineUnavailable, so the caller may turn to the on-disk state.
  try {
    // One round trip: /_ping and the inspect are pipelined. The inspect uses the
    // unversioned path, which the daemon serves at its own API version — the
    // version /_ping reports, and what negotiating against it would give, since
    // ctrdbg has no maximum of its own (a pinned version is what broke
    // docker-debug on older daemons).
    UnixHttpClient client(socket_path, deadline);
    client.send_get("/_ping");
    client.send_get("/containers/" + target + "/json");
    client.flush();
    if (while_waiting) while_waiting();
    HttpResponse ping = client.receive();
    if (ping.status != 200)
      fail("{} answered /_ping with HTTP {}: {}", socket_path, ping.status, api_error_message(ping.body));
    auto v = ping.headers.find("api-version");
    version = api_version_from_ping(v == ping.headers.end() ? "" : v->second);
    std::string prefix = version.empty() ? "" : "/v" + version;
    inspect = client.receive();
    // dockerd 20.10 answers an ambiguous prefix with HTTP 500 "Multiple IDs found
    // with provided prefix": a definitive answer, not a broken engine.
    std::string message = inspect.status == 200 ? "" : api_error_message(inspect.body);
    std::string lowered = message;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lowered.find("multiple ids") != std::string::npos || lowered.find("ambiguous") != std::string::npos)
      list = client.get(prefix + "/containers/json?all=1");
    else if (inspect.status >= 500)
      fail("{} answered HTTP {}: {}", socket_path, inspect.status, message);
  } catch (const Error& e) {
    if (timeout.count() > 0 && UnixHttpClient::Clock::now() >= deadline)
      throw EngineUnavailable(fmt::format("docker API: no answer from {} within {} ms", socket_path, timeout.count()));
    throw EngineUnavailable(fmt::format("docker API: {}", e.what()));
  }

  // An answer that is no answer — a 200 whose body is not a container (not JSON; no
  // Id, Name or State.Pid, or of the wrong types), or a status the inspect never
  // has — says nothing about the container: the engine could not be asked after
  // all (a proxy in the way, a daemon half-broken), so the caller may read the
  // on-disk state. Only a well-formed answer is final.
  std::optional<InspectResult> inspected;
  if (inspect.status == 200) {
    try {
      inspected = parse_container_inspect(inspect.body);
    } catch (const Error& e) {
      throw EngineUnavailable(fmt::format("docker API: broken answer from {}: {}", socket_path, e.what()));
    }
  } else if (inspect.status < 400 && list.status == 0) {
    throw EngineUnavailable(fmt::format("docker API: broken answer from {}: HTTP {} to a container inspect",
                                        socket_path, inspect.status));
  }

  // The engine answered: what it says is final.
  try {
    if (inspected) {
      InspectResult& r = *inspected;
      r.target.source = fmt::format("docker API ({}, API {})", socket_path, version.empty() ? "unknown" : version);
      const std::string who = fmt::format("container {}", r.target.display());
      if (r.state.paused) fail("{} is paused; resume it first (docker unpause {})", who, r.target.name);
      if (r.state.restarting) fail("{} is restarting; try again once it is up", who);
      if (!r.state.running || r.target.pid <= 0)
        fail("{} is not running (status: {})", who, r.state.status.empty() ? "unknown" : r.state.status);
      return r.target;
    }
    std::string message = api_error_message(inspect.body);
    if (list.status != 0) {
      std::vector<std::string> matches;
      if (list.status == 200) matches = containers_with_prefix(list.body, target);
      std::string joined;
      for (const auto& m : matches) joined += (joined.empty() ? "" : ", ") + m;
      fail_ambiguous("ID prefix '{}' is ambiguous: it matches {}", target, joined.empty() ? message : joined);
    }
    if (inspect.status == 404) fail("no container named '{}' or with an ID starting with it", target);
    fail("engine at {} answered HTTP {}: {}", socket_path, inspect.status, message);
  } catch (const Error& e) {
    rethrow_in_context(e, "docker");  // an ambiguity stays an AmbiguousTarget
  }
}

}  // namespace ctrdbg
