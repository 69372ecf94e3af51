#include "ctrdbg/toolset.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/error.hpp"

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

}  // namespace

Toolset inspect_busybox(const std::string& path, const std::string& origin) {
  Toolset t;
  t.path = path;
  t.origin = origin;
  // O_NONBLOCK: a fifo planted at the path must not hang us; it is refused below.
  t.file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!t.file) fail_errno("{}", path);
  struct stat st{};
  if (::fstat(t.file.get(), &st) < 0) fail_errno("{}", path);
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", path);
  if (st.st_size > kMaxToolSize) fail("{}: {} bytes is too large for a toolset binary", path, st.st_size);
  t.size = st.st_size;

  // Reads [offset, offset+length) of the candidate; short at end of file.
  auto read = [&](std::uint64_t offset, size_t length) {
    std::string out(length, '\0');
    size_t got = 0;
    while (got < length) {
      ssize_t n = ::pread(t.file.get(), out.data() + got, length - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno("{}: read", path);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  };

  ElfInfo elf;
  BusyboxInfo busybox;
  try {
    elf = parse_elf(read(0, 4096));
    // Busybox's banner and applet table live in .rodata: reading that section
    // (~250 KiB) instead of the whole binary keeps staging fast. A binary without
    // section headers is scanned whole.
    auto rodata = find_elf_section(elf, ".rodata", read);
    if (rodata) busybox = scan_busybox_range(read, rodata->offset, rodata->size);
    if (busybox.applets.empty()) busybox = scan_busybox_range(read, 0, static_cast<std::uint64_t>(t.size));
  } catch (const Error& e) {
    throw e.context(path);
  }
  if (elf.has_interpreter)
    fail("{}: dynamically linked (it would need the container's libc); a static busybox is required", path);
  if (elf.machine != native_elf_machine())
    fail("{}: built for {}, but this host runs {}", path, elf_machine_name(elf.machine),
         elf_machine_name(native_elf_machine()));
  if (busybox.version.empty() || busybox.applets.size() < 8)
    fail("{}: not busybox (no BusyBox version banner and applet table found)", path);
  t.version = std::move(busybox.version);
  t.applets = std::move(busybox.applets);
  return t;
}

Toolset find_toolset(const std::optional<std::string>& toolbox) {
  if (toolbox) {
    try {
      return inspect_busybox(*toolbox, "--toolbox");
    } catch (const Error& e) {
      throw e.context("--toolbox");
    }
  }
  std::string refused;
  for (const char* candidate : {"/bin/busybox", "/usr/bin/busybox"}) {
    try {
      return inspect_busybox(candidate, "host busybox");
    } catch (const Error& e) {
      refused += fmt::format("; {}", e.what());
    }
  }
  fail("no usable toolset (tried{}); install a static busybox (apt install busybox-static) or pass --toolbox PATH",
       refused.empty() ? std::string(" nothing") : refused.substr(1));
}

Fd stage_toolset(const Toolset& tools) {
  Fd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!fs) fail_errno("staging toolset: fsopen tmpfs");
  std::string size = std::to_string(tools.size + (1 << 20));
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "size", size.c_str(), 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
      ::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    fail_errno("staging toolset: configure tmpfs");
  Fd root(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
  if (!root) fail_errno("staging toolset: fsmount");

  if (::mkdirat(root.get(), ".ctrdbg", 0755) < 0 || ::mkdirat(root.get(), ".ctrdbg/bin", 0755) < 0)
    fail_errno("staging toolset: mkdir /.ctrdbg/bin");
  Fd bin(::openat(root.get(), ".ctrdbg/bin/busybox", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
  if (!bin) fail_errno("staging toolset: create busybox");
  off_t off = 0;
  while (off < tools.size) {
    ssize_t n = ::sendfile(bin.get(), tools.file.get(), &off, static_cast<size_t>(tools.size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("staging toolset: copy {}", tools.path);
    if (n == 0) fail("staging toolset: {} shrank while being copied", tools.path);
  }
  if (::fchmod(bin.get(), 0755) < 0) fail_errno("staging toolset: chmod busybox");
  bin.reset();

  Fd dir(::openat(root.get(), ".ctrdbg/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) fail_errno("staging toolset: open /.ctrdbg/bin");
  for (const auto& applet : tools.applets) {
    if (applet == "busybox") continue;
    if (::symlinkat("busybox", dir.get(), applet.c_str()) < 0 && errno != EEXIST)
      fail_errno("staging toolset: link applet {}", applet);
  }

  return root;
}

ToolsetStager::ToolsetStager(std::optional<std::string> toolbox)
    : thread_([this, toolbox = std::move(toolbox)] {
        try {
          result_.info = find_toolset(toolbox);
          result_.root = stage_toolset(result_.info);
          result_.info.file.reset();
        } catch (...) {
          error_ = std::current_exception();
        }
      }) {}

ToolsetStager::~ToolsetStager() {
  if (thread_.joinable()) thread_.join();
}

StagedToolset ToolsetStager::get() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return std::move(result_);
}

void write_prompt_rc(int toolset_root, const std::string& prompt_name) {
  // Read by the toolset's login shell (ENV=/.ctrdbg/rc) after any /etc/profile,
  // so the prompt names the container even where the image sets its own PS1.
  Fd rc(::openat(toolset_root, ".ctrdbg/rc", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!rc) fail_errno("staging toolset: create rc");
  write_all(rc.get(), "PS1=" + shell_quote("[ctrdbg " + prompt_name + "] \\w \\$ ") + "\n", "rc");
}

}  // namespace ctrdbg
