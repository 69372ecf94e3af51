#include "ctrdbg/tools/host_tools.hpp"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"

namespace ctrdbg {

// ---- ld.so.cache ------------------------------------------------------------

namespace {

constexpr std::string_view kCacheMagicNew = "glibc-ld.so.cache1.1";
constexpr size_t kCacheHeader = 48, kCacheEntry = 24;
constexpr std::int32_t kFlagElfLibc6 = 0x0003;

template <typename T>
T load_le(std::string_view b, size_t at) {
  T v{};
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

}  // namespace

std::int32_t native_ld_cache_flags() {
#if defined(__x86_64__)
  return kFlagElfLibc6 | 0x0300;  // FLAG_X8664_LIB64
#elif defined(__aarch64__)
  return kFlagElfLibc6 | 0x0a00;  // FLAG_AARCH64_LIB64
#else
  return -1;  // no host tools: resolve_host_tools refuses before it gets here
#endif
}

std::vector<LdCacheEntry> parse_ld_cache(std::string_view bytes, std::int32_t want_flags) {
  // An old-format cache ("ld.so-1.7.0") may carry a new one after it; the loader
  // reads only the new part, whose string offsets count from its own header.
  size_t base = 0;
  if (!bytes.starts_with(kCacheMagicNew)) {
    auto at = bytes.find(kCacheMagicNew);
    if (!bytes.starts_with("ld.so-1.7.0") || at == std::string_view::npos)
      throw Error("not a glibc ld.so.cache (no \"glibc-ld.so.cache1.1\" header)");
    base = at;
  }
  std::string_view c = bytes.substr(base);
  if (c.size() < kCacheHeader) throw Error("truncated ld.so.cache header");
  std::uint32_t nlibs = load_le<std::uint32_t>(c, 20);
  if (nlibs > (c.size() - kCacheHeader) / kCacheEntry) throw Error("ld.so.cache: more entries than the file holds");
  auto string_at = [&](std::uint32_t off) {
    if (off >= c.size()) throw Error("ld.so.cache: string offset outside the file");
    auto nul = c.find('\0', off);
    if (nul == std::string_view::npos) throw Error("ld.so.cache: unterminated string");
    return std::string(c.substr(off, nul - off));
  };
  std::vector<LdCacheEntry> out;
  for (std::uint32_t i = 0; i < nlibs; ++i) {
    size_t at = kCacheHeader + static_cast<size_t>(i) * kCacheEntry;
    std::int32_t flags = load_le<std::int32_t>(c, at);
    std::uint64_t hwcap = load_le<std::uint64_t>(c, at + 16);
    if (flags != want_flags || hwcap != 0) continue;
    out.push_back({string_at(load_le<std::uint32_t>(c, at + 4)), string_at(load_le<std::uint32_t>(c, at + 8))});
  }
  return out;
}

// ---- sealing ----------------------------------------------------------------

std::string sealed_path(size_t length, bool dir) {
  static constexpr std::string_view kFiller = "ctrdbg-sealed-path-";
  if (length < 3) throw Error("internal: sealed path too short");
  std::string s = "/\x01";
  size_t body = length - 2 - (dir ? 1 : 0);
  for (size_t i = 0; i < body; ++i) s += kFiller[i % kFiller.size()];
  if (dir) s += '/';
  return s;
}

std::optional<std::string> padded_path(std::string_view path, size_t length) {
  if (path.size() > length || path.empty() || path[0] != '/') return std::nullopt;
  size_t inner = path.find('/', 1);
  std::string extra(length - path.size(), '/');
  if (inner == std::string_view::npos) return std::string(extra) + std::string(path);
  return std::string(path.substr(0, inner)) + extra + std::string(path.substr(inner));
}

std::vector<std::uint64_t> find_c_strings(std::string_view bytes, std::string_view s) {
  std::vector<std::uint64_t> out;
  std::string needle(s);
  needle += '\0';
  for (size_t at = bytes.find(needle); at != std::string_view::npos; at = bytes.find(needle, at + 1)) {
    if (at > 0) {
      unsigned char before = static_cast<unsigned char>(bytes[at - 1]);
      if (std::isalnum(before) || before == '/' || before == '.' || before == '_' || before == '-') continue;
    }
    out.push_back(at);
  }
  return out;
}

namespace {

void seal_all(std::string_view bytes, std::string_view s, const std::string& with, std::vector<Patch>& out) {
  for (auto at : find_c_strings(bytes, s)) out.push_back({at, with});
}

std::string triplet() {
#if defined(__x86_64__)
  return "x86_64-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-linux-gnu";
#else
  return "unknown";
#endif
}

}  // namespace

GlibcLoader inspect_glibc_loader(std::string_view bytes) {
  GlibcLoader l;
  static constexpr std::string_view kRelease = "stable release version ";
  auto at = bytes.find(kRelease);
  if (at == std::string_view::npos) {
    if (bytes.find("musl libc") != std::string_view::npos) throw Error("musl's loader, not glibc's");
    throw Error("not glibc's loader (no release banner)");
  }
  at += kRelease.size();
  while (at < bytes.size() && (std::isdigit(static_cast<unsigned char>(bytes[at])) || bytes[at] == '.'))
    l.version += bytes[at++];
  while (!l.version.empty() && l.version.back() == '.') l.version.pop_back();
  int major = 0, minor = 0;
  if (std::sscanf(l.version.c_str(), "%d.%d", &major, &minor) != 2) throw Error("glibc loader of unknown version");
  if (major < 2 || (major == 2 && minor < 33) || find_c_strings(bytes, "--argv0").empty())
    throw Error(fmt::format("glibc {} is older than 2.33: its loader has no --argv0", l.version));
  if (find_c_strings(bytes, "--preload").empty()) throw Error("glibc loader without --preload");

  for (std::string_view file : {"/etc/ld.so.cache", "/etc/ld.so.preload"}) {
    size_t before = l.patches.size();
    seal_all(bytes, file, sealed_path(file.size(), false), l.patches);
    if (l.patches.size() == before) throw Error(fmt::format("cannot find {} in the glibc loader to seal it", file));
  }
  // Its default directories: those of the usual layouts that it holds.
  const std::string t = triplet();
  std::vector<std::pair<std::uint64_t, std::string>> found;
  const std::vector<std::string> candidates{"/lib/" + t + "/", "/usr/lib/" + t + "/", "/lib64/", "/usr/lib64/", "/lib/",
                                           "/usr/lib/", "/lib32/", "/usr/lib32/", "/libx32/", "/usr/libx32/"};
  for (const std::string& dir : candidates) {
    auto where = find_c_strings(bytes, dir);
    if (where.empty()) continue;
    found.emplace_back(where.front(), dir);
    for (auto w : where) l.patches.push_back({w, sealed_path(dir.size(), true)});
  }
  if (found.empty()) throw Error("cannot find the glibc loader's default library directories to seal them");
  std::sort(found.begin(), found.end());
  for (auto& f : found) {
    std::string d = f.second;
    d.pop_back();
    l.system_dirs.push_back(d);
  }
  return l;
}

std::vector<std::vector<std::uint64_t>> find_c_strings_in_file(int fd, const std::vector<std::string>& needles) {
  // In windows of a buffer reused for the whole process: reading a 4 MiB library
  // into fresh memory costs a page fault per page, several milliseconds on a VM,
  // which is what staging a tool would mostly be spent on. A window overlaps the
  // next by 2*ov; each accepts matches starting in its own part, where the
  // preceding byte and the terminating NUL are inside it.
  static char buf[1 << 18];
  size_t longest = 0;
  for (const auto& n : needles) longest = std::max(longest, n.size());
  const size_t ov = longest + 2;
  std::vector<std::vector<std::uint64_t>> out(needles.size());
  for (std::uint64_t base = 0;;) {
    size_t got = 0;
    while (got < sizeof buf) {
      ssize_t n = ::pread(fd, buf + got, sizeof buf - got, static_cast<off_t>(base + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno("reading a library to seal it");
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    const bool last = got < sizeof buf;
    const size_t from = base == 0 ? 0 : ov, to = last ? got : got - ov;
    std::string_view view(buf, got);
    for (size_t i = 0; i < needles.size(); ++i)
      for (auto at : find_c_strings(view, needles[i]))
        if (at >= from && at < to) out[i].push_back(base + at);
    if (last) break;
    base += got - 2 * ov;
  }
  return out;
}

namespace {

using StringFinder = std::function<std::vector<std::vector<std::uint64_t>>(const std::vector<std::string>&)>;

std::vector<Patch> seal_patches(const StringFinder& find, const std::string& soname, const std::string& gconv_dir,
                                bool* gconv_redirected) {
  std::vector<Patch> out;
  if (gconv_redirected) *gconv_redirected = false;
  if (soname == "libc.so.6") {
    // The module directory, and the module cache in it (read whenever GCONV_PATH is
    // unset, and it names the modules to dlopen): both, or iconv_open would load
    // the container's modules.
    const std::string gconv = "/usr/lib/" + triplet() + "/gconv";
    const std::string cache = gconv + "/gconv-modules.cache";
    auto where = find({gconv, cache});
    auto redirected = gconv_dir.empty() ? std::nullopt : padded_path(gconv_dir, gconv.size());
    auto redirected_cache = gconv_dir.empty() ? std::nullopt : padded_path(gconv_dir + "/gconv-modules.cache", cache.size());
    const bool redirect = redirected && redirected_cache;
    for (auto at : where[0]) out.push_back({at, redirect ? *redirected : sealed_path(gconv.size(), false)});
    for (auto at : where[1]) out.push_back({at, redirect ? *redirected_cache : sealed_path(cache.size(), false)});
    if (gconv_redirected) *gconv_redirected = !where[0].empty() && redirect;
  } else if (soname == "libcrypto.so.3") {
    const std::vector<std::string> crypto{"/usr/lib/ssl", "/usr/lib/" + triplet() + "/engines-3",
                                         "/usr/lib/" + triplet() + "/ossl-modules"};
    auto where = find(crypto);
    for (size_t i = 0; i < crypto.size(); ++i)
      for (auto at : where[i]) out.push_back({at, sealed_path(crypto[i].size(), false)});
  }
  return out;
}

}  // namespace

std::vector<Patch> library_seal_patches(std::string_view bytes, const std::string& soname, const std::string& gconv_dir,
                                        bool* gconv_redirected) {
  return seal_patches(
      [&](const std::vector<std::string>& needles) {
        std::vector<std::vector<std::uint64_t>> out;
        for (const auto& n : needles) out.push_back(find_c_strings(bytes, n));
        return out;
      },
      soname, gconv_dir, gconv_redirected);
}

std::vector<Patch> library_seal_patches_fd(int fd, const std::string& soname, const std::string& gconv_dir,
                                           bool* gconv_redirected) {
  if (soname != "libc.so.6" && soname != "libcrypto.so.3") return {};
  return seal_patches([&](const std::vector<std::string>& needles) { return find_c_strings_in_file(fd, needles); },
                      soname, gconv_dir, gconv_redirected);
}

// ---- resolving tools --------------------------------------------------------

namespace {

constexpr long long kMaxObject = 512ll << 20;

struct Object {
  std::string path;  // real path
  ElfDynamic dyn;
  long long size = 0;
};

std::string read_at(int fd, std::uint64_t offset, size_t length, const std::string& path) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("{}: read", path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) fail_errno("{}", path);
  return buf;
}

// nullopt when the file is not there or not an ELF object of this machine (the
// loader skips those and searches on); throws for a read error of an ELF file.
std::optional<Object> open_object(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxObject) return std::nullopt;
  Object o;
  o.size = st.st_size;
  try {
    o.dyn = read_elf_dynamic([&](std::uint64_t off, size_t len) { return read_at(fd.get(), off, len, path); });
  } catch (const Error&) {
    return std::nullopt;
  }
  if (o.dyn.info.machine != native_elf_machine() || !o.dyn.info.is_64) return std::nullopt;
  o.path = real_path(path);
  return o;
}

std::string dir_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// DT_RPATH / DT_RUNPATH entries as the loader expands them ($ORIGIN, $LIB; an
// entry with an unknown token is skipped, as the loader does).
std::vector<std::string> search_dirs(const std::string& list, const std::string& origin) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  for (std::string e : split(list, ':')) {
    if (e.empty()) continue;
    for (const char* token : {"${ORIGIN}", "$ORIGIN"}) {
      for (size_t at = 0; (at = e.find(token, at)) != std::string::npos; at += origin.size())
        e.replace(at, std::strlen(token), origin);
    }
    for (const char* token : {"${LIB}", "$LIB"}) {
      for (size_t at = 0; (at = e.find(token, at)) != std::string::npos; at += 4 + triplet().size())
        e.replace(at, std::strlen(token), "lib/" + triplet());
    }
    if (e.find('$') != std::string::npos || e[0] != '/') continue;
    out.push_back(e);
  }
  return out;
}

// The piece for an object, with its own search paths sealed: staged, every library
// it needs is in the tool's library directory, and DT_RPATH (searched before it)
// or DT_RUNPATH must not send the loader into the container's directories.
ToolPiece object_piece(const Object& o, const std::string& dest) {
  ToolPiece p{o.path, dest, {}, false};
  auto seal = [&](std::uint64_t offset, size_t length) {
    if (offset == 0 || length == 0) return;
    p.patches.push_back({offset, length >= 3 ? sealed_path(length, false) : std::string(length, '\0')});
  };
  seal(o.dyn.rpath_offset, o.dyn.rpath.size());
  seal(o.dyn.runpath_offset, o.dyn.runpath.size());
  return p;
}

std::string file_bytes(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) fail_errno("{}", path);
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0) fail_errno("{}", path);
  if (!S_ISREG(st.st_mode) || st.st_size > kMaxObject) fail("{}: not a regular file of sane size", path);
  return read_at(fd.get(), 0, static_cast<size_t>(st.st_size), path);
}

// Sealing patches already computed, by library path (several tools share libc).
using SealCache = std::map<std::string, std::pair<std::vector<Patch>, bool>>;

void seal_library(const Object& lib, const std::string& needed, ToolPiece& piece, HostTools& all,
                  const std::string& tool_dir, SealCache& cache) {
  if (needed != "libc.so.6" && needed != "libcrypto.so.3") return;
  if (auto hit = cache.find(lib.path); hit != cache.end()) {
    piece.patches.insert(piece.patches.end(), hit->second.first.begin(), hit->second.first.end());
    return;
  }
  struct stat st{};
  const std::string gconv = "/usr/lib/" + triplet() + "/gconv";
  bool host_gconv = ::stat(gconv.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  bool redirected = false;
  Fd fd(::open(lib.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) fail_errno("{}", lib.path);
  auto patches = library_seal_patches_fd(fd.get(), needed, host_gconv ? tool_dir + "/gconv" : "", &redirected);
  piece.patches.insert(piece.patches.end(), patches.begin(), patches.end());
  cache[lib.path] = {patches, redirected};
  if (redirected && std::none_of(all.shared.begin(), all.shared.end(), [](const ToolPiece& p) { return p.dest == "gconv"; }))
    all.shared.push_back({gconv, "gconv", {}, true});
}

struct Resolver {
  const HostToolEnv& env;
  HostTools& all;
  std::vector<LdCacheEntry> cache;
  bool cache_loaded = false;
  SealCache sealed;

  const std::vector<LdCacheEntry>& ld_cache() {
    if (!cache_loaded) {
      cache_loaded = true;
      std::string bytes;
      try {
        bytes = file_bytes(env.ld_cache);
      } catch (const Error&) {
        return cache;  // no cache: the loader searches its default directories only
      }
      try {
        cache = parse_ld_cache(bytes, native_ld_cache_flags());
      } catch (const Error& e) {
        throw e.context(env.ld_cache);
      }
    }
    return cache;
  }

  // Where the host's loader would find `name` for objects[from] (objects[0] is the
  // executable; loaded_by[i] is the object whose DT_NEEDED loaded objects[i]). As
  // glibc's _dl_map_object: without a DT_RUNPATH of the requester, the DT_RPATH of
  // the requester and of each object up the chain that loaded it, then the
  // executable's; then the requester's DT_RUNPATH, the cache, the default directories.
  std::optional<Object> find(const std::string& name, const std::vector<Object>& objects,
                             const std::vector<size_t>& loaded_by, size_t from) {
    std::vector<std::string> dirs;
    const Object& requester = objects[from];
    if (requester.dyn.runpath.empty()) {
      bool exe_seen = false;
      for (size_t i = from, hops = 0; hops <= objects.size(); i = loaded_by[i], ++hops) {
        if (objects[i].dyn.runpath.empty() || i == from)
          for (auto& d : search_dirs(objects[i].dyn.rpath, dir_of(objects[i].path))) dirs.push_back(d);
        if (i == 0) {
          exe_seen = true;
          break;
        }
      }
      if (!exe_seen && objects[0].dyn.runpath.empty())
        for (auto& d : search_dirs(objects[0].dyn.rpath, dir_of(objects[0].path))) dirs.push_back(d);
    }
    for (auto& d : search_dirs(requester.dyn.runpath, dir_of(requester.path))) dirs.push_back(d);
    for (const auto& d : dirs)
      if (auto o = open_object(d + "/" + name)) return o;
    for (const auto& e : ld_cache())
      if (e.soname == name)
        if (auto o = open_object(e.path)) return o;
    for (const auto& d : all.loader.system_dirs)
      if (auto o = open_object(d + "/" + name)) return o;
    return std::nullopt;
  }

  HostTool resolve(const std::string& name, const std::string& given) {
    HostTool t;
    t.name = name;
    std::string path = given;
    if (given.find('/') == std::string::npos) {
      path.clear();
      for (const auto& d : split(env.path_env, ':')) {
        if (d.empty() || d[0] != '/') continue;
        std::string candidate = d + "/" + given;
        struct stat st{};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
          path = candidate;
          break;
        }
      }
      if (path.empty()) fail("{}: not found on the host's PATH", given);
    }
    auto exe = open_object(path);
    if (!exe) {
      std::string bytes = file_bytes(path).substr(0, 4096);
      ElfInfo info;
      try {
        info = parse_elf(bytes);
      } catch (const Error& e) {
        if (bytes.starts_with("#!")) fail("{}: a script, not a binary (stage its interpreter instead)", path);
        throw e.context(path);
      }
      if (info.machine != native_elf_machine())
        fail("{}: built for {}, but this host runs {}", path, elf_machine_name(info.machine),
             elf_machine_name(native_elf_machine()));
      fail("{}: not an ELF executable of this machine", path);
    }
    t.host_path = exe->path;
    if (exe->dyn.interpreter.empty()) fail("{}: statically linked (internal: not a host tool)", path);
    std::string loader = real_path(exe->dyn.interpreter);
    if (all.loader_path.empty()) {
      std::string bytes = file_bytes(loader);
      try {
        all.loader = inspect_glibc_loader(bytes);
      } catch (const Error& e) {
        throw e.context(fmt::format("{}: loader {}", path, exe->dyn.interpreter));
      }
      all.loader_path = loader;
    } else if (loader != all.loader_path) {
      fail("{}: its loader {} is not the host's {} (one loader per session)", path, loader, all.loader_path);
    }
    t.pieces.push_back(object_piece(*exe, "tools/" + name + "/exe"));
    t.bytes += exe->size;

    std::vector<Object> roots{*exe};
    add_recipe_roots(t, roots);
    std::map<std::string, std::string> resolved;  // needed name -> real path
    std::deque<std::pair<size_t, std::string>> queue;
    std::vector<Object> objects = roots;
    std::vector<size_t> loaded_by(objects.size(), 0);  // extra roots: as if the executable dlopened them
    for (size_t i = 0; i < objects.size(); ++i)
      for (const auto& n : objects[i].dyn.needed) queue.emplace_back(i, n);
    const std::string loader_name = base_of(exe->dyn.interpreter);
    while (!queue.empty()) {
      auto [from, needed] = queue.front();
      queue.pop_front();
      if (needed == loader_name) continue;  // the loader itself
      if (needed.find('/') != std::string::npos)
        fail("{}: {} needs a library by path ({}); not supported", path, objects[from].path, needed);
      // A name already loaded is that object (the loader matches loaded objects'
      // names before it searches), whoever needs it next.
      if (resolved.contains(needed)) continue;
      auto lib = find(needed, objects, loaded_by, from);
      if (!lib)
        fail("{}: library {} (needed by {}) is not in the host's library path, so the tool's closure is incomplete",
             path, needed, objects[from].path);
      resolved[needed] = lib->path;
      ToolPiece piece = object_piece(*lib, "tools/" + name + "/lib/" + needed);
      seal_library(*lib, needed, piece, all, env.tool_dir, sealed);
      t.pieces.push_back(std::move(piece));
      t.bytes += lib->size;
      objects.push_back(*lib);
      loaded_by.push_back(from);
      for (const auto& n : objects.back().dyn.needed) queue.emplace_back(objects.size() - 1, n);
    }
    add_recipe(t);
    return t;
  }

  // ---- recipes: what particular tools need beyond their libraries ----

  static bool is_python(const std::string& host_path) {
    std::string b = base_of(host_path);
    return b.starts_with("python3");
  }

  // Python's extension modules (lib-dynload) need libraries of their own: they
  // are roots of the closure too.
  void add_recipe_roots(HostTool& t, std::vector<Object>& roots) {
    if (!is_python(t.host_path)) return;
    std::string stdlib = "/usr/lib/" + base_of(t.host_path);
    DIR* dir = ::opendir((stdlib + "/lib-dynload").c_str());
    if (!dir) return;
    while (dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n.ends_with(".so"))
        if (auto o = open_object(stdlib + "/lib-dynload/" + n)) roots.push_back(std::move(*o));
    }
    ::closedir(dir);
  }

  void add_recipe(HostTool& t) {
    const std::string& dir = env.tool_dir;
    const std::string base = base_of(t.host_path);
    auto bind_dir = [&](const std::string& host, const std::string& dest) {
      struct stat st{};
      if (::stat(host.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        t.pieces.push_back({host, dest, {}, true});
        return true;
      }
      return false;
    };
    if (is_python(t.host_path)) {
      // Python finds its standard library from where its executable is: the
      // launcher's real path, <tool dir>/libexec, makes the prefix <tool dir>, and
      // <tool dir>/lib/pythonX.Y its library. -E: PYTHON* variables of the
      // container do not reach it (its children still get them); -s: no user site.
      if (bind_dir("/usr/lib/" + base, "lib/" + base)) t.notes.push_back("standard library at " + dir + "/lib/" + base);
      t.args = {"-E", "-s"};
    } else if (base == "gdb") {
      // No init files or auto-loaded scripts from the container (they run
      // commands), its data directory from the host, the inferior started without
      // a shell (the container may have none) and without the Python home.
      t.args = {"-nx", "-iex", "set auto-load off", "-iex", "set startup-with-shell off"};
      if (bind_dir("/usr/share/gdb", "tools/gdb/data")) t.args.push_back("--data-directory=" + dir + "/tools/gdb/data");
      for (const auto& p : t.pieces) {
        auto slash = p.dest.find_last_of('/');
        std::string lib = p.dest.substr(slash + 1);
        if (lib.starts_with("libpython3.") && lib.find(".so") != std::string::npos) {
          std::string ver = lib.substr(3, lib.find(".so") - 3);  // "python3.11"
          if (bind_dir("/usr/lib/" + ver, "tools/gdb/python/lib/" + ver)) {
            t.env.push_back("PYTHONHOME=" + dir + "/tools/gdb/python");
            t.args.insert(t.args.end(), {"-iex", "unset environment PYTHONHOME"});
          }
          break;
        }
      }
      t.drop.push_back("PYTHON");
    } else if (base == "tcpdump") {
      // Debian's tcpdump drops to user "tcpdump", which containers rarely have;
      // "-Z root" keeps the session's credentials (a later -Z of the user wins). It
      // still looks that user up, in the container's /etc/passwd.
      t.args = {"-Z", "root"};
      t.note_if_missing.emplace_back(
          "/etc/passwd", "tcpdump: this container has no /etc/passwd, where tcpdump looks up the user it runs as "
                         "(-Z root); it cannot start without an entry for root there");
    } else if (base == "curl") {
      const std::string bundle = "/etc/ssl/certs/ca-certificates.crt";
      struct stat st{};
      if (::stat(bundle.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        t.pieces.push_back({bundle, "tools/curl/ca-certificates.crt", {}, false});
        t.env_if_missing.emplace_back(bundle, "CURL_CA_BUNDLE=" + dir + "/tools/curl/ca-certificates.crt");
      }
    }
  }
};

}  // namespace

bool is_dynamic_elf(const std::string& path) {
  auto o = open_object(path);
  return o && !o->dyn.interpreter.empty();
}

HostTools resolve_host_tools(const std::vector<std::pair<std::string, std::string>>& name_and_path,
                             const HostToolEnv& env) {
  HostTools all;
  if (native_ld_cache_flags() < 0) fail("host tools are not supported on this architecture");
  Resolver r{env, all, {}, false, {}};
  for (const auto& [name, path] : name_and_path) {
    try {
      all.tools.push_back(r.resolve(name, path));
    } catch (const Error& e) {
      throw e.context(fmt::format("--tools {}", name));
    }
  }
  return all;
}

std::string launch_file(const HostTool& tool, const std::string& tool_dir) {
  std::string out;
  auto put = [&](std::string_view tag, std::string_view value) {
    out += tag;
    out += '\0';
    out += value;
    out += '\0';
  };
  const std::string dir = tool_dir + "/tools/" + tool.name;
  put("exec", dir + "/" + tool.name);
  put("arg", "--library-path");
  put("arg", dir + "/lib");
  put("arg", "--preload");
  put("arg", tool_dir + "/libexec/ctrdbg-env.so");
  put("arg", "--argv0");
  put("argv0", "");
  put("arg", dir + "/exe");
  for (const auto& a : tool.args) put("arg", a);
  for (const char* d : kDroppedForTools) put("drop", d);
  for (const auto& d : tool.drop) put("drop", d);
  for (const auto& e : tool.env) put("env", e);
  for (const auto& [path, e] : tool.env_if_missing) {
    put("ifmissing", path);
    put("env", e);
  }
  for (const auto& [path, text] : tool.note_if_missing) {
    put("ifmissing", path);
    put("note", text);
  }
  return out;
}

}  // namespace ctrdbg
