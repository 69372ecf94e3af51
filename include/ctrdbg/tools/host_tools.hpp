// Host tools in any container: the host's own dynamically linked debuggers
// (strace, tcpdump, gdb, curl, ...) staged into a session so that they run inside
// a container that has none of their libraries — and so that nothing the
// container controls is ever loaded into them.
//
// How a staged tool runs (all of it under the session's tool directory, which only
// the session's mount namespace has, read-only):
//   bin/NAME                 symlink to libexec/ctrdbg-tool, the launcher
//   libexec/ctrdbg-tool      a freestanding program (src/tools/launcher/): reads
//                            tools/NAME/launch, cleans the environment, and execs
//   tools/NAME/NAME          a hard link to the sealed loader (so comm is NAME) as
//                            NAME --library-path tools/NAME/lib --preload
//                            libexec/ctrdbg-env.so --argv0 ARGV0 tools/NAME/exe ARGS
//   tools/NAME/exe           the host binary (read-only bind mount of the host file)
//   tools/NAME/lib/SONAME    its DT_NEEDED closure, as the host's loader resolves it
//                            (read-only bind mounts; a copy where a string is sealed)
//   libexec/ld-glibc.so      the host's glibc loader, copied with its paths sealed
//
// Sealing. The stock loader would read the container's /etc/ld.so.preload and
// /etc/ld.so.cache and fall back to its /lib and /usr/lib, and libc would load
// gconv modules and libcrypto provider modules from the container's directories.
// Each such compiled-in path is overwritten in a copy, same length, by a path that
// cannot exist in the session root: its first component starts with byte 0x01, and
// the session root (a read-only tmpfs) never mirrors a container entry whose name
// does (session_root.cpp). Environment variables the loader reads at start-up
// (LD_*, GLIBC_TUNABLES) are hidden by the launcher and put back by ctrdbg-env.so
// once the loader is done, so programs the tool starts see the session's
// environment; variables that make libraries load code later (GCONV_PATH,
// OPENSSL_CONF, ...) are removed for the tool (see kDroppedForTools).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

// ---- glibc's ld.so.cache ----------------------------------------------------

// The "glibc-ld.so.cache1.1" format (glibc >= 2.32 writes only this one):
//   header  char magic[17] "glibc-ld.so.cache", char version[3] "1.1",
//           u32 nlibs, u32 len_strings, u8 flags, u8 pad[3], u32 extension_offset,
//           u32 unused[3]                                   (48 bytes)
//   entries nlibs x { i32 flags, u32 key, u32 value, u32 osversion, u64 hwcap }
//           (24 bytes; key = soname, value = path: offsets from the file's start)
// An entry is for this architecture when flags == native_ld_cache_flags()
// (FLAG_ELF_LIBC6 | the arch's FLAG_*_LIB64); entries with hwcap != 0 are
// glibc-hwcaps variants, which the loader picks only on CPUs that have them: the
// baseline entry is the one every CPU can load.
struct LdCacheEntry {
  std::string soname, path;
};
// Throws Error for a file that is not such a cache or is damaged (offsets outside it).
std::vector<LdCacheEntry> parse_ld_cache(std::string_view bytes, std::int32_t want_flags);
std::int32_t native_ld_cache_flags();

// ---- sealing compiled-in paths ----------------------------------------------

struct Patch {
  std::uint64_t offset = 0;
  std::string bytes;
};

// A path of exactly `length` bytes that cannot exist in a session root: "/\x01"
// then filler; ending in '/' when `dir`. length >= 3.
std::string sealed_path(size_t length, bool dir);
// `path` made exactly `length` bytes long by repeating its first inner slash
// ("/.ctrdbg/gconv" -> "/.ctrdbg////gconv"); nullopt when it is longer.
std::optional<std::string> padded_path(std::string_view path, size_t length);

// Every occurrence of `s` as a whole C string in `bytes`: followed by NUL and not
// preceded by a byte that could continue a path (so "/lib/" inside "/usr/lib/" is
// not one).
std::vector<std::uint64_t> find_c_strings(std::string_view bytes, std::string_view s);

