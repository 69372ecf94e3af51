// The toolset: a static busybox (plus any extra static tools), verified without
// being run, and copied into a fresh detached tmpfs that becomes the session
// root's tool directory (`/.ctrdbg` unless configured otherwise).
//
// The container only ever sees that copy — never the host file — so a root
// process in the container that opens /proc/<shell>/exe for writing (runc
// CVE-2019-5736) changes a throwaway tmpfs page, not a host binary.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/tools/host_tools.hpp"
#include "ctrdbg/tools/image_tools.hpp"

namespace ctrdbg {

inline constexpr const char* kDefaultToolDir = "/.ctrdbg";

// One verified binary, held open: it is copied from this very fd, so a path
// swapped after the check changes nothing.
struct ToolFile {
  std::string name;    // its name in <tool dir>/bin
  std::string path;    // host path it was taken from
  std::string origin;  // "--toolbox", "host busybox-static", "--tools", ...
  Fd file;
  long long size = 0;
};

struct Toolset {
  ToolFile busybox;
  std::string version;               // "BusyBox v1.35.0"
  std::vector<std::string> applets;
  std::vector<ToolFile> extras;      // --tools, config "tools", bash-static as `bash`
  HostTools host;                    // --tools that are dynamically linked (tools/host_tools.hpp)
  std::optional<ImageTools> image;   // --image (tools/image_tools.hpp)
  std::vector<std::string> skipped;  // candidates passed over, and why (for -v)
};

struct ToolsetRequest {
  std::optional<std::string> busybox;  // --toolbox or config toolset.busybox
  std::string busybox_origin = "--toolbox";  // which of the two, for messages
  std::string image = "busybox:latest";  // config toolset.image: looked up in Docker's image store
  std::optional<std::string> docker_root;  // where that store is (else daemon.json, /var/lib/docker)
  std::vector<std::string> tools;      // --tools and config toolset.tools: names (looked up on PATH), files or
                                       // directories; comma-separated lists too
  std::optional<std::string> tools_image;  // --image or config toolset.tools_image (image_tools.hpp)
  bool bash_static = true;             // offer /bin/bash-static as `bash`
  std::string mount_dir = kDefaultToolDir;
};

// Finds and verifies everything, in this order: --toolbox / toolset.busybox; the
// Docker image store (toolset.image, then any other busybox tag), read from disk;
// the host's /bin/busybox. Throws Error: when no busybox fits, one message
// listing each candidate and why it was refused, and how to fix it; an extra
// tool that is not a static binary of this architecture is refused by name.
Toolset find_toolset(const ToolsetRequest& req);

// One line per host tool and for the image: what was staged and from where (for
// -v and --show-toolset).
std::vector<std::string> describe_tools(const Toolset& tools);

// Opens and verifies one busybox candidate: a regular file, static ELF of this
// machine's architecture, with busybox's version banner and applet table.
// `nofollow`: the path's last component must not be a symlink (image layers).
Toolset inspect_busybox(const std::string& path, const std::string& origin, bool nofollow = false);

// Opens and verifies one extra tool: a regular static ELF of this architecture.
ToolFile inspect_static_tool(const std::string& path, const std::string& name, const std::string& origin);

// The toolset's detached tmpfs (new mount API), laid out as
//   <dir>/bin/busybox, <dir>/bin/<applet> (hard links to it), <dir>/bin/<extra>
// make_toolset_mount() creates the tmpfs, <dir>/bin and an empty <dir>/bin/busybox;
// StagedToolset::fill() (below) writes busybox and the extras and links the applets.
// A host file or directory for a host tool, cloned read-only (open_tree +
// mount_setattr) in the host's mount namespace; the session's helper attaches it
// at `path` (absolute in the session root) before the root is sealed.
struct ToolBind {
  Fd tree;
  std::string path;
};

struct ToolsetMount {
  Fd root;     // the detached mount
  Fd bin;      // <dir>/bin in it
  Fd busybox;  // <dir>/bin/busybox, open for writing until fill()
  std::vector<ToolBind> binds;
  std::vector<std::string> copied;  // host-tool pieces (dest) copied: the kernel could not clone them
};
ToolsetMount make_toolset_mount(const Toolset& tools, const std::string& mount_dir);

// The applet names to link to busybox: unique, without "busybox" itself and without
// the names an extra tool or a host tool takes.
std::vector<std::string> applet_links(const Toolset& tools);

// Two processes make the links side by side, one from each end of `names`:
// ctrdbg from the front (in fill()), the session's helper from the back (once it
// has built the session root and while ctrdbg still copies). Each stops at its
// first EEXIST: the other has passed that point, so every name is linked. Returns
// 0, or -1 with errno and *failed_name set (no exceptions: the helper runs it
// after fork()).
enum class LinkFrom { front, back };
int link_applets(int bin_dir, const std::vector<std::string>& names, LinkFrom from, const char** failed_name);

// Adds <dir>/rc, which sets a prompt that names the container, and makes a host
// tool that has a busybox applet's name run instead of the applet.
void write_prompt_rc(int toolset_root, const std::string& mount_dir, const std::string& prompt_name,
                     const Toolset& tools);

// Adds <dir>/ctrdbg-session, the session's reaper (session_reaper.hpp), from `image`.
void write_session_reaper(int toolset_root, const std::string& mount_dir, std::string_view image);

// A toolset found and verified, its tmpfs made but not yet filled. fill() writes
// busybox, links applets from the front of `links` (see link_applets),
// copies the extras, then closes the host files and the bin directory: after it,
// the only fd left is `root`, the detached mount.
struct StagedToolset {
  Toolset info;
  ToolsetMount mount;
  std::vector<std::string> links;  // applet_links(info)
  std::string mount_dir;           // "/.ctrdbg"
  void fill();
  // The host files and the tmpfs fds other than `root` (open until fill()), for a
  // forked process to close.
  std::vector<int> host_fds() const;
};

// find_toolset + make_toolset_mount, done once: by run(), which main hands to the
// resolver to fill the time the engine takes to answer, or else by get().
// Not a thread: on a small host the engine needs the other core to answer, and a
// second thread competes with it for that core (measured: docs/performance-notes.md).
// get() returns the staged toolset or rethrows what went wrong, so a toolset
// problem is reported after the target has been resolved, as before.
class ToolsetStager {
 public:
  explicit ToolsetStager(ToolsetRequest req) : req_(std::move(req)) {}
  void run() noexcept;
  StagedToolset get();

 private:
  ToolsetRequest req_;
  bool done_ = false;
  StagedToolset result_;
  std::exception_ptr error_;
};

}  // namespace ctrdbg
