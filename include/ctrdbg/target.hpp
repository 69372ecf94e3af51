// What resolution yields: one running container process to enter, and what the
// session needs to look like the container's own processes (env, cwd, hostname).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ctrdbg {

struct Target {
  std::string engine;    // "docker"
  std::string source;    // where the answer came from, for -v and error messages
  std::string id;        // full ID
  std::string name;      // without the leading '/'
  pid_t pid = 0;         // the container's init process, in the host PID namespace
  std::uint64_t start_time = 0;  // its /proc/PID/stat start time when the source records it (0: unknown)
  std::vector<std::string> env;  // KEY=VAL, as configured for the container
  std::string working_dir;
  std::string user;
  std::string hostname;
  std::string image;
  std::string bundle;    // the runtime's bundle (OCI config.json inside), for --as-container; "" when none
  // Docker's HostConfig.GroupAdd (`docker run --group-add`: names or numbers), which
  // docker exec -u adds to the user's groups. nullopt: not read (an on-disk lookup
  // reads hostconfig.json only when -u needs it: read_docker_group_add).
  std::optional<std::vector<std::string>> group_add;

  std::string short_id() const { return id.substr(0, 12); }
  // "web (3f2a1b2c3d4e)"
  std::string display() const {
    if (id.empty()) return name;
    return name.empty() ? short_id() : name + " (" + short_id() + ")";
  }
};

}  // namespace ctrdbg
