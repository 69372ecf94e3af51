// Host tools (include/ctrdbg/tools/host_tools.hpp) and read_elf_dynamic: the
// ld.so.cache parser against the host's cache and ldconfig, crafted caches, path
// sealing, the host's glibc loader sealed and then run (does it still read
// /etc/ld.so.cache? fall back to /lib?), DT_NEEDED closures compared with what the
// host's loader does with the same programs (built here with cc), and the launch
// file the launcher reads.
//
// Tests that need a host program (cc, strace, ldconfig, tcpdump, gdb) say so with
// MESSAGE and skip that part when it is missing; everything else runs everywhere
// ctrdbg builds on x86-64 Debian/Ubuntu-like hosts (the CI image).
#include <doctest/doctest.h>

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/tools/host_tools.hpp"
#include "unit_helpers.hpp"

using ctrdbg::Error;
using ctrdbg::HostTool;
using ctrdbg::HostToolEnv;
using ctrdbg::HostTools;
using ctrdbg::LdCacheEntry;
using ctrdbg::Patch;
using ctrdbg::ToolPiece;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

using Reader = std::function<std::string(std::uint64_t, size_t)>;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& bytes, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  fs::permissions(p, mode);
}

struct Ran {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out;
};

// Runs `cmd` through /bin/sh, capturing stdout.
Ran sh(const std::string& cmd) {
  Ran r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool have(const std::string& program) { return sh("command -v " + program + " >/dev/null 2>&1").status == 0; }

std::string real(const std::string& path) {
  std::error_code ec;
  auto p = fs::canonical(path, ec);
  return ec ? std::string() : p.string();
}

Reader string_reader(const std::string& data) {
  return [&data](std::uint64_t offset, size_t length) -> std::string {
    if (offset >= data.size()) return {};
    return data.substr(static_cast<size_t>(offset), length);
  };
}

ctrdbg::ElfDynamic dynamic_of_bytes(const std::string& data) { return ctrdbg::read_elf_dynamic(string_reader(data)); }

ctrdbg::ElfDynamic dynamic_of_file(const std::string& path) {
  std::string data = slurp(path);
  REQUIRE_MESSAGE(!data.empty(), path);
  return dynamic_of_bytes(data);
}

// `bytes` with `patches` applied; each must lie inside and keep the size.
std::string apply_patches(std::string bytes, const std::vector<Patch>& patches) {
  const size_t size = bytes.size();
  for (const auto& p : patches) {
    REQUIRE(p.offset <= bytes.size());
    REQUIRE(p.bytes.size() <= bytes.size() - p.offset);
    bytes.replace(static_cast<size_t>(p.offset), p.bytes.size(), p.bytes);
  }
  REQUIRE(bytes.size() == size);
  return bytes;
}

// Repeated slashes collapsed: the path the kernel resolves.
std::string collapse_slashes(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
  return out;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// ---- crafted ld.so.cache files ----

void put_le(std::string& b, size_t at, std::uint64_t v, size_t width) {
  if (b.size() < at + width) b.resize(at + width, '\0');
  for (size_t i = 0; i < width; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

struct RawEntry {
  std::int32_t flags = 0;
  std::uint32_t key = 0, value = 0;  // offsets from the start of the new header
  std::uint64_t hwcap = 0;
};

constexpr size_t kHeader = 48, kEntry = 24;

// The "glibc-ld.so.cache1.1" format: 48-byte header, 24-byte entries, then `strings`
// (which start at kHeader + kEntry * entries.size()).
std::string raw_cache(const std::vector<RawEntry>& entries, const std::string& strings,
                      std::optional<std::uint32_t> nlibs = std::nullopt) {
  std::string b = "glibc-ld.so.cache1.1";
  REQUIRE(b.size() == 20);
  put_le(b, 20, nlibs.value_or(static_cast<std::uint32_t>(entries.size())), 4);
  put_le(b, 24, strings.size(), 4);
  put_le(b, 28, 2, 1);  // cache_file_new.flags: little-endian
  put_le(b, 32, 0, 4);  // extension_offset
  b.resize(kHeader, '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t at = kHeader + i * kEntry;
    put_le(b, at, static_cast<std::uint32_t>(entries[i].flags), 4);
    put_le(b, at + 4, entries[i].key, 4);
    put_le(b, at + 8, entries[i].value, 4);
    put_le(b, at + 12, 0, 4);
    put_le(b, at + 16, entries[i].hwcap, 8);
  }
  return b + strings;
}

struct Lib {
  std::int32_t flags;
  std::string soname, path;
  std::uint64_t hwcap = 0;
};

// A well-formed cache of `libs`, strings after the entries.
std::string cache_of(const std::vector<Lib>& libs) {
  std::vector<RawEntry> entries;
  std::string strings;
  const size_t base = kHeader + kEntry * libs.size();
  for (const auto& l : libs) {
    RawEntry e;
    e.flags = l.flags;
    e.hwcap = l.hwcap;
    e.key = static_cast<std::uint32_t>(base + strings.size());
    strings += l.soname + '\0';
    e.value = static_cast<std::uint32_t>(base + strings.size());
    strings += l.path + '\0';
    entries.push_back(e);
  }
  return raw_cache(entries, strings);
}

std::vector<std::pair<std::string, std::string>> pairs_of(const std::vector<LdCacheEntry>& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : v) out.emplace_back(e.soname, e.path);
  return out;
}

constexpr std::int32_t kForeignFlags = 0x0003;  // FLAG_ELF_LIBC6 alone: i386's libc6 entries

// ---- the host's loader ----

constexpr const char* kLoader = "/lib64/ld-linux-x86-64.so.2";

bool x86_64_glibc_host() {
#if defined(__x86_64__)
  return fs::exists(kLoader);
#else
  return false;
#endif
}

std::string triplet_dir() { return "/lib/x86_64-linux-gnu"; }

// "path.system_dirs[0x0]="/lib/x86_64-linux-gnu/"" lines of `loader --list-diagnostics`
// (glibc >= 2.33), as printed (non-printable bytes as \NNN).
std::vector<std::string> diagnostics_system_dirs(const std::string& loader) {
  std::vector<std::string> dirs;
  for (const auto& l : lines_of(sh(loader + " --list-diagnostics 2>/dev/null").out)) {
    if (!l.starts_with("path.system_dirs[")) continue;
    auto q = l.find('"');
    if (q == std::string::npos || l.back() != '"') continue;
    dirs.push_back(l.substr(q + 1, l.size() - q - 2));
  }
  return dirs;
}

// ---- programs built at test time ----

struct Built {
  unit::ScratchDir dir;
  bool ok = false;
  explicit Built(const std::string& name) : dir(name) {}
  std::string at(const std::string& rel) const { return (dir.path / rel).string(); }
};

bool cc(const std::string& args) {
  Ran r = sh("cc " + args + " 2>&1");
  if (r.status != 0) MESSAGE("cc " << args << " failed: " << r.out);
  return r.status == 0;
}

// dir/src/{main,a,b}.c; dir/liba/liba_ctrdbg_unit.so (needs libb), dir/libb/libb_ctrdbg_unit.so.
void build_libs(Built& b) {
  spit(b.dir.path / "src/main.c", "int a_value(void);\nint main(void) { return a_value(); }\n");
  spit(b.dir.path / "src/a.c", "int b_value(void);\nint a_value(void) { return b_value(); }\n");
  spit(b.dir.path / "src/b.c", "int b_value(void) { return 0; }\n");
  fs::create_directories(b.dir.path / "liba");
  fs::create_directories(b.dir.path / "libb");
  b.ok = cc("-shared -fPIC -Wl,-soname,libb_ctrdbg_unit.so -o " + b.at("libb/libb_ctrdbg_unit.so") + " " +
            b.at("src/b.c")) &&
         cc("-shared -fPIC -Wl,-soname,liba_ctrdbg_unit.so -o " + b.at("liba/liba_ctrdbg_unit.so") + " " +
            b.at("src/a.c") + " -L" + b.at("libb") + " -lb_ctrdbg_unit");
}

HostToolEnv host_env() {
  HostToolEnv env;
  env.path_env = "/usr/bin:/bin";
  return env;
}

const ToolPiece* piece_at(const HostTool& t, const std::string& dest) {
  for (const auto& p : t.pieces)
    if (p.dest == dest) return &p;
  return nullptr;
}

// The libraries `ldd` says `program` loads: soname -> real path (without the vDSO
// and the loader).
std::vector<std::pair<std::string, std::string>> ldd_closure(const std::string& program) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : lines_of(sh("env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd " + program + " 2>/dev/null").out)) {
    auto arrow = l.find(" => ");
    if (arrow == std::string::npos) continue;
    std::string name = l.substr(0, arrow);
    name.erase(0, name.find_first_not_of(" \t"));
    std::string path = l.substr(arrow + 4);
    path = path.substr(0, path.find(" ("));
    if (!path.starts_with("/")) continue;
    // A glibc-hwcaps variant (x86-64-v3 ...) is what this CPU gets; the resolver
    // stages the baseline library next to the glibc-hwcaps directory, which every CPU can run.
    if (auto h = path.find("/glibc-hwcaps/"); h != std::string::npos)
      path = path.substr(0, h) + path.substr(path.find_last_of('/'));
    out.emplace_back(name, real(path));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> lib_pieces(const HostTool& t) {
  const std::string prefix = "tools/" + t.name + "/lib/";
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : t.pieces)
    if (p.dest.starts_with(prefix)) out.emplace_back(p.dest.substr(prefix.size()), p.host_path);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// =============================================================================
// parse_ld_cache
// =============================================================================

TEST_CASE("parse_ld_cache: the host's /etc/ld.so.cache lists what ldconfig -p lists for this architecture") {
  std::string bytes = slurp("/etc/ld.so.cache");
  REQUIRE_MESSAGE(!bytes.empty(), "no /etc/ld.so.cache on this host");
  auto entries = ctrdbg::parse_ld_cache(bytes, ctrdbg::native_ld_cache_flags());
  REQUIRE(!entries.empty());

  auto libc = std::find_if(entries.begin(), entries.end(), [](const LdCacheEntry& e) { return e.soname == "libc.so.6"; });
  REQUIRE(libc != entries.end());
  CHECK(fs::exists(libc->path));
  CHECK(fs::canonical(libc->path).filename() == "libc.so.6");
  // An ELF object of this machine, 64-bit.
  auto dyn = dynamic_of_file(libc->path);
  CHECK(dyn.info.machine == ctrdbg::native_elf_machine());
  CHECK(dyn.info.is_64);
  CHECK(dyn.soname == "libc.so.6");
  for (const auto& e : entries) {
    CAPTURE(e.soname);
    CHECK(!e.soname.empty());
    CHECK(e.path.starts_with("/"));
    CHECK(e.soname.find('\0') == std::string::npos);
  }

#if defined(__x86_64__)
  Ran ld = sh("(ldconfig -p || /sbin/ldconfig -p || /usr/sbin/ldconfig -p) 2>/dev/null");
  if (ld.status != 0 || ld.out.empty()) {
    MESSAGE("ldconfig not available: comparison with ldconfig -p skipped");
    return;
  }
  // "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6", in cache order.
  std::vector<std::pair<std::string, std::string>> native;
  size_t foreign = 0;
  for (const auto& l : lines_of(ld.out)) {
    auto open = l.find(" ("), close = l.find(") => ");
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string name = l.substr(0, open);
    name.erase(0, name.find_first_not_of(" \t"));
    std::string flags = l.substr(open + 2, close - open - 2);
    std::string path = l.substr(close + 5);
    if (flags == "libc6,x86-64")
      native.emplace_back(name, path);
    else if (flags.find("hwcap") == std::string::npos)
      ++foreign;
  }
  REQUIRE(!native.empty());
  auto ldconfig_libc = std::find_if(native.begin(), native.end(), [](auto& p) { return p.first == "libc.so.6"; });
  REQUIRE(ldconfig_libc != native.end());
  CHECK(libc->path == ldconfig_libc->second);
  CHECK(pairs_of(entries) == native);
  if (foreign > 0) {
    // ldconfig lists other architectures' entries (libc6 = i386 under /lib32): none of them is ours.
    for (const auto& e : entries) {
      CAPTURE(e.path);
      CHECK_FALSE(e.path.starts_with("/lib32/"));
      CHECK_FALSE(e.path.starts_with("/usr/lib32/"));
    }
  }
#endif
}

TEST_CASE("parse_ld_cache: entries of other architectures and hwcap subdirectories are skipped") {
  const std::int32_t native = ctrdbg::native_ld_cache_flags();
  std::string cache = cache_of({
      {kForeignFlags, "libc.so.6", "/lib32/libc.so.6"},
      {native, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"},
      {native, "libz.so.1", "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1", 1ull << 62 | 1},
      {native, "libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"},
      {native | 0x0800, "libx.so.1", "/libx32/libx.so.1"},  // an extra flag bit is another ABI
  });
  auto got = pairs_of(ctrdbg::parse_ld_cache(cache, native));
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}, {"libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"}});
  // The same file read for the foreign flags gives just that entry.
  CHECK(pairs_of(ctrdbg::parse_ld_cache(cache, kForeignFlags)) ==
        std::vector<std::pair<std::string, std::string>>{{"libc.so.6", "/lib32/libc.so.6"}});
  // No entries at all is a valid (empty) cache.
  CHECK(ctrdbg::parse_ld_cache(cache_of({}), native).empty());
}

TEST_CASE("parse_ld_cache: damaged files throw Error") {
  const std::int32_t native = ctrdbg::native_ld_cache_flags();
  std::string good = cache_of({{native, "libc.so.6", "/lib/libc.so.6"}});
  REQUIRE(ctrdbg::parse_ld_cache(good, native).size() == 1);

  // Not a cache at all / empty.
  CHECK(unit::error_of([&] { ctrdbg::parse_ld_cache("", native); }).find("ld.so.cache") != std::string::npos);
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache("hello world, not a cache", native), Error);
  // The magic somewhere inside, but not after an old-format header.
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache("garbage" + good, native), Error);

  // Truncated header: every length from the magic to one short of 48 bytes.
  for (size_t n = 20; n < kHeader; ++n) {
    CAPTURE(n);
    CHECK(unit::error_of([&] { ctrdbg::parse_ld_cache(good.substr(0, n), native); }).find("truncated") !=
          std::string::npos);
  }
  // nlibs larger than the file holds, up to the largest u32 (no overflow).
  for (std::uint32_t nlibs : {3u, 1000u, 0x0aaaaaabu, 0xffffffffu}) {
    CAPTURE(nlibs);
    std::string b = good;
    put_le(b, 20, nlibs, 4);
    CHECK(unit::error_of([&] { ctrdbg::parse_ld_cache(b, native); }).find("entries") != std::string::npos);
  }
  // Entries cut off by the end of the file.
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache(good.substr(0, kHeader + kEntry - 1), native), Error);

  // A string offset outside the file (key and value; just past the end and far away).
  for (size_t field : {4u, 8u}) {
    for (std::uint64_t off : std::initializer_list<std::uint64_t>{good.size(), 0x7fffffffu, 0xffffffffu}) {
      CAPTURE(field);
      CAPTURE(off);
      std::string b = good;
      put_le(b, kHeader + field, off, 4);
      CHECK(unit::error_of([&] { ctrdbg::parse_ld_cache(b, native); }).find("outside") != std::string::npos);
    }
  }
  // An unterminated string: the path runs to the end of the file.
  {
    std::string b = good;
    b.pop_back();  // the path's NUL
    CHECK(unit::error_of([&] { ctrdbg::parse_ld_cache(b, native); }).find("unterminated") != std::string::npos);
  }
  // The last byte of the file is a NUL: an offset pointing at it is the empty string, not an error.
  {
    std::string b = good;
    put_le(b, kHeader + 8, good.size() - 1, 4);
    auto e = ctrdbg::parse_ld_cache(b, native);
    REQUIRE(e.size() == 1);
    CHECK(e[0].path.empty());
  }
}

