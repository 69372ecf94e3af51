#include "ctrdbg/toolset.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/image_store.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/session_reaper.hpp"
#include "ctrdbg/tools/embedded.hpp"

namespace ctrdbg {
namespace {

constexpr long long kMaxToolSize = 64ll << 20;

// Single quotes for a shell word: 'it'\''s'.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void write_all(int fd, const std::string& data, const char* what) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("staging toolset: write {}", what);
    done += static_cast<size_t>(n);
  }
}

// Opens a candidate and checks the parts every tool needs: a regular file of sane
// size, a static ELF for this machine. `read` gives access to its bytes.
struct Candidate {
  ToolFile tool;
  ElfInfo elf;
};

std::string read_range(const ToolFile& t, std::uint64_t offset, size_t length) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(t.file.get(), out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("{}: read", t.path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

Candidate open_static_binary(const std::string& path, const std::string& name, const std::string& origin,
                             bool nofollow = false) {
  Candidate c;
  ToolFile& t = c.tool;
  t.name = name;
  t.path = path;
  t.origin = origin;
  // O_NONBLOCK: a fifo planted at the path must not hang us; it is refused below.
  t.file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0)));
  if (!t.file) fail_errno("{}", path);
  struct stat st{};
  if (::fstat(t.file.get(), &st) < 0) fail_errno("{}", path);
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", path);
  if (st.st_size > kMaxToolSize) fail("{}: {} bytes is too large for a toolset binary", path, st.st_size);
  t.size = st.st_size;
  std::string head = read_range(t, 0, 4096);
  try {
    c.elf = parse_elf(head);
  } catch (const Error& e) {
    if (head.starts_with("#!")) fail("{}: a script, not a binary (stage its interpreter instead)", path);
    throw e.context(path);
  }
  if (c.elf.machine != native_elf_machine())
    fail("{}: built for {}, but this host runs {}", path, elf_machine_name(c.elf.machine),
         elf_machine_name(native_elf_machine()));
  if (c.elf.has_interpreter)
    fail("{}: dynamically linked (it would need the container's libraries); only static binaries run in any container",
         path);
  return c;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// --tools entries: a name (looked up on the host's PATH), a file, or every regular
// file directly in a directory; each may be a comma-separated list. A static binary
// is copied as it is; a dynamically linked one becomes a host tool (`host`: name
// and path, resolved with its libraries once all are known).
void add_extra_tools(const std::string& entries, const std::string& origin, std::vector<ToolFile>& out,
                     std::vector<std::pair<std::string, std::string>>& host) {
  size_t start = 0;
  for (;;) {
    size_t comma = entries.find(',', start);
    std::string entry = entries.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma + 1;
    if (!entry.empty()) {
      std::vector<std::string> files;
      struct stat st{};
      if (entry.find('/') == std::string::npos) {
        // A bare name: a host tool from PATH (resolve_host_tools looks it up), or a
        // file of that name in the current directory when there is one, as before.
        if (::stat(entry.c_str(), &st) == 0 && S_ISREG(st.st_mode)) files.push_back(entry);
        else if (!plausible_applet_name(entry)) fail("{} {}: not a usable command name", origin, entry);
        else host.emplace_back(entry, entry);
      } else {
        if (::stat(entry.c_str(), &st) < 0) fail_errno("{} {}", origin, entry);
        if (S_ISDIR(st.st_mode)) {
          DIR* dir = ::opendir(entry.c_str());
          if (!dir) fail_errno("{} {}", origin, entry);
          while (dirent* e = ::readdir(dir)) {
            if (e->d_name[0] == '.') continue;
            std::string path = entry + "/" + e->d_name;
            struct stat fst{};
            if (::stat(path.c_str(), &fst) == 0 && S_ISREG(fst.st_mode)) files.push_back(path);
          }
          ::closedir(dir);
          std::sort(files.begin(), files.end());
        } else {
          files.push_back(entry);
        }
      }
      for (const auto& path : files) {
        std::string name = base_name(path);
        if (!plausible_applet_name(name)) fail("{} {}: '{}' is not a usable command name", origin, path, name);
        if (is_dynamic_elf(path)) {
          host.emplace_back(name, path);
          continue;
        }
        try {
          out.push_back(inspect_static_tool(path, name, origin));
        } catch (const Error& e) {
          throw e.context(origin);
        }
      }
    }
    if (comma == std::string::npos) break;
  }
}

}  // namespace

