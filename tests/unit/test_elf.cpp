// ELF header / section parsing and the busybox applet scan, on real host binaries
// and on synthetic images (32/64-bit, both byte orders).
#include <doctest/doctest.h>

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/error.hpp"

using ctrdbg::BusyboxInfo;
using ctrdbg::ElfInfo;
using ctrdbg::ElfSection;
using ctrdbg::Error;
using ctrdbg::find_elf_section;
using ctrdbg::parse_elf;
using ctrdbg::plausible_applet_name;
using ctrdbg::scan_busybox;
using ctrdbg::scan_busybox_range;

using namespace std::string_literals;
using Reader = std::function<std::string(std::uint64_t, size_t)>;

namespace {

// An open file read with pread, as the toolset code reads binaries.
struct File {
  int fd = -1;
  explicit File(const char* path) : fd(::open(path, O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd >= 0) ::close(fd);
  }
  std::uint64_t size() const { return static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END)); }
  std::string pread(std::uint64_t offset, size_t length) const {
    std::string out(length, '\0');
    size_t got = 0;
    while (got < length) {
      ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  }
  Reader reader() const {
    return [this](std::uint64_t offset, size_t length) { return pread(offset, length); };
  }
};

// Writes integers of either byte order into a growing buffer.
struct Writer {
  std::string bytes;
  bool little = true;
  void put(size_t at, std::uint64_t value, size_t width) {
    if (bytes.size() < at + width) bytes.resize(at + width, '\0');
    for (size_t i = 0; i < width; ++i) {
      size_t shift = little ? i : width - 1 - i;
      bytes[at + i] = static_cast<char>((value >> (8 * shift)) & 0xff);
    }
  }
};

struct Synthetic {
  bool is64 = true;
  bool little = true;
  std::uint16_t type = ET_EXEC;
  std::uint16_t machine = EM_X86_64;
  std::vector<std::uint32_t> phdr_types{PT_LOAD};
  // Sections after the mandatory null section: name and contents.
  std::vector<std::pair<std::string, std::string>> sections;
  bool with_sections = true;
};

// A small but well-formed ELF image: ehdr, phdrs, section contents, .shstrtab, shdrs.
std::string build_elf(const Synthetic& s) {
  Writer w;
  w.little = s.little;
  const size_t ehsize = s.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  const size_t phentsize = s.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  const size_t shentsize = s.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  const size_t word = s.is64 ? 8 : 4;
  w.bytes.assign(ehsize, '\0');
  std::memcpy(w.bytes.data(), ELFMAG, SELFMAG);
  w.bytes[EI_CLASS] = static_cast<char>(s.is64 ? ELFCLASS64 : ELFCLASS32);
  w.bytes[EI_DATA] = static_cast<char>(s.little ? ELFDATA2LSB : ELFDATA2MSB);
  w.bytes[EI_VERSION] = EV_CURRENT;
  // e_type, e_machine, e_version are at the same offsets in both classes.
  w.put(16, s.type, 2);
  w.put(18, s.machine, 2);
  w.put(20, EV_CURRENT, 4);
  const size_t phoff = ehsize;
  // Offsets of the class-dependent fields.
  const size_t o_phoff = s.is64 ? 32 : 28, o_shoff = s.is64 ? 40 : 32, o_ehsize = s.is64 ? 52 : 40;
  w.put(o_phoff, phoff, word);
  w.put(o_ehsize, ehsize, 2);
  w.put(o_ehsize + 2, phentsize, 2);
  w.put(o_ehsize + 4, s.phdr_types.size(), 2);
  for (size_t i = 0; i < s.phdr_types.size(); ++i) w.put(phoff + i * phentsize, s.phdr_types[i], 4);
  w.bytes.resize(phoff + s.phdr_types.size() * phentsize, '\0');
  if (!s.with_sections) return w.bytes;

  // Section contents, then the name table.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> placed;  // offset, size
  std::string shstrtab(1, '\0');
  std::vector<std::uint32_t> name_offsets;
  for (const auto& [name, contents] : s.sections) {
    placed.emplace_back(w.bytes.size(), contents.size());
    w.bytes += contents;
    name_offsets.push_back(static_cast<std::uint32_t>(shstrtab.size()));
    shstrtab += name + '\0';
  }
  name_offsets.push_back(static_cast<std::uint32_t>(shstrtab.size()));
  shstrtab += ".shstrtab"s + '\0';
  placed.emplace_back(w.bytes.size(), shstrtab.size());
  w.bytes += shstrtab;
  while (w.bytes.size() % 8) w.bytes += '\0';

  const size_t shoff = w.bytes.size();
  const size_t shnum = 1 + placed.size();
  w.put(o_shoff, shoff, word);
  w.put(o_ehsize + 6, shentsize, 2);
  w.put(o_ehsize + 8, shnum, 2);
  w.put(o_ehsize + 10, shnum - 1, 2);  // .shstrtab is last
  w.bytes.resize(shoff + shnum * shentsize, '\0');
  for (size_t i = 0; i < placed.size(); ++i) {
    size_t at = shoff + (i + 1) * shentsize;
    w.put(at, name_offsets[i], 4);                                     // sh_name
    w.put(at + 4, i + 1 == placed.size() ? SHT_STRTAB : SHT_PROGBITS, 4);  // sh_type
    w.put(at + (s.is64 ? 24 : 16), placed[i].first, word);             // sh_offset
    w.put(at + (s.is64 ? 32 : 20), placed[i].second, word);            // sh_size
  }
  return w.bytes;
}

