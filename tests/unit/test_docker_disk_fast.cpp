// The fast paths of Docker's on-disk state: parse_config_v2_brief (checked against
// the full parse_config_v2 on valid, truncated and mutated input), parse_runc_state
// stopping at its two fields, the head-only read of runc's state.json, and the
// two-thread name search and listing over many containers.
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"
#include "unit_helpers.hpp"

using namespace ctrdbg;
using unit::own_start_time;
using unit::write_file;
namespace fs = std::filesystem;

namespace {

std::string hex_id(unsigned n) {
  static const char digits[] = "0123456789abcdef";
  std::string id(64, '0');
  for (int i = 63; i >= 0 && n; --i, n /= 16) id[static_cast<size_t>(i)] = digits[n % 16];
  id[0] = 'c';
  return id;
}

// Shaped like a real config.v2.json (compact, members in dockerd's order).
std::string config_v2(const std::string& id, const std::string& name, bool running, long pid) {
  return R"({"StreamConfig":{},"State":{"Running":)" + std::string(running ? "true" : "false") +
         R"(,"Paused":false,"Restarting":false,"OOMKilled":false,"RemovalInProgress":false,"Dead":false,"Pid":)" +
         std::to_string(pid) +
         R"(,"ExitCode":0,"Error":"","StartedAt":"2026-11-30T05:43:51.809176512Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},)"
         R"("ID":")" + id + R"(","Created":"2026-11-30T05:43:51.5Z","Managed":false,"Path":"sleep","Args":["1000"],)"
         R"("Config":{"Hostname":"2ad190ef0c10","Domainname":"","User":"","AttachStdin":false,"Tty":false,)"
         R"("Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sleep","1000"],)"
         R"("Image":"busybox:latest","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,)"
         R"("Labels":{"note":"\"Name\":\"/decoy\" \u00e9\ud83d\ude00"}},"Image":"sha256:d9013cc6",)"
         R"("NetworkSettings":{"Bridge":"","SandboxID":"","Ports":{},"SandboxKey":"","Networks":{"bridge":{"IPAMConfig":null,)"
         R"("Links":null,"Aliases":null,"MacAddress":"02:42:ac:11:00:02","IPPrefixLen":16,"GlobalIPv6PrefixLen":0}}},)"
         R"("LogPath":"/var/lib/docker/containers/x/x-json.log","Name":"/)" + name +
         R"(","Driver":"overlay2","OS":"linux","RestartCount":0,"HasBeenStartedBefore":false,)"
         R"("MountPoints":{},"SecretReferences":null,"AppArmorProfile":"docker-default","SeccompProfile":"",)"
         R"("NoNewPrivileges":false,"LocalLogCacheMeta":{"HaveNotifyEnabled":false}})";
}

// Both parsers on one input: both fail with the same message, or both succeed and
// agree on every field the brief parser reads.
void check_same(const std::string& text) {
  std::optional<InspectResult> full, brief;
  std::string full_error, brief_error;
  try {
    full = parse_config_v2(text);
  } catch (const Error& e) {
    full_error = e.what();
  }
  try {
    brief = parse_config_v2_brief(text);
  } catch (const Error& e) {
    brief_error = e.what();
  }
  INFO("input: ", text);
  REQUIRE(full.has_value() == brief.has_value());
  if (!full) {
    CHECK(full_error == brief_error);
    return;
  }
  CHECK(full->target.id == brief->target.id);
  CHECK(full->target.name == brief->target.name);
  CHECK(full->target.pid == brief->target.pid);
  CHECK(full->target.image == brief->target.image);
  CHECK(full->target.engine == brief->target.engine);
  CHECK(full->state.running == brief->state.running);
  CHECK(full->state.paused == brief->state.paused);
  CHECK(full->state.restarting == brief->state.restarting);
  CHECK(full->state.pid == brief->state.pid);
  CHECK(full->state.status == brief->state.status);
}

