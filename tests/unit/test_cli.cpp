// parse_cli / parse_duration: how argv splits into options, TARGET and COMMAND,
// and which bad usages are refused (Error, exit 125, naming the culprit).
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ctrdbg/cli.hpp"
#include "ctrdbg/error.hpp"

using ctrdbg::Error;
using ctrdbg::Options;
using ctrdbg::parse_cli;
using ctrdbg::parse_duration;
using ctrdbg::TtyMode;
using namespace std::chrono_literals;
using Args = std::vector<std::string>;

namespace {

// Runs parse_cli expecting a usage error; returns the message (exit code checked).
std::string usage_error(const Args& argv) {
  try {
    parse_cli(argv);
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected ctrdbg::Error, got another exception: " << e.what());
    return {};
  }
  FAIL("expected ctrdbg::Error for a bad command line");
  return {};
}

// parse_cli that records an unexpected exception as a failed check instead of
// ending the test case, so later checks still run.
std::optional<Options> try_parse(const Args& argv) {
  try {
    return parse_cli(argv);
  } catch (const std::exception& e) {
    std::string joined;
    for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + a;
    FAIL_CHECK("parse_cli(" << joined << ") threw: " << std::string(e.what()));
    return std::nullopt;
  }
}

std::string duration_error(const std::string& text) {
  try {
    auto d = parse_duration(text);
    FAIL("parse_duration('" << text << "') returned " << d.count() << "ms instead of throwing");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("parse_cli: TARGET alone gives defaults and no command") {
  Options o = parse_cli({"ctrdbg", "web"});
  CHECK(o.target == "web");
  CHECK(o.command.empty());
  CHECK(o.tty == TtyMode::automatic);
  CHECK(o.env.empty());
  CHECK_FALSE(o.workdir.has_value());
  CHECK_FALSE(o.toolbox.has_value());
  CHECK(!o.api_timeout);  // the default (1 s) comes from the config step
  CHECK_FALSE(o.verbose);
  CHECK_FALSE(o.help);
  CHECK_FALSE(o.version);
}

TEST_CASE("parse_cli: everything after TARGET is the command, options included") {
  Options o = parse_cli({"ctrdbg", "web", "ls", "-l"});
  CHECK(o.target == "web");
  CHECK(o.command == Args{"ls", "-l"});

  // An option spelled after TARGET belongs to the command, not to ctrdbg.
  Options o2 = parse_cli({"ctrdbg", "web", "-v", "--help"});
  CHECK(o2.target == "web");
  CHECK(o2.command == Args{"-v", "--help"});
  CHECK_FALSE(o2.verbose);
  CHECK_FALSE(o2.help);
}

TEST_CASE("parse_cli: `--` after TARGET is dropped once") {
  Options o = parse_cli({"ctrdbg", "-v", "web", "--", "-x"});
  CHECK(o.verbose);
  CHECK(o.target == "web");
  CHECK(o.command == Args{"-x"});

  // Only the first `--` is a separator; a second one reaches the command.
  Options o2 = parse_cli({"ctrdbg", "web", "--", "--", "a"});
  CHECK(o2.command == Args{"--", "a"});
}

TEST_CASE("parse_cli: `--` before TARGET ends the options") {
  Options o = parse_cli({"ctrdbg", "-v", "--", "web", "sh", "-c", "true"});
  CHECK(o.verbose);
  CHECK(o.target == "web");
  CHECK(o.command == Args{"sh", "-c", "true"});

  // A TARGET that looks like an option is reachable after `--`.
  Options o2 = parse_cli({"ctrdbg", "--", "-weird"});
  CHECK(o2.target == "-weird");
  CHECK(o2.command.empty());
}

TEST_CASE("parse_cli: -e is repeatable, in order, with separate values") {
  Options o = parse_cli({"ctrdbg", "-e", "A=1", "-e", "B", "web"});
  CHECK(o.target == "web");
  CHECK(o.env == Args{"A=1", "B"});
  CHECK(o.command.empty());
}

// Attached short-option values, as getopt and `docker exec -eA=1 -w/srv` take them.
TEST_CASE("parse_cli: short option with its value attached") {
  auto o = try_parse({"ctrdbg", "-eFOO", "web"});
  CHECK((o && o->env == Args{"FOO"}));

  o = try_parse({"ctrdbg", "-eA=1", "web", "env"});
  CHECK((o && o->env == Args{"A=1"}));
  CHECK((o && o->target == "web"));
  CHECK((o && o->command == Args{"env"}));

  o = try_parse({"ctrdbg", "-w/srv", "web"});
  CHECK((o && o->workdir == std::optional<std::string>("/srv")));

  o = try_parse({"ctrdbg", "-veA=1", "web"});
  CHECK((o && o->verbose));
  CHECK((o && o->env == Args{"A=1"}));
}

TEST_CASE("parse_cli: --env=, --env separate") {
  CHECK(parse_cli({"ctrdbg", "--env=A=1", "web"}).env == Args{"A=1"});
  Options o = parse_cli({"ctrdbg", "--env", "A=1", "web", "env"});
  CHECK(o.env == Args{"A=1"});
  CHECK(o.target == "web");
  CHECK(o.command == Args{"env"});
  // A value with spaces and further '=' is kept verbatim.
  CHECK(parse_cli({"ctrdbg", "-e", "X=a b=c", "web"}).env == Args{"X=a b=c"});
}

TEST_CASE("parse_cli: clustered short flags") {
  Options o = parse_cli({"ctrdbg", "-tv", "web"});
  CHECK(o.tty == TtyMode::force);
  CHECK(o.verbose);
  CHECK(o.target == "web");

  Options o2 = parse_cli({"ctrdbg", "-Tv", "web"});
  CHECK(o2.tty == TtyMode::forbid);
  CHECK(o2.verbose);

  // A flag cluster ending in an option that takes a value consumes the next argument.
  Options o3 = parse_cli({"ctrdbg", "-ve", "A=1", "web", "id"});
  CHECK(o3.verbose);
  CHECK(o3.env == Args{"A=1"});
  CHECK(o3.target == "web");
  CHECK(o3.command == Args{"id"});
}

TEST_CASE("parse_cli: -t / -T / --tty / --no-tty") {
  CHECK(parse_cli({"ctrdbg", "-t", "web"}).tty == TtyMode::force);
  CHECK(parse_cli({"ctrdbg", "--tty", "web"}).tty == TtyMode::force);
  CHECK(parse_cli({"ctrdbg", "-T", "web"}).tty == TtyMode::forbid);
  CHECK(parse_cli({"ctrdbg", "--no-tty", "web"}).tty == TtyMode::forbid);
}

TEST_CASE("parse_cli: -w, --workdir, --toolbox") {
  Options o = parse_cli({"ctrdbg", "-w", "/srv", "web", "pwd"});
  REQUIRE(o.workdir.has_value());
  CHECK(*o.workdir == "/srv");
  CHECK(o.target == "web");
  CHECK(o.command == Args{"pwd"});

  Options o2 = parse_cli({"ctrdbg", "--workdir=/var/lib", "web"});
  REQUIRE(o2.workdir.has_value());
  CHECK(*o2.workdir == "/var/lib");

  Options o3 = parse_cli({"ctrdbg", "--toolbox", "/opt/bb", "web"});
  REQUIRE(o3.toolbox.has_value());
  CHECK(*o3.toolbox == "/opt/bb");
  CHECK(o3.target == "web");
}

TEST_CASE("parse_cli: --timeout") {
  Options o = parse_cli({"ctrdbg", "--timeout", "250ms", "web"});
  CHECK(o.api_timeout == 250ms);
  CHECK(o.target == "web");
  CHECK(*parse_cli({"ctrdbg", "--timeout=2s", "web"}).api_timeout == 2000ms);
}

TEST_CASE("parse_cli: --help and --version need no TARGET") {
  Options h = parse_cli({"ctrdbg", "--help"});
  CHECK(h.help);
  CHECK_FALSE(h.version);
  CHECK(h.target.empty());

  CHECK(parse_cli({"ctrdbg", "-h"}).help);

  Options v = parse_cli({"ctrdbg", "--version"});
  CHECK(v.version);
  CHECK_FALSE(v.help);
  CHECK(v.target.empty());
}

TEST_CASE("parse_cli: unknown option is refused and named") {
  std::string m = usage_error({"ctrdbg", "--bogus", "web"});
  CHECK(m.find("bogus") != std::string::npos);
  std::string m2 = usage_error({"ctrdbg", "-x", "web"});
  CHECK(m2.find('x') != std::string::npos);
}

TEST_CASE("parse_cli: -t with -T is a contradiction") {
  std::string m = usage_error({"ctrdbg", "-t", "-T", "web"});
  CHECK(m.find("-t") != std::string::npos);
  CHECK(m.find("-T") != std::string::npos);
  CHECK_FALSE(usage_error({"ctrdbg", "-tT", "web"}).empty());
}

TEST_CASE("parse_cli: missing TARGET") {
  CHECK(usage_error({"ctrdbg"}).find("TARGET") != std::string::npos);
  CHECK(usage_error({"ctrdbg", "-v"}).find("TARGET") != std::string::npos);
  // The value of -e is not mistaken for TARGET.
  CHECK(usage_error({"ctrdbg", "-e", "A=1"}).find("TARGET") != std::string::npos);
  CHECK(usage_error({"ctrdbg", "-v", "--"}).find("TARGET") != std::string::npos);
}

TEST_CASE("parse_cli: empty TARGET or empty COMMAND") {
  CHECK(usage_error({"ctrdbg", ""}).find("TARGET") != std::string::npos);
  CHECK(usage_error({"ctrdbg", "web", ""}).find("COMMAND") != std::string::npos);
}

TEST_CASE("parse_cli: -w must be absolute") {
  std::string m = usage_error({"ctrdbg", "-w", "srv", "web"});
  CHECK(m.find("'srv'") != std::string::npos);
  CHECK(m.find("absolute") != std::string::npos);
  CHECK_FALSE(usage_error({"ctrdbg", "-w", "", "web"}).empty());
}

TEST_CASE("parse_cli: bad -e") {
  std::string m = usage_error({"ctrdbg", "-e", "=x", "web"});
  CHECK(m.find("=x") != std::string::npos);
  std::string m2 = usage_error({"ctrdbg", "-e", "A B=1", "web"});
  CHECK(m2.find("A B=1") != std::string::npos);
  CHECK_FALSE(usage_error({"ctrdbg", "-e", "", "web"}).empty());
}

TEST_CASE("parse_cli: -e without its value") {
  CHECK_FALSE(usage_error({"ctrdbg", "-e"}).empty());
}

TEST_CASE("parse_cli: bad --timeout names the option and the value") {
  std::string m = usage_error({"ctrdbg", "--timeout", "soon", "web"});
  CHECK(m.find("--timeout") != std::string::npos);
  CHECK(m.find("soon") != std::string::npos);
}

TEST_CASE("parse_duration: accepted forms") {
  CHECK(parse_duration("1s") == 1000ms);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("2m") == 120000ms);
  CHECK(parse_duration("3") == 3000ms);
  CHECK(parse_duration("0") == 0ms);
  CHECK(parse_duration("0.25") == 250ms);
  CHECK(parse_duration("1.5ms") == 2ms);  // rounded to the nearest millisecond
  CHECK(parse_duration("86400s") == 86400000ms);  // 24 h is the ceiling, inclusive
}

TEST_CASE("parse_duration: refused forms") {
  CHECK(duration_error("").find("invalid duration") != std::string::npos);
  CHECK(duration_error("abc").find("'abc'") != std::string::npos);
  duration_error("-1s");
  duration_error("1h");
  duration_error("1e99");
  duration_error("86401s");
  duration_error("s");
  duration_error("1 s");
  duration_error("1s ");
  duration_error(" 1s");
  duration_error("1S");
  duration_error("inf");
  duration_error("nan");
  duration_error("1sec");
}

TEST_CASE("parse_cli: --engine and --docker-root") {
  auto o = try_parse({"ctrdbg", "--engine", "disk", "--docker-root", "/srv/docker", "web"});
  REQUIRE(o);
  CHECK(o->engine == "disk");
  CHECK(o->docker_root == std::optional<std::string>("/srv/docker"));
  CHECK(try_parse({"ctrdbg", "web"})->engine == "auto");
  CHECK(try_parse({"ctrdbg", "--engine=api", "web"})->engine == "api");
  CHECK(usage_error({"ctrdbg", "--engine", "podman", "web"}).find("--engine 'podman'") != std::string::npos);
  CHECK(usage_error({"ctrdbg", "--docker-root", "rel", "web"}).find("--docker-root 'rel'") != std::string::npos);
}

TEST_CASE("parse_cli: -u USER[:GROUP] and --as-container") {
  Options o = parse_cli({"ctrdbg", "-u", "app:staff", "--as-container", "web", "id"});
  CHECK(o.user == "app:staff");
  CHECK(o.as_container);
  CHECK(o.command == Args{"id"});
  o = parse_cli({"ctrdbg", "-u1000", "web"});  // glued, as docker exec -u1000
  CHECK(o.user == "1000");
  CHECK_FALSE(o.as_container);
  o = parse_cli({"ctrdbg", "--user=:app", "web"});  // root with group app, as docker exec -u :app
  CHECK(o.user == ":app");
  o = parse_cli({"ctrdbg", "web", "-u", "app"});  // after TARGET: the command's
  CHECK_FALSE(o.user.has_value());
  CHECK(o.command == Args{"-u", "app"});
  CHECK(usage_error({"ctrdbg", "-u", ":", "web"}).find("-u ':'") != std::string::npos);
  CHECK(usage_error({"ctrdbg", "--user=", "web"}).find("-u ''") != std::string::npos);
}

TEST_CASE("parse_cli: the default profile, --privileged, --as-container") {
  Options o = parse_cli({"ctrdbg", "web"});
  CHECK_FALSE(o.privileged);
  CHECK_FALSE(o.as_container);
  o = parse_cli({"ctrdbg", "--privileged", "-u", "app", "web", "id"});
  CHECK(o.privileged);
  CHECK(o.user == "app");
  CHECK(o.command == Args{"id"});
  o = parse_cli({"ctrdbg", "web", "--privileged"});  // after TARGET: the command's
  CHECK_FALSE(o.privileged);
  CHECK(o.command == Args{"--privileged"});
  CHECK(usage_error({"ctrdbg", "--privileged", "--as-container", "web"}).find("contradict") != std::string::npos);
  // The change of default is named once in --help, with --privileged.
  std::string help = ctrdbg::help_text();
  CHECK(help.find("--privileged") != std::string::npos);
  CHECK(help.find("before 0.2 this was the default") != std::string::npos);
  CHECK(help.find("CAP_SYS_PTRACE") != std::string::npos);
}
