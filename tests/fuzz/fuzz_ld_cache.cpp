// libFuzzer target: the host-tools readers of host files (include/ctrdbg/tools/host_tools.hpp),
// on the input taken as each of them:
//   - parse_ld_cache, as an /etc/ld.so.cache (for this machine's flags, and for the
//     flags of the input's first entry), and again behind an old "ld.so-1.7.0" header;
//   - inspect_glibc_loader, as the host's glibc loader;
//   - find_c_strings over the input for the paths the sealing looks for;
//   - sealed_path / padded_path with lengths and a path taken from the input.
// The cache and the loader are the host's own files, not a container's; a damaged one
// must still end in ctrdbg::Error, not a crash or a patch outside the file.
//
// Invariants checked:
//   parse_ld_cache: no more entries than the file could hold, every string without a
//     NUL and present in the file followed by one; the same answer (or an Error both
//     times) with an old-format header in front.
//   inspect_glibc_loader: patches inside the file, each over a whole C string of its
//     own length, sealed ("/\x01..."), not overlapping; once applied, the file has its
//     size and no /etc/ld.so.cache, /etc/ld.so.preload or default directory left.
//   find_c_strings: every hit is the string followed by NUL, hits ascending.
//   sealed_path / padded_path: exact length, no NUL; padded_path collapses to the path.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctrdbg/tools/host_tools.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::string_view kMagic = "glibc-ld.so.cache1.1";

void check_entries(std::string_view file, const std::vector<ctrdbg::LdCacheEntry>& entries) {
  FUZZ_CHECK(entries.size() <= file.size() / 24, "%zu entries from %zu bytes", entries.size(), file.size());
  for (const auto& e : entries) {
    for (const std::string* s : {&e.soname, &e.path}) {
      FUZZ_CHECK(s->find('\0') == std::string::npos, "string with a NUL");
      std::string with_nul = *s + '\0';
      FUZZ_CHECK(file.find(with_nul) != std::string_view::npos, "string '%s' is not in the file", s->c_str());
    }
  }
}

bool same(const std::vector<ctrdbg::LdCacheEntry>& a, const std::vector<ctrdbg::LdCacheEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].soname != b[i].soname || a[i].path != b[i].path) return false;
  return true;
}

void fuzz_cache(std::string_view file) {
  const std::int32_t native = ctrdbg::native_ld_cache_flags();
  std::optional<std::vector<ctrdbg::LdCacheEntry>> plain;
  fuzz::run([&] { plain = ctrdbg::parse_ld_cache(file, native); });
  if (plain) check_entries(file, *plain);

  // The flags of the first entry (when there is one): that entry's architecture.
  if (file.size() >= 48 + 4 && file.starts_with(kMagic)) {
    std::int32_t flags;
    std::memcpy(&flags, file.data() + 48, sizeof flags);
    fuzz::run([&] { check_entries(file, ctrdbg::parse_ld_cache(file, flags)); });
  }

  // An old-format cache of no entries in front ("ld.so-1.7.0", nlibs 0, aligned to 8):
  // the loader reads the new part alone, offsets relative to it. Only when the input
  // starts with the new header (else the search for it may find one further in).
  if (file.starts_with(kMagic)) {
    std::string prefixed("ld.so-1.7.0\0\0\0\0\0", 16);
    prefixed.append(file);
    std::optional<std::vector<ctrdbg::LdCacheEntry>> behind;
    fuzz::run([&] { behind = ctrdbg::parse_ld_cache(prefixed, native); });
    FUZZ_CHECK(plain.has_value() == behind.has_value(), "alone %s, behind an old header %s",
               plain ? "parses" : "throws", behind ? "parses" : "throws");
    if (plain && behind) FUZZ_CHECK(same(*plain, *behind), "different entries behind an old header");
  }
}

void check_hits(std::string_view file, std::string_view s) {
  auto hits = ctrdbg::find_c_strings(file, s);
  for (size_t i = 0; i < hits.size(); ++i) {
    FUZZ_CHECK(hits[i] + s.size() < file.size(), "hit at %llu past the end", static_cast<unsigned long long>(hits[i]));
    FUZZ_CHECK(file.substr(static_cast<size_t>(hits[i]), s.size()) == s && file[static_cast<size_t>(hits[i] + s.size())] == '\0',
               "hit at %llu is not the string", static_cast<unsigned long long>(hits[i]));
    if (i > 0) FUZZ_CHECK(hits[i - 1] < hits[i], "hits out of order");
  }
}

