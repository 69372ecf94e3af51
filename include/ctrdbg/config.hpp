// The configuration file: /etc/ctrdbg/config.json, or the file CTRDBG_CONFIG names.
// Every key is optional; command-line options win over it. Unknown keys and wrong
// types are errors that name the key, so a typo never silently does nothing.
//
// {
//   "toolset": {
//     "busybox": "/opt/busybox",          // a static busybox to use (like --toolbox)
//     "image": "busybox:latest",          // the image to take busybox from
//     "tools": ["strace", "/opt/static-tools"],  // host tools, files or directories (like --tools)
//     "tools_image": "nicolaka/netshoot",  // an image whose programs join the toolset (like --image)
//     "bash_static": true                 // offer the host's bash-static as `bash`
//   },
//   "docker": {
//     "socket": "/var/run/docker.sock",   // the Engine API socket (DOCKER_HOST wins)
//     "data_root": "/var/lib/docker",     // for the on-disk lookup (like --docker-root)
//     "exec_root": "/var/run/docker",     // dockerd's exec-root: runc's and containerd's state
//     "timeout": "1s"                     // the Engine API deadline (like --timeout)
//   },
//   "mount_dir": "/.ctrdbg",              // where the toolset appears in the session: one
//                                         // top-level name starting with a dot (never /proc, /etc)
//   "audit_socket": "/dev/log"            // the syslog socket for the per-session audit line
// }
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

struct Config {
  std::string path;  // the file it came from, "" when none
  std::optional<std::string> busybox;
  std::string image = "busybox:latest";
  std::vector<std::string> tools;
  std::optional<std::string> tools_image;
  bool bash_static = true;
  std::optional<std::string> docker_socket;
  std::optional<std::string> docker_root;
  std::optional<std::string> docker_exec_root;
  std::optional<std::chrono::milliseconds> timeout;
  std::string mount_dir = "/.ctrdbg";
  std::string audit_socket = "/dev/log";
};

// Pure: parses the file's text; `path` only names it in errors. Throws Error.
Config parse_config(std::string_view text, const std::string& path);

// Reads CTRDBG_CONFIG (which must exist) or /etc/ctrdbg/config.json (which may not).
// Either must be a regular file: a fifo, a device or a directory is an Error naming
// its type, at once (the open cannot block).
Config load_config(const char* env_path);

}  // namespace ctrdbg
