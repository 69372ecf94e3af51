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
// Invariants checked: scan_busybox_range finds the same version as scan_busybox over
// the whole input and a prefix of its applets; every applet is a plausible file name.
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
  return 0;
}
