// Reading an executable's ELF headers and busybox's applet table without running
// it: a toolset binary may come from an image, and nothing from an image is ever
// executed on the host side with host privileges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

struct ElfInfo {
  bool is_64 = false;
  std::uint16_t type = 0;     // ET_EXEC / ET_DYN
  std::uint16_t machine = 0;  // EM_*
  bool has_interpreter = false;  // PT_INTERP present: dynamically linked
};

// Parses the ELF header and program headers found in `head` (the first bytes of the
// file; program headers beyond it are an error). Throws Error with the reason.
ElfInfo parse_elf(std::string_view head);

// "x86-64", "aarch64", ... or "machine 0x1234".
std::string elf_machine_name(std::uint16_t machine);

// The EM_* of the architecture ctrdbg was built for.
std::uint16_t native_elf_machine();

// Incremental scan of a busybox binary: feed it the file in chunks; afterwards it
// knows the version banner ("BusyBox v1.35.0 ...") and the applet names. Busybox
// keeps all applet names in one NUL-separated, sorted string that starts with
// "[\0[[\0"; a name list that is not strictly increasing ends the table.
class BusyboxScanner {
 public:
  void feed(std::string_view chunk);
  void finish();
  const std::string& version() const { return version_; }
  const std::vector<std::string>& applets() const { return applets_; }

 private:
  void scan_window(bool final);
  std::string window_;
  std::string version_;
  std::vector<std::string> applets_;
  bool table_done_ = false;
};

// Names an applet may have: a conservative filename check (no '/', no dot-dot).
bool plausible_applet_name(std::string_view name);

}  // namespace ctrdbg