// What the host's glibc loader is, and the patches that seal it.
struct GlibcLoader {
  std::string version;                   // "2.36"
  std::vector<std::string> system_dirs;  // its default library directories, in order
  std::vector<Patch> patches;
};
// Throws Error naming what is missing: not glibc's loader, a glibc older than 2.33
// (no --argv0), or a path that could not be found to seal.
GlibcLoader inspect_glibc_loader(std::string_view bytes);

// Compiled-in paths of particular libraries that make them load code from the
// container: libc.so.6's gconv module directory (iconv), libcrypto.so.3's
// OPENSSLDIR (openssl.cnf can name provider modules) and its module directories.
// Each is sealed; gconv is pointed at `gconv_dir` instead (padded with slashes)
// when that is given and fits, and *gconv_redirected says so. Other libraries: none.
std::vector<Patch> library_seal_patches(std::string_view bytes, const std::string& soname, const std::string& gconv_dir,
                                        bool* gconv_redirected);
// The same, reading the open file `fd` in windows (no copy of it in memory).
std::vector<Patch> library_seal_patches_fd(int fd, const std::string& soname, const std::string& gconv_dir,
                                           bool* gconv_redirected);
// find_c_strings for each needle over a whole file, read in windows.
std::vector<std::vector<std::uint64_t>> find_c_strings_in_file(int fd, const std::vector<std::string>& needles);

// ---- resolving a tool -------------------------------------------------------

// One file of a staged tool: a host file placed at `dest` (relative to the tool
// directory), bound read-only, or copied when it has patches.
struct ToolPiece {
  std::string host_path;
  std::string dest;
  std::vector<Patch> patches;
  bool directory = false;
};

struct HostTool {
  std::string name;       // the command name in bin/
  std::string host_path;  // the binary, as given or found on PATH (real path)
  std::vector<ToolPiece> pieces;   // exe, libraries, data directories
  std::vector<std::string> args;   // prepended to the user's (tool recipe)
  std::vector<std::string> env;    // VAR=VALUE for the tool itself
  std::vector<std::pair<std::string, std::string>> env_if_missing;  // (path in container, VAR=VALUE)
  std::vector<std::pair<std::string, std::string>> note_if_missing;  // (path in container, what to say)
  std::vector<std::string> drop;   // variable-name prefixes the tool must not see
  std::vector<std::string> notes;  // for -v: what the recipe did
  long long bytes = 0;             // the closure's size
};

struct HostTools {
  std::vector<HostTool> tools;
  std::string loader_path;  // real path of the host's glibc loader
  GlibcLoader loader;
  std::vector<ToolPiece> shared;  // pieces for several tools (gconv modules)
};

// Static configuration a resolver needs, so tests can point it at fixtures.
struct HostToolEnv {
  std::string path_env;         // the host's PATH, for names without '/'
  std::string ld_cache = "/etc/ld.so.cache";
  std::string tool_dir = "/.ctrdbg";  // where the session will see the tool directory
};

// True when `path` is a dynamically linked ELF (a host tool rather than a static one).
bool is_dynamic_elf(const std::string& path);

// Resolves each name (looked up on PATH unless it holds a '/') to a host tool:
// binary, complete DT_NEEDED closure, recipe. Throws Error naming the tool and the
// missing piece: not found, not ELF, foreign architecture, unknown loader, glibc
// too old, a library not found, two different files for one library name.
HostTools resolve_host_tools(const std::vector<std::pair<std::string, std::string>>& name_and_path,
                             const HostToolEnv& env);

// The launch file (tools/NAME/launch) the launcher reads: NUL-separated pairs of a
// tag and a value:
//   exec  PATH        what to execve (the loader's hard link named after the tool)
//   arg   VALUE       next argument; "argv0" with an empty value = the user's argv[0]
//   env   VAR=VALUE   set for the tool
//   ifmissing PATH    with the next `env` or `note`: only when PATH does not exist
//   note  TEXT        said on stderr (after ifmissing)
//   drop  PREFIX      remove variables whose NAME=... starts with PREFIX
std::string launch_file(const HostTool& tool, const std::string& tool_dir);

// Environment variables the launcher removes for every staged tool, not to be put
// back: libraries read them while the tool runs and load code from where they
// point.
inline constexpr const char* kDroppedForTools[] = {"GCONV_PATH=", "OPENSSL_CONF=", "OPENSSL_MODULES=",
                                                   "OPENSSL_ENGINES="};

}  // namespace ctrdbg