TEST_CASE("parse_ld_cache: old ld.so-1.7.0 prefix, string offsets relative to the new header") {
  const std::int32_t native = ctrdbg::native_ld_cache_flags();
  // The new-format part: offsets relative to its own header.
  std::string fresh = cache_of({{native, "libold.so.1", "/lib/x86_64-linux-gnu/libold.so.1"},
                                {native, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}});
  // struct cache_file { char magic[11] "ld.so-1.7.0"; u32 nlibs; file_entry {i32 flags; u32 key, value;} [nlibs] },
  // the new header after it at 8-byte alignment. Old entries: 2 (offsets are junk to
  // the new format's reader).
  std::string old = "ld.so-1.7.0"s;
  old.resize(12, '\0');
  put_le(old, 12, 2, 4);
  for (int i = 0; i < 2; ++i) {
    put_le(old, 16 + 12 * i, 0x0303, 4);
    put_le(old, 20 + 12 * i, 1, 4);
    put_le(old, 24 + 12 * i, 3, 4);
  }
  while (old.size() % 8) old += '\0';
  REQUIRE(old.size() == 40);
  std::string combined = old + fresh;

  auto got = pairs_of(ctrdbg::parse_ld_cache(combined, native));
  CHECK(got == pairs_of(ctrdbg::parse_ld_cache(fresh, native)));
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"libold.so.1", "/lib/x86_64-linux-gnu/libold.so.1"}, {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}});

  // An old-format file alone (no new part) is refused: the loader of glibc >= 2.32 reads only the new one.
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache(old, native), Error);
  // The prefix, then a damaged new part: the damage is found relative to the new header.
  std::string cut = old + fresh.substr(0, fresh.size() - 1);
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache(cut, native), Error);
  std::string nlibs_big = combined;
  put_le(nlibs_big, old.size() + 20, 100, 4);
  CHECK_THROWS_AS(ctrdbg::parse_ld_cache(nlibs_big, native), Error);
}

TEST_CASE("native_ld_cache_flags: what this machine's ldconfig writes") {
#if defined(__x86_64__)
  CHECK(ctrdbg::native_ld_cache_flags() == 0x0303);
#elif defined(__aarch64__)
  CHECK(ctrdbg::native_ld_cache_flags() == 0x0a03);
#endif
  std::string bytes = slurp("/etc/ld.so.cache");
  if (bytes.size() > kHeader) {
    // The first entry of the host's cache is (normally) one of this machine's.
    std::uint32_t nlibs;
    std::memcpy(&nlibs, bytes.data() + 20, 4);
    std::set<std::int32_t> seen;
    for (size_t i = 0; i < nlibs && kHeader + (i + 1) * kEntry <= bytes.size(); ++i) {
      std::int32_t f;
      std::memcpy(&f, bytes.data() + kHeader + i * kEntry, 4);
      seen.insert(f);
    }
    CHECK(seen.count(ctrdbg::native_ld_cache_flags()) == 1);
  }
}