const std::string kId = hex_id(0xabc);
const std::string kHead = R"({"ID":")" + kId + R"(","Name":"/w","State":{"Running":true,"Pid":)";

struct FakeDocker {
  unit::ScratchDir scratch{"docker-fast"};
  fs::path root = scratch.path;
  DockerDiskLayout layout;
  FakeDocker() {
    layout.data_root = (root / "data").string();
    layout.runc_root = (root / "runc").string();
    layout.task_roots = {(root / "tasks").string()};
    fs::create_directories(root / "data/containers");
    fs::create_directories(root / "runc");
  }
  void add(const std::string& id, const std::string& name, bool running, long pid) {
    write_file(root / "data/containers" / id / "config.v2.json", config_v2(id, name, running, pid));
  }
  void config(const std::string& id, const std::string& text) {
    write_file(root / "data/containers" / id / "config.v2.json", text);
  }
  // runc's shape: the two fields first, then a big "config" (~30 KiB in real life).
  static std::string runc_text(const std::string& id, long pid, std::uint64_t start, size_t padding = 30000) {
    return R"({"id":")" + id + R"(","init_process_pid":)" + std::to_string(pid) + R"(,"init_process_start":)" +
           std::to_string(start) + R"(,"created":"2026-11-30T09:10:12.42835352Z","config":{"rootfs":")" +
           std::string(padding, 'x') + R"("},"rootless":false,"cgroup_paths":{},"intel_rdt_path":""})";
  }
  void runc(const std::string& id, long pid, std::uint64_t start, size_t padding = 30000) {
    write_file(root / "runc" / id / "state.json", runc_text(id, pid, start, padding));
  }
  void runc_raw(const std::string& id, const std::string& text) { write_file(root / "runc" / id / "state.json", text); }
  // The IDs in the containers directory, in readdir order (the order of the name search).
  std::vector<std::string> dir_order() const {
    std::vector<std::string> ids;
    DIR* d = ::opendir((root / "data/containers").c_str());
    REQUIRE(d);
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ids.emplace_back(e->d_name);
    ::closedir(d);
    return ids;
  }
};

}  // namespace

TEST_CASE("parse_config_v2_brief reads what --list needs, as parse_config_v2 does") {
  auto r = parse_config_v2_brief(config_v2(kId, "web", true, 2768));
  CHECK(r.target.id == kId);
  CHECK(r.target.name == "web");
  CHECK(r.target.pid == 2768);
  CHECK(r.target.image == "busybox:latest");
  CHECK(r.target.engine == "docker");
  CHECK(r.state.running);
  CHECK(r.state.status == "running");
  CHECK(r.target.env.empty());  // not read by the brief parser
  check_same(config_v2(kId, "web", true, 2768));
  check_same(config_v2(kId, "web", false, 0));
}

TEST_CASE("parse_config_v2_brief: truncated at every length fails like the full parser") {
  const std::string whole = config_v2(kId, "web", true, 1);
  for (size_t n = 0; n < whole.size(); ++n) {
    CHECK_THROWS_WITH_AS(parse_config_v2_brief(whole.substr(0, n)), "not a JSON object", Error);
    check_same(whole.substr(0, n));
  }
}

TEST_CASE("parse_config_v2_brief: every one-byte change gives the full parser's answer") {
  const std::string whole = config_v2(kId, "web", true, 42);
  const char replacements[] = {'"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', 'e', '.', 't', 'u', 'x',
                               '\x00', '\x1f', '\x7f', '\x80', '\xc3', '\xe9', '\xed', '\xf0', '\xff'};
  for (size_t i = 0; i < whole.size(); ++i) {
    for (char c : replacements) {
      std::string m = whole;
      m[i] = c;
      check_same(m);
    }
    std::string deleted = whole;
    deleted.erase(i, 1);
    check_same(deleted);
  }
}

TEST_CASE("parse_config_v2_brief: random splices give the full parser's answer") {
  const std::string whole = config_v2(kId, "web", true, 42);
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string m = whole;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % m.size();
      size_t from = rng() % whole.size();
      size_t len = rng() % 12;
      if (rng() % 2)
        m.insert(at, whole.substr(from, len));
      else
        m.erase(at, len);
      if (m.empty()) m = "{";
    }
    check_same(m);
  }
}

