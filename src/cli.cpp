#include "ctrdbg/cli.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

// cxxopts otherwise compiles six std::regex objects at start-up: milliseconds per run.
#define CXXOPTS_NO_REGEX 1
#include <cxxopts.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/relay.hpp"

namespace ctrdbg {
namespace {

// One table drives both cxxopts and the scan that finds where TARGET starts,
// so the two can never disagree about which options take a value.
struct OptionSpec {
  const char* names;  // cxxopts spelling: "t,tty" or "timeout"
  const char* value;  // nullptr: a flag; else the value's name in --help
  const char* help;
};

constexpr std::array option_specs{
    OptionSpec{"t,tty", nullptr, "Allocate a pty (default: when stdin and stdout are terminals)"},
    OptionSpec{"T,no-tty", nullptr, "Never allocate a pty; the command gets ctrdbg's stdin/stdout/stderr"},
    OptionSpec{"e,env", "KEY=VAL", "Set an environment variable (KEY alone: take it from here); repeatable"},
    OptionSpec{"w,workdir", "DIR", "Working directory inside the container (default: its WorkingDir, else /)"},
    OptionSpec{"u,user", "USER[:GROUP]", "Run as this user (names from the container's /etc/passwd and /etc/group)"},
    OptionSpec{"as-container", nullptr,
               "Run with exactly the container's restrictions, as docker exec would: capabilities, seccomp, "
               "no_new_privs, user, AppArmor, rlimits, cgroups (the default adds CAP_SYS_PTRACE and runs as root)"},
    OptionSpec{"privileged", nullptr,
               "Run as host root with every capability, outside the container's cgroups and seccomp, like nsenter; "
               "the shell sources none of the container's files and finds the toolset first (before 0.2 this was "
               "the default)"},
    OptionSpec{"toolbox", "PATH", "Static busybox to bring in (default: the host's busybox-static)"},
    OptionSpec{"tools", "NAME,...", "Host tools to bring in: names on the host's PATH or paths, static or dynamically "
                                    "linked (strace,tcpdump,gdb); a directory adds its binaries; repeatable"},
    OptionSpec{"image", "IMAGE", "Mount IMAGE from the local image store read-only at <tool dir>/image and put its "
                                 "programs on PATH after the toolset's (no pull, no daemon)"},
    OptionSpec{"timeout", "DUR", "Deadline for the Docker Engine API (default 1s; e.g. 500ms, 2s)"},
    OptionSpec{"timeout-cmd", "DUR", "End the command after DUR (SIGTERM, SIGKILL 5s later); exit status 124"},
    OptionSpec{"record", "FILE", "Record the session (pty only) in asciicast v2 format to FILE"},
    OptionSpec{"escape", "KEY", "Escape key: KEY then q ends the session (default ^]; 'none' disables)"},
    OptionSpec{"engine", "SOURCE", "Where to look the target up: api, disk or auto (default: the API, then disk)"},
    OptionSpec{"docker-root", "DIR", "Docker's data-root for on-disk lookup (default: from daemon.json)"},
    OptionSpec{"list", nullptr, "List running containers of every engine (read from disk) and exit"},
    OptionSpec{"json", nullptr, "With --list: print JSON"},
    OptionSpec{"show-toolset", nullptr, "Show which toolset would be used, from where, and why others were skipped"},
    OptionSpec{"v,verbose", nullptr, "Say on stderr what was resolved, from where, and what was joined"},
    OptionSpec{"h,help", nullptr, "Show this help and exit"},
    OptionSpec{"version", nullptr, "Show the version and exit"},
};

bool takes_value_long(std::string_view name) {
  for (const auto& spec : option_specs) {
    std::string_view names = spec.names;
    auto comma = names.find(',');
    std::string_view long_name = comma == std::string_view::npos ? names : names.substr(comma + 1);
    if (long_name == name) return spec.value != nullptr;
  }
  return false;  // unknown: cxxopts reports it
}

bool takes_value_short(char c) {
  for (const auto& spec : option_specs) {
    std::string_view names = spec.names;
    if (names.size() > 1 && names[1] == ',' && names[0] == c) return spec.value != nullptr;
  }
  return false;
}

cxxopts::Options make_options() {
  cxxopts::Options options("ctrdbg", "Enter a running container with a shell and tools, without its engine's help.");
  options.custom_help("[OPTIONS]");
  options.positional_help("TARGET [--] [COMMAND [ARG...]]");
  auto adder = options.add_options();
  for (const auto& spec : option_specs) {
    if (spec.value == nullptr) {
      adder(spec.names, spec.help);
    } else if (std::string_view(spec.names) == "e,env" || std::string_view(spec.names) == "tools") {
      adder(spec.names, spec.help, cxxopts::value<std::vector<std::string>>(), spec.value);
    } else {
      adder(spec.names, spec.help, cxxopts::value<std::string>(), spec.value);
    }
  }
  return options;
}

// Index of TARGET in argv, or argv.size() when there is none.
size_t find_target(const std::vector<std::string>& argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") return i + 1;                      // `ctrdbg -v -- web`
    if (a.size() < 2 || a[0] != '-') return i;         // first non-option
    if (a[1] == '-') {                                 // --name or --name=value
      if (a.find('=') == std::string::npos && takes_value_long(std::string_view(a).substr(2))) ++i;
      continue;
    }
    for (size_t k = 1; k < a.size(); ++k) {            // -tv, -eKEY=V, -e KEY=V
      if (takes_value_short(a[k])) {
        if (k + 1 == a.size()) ++i;
        break;
      }
    }
  }
  return argv.size();
}

}  // namespace

