// libFuzzer target: the ELF and busybox readers (include/ctrdbg/elf.hpp), run the way
// toolset.cpp runs them on a busybox that may come from an image: parse_elf on the
// first 4 KiB, find_elf_section(".rodata") through a read callback, then
// scan_busybox_range over that section and over the whole file.
//
// The read callback works on the input in memory with the semantics of toolset.cpp's
// read_range (fewer bytes at end of file), which allocates the requested length up
// front: a request larger than any toolset binary can be (64 MiB, kMaxToolSize) is
// reported as a finding (a huge allocation driven by the file's headers).
//
// Then read_elf_dynamic through the same callback, as host_tools.cpp reads a host
// tool and each library of its closure.
//
// Invariants checked: scan_busybox_range finds the same version as scan_busybox over
// the whole input and a prefix of its applets; every applet is a plausible file name.
// read_elf_dynamic: has_interpreter exactly when there is an interpreter path (no NUL
// in it); DT_NEEDED names non-empty, no NUL; DT_RPATH / DT_RUNPATH lie in the file at
// the offsets it reports, followed by NUL (the sealing overwrites them there); the
// header fields agree with parse_elf's when both read the file.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ctrdbg/elf.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::uint64_t kMaxRead = 64ull << 20;  // toolset.cpp's kMaxToolSize

void check_applets(const ctrdbg::BusyboxInfo& info) {
  for (const auto& a : info.applets)
    FUZZ_CHECK(ctrdbg::plausible_applet_name(a) && a.find('/') == std::string::npos, "applet name '%s'", a.c_str());
  FUZZ_CHECK(info.version.size() <= 80, "version of %zu bytes", info.version.size());
}

// A string the sealing will overwrite in place: in the file at `offset`, then NUL.
void check_in_file(std::string_view file, const std::string& s, std::uint64_t offset, const char* what) {
  if (offset == 0) {
    FUZZ_CHECK(s.empty(), "%s '%s' without an offset", what, s.c_str());
    return;
  }
  FUZZ_CHECK(offset < file.size() && s.size() < file.size() - offset, "%s at %llu (+%zu) outside %zu bytes", what,
             static_cast<unsigned long long>(offset), s.size(), file.size());
  const size_t at = static_cast<size_t>(offset);
  FUZZ_CHECK(file.substr(at, s.size()) == s && file[at + s.size()] == '\0', "%s '%s' is not at %zu", what, s.c_str(), at);
}

void check_dynamic(std::string_view file, const ctrdbg::ElfDynamic& d, const std::optional<ctrdbg::ElfInfo>& elf) {
  FUZZ_CHECK(d.info.has_interpreter == !d.interpreter.empty(), "has_interpreter %d, interpreter '%s'",
             d.info.has_interpreter, d.interpreter.c_str());
  FUZZ_CHECK(d.interpreter.find('\0') == std::string::npos, "interpreter with a NUL");
  FUZZ_CHECK(d.interpreter.size() <= 4096, "interpreter of %zu bytes", d.interpreter.size());
  if (!d.has_dynamic)
    FUZZ_CHECK(d.needed.empty() && d.soname.empty() && d.rpath.empty() && d.runpath.empty(),
               "dynamic entries without PT_DYNAMIC");
  FUZZ_CHECK(d.needed.size() <= 4096, "%zu DT_NEEDED entries", d.needed.size());
  for (const auto& n : d.needed)
    FUZZ_CHECK(!n.empty() && n.find('\0') == std::string::npos && n.size() <= 4096, "DT_NEEDED '%s'", n.c_str());
  check_in_file(file, d.rpath, d.rpath_offset, "DT_RPATH");
  check_in_file(file, d.runpath, d.runpath_offset, "DT_RUNPATH");
  if (elf) {
    FUZZ_CHECK(elf->is_64 == d.info.is_64 && elf->little_endian == d.info.little_endian && elf->type == d.info.type &&
                   elf->machine == d.info.machine,
               "parse_elf and read_elf_dynamic disagree on the ELF header");
    FUZZ_CHECK(elf->has_interpreter == d.info.has_interpreter, "parse_elf says PT_INTERP %d, read_elf_dynamic %d",
               elf->has_interpreter, d.info.has_interpreter);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file = fuzz::bytes(data, size);
  const std::function<std::string(std::uint64_t, size_t)> read = [&](std::uint64_t offset, size_t length) {
    FUZZ_CHECK(length <= kMaxRead, "read(%llu, %zu): read_range would allocate %zu bytes",
               static_cast<unsigned long long>(offset), length, length);
    if (offset >= file.size()) return std::string();
    return std::string(file.substr(static_cast<size_t>(offset), length));
  };

  std::optional<ctrdbg::ElfInfo> elf;
  fuzz::run([&] { elf = ctrdbg::parse_elf(file.substr(0, 4096)); });
  if (elf) {
    (void)ctrdbg::elf_machine_name(elf->machine);
    for (std::string_view name : {".rodata", ".shstrtab", ""}) {
      fuzz::run([&] {
        auto section = ctrdbg::find_elf_section(*elf, name, read);
        if (section && name == ".rodata") check_applets(ctrdbg::scan_busybox_range(read, section->offset, section->size));
      });
    }
  }

  ctrdbg::BusyboxInfo whole, ranged;
  fuzz::run([&] { whole = ctrdbg::scan_busybox(file); });
  fuzz::run([&] { ranged = ctrdbg::scan_busybox_range(read, 0, size); });
  check_applets(whole);
  check_applets(ranged);
  FUZZ_CHECK(whole.version == ranged.version, "version '%s' whole vs '%s' in chunks", whole.version.c_str(),
             ranged.version.c_str());
  FUZZ_CHECK(ranged.applets.size() <= whole.applets.size(), "chunked scan found more applets (%zu > %zu)",
             ranged.applets.size(), whole.applets.size());
  for (size_t i = 0; i < ranged.applets.size(); ++i)
    FUZZ_CHECK(ranged.applets[i] == whole.applets[i], "applet %zu: '%s' in chunks vs '%s' whole", i,
               ranged.applets[i].c_str(), whole.applets[i].c_str());

  std::optional<ctrdbg::ElfDynamic> dyn;
  fuzz::run([&] { dyn = ctrdbg::read_elf_dynamic(read); });
  if (dyn) check_dynamic(file, *dyn, elf);
  return 0;
}