// =============================================================================
// sealed_path, padded_path, find_c_strings
// =============================================================================

TEST_CASE("sealed_path: exact length, /\\x01 first, '/' last only for directories, no NUL") {
  for (size_t length = 3; length <= 80; ++length) {
    for (bool dir : {false, true}) {
      CAPTURE(length);
      CAPTURE(dir);
      std::string s = ctrdbg::sealed_path(length, dir);
      CHECK(s.size() == length);
      CHECK(s.starts_with("/\x01"));
      CHECK(s.find('\0') == std::string::npos);
      CHECK((s.back() == '/') == dir);
      // One component (plus the trailing slash of a directory): the session root
      // never holds a first component that starts with \x01.
      CHECK(s.find('/', 1) == (dir ? length - 1 : std::string::npos));
      // Nothing that a path resolution treats specially.
      CHECK(s.find("..") == std::string::npos);
    }
  }
  CHECK_THROWS_AS(ctrdbg::sealed_path(2, false), Error);
  CHECK_THROWS_AS(ctrdbg::sealed_path(0, true), Error);
}

TEST_CASE("sealed_path: does not exist here (the kernel resolves it to nothing)") {
  for (size_t length : {16u, 18u, 31u}) {
    struct stat st{};
    CHECK(::stat(ctrdbg::sealed_path(length, false).c_str(), &st) < 0);
    CHECK(::stat(ctrdbg::sealed_path(length, true).c_str(), &st) < 0);
  }
}

TEST_CASE("padded_path: same length as the path it replaces, same file") {
  const std::string gconv = "/usr/lib/x86_64-linux-gnu/gconv";
  REQUIRE(gconv.size() == 31);
  auto p = ctrdbg::padded_path("/.ctrdbg/gconv", 31);
  REQUIRE(p.has_value());
  CHECK(p->size() == 31);
  CHECK(collapse_slashes(*p) == "/.ctrdbg/gconv");
  CHECK(p->starts_with("/.ctrdbg/"));
  CHECK(p->ends_with("/gconv"));
  CHECK(p->find('\0') == std::string::npos);

  CHECK(ctrdbg::padded_path("/.ctrdbg/gconv", 14) == "/.ctrdbg/gconv");  // exact fit: unchanged
  CHECK(ctrdbg::padded_path("/.ctrdbg/gconv", 13) == std::nullopt);     // longer than the room
  CHECK(ctrdbg::padded_path("/a-very-long-tool-directory/gconv", 31) == std::nullopt);
  CHECK(ctrdbg::padded_path("relative/path", 31) == std::nullopt);
  CHECK(ctrdbg::padded_path("", 31) == std::nullopt);

  // The kernel agrees: the padded path names the same directory.
  unit::ScratchDir d("host-tools-padded");
  fs::create_directories(d.path / "x/gconv");
  const std::string orig = (d.path / "x/gconv").string();
  for (size_t extra : {0u, 1u, 7u, 40u}) {
    CAPTURE(extra);
    auto padded = ctrdbg::padded_path(orig, orig.size() + extra);
    REQUIRE(padded.has_value());
    CHECK(padded->size() == orig.size() + extra);
    struct stat a{}, b{};
    REQUIRE(::stat(orig.c_str(), &a) == 0);
    REQUIRE(::stat(padded->c_str(), &b) == 0);
    CHECK(a.st_ino == b.st_ino);
    CHECK(a.st_dev == b.st_dev);
  }
  // A single component: slashes in front, still the same directory.
  auto tmp = ctrdbg::padded_path("/tmp", 9);
  REQUIRE(tmp.has_value());
  CHECK(tmp->size() == 9);
  CHECK(collapse_slashes(*tmp) == "/tmp");
  CHECK(fs::equivalent(*tmp, "/tmp"));
}

TEST_CASE("find_c_strings: whole C strings only") {
  // "/lib/" as a string of its own, and inside "/usr/lib/": only the first counts.
  std::string b = "\0/usr/lib/\0/lib/\0xx"s;
  CHECK(ctrdbg::find_c_strings(b, "/lib/") == std::vector<std::uint64_t>{11});
  CHECK(ctrdbg::find_c_strings(b, "/usr/lib/") == std::vector<std::uint64_t>{1});
  // At offset 0.
  CHECK(ctrdbg::find_c_strings("/lib/\0"s, "/lib/") == std::vector<std::uint64_t>{0});
  // Without the trailing NUL: a prefix of a longer string, or at the very end.
  CHECK(ctrdbg::find_c_strings("/lib/x86_64-linux-gnu/\0"s, "/lib/").empty());
  CHECK(ctrdbg::find_c_strings("/lib/", "/lib/").empty());
  CHECK(ctrdbg::find_c_strings("\0\0/lib/"s, "/lib/").empty());
  // Preceded by a byte that continues a path: a suffix of another string.
  for (char c : {'a', 'Z', '7', '/', '.', '_', '-'}) {
    CAPTURE(c);
    std::string s = "\0"s + c + "/etc/ld.so.cache\0"s;
    CHECK(ctrdbg::find_c_strings(s, "/etc/ld.so.cache").empty());
  }
  // Every occurrence, in order; overlapping candidates handled.
  std::string many = "/etc/ld.so.cache\0junk\0/etc/ld.so.cache\0/etc/ld.so.cache\0"s;
  CHECK(ctrdbg::find_c_strings(many, "/etc/ld.so.cache") == std::vector<std::uint64_t>{0, 22, 39});
  for (auto at : ctrdbg::find_c_strings(many, "/etc/ld.so.cache")) {
    CHECK(many.compare(at, 16, "/etc/ld.so.cache") == 0);
    CHECK(many[at + 16] == '\0');
  }
  // Preceded by a space or a quote (help text "use /etc/ld.so.cache"): that is a string too.
  CHECK(ctrdbg::find_c_strings("use /lib/\0"s, "/lib/") == std::vector<std::uint64_t>{4});
  CHECK(ctrdbg::find_c_strings("", "/lib/").empty());
}

TEST_CASE("find_c_strings_in_file: the same hits as find_c_strings, across its read windows") {
  unit::ScratchDir d("host-tools-windows");
  fs::create_directories(d.path);
  const std::string path = (d.path / "blob").string();
  const std::vector<std::string> needles{"/usr/lib/x86_64-linux-gnu/gconv", "/lib/", "/usr/lib/ssl"};
  // Just over two windows of 256 KiB (the reader's buffer), all NUL.
  const size_t window = 1u << 18;
  std::string bytes(2 * window + 4321, '\0');
  spit(path, bytes);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto expected = [&](const std::string& b) {
    std::vector<std::vector<std::uint64_t>> out;
    for (const auto& n : needles) out.push_back(ctrdbg::find_c_strings(b, n));
    return out;
  };
  CHECK(ctrdbg::find_c_strings_in_file(fd, needles) == expected(bytes));
  // One needle at a time, at every offset around where windows meet (the second
  // window starts 2*(longest+2) bytes before the first one ends), with and without
  // a byte before it that continues a path.
  const size_t ov = needles[0].size() + 2;
  std::vector<size_t> around;
  for (size_t edge : {window - 2 * ov, window - ov, window, 2 * (window - 2 * ov), 2 * window - 3 * ov, bytes.size()})
    for (size_t k = 0; k < 2 * ov + 4; ++k)
      if (edge + k >= ov + 2 && edge + k - ov - 2 + needles[0].size() + 1 < bytes.size()) around.push_back(edge + k - ov - 2);
  size_t checked = 0;
  for (size_t at : around) {
    for (const std::string& n : {needles[0], needles[1]}) {
      for (char before : {'\0', 'x'}) {
        CAPTURE(at);
        CAPTURE(n);
        CAPTURE(before);
        std::string b = bytes;
        b[at - 1] = before;
        b.replace(at, n.size(), n);
        REQUIRE(::pwrite(fd, b.data() + at - 1, n.size() + 1, static_cast<off_t>(at - 1)) == static_cast<ssize_t>(n.size() + 1));
        auto got = ctrdbg::find_c_strings_in_file(fd, needles);
        auto want = expected(b);
        CHECK(got == want);
        // The placement itself is a hit exactly when nothing continues a path before it.
        const size_t idx = n == needles[0] ? 0 : 1;
        CHECK((std::find(want[idx].begin(), want[idx].end(), at) != want[idx].end()) == (before == '\0'));
        REQUIRE(::pwrite(fd, bytes.data() + at - 1, n.size() + 1, static_cast<off_t>(at - 1)) == static_cast<ssize_t>(n.size() + 1));
        ++checked;
      }
    }
  }
  CHECK(checked > 100);
  ::close(fd);
}

