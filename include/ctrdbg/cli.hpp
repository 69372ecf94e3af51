// Command line: ctrdbg [OPTIONS] TARGET [--] [COMMAND [ARG...]]
//
// Options are only recognised before TARGET, as in `docker exec`: everything after
// it belongs to the command (`ctrdbg web ls -l` runs `ls -l`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ctrdbg {

enum class TtyMode { automatic, force, forbid };

struct Options {
  std::string target;
  std::vector<std::string> command;  // empty: the toolset's shell
  TtyMode tty = TtyMode::automatic;
  std::vector<std::string> env;      // -e KEY=VAL or -e KEY (taken from ctrdbg's environment)
  std::optional<std::string> workdir;
  std::optional<std::string> user;            // -u USER[:GROUP]
  bool as_container = false;                  // --as-container: exactly docker exec's privileges
  bool privileged = false;                    // --privileged: host root, like nsenter (the default before 0.2)
  std::optional<std::string> toolbox;
  std::vector<std::string> tools;             // --tools NAME,... (names, paths, directories), repeatable
  std::optional<std::string> tools_image;     // --image IMAGE
  std::optional<std::chrono::milliseconds> api_timeout;  // --timeout; else config, else 1 s
  std::string engine = "auto";                // --engine api|disk|auto
  std::optional<std::string> docker_root;     // --docker-root
  bool verbose = false;
  bool list = false;                          // --list: no TARGET, print running containers
  bool json = false;                          // --json with --list
  bool show_toolset = false;                  // --show-toolset: which toolset, from where, and why not the others
  std::optional<std::chrono::milliseconds> command_timeout;  // --timeout-cmd
  int escape = 0x1d;                          // --escape (^] by default; -1: none)
  std::optional<std::string> record;          // --record FILE
  bool help = false;
  bool version = false;
};

// Parses argv (argv[0] included). Throws Error (exit 125) naming the offending
// argument on bad usage; returns with help/version set when those were asked for.
Options parse_cli(const std::vector<std::string>& argv);

std::string help_text();

// "1s", "250ms", "1.5s", "2m", or a bare number of seconds. Throws Error on anything else.
std::chrono::milliseconds parse_duration(const std::string& text);

}  // namespace ctrdbg
