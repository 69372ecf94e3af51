// Reading an executable's ELF headers and busybox's applet table without running
// it: a toolset binary may come from an image, and nothing from an image is ever
// executed on the host side with host privileges.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

struct ElfInfo {
  bool is_64 = false;
  std::uint16_t type = 0;     // ET_EXEC / ET_DYN
  std::uint16_t machine = 0;  // EM_*
  bool has_interpreter = false;  // PT_INTERP present: dynamically linked
  bool little_endian = true;
  std::uint64_t shoff = 0;       // section header table (0: none)
  std::uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
};

struct ElfSection {
  std::uint64_t offset = 0, size = 0;
};

// Finds a section by name through the section headers, reading the file with
// `read(offset, length)` (which returns fewer bytes at end of file). nullopt when
// the binary has no section headers or no such section; throws Error when they
// are malformed.
std::optional<ElfSection> find_elf_section(const ElfInfo& elf, std::string_view name,
                                           const std::function<std::string(std::uint64_t, size_t)>& read);

// Parses the ELF header and program headers found in `head` (the first bytes of the
// file; program headers beyond it are an error). Throws Error with the reason.
ElfInfo parse_elf(std::string_view head);

// "x86-64", "aarch64", ... or "machine 0x1234".
std::string elf_machine_name(std::uint16_t machine);

// The EM_* of the architecture ctrdbg was built for.
std::uint16_t native_elf_machine();

// What a busybox binary says about itself, found in its bytes (normally just its
// .rodata): the version banner ("BusyBox v1.35.0") and the applet names. Busybox
// keeps all applet names in one NUL-separated, sorted string that starts with
// "[\0[[\0"; the first name out of order ends the table. Empty fields: not found.
struct BusyboxInfo {
  std::string version;
  std::vector<std::string> applets;
};
BusyboxInfo scan_busybox(std::string_view bytes);

// The same over [offset, offset+size) of a file read with `read(offset, length)`,
// in small chunks: only a few pages of memory, however large the binary.
BusyboxInfo scan_busybox_range(const std::function<std::string(std::uint64_t, size_t)>& read, std::uint64_t offset,
                               std::uint64_t size);

// What the dynamic loader reads from an object: its interpreter (PT_INTERP, for
// an executable), and from PT_DYNAMIC the libraries it needs and where it says to
// look for them. Read through the program headers only (section headers may be
// stripped), with strings found by mapping DT_STRTAB's address through PT_LOAD.
struct ElfDynamic {
  ElfInfo info;
  std::uint8_t osabi = 0;
  std::string interpreter;           // "" when there is no PT_INTERP
  bool has_dynamic = false;          // PT_DYNAMIC present
  std::vector<std::string> needed;   // DT_NEEDED, in order
  std::string soname;                // DT_SONAME
  std::string rpath, runpath;        // DT_RPATH, DT_RUNPATH (colon-separated, may hold $ORIGIN)
  std::uint64_t rpath_offset = 0, runpath_offset = 0;  // their file offsets (0: absent)
};

// Reads the above from a file through `read(offset, length)` (fewer bytes at end of
// file). Throws Error with the reason for anything malformed: headers or strings
// outside the file, more than a sane number of entries, unterminated strings.
ElfDynamic read_elf_dynamic(const std::function<std::string(std::uint64_t, size_t)>& read);

// Names an applet may have: a conservative filename check (no '/', no dot-dot).
bool plausible_applet_name(std::string_view name);

}  // namespace ctrdbg
