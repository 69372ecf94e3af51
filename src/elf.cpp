#include "ctrdbg/elf.hpp"

#include <elf.h>

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

}  // namespace

ElfInfo parse_elf(std::string_view head) {
  if (head.size() < EI_NIDENT || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) throw Error("not an ELF file");
  ElfInfo info;
  unsigned char cls = static_cast<unsigned char>(head[EI_CLASS]);
  unsigned char data = static_cast<unsigned char>(head[EI_DATA]);
  if (cls != ELFCLASS32 && cls != ELFCLASS64) throw Error("ELF file of unknown class");
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) throw Error("ELF file of unknown byte order");
  info.is_64 = cls == ELFCLASS64;
  bool little = data == ELFDATA2LSB;
  size_t ehdr_size = info.is_64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  if (head.size() < ehdr_size) throw Error("truncated ELF header");

  std::uint64_t phoff;
  std::uint16_t phentsize, phnum;
  if (info.is_64) {
    info.type = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_type), little);
    info.machine = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_machine), little);
    phoff = load<std::uint64_t>(head, offsetof(Elf64_Ehdr, e_phoff), little);
    phentsize = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_phentsize), little);
    phnum = load<std::uint16_t>(head, offsetof(Elf64_Ehdr, e_phnum), little);
  } else {
    info.type = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_type), little);
    info.machine = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_machine), little);
    phoff = load<std::uint32_t>(head, offsetof(Elf32_Ehdr, e_phoff), little);
    phentsize = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_phentsize), little);
    phnum = load<std::uint16_t>(head, offsetof(Elf32_Ehdr, e_phnum), little);
  }
  if (info.type != ET_EXEC && info.type != ET_DYN) throw Error("ELF file is not an executable");
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

void BusyboxScanner::feed(std::string_view chunk) {
  window_.append(chunk);
  scan_window(false);
}

void BusyboxScanner::finish() { scan_window(true); }

// Keeps a window of the last bytes so patterns that straddle chunks are found;
// once the table start is seen, the window grows until the table has ended.
void BusyboxScanner::scan_window(bool final) {
  if (version_.empty()) {
    size_t at = window_.find(kBanner);
    if (at != std::string::npos) {
      size_t end = at;
      while (end < window_.size() && end - at < 80 && window_[end] != '\0' && window_[end] != '\n' &&
             window_[end] != '(')
        ++end;
      if (end < window_.size() || final) {
        version_ = window_.substr(at, end - at);
        while (!version_.empty() && version_.back() == ' ') version_.pop_back();
      }
    }
  }
  if (!table_done_) {
    size_t at = window_.find(kTableStart);
    if (at != std::string::npos) {
      // Walk names from "[" on; stop at the first one that breaks the sorted order.
      std::vector<std::string> names;
      size_t pos = at + 1;
      bool ended = false;
      while (pos < window_.size()) {
        size_t nul = window_.find('\0', pos);
        if (nul == std::string::npos) break;
        std::string_view name(window_.data() + pos, nul - pos);
        if (!plausible_applet_name(name) || (!names.empty() && name <= names.back()) ||
            names.size() >= kMaxApplets) {
          ended = true;
          break;
        }
        names.emplace_back(name);
        pos = nul + 1;
      }
      if (ended || final) {
        applets_ = std::move(names);
        table_done_ = true;
      } else {
        return;  // keep the whole window: the table continues in the next chunk
      }
    }
  }
  // Slide: keep enough tail for a pattern that straddles the boundary.
  constexpr size_t keep = 128;
  if (window_.size() > keep) window_.erase(0, window_.size() - keep);
}

}  // namespace ctrdbg