std::vector<std::string> describe_tools(const Toolset& t) {
  std::vector<std::string> out;
  for (const auto& h : t.host.tools) {
    size_t libs = 0;
    for (const auto& p : h.pieces) libs += p.dest.find("/lib/") != std::string::npos;
    std::string line = fmt::format("host tool {} from {} ({} libraries, {:.1f} MiB, glibc {} loader {} sealed)", h.name,
                                   h.host_path, libs, static_cast<double>(h.bytes) / (1 << 20), t.host.loader.version,
                                   t.host.loader_path);
    for (const auto& n : h.notes) line += "; " + n;
    out.push_back(std::move(line));
  }
  if (t.image) {
    const ImageTools& i = *t.image;
    out.push_back(fmt::format("image {}: {} layers, {} programs on PATH{}", i.shown, i.layer_dirs.size(),
                              i.programs.size(),
                              i.have_loader ? fmt::format(" (glibc {} loader {} sealed)", i.loader.version, i.loader_path)
                                            : std::string()));
    for (size_t k = 0; k < i.layer_dirs.size(); ++k) out.push_back(fmt::format("image layer {}: {}", k + 1, i.layer_dirs[k]));
    for (const auto& s : i.skipped) out.push_back("image: skipped " + s);
  }
  return out;
}

ToolFile inspect_static_tool(const std::string& path, const std::string& name, const std::string& origin) {
  return std::move(open_static_binary(path, name, origin).tool);
}

Toolset inspect_busybox(const std::string& path, const std::string& origin, bool nofollow) {
  Candidate c = open_static_binary(path, "busybox", origin, nofollow);
  BusyboxInfo busybox;
  auto read = [&](std::uint64_t offset, size_t length) { return read_range(c.tool, offset, length); };
  try {
    // Busybox's banner and applet table live in .rodata: reading that section
    // (~250 KiB, in small chunks) instead of the whole binary keeps staging fast.
    // A binary without section headers is scanned whole.
    auto rodata = find_elf_section(c.elf, ".rodata", read);
    if (rodata) busybox = scan_busybox_range(read, rodata->offset, rodata->size);
    if (busybox.applets.empty()) busybox = scan_busybox_range(read, 0, static_cast<std::uint64_t>(c.tool.size));
  } catch (const Error& e) {
    throw e.context(path);
  }
  if (busybox.version.empty() || busybox.applets.size() < 8)
    fail("{}: not busybox (no BusyBox version banner and applet table found)", path);
  Toolset t;
  t.busybox = std::move(c.tool);
  t.version = std::move(busybox.version);
  t.applets = std::move(busybox.applets);
  return t;
}