std::chrono::milliseconds parse_duration(const std::string& text) {
  auto bad = [&]() -> Error {
    return Error(fmt::format("invalid duration '{}': expected e.g. 500ms, 1s, 1.5s, 2m", text));
  };
  double number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || rest == begin || !std::isfinite(number) || number < 0) throw bad();
  std::string_view unit(rest, static_cast<size_t>(end - rest));
  double ms;
  if (unit.empty() || unit == "s") ms = number * 1000;
  else if (unit == "ms") ms = number;
  else if (unit == "m") ms = number * 60'000;
  else throw bad();
  if (ms > 24.0 * 3600 * 1000) throw bad();
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

std::string help_text() {
  auto options = make_options();
  return options.help() +
         "\nTARGET is a container name, full ID or unique ID prefix, looked up in every engine\n"
         "(Docker, podman, containerd), or one engine's form: docker://NAME, podman://NAME,\n"
         "containerd://[NS/]ID, k8s://NAMESPACE/POD[/CONTAINER], pid://N.\n"
         "Without COMMAND, the toolset's shell is started (a login shell, except with --privileged).\n"
         "By default the command has the container's own confinement (capabilities, seccomp, AppArmor,\n"
         "cgroups) as its root user, plus CAP_SYS_PTRACE so that strace, gdb and ss -p work.\n"
         "Exit status: the command's own; 124 --timeout-cmd ran out; 125 ctrdbg failed; 126 cannot execute;\n"
         "127 command not found; 128+N command killed by signal N.\n";
}