TEST_CASE("parse_config_v2_brief: JSON corner cases") {
  const std::string tail = R"(}})";
  // Numbers: integer forms, doubles, overflow (an error in nlohmann), underflow (fine).
  for (const char* pid : {"0", "-0", "7", "4194304", "4194305", "-1", "1.0", "1e2", "1E+2", "0.5e-3", "9223372036854775807",
                          "9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
                          "-9223372036854775809", "1e308", "1e309", "-1e309", "1e-400", "123456789012345678901234567890",
                          "1.7976931348623157e308", "1.7976931348623159e308", "0.000e999999999999", "01", "1.", ".5",
                          "+1", "-", "1e", "1e+", "--1", "0x10", "\"7\"", "true", "null", "[]", "{}", "1 2"}) {
    check_same(kHead + pid + tail);
  }
  // The number overflow check applies anywhere, not only in fields that are read.
  check_same(R"({"X":1e999,)" + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":[1e-999,-0.0,2E5],)" + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":)" + std::string(400, '9') + "," + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":-)" + std::string(400, '9') + "," + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":0.)" + std::string(400, '0') + "1e-10," + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":1)" + std::string(300, '0') + "e8," + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":1)" + std::string(300, '0') + "e9," + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":1e99999999999999999999,)" + kHead.substr(1) + "1" + tail);
  check_same(R"({"X":1e-99999999999999999999,)" + kHead.substr(1) + "1" + tail);
  // Strings: escapes, surrogates, UTF-8 validity, control characters.
  for (const char* s : {R"("a\"b")", R"("\\")", R"("\/")", R"("\b\f\n\r\t")", R"("\u0041")", R"("\u00e9")",
                        R"("\ud83d\ude00")", R"("\ud83d")", R"("\ud83dx")", R"("\ude00")", R"("\ud83d\u0041")",
                        R"("\u12")", R"("\u12G4")", R"("\x")", "\"\xc3\xa9\"", "\"\xc3\"", "\"\xc0\x80\"",
                        "\"\xe0\x80\x80\"", "\"\xed\xa0\x80\"", "\"\xed\x9f\xbf\"", "\"\xf4\x90\x80\x80\"",
                        "\"\xf0\x9f\x98\x80\"", "\"\xf0\x8f\xbf\xbf\"", "\"\x7f\"", "\"\x01\"", "\"\t\"", "\"\xff\""}) {
    check_same(R"({"Labels":)" + std::string(s) + "," + kHead.substr(1) + "1" + tail);
    check_same(R"({"ID":")" + kId + R"(","State":{"Pid":1},"Name":)" + s + "}");
  }
  // Escaped keys count as the key they decode to; an escaped name is decoded.
  check_same(R"({"\u0049D":")" + kId + R"(","N\u0061me":"/w\u00e9","St\u0061te":{"\u0050id":3},"Config":{"Im\u0061ge":"a\/b"}})");
  // A repeated key: the last one wins, the whole value (State flags reset).
  check_same(R"({"ID":"x","ID":")" + kId + R"(","State":{"Running":true,"Pid":5},"State":{"Pid":6}})");
  check_same(R"({"ID":")" + kId + R"(","ID":7,"State":{"Pid":5}})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"State":[]})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5,"Pid":"5"}})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5,"Running":true,"Running":1}})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"Config":{"Image":"a"},"Config":{"Image":7}})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"Config":{"Image":"a"},"Config":null})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"Config":{"Image":"a","Image":{"x":1}}})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"Config":[{"Image":"a"}]})");
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":5},"Name":null})");
  // Wrong member types: what parse_config_v2's lookups make of them (a flag that is
  // not a boolean is false, a Pid that is not an integer is an error), with its
  // errors in its order even when the members come in another order.
  for (const char* value : {"\"yes\"", "1", "0", "null", "[true]", "{\"x\":true}", "1.5"}) {
    for (const char* flag : {"Running", "Paused", "Restarting"}) {
      const std::string state = R"("State":{")" + std::string(flag) + "\":" + value + R"(,"Pid":9})";
      check_same(R"({"ID":")" + kId + R"(",)" + state + "}");
      check_same("{" + state + R"(,"ID":")" + kId + R"("})");
      check_same("{" + state + R"(,"ID":"short"})");
    }
    check_same(R"({"ID":")" + kId + R"(","State":{"Running":true,"Pid":)" + value + "}}");
    check_same(R"({"ID":")" + kId + R"(","State":{"Pid":9},"Config":{"Image":)" + value + "}}");
    check_same(R"({"ID":)" + std::string(value) + R"(,"State":{"Pid":9}})");
    check_same(R"({"ID":")" + kId + R"(","Name":)" + value + R"(,"State":{"Pid":9}})");
    check_same(R"({"ID":")" + kId + R"(","State":)" + value + "}");
    check_same(R"({"ID":")" + kId + R"(","State":{"Pid":9},"Config":)" + value + "}");
  }
  CHECK_THROWS_WITH_AS(parse_config_v2_brief(R"({"State":{"Running":"yes","Pid":"12"},"ID":")" + kId + R"("})"),
                       "bad \"State.Pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2_brief(R"({"State":{"Pid":"12"},"ID":"x"})"), "bad \"ID\"", Error);
  CHECK_THROWS_WITH_AS(parse_config_v2_brief(R"({"State":{"Pid":"12"},"ID":")" + kId + R"(",)"), "not a JSON object",
                       Error);
  CHECK(!parse_config_v2_brief(R"({"ID":")" + kId + R"(","State":{"Running":"yes","Pid":12}})").state.running);
  // Members of the same names deeper down do not count.
  check_same(R"({"ID":")" + kId + R"(","State":{"Pid":9,"Health":{"Running":true,"Pid":"x"}},"X":{"ID":1,"State":{}},)"
             R"("Config":{"Labels":{"Image":"no"},"Image":"yes","Env":[{"Image":"no"}]}})");
  check_same(R"({"ID":")" + kId + R"(","X":[{"State":{"Pid":9}}]})");
  // Whitespace, BOM, trailing bytes, the root's type.
  check_same(" \t\r\n" + kHead + "1" + tail + " \n");
  check_same("\xEF\xBB\xBF" + kHead + "1" + tail);
  check_same("\xEF\xBB" + kHead + "1" + tail);
  check_same("\xEF" + kHead + "1" + tail);
  check_same(" \xEF\xBB\xBF" + kHead + "1" + tail);
  check_same(kHead + "1" + tail + "x");
  check_same(kHead + "1" + tail + "{}");
  // A NUL byte outside strings ends nlohmann's input: after the root value it is
  // accepted (with anything behind it), anywhere else it is an error.
  check_same(kHead + "1" + tail + std::string(1, '\0'));
  check_same(kHead + "1" + tail + std::string(1, '\0') + "garbage");
  check_same(kHead + "1" + tail + " " + std::string(1, '\0') + "}");
  check_same(kHead + "1" + std::string(1, '\0') + tail);
  check_same(kHead + std::string(1, '\0') + "1" + tail);
  check_same(std::string(1, '\0') + kHead + "1" + tail);
  check_same(kHead + "1," + std::string(1, '\0') + tail);
  for (const char* root : {"", " ", "[]", "null", "true", "1", "\"x\"", "{}", "{", "}", "{\"a\"}", "{\"a\":}", "{,}",
                           "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\" 1}", "{1:2}", "{\"a\":[1,]}", "{\"a\":[,1]}",
                           "{\"a\":[1 2]}", "{\"a\":tru}", "{\"a\":nul}", "{\"a\":falsey}", "{\"a\":[}", "{\"a\":{]}"}) {
    check_same(root);
  }
}