Toolset find_toolset(const ToolsetRequest& req) {
  Toolset t;
  if (req.busybox) {
    try {
      t = inspect_busybox(*req.busybox, req.busybox_origin);
    } catch (const Error& e) {
      throw e.context("toolbox");
    }
  } else {
    std::vector<std::string> refused;
    bool found = false;
    auto attempt = [&](const std::string& path, const std::string& origin, bool nofollow) {
      try {
        t = inspect_busybox(path, origin, nofollow);
        found = true;
      } catch (const Error& e) {
        refused.push_back(e.what());
      }
    };
    // Docker's image store, read from disk: the configured image, then any busybox tag.
    try {
      std::string root = docker_data_root(req.docker_root);
      std::vector<std::string> images{req.image};
      for (auto& tag : docker_image_tags(root, "busybox"))
        if (tag != req.image) images.push_back(std::move(tag));
      for (const auto& image : images) {
        std::string why;
        auto file = find_file_in_docker_image(root, image, "bin/busybox", &why);
        if (!file) {
          refused.push_back(fmt::format("image {}: {}", image, why));
          continue;
        }
        attempt(file->host_path, fmt::format("docker image {} ({})", image, file->image.substr(0, 19)), true);
        if (found) break;
      }
    } catch (const Error& e) {
      refused.push_back(fmt::format("docker image store: {}", e.what()));
    }
    for (const char* candidate : {"/bin/busybox", "/usr/bin/busybox"}) {
      if (found) break;
      attempt(candidate, "host busybox", false);
    }
    if (!found) {
      std::string tried;
      for (const auto& r : refused) tried += (tried.empty() ? "" : "; ") + r;
      fail("no usable busybox (tried: {}); install one (apt install busybox-static), pull one (docker pull "
           "busybox), or pass --toolbox PATH",
           tried);
    }
    t.skipped = std::move(refused);
  }

  std::vector<std::pair<std::string, std::string>> host;
  for (const auto& entry : req.tools) add_extra_tools(entry, "--tools", t.extras, host);
  for (size_t i = 0; i < host.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (host[j].first == host[i].first) fail("--tools {}: named twice", host[i].first);
    for (const auto& e : t.extras)
      if (e.name == host[i].first) fail("--tools {}: named twice", host[i].first);
  }
  if (!host.empty()) {
    HostToolEnv env;
    const char* path = std::getenv("PATH");
    env.path_env = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    env.tool_dir = req.mount_dir;
    t.host = resolve_host_tools(host, env);
  }
  if (req.tools_image) {
    // Names the toolset's bin/ already has come first on PATH.
    std::vector<std::string> taken = t.applets;
    taken.push_back("busybox");
    for (const auto& e : t.extras) taken.push_back(e.name);
    for (const auto& h : t.host.tools) taken.push_back(h.name);
    if (req.bash_static) taken.push_back("bash");
    t.image = prepare_image_tools(docker_data_root(req.docker_root), *req.tools_image, taken);
  }
  bool have_bash = std::any_of(t.extras.begin(), t.extras.end(), [](const ToolFile& f) { return f.name == "bash"; });
  if (req.bash_static && !have_bash) {
    try {
      t.extras.push_back(inspect_static_tool("/bin/bash-static", "bash", "host bash-static"));
    } catch (const Error& e) {
      t.skipped.push_back(fmt::format("bash: {}", e.what()));
    }
  }
  return t;
}

