// podman on disk: containers.json, crun's status file, and resolution over a fake
// store whose "running" containers are this test process itself (a PID that
// exists, with a start time the runtime's state can record), under runc or crun.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "ctrdbg/engines/podman.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"
#include "unit_helpers.hpp"

using namespace ctrdbg;
using unit::error_of;
using unit::own_start_time;
using unit::write_file;
namespace fs = std::filesystem;

namespace {

const std::string kRuncId(64, 'a');
const std::string kCrunId(64, 'c');

// A store with two containers, "web" (runc) and "db" (crun), both "running" as this process.
struct FakePodman {
  unit::ScratchDir scratch{"podman"};
  fs::path root = scratch.path;
  PodmanLayout layout;
  long pid = ::getpid();
  std::uint64_t start = own_start_time();

  FakePodman() {
    layout.graph_root = (root / "graph").string();
    layout.run_root = (root / "run").string();
    layout.runc_root = (root / "runc").string();
    layout.crun_root = (root / "crun").string();
    write_file(root / "graph/overlay-containers/containers.json",
               R"([{"id":")" + kRuncId + R"(","names":["web"],"metadata":"{\"image-name\":\"localhost/web:1\"}"},)"
               R"({"id":")" + kCrunId + R"(","names":["db"]}])");
    for (const auto& id : {kRuncId, kCrunId}) {
      write_file(root / "graph/overlay-containers" / id / "userdata/config.json",
                 R"({"process":{"env":["A=1"],"cwd":"/srv","args":["sleep"]},"hostname":"box"})");
      write_file(root / "run/overlay-containers" / id / "userdata/pidfile", std::to_string(pid));
    }
    write_file(root / "runc" / kRuncId / "state.json",
               R"({"id":")" + kRuncId + R"(","init_process_pid":)" + std::to_string(pid) +
                   R"(,"init_process_start":)" + std::to_string(start) + "}");
    crun_status(pid, start);
  }

  void crun_status(long p, std::uint64_t s) const {
    write_file(root / "crun" / kCrunId / "status",
               "{\n    \"pid\": " + std::to_string(p) + ",\n    \"process-start-time\": " + std::to_string(s) +
                   ",\n    \"cgroup-path\": \"/machine.slice/libpod-" + kCrunId +
                   ".scope\",\n    \"rootfs\": \"/var/lib/containers/storage/overlay/x/merged\",\n"
                   "    \"systemd-cgroup\": true,\n    \"bundle\": \"/x\",\n    \"created\": \"2026-11-30T12:00:00Z\",\n"
                   "    \"owner\": \"root\",\n    \"detached\": true\n}\n");
  }
};

}  // namespace

TEST_CASE("parse_crun_status: the pid and its start time, as crun writes them") {
  RuncState s = parse_crun_status(R"({"pid": 4242, "process-start-time": 263473330, "cgroup-path": "/x"})");
  CHECK(s.init_pid == 4242);
  CHECK(s.init_start == 263473330u);
  CHECK_THROWS_WITH_AS(parse_crun_status("[]"), doctest::Contains("not a JSON object"), Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"process-start-time": 1})"), doctest::Contains("\"pid\""), Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"pid": 0, "process-start-time": 1})"), doctest::Contains("\"pid\""),
                       Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"pid": "7", "process-start-time": 1})"), doctest::Contains("\"pid\""),
                       Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"pid": 7})"), doctest::Contains("process-start-time"), Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"pid": 7, "process-start-time": -1})"),
                       doctest::Contains("process-start-time"), Error);
  CHECK_THROWS_WITH_AS(parse_crun_status(R"({"pid": 7, "process-start)"), doctest::Contains("not a JSON object"),
                       Error);
}

TEST_CASE("podman on disk: a container under runc and one under crun") {
  FakePodman d;
  Target web = resolve_via_podman("web", d.layout);
  CHECK(web.pid == d.pid);
  CHECK(web.start_time == d.start);
  CHECK(web.image == "localhost/web:1");
  CHECK(web.source.find("/runc/") != std::string::npos);

  Target db = resolve_via_podman("db", d.layout);
  CHECK(db.engine == "podman");
  CHECK(db.id == kCrunId);
  CHECK(db.pid == d.pid);
  CHECK(db.start_time == d.start);
  CHECK(db.env == std::vector<std::string>{"A=1"});
  CHECK(db.working_dir == "/srv");
  CHECK(db.source.find("/crun/" + kCrunId + "/status") != std::string::npos);
  CHECK(resolve_via_podman("ccc", d.layout).id == kCrunId);  // unique ID prefix

  auto listed = list_podman(d.layout);
  CHECK(listed.size() == 2);
}

TEST_CASE("podman on disk: crun's state is checked like runc's") {
  FakePodman d;
  // A start time that is not the live process's: a recycled PID, not listed.
  d.crun_status(d.pid, d.start + 1);
  CHECK(resolve_via_podman("db", d.layout).start_time == d.start + 1);  // pin_target refuses it later
  CHECK(list_podman(d.layout).size() == 1);
  // podman's pidfile and crun disagree: stale state, refused by name.
  d.crun_status(d.pid + 1, d.start);
  std::string e = error_of([&] { resolve_via_podman("db", d.layout); });
  CHECK(e.find("podman says pid " + std::to_string(d.pid)) != std::string::npos);
  // A damaged status file is named.
  write_file(d.root / "crun" / kCrunId / "status", "{\"pid\": ");
  e = error_of([&] { resolve_via_podman("db", d.layout); });
  CHECK(e.find("/crun/" + kCrunId + "/status: not a JSON object") != std::string::npos);
  // Neither runtime has state: not running, both places named.
  fs::remove_all(d.root / "crun" / kCrunId);
  e = error_of([&] { resolve_via_podman("db", d.layout); });
  CHECK(e.find("is not running (no runtime state at") != std::string::npos);
  CHECK(e.find("/runc/" + kCrunId + "/state.json or") != std::string::npos);
  CHECK(e.find("/crun/" + kCrunId + "/status)") != std::string::npos);
}