TEST_CASE("library_seal_patches_fd: the same patches as library_seal_patches, on the host's libc and libcrypto") {
  for (const auto& [soname, path] : std::vector<std::pair<std::string, std::string>>{
           {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}, {"libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"}}) {
    if (!fs::exists(path)) continue;
    CAPTURE(soname);
    const std::string bytes = slurp(path);
    bool r1 = false, r2 = true;
    auto in_memory = ctrdbg::library_seal_patches(bytes, soname, "/.ctrdbg/gconv", &r1);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto from_fd = ctrdbg::library_seal_patches_fd(fd, soname, "/.ctrdbg/gconv", &r2);
    ::close(fd);
    REQUIRE(!in_memory.empty());
    REQUIRE(in_memory.size() == from_fd.size());
    for (size_t i = 0; i < in_memory.size(); ++i) {
      CHECK(in_memory[i].offset == from_fd[i].offset);
      CHECK(in_memory[i].bytes == from_fd[i].bytes);
    }
    CHECK(r1 == r2);
    CHECK(r1 == (soname == "libc.so.6"));
  }
  // Other libraries: nothing to seal.
  bool r = true;
  CHECK(ctrdbg::library_seal_patches("/usr/lib/ssl\0"s, "libssl.so.3", "", &r).empty());
  CHECK_FALSE(r);
}

// =============================================================================
// inspect_glibc_loader
// =============================================================================

TEST_CASE("inspect_glibc_loader: the host's loader (version, directories, patches)") {
  if (!x86_64_glibc_host()) {
    MESSAGE("not an x86-64 glibc host: skipped");
    return;
  }
  const std::string bytes = slurp(kLoader);
  REQUIRE(bytes.size() > 100000);
  ctrdbg::GlibcLoader l = ctrdbg::inspect_glibc_loader(bytes);

  // The version ldd (the same glibc) reports: "ldd (Debian GLIBC 2.36-9+deb12u14) 2.36".
  auto first = lines_of(sh("ldd --version 2>/dev/null").out);
  if (!first.empty()) {
    std::string v = first[0].substr(first[0].find_last_of(' ') + 1);
    CHECK(l.version == v);
  }
  CHECK(l.version.find_first_not_of("0123456789.") == std::string::npos);
  CHECK(l.version.starts_with("2."));

  // Its default directories, in the loader's own order (glibc >= 2.33 lists them).
  REQUIRE(!l.system_dirs.empty());
  CHECK(l.system_dirs.front() == triplet_dir());
  auto listed = diagnostics_system_dirs(kLoader);
  if (!listed.empty()) {
    std::vector<std::string> expected;
    for (auto d : listed) {
      REQUIRE(d.ends_with("/"));
      d.pop_back();
      expected.push_back(d);
    }
    CHECK(l.system_dirs == expected);
  }

  // The patches: inside the file, same length as the string they replace (its NUL
  // stays), no NUL in them, sealed (start "/\x01"), not overlapping.
  std::vector<std::pair<std::uint64_t, size_t>> ranges;
  for (const auto& p : l.patches) {
    CAPTURE(p.offset);
    REQUIRE(p.offset + p.bytes.size() < bytes.size());
    CHECK(bytes[static_cast<size_t>(p.offset + p.bytes.size())] == '\0');
    CHECK(std::strlen(bytes.c_str() + p.offset) == p.bytes.size());
    CHECK(p.bytes.find('\0') == std::string::npos);
    CHECK(p.bytes.starts_with("/\x01"));
    ranges.emplace_back(p.offset, p.bytes.size());
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) CHECK(ranges[i - 1].first + ranges[i - 1].second <= ranges[i].first);

  // Every occurrence of the files and of the directories is covered.
  std::vector<std::string> sealed{"/etc/ld.so.cache", "/etc/ld.so.preload"};
  for (const auto& d : l.system_dirs) sealed.push_back(d + "/");
  std::set<std::uint64_t> patched_at;
  for (const auto& p : l.patches) patched_at.insert(p.offset);
  for (const auto& s : sealed) {
    CAPTURE(s);
    auto where = ctrdbg::find_c_strings(bytes, s);
    CHECK(!where.empty());
    for (auto w : where) CHECK(patched_at.count(w) == 1);
  }

  // Applied: nothing of them left, same size.
  std::string out = apply_patches(bytes, l.patches);
  CHECK(out.size() == bytes.size());
  for (const auto& s : sealed) {
    CAPTURE(s);
    CHECK(ctrdbg::find_c_strings(out, s).empty());
  }
  CHECK(out.find("/etc/ld.so.cache\0"s) == std::string::npos);
  CHECK(out.find("/etc/ld.so.preload\0"s) == std::string::npos);
  // The version banner and the options it needs survive.
  CHECK(ctrdbg::find_c_strings(out, "--argv0").size() >= 1);
  CHECK(ctrdbg::find_c_strings(out, "--preload").size() >= 1);
}

TEST_CASE("inspect_glibc_loader: the sealed loader, run, reads no cache, no preload file, no default directory") {
  if (!x86_64_glibc_host()) {
    MESSAGE("not an x86-64 glibc host: skipped");
    return;
  }
  const std::string bytes = slurp(kLoader);
  ctrdbg::GlibcLoader l = ctrdbg::inspect_glibc_loader(bytes);
  unit::ScratchDir d("host-tools-loader");
  const std::string sealed = (d.path / "ld-sealed.so").string();
  spit(sealed, apply_patches(bytes, l.patches), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                            fs::perms::others_read | fs::perms::others_exec);
  const std::string clean_env = "env -u LD_LIBRARY_PATH -u LD_PRELOAD -u GLIBC_TUNABLES ";

  // It still runs a program, given the library directory (as the launcher does).
  CHECK(sh(clean_env + sealed + " --library-path " + triplet_dir() + " /bin/true >/dev/null 2>&1").status == 0);
  // Without one it finds no libc: neither the cache nor /lib nor /usr/lib are looked at.
  CHECK(sh(clean_env + kLoader + " /bin/true >/dev/null 2>&1").status == 0);  // the stock loader does
  Ran alone = sh(clean_env + sealed + " /bin/true 2>&1");
  CHECK(alone.status != 0);
  CHECK(alone.out.find("libc.so.6") != std::string::npos);

  // What it says its default directories are: sealed ones, none of the real ones.
  auto dirs = diagnostics_system_dirs(sealed);
  if (!dirs.empty()) {
    CHECK(dirs.size() == l.system_dirs.size());
    for (const auto& dir : dirs) {
      CAPTURE(dir);
      CHECK(dir.starts_with("/\\001"));  // --list-diagnostics prints \x01 as \001
    }
  }

  if (!have("strace")) {
    MESSAGE("no strace: the file-access trace of the sealed loader is skipped");
    return;
  }
  auto trace = [&](const std::string& loader, const std::string& args, const std::string& log) {
    Ran r = sh(clean_env + "strace -f -qq -e trace=%file -o " + log + " " + loader + " " + args + " >/dev/null 2>&1");
    return std::pair<int, std::string>(r.status, slurp(log));
  };
  const std::string log = (d.path / "strace.log").string();
  // The stock loader: checks /etc/ld.so.preload, opens /etc/ld.so.cache (so the trace would see it).
  auto [stock_rc, stock] = trace(kLoader, "/bin/true", log);
  if (stock_rc != 0 || stock.find("execve(") == std::string::npos) {
    MESSAGE("strace cannot trace here (ptrace refused?): skipped");
    return;
  }
  CHECK(stock.find("\"/etc/ld.so.preload\"") != std::string::npos);
  CHECK(stock.find("\"/etc/ld.so.cache\"") != std::string::npos);

  // The sealed one, as the launcher runs it: neither file, and no default directory.
  auto [rc, sealed_trace] = trace(sealed, "--library-path " + triplet_dir() + " /bin/true", log);
  CAPTURE(sealed_trace);
  CHECK(rc == 0);
  CHECK(sealed_trace.find("/etc/ld.so.cache") == std::string::npos);
  CHECK(sealed_trace.find("/etc/ld.so.preload") == std::string::npos);
  CHECK(sealed_trace.find("\"/\\1ctrdbg") != std::string::npos);  // it tried the sealed preload path instead

  // Without a library path, the search that fails touches no real directory.
  auto [rc2, search] = trace(sealed, "/bin/true", log);
  CAPTURE(search);
  CHECK(rc2 != 0);
  CHECK(search.find("/etc/ld.so") == std::string::npos);
  for (const auto& dir : l.system_dirs) CHECK(search.find("\"" + dir + "/") == std::string::npos);
}