Reader string_reader(const std::string& data, std::vector<std::pair<std::uint64_t, size_t>>* log = nullptr) {
  return [&data, log](std::uint64_t offset, size_t length) -> std::string {
    if (log) log->emplace_back(offset, length);
    if (offset >= data.size()) return {};
    return data.substr(static_cast<size_t>(offset), length);
  };
}

std::string elf_error(std::string_view head) {
  try {
    parse_elf(head);
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  }
  FAIL("parse_elf accepted a bad header");
  return {};
}

}  // namespace

TEST_CASE("parse_elf: /bin/busybox is a static x86-64 executable") {
  File f("/bin/busybox");
  REQUIRE(f.fd >= 0);
  ElfInfo info = parse_elf(f.pread(0, 4096));
  CHECK(info.is_64);
  CHECK(info.little_endian);
  CHECK(info.type == ET_EXEC);
  CHECK(info.machine == EM_X86_64);
  CHECK(info.machine == ctrdbg::native_elf_machine());
  CHECK_FALSE(info.has_interpreter);
  CHECK(info.shoff > 0);
  CHECK(info.shoff < f.size());
  CHECK(info.shentsize == sizeof(Elf64_Shdr));
  CHECK(info.shnum > 0);
  CHECK(info.shstrndx < info.shnum);
}

TEST_CASE("parse_elf: /bin/ls is dynamically linked") {
  File f("/bin/ls");
  REQUIRE(f.fd >= 0);
  ElfInfo info = parse_elf(f.pread(0, 4096));
  CHECK(info.is_64);
  CHECK(info.machine == EM_X86_64);
  CHECK(info.type == ET_DYN);  // PIE
  CHECK(info.has_interpreter);
}

TEST_CASE("parse_elf: not ELF, truncated, out of range") {
  CHECK(elf_error("").find("not an ELF") != std::string::npos);
  CHECK(elf_error("#!/bin/sh\necho hello\n").find("not an ELF") != std::string::npos);
  CHECK(elf_error("\x7f" "ELF").find("not an ELF") != std::string::npos);  // shorter than e_ident

  File f("/bin/busybox");
  REQUIRE(f.fd >= 0);
  std::string head = f.pread(0, 4096);
  // The ELF header itself cut short.
  CHECK(elf_error(std::string_view(head).substr(0, 40)).find("truncated") != std::string::npos);
  CHECK(elf_error(std::string_view(head).substr(0, sizeof(Elf64_Ehdr) - 1)).find("truncated") != std::string::npos);
  // Header complete, program headers beyond the bytes given.
  CHECK(elf_error(std::string_view(head).substr(0, sizeof(Elf64_Ehdr))).find("program headers") !=
        std::string::npos);
  CHECK(elf_error(std::string_view(head).substr(0, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr))).find("program headers") !=
        std::string::npos);
  // e_phoff pointing far away.
  std::string far = head;
  std::uint64_t huge = 0x7fffffffffff0000ull;
  std::memcpy(far.data() + offsetof(Elf64_Ehdr, e_phoff), &huge, sizeof huge);
  CHECK(elf_error(far).find("program headers") != std::string::npos);
  // e_phoff near 2^64, where phoff + phnum * phentsize would wrap around.
  std::uint64_t wrap = ~0ull - 8;
  std::memcpy(far.data() + offsetof(Elf64_Ehdr, e_phoff), &wrap, sizeof wrap);
  CHECK(elf_error(far).find("program headers") != std::string::npos);
}

