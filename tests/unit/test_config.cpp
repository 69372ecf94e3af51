#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "ctrdbg/config.hpp"
#include "ctrdbg/error.hpp"

using namespace ctrdbg;
using namespace std::chrono_literals;

namespace {
std::string config_error(const std::string& text) {
  try {
    parse_config(text, "/etc/ctrdbg/config.json");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  }
  FAIL("expected an error for: " << text);
  return {};
}
}  // namespace

TEST_CASE("config: every key read into its field") {
  Config c = parse_config(R"({
    "toolset": {"busybox": "/opt/busybox", "image": "busybox:1.36", "tools": ["/opt/t", "/opt/strace"],
                "bash_static": false},
    "docker": {"socket": "/run/d.sock", "data_root": "/srv/docker", "timeout": "250ms"},
    "mount_dir": "/.dbg"
  })", "/x.json");
  CHECK(c.path == "/x.json");
  CHECK(c.busybox == std::optional<std::string>("/opt/busybox"));
  CHECK(c.image == "busybox:1.36");
  CHECK(c.tools == std::vector<std::string>{"/opt/t", "/opt/strace"});
  CHECK_FALSE(c.bash_static);
  CHECK(c.docker_socket == std::optional<std::string>("/run/d.sock"));
  CHECK(c.docker_root == std::optional<std::string>("/srv/docker"));
  CHECK(c.timeout == std::optional<std::chrono::milliseconds>(250ms));
  CHECK(c.mount_dir == "/.dbg");
}

TEST_CASE("config: an empty object keeps the defaults") {
  Config c = parse_config("{}", "/x.json");
  CHECK_FALSE(c.busybox);
  CHECK(c.image == "busybox:latest");
  CHECK(c.tools.empty());
  CHECK(c.bash_static);
  CHECK_FALSE(c.timeout);
  CHECK(c.mount_dir == "/.ctrdbg");
}

TEST_CASE("config: unknown keys and wrong types name the key") {
  CHECK(config_error(R"({"toolbox": "/x"})") == "/etc/ctrdbg/config.json: unknown key \"toolbox\"");
  CHECK(config_error(R"({"toolset": {"bussybox": "/x"}})") ==
        "/etc/ctrdbg/config.json: unknown key \"toolset.bussybox\"");
  CHECK(config_error(R"({"toolset": {"busybox": 3}})").find("\"toolset.busybox\" must be") != std::string::npos);
  CHECK(config_error(R"({"toolset": {"busybox": "rel/path"}})").find("absolute path") != std::string::npos);
  CHECK(config_error(R"({"toolset": {"tools": "/x"}})").find("\"toolset.tools\"") != std::string::npos);
  CHECK(config_error(R"({"toolset": {"tools": ["/x", 1]}})").find("\"toolset.tools\"") != std::string::npos);
  CHECK(config_error(R"({"toolset": {"bash_static": "yes"}})").find("\"toolset.bash_static\"") != std::string::npos);
  CHECK(config_error(R"({"docker": {"timeout": "soon"}})").find("\"docker.timeout\"") != std::string::npos);
  CHECK(config_error(R"({"docker": []})").find("docker must be an object") != std::string::npos);
  CHECK(config_error("[]").find("the file must be an object") != std::string::npos);
  CHECK(config_error("{\"toolset\": ").find("not valid JSON") != std::string::npos);
}

TEST_CASE("config: load_config reads CTRDBG_CONFIG, which must exist") {
  std::string path = "/tmp/ctrdbg-unit-config-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << R"({"docker": {"timeout": "2s"}})";
  Config c = load_config(path.c_str());
  CHECK(c.path == path);
  CHECK(c.timeout == std::optional<std::chrono::milliseconds>(2000ms));
  std::remove(path.c_str());
  CHECK_THROWS_WITH_AS(load_config(path.c_str()), doctest::Contains("No such file"), Error);
}

TEST_CASE("config: mount_dir is one top-level name starting with a dot, never a directory the container needs") {
  const std::string expected =
      "/etc/ctrdbg/config.json: \"mount_dir\" must be a single top-level directory whose name starts with a dot, "
      "e.g. /.ctrdbg";
  // The session's /proc, /etc, / ... would become the toolset.
  for (const char* bad : {"/proc", "/etc", "/dev", "/tmp", "/", "/a/b", "/.a/b", "/.ctrdbg/", "//.x", "relative",
                          ".ctrdbg", "/.", "/..", "/.a b", "/.a\\n", "/.ctrdbg*", "/.\u00e9t\u00e9", ""}) {
    CAPTURE(bad);
    CHECK(config_error(std::string(R"({"mount_dir": ")") + bad + "\"}") == expected);
  }
  CHECK(config_error(R"({"mount_dir": 7})") == expected);
  CHECK(config_error(R"({"mount_dir": null})") == expected);
  CHECK(config_error(R"({"mount_dir": "/.)" + std::string(64, 'x') + "\"}") == expected);  // 65 characters
  for (const char* good : {"/.ctrdbg", "/.dbg", "/.x", "/..tools", "/.ctrdbg-2_test.v1"}) {
    CAPTURE(good);
    CHECK(parse_config(std::string(R"({"mount_dir": ")") + good + "\"}", "/x.json").mount_dir == good);
  }
  CHECK(parse_config(R"({"mount_dir": "/.)" + std::string(63, 'x') + "\"}", "/x.json").mount_dir.size() == 65);
}

TEST_CASE("config: load_config reads only a regular file, and never blocks on the open") {
  const std::string base = "/tmp/ctrdbg-unit-config-" + std::to_string(::getpid());
  // A fifo without a writer: a blocking open() would wait forever.
  const std::string fifo = base + ".fifo";
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH_AS(load_config(fifo.c_str()), ("CTRDBG_CONFIG " + fifo + ": not a regular file (a fifo)").c_str(),
                       Error);
  ::unlink(fifo.c_str());
  CHECK_THROWS_WITH_AS(load_config("/tmp"), "CTRDBG_CONFIG /tmp: not a regular file (a directory)", Error);
  CHECK_THROWS_WITH_AS(load_config("/dev/zero"), "CTRDBG_CONFIG /dev/zero: not a regular file (a character device)",
                       Error);
  // Larger than any config file: refused rather than read cut short.
  const std::string big = base + ".big";
  std::ofstream(big) << std::string((1 << 20) + 1, ' ');
  CHECK_THROWS_WITH_AS(load_config(big.c_str()), doctest::Contains("larger than 1048576 bytes"), Error);
  std::remove(big.c_str());
}

TEST_CASE("config: a number too large for a double is an error, not a crash (fuzz finding)") {
  CHECK(config_error("1e400").find("not valid JSON") != std::string::npos);
  CHECK(config_error(R"({"docker": {"timeout": 1e400}})").find("not valid JSON") != std::string::npos);
}