TEST_CASE("inspect_glibc_loader: a synthetic loader, and what it refuses") {
  const std::string complete =
      "\x7f" "ELF junk\0ld.so (GNU libc) stable release version 2.36.\0--argv0\0--preload\0"
      "/etc/ld.so.cache\0/etc/ld.so.preload\0/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0/usr/lib/\0"s;
#if defined(__x86_64__)
  {
    auto l = ctrdbg::inspect_glibc_loader(complete);
    CHECK(l.version == "2.36");
    CHECK(l.system_dirs ==
          std::vector<std::string>{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"});
    CHECK(l.patches.size() == 6);
    std::string out = apply_patches(complete, l.patches);
    for (const char* s : {"/etc/ld.so.cache", "/etc/ld.so.preload", "/lib/", "/usr/lib/", "/lib/x86_64-linux-gnu/"})
      CHECK(ctrdbg::find_c_strings(out, s).empty());
  }
  // The directories' order is the loader's, not the candidate list's.
  {
    std::string swapped = "stable release version 2.40.\0--argv0\0--preload\0/etc/ld.so.cache\0/etc/ld.so.preload\0"
                          "/usr/lib64/\0/lib64/\0"s;
    auto l = ctrdbg::inspect_glibc_loader(swapped);
    CHECK(l.version == "2.40");
    CHECK(l.system_dirs == std::vector<std::string>{"/usr/lib64", "/lib64"});
  }
  // Exactly 2.33 is enough.
  {
    std::string s = complete;
    s.replace(s.find("2.36"), 4, "2.33");
    CHECK(ctrdbg::inspect_glibc_loader(s).version == "2.33");
  }
#endif
  // glibc 2.31 (no --argv0): refused, naming 2.33.
  {
    std::string old = "junk\0ld.so (Ubuntu GLIBC 2.31-0ubuntu9) stable release version 2.31.\0--preload\0"
                      "/etc/ld.so.cache\0/etc/ld.so.preload\0/lib/x86_64-linux-gnu/\0/lib/\0"s;
    std::string msg = unit::error_of([&] { ctrdbg::inspect_glibc_loader(old); });
    CHECK(msg.find("2.33") != std::string::npos);
    CHECK(msg.find("2.31") != std::string::npos);
  }
  // A new version number, but no --argv0: refused too.
  {
    std::string s = complete;
    s.replace(s.find("--argv0"), 7, "--argvX");
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(s); }).find("2.33") != std::string::npos);
  }
  // 2.9 is older than 2.33 (not a string comparison).
  {
    std::string s = complete;
    s.replace(s.find("2.36"), 4, "2.9.");
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(s); }).find("2.33") != std::string::npos);
  }
  // musl's loader.
  {
    std::string musl = "\x7f" "ELF\0musl libc (x86_64)\0Version 1.2.4\0/etc/ld-musl-x86_64.path\0"s;
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(musl); }).find("musl") != std::string::npos);
  }
  // Not a loader at all, or no version after the banner.
  CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader("just bytes"); }).find("glibc") != std::string::npos);
  CHECK_THROWS_AS(ctrdbg::inspect_glibc_loader("stable release version "), Error);
  CHECK_THROWS_AS(ctrdbg::inspect_glibc_loader("stable release version x.y\0--argv0\0"s), Error);
#if defined(__x86_64__)
  // A path to seal that is missing: refused, naming it.
  {
    std::string s = complete;
    s.replace(s.find("/etc/ld.so.preload"), 18, "/etc/ld.so.prelobd");
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(s); }).find("/etc/ld.so.preload") != std::string::npos);
  }
  {
    std::string s = "stable release version 2.36.\0--argv0\0--preload\0/etc/ld.so.cache\0/etc/ld.so.preload\0"s;
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(s); }).find("director") != std::string::npos);
  }
  // No --preload.
  {
    std::string s = complete;
    s.replace(s.find("--preload"), 9, "--prelodd");
    CHECK(unit::error_of([&] { ctrdbg::inspect_glibc_loader(s); }).find("--preload") != std::string::npos);
  }
#endif
}

// =============================================================================
// read_elf_dynamic
// =============================================================================

TEST_CASE("read_elf_dynamic: /bin/ls and libc.so.6, as readelf -d reads them") {
  auto ls = dynamic_of_file("/bin/ls");
  CHECK(ls.has_dynamic);
  CHECK(ls.info.has_interpreter);
#if defined(__x86_64__)
  CHECK(ls.interpreter == "/lib64/ld-linux-x86-64.so.2");
#endif
  CHECK(std::find(ls.needed.begin(), ls.needed.end(), "libc.so.6") != ls.needed.end());
  CHECK(ls.rpath.empty());
  CHECK(ls.runpath.empty());
  CHECK(ls.rpath_offset == 0);
  CHECK(ls.runpath_offset == 0);

  if (have("readelf")) {
    for (const char* program : {"/bin/ls", "/usr/bin/strace", "/usr/bin/gdb", "/usr/bin/curl"}) {
      if (!fs::exists(program)) continue;
      CAPTURE(program);
      std::vector<std::string> needed;
      for (const auto& l : lines_of(sh("readelf -d "s + program).out)) {
        if (l.find("(NEEDED)") == std::string::npos) continue;
        auto a = l.find('['), b = l.rfind(']');
        needed.push_back(l.substr(a + 1, b - a - 1));
      }
      CHECK(!needed.empty());
      CHECK(dynamic_of_file(program).needed == needed);
    }
  }

  std::string libc_path = real("/lib/x86_64-linux-gnu/libc.so.6");
  if (libc_path.empty()) libc_path = real("/lib64/libc.so.6");
  REQUIRE(!libc_path.empty());
  auto libc = dynamic_of_file(libc_path);
  CHECK(libc.soname == "libc.so.6");
  CHECK(libc.has_dynamic);
#if defined(__x86_64__)
  CHECK(libc.needed == std::vector<std::string>{"ld-linux-x86-64.so.2"});
#endif

  // A static binary: no interpreter, nothing needed.
  if (fs::exists("/bin/busybox")) {
    auto bb = dynamic_of_file("/bin/busybox");
    if (!bb.info.has_interpreter) {
      CHECK(bb.interpreter.empty());
      CHECK(bb.needed.empty());
    }
  }
}

TEST_CASE("read_elf_dynamic: DT_RUNPATH and DT_RPATH of a program built here, with their file offsets") {
  if (!have("cc")) {
    MESSAGE("no cc: skipped");
    return;
  }
  Built b("host-tools-rpath");
  spit(b.dir.path / "main.c", "int main(void) { return 0; }\n");
  REQUIRE(cc("-o " + b.at("runpath") + " " + b.at("main.c") + " -Wl,-rpath,/opt/x -Wl,--enable-new-dtags"));
  REQUIRE(cc("-o " + b.at("rpath") + " " + b.at("main.c") + " -Wl,-rpath,/opt/ctrdbg-rp:'$ORIGIN/../lib' -Wl,--disable-new-dtags"));

  std::string bytes = slurp(b.at("runpath"));
  auto d = dynamic_of_bytes(bytes);
  CHECK(d.runpath == "/opt/x");
  CHECK(d.rpath.empty());
  CHECK(d.rpath_offset == 0);
  REQUIRE(d.runpath_offset > 0);
  REQUIRE(d.runpath_offset + 7 <= bytes.size());
  CHECK(bytes.compare(static_cast<size_t>(d.runpath_offset), 7, "/opt/x\0"s) == 0);
  CHECK(std::find(d.needed.begin(), d.needed.end(), "libc.so.6") != d.needed.end());

  std::string rbytes = slurp(b.at("rpath"));
  auto r = dynamic_of_bytes(rbytes);
  CHECK(r.rpath == "/opt/ctrdbg-rp:$ORIGIN/../lib");
  CHECK(r.runpath.empty());
  CHECK(r.runpath_offset == 0);
  REQUIRE(r.rpath_offset > 0);
  CHECK(rbytes.compare(static_cast<size_t>(r.rpath_offset), r.rpath.size() + 1, r.rpath + '\0') == 0);

  // Overwriting the string at that offset changes what the loader's reader sees, same length.
  std::string patched = bytes;
  patched.replace(static_cast<size_t>(d.runpath_offset), 6, ctrdbg::sealed_path(6, false));
  CHECK(dynamic_of_bytes(patched).runpath == ctrdbg::sealed_path(6, false));
}

namespace {

// The program headers and dynamic entries of a 64-bit little-endian image, to damage.
struct Image {
  std::string bytes;
  Elf64_Ehdr eh{};
  std::vector<std::pair<size_t, Elf64_Phdr>> phdrs;  // file offset, header
  std::vector<std::pair<size_t, Elf64_Dyn>> dyns;    // file offset, entry

  explicit Image(std::string b) : bytes(std::move(b)) {
    REQUIRE(bytes.size() > sizeof eh);
    std::memcpy(&eh, bytes.data(), sizeof eh);
    REQUIRE(eh.e_ident[EI_CLASS] == ELFCLASS64);
    for (size_t i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      size_t at = static_cast<size_t>(eh.e_phoff) + i * eh.e_phentsize;
      std::memcpy(&ph, bytes.data() + at, sizeof ph);
      phdrs.emplace_back(at, ph);
      if (ph.p_type == PT_DYNAMIC) {
        for (size_t off = static_cast<size_t>(ph.p_offset); off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz;
             off += sizeof(Elf64_Dyn)) {
          Elf64_Dyn dyn;
          std::memcpy(&dyn, bytes.data() + off, sizeof dyn);
          dyns.emplace_back(off, dyn);
          if (dyn.d_tag == DT_NULL) break;
        }
      }
    }
  }
  std::optional<size_t> dyn_at(std::int64_t tag, int nth = 0) const {
    for (const auto& [off, d] : dyns)
      if (d.d_tag == tag && nth-- == 0) return off;
    return std::nullopt;
  }
  std::uint64_t dyn_val(std::int64_t tag) const {
    auto at = dyn_at(tag);
    REQUIRE(at.has_value());
    std::uint64_t v;
    std::memcpy(&v, bytes.data() + *at + 8, 8);
    return v;
  }
  std::string with_dyn_val(size_t at, std::uint64_t v) const {
    std::string b = bytes;
    std::memcpy(b.data() + at + 8, &v, 8);
    return b;
  }
  std::optional<size_t> phdr_at(std::uint32_t type) const {
    for (const auto& [off, ph] : phdrs)
      if (ph.p_type == type) return off;
    return std::nullopt;
  }
};

std::string dyn_error(const std::string& bytes) {
  return unit::error_of([&] { ctrdbg::read_elf_dynamic(string_reader(bytes)); });
}

}  // namespace