TEST_CASE("parse_elf: bad class, byte order, type, program header table") {
  File f("/bin/busybox");
  REQUIRE(f.fd >= 0);
  std::string head = f.pread(0, 4096);
  auto patched = [&](size_t at, const void* value, size_t n) {
    std::string h = head;
    std::memcpy(h.data() + at, value, n);
    return h;
  };
  unsigned char three = 3;
  CHECK(elf_error(patched(EI_CLASS, &three, 1)).find("class") != std::string::npos);
  CHECK(elf_error(patched(EI_DATA, &three, 1)).find("byte order") != std::string::npos);
  std::uint16_t rel = ET_REL, core = ET_CORE;
  CHECK(elf_error(patched(offsetof(Elf64_Ehdr, e_type), &rel, 2)).find("not an executable") != std::string::npos);
  CHECK(elf_error(patched(offsetof(Elf64_Ehdr, e_type), &core, 2)).find("not an executable") != std::string::npos);
  std::uint16_t zero = 0, small = 8;
  CHECK(elf_error(patched(offsetof(Elf64_Ehdr, e_phnum), &zero, 2)).find("program headers") != std::string::npos);
  CHECK(elf_error(patched(offsetof(Elf64_Ehdr, e_phentsize), &small, 2)).find("program headers") !=
        std::string::npos);
}

TEST_CASE("parse_elf: synthetic images of both classes and byte orders") {
  for (bool is64 : {true, false}) {
    for (bool little : {true, false}) {
      CAPTURE(is64);
      CAPTURE(little);
      Synthetic s;
      s.is64 = is64;
      s.little = little;
      s.type = ET_DYN;
      s.machine = little ? EM_AARCH64 : EM_S390;
      s.phdr_types = {PT_PHDR, PT_INTERP, PT_LOAD, PT_DYNAMIC};
      ElfInfo info = parse_elf(build_elf(s));
      CHECK(info.is_64 == is64);
      CHECK(info.little_endian == little);
      CHECK(info.type == ET_DYN);
      CHECK(info.machine == s.machine);
      CHECK(info.has_interpreter);

      s.phdr_types = {PT_LOAD, PT_LOAD, PT_GNU_STACK};
      s.type = ET_EXEC;
      ElfInfo static_info = parse_elf(build_elf(s));
      CHECK_FALSE(static_info.has_interpreter);
      CHECK(static_info.type == ET_EXEC);
    }
  }
}

TEST_CASE("elf_machine_name") {
  CHECK(ctrdbg::elf_machine_name(EM_X86_64) == "x86-64");
  CHECK(ctrdbg::elf_machine_name(EM_AARCH64) == "aarch64");
  CHECK(ctrdbg::elf_machine_name(EM_386) == "i386");
  CHECK(ctrdbg::elf_machine_name(EM_ARM) == "arm");
  CHECK(ctrdbg::elf_machine_name(EM_RISCV) == "riscv");
  CHECK(ctrdbg::elf_machine_name(EM_S390) == "s390x");
  CHECK(ctrdbg::elf_machine_name(EM_PPC64) == "ppc64");
  CHECK(ctrdbg::elf_machine_name(0x1234) == "machine 0x1234");
  CHECK(ctrdbg::elf_machine_name(ctrdbg::native_elf_machine()).find("machine") == std::string::npos);
}