TEST_CASE("parse_config_v2_brief: deep nesting is skipped without recursion") {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  check_same(R"({"X":)" + deep + "," + kHead.substr(1) + "1}}");
  check_same(R"({"X":)" + std::string(200000, '[') + "}");  // unbalanced
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += R"({"a":)";
  objects += "1";
  objects += std::string(50000, '}');
  check_same(R"({"X":)" + objects + "," + kHead.substr(1) + "1}}");
}

TEST_CASE("parse_runc_state stops at its two fields") {
  // The rest of the file is not parsed: a head cut anywhere after the fields is enough.
  std::string real = FakeDocker::runc_text(kId, 17117, 1246876, 100);
  size_t after = real.find(",\"created\"");
  REQUIRE(after != std::string::npos);
  after += std::string_view(",\"created\"").size();  // the next key: the start time is complete
  for (size_t n = after; n <= real.size(); ++n) {
    auto s = parse_runc_state(std::string_view(real).substr(0, n));
    CHECK(s.init_pid == 17117);
    CHECK(s.init_start == 1246876);
  }
  // Cut before the key after both fields (even right after the start time's last
  // digit, where the number would look complete): an error, never a crash.
  for (size_t n = 0; n < after; ++n) CHECK_THROWS_AS(parse_runc_state(std::string_view(real).substr(0, n)), Error);
  // Any order; only top-level members count.
  auto s = parse_runc_state(
      R"({"config":{"init_process_pid":1,"x":[{"init_process_start":2}]},"init_process_start":"99","init_process_pid":7})");
  CHECK(s.init_pid == 7);
  CHECK(s.init_start == 99);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"config":{"init_process_pid":1,"init_process_start":2}})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":{"x":1},"init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":[1],"init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":5,"init_process_start":-2})"),
                       "bad \"init_process_start\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":5,"init_process_start":2.5})"),
                       "bad \"init_process_start\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":-5,"init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":18446744073709551615,"init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":5.0,"init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  CHECK_THROWS_WITH_AS(parse_runc_state(R"({"init_process_pid":"5","init_process_start":2})"),
                       "bad \"init_process_pid\"", Error);
  // Not an object, or broken before the fields.
  for (const char* bad : {"", "[]", "[{\"init_process_pid\":5,\"init_process_start\":2}]", "5", "\"x\"", "null",
                          "{\"init_process_pid\":5,\"x\":tru,\"init_process_start\":2}", "{\"id\":\"\x01\"}",
                          "\xEF\xBB{\"init_process_pid\":5,\"init_process_start\":2}"})
    CHECK_THROWS_WITH_AS(parse_runc_state(bad), "not a JSON object", Error);
  CHECK(parse_runc_state("\xEF\xBB\xBF{\"init_process_pid\":5,\"init_process_start\":2}").init_pid == 5);
  // Random splices: an answer or an Error, never a crash.
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string m = real;
    size_t at = rng() % m.size();
    m.erase(at, rng() % 20);
    m.insert(rng() % (m.size() + 1), real.substr(rng() % real.size(), rng() % 20));
    try {
      auto r = parse_runc_state(m);
      CHECK(r.init_pid > 0);
    } catch (const Error&) {
    }
  }
}

