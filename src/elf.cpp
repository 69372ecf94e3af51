#include "ctrdbg/elf.hpp"

#include <elf.h>
#include <string.h>  // memmem

#include <bit>
#include <cctype>
#include <cstring>

#include "ctrdbg/error.hpp"

namespace ctrdbg {
namespace {

template <typename T>
T load(std::string_view bytes, size_t offset, bool little) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  if (little != (std::endian::native == std::endian::little)) {
    T r{};
    for (size_t i = 0; i < sizeof v; ++i)
      reinterpret_cast<unsigned char*>(&r)[i] = reinterpret_cast<unsigned char*>(&v)[sizeof v - 1 - i];
    v = r;
  }
  return v;
}

constexpr size_t kMaxApplets = 2048;
constexpr std::string_view kTableStart{"\0[\0[[\0", 6};
constexpr std::string_view kBanner = "BusyBox v";

// The ELF header alone: class, byte order, type, machine, section header table.
ElfInfo parse_elf_header_only(std::string_view head) {
  if (head.size() < EI_NIDENT || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) throw Error("not an ELF file");
  ElfInfo info;
  unsigned char cls = static_cast<unsigned char>(head[EI_CLASS]);
  unsigned char data = static_cast<unsigned char>(head[EI_DATA]);
  if (cls != ELFCLASS32 && cls != ELFCLASS64) throw Error("ELF file of unknown class");
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) throw Error("ELF file of unknown byte order");
  info.is_64 = cls == ELFCLASS64;
  bool little = data == ELFDATA2LSB;
  info.little_endian = little;
  size_t ehdr_size = info.is_64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  if (head.size() < ehdr_size) throw Error("truncated ELF header");

  if (info.is_64) {
    info.type = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_type), little);
    info.machine = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_machine), little);
    info.shoff = load<std::uint64_t>(head, offsetof(Elf64_Ehdr, e_shoff), little);
    info.shentsize = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_shentsize), little);
    info.shnum = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_shnum), little);
    info.shstrndx = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_shstrndx), little);
  } else {
    info.type = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_type), little);
    info.machine = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_machine), little);
    info.shoff = load<std::uint32_t>(head, offsetof(Elf32_Ehdr, e_shoff), little);
    info.shentsize = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_shentsize), little);
    info.shnum = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_shnum), little);
    info.shstrndx = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_shstrndx), little);
  }
  if (info.type != ET_EXEC && info.type != ET_DYN) throw Error("ELF file is not an executable");
  return info;
}

}  // namespace

ElfInfo parse_elf(std::string_view head) {
  ElfInfo info = parse_elf_header_only(head);
  const bool little = info.little_endian;
  std::uint64_t phoff = info.is_64 ? load<std::uint64_t>(head, offsetof(Elf64_Ehdr, e_phoff), little)
                                   : load<std::uint32_t>(head, offsetof(Elf32_Ehdr, e_phoff), little);
  std::uint16_t phentsize =
      load<std::uint16_t>(head, info.is_64 ? offsetof(Elf64_Ehdr, e_phentsize) : offsetof(Elf32_Ehdr, e_phentsize), little);
  std::uint16_t phnum =
      load<std::uint16_t>(head, info.is_64 ? offsetof(Elf64_Ehdr, e_phnum) : offsetof(Elf32_Ehdr, e_phnum), little);
  size_t phdr_size = info.is_64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (phnum == 0 || phentsize < phdr_size) throw Error("ELF file has no usable program headers");
  if (phoff > head.size() || (head.size() - phoff) / phentsize < phnum)
    throw Error("ELF program headers lie outside the file's first bytes");
  for (std::uint16_t i = 0; i < phnum; ++i) {
    size_t at = static_cast<size_t>(phoff) + static_cast<size_t>(i) * phentsize;
    std::uint32_t p_type = load<std::uint32_t>(head, at, little);  // first field in both classes
    if (p_type == PT_INTERP) info.has_interpreter = true;
  }
  return info;
}

std::string elf_machine_name(std::uint16_t machine) {
  switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    case EM_RISCV: return "riscv";
    case EM_MIPS: return "mips";
    default: return fmt::format("machine {:#x}", machine);
  }
}