TEST_CASE("read_elf_dynamic: malformed objects throw Error") {
#if !defined(__x86_64__) && !defined(__aarch64__)
  return;
#endif
  Image ls(slurp("/bin/ls"));
  REQUIRE(ls.dyn_at(DT_NEEDED).has_value());
  REQUIRE(ls.dyn_at(DT_STRTAB).has_value());
  REQUIRE(dynamic_of_bytes(ls.bytes).needed.size() >= 1);

  // Not ELF, or the header cut short.
  CHECK(dyn_error("").find("ELF") != std::string::npos);
  CHECK(dyn_error("#!/bin/sh\n").find("ELF") != std::string::npos);
  CHECK_THROWS_AS(ctrdbg::read_elf_dynamic(string_reader(ls.bytes.substr(0, 40))), Error);

  // Program headers cut off by the end of the file, or beyond it.
  CHECK(dyn_error(ls.bytes.substr(0, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr))).find("program headers") !=
        std::string::npos);
  {
    std::string b = ls.bytes;
    std::uint64_t far = b.size() + 4096;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_phoff), &far, 8);
    CHECK(dyn_error(b).find("program headers") != std::string::npos);
    std::uint64_t wrap = ~0ull - 16;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_phoff), &wrap, 8);
    CHECK_THROWS_AS(ctrdbg::read_elf_dynamic(string_reader(b)), Error);
  }
  // Too many program headers.
  {
    std::string b = ls.bytes;
    std::uint16_t n = 0xffff;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_phnum), &n, 2);
    CHECK_THROWS_AS(ctrdbg::read_elf_dynamic(string_reader(b)), Error);
  }
  // The dynamic section cut off by the end of the file.
  {
    auto dyn = ls.phdr_at(PT_DYNAMIC);
    REQUIRE(dyn.has_value());
    Elf64_Phdr ph;
    std::memcpy(&ph, ls.bytes.data() + *dyn, sizeof ph);
    CHECK(dyn_error(ls.bytes.substr(0, static_cast<size_t>(ph.p_offset + 8))).find("dynamic") != std::string::npos);
    // A dynamic section of a million entries.
    std::string b = ls.bytes;
    ph.p_filesz = 1ull << 24;
    std::memcpy(b.data() + *dyn, &ph, sizeof ph);
    CHECK(dyn_error(b).find("too large") != std::string::npos);
  }
  // DT_STRTAB's address in no PT_LOAD.
  CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_STRTAB), 0x7fff00000000ull)).find("outside") != std::string::npos);
  CHECK_THROWS_AS(ctrdbg::read_elf_dynamic(string_reader(ls.with_dyn_val(*ls.dyn_at(DT_STRTAB), ~0ull))), Error);
  // DT_STRSZ running past the PT_LOAD that holds DT_STRTAB.
  CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_STRSZ), 1ull << 40)).find("outside") != std::string::npos);
  // No DT_STRTAB / DT_STRSZ of 0, with DT_NEEDED entries.
  {
    std::string b = ls.bytes;
    std::int64_t tag = DT_DEBUG;
    std::memcpy(b.data() + *ls.dyn_at(DT_STRTAB), &tag, 8);
    CHECK(dyn_error(b).find("string table") != std::string::npos);
    CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_STRSZ), 0)).find("string table") != std::string::npos);
  }
  // A DT_NEEDED index at or past DT_STRSZ.
  const std::uint64_t strsz = ls.dyn_val(DT_STRSZ);
  for (std::uint64_t index : std::initializer_list<std::uint64_t>{strsz, strsz + 1, strsz + 100000, ~std::uint64_t{0}}) {
    CAPTURE(index);
    CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_NEEDED), index)).find("out of range") != std::string::npos);
  }
  // The last byte of the table is its final NUL: an empty DT_NEEDED name.
  CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_NEEDED), strsz - 1)).find("empty") != std::string::npos);
  // DT_STRSZ ending inside the name: unterminated within the table.
  {
    std::uint64_t needed_index = ls.dyn_val(DT_NEEDED);
    CHECK(dyn_error(ls.with_dyn_val(*ls.dyn_at(DT_STRSZ), needed_index + 2)).find("unterminated") !=
          std::string::npos);
  }
  // PT_INTERP without a terminated path, or empty, or huge.
  {
    auto interp = ls.phdr_at(PT_INTERP);
    REQUIRE(interp.has_value());
    Elf64_Phdr ph;
    std::memcpy(&ph, ls.bytes.data() + *interp, sizeof ph);
    std::string b = ls.bytes;
    std::memset(b.data() + ph.p_offset, 'A', static_cast<size_t>(ph.p_filesz));
    CHECK(dyn_error(b).find("PT_INTERP") != std::string::npos);
    b = ls.bytes;
    b[static_cast<size_t>(ph.p_offset)] = '\0';
    CHECK(dyn_error(b).find("PT_INTERP") != std::string::npos);
    for (std::uint64_t size : {0ull, 1ull << 20}) {
      Elf64_Phdr big = ph;
      big.p_filesz = size;
      b = ls.bytes;
      std::memcpy(b.data() + *interp, &big, sizeof big);
      CHECK(dyn_error(b).find("PT_INTERP") != std::string::npos);
    }
  }
}

// =============================================================================
// is_dynamic_elf, resolve_host_tools
// =============================================================================

TEST_CASE("is_dynamic_elf") {
  CHECK(ctrdbg::is_dynamic_elf("/bin/ls"));
  CHECK_FALSE(ctrdbg::is_dynamic_elf("/nonexistent/ctrdbg-unit"));
  CHECK_FALSE(ctrdbg::is_dynamic_elf("/etc/passwd"));
  CHECK_FALSE(ctrdbg::is_dynamic_elf("/"));
  if (fs::exists("/bin/busybox") && !dynamic_of_file("/bin/busybox").info.has_interpreter)
    CHECK_FALSE(ctrdbg::is_dynamic_elf("/bin/busybox"));
  // libc.so.6 has PT_INTERP (it runs and prints its version): dynamic; a plain library has none.
  if (have("cc")) {
    Built b("host-tools-isdyn");
    build_libs(b);
    REQUIRE(b.ok);
    CHECK_FALSE(ctrdbg::is_dynamic_elf(b.at("libb/libb_ctrdbg_unit.so")));
  }
}

TEST_CASE("resolve_host_tools: strace, its closure as ldd has it, the sealed loader, libc's gconv path") {
  if (!x86_64_glibc_host() || !fs::exists("/usr/bin/strace")) {
    MESSAGE("no strace on an x86-64 glibc host: skipped");
    return;
  }
  HostTools all = ctrdbg::resolve_host_tools({{"strace", "strace"}}, host_env());
  REQUIRE(all.tools.size() == 1);
  const HostTool& t = all.tools[0];
  CHECK(t.name == "strace");
  CHECK(t.host_path == real("/usr/bin/strace"));
  CHECK(t.bytes > 0);

  const ToolPiece* exe = piece_at(t, "tools/strace/exe");
  REQUIRE(exe != nullptr);
  CHECK(exe->host_path == t.host_path);
  CHECK_FALSE(exe->directory);
  CHECK(&t.pieces.front() == exe);

  const ToolPiece* libc = piece_at(t, "tools/strace/lib/libc.so.6");
  REQUIRE(libc != nullptr);
  CHECK(libc->host_path == real("/lib/x86_64-linux-gnu/libc.so.6"));
  REQUIRE_FALSE(libc->patches.empty());

  // The closure: the same libraries, from the same files, as the host's loader loads.
  if (have("ldd")) CHECK(lib_pieces(t) == ldd_closure("/usr/bin/strace"));
  // Every piece's file is there and every library piece is named after its soname.
  for (const auto& p : t.pieces) {
    CAPTURE(p.dest);
    CHECK(fs::exists(p.host_path));
    CHECK(p.dest.starts_with("tools/strace/"));
  }

  // The loader: the host's, sealed.
  CHECK(all.loader_path == real(kLoader));
  CHECK(!all.loader.system_dirs.empty());
  CHECK(all.loader.system_dirs == ctrdbg::inspect_glibc_loader(slurp(kLoader)).system_dirs);
  CHECK(!all.loader.patches.empty());

  // libc's gconv directory points at the staged copy of the host's modules.
  const std::string libc_bytes = slurp(libc->host_path);
  const std::string gconv = "/usr/lib/x86_64-linux-gnu/gconv";
  auto where = ctrdbg::find_c_strings(libc_bytes, gconv);
  REQUIRE_FALSE(where.empty());
  for (auto at : where) {
    auto p = std::find_if(libc->patches.begin(), libc->patches.end(), [&](const Patch& q) { return q.offset == at; });
    REQUIRE(p != libc->patches.end());
    CHECK(p->bytes.size() == gconv.size());
    CHECK(collapse_slashes(p->bytes) == "/.ctrdbg/gconv");
  }
  std::string patched = apply_patches(libc_bytes, libc->patches);
  CHECK(ctrdbg::find_c_strings(patched, gconv).empty());
  CHECK(patched.size() == libc_bytes.size());
  REQUIRE(fs::is_directory(gconv));
  auto shared = std::find_if(all.shared.begin(), all.shared.end(), [](const ToolPiece& p) { return p.dest == "gconv"; });
  REQUIRE(shared != all.shared.end());
  CHECK(shared->host_path == gconv);
  CHECK(shared->directory);
}

