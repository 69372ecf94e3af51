// The toolset: a static busybox, verified without being run, and copied into a
// fresh detached tmpfs that becomes the session root's `/.ctrdbg`.
//
// The container only ever sees that copy — never the host file — so a root
// process in the container that opens /proc/<shell>/exe for writing (runc
// CVE-2019-5736) changes a throwaway tmpfs page, not a host binary.
#pragma once

#include <exception>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {

inline constexpr const char* kToolDir = "/.ctrdbg";
inline constexpr const char* kToolBin = "/.ctrdbg/bin";

struct Toolset {
  std::string path;         // host path it was taken from
  std::string origin;       // "--toolbox", "host busybox-static"
  std::string version;      // "BusyBox v1.35.0"
  std::vector<std::string> applets;
  Fd file;                  // O_RDONLY on the verified binary (copied from this very fd)
  long long size = 0;
};

// Finds and verifies the toolset: `toolbox` when given, else the host's static
// busybox. Throws Error listing each candidate and why it was refused.
Toolset find_toolset(const std::optional<std::string>& toolbox);

// Opens and verifies one candidate: a regular file, static ELF of this machine's
// architecture, with busybox's version banner and applet table. Throws Error.
Toolset inspect_busybox(const std::string& path, const std::string& origin);

// Stages the toolset into a new detached tmpfs (new mount API) laid out as
//   /.ctrdbg/bin/busybox, /.ctrdbg/bin/<applet> -> busybox
// and returns the mount fd.
Fd stage_toolset(const Toolset& tools);

// Adds /.ctrdbg/rc, which sets a prompt that names the container.
void write_prompt_rc(int toolset_root, const std::string& prompt_name);

// find_toolset + stage_toolset on a thread of its own, so staging overlaps the
// engine's answer. get() joins and rethrows; the destructor joins too, so the
// process is single-threaded again before anything forks.
struct StagedToolset {
  Toolset info;
  Fd root;
};
class ToolsetStager {
 public:
  explicit ToolsetStager(std::optional<std::string> toolbox);
  ~ToolsetStager();
  ToolsetStager(const ToolsetStager&) = delete;
  ToolsetStager& operator=(const ToolsetStager&) = delete;
  StagedToolset get();

 private:
  StagedToolset result_;
  std::exception_ptr error_;
  std::thread thread_;  // last: it starts running once the members above exist
};

}  // namespace ctrdbg
