#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/error.hpp"

#include "unit_helpers.hpp"

using namespace ctrdbg;
namespace fs = std::filesystem;

namespace {

const std::string kId = "2ad190ef0c10e4591d04220d07f2cd70d3c102c4b34713c639bd57f71873e846";

std::string config_v2(const std::string& id, const std::string& name, bool running, long pid,
                      const std::string& extra_state = "") {
  return R"({"StreamConfig":{},"State":{"Running":)" + std::string(running ? "true" : "false") +
         R"(,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":)" + std::to_string(pid) +
         extra_state + R"(,"ExitCode":0,"StartedAt":"2026-11-30T05:43:51.809176512Z"},"ID":")" + id +
         R"(","Config":{"Hostname":"2ad190ef0c10","User":"","Env":["PATH=/usr/bin:/bin","A=1"],"Cmd":["sleep"],)"
         R"("Image":"nginx:1.25","WorkingDir":"/srv","Labels":{"note":"\"Name\":\"/decoy\""}},)"
         R"("Image":"sha256:d9013cc6","NetworkSettings":{},"Name":"/)" + name + R"(","Driver":"overlay2"})";
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A data-root + runc root in a temp dir, for resolve_via_docker_disk.
struct FakeDocker {
  unit::ScratchDir scratch{"docker"};
  fs::path root = scratch.path;
  DockerDiskLayout layout;
  FakeDocker() {
    layout.data_root = (root / "data").string();
    layout.runc_root = (root / "runc").string();
    layout.task_roots = {(root / "tasks").string()};
    fs::create_directories(root / "data/containers");
  }
  void add(const std::string& id, const std::string& name, bool running, long pid) {
    write(root / "data/containers" / id / "config.v2.json", config_v2(id, name, running, pid));
  }
  void runc(const std::string& id, long pid, unsigned long long start) {
    write(root / "runc" / id / "state.json",
          R"({"id":")" + id + R"(","init_process_pid":)" + std::to_string(pid) +
              R"(,"init_process_start":)" + std::to_string(start) + "}");
  }
};

std::string id_with(char first, char fill = '0') {
  std::string id(64, fill);
  id[0] = first;
  return id;
}

}  // namespace

TEST_CASE("parse_config_v2 reads what docker inspect would say") {
  auto r = parse_config_v2(config_v2(kId, "web", true, 2768));
  CHECK(r.target.id == kId);
  CHECK(r.target.name == "web");
  CHECK(r.target.pid == 2768);
  CHECK(r.state.running);
  CHECK(r.state.status == "running");
  CHECK(r.target.image == "nginx:1.25");
  CHECK(r.target.working_dir == "/srv");
  CHECK(r.target.hostname == "2ad190ef0c10");
  REQUIRE(r.target.env.size() == 2);
  CHECK(r.target.env[1] == "A=1");
  CHECK(parse_config_v2(config_v2(kId, "web", false, 0)).state.status == "exited");
}

TEST_CASE("parse_config_v2 rejects damaged files with the reason") {
  CHECK_THROWS_WITH_AS(parse_config_v2("{\"State\":"), "not a JSON object", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2("[]"), "not a JSON object", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2(R"({"ID":"abc","State":{"Pid":1}})"), "bad \"ID\"", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2(R"({"ID":")" + kId + R"("})"), "missing \"State\"", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2(R"({"ID":")" + kId + R"(","State":{"Pid":"7"}})"), "bad \"State.Pid\"",
                       Error);
  CHECK_THROWS_WITH_AS(parse_config_v2(R"({"ID":")" + kId + R"(","State":{"Pid":-4}})"),
                       "implausible \"State.Pid\"", Error);
  // Truncated at every length: an error, never a crash.
  std::string whole = config_v2(kId, "web", true, 1);
  for (size_t n = 0; n < whole.size(); n += 7) CHECK_THROWS_AS(parse_config_v2(whole.substr(0, n)), Error);
}

TEST_CASE("parse_hostconfig_group_add: docker run --group-add, as hostconfig.json keeps it") {
  CHECK(parse_hostconfig_group_add(R"({"Binds":null,"GroupAdd":["audio","4242"],"Privileged":false})") ==
        std::vector<std::string>{"audio", "4242"});
  CHECK(parse_hostconfig_group_add(R"({"GroupAdd":null})").empty());
  CHECK(parse_hostconfig_group_add(R"({"Binds":null})").empty());
  CHECK_THROWS_WITH_AS(parse_hostconfig_group_add("[1]"), doctest::Contains("not a JSON object"), Error);
  CHECK_THROWS_WITH_AS(parse_hostconfig_group_add(R"({"GroupAdd":{"a":1}})"), doctest::Contains("not an array"), Error);
}