// libc holds, besides the gconv directory, GCONV_MODULES_CACHE,
// "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", a string of its own that
// find_c_strings(gconv) does not match (no NUL after "gconv"). __gconv_load_cache
// opens it whenever GCONV_PATH is unset -- always, for a staged tool, since the
// launcher drops GCONV_PATH -- and __gconv_lookup_cache dlopen()s dir + name
// *taken from that file*. So in a session, iconv_open() in a host tool (gdb, curl,
// python3 ...) would read the container's gconv-modules.cache and load the shared
// object it names: container code in the tool (found by this test, now fixed). No
// path under the container's gconv directory may be left in the staged libc.
TEST_CASE("resolve_host_tools seals libc's gconv-modules.cache path too") {
  if (!x86_64_glibc_host() || !fs::exists("/usr/bin/strace")) {
    MESSAGE("no strace on an x86-64 glibc host: skipped");
    return;
  }
  HostTools all = ctrdbg::resolve_host_tools({{"strace", "strace"}}, host_env());
  REQUIRE(all.tools.size() == 1);
  const ToolPiece* libc = piece_at(all.tools[0], "tools/strace/lib/libc.so.6");
  REQUIRE(libc != nullptr);
  const std::string libc_bytes = slurp(libc->host_path);
  const std::string cache = "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache";
  REQUIRE_MESSAGE(libc_bytes.find(cache + '\0') != std::string::npos, "this libc has no gconv-modules.cache path");
  std::string patched = apply_patches(libc_bytes, libc->patches);
  CHECK_MESSAGE(patched.find(cache) == std::string::npos,
                "the staged libc still opens the container's " << cache << " (and dlopens what it names)");
  CHECK(patched.find("/usr/lib/x86_64-linux-gnu/gconv/") == std::string::npos);
}

TEST_CASE("resolve_host_tools: a name not on PATH, a script, a static binary") {
  if (!x86_64_glibc_host()) return;
  std::string msg = unit::error_of([] {
    ctrdbg::resolve_host_tools({{"ctrdbg-no-such-tool", "ctrdbg-no-such-tool"}}, host_env());
  });
  CHECK(msg.find("ctrdbg-no-such-tool") != std::string::npos);
  CHECK(msg.find("not found") != std::string::npos);

  // On PATH elsewhere, but not on the PATH given.
  HostToolEnv narrow;
  narrow.path_env = "/nonexistent-dir:relative/dir";
  CHECK(unit::error_of([&] { ctrdbg::resolve_host_tools({{"ls", "ls"}}, narrow); }).find("not found") !=
        std::string::npos);

  unit::ScratchDir d("host-tools-script");
  spit(d.path / "bin/myscript", "#!/bin/sh\necho hi\n", fs::perms::owner_all);
  HostToolEnv env;
  env.path_env = (d.path / "bin").string();
  CHECK(unit::error_of([&] { ctrdbg::resolve_host_tools({{"myscript", "myscript"}}, env); }).find("script") !=
        std::string::npos);
  // Not executable: not a candidate on PATH.
  spit(d.path / "bin/notexec", slurp("/bin/ls"), fs::perms::owner_read);
  CHECK(unit::error_of([&] { ctrdbg::resolve_host_tools({{"notexec", "notexec"}}, env); }).find("not found") !=
        std::string::npos);

  if (fs::exists("/bin/busybox") && !dynamic_of_file("/bin/busybox").info.has_interpreter)
    CHECK(unit::error_of([] { ctrdbg::resolve_host_tools({{"busybox", "/bin/busybox"}}, host_env()); })
              .find("static") != std::string::npos);
}