std::uint16_t native_elf_machine() {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#elif defined(__i386__)
  return EM_386;
#elif defined(__arm__)
  return EM_ARM;
#elif defined(__powerpc64__)
  return EM_PPC64;
#elif defined(__s390x__)
  return EM_S390;
#elif defined(__riscv)
  return EM_RISCV;
#else
#error "unknown architecture: add it to native_elf_machine()"
#endif
}

bool plausible_applet_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '[' || c == ']' || c == '+')) return false;
  return true;
}

BusyboxInfo scan_busybox(std::string_view bytes) {
  BusyboxInfo info;
  auto find = [&](std::string_view what) -> size_t {
    const void* p = ::memmem(bytes.data(), bytes.size(), what.data(), what.size());
    return p ? static_cast<size_t>(static_cast<const char*>(p) - bytes.data()) : std::string_view::npos;
  };
  size_t at = find(kBanner);
  if (at != std::string_view::npos) {
    size_t end = at;
    while (end < bytes.size() && end - at < 80 && bytes[end] != '\0' && bytes[end] != '\n' && bytes[end] != '(') ++end;
    info.version.assign(bytes.substr(at, end - at));
    while (!info.version.empty() && info.version.back() == ' ') info.version.pop_back();
  }
  at = find(kTableStart);
  if (at == std::string_view::npos) return info;
  for (size_t pos = at + 1; pos < bytes.size() && info.applets.size() < kMaxApplets;) {
    size_t nul = bytes.find('\0', pos);
    if (nul == std::string_view::npos) break;
    std::string_view name = bytes.substr(pos, nul - pos);
    if (!plausible_applet_name(name) || (!info.applets.empty() && name <= info.applets.back())) break;
    info.applets.emplace_back(name);
    pos = nul + 1;
  }
  return info;
}

BusyboxInfo scan_busybox_range(const std::function<std::string(std::uint64_t, size_t)>& read, std::uint64_t offset,
                               std::uint64_t size) {
  constexpr size_t kChunk = 16 * 1024, kOverlap = 16, kTableBytes = 32 * 1024;
  std::uint64_t banner_at = UINT64_MAX, table_at = UINT64_MAX;
  for (std::uint64_t pos = offset; pos < offset + size && (banner_at == UINT64_MAX || table_at == UINT64_MAX);) {
    std::string chunk = read(pos, static_cast<size_t>(std::min<std::uint64_t>(kChunk, offset + size - pos)));
    if (chunk.empty()) break;
    auto find = [&](std::string_view what) -> std::uint64_t {
      const void* p = ::memmem(chunk.data(), chunk.size(), what.data(), what.size());
      return p ? pos + static_cast<std::uint64_t>(static_cast<const char*>(p) - chunk.data()) : UINT64_MAX;
    };
    if (banner_at == UINT64_MAX) banner_at = find(kBanner);
    if (table_at == UINT64_MAX) table_at = find(kTableStart);
    if (chunk.size() <= kOverlap) break;
    pos += chunk.size() - kOverlap;
  }
  BusyboxInfo info;
  if (banner_at != UINT64_MAX) info.version = scan_busybox(read(banner_at, 128)).version;
  if (table_at != UINT64_MAX) info.applets = scan_busybox(read(table_at, kTableBytes)).applets;
  return info;
}