TEST_CASE("resolve_via_docker_disk: runc's state.json read by its head, whole only when needed") {
  FakeDocker d;
  const long pid = ::getpid();
  std::string a = hex_id(1);
  d.add(a, "web", true, pid);
  d.runc(a, pid, 4242);  // 30 KiB, fields first
  CHECK(resolve_via_docker_disk("web", d.layout).start_time == 4242);
  // The fields after 30 KiB of other members: found by reading the whole file.
  d.runc_raw(a, R"({"config":{"rootfs":")" + std::string(30000, 'y') + R"("},"init_process_start":4343,"init_process_pid":)" +
                    std::to_string(pid) + "}");
  CHECK(resolve_via_docker_disk("web", d.layout).start_time == 4343);
  // Broken before the fields: an error naming the file.
  d.runc_raw(a, R"({"id":")" + a + R"(","init_process_pid":)");
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("state.json: not a JSON object"),
                       Error);
  d.runc_raw(a, std::string(10000, ' ') + "{\"init_process_pid\":" + std::to_string(pid) + ",\"x\":");
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("state.json: not a JSON object"),
                       Error);
  d.runc_raw(a, "");
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("web", d.layout), doctest::Contains("state.json"), Error);
}

TEST_CASE("resolve_via_docker_disk: the name search over many containers (two threads) keeps directory order") {
  FakeDocker d;
  const long pid = ::getpid();
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    std::string id = hex_id(static_cast<unsigned>(i + 100));
    d.add(id, "c" + std::to_string(i), true, pid);
    d.runc(id, pid, 77, 50);
  }
  std::vector<std::string> order = d.dir_order();
  REQUIRE(order.size() == static_cast<size_t>(n));
  auto name_of = [&](size_t pos) { return "c" + std::to_string(std::stoi(std::string(order[pos].substr(40)), nullptr, 16) - 100); };
  // Found from either half of the directory, and the last entry too.
  for (size_t pos : {size_t{0}, size_t{1}, size_t{199}, size_t{200}, size_t{201}, size_t{n - 1}}) {
    Target t = resolve_via_docker_disk(name_of(pos), d.layout);
    CHECK(t.id == order[pos]);
    CHECK(t.start_time == 77);
  }
  CHECK_THROWS_WITH_AS(resolve_via_docker_disk("nothing-by-this-name", d.layout),
                       doctest::Contains("no container named 'nothing-by-this-name'"), Error);
  // A damaged file that holds the name: an error when it comes first in directory
  // order, as in a sequential search; a match before it wins.
  for (auto [damaged, match] : {std::pair<size_t, size_t>{10, 300}, {250, 300}, {300, 10}, {300, 250}, {210, 220}}) {
    std::string target = name_of(match);
    std::string broken = "{\"Name\":\"/" + target + "\",";
    d.config(order[damaged], broken);
    INFO("damaged at ", damaged, ", match at ", match);
    const std::string message = order[damaged] + "/config.v2.json: not a JSON object";
    if (damaged < match)
      CHECK_THROWS_WITH_AS(resolve_via_docker_disk(target, d.layout), doctest::Contains(message.c_str()), Error);
    else
      CHECK(resolve_via_docker_disk(target, d.layout).id == order[match]);
    d.add(order[damaged], name_of(damaged), true, pid);
  }
}

