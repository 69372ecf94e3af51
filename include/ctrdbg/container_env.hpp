// The command's environment and working directory, built as docker exec would:
// the container's configured env, then ctrdbg's additions, then -e overrides.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctrdbg/target.hpp"

namespace ctrdbg {

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct EnvRequest {
  bool tty = false;                          // a pty is allocated: TERM is set
  bool default_shell = false;                // no COMMAND: the toolset's shell gets ENV=/.ctrdbg/rc
  std::vector<std::string> overrides;        // -e KEY=VAL / -e KEY
  // Looks a variable up in ctrdbg's own environment (TERM, -e KEY).
  std::function<std::optional<std::string>(const std::string&)> host_getenv;
  std::string tool_dir = "/.ctrdbg";         // where the toolset is mounted in the session
  std::string home = "/root";                // HOME when the container's env has none (the user's, with -u)
  // --privileged: <tool_dir>/bin goes before the container's PATH, so no container
  // binary runs unless it is named; and the default shell keeps no history file
  // (HISTFILE set empty): ~/.ash_history is the container's to make a device or a
  // link, and host root would read and write it.
  bool toolset_first = false;
  bool image_bin = false;                    // --image: <tool_dir>/ibin follows <tool_dir>/bin
  bool host_bin = false;                     // --tools: <tool_dir>/hbin comes first of all
};

// PATH: the container's (or the usual default) with <tool_dir>/bin appended, so the
// container's own binaries win (prepended with toolset_first); host tools the
// operator asked for (<tool_dir>/hbin) first of all. HOSTNAME, HOME and
// TERM are filled in when unset.
std::vector<std::string> build_environment(const Target& target, const EnvRequest& req);

// -w, else the container's WorkingDir, else "/".
std::string working_directory(const Target& target, const std::optional<std::string>& flag);

}  // namespace ctrdbg