namespace {

void write_tool(int out, const ToolFile& tool) {
  off_t off = 0;
  while (off < tool.size) {
    ssize_t n = ::sendfile(out, tool.file.get(), &off, static_cast<size_t>(tool.size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("staging toolset: copy {}", tool.path);
    if (n == 0) fail("staging toolset: {} shrank while being copied", tool.path);
  }
}

void copy_tool(int bin_dir, const ToolFile& tool) {
  // An extra tool may take an applet's name (a real `ps` over busybox's: that name
  // is not linked, see applet_links) or busybox's own. It is written under a name
  // no tool can have ('~' is not in plausible_applet_name) and renamed over its
  // own: the session's helper may still be linking applets to "busybox" (see
  // link_applets), and must never find that name missing.
  const std::string staging = tool.name + "~";
  Fd out(::openat(bin_dir, staging.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
  if (!out) fail_errno("staging toolset: create {}", tool.name);
  write_tool(out.get(), tool);
  if (::fchmod(out.get(), 0755) < 0) fail_errno("staging toolset: chmod {}", tool.name);
  if (::renameat(bin_dir, staging.c_str(), bin_dir, tool.name.c_str()) < 0)
    fail_errno("staging toolset: replace {}", tool.name);
}

// Every missing directory of `rel` (relative to `root`).
void make_dirs(int root, const std::string& rel) {
  for (size_t at = rel.find('/'); ; at = rel.find('/', at + 1)) {
    std::string part = rel.substr(0, at);
    if (::mkdirat(root, part.c_str(), 0755) < 0 && errno != EEXIST) fail_errno("staging toolset: mkdir {}", part);
    if (at == std::string::npos) break;
  }
}

std::string parent_of(const std::string& rel) {
  auto slash = rel.find_last_of('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

void write_file(int root, const std::string& rel, std::string_view data, mode_t mode) {
  Fd out(::openat(root, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!out) fail_errno("staging toolset: create {}", rel);
  write_all(out.get(), std::string(data), rel.c_str());
  if (::fchmod(out.get(), mode) < 0) fail_errno("staging toolset: chmod {}", rel);
}

// The open file `in` copied to `rel`, with `patches` written over the copy.
void copy_patched_fd(int root, const std::string& rel, int in, const std::string& shown, const std::vector<Patch>& patches,
                     mode_t mode) {
  struct stat st{};
  if (::fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) fail("staging toolset: {}: not a regular file", shown);
  Fd out(::openat(root, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!out) fail_errno("staging toolset: create {}", rel);
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = ::sendfile(out.get(), in, &off, static_cast<size_t>(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("staging toolset: copy {}", shown);
    if (n == 0) fail("staging toolset: {} shrank while being copied", shown);
  }
  const std::string& host_path = shown;
  for (const auto& p : patches) {
    if (p.offset + p.bytes.size() > static_cast<std::uint64_t>(st.st_size))
      fail("staging toolset: {}: patch outside the file", host_path);
    if (::pwrite(out.get(), p.bytes.data(), p.bytes.size(), static_cast<off_t>(p.offset)) !=
        static_cast<ssize_t>(p.bytes.size()))
      fail_errno("staging toolset: seal {}", rel);
  }
  if (::fchmod(out.get(), mode) < 0) fail_errno("staging toolset: chmod {}", rel);
}

// A host file copied to `rel`, with `patches` written over the copy.
void copy_patched(int root, const std::string& rel, const std::string& host_path, const std::vector<Patch>& patches,
                  mode_t mode) {
  Fd in(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!in) fail_errno("staging toolset: {}", host_path);
  copy_patched_fd(root, rel, in.get(), host_path, patches, mode);
}

// A read-only, nosuid, nodev clone of a host file or directory, detached (it exists
// in no mount namespace until the session's helper attaches it). An invalid Fd with
// errno set when the kernel cannot (before 5.12: no mount_setattr).
Fd clone_read_only(const std::string& host_path) {
  Fd tree(::open_tree(AT_FDCWD, host_path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree) return tree;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) return Fd();
  return tree;
}

template <typename F>
void for_each_piece(const HostTools& host, F&& f) {
  for (const auto& p : host.shared) f(p);
  for (const auto& t : host.tools)
    for (const auto& p : t.pieces) f(p);
}

// libexec/ctrdbg-tool and ctrdbg-env.so, once for host and image tools.
void stage_launcher(int root, const std::string& dir) {
  make_dirs(root, dir + "/libexec");
  struct stat st{};
  if (::fstatat(root, (dir + "/libexec/ctrdbg-tool").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return;
  write_file(root, dir + "/libexec/ctrdbg-tool", tool_launcher_image(), 0555);
  write_file(root, dir + "/libexec/ctrdbg-env.so", tool_env_image(), 0444);
}

std::string patched(std::string bytes, const std::vector<Patch>& patches) {
  for (const auto& p : patches) {
    if (p.offset + p.bytes.size() > bytes.size()) fail("staging toolset: patch outside the file");
    bytes.replace(static_cast<size_t>(p.offset), p.bytes.size(), p.bytes);
  }
  return bytes;
}

// Stages --image (tools/image_tools.hpp has the layout): the mount point (the
// helper attaches the image there), the sealed loader and libraries, one record
// per program in tools/image.launch, and ibin/NAME links to the launcher.
void stage_image_tools(int root, const std::string& dir, const ImageTools& img) {
  stage_launcher(root, dir);
  if (::mkdirat(root, (dir + "/image").c_str(), 0755) < 0) fail_errno("staging toolset: mkdir {}/image", dir);
  make_dirs(root, dir + "/tools/image/lib");
  make_dirs(root, dir + "/tools/image/run");
  make_dirs(root, dir + "/ibin");
  const std::string loader = dir + "/libexec/ld-image.so";
  if (img.have_loader) write_file(root, loader, patched(img.loader_bytes, img.loader.patches), 0555);
  for (const auto& lib : img.sealed_libs)
    copy_patched_fd(root, dir + "/tools/image/lib/" + lib.soname, lib.file.get(), lib.soname, lib.patches, 0444);
  Fd ibin(::openat(root, (dir + "/ibin").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!ibin) fail_errno("staging toolset: open {}/ibin", dir);
  for (const auto& p : img.programs) {
    bool via_loader = p.kind == ImageProgram::dynamic_elf || (p.kind == ImageProgram::script && p.interpreter_dynamic);
    if (via_loader && ::linkat(root, loader.c_str(), root, (dir + "/tools/image/run/" + p.name).c_str(), 0) < 0)
      fail_errno("staging toolset: link the image's loader as {}", p.name);
    if (::symlinkat("../libexec/ctrdbg-tool", ibin.get(), p.name.c_str()) < 0)
      fail_errno("staging toolset: link {}/ibin/{}", dir, p.name);
  }
  write_file(root, dir + "/tools/image.launch", image_launch_file(img, "/" + dir), 0444);
}

// Stages the host tools (tools/host_tools.hpp has the layout) into the tool
// directory `dir` of the tmpfs at `root`. Files bound by the helper get an empty
// placeholder here.
void stage_host_tools(int root, const std::string& dir, const HostTools& host, const std::vector<std::string>& copied,
                      int bin_dir) {
  if (host.tools.empty()) return;
  stage_launcher(root, dir);
  // Their own directory, first on PATH: a tool asked for by name runs, not the
  // container's program of that name.
  make_dirs(root, dir + "/hbin");
  Fd hbin(::openat(root, (dir + "/hbin").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!hbin) fail_errno("staging toolset: open {}/hbin", dir);
  const std::string loader = dir + "/libexec/ld-glibc.so";
  copy_patched(root, loader, host.loader_path, host.loader.patches, 0555);
  // A sealed copy is made once and hard-linked for the other tools that use it
  // (every tool has libc): same host file, same patches.
  std::map<std::string, std::string> copies;  // host path -> first copy (rel)
  auto place = [&](const ToolPiece& p) {
    const std::string rel = dir + "/" + p.dest;
    make_dirs(root, parent_of(rel));
    bool copy = !p.patches.empty() || std::find(copied.begin(), copied.end(), p.dest) != copied.end();
    if (copy) {
      const mode_t mode = p.dest.ends_with("/exe") ? 0555 : 0444;
      std::string key = p.host_path + '\0' + std::to_string(mode);
      for (const auto& patch : p.patches) key += '\0' + std::to_string(patch.offset) + ':' + patch.bytes;
      if (auto first = copies.find(key); first != copies.end()) {
        if (::linkat(root, first->second.c_str(), root, rel.c_str(), 0) < 0) fail_errno("staging toolset: link {}", rel);
        return;
      }
      copy_patched(root, rel, p.host_path, p.patches, mode);
      copies.emplace(std::move(key), rel);
    } else if (p.directory) {
      if (::mkdirat(root, rel.c_str(), 0755) < 0) fail_errno("staging toolset: mkdir {}", rel);
    } else {
      Fd f(::openat(root, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
      if (!f) fail_errno("staging toolset: create {}", rel);
    }
  };
  for (const auto& p : host.shared) place(p);
  for (const auto& t : host.tools) {
    const std::string tdir = dir + "/tools/" + t.name;
    make_dirs(root, tdir + "/lib");
    for (const auto& p : t.pieces) place(p);
    // The loader under the tool's name, so that the process is called that (comm).
    if (::linkat(root, loader.c_str(), root, (tdir + "/" + t.name).c_str(), 0) < 0)
      fail_errno("staging toolset: link the loader as {}", t.name);
    write_file(root, tdir + "/launch", launch_file(t, "/" + dir), 0444);
    if (::symlinkat("../libexec/ctrdbg-tool", hbin.get(), t.name.c_str()) < 0)
      fail_errno("staging toolset: link {}", t.name);
  }
}

}  // namespace

ToolsetMount make_toolset_mount(const Toolset& tools, const std::string& mount_dir) {
  long long bytes = tools.busybox.size;
  for (const auto& e : tools.extras) bytes += e.size;
  Fd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!fs) fail_errno("staging toolset: fsopen tmpfs");
  // Limits, not reservations. Besides the toolset, the helper mirrors the container's
  // top level into this tmpfs: an inode per entry, and a page per symlink whose
  // target does not fit in the inode (128 bytes or more), for as many entries as the
  // container has (session_root.cpp sets no limit of its own). So past the toolset,
  // the limits are the kernel's defaults for any tmpfs: half of RAM, and (nr_inodes,
  // not set) half as many inodes as RAM has pages. They bound what a hostile root can
  // make a session pin (charged to the helper's memory cgroup), far above what any
  // image needs (1,000 symlinks of 4,000 bytes take 4 MiB). Nothing else writes here:
  // the root is sealed read-only before the command runs.
  long long half_ram = static_cast<long long>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE) / 2;
  std::string size = std::to_string(bytes + (1 << 20) + std::max(half_ram, 0ll));
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "size", size.c_str(), 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    fail_errno("staging toolset: configure tmpfs");
  ToolsetMount m;
  m.root.reset(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
  if (!m.root) fail_errno("staging toolset: fsmount");

  const std::string dir = mount_dir.substr(1), bin = dir + "/bin";
  if (::mkdirat(m.root.get(), dir.c_str(), 0755) < 0 || ::mkdirat(m.root.get(), bin.c_str(), 0755) < 0)
    fail_errno("staging toolset: mkdir {}/bin", mount_dir);
  m.bin.reset(::openat(m.root.get(), bin.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m.bin) fail_errno("staging toolset: open {}/bin", mount_dir);
  // Empty for now: the applets can be linked to it while it is being written.
  m.busybox.reset(::openat(m.bin.get(), "busybox", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
  if (!m.busybox || ::fchmod(m.busybox.get(), 0755) < 0) fail_errno("staging toolset: create busybox");
  // Host tools: their files are bound read-only from the host, not copied (gdb's
  // closure is 83 MiB, Python's standard library thousands of files); a file the
  // kernel cannot clone read-only is copied instead, a directory is refused.
  for_each_piece(tools.host, [&](const ToolPiece& p) {
    if (!p.patches.empty()) return;
    Fd tree = clone_read_only(p.host_path);
    if (!tree) {
      if (p.directory)
        fail_errno("staging toolset: {} (for a host tool) cannot be mounted read-only (Linux 5.12 or later needed)",
                   p.host_path);
      m.copied.push_back(p.dest);
      return;
    }
    m.binds.push_back({std::move(tree), mount_dir + "/" + p.dest});
  });
  if (tools.image) {
    Fd image(::fcntl(tools.image->root.get(), F_DUPFD_CLOEXEC, 0));
    if (!image) fail_errno("staging toolset: the image's mount");
    m.binds.push_back({std::move(image), mount_dir + "/image"});
  }
  return m;
}

std::vector<std::string> applet_links(const Toolset& tools) {
  std::vector<std::string> names;
  for (const auto& a : tools.applets) {
    if (a == "busybox") continue;
    bool extra = std::any_of(tools.extras.begin(), tools.extras.end(), [&](const ToolFile& f) { return f.name == a; }) ||
                 std::any_of(tools.host.tools.begin(), tools.host.tools.end(),
                             [&](const HostTool& t) { return t.name == a; });
    if (!extra) names.push_back(a);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

int link_applets(int bin_dir, const std::vector<std::string>& names, LinkFrom from, const char** failed_name) {
  // Hard links, as `busybox --install` makes them: a name costs a directory entry,
  // where a symlink costs an inode too, made now and evicted when the session ends
  // (both on the start-up path of every session).
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string& name = names[from == LinkFrom::front ? k : names.size() - 1 - k];
    if (::linkat(bin_dir, "busybox", bin_dir, name.c_str(), 0) == 0) continue;
    if (errno == EEXIST) return 0;  // met the other end
    *failed_name = name.c_str();
    return -1;
  }
  return 0;
}

void StagedToolset::fill() {
  const int bin = mount.bin.get();
  write_tool(mount.busybox.get(), info.busybox);
  mount.busybox.reset();
  const char* failed = nullptr;
  if (link_applets(bin, links, LinkFrom::front, &failed) < 0) fail_errno("staging toolset: link applet {}", failed);
  for (const auto& extra : info.extras) copy_tool(bin, extra);
  stage_host_tools(mount.root.get(), mount_dir.substr(1), info.host, mount.copied, bin);
  if (info.image) {
    stage_image_tools(mount.root.get(), mount_dir.substr(1), *info.image);
    info.image->root.reset();
  }
  // The copies are made: drop the host files.
  info.busybox.file.reset();
  for (auto& e : info.extras) e.file.reset();
  mount.bin.reset();
}

std::vector<int> StagedToolset::host_fds() const {
  std::vector<int> fds;
  for (int fd : {info.busybox.file.get(), mount.bin.get(), mount.busybox.get()})
    if (fd >= 0) fds.push_back(fd);
  for (const auto& e : info.extras)
    if (e.file) fds.push_back(e.file.get());
  return fds;
}

void ToolsetStager::run() noexcept {
  if (done_) return;
  done_ = true;
  try {
    result_.info = find_toolset(req_);
    result_.mount = make_toolset_mount(result_.info, req_.mount_dir);
    result_.mount_dir = req_.mount_dir;
    result_.links = applet_links(result_.info);
  } catch (...) {
    error_ = std::current_exception();
  }
}

StagedToolset ToolsetStager::get() {
  run();
  if (error_) std::rethrow_exception(error_);
  return std::move(result_);
}

void write_prompt_rc(int toolset_root, const std::string& mount_dir, const std::string& prompt_name,
                     const Toolset& tools) {
  // Read by the toolset's login shell (ENV=<dir>/rc) after any /etc/profile,
  // so the prompt names the container even where the image sets its own PS1.
  std::string path = mount_dir.substr(1) + "/rc";
  Fd rc(::openat(toolset_root, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!rc) fail_errno("staging toolset: create rc");
  std::string text = "PS1=" + shell_quote("[ctrdbg " + prompt_name + "] \\w \\$ ") + "\n";
  // Busybox's shell runs its own applet for an applet's name, whatever PATH says; a
  // function comes first: a host tool of an applet's name (ip, netstat, wget) runs.
  for (const auto& t : tools.host.tools)
    if (std::find(tools.applets.begin(), tools.applets.end(), t.name) != tools.applets.end())
      text += t.name + "() { " + mount_dir + "/hbin/" + t.name + " \"$@\"; }\n";
  write_all(rc.get(), text, "rc");
}

void write_session_reaper(int toolset_root, const std::string& mount_dir, std::string_view image) {
  // Beside bin/, not in it: not a tool to type. Read-only once the session root is
  // sealed, like everything in the tmpfs.
  std::string path = mount_dir.substr(1) + "/" + kSessionReaperName;
  Fd out(::openat(toolset_root, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555));
  if (!out) fail_errno("staging toolset: create {}", kSessionReaperName);
  write_all(out.get(), std::string(image), kSessionReaperName);
  if (::fchmod(out.get(), 0555) < 0) fail_errno("staging toolset: chmod {}", kSessionReaperName);
}

}  // namespace ctrdbg