void fuzz_loader(std::string_view file) {
  std::optional<ctrdbg::GlibcLoader> l;
  fuzz::run([&] { l = ctrdbg::inspect_glibc_loader(file); });
  if (!l) return;
  FUZZ_CHECK(!l->version.empty() && l->version.find_first_not_of("0123456789.") == std::string::npos,
             "version '%s'", l->version.c_str());
  FUZZ_CHECK(!l->system_dirs.empty(), "accepted without default directories");
  for (const auto& d : l->system_dirs)
    FUZZ_CHECK(d.starts_with("/") && !d.ends_with("/"), "default directory '%s'", d.c_str());

  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::string out(file);
  for (const auto& p : l->patches) {
    FUZZ_CHECK(p.offset < file.size() && p.bytes.size() < file.size() - p.offset, "patch at %llu (+%zu) outside %zu bytes",
               static_cast<unsigned long long>(p.offset), p.bytes.size(), file.size());
    const size_t at = static_cast<size_t>(p.offset);
    FUZZ_CHECK(file[at + p.bytes.size()] == '\0', "patch at %zu does not end at a NUL", at);
    FUZZ_CHECK(file.substr(at, p.bytes.size()).find('\0') == std::string_view::npos, "patch at %zu spans a NUL", at);
    FUZZ_CHECK(p.bytes.find('\0') == std::string::npos, "patch with a NUL");
    FUZZ_CHECK(p.bytes.starts_with("/\x01"), "patch '%s' is not sealed", p.bytes.c_str());
    ranges.emplace_back(p.offset, p.offset + p.bytes.size());
    out.replace(at, p.bytes.size(), p.bytes);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    FUZZ_CHECK(ranges[i - 1].second <= ranges[i].first, "patches overlap at %llu",
               static_cast<unsigned long long>(ranges[i].first));
  FUZZ_CHECK(out.size() == file.size(), "size changed");
  for (std::string_view s : {"/etc/ld.so.cache", "/etc/ld.so.preload"})
    FUZZ_CHECK(ctrdbg::find_c_strings(out, s).empty(), "%s left after sealing", std::string(s).c_str());
  for (const auto& d : l->system_dirs)
    FUZZ_CHECK(ctrdbg::find_c_strings(out, d + "/").empty(), "%s/ left after sealing", d.c_str());
}

void fuzz_paths(std::string_view file) {
  if (file.size() < 2) return;
  const size_t length = static_cast<unsigned char>(file[0]);
  const bool dir = file[1] & 1;
  std::optional<std::string> sealed;
  fuzz::run([&] { sealed = ctrdbg::sealed_path(length, dir); });
  FUZZ_CHECK(sealed.has_value() == (length >= 3), "sealed_path(%zu) %s", length, sealed ? "accepted" : "refused");
  if (sealed) {
    FUZZ_CHECK(sealed->size() == length && sealed->starts_with("/\x01") && sealed->find('\0') == std::string::npos,
               "sealed_path(%zu)", length);
    FUZZ_CHECK((sealed->back() == '/') == dir, "sealed_path(%zu, %d) ends in '%c'", length, dir, sealed->back());
  }

  // A path from the input (up to its first NUL), padded by up to 63 bytes.
  std::string_view rest = file.substr(2);
  std::string_view path = rest.substr(0, rest.find('\0'));
  const size_t room = path.size() + (static_cast<unsigned char>(file[1]) >> 2);
  auto padded = ctrdbg::padded_path(path, room);
  if (!padded) {
    FUZZ_CHECK(path.empty() || path[0] != '/', "padded_path refused '%s' with room", std::string(path).c_str());
    return;
  }
  FUZZ_CHECK(padded->size() == room, "padded to %zu, not %zu", padded->size(), room);
  auto collapse = [](std::string_view s) {
    std::string o;
    for (char c : s)
      if (!(c == '/' && !o.empty() && o.back() == '/')) o += c;
    return o;
  };
  FUZZ_CHECK(collapse(*padded) == collapse(path), "padded '%s' is not '%s'", padded->c_str(), std::string(path).c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file = fuzz::bytes(data, size);
  fuzz_cache(file);
  fuzz_loader(file);
  for (std::string_view s : {"/lib/", "/usr/lib/", "/etc/ld.so.cache", "--argv0"}) check_hits(file, s);
  fuzz_paths(file);
  return 0;
}