TEST_CASE("resolve_host_tools: agrees with the host's loader on programs built here") {
  if (!x86_64_glibc_host() || !have("cc")) {
    MESSAGE("no cc on an x86-64 glibc host: skipped");
    return;
  }
  Built b("host-tools-closure");
  build_libs(b);
  REQUIRE(b.ok);
  const std::string liba = b.at("liba"), libb = b.at("libb"), main_c = b.at("src/main.c");
  // The program needs liba (only in a temp dir), liba needs libb (another one);
  // neither library has a path of its own. The loader's rules: the program's
  // DT_RPATH serves every object without a DT_RUNPATH, its DT_RUNPATH only its own
  // DT_NEEDED entries.
  struct Case {
    const char* name;
    std::string flags;
    bool loads;                  // what the host's loader does
    const char* missing = "";    // the library the resolver must name
  };
  const std::vector<Case> cases{
      {"norpath", "", false, "liba_ctrdbg_unit.so"},
      {"rpathboth", "-Wl,--disable-new-dtags -Wl,-rpath," + liba + ":" + libb, true},
      {"rpathorigin", "-Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/liba:$ORIGIN/libb'", true},
      {"rpatha", "-Wl,--disable-new-dtags -Wl,-rpath," + liba, false, "libb_ctrdbg_unit.so"},
      {"runpathboth", "-Wl,--enable-new-dtags -Wl,-rpath," + liba + ":" + libb, false, "libb_ctrdbg_unit.so"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string prog = b.at(c.name);
    REQUIRE(cc("-o " + prog + " " + main_c + " -L" + liba + " -la_ctrdbg_unit -Wl,-rpath-link," + libb + " " +
               c.flags));
    Ran ran = sh("env -u LD_LIBRARY_PATH -u LD_PRELOAD " + prog + " 2>&1");
    CHECK((ran.status == 0) == c.loads);
    CAPTURE(ran.out);

    HostToolEnv env = host_env();
    if (c.loads) {
      HostTools all = ctrdbg::resolve_host_tools({{"prog", prog}}, env);
      REQUIRE(all.tools.size() == 1);
      const HostTool& t = all.tools[0];
      const ToolPiece* a = piece_at(t, "tools/prog/lib/liba_ctrdbg_unit.so");
      const ToolPiece* bb = piece_at(t, "tools/prog/lib/libb_ctrdbg_unit.so");
      REQUIRE(a != nullptr);
      REQUIRE(bb != nullptr);
      CHECK(a->host_path == real(b.at("liba/liba_ctrdbg_unit.so")));
      CHECK(bb->host_path == real(b.at("libb/libb_ctrdbg_unit.so")));
      CHECK(piece_at(t, "tools/prog/lib/libc.so.6") != nullptr);
      // The program's DT_RPATH is sealed in its staged copy: same length, no longer a real path.
      const ToolPiece* exe = piece_at(t, "tools/prog/exe");
      REQUIRE(exe != nullptr);
      std::string bytes = slurp(prog);
      auto dyn = dynamic_of_bytes(bytes);
      REQUIRE(dyn.rpath_offset != 0);
      REQUIRE(exe->patches.size() == 1);
      CHECK(exe->patches[0].offset == dyn.rpath_offset);
      CHECK(exe->patches[0].bytes.size() == dyn.rpath.size());
      auto sealed = dynamic_of_bytes(apply_patches(bytes, exe->patches));
      CHECK(sealed.rpath.size() == dyn.rpath.size());
      CHECK(sealed.rpath.starts_with("/\x01"));
      CHECK(sealed.rpath.find(':') == std::string::npos);
      CHECK(sealed.rpath.find('$') == std::string::npos);
      if (have("ldd")) CHECK(lib_pieces(t) == ldd_closure(prog));
    } else {
      std::string msg = unit::error_of([&] { ctrdbg::resolve_host_tools({{"prog", prog}}, env); });
      CHECK(msg.find(c.missing) != std::string::npos);
      CHECK(msg.find("prog") != std::string::npos);
      CHECK(ran.out.find(c.missing) != std::string::npos);  // the loader names the same library
    }
  }
}

// For an object without DT_RUNPATH the host's loader searches the DT_RPATH of that
// object, then of the object that loaded it, and so on up to the executable (glibc
// elf/dl-load.c, the l_loader chain); the resolver must too, or it refuses a tool
// that runs on the host (found by this test, now fixed). Here: prog (DT_RPATH dirA) ->
// libA (DT_RPATH dirB:dirC) -> libB (no paths) -> libC, only in dirC.
TEST_CASE("resolve_host_tools follows the DT_RPATH of every loader up the chain") {
  if (!x86_64_glibc_host() || !have("cc")) {
    MESSAGE("no cc on an x86-64 glibc host: skipped");
    return;
  }
  Built b("host-tools-rpath-chain");
  const std::string A = b.at("A"), B = b.at("B"), C = b.at("C");
  spit(b.dir.path / "src/c.c", "int c_value(void) { return 0; }\n");
  spit(b.dir.path / "src/b.c", "int c_value(void);\nint b_value(void) { return c_value(); }\n");
  spit(b.dir.path / "src/a.c", "int b_value(void);\nint a_value(void) { return b_value(); }\n");
  spit(b.dir.path / "src/main.c", "int a_value(void);\nint main(void) { return a_value(); }\n");
  fs::create_directories(A);
  fs::create_directories(B);
  fs::create_directories(C);
  const std::string old_tags = " -Wl,--disable-new-dtags";
  REQUIRE(cc("-shared -fPIC -Wl,-soname,libc_chain_unit.so -o " + C + "/libc_chain_unit.so " + b.at("src/c.c")));
  REQUIRE(cc("-shared -fPIC -Wl,-soname,libb_chain_unit.so -o " + B + "/libb_chain_unit.so " + b.at("src/b.c") + " -L" +
             C + " -lc_chain_unit"));
  REQUIRE(cc("-shared -fPIC -Wl,-soname,liba_chain_unit.so -o " + A + "/liba_chain_unit.so " + b.at("src/a.c") + " -L" +
             B + " -lb_chain_unit" + old_tags + " -Wl,-rpath," + B + ":" + C + " -Wl,-rpath-link," + C));
  const std::string prog = b.at("prog");
  REQUIRE(cc("-o " + prog + " " + b.at("src/main.c") + " -L" + A + " -la_chain_unit" + old_tags + " -Wl,-rpath," + A +
             " -Wl,-rpath-link," + B + ":" + C));
  // The host's loader runs it, finding libc_chain_unit.so through libA's DT_RPATH.
  Ran ran = sh("env -u LD_LIBRARY_PATH -u LD_PRELOAD " + prog + " 2>&1");
  CAPTURE(ran.out);
  REQUIRE(ran.status == 0);

  std::optional<HostTools> all;
  std::string error;
  try {
    all = ctrdbg::resolve_host_tools({{"prog", prog}}, host_env());
  } catch (const Error& e) {
    error = e.what();
  }
  CHECK_MESSAGE(all.has_value(), "refused what the host's loader runs: " << error);
  if (all) {
    const ToolPiece* c = piece_at(all->tools.at(0), "tools/prog/lib/libc_chain_unit.so");
    REQUIRE(c != nullptr);
    CHECK(c->host_path == real(C + "/libc_chain_unit.so"));
  }
}

TEST_CASE("resolve_host_tools: two tools resolve independently") {
  if (!x86_64_glibc_host()) return;
  std::vector<std::pair<std::string, std::string>> both{{"ls", "ls"}};
  const bool with_strace = fs::exists("/usr/bin/strace");
  if (with_strace) both.emplace_back("strace", "/usr/bin/strace");
  both.emplace_back("mycat", "/bin/cat");
  HostTools all = ctrdbg::resolve_host_tools(both, host_env());
  REQUIRE(all.tools.size() == both.size());
  for (size_t i = 0; i < both.size(); ++i) {
    const HostTool& t = all.tools[i];
    CAPTURE(t.name);
    CHECK(t.name == both[i].first);
    // Each alone gives the same pieces.
    HostTools alone = ctrdbg::resolve_host_tools({both[i]}, host_env());
    REQUIRE(alone.tools.size() == 1);
    CHECK(lib_pieces(alone.tools[0]) == lib_pieces(t));
    CHECK(alone.tools[0].host_path == t.host_path);
    CHECK(alone.tools[0].pieces.size() == t.pieces.size());
    // Its own directory only, its own libc.
    for (const auto& p : t.pieces) CHECK(p.dest.starts_with("tools/" + t.name + "/"));
    CHECK(piece_at(t, "tools/" + t.name + "/lib/libc.so.6") != nullptr);
    CHECK(piece_at(t, "tools/" + t.name + "/exe") != nullptr);
  }
  CHECK(all.tools.back().host_path == real("/bin/cat"));
  // One gconv directory for all of them.
  CHECK(std::count_if(all.shared.begin(), all.shared.end(), [](const ToolPiece& p) { return p.dest == "gconv"; }) <= 1);
}

TEST_CASE("resolve_host_tools: recipes of tcpdump, gdb, curl") {
  if (!x86_64_glibc_host()) return;
  if (fs::exists("/usr/bin/tcpdump")) {
    auto all = ctrdbg::resolve_host_tools({{"tcpdump", "tcpdump"}}, host_env());
    CHECK(all.tools.at(0).args == std::vector<std::string>{"-Z", "root"});
  }
  if (fs::exists("/usr/bin/curl") && fs::exists("/etc/ssl/certs/ca-certificates.crt")) {
    HostToolEnv env = host_env();
    env.tool_dir = "/.td";
    auto all = ctrdbg::resolve_host_tools({{"curl", "curl"}}, env);
    const HostTool& t = all.tools.at(0);
    REQUIRE(t.env_if_missing.size() == 1);
    CHECK(t.env_if_missing[0].first == "/etc/ssl/certs/ca-certificates.crt");
    CHECK(t.env_if_missing[0].second == "CURL_CA_BUNDLE=/.td/tools/curl/ca-certificates.crt");
    const ToolPiece* bundle = piece_at(t, "tools/curl/ca-certificates.crt");
    REQUIRE(bundle != nullptr);
    CHECK(bundle->host_path == "/etc/ssl/certs/ca-certificates.crt");
    // libcrypto's configuration and module directories are sealed in its staged copy.
    for (const auto& p : t.pieces) {
      if (!p.dest.ends_with("/libcrypto.so.3")) continue;
      std::string out = apply_patches(slurp(p.host_path), p.patches);
      CHECK(ctrdbg::find_c_strings(out, "/usr/lib/ssl").empty());
      CHECK(ctrdbg::find_c_strings(out, "/usr/lib/x86_64-linux-gnu/ossl-modules").empty());
      CHECK(ctrdbg::find_c_strings(out, "/usr/lib/x86_64-linux-gnu/engines-3").empty());
    }
  }
  if (fs::exists("/usr/bin/gdb")) {
    auto all = ctrdbg::resolve_host_tools({{"gdb", "gdb"}}, host_env());
    const HostTool& t = all.tools.at(0);
    CHECK(std::find(t.args.begin(), t.args.end(), "-nx") != t.args.end());
    CHECK(std::find(t.args.begin(), t.args.end(), "set auto-load off") != t.args.end());
    CHECK(std::find(t.drop.begin(), t.drop.end(), "PYTHON") != t.drop.end());
  }
}

// =============================================================================
// launch_file
// =============================================================================

TEST_CASE("launch_file: tag/value pairs in the order the launcher applies them") {
  HostTool t;
  t.name = "strace";
  t.args = {"-f", "-s", "200"};
  t.env = {"PYTHONHOME=/.ctrdbg/tools/strace/python"};
  t.env_if_missing = {{"/etc/ssl/certs/ca-certificates.crt", "CURL_CA_BUNDLE=/.ctrdbg/tools/strace/ca.crt"}};
  t.drop = {"PYTHON"};
  const std::string file = ctrdbg::launch_file(t, "/.ctrdbg");
  REQUIRE(!file.empty());
  CHECK(file.back() == '\0');  // the launcher refuses a file whose last byte is not NUL

  std::vector<std::string> fields;
  for (size_t start = 0; start < file.size();) {
    size_t nul = file.find('\0', start);
    REQUIRE(nul != std::string::npos);
    fields.push_back(file.substr(start, nul - start));
    start = nul + 1;
  }
  REQUIRE(fields.size() % 2 == 0);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i < fields.size(); i += 2) pairs.emplace_back(fields[i], fields[i + 1]);

  std::vector<std::pair<std::string, std::string>> expected{
      {"exec", "/.ctrdbg/tools/strace/strace"},
      {"arg", "--library-path"},
      {"arg", "/.ctrdbg/tools/strace/lib"},
      {"arg", "--preload"},
      {"arg", "/.ctrdbg/libexec/ctrdbg-env.so"},
      {"arg", "--argv0"},
      {"argv0", ""},
      {"arg", "/.ctrdbg/tools/strace/exe"},
      {"arg", "-f"},
      {"arg", "-s"},
      {"arg", "200"},
  };
  for (const char* d : ctrdbg::kDroppedForTools) expected.emplace_back("drop", d);
  expected.emplace_back("drop", "PYTHON");
  expected.emplace_back("env", "PYTHONHOME=/.ctrdbg/tools/strace/python");
  expected.emplace_back("ifmissing", "/etc/ssl/certs/ca-certificates.crt");
  expected.emplace_back("env", "CURL_CA_BUNDLE=/.ctrdbg/tools/strace/ca.crt");
  CHECK(pairs == expected);

  // Every variable that makes a library load code is dropped, as a NAME= prefix.
  std::set<std::string> drops;
  for (const auto& [tag, value] : pairs)
    if (tag == "drop") drops.insert(value);
  for (const char* v : {"GCONV_PATH=", "OPENSSL_CONF=", "OPENSSL_MODULES=", "OPENSSL_ENGINES="}) CHECK(drops.count(v) == 1);
  for (const char* d : ctrdbg::kDroppedForTools) CHECK(std::string_view(d).ends_with("="));

  // A minimal tool: just the fixed part and the drops, under another tool directory.
  HostTool bare;
  bare.name = "ls";
  std::string f2 = ctrdbg::launch_file(bare, "/x");
  CHECK(f2.starts_with("exec\0/x/tools/ls/ls\0arg\0--library-path\0arg\0/x/tools/ls/lib\0"s));
  CHECK(f2.find("argv0\0\0arg\0/x/tools/ls/exe\0"s) != std::string::npos);
  CHECK(f2.find("env\0"s) == std::string::npos);
  CHECK(f2.find("ifmissing\0"s) == std::string::npos);
}

TEST_CASE("launch_file: of a resolved tool, names only files the staging creates") {
  if (!x86_64_glibc_host()) return;
  HostTools all = ctrdbg::resolve_host_tools({{"ls", "ls"}}, host_env());
  const HostTool& t = all.tools.at(0);
  std::string f = ctrdbg::launch_file(t, "/.ctrdbg");
  CHECK(f.starts_with("exec\0/.ctrdbg/tools/ls/ls\0"s));
  // The exe and the library directory it names are where the pieces go.
  CHECK(piece_at(t, "tools/ls/exe") != nullptr);
  CHECK(f.find("arg\0/.ctrdbg/tools/ls/exe\0"s) != std::string::npos);
  CHECK(f.find("arg\0/.ctrdbg/tools/ls/lib\0"s) != std::string::npos);
}
