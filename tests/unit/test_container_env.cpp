// build_environment / working_directory: the command's env and cwd, as docker exec builds them.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctrdbg/container_env.hpp"
#include "ctrdbg/target.hpp"

using ctrdbg::build_environment;
using ctrdbg::EnvRequest;
using ctrdbg::Target;
using ctrdbg::working_directory;
using Env = std::vector<std::string>;

namespace {

const std::string kDefaultPathWithTools =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/.ctrdbg/bin";

Target make_target(Env env, std::string hostname = "3f2a1b2c3d4e") {
  Target t;
  t.engine = "docker";
  t.id = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
  t.name = "web";
  t.pid = 4242;
  t.env = std::move(env);
  t.hostname = std::move(hostname);
  return t;
}

// A fake host environment; every lookup is recorded.
struct FakeHost {
  std::map<std::string, std::string> vars;
  std::vector<std::string> asked;
  std::function<std::optional<std::string>(const std::string&)> fn() {
    return [this](const std::string& key) -> std::optional<std::string> {
      asked.push_back(key);
      auto it = vars.find(key);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

}  // namespace

TEST_CASE("env: container env kept in order, PATH extended, defaults appended") {
  Target t = make_target({"PATH=/usr/bin:/bin", "NGINX_VERSION=1.25.5", "LANG=C.UTF-8"});
  EnvRequest req;
  CHECK(build_environment(t, req) == Env{"PATH=/usr/bin:/bin:/.ctrdbg/bin", "NGINX_VERSION=1.25.5", "LANG=C.UTF-8",
                                         "HOSTNAME=3f2a1b2c3d4e", "HOME=/root"});
}

TEST_CASE("env: default PATH when the container has none") {
  Target t = make_target({"A=1"});
  Env env = build_environment(t, EnvRequest{});
  CHECK(env == Env{"A=1", kDefaultPathWithTools, "HOSTNAME=3f2a1b2c3d4e", "HOME=/root"});
}

TEST_CASE("env: an empty container PATH becomes just the toolset") {
  Target t = make_target({"PATH="});
  CHECK(build_environment(t, EnvRequest{}).front() == "PATH=/.ctrdbg/bin");
}

TEST_CASE("env: HOSTNAME and HOME from the container are kept") {
  Target t = make_target({"HOME=/home/app", "HOSTNAME=custom"});
  Env env = build_environment(t, EnvRequest{});
  CHECK(env == Env{"HOME=/home/app", "HOSTNAME=custom", kDefaultPathWithTools});
}

TEST_CASE("env: no HOSTNAME without a configured hostname") {
  Target t = make_target({}, "");
  CHECK(build_environment(t, EnvRequest{}) == Env{kDefaultPathWithTools, "HOME=/root"});
}

TEST_CASE("env: TERM only with a tty") {
  Target t = make_target({});
  FakeHost host;
  host.vars["TERM"] = "screen-256color";

  EnvRequest no_tty;
  no_tty.host_getenv = host.fn();
  Env env = build_environment(t, no_tty);
  for (const auto& kv : env) CHECK_FALSE(kv.starts_with("TERM="));

  EnvRequest tty;
  tty.tty = true;
  tty.host_getenv = host.fn();
  CHECK(build_environment(t, tty).back() == "TERM=screen-256color");

  // The host has no TERM (or an empty one): xterm.
  FakeHost bare;
  tty.host_getenv = bare.fn();
  CHECK(build_environment(t, tty).back() == "TERM=xterm");
  bare.vars["TERM"] = "";
  CHECK(build_environment(t, tty).back() == "TERM=xterm");
  // No lookup function at all.
  tty.host_getenv = nullptr;
  CHECK(build_environment(t, tty).back() == "TERM=xterm");
}

TEST_CASE("env: a TERM configured in the container wins over the host's") {
  Target t = make_target({"TERM=linux"});
  FakeHost host;
  host.vars["TERM"] = "xterm-kitty";
  EnvRequest tty;
  tty.tty = true;
  tty.host_getenv = host.fn();
  Env env = build_environment(t, tty);
  CHECK(env.front() == "TERM=linux");
  CHECK(std::count_if(env.begin(), env.end(), [](const std::string& kv) { return kv.starts_with("TERM="); }) == 1);
}

TEST_CASE("env: ENV=/.ctrdbg/rc only for the default shell") {
  Target t = make_target({"ENV=/etc/profile.d/app.sh"});
  EnvRequest cmd;
  Env with_cmd = build_environment(t, cmd);
  CHECK(with_cmd.front() == "ENV=/etc/profile.d/app.sh");

  EnvRequest shell;
  shell.default_shell = true;
  Env with_shell = build_environment(t, shell);
  CHECK(with_shell.front() == "ENV=/.ctrdbg/rc");  // replaced in place
  CHECK(std::count_if(with_shell.begin(), with_shell.end(),
                      [](const std::string& kv) { return kv.starts_with("ENV="); }) == 1);

  Target plain = make_target({});
  CHECK(build_environment(plain, shell).back() == "ENV=/.ctrdbg/rc");
  for (const auto& kv : build_environment(plain, cmd)) CHECK_FALSE(kv.starts_with("ENV="));
}

TEST_CASE("env: -e KEY=VAL overrides in place or appends") {
  Target t = make_target({"PATH=/bin", "A=old", "B=keep"});
  EnvRequest req;
  req.overrides = {"A=new", "C=added", "HOME=/srv", "EMPTY="};
  CHECK(build_environment(t, req) ==
        Env{"PATH=/bin:/.ctrdbg/bin", "A=new", "B=keep", "HOSTNAME=3f2a1b2c3d4e", "HOME=/srv", "C=added", "EMPTY="});
}

TEST_CASE("env: -e values may contain '='; later -e wins") {
  Target t = make_target({});
  EnvRequest req;
  req.overrides = {"X=a=b", "Y=1", "Y=2"};
  Env env = build_environment(t, req);
  CHECK(std::find(env.begin(), env.end(), "X=a=b") != env.end());
  CHECK(std::find(env.begin(), env.end(), "Y=2") != env.end());
  CHECK(std::find(env.begin(), env.end(), "Y=1") == env.end());
}

TEST_CASE("env: -e PATH= replaces the extended PATH, -e beats the defaults") {
  Target t = make_target({});
  EnvRequest req;
  req.tty = true;
  req.default_shell = true;
  req.overrides = {"PATH=/only", "TERM=dumb", "ENV=/mine", "HOSTNAME=h"};
  Env env = build_environment(t, req);
  CHECK(env == Env{"PATH=/only", "HOSTNAME=h", "HOME=/root", "TERM=dumb", "ENV=/mine"});
}

TEST_CASE("env: -e KEY takes the host value, or nothing when the host has none") {
  Target t = make_target({"A=container"});
  FakeHost host;
  host.vars["A"] = "host-a";
  host.vars["B"] = "host-b";
  host.vars["EMPTY"] = "";
  EnvRequest req;
  req.overrides = {"A", "B", "MISSING", "EMPTY"};
  req.host_getenv = host.fn();
  Env env = build_environment(t, req);
  CHECK(env == Env{"A=host-a", kDefaultPathWithTools, "HOSTNAME=3f2a1b2c3d4e", "HOME=/root", "B=host-b", "EMPTY="});
  for (const auto& kv : env) CHECK_FALSE(kv.starts_with("MISSING"));
  CHECK(std::find(host.asked.begin(), host.asked.end(), "MISSING") != host.asked.end());

  // -e KEY unset on the host leaves the container's own value alone.
  Target c = make_target({"MISSING=from-container"});
  Env kept = build_environment(c, req);
  CHECK(kept.front() == "MISSING=from-container");

  // Without a lookup function, -e KEY adds nothing.
  EnvRequest no_host;
  no_host.overrides = {"B"};
  for (const auto& kv : build_environment(t, no_host)) CHECK_FALSE(kv.starts_with("B="));
}

TEST_CASE("env: the host environment is not consulted without a reason") {
  Target t = make_target({});
  FakeHost host;
  host.vars["TERM"] = "xterm-256color";
  host.vars["A"] = "1";
  EnvRequest req;
  req.host_getenv = host.fn();
  req.overrides = {"A=2"};
  build_environment(t, req);
  CHECK(host.asked.empty());  // no tty, no bare -e KEY: nothing leaks from the host
}

TEST_CASE("env: duplicates in the container env collapse, last value wins") {
  Target t = make_target({"A=1", "B=x", "A=2", "PATH=/a", "PATH=/b"});
  Env env = build_environment(t, EnvRequest{});
  CHECK(env == Env{"A=2", "B=x", "PATH=/b:/.ctrdbg/bin", "HOSTNAME=3f2a1b2c3d4e", "HOME=/root"});
}

TEST_CASE("env: malformed container entries are dropped") {
  Target t = make_target({"NOEQUALS", "=nokey", "OK=1"});
  Env env = build_environment(t, EnvRequest{});
  CHECK(env == Env{"OK=1", kDefaultPathWithTools, "HOSTNAME=3f2a1b2c3d4e", "HOME=/root"});
}

TEST_CASE("env: keys match whole names, not prefixes") {
  Target t = make_target({"PATHX=/x", "HOMEDIR=/h", "PATH_EXTRA=1"});
  Env env = build_environment(t, EnvRequest{});
  CHECK(env == Env{"PATHX=/x", "HOMEDIR=/h", "PATH_EXTRA=1", kDefaultPathWithTools, "HOSTNAME=3f2a1b2c3d4e",
                   "HOME=/root"});
}

TEST_CASE("working_directory: -w, else WorkingDir, else /") {
  Target t = make_target({});
  CHECK(working_directory(t, std::nullopt) == "/");
  t.working_dir = "/usr/share/nginx/html";
  CHECK(working_directory(t, std::nullopt) == "/usr/share/nginx/html");
  CHECK(working_directory(t, std::string("/srv")) == "/srv");
  Target empty = make_target({});
  CHECK(working_directory(empty, std::string("/tmp")) == "/tmp");
}

TEST_CASE("env: HOME is the user's (-u, --as-container) unless the container sets it") {
  EnvRequest req;
  req.home = "/home/app";
  auto env = build_environment(make_target({"A=1"}), req);
  CHECK(std::find(env.begin(), env.end(), "HOME=/home/app") != env.end());
  env = build_environment(make_target({"HOME=/srv"}), req);
  CHECK(std::find(env.begin(), env.end(), "HOME=/srv") != env.end());
  CHECK(std::find(env.begin(), env.end(), "HOME=/home/app") == env.end());
}

TEST_CASE("env: --privileged finds the toolset first and keeps no shell history file") {
  Target t = make_target({"PATH=/usr/bin:/bin"});
  EnvRequest req;
  req.toolset_first = true;
  Env env = build_environment(t, req);
  CHECK(env.front() == "PATH=/.ctrdbg/bin:/usr/bin:/bin");
  CHECK(std::none_of(env.begin(), env.end(), [](const std::string& kv) { return kv.starts_with("HISTFILE="); }));
  req.default_shell = true;
  env = build_environment(t, req);
  CHECK(std::count(env.begin(), env.end(), "HISTFILE=") == 1);
  CHECK(std::count(env.begin(), env.end(), "ENV=/.ctrdbg/rc") == 1);
  // The default profile keeps the container's binaries first, and its history.
  req.toolset_first = false;
  env = build_environment(t, req);
  CHECK(env.front() == "PATH=/usr/bin:/bin:/.ctrdbg/bin");
  CHECK(std::none_of(env.begin(), env.end(), [](const std::string& kv) { return kv.starts_with("HISTFILE="); }));
  // No container PATH: the toolset, then the usual default.
  req.toolset_first = true;
  CHECK(build_environment(make_target({}), req).front() ==
        "PATH=/.ctrdbg/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  // -e still wins.
  req.overrides = {"HISTFILE=/tmp/h"};
  env = build_environment(t, req);
  CHECK(std::count(env.begin(), env.end(), "HISTFILE=/tmp/h") == 1);
}