Options parse_cli(const std::vector<std::string>& argv) {
  size_t target_at = find_target(argv);
  // cxxopts without its regexes only takes short clusters of letters and digits:
  // spell "-veA=1" and "-w/srv" out as "-v -e A=1" and "-w /srv" first.
  std::vector<std::string> expanded;
  for (size_t i = 0; i < target_at && i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (i + 1 == target_at && a == "--") break;  // the separator before TARGET
    if (i == 0 || a.size() < 2 || a[0] != '-' || a[1] == '-') {
      expanded.push_back(a);
      continue;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      expanded.push_back(std::string("-") + a[k]);
      if (takes_value_short(a[k])) {
        if (k + 1 < a.size()) expanded.push_back(a.substr(k + 1));
        break;
      }
    }
  }
  std::vector<const char*> head;
  for (const auto& a : expanded) head.push_back(a.c_str());

  Options out;
  auto options = make_options();
  try {
    auto parsed = options.parse(static_cast<int>(head.size()), head.data());
    if (!parsed.unmatched().empty()) fail("unexpected argument '{}'", parsed.unmatched().front());
    out.help = parsed.count("help") > 0;
    out.version = parsed.count("version") > 0;
    out.verbose = parsed.count("verbose") > 0;
    out.list = parsed.count("list") > 0;
    out.json = parsed.count("json") > 0;
    out.show_toolset = parsed.count("show-toolset") > 0;
    if (out.json && !out.list) fail("--json only goes with --list");
    bool t = parsed.count("tty") > 0, no_t = parsed.count("no-tty") > 0;
    if (t && no_t) fail("-t/--tty and -T/--no-tty contradict each other");
    out.tty = t ? TtyMode::force : no_t ? TtyMode::forbid : TtyMode::automatic;
    if (parsed.count("env")) out.env = parsed["env"].as<std::vector<std::string>>();
    if (parsed.count("workdir")) out.workdir = parsed["workdir"].as<std::string>();
    if (parsed.count("user")) {
      out.user = parsed["user"].as<std::string>();
      if (out.user->empty() || *out.user == ":")
        fail("-u '{}': expected USER, USER:GROUP, UID or UID:GID", *out.user);
    }
    out.as_container = parsed.count("as-container") > 0;
    out.privileged = parsed.count("privileged") > 0;
    if (out.as_container && out.privileged) fail("--as-container and --privileged contradict each other");
    if (parsed.count("toolbox")) out.toolbox = parsed["toolbox"].as<std::string>();
    if (parsed.count("tools")) out.tools = parsed["tools"].as<std::vector<std::string>>();
    if (parsed.count("image")) out.tools_image = parsed["image"].as<std::string>();
    if (parsed.count("timeout-cmd")) {
      try {
        out.command_timeout = parse_duration(parsed["timeout-cmd"].as<std::string>());
      } catch (const Error& e) {
        throw e.context("--timeout-cmd");
      }
    }
    if (parsed.count("record")) out.record = parsed["record"].as<std::string>();
    if (parsed.count("escape")) out.escape = parse_escape(parsed["escape"].as<std::string>());
    if (parsed.count("engine")) {
      out.engine = parsed["engine"].as<std::string>();
      if (out.engine != "api" && out.engine != "disk" && out.engine != "auto")
        fail("--engine '{}': expected api, disk or auto", out.engine);
    }
    if (parsed.count("docker-root")) {
      out.docker_root = parsed["docker-root"].as<std::string>();
      if (out.docker_root->empty() || (*out.docker_root)[0] != '/')
        fail("--docker-root '{}': expected an absolute path", *out.docker_root);
    }
    if (parsed.count("timeout")) {
      try {
        out.api_timeout = parse_duration(parsed["timeout"].as<std::string>());
      } catch (const Error& e) {
        throw e.context("--timeout");
      }
    }
  } catch (const cxxopts::exceptions::exception& e) {
    throw Error(e.what());
  }
  if (out.help || out.version) return out;

  for (const auto& kv : out.env) {
    auto eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (key.empty() || key.find_first_of(" \t\n") != std::string::npos)
      fail("-e '{}': expected KEY=VALUE or KEY", kv);
  }
  if (out.workdir && (out.workdir->empty() || (*out.workdir)[0] != '/'))
    fail("-w '{}': the working directory must be an absolute path", *out.workdir);

  if (out.list || out.show_toolset) {
    if (target_at < argv.size())
      fail("{} takes no TARGET (got '{}')", out.list ? "--list" : "--show-toolset", argv[target_at]);
    return out;
  }
  if (target_at >= argv.size()) fail("no TARGET given (try 'ctrdbg --help')");
  out.target = argv[target_at];
  if (out.target.empty()) fail("TARGET is empty");
  size_t cmd_at = target_at + 1;
  if (cmd_at < argv.size() && argv[cmd_at] == "--") ++cmd_at;
  out.command.assign(argv.begin() + static_cast<long>(cmd_at), argv.end());
  if (!out.command.empty() && out.command[0].empty()) fail("COMMAND is empty");
  return out;
}

}  // namespace ctrdbg