TEST_CASE("list_docker_disk: running containers whose runtime and live process agree") {
  FakeDocker d;
  const long pid = ::getpid();
  const std::uint64_t start = own_start_time();
  std::vector<std::string> expected;
  for (unsigned i = 0; i < 300; ++i) {  // enough for two threads
    std::string id = hex_id(i + 1);
    switch (i % 10) {
      case 0:  // dockerd says it exited: runc's state is not trusted
        d.add(id, "n" + std::to_string(i), false, 0);
        d.runc(id, pid, start);
        break;
      case 1:  // recycled PID: another start time
        d.add(id, "n" + std::to_string(i), true, pid);
        d.runc(id, pid, start + 1);
        break;
      case 2:  // runc disagrees on the PID
        d.add(id, "n" + std::to_string(i), true, pid);
        d.runc(id, pid + 1, start);
        break;
      case 3:  // damaged config.v2.json
        d.config(id, config_v2(id, "n", true, pid).substr(0, 100 + i));
        d.runc(id, pid, start);
        break;
      case 4:  // truncated runc state (before its fields)
        d.add(id, "n" + std::to_string(i), true, pid);
        d.runc_raw(id, R"({"id":")" + id + R"(","init_process_pid":)" + std::to_string(pid));
        break;
      case 5:  // no config.v2.json at all
        d.runc(id, pid, start);
        break;
      case 6:  // runc's fields far into the file
        d.add(id, "n" + std::to_string(i), true, pid);
        d.runc_raw(id, R"({"config":{"x":")" + std::string(20000, 'z') + R"("},"init_process_pid":)" +
                           std::to_string(pid) + R"(,"init_process_start":)" + std::to_string(start) + "}");
        expected.push_back(id);
        break;
      default:
        d.add(id, "n" + std::to_string(i), true, pid);
        d.runc(id, pid, start, i % 3 == 0 ? 10 : 30000);
        expected.push_back(id);
    }
  }
  fs::create_directories(d.root / "runc" / "not-an-id");
  std::vector<Target> listed = list_docker_disk(d.layout);
  std::vector<std::string> ids;
  for (const auto& t : listed) {
    ids.push_back(t.id);
    CHECK(t.pid == pid);
    CHECK(t.start_time == start);
    CHECK(t.image == "busybox:latest");
    CHECK(t.engine == "docker");
    CHECK(t.name.starts_with("n"));
  }
  std::sort(ids.begin(), ids.end());
  std::sort(expected.begin(), expected.end());
  CHECK(ids == expected);
  // No data-root: nothing listed, no error.
  fs::remove_all(d.root / "data");
  CHECK(list_docker_disk(d.layout).empty());
  // No runc state directory: nothing runs.
  fs::remove_all(d.root / "runc");
  CHECK(list_docker_disk(d.layout).empty());
}

TEST_CASE("list_docker_disk and the name search: a config.v2.json larger than one read's slot") {
  // With 20 others the files are read one by one; with 100, through io_uring (64 or more).
  for (unsigned others : {20u, 100u}) {
    CAPTURE(others);
    FakeDocker d;
    const long pid = ::getpid();
    const std::uint64_t start = own_start_time();
    // 200 KiB of labels before "Name": more than the first read takes (64 KiB).
    std::string big = config_v2(hex_id(7), "big-one", true, pid);
    const std::string note = R"("note":)";
    REQUIRE(big.find(note) != std::string::npos);
    big.replace(big.find(note), note.size(), R"("pad":")" + std::string(200 << 10, 'p') + R"(",)" + note);
    d.config(hex_id(7), big);
    d.runc(hex_id(7), pid, start);
    for (unsigned i = 0; i < others; ++i) {
      d.add(hex_id(100 + i), "small-" + std::to_string(i), true, pid);
      d.runc(hex_id(100 + i), pid, start);
    }
    std::vector<Target> listed = list_docker_disk(d.layout);
    CHECK(listed.size() == others + 1);
    auto it = std::find_if(listed.begin(), listed.end(), [](const Target& t) { return t.name == "big-one"; });
    REQUIRE(it != listed.end());
    CHECK(it->image == "busybox:latest");
    CHECK(it->start_time == start);
    CHECK(resolve_via_docker_disk("big-one", d.layout).id == hex_id(7));
    CHECK(resolve_via_docker_disk("small-13", d.layout).id == hex_id(113));
  }
}