TEST_CASE("parse_runc_state takes the init PID and its start time") {
  auto s = parse_runc_state(R"({"id":"x","init_process_pid":2768,"init_process_start":8895,"created":"t"})");
  CHECK(s.init_pid == 2768);
  CHECK(s.init_start == 8895);
  CHECK(parse_runc_state(R"({"init_process_pid":5,"init_process_start":"123"})").init_start == 123);
  CHECK_THROWS_AS(parse_runc_state(R"({"init_process_pid":0,"init_process_start":1})"), Error);
  CHECK_THROWS_AS(parse_runc_state(R"({"init_process_pid":5})"), Error);
  CHECK_THROWS_AS(parse_runc_state(R"({"init_process_pid":5,"init_process_start":"12x"})"), Error);
  CHECK_THROWS_AS(parse_runc_state("{\"init_process_pid\":5,"), Error);
}

TEST_CASE("parse_init_pid") {
  CHECK(parse_init_pid("4242") == 4242);
  CHECK(parse_init_pid("4242\n") == 4242);
  CHECK_THROWS_AS(parse_init_pid(""), Error);
  CHECK_THROWS_AS(parse_init_pid("-1"), Error);
  CHECK_THROWS_AS(parse_init_pid("12ab"), Error);
}

TEST_CASE("data-root from daemon.json") {
  CHECK(data_root_from_daemon_json(R"({"data-root":"/srv/docker"})") == "/srv/docker");
  CHECK(data_root_from_daemon_json(R"({"graph":"/old/docker"})") == "/old/docker");
  CHECK(data_root_from_daemon_json(R"({"live-restore":true})") == "");
  CHECK_THROWS_AS(data_root_from_daemon_json(R"({"data-root":"relative"})"), Error);
  CHECK_THROWS_AS(data_root_from_daemon_json("{"), Error);
  CHECK(docker_data_root(std::string("/flag")) == "/flag");
  CHECK(docker_data_root(std::nullopt, "/nonexistent/daemon.json") == "/var/lib/docker");
}

TEST_CASE("resolve_via_docker_disk: full ID, name, unique prefix; the runtime must agree") {
  FakeDocker d;
  std::string a = id_with('a'), b = id_with('b'), b2 = id_with('b', '1');
  d.add(a, "web", true, 100);
  d.runc(a, 100, 555);
  d.add(b, "db", true, 200);
  d.runc(b, 200, 666);
  d.add(b2, "cache", false, 0);

  Target t = resolve_via_docker_disk(a, d.layout);
  CHECK(t.name == "web");
  CHECK(t.pid == 100);
  CHECK(t.start_time == 555);
  CHECK(t.source.find("docker on disk") == 0);
  CHECK(resolve_via_docker_disk("db", d.layout).id == b);
  CHECK(resolve_via_docker_disk("a", d.layout).name == "web");
  // The decoy "Name" inside a label value must not match.
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("decoy", d.layout),
                       doctest::Contains("no container named 'decoy'"), Error);
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("b", d.layout),
                       doctest::Contains("ambiguous: it matches b00000000000 (db), b11111111111 (cache)"),
                       AmbiguousTarget);
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("cache", d.layout), doctest::Contains("is not running"), Error);
}

TEST_CASE("resolve_via_docker_disk refuses stale or disagreeing state") {
  FakeDocker d;
  std::string a = id_with('a');
  d.add(a, "web", true, 100);
  // No runtime state at all: the engine's file is stale.
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("stale"), Error);
  // runc disagrees on the PID.
  d.runc(a, 101, 5);
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("runc says 101"), Error);
  // containerd's init.pid is used when runc's state is absent.
  fs::remove_all(d.root / "runc");
  write(d.root / "tasks" / a / "init.pid", "100");
  CHECK(resolve_via_docker_disk("web", d.layout).pid == 100);
  write(d.root / "tasks" / a / "init.pid", "garbage");
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("not a PID"), Error);
  // A damaged config.v2.json names the file.
  write(d.root / "data/containers" / a / "config.v2.json", "{\"ID\":");
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk(a, d.layout), doctest::Contains("config.v2.json"), Error);
}