std::optional<ElfSection> find_elf_section(const ElfInfo& elf, std::string_view name,
                                           const std::function<std::string(std::uint64_t, size_t)>& read) {
  size_t shdr_size = elf.is_64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  if (elf.shoff == 0 || elf.shnum == 0) return std::nullopt;
  if (elf.shentsize < shdr_size || elf.shstrndx >= elf.shnum) throw Error("malformed ELF section headers");
  // Real binaries have tens of sections; a table this large is a hostile header,
  // and reading it would allocate up to 4 GiB.
  if (static_cast<size_t>(elf.shentsize) * elf.shnum > (1u << 20)) throw Error("ELF section header table too large");
  std::string table = read(elf.shoff, static_cast<size_t>(elf.shentsize) * elf.shnum);
  if (table.size() < static_cast<size_t>(elf.shentsize) * elf.shnum) throw Error("truncated ELF section headers");
  bool le = elf.little_endian;
  auto section = [&](size_t i, std::uint32_t* name_off) {
    size_t at = i * elf.shentsize;
    ElfSection s;
    if (elf.is_64) {
      *name_off = load<std::uint32_t>(table, at + offsetof(Elf64_Shdr, sh_name), le);
      s.offset = load<std::uint64_t>(table, at + offsetof(Elf64_Shdr, sh_offset), le);
      s.size = load<std::uint64_t>(table, at + offsetof(Elf64_Shdr, sh_size), le);
    } else {
      *name_off = load<std::uint32_t>(table, at + offsetof(Elf32_Shdr, sh_name), le);
      s.offset = load<std::uint32_t>(table, at + offsetof(Elf32_Shdr, sh_offset), le);
      s.size = load<std::uint32_t>(table, at + offsetof(Elf32_Shdr, sh_size), le);
    }
    return s;
  };
  std::uint32_t ignored;
  ElfSection strtab_section = section(elf.shstrndx, &ignored);
  if (strtab_section.size > (1u << 20)) throw Error("malformed ELF section name table");
  std::string strtab = read(strtab_section.offset, static_cast<size_t>(strtab_section.size));
  for (size_t i = 0; i < elf.shnum; ++i) {
    std::uint32_t name_off = 0;
    ElfSection s = section(i, &name_off);
    if (name_off >= strtab.size()) continue;
    std::string_view candidate(strtab.c_str() + name_off);
    if (candidate == name) return s;
  }
  return std::nullopt;
}


}  // namespace ctrdbg