TEST_CASE("find_elf_section: .rodata of /bin/busybox") {
  File f("/bin/busybox");
  REQUIRE(f.fd >= 0);
  ElfInfo info = parse_elf(f.pread(0, 4096));
  auto rodata = find_elf_section(info, ".rodata", f.reader());
  REQUIRE(rodata.has_value());
  CHECK(rodata->size > 0);
  CHECK(rodata->offset > 0);
  CHECK(rodata->offset + rodata->size <= f.size());
  // The busybox banner lives in .rodata.
  std::string bytes = f.pread(rodata->offset, static_cast<size_t>(rodata->size));
  CHECK(bytes.find("BusyBox v") != std::string::npos);

  CHECK(find_elf_section(info, ".text", f.reader()).has_value());
  CHECK_FALSE(find_elf_section(info, ".no-such-section", f.reader()).has_value());
  CHECK_FALSE(find_elf_section(info, ".rodat", f.reader()).has_value());  // whole names only
}

TEST_CASE("find_elf_section: no section headers") {
  ElfInfo info;
  info.is_64 = true;
  info.shoff = 0;
  info.shnum = 27;
  info.shentsize = sizeof(Elf64_Shdr);
  bool called = false;
  Reader reader = [&](std::uint64_t, size_t) {
    called = true;
    return std::string();
  };
  CHECK_FALSE(find_elf_section(info, ".rodata", reader).has_value());
  CHECK_FALSE(called);

  info.shoff = 1000;
  info.shnum = 0;
  CHECK_FALSE(find_elf_section(info, ".rodata", reader).has_value());
  CHECK_FALSE(called);
}

TEST_CASE("find_elf_section: synthetic images, both classes and byte orders") {
  for (bool is64 : {true, false}) {
    for (bool little : {true, false}) {
      CAPTURE(is64);
      CAPTURE(little);
      Synthetic s;
      s.is64 = is64;
      s.little = little;
      s.sections = {{".text", "\x90\x90\x90\x90"}, {".rodata", "hello rodata"}, {".data", "dd"}};
      std::string image = build_elf(s);
      ElfInfo info = parse_elf(image);
      auto rodata = find_elf_section(info, ".rodata", string_reader(image));
      REQUIRE(rodata.has_value());
      CHECK(image.substr(static_cast<size_t>(rodata->offset), static_cast<size_t>(rodata->size)) == "hello rodata");
      auto data = find_elf_section(info, ".data", string_reader(image));
      REQUIRE(data.has_value());
      CHECK(data->size == 2);
      CHECK(find_elf_section(info, ".shstrtab", string_reader(image)).has_value());
      CHECK_FALSE(find_elf_section(info, ".bss", string_reader(image)).has_value());
    }
  }
}

TEST_CASE("find_elf_section: malformed section headers") {
  Synthetic s;
  s.sections = {{".rodata", "x"}};
  std::string image = build_elf(s);
  ElfInfo info = parse_elf(image);

  ElfInfo bad_index = info;
  bad_index.shstrndx = info.shnum;
  CHECK_THROWS_AS(find_elf_section(bad_index, ".rodata", string_reader(image)), Error);

  ElfInfo small_entries = info;
  small_entries.shentsize = 16;
  CHECK_THROWS_AS(find_elf_section(small_entries, ".rodata", string_reader(image)), Error);

  // Section header table cut off by the end of the file.
  std::string cut = image.substr(0, image.size() - 10);
  CHECK_THROWS_WITH_AS(find_elf_section(info, ".rodata", string_reader(cut)), doctest::Contains("truncated"), Error);

  // Section header table past the end of the file.
  ElfInfo beyond = info;
  beyond.shoff = image.size() + 4096;
  CHECK_THROWS_AS(find_elf_section(beyond, ".rodata", string_reader(image)), Error);
}