TEST_CASE("containerd_from_daemon_json: the containerd dockerd uses and its namespace") {
  DaemonContainerd none = containerd_from_daemon_json(R"({"data-root":"/srv/docker"})");
  CHECK(none.address.empty());
  CHECK(none.ns == "moby");
  DaemonContainerd packaged = containerd_from_daemon_json(R"({"containerd":"/run/containerd/containerd.sock"})");
  CHECK(packaged.address == "/run/containerd/containerd.sock");
  CHECK(containerd_from_daemon_json(R"({"containerd":"unix:///srv/c.sock"})").address == "/srv/c.sock");
  CHECK(containerd_from_daemon_json(R"({"containerd-namespace":"team-a.docker_2"})").ns == "team-a.docker_2");
  // Plugins run in "containerd-plugins-namespace": no container ctrdbg enters.
  CHECK(containerd_from_daemon_json(R"({"containerd-plugins-namespace":"p"})").ns == "moby");
  CHECK_THROWS_WITH_AS(containerd_from_daemon_json(R"({"containerd":"c.sock"})"),
                       doctest::Contains("\"containerd\" must be the absolute path"), Error);
  CHECK_THROWS_AS(containerd_from_daemon_json(R"({"containerd":7})"), Error);
  // It names a directory: no path tricks.
  for (const char* ns : {R"("..")", R"("a/b")", R"("")", R"("-a")", R"("a..b")", R"(1)"})
    CHECK_THROWS_WITH_AS(containerd_from_daemon_json(std::string(R"({"containerd-namespace":)") + ns + "}"),
                         doctest::Contains("\"containerd-namespace\" must be a containerd namespace name"), Error);
  CHECK_THROWS_AS(containerd_from_daemon_json("[]"), Error);
}

TEST_CASE("docker_layout: runc's state under the exec-root, tasks where either containerd keeps them") {
  unit::ScratchDir scratch("docker-layout");
  const fs::path daemon_json = scratch.path / "daemon.json";

  // No daemon.json: dockerd's own containerd first, then the system one.
  DockerDiskLayout plain = docker_layout(std::nullopt, std::nullopt, (scratch.path / "absent.json").string());
  CHECK(plain.data_root == "/var/lib/docker");
  CHECK(plain.runc_root == "/run/docker/runtime-runc/moby");
  CHECK(plain.task_roots == std::vector<std::string>{"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby",
                                                     "/run/containerd/io.containerd.runtime.v2.task/moby"});
  CHECK(plain.task_roots == DockerDiskLayout{}.task_roots);

  // Packaged: the system containerd's first.
  write(daemon_json, R"({"exec-root":"/srv/exec","containerd":"/run/containerd/containerd.sock"})");
  DockerDiskLayout packaged = docker_layout(std::nullopt, std::nullopt, daemon_json.string());
  CHECK(packaged.runc_root == "/srv/exec/runtime-runc/moby");
  CHECK(packaged.task_roots == std::vector<std::string>{"/run/containerd/io.containerd.runtime.v2.task/moby",
                                                        "/srv/exec/containerd/daemon/io.containerd.runtime.v2.task/moby"});

  // Another containerd and namespace: beside its socket first.
  write(daemon_json, R"({"containerd":"/run/k/containerd.sock","containerd-namespace":"dev"})");
  DockerDiskLayout other = docker_layout(std::string("/data"), std::nullopt, daemon_json.string());
  CHECK(other.data_root == "/data");
  CHECK(other.runc_root == "/run/docker/runtime-runc/dev");
  CHECK(other.task_roots == std::vector<std::string>{"/run/k/io.containerd.runtime.v2.task/dev",
                                                     "/run/containerd/io.containerd.runtime.v2.task/dev",
                                                     "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/dev"});

  // Both roots given: they name a dockerd that daemon.json may not describe; not read.
  write(daemon_json, R"({"containerd-namespace":"dev","containerd":"/x/c.sock"})");
  DockerDiskLayout given = docker_layout(std::string("/d"), std::string("/e"), daemon_json.string());
  CHECK(given.runc_root == "/e/runtime-runc/moby");
  CHECK(given.task_roots.front() == "/e/containerd/daemon/io.containerd.runtime.v2.task/moby");

  write(daemon_json, R"({"containerd-namespace":"../x"})");
  CHECK(unit::error_of([&] { docker_layout(std::nullopt, std::nullopt, daemon_json.string()); })
            .starts_with(daemon_json.string() + ": \"containerd-namespace\""));
}

namespace {
// A fake runtime v2 shim: `sh -c` with the shim's arguments, in `dir`, whose child
// (the "init") is a sleep. Both are killed with their process group.
struct FakeShim {
  pid_t shim = -1, init = -1;
  FakeShim(const fs::path& dir, const std::string& ns, const std::string& id) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    shim = ::fork();
    REQUIRE(shim >= 0);
    if (shim == 0) {
      ::setpgid(0, 0);
      ::dup2(out[1], 1);
      ::close(out[0]);
      if (::chdir(dir.c_str()) != 0) ::_exit(127);
      ::execl("/bin/sh", "sh", "-c", "sleep 1000 & echo $!; wait", "containerd-shim-runc-v2", "-namespace",
              ns.c_str(), "-id", id.c_str(), "-address", "/run/containerd/containerd.sock", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    char buf[32] = {};
    ssize_t n = ::read(out[0], buf, sizeof buf - 1);
    ::close(out[0]);
    REQUIRE(n > 0);
    init = std::atoi(buf);
    REQUIRE(init > 0);
  }
  ~FakeShim() {
    if (shim > 0) {
      ::kill(-shim, SIGKILL);
      ::waitpid(shim, nullptr, 0);
    }
  }
};
}  // namespace

TEST_CASE("find_docker_bundle: the task directory whose init.pid names the process") {
  FakeDocker d;
  const std::string a = id_with('a');
  d.layout.task_roots = {(d.root / "own/moby").string(), (d.root / "system/moby").string()};
  Target t;
  t.id = a;
  t.name = "web";
  t.pid = 4194000;  // above any default pid_max: no process, so no shim either

  // dockerd's own containerd has a stale directory of it; the system one the live task.
  write(d.root / "own/moby" / a / "init.pid", "4242");
  write(d.root / "system/moby" / a / "init.pid", "4194000\n");
  CHECK(find_docker_bundle(d.layout, t) == (d.root / "system/moby" / a).string());

  fs::remove_all(d.root / "system");
  std::string e = unit::error_of([&] { find_docker_bundle(d.layout, t); });
  CHECK(e.find("container web (a00000000000): no containerd task directory") != std::string::npos);
  CHECK(e.find((d.root / "own/moby" / a / "init.pid").string() + " says pid 4242") != std::string::npos);
  CHECK(e.find((d.root / "system/moby" / a / "init.pid").string() + " (absent)") != std::string::npos);
  CHECK(e.find("its shim: pid 4194000 is gone") != std::string::npos);

  // On disk: without runc's state, init.pid of either root is the runtime's word.
  d.add(a, "web", true, 4194000);
  write(d.root / "system/moby" / a / "init.pid", "4194000");
  Target found = resolve_via_docker_disk("web", d.layout);
  CHECK(found.bundle == (d.root / "system/moby" / a).string());
  CHECK(found.source.find((d.root / "system/moby" / a / "init.pid").string()) != std::string::npos);
  // With runc's state the bundle is left to find_docker_bundle (only --as-container needs it).
  d.runc(a, 4194000, 1);
  CHECK(resolve_via_docker_disk("web", d.layout).bundle.empty());
}

TEST_CASE("find_docker_bundle: any containerd's task directory, through the shim that runs the container") {
  FakeDocker d;
  const std::string a = id_with('a'), b = id_with('b');
  const fs::path bundle = d.root / "elsewhere/io.containerd.runtime.v2.task/team" / a;
  fs::create_directories(bundle);
  FakeShim shim(bundle, "team", a);
  write(bundle / "init.pid", std::to_string(shim.init));
  Target t;
  t.id = a;
  t.pid = shim.init;
  CHECK(find_docker_bundle(d.layout, t) == bundle.string());

  // The shim must be this container's, and its directory must agree.
  Target other = t;
  other.id = b;
  CHECK(unit::error_of([&] { find_docker_bundle(d.layout, other); })
            .find(fmt::format("its shim: its parent (pid {}) is no containerd shim of it", shim.shim)) !=
        std::string::npos);
  write(bundle / "init.pid", "1");
  CHECK(unit::error_of([&] { find_docker_bundle(d.layout, t); }).find((bundle / "init.pid").string() + " says pid 1") !=
        std::string::npos);
}