namespace ctrdbg {
namespace {

// Bounds for hostile or damaged headers: real objects have a dozen program headers,
// a few hundred dynamic entries and paths under PATH_MAX.
constexpr size_t kMaxPhdrs = 256;
constexpr size_t kMaxDynamic = 4096;
constexpr size_t kMaxString = 4096;

struct Segment {
  std::uint32_t type;
  std::uint64_t offset, vaddr, filesz;
};

}  // namespace

ElfDynamic read_elf_dynamic(const std::function<std::string(std::uint64_t, size_t)>& read) {
  ElfDynamic d;
  std::string head = read(0, sizeof(Elf64_Ehdr));
  d.info = parse_elf_header_only(head);
  const bool is64 = d.info.is_64, le = d.info.little_endian;
  d.osabi = static_cast<std::uint8_t>(head[EI_OSABI]);
  std::uint64_t phoff = is64 ? load<std::uint64_t>(head, offsetof(Elf64_Ehdr, e_phoff), le)
                             : load<std::uint32_t>(head, offsetof(Elf32_Ehdr, e_phoff), le);
  std::uint16_t phentsize = load<std::uint16_t>(head, is64 ? offsetof(Elf64_Ehdr, e_phentsize) : offsetof(Elf32_Ehdr, e_phentsize), le);
  std::uint16_t phnum = load<std::uint16_t>(head, is64 ? offsetof(Elf64_Ehdr, e_phnum) : offsetof(Elf32_Ehdr, e_phnum), le);
  size_t phdr_size = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (phnum == 0 || phnum > kMaxPhdrs || phentsize < phdr_size) throw Error("ELF file has no usable program headers");
  std::string table = read(phoff, static_cast<size_t>(phentsize) * phnum);
  if (table.size() < static_cast<size_t>(phentsize) * phnum) throw Error("truncated ELF program headers");

  std::vector<Segment> loads;
  std::optional<Segment> dynamic, interp;
  for (size_t i = 0; i < phnum; ++i) {
    size_t at = i * phentsize;
    Segment s{};
    s.type = load<std::uint32_t>(table, at, le);
    if (is64) {
      s.offset = load<std::uint64_t>(table, at + offsetof(Elf64_Phdr, p_offset), le);
      s.vaddr = load<std::uint64_t>(table, at + offsetof(Elf64_Phdr, p_vaddr), le);
      s.filesz = load<std::uint64_t>(table, at + offsetof(Elf64_Phdr, p_filesz), le);
    } else {
      s.offset = load<std::uint32_t>(table, at + offsetof(Elf32_Phdr, p_offset), le);
      s.vaddr = load<std::uint32_t>(table, at + offsetof(Elf32_Phdr, p_vaddr), le);
      s.filesz = load<std::uint32_t>(table, at + offsetof(Elf32_Phdr, p_filesz), le);
    }
    if (s.type == PT_LOAD) loads.push_back(s);
    if (s.type == PT_DYNAMIC) dynamic = s;
    if (s.type == PT_INTERP) interp = s;
  }
  d.info.has_interpreter = interp.has_value();
  if (interp) {
    if (interp->filesz == 0 || interp->filesz > kMaxString) throw Error("malformed PT_INTERP");
    std::string path = read(interp->offset, static_cast<size_t>(interp->filesz));
    auto nul = path.find('\0');
    if (nul == std::string::npos || nul == 0) throw Error("malformed PT_INTERP (no terminated path)");
    d.interpreter = path.substr(0, nul);
  }
  if (!dynamic) return d;
  d.has_dynamic = true;
  size_t dyn_size = is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
  size_t count = static_cast<size_t>(std::min<std::uint64_t>(dynamic->filesz / dyn_size, kMaxDynamic + 1));
  if (count > kMaxDynamic) throw Error("ELF dynamic section too large");
  std::string dyn = read(dynamic->offset, count * dyn_size);
  if (dyn.size() < count * dyn_size) throw Error("truncated ELF dynamic section");

  std::uint64_t strtab = 0, strsz = 0;
  bool have_strtab = false;
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname, rpath, runpath;
  for (size_t i = 0; i < count; ++i) {
    std::int64_t tag;
    std::uint64_t val;
    if (is64) {
      tag = load<std::int64_t>(dyn, i * dyn_size, le);
      val = load<std::uint64_t>(dyn, i * dyn_size + 8, le);
    } else {
      tag = load<std::int32_t>(dyn, i * dyn_size, le);
      val = load<std::uint32_t>(dyn, i * dyn_size + 4, le);
    }
    if (tag == DT_NULL) break;
    switch (tag) {
      case DT_NEEDED: needed.push_back(val); break;
      case DT_STRTAB: strtab = val; have_strtab = true; break;
      case DT_STRSZ: strsz = val; break;
      case DT_SONAME: soname = val; break;
      case DT_RPATH: rpath = val; break;
      case DT_RUNPATH: runpath = val; break;
      default: break;
    }
  }
  if (needed.empty() && !soname && !rpath && !runpath) return d;
  if (!have_strtab || strsz == 0) throw Error("ELF dynamic section without a string table");
  // DT_STRTAB is an address: find the file offset through the PT_LOAD that holds it.
  std::optional<std::uint64_t> str_off;
  for (const auto& s : loads)
    if (strtab >= s.vaddr && strtab - s.vaddr < s.filesz && strsz <= s.filesz - (strtab - s.vaddr))
      str_off = s.offset + (strtab - s.vaddr);
  if (!str_off) throw Error("ELF string table lies outside the loaded segments");
  auto string_at = [&](std::uint64_t index) {
    if (index >= strsz) throw Error("ELF dynamic string index out of range");
    std::string s = read(*str_off + index, static_cast<size_t>(std::min<std::uint64_t>(strsz - index, kMaxString)));
    auto nul = s.find('\0');
    if (nul == std::string::npos) throw Error("unterminated ELF dynamic string");
    return s.substr(0, nul);
  };
  for (auto index : needed) {
    std::string name = string_at(index);
    if (name.empty()) throw Error("empty DT_NEEDED entry");
    d.needed.push_back(std::move(name));
  }
  if (soname) d.soname = string_at(*soname);
  if (rpath) {
    d.rpath = string_at(*rpath);
    d.rpath_offset = *str_off + *rpath;
  }
  if (runpath) {
    d.runpath = string_at(*runpath);
    d.runpath_offset = *str_off + *runpath;
  }
  return d;
}

}  // namespace ctrdbg