TEST_CASE("scan_busybox: synthetic table and banner") {
  std::string bytes = "junk\0[\0[[\0ash\0cat\0ls\0zz\0aa\0"s + "BusyBox v1.2.3 (x)";
  BusyboxInfo info = scan_busybox(bytes);
  CHECK(info.version == "BusyBox v1.2.3");
  // Sorted run from "[": stops at "aa", the first name out of order.
  CHECK(info.applets == std::vector<std::string>{"[", "[[", "ash", "cat", "ls", "zz"});
}

TEST_CASE("scan_busybox: table end conditions") {
  // A repeated name is out of order too.
  CHECK(scan_busybox("\0[\0[[\0ash\0ash\0cat\0"s).applets == std::vector<std::string>{"[", "[[", "ash"});
  // An implausible name ends the table.
  CHECK(scan_busybox("\0[\0[[\0ash\0b/in\0cat\0"s).applets == std::vector<std::string>{"[", "[[", "ash"});
  // An empty name (double NUL) ends the table.
  CHECK(scan_busybox("\0[\0[[\0ash\0\0cat\0"s).applets == std::vector<std::string>{"[", "[[", "ash"});
  // A final name without its NUL is not taken.
  CHECK(scan_busybox("\0[\0[[\0ash\0cat"s).applets == std::vector<std::string>{"[", "[[", "ash"});
}

TEST_CASE("scan_busybox: nothing found") {
  BusyboxInfo none = scan_busybox("just some bytes\0of a binary\0"s);
  CHECK(none.version.empty());
  CHECK(none.applets.empty());
  CHECK(scan_busybox("").applets.empty());
  // "[" and "[[" without the NUL before them is not the table.
  CHECK(scan_busybox("x[\0[[\0ash\0"s).applets.empty());
}

TEST_CASE("scan_busybox: version banner ends at NUL, newline or '('") {
  CHECK(scan_busybox("BusyBox v1.36.1\0"s).version == "BusyBox v1.36.1");
  CHECK(scan_busybox("xxBusyBox v1.36.1\nmore").version == "BusyBox v1.36.1");
  CHECK(scan_busybox("BusyBox v1.35.0 (Debian 1:1.35.0-4) multi-call binary.").version == "BusyBox v1.35.0");
  CHECK(scan_busybox("BusyBox v1.36.1").version == "BusyBox v1.36.1");  // at the very end
  // Bounded: an unterminated banner does not swallow the rest of the binary.
  std::string runaway = "BusyBox v" + std::string(500, '9');
  CHECK(scan_busybox(runaway).version.size() <= 80);
  CHECK(scan_busybox(runaway).version.starts_with("BusyBox v9"));
}

TEST_CASE("scan_busybox: at most 2048 applets") {
  std::string bytes = "\0[\0[[\0"s;
  for (int i = 0; i < 3000; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "a%05d", i);
    bytes += name;
    bytes += '\0';
  }
  BusyboxInfo info = scan_busybox(bytes);
  CHECK(info.applets.size() == 2048);
  CHECK(info.applets.front() == "[");
  CHECK(std::is_sorted(info.applets.begin(), info.applets.end()));
}

TEST_CASE("scan_busybox_range: /bin/busybox .rodata") {
  File f("/bin/busybox");
  REQUIRE(f.fd >= 0);
  ElfInfo elf = parse_elf(f.pread(0, 4096));
  auto rodata = find_elf_section(elf, ".rodata", f.reader());
  REQUIRE(rodata.has_value());

  size_t largest_read = 0;
  Reader counting = [&](std::uint64_t offset, size_t length) {
    largest_read = std::max(largest_read, length);
    return f.pread(offset, length);
  };
  BusyboxInfo info = scan_busybox_range(counting, rodata->offset, rodata->size);
  CHECK(info.version.starts_with("BusyBox v"));
  CHECK(info.applets.size() >= 100);
  CHECK(std::find(info.applets.begin(), info.applets.end(), "sh") != info.applets.end());
  CHECK(std::find(info.applets.begin(), info.applets.end(), "ls") != info.applets.end());
  CHECK(std::find(info.applets.begin(), info.applets.end(), "cat") != info.applets.end());
  CHECK(info.applets.front() == "[");
  CHECK(std::adjacent_find(info.applets.begin(), info.applets.end(), std::greater_equal<>()) == info.applets.end());
  CHECK(largest_read <= 32 * 1024);  // small chunks, never the whole section

  // Same answer as the binary gives about itself.
  std::vector<std::string> listed;
  if (FILE* p = ::popen("/bin/busybox --list 2>/dev/null", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, p)) {
      std::string s = line;
      while (!s.empty() && s.back() == '\n') s.pop_back();
      listed.push_back(s);
    }
    ::pclose(p);
  }
  std::sort(listed.begin(), listed.end());
  CHECK(listed.size() >= 100);
  CHECK(info.applets == listed);

  // The whole file scanned as one range gives the same result.
  BusyboxInfo whole = scan_busybox_range(f.reader(), 0, f.size());
  CHECK(whole.version == info.version);
  CHECK(whole.applets == info.applets);
}

TEST_CASE("scan_busybox_range: markers straddling chunk boundaries") {
  // The reader serves 16 KiB chunks with a 16-byte overlap; put the table start
  // and the banner across the first and second boundaries.
  const std::string table = "\0[\0[[\0ash\0cat\0ls\0sh\0"s;
  const std::string banner = "BusyBox v1.99.9 (synthetic)"s;
  for (size_t shift : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 8u, 12u, 15u}) {
    CAPTURE(shift);
    std::string data(40000, 'x');
    size_t table_at = 16 * 1024 - shift;
    data.replace(table_at, table.size(), table);
    size_t banner_at = 2 * (16 * 1024 - 16) + 16 - shift;
    data.replace(banner_at, banner.size(), banner);
    BusyboxInfo info = scan_busybox_range(string_reader(data), 0, data.size());
    CHECK(info.applets == std::vector<std::string>{"[", "[[", "ash", "cat", "ls", "sh"});
    CHECK(info.version == "BusyBox v1.99.9");
  }
}

TEST_CASE("scan_busybox_range: only the given range is searched") {
  std::string data = "BusyBox v1.0.0\0"s + std::string(100, 'x') + "\0[\0[[\0ash\0"s;
  BusyboxInfo outside = scan_busybox_range(string_reader(data), 20, 50);
  CHECK(outside.version.empty());
  CHECK(outside.applets.empty());
  BusyboxInfo inside = scan_busybox_range(string_reader(data), 0, data.size());
  CHECK(inside.version == "BusyBox v1.0.0");
  CHECK(inside.applets == std::vector<std::string>{"[", "[[", "ash"});
  // A reader that returns nothing (file shorter than the section claims).
  BusyboxInfo empty = scan_busybox_range([](std::uint64_t, size_t) { return std::string(); }, 0, 1 << 20);
  CHECK(empty.version.empty());
  CHECK(empty.applets.empty());
}

TEST_CASE("plausible_applet_name") {
  for (const char* ok : {"ls", "[", "[[", "sh", "run-parts", "ssl_client", "g++", "a.out", "x86_64",
                         "ls..", "..ls"}) {
    CAPTURE(ok);
    CHECK(plausible_applet_name(ok));
  }
  CHECK(plausible_applet_name(std::string(64, 'a')));
  CHECK_FALSE(plausible_applet_name(std::string(65, 'a')));
  for (const char* bad : {"", ".", "..", "a/b", "/bin/sh", "a b", "a\tb", "ls\n", "$(id)", "a;b", "*", "~", "é"}) {
    CAPTURE(bad);
    CHECK_FALSE(plausible_applet_name(bad));
  }
  CHECK_FALSE(plausible_applet_name("a\0b"s));
}

TEST_CASE("elf: a section header table claiming gigabytes is refused before reading (fuzz finding)") {
  ctrdbg::ElfInfo info;
  info.is_64 = true;
  info.shoff = 64;
  info.shentsize = 0xffff;
  info.shnum = 0xffff;
  info.shstrndx = 1;
  bool read_called = false;
  auto read = [&](std::uint64_t, size_t) {
    read_called = true;
    return std::string();
  };
  CHECK_THROWS_AS(ctrdbg::find_elf_section(info, ".rodata", read), ctrdbg::Error);
  CHECK_FALSE(read_called);
}
