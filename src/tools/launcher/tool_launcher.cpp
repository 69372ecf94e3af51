// ctrdbg-tool: starts a host tool staged into a session (tools/host_tools.hpp).
//
// Every <tool dir>/bin/NAME of a host tool is a symlink to this program, and so is
// every <tool dir>/ibin/NAME of an --image program (image_tools.hpp). It finds
// NAME from the path it was executed as (AT_EXECFN: ".../bin/NAME"), reads
// <tool dir>/tools/NAME/launch (tag/value pairs, see launch_file()), and execs the
// sealed loader (hard-linked as tools/NAME/NAME, so the process is called NAME)
// with the tool, its library directory and the user's arguments.
//
// The environment, on the way:
//   - LD_* and GLIBC_TUNABLES are what the loader reads at start-up to load code
//     or change itself (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH ...). They come from
//     the container's Env or the operator; the tool must not honour them, but
//     programs the tool starts (strace -f CMD, gdb's inferior) must see them. So
//     each is renamed __CTRDBG_RESTORE__NAME=...; ctrdbg-env.so, preloaded by the
//     loader, renames them back in its constructor, after the loader is done.
//   - `drop` prefixes are removed (variables that make libraries load code while
//     the tool runs: GCONV_PATH, OPENSSL_CONF ...), as are variables already named
//     __CTRDBG_RESTORE__* (a container must not choose what gets restored).
//   - `self` replaces argv[0] (a script's interpreter is called by its #! name);
//   - `env` entries are set for the tool (replacing a variable of that name);
//     after `ifmissing PATH`, only when PATH does not exist;
//   - `note` (after `ifmissing PATH`) is said on stderr when PATH does not exist.
//
// Freestanding like the reaper (no libc): it runs inside containers that may have
// no libc, and it is the first code of every tool invocation.

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "../../freestanding/runtime.hpp"
#include "../../freestanding/syscall.hpp"

using namespace ctrdbg::freestanding;

namespace {

constexpr const char kRestore[] = "__CTRDBG_RESTORE__";
constexpr size_t kRestoreLen = sizeof kRestore - 1;
constexpr long kMaxLaunch = 4 * 1024 * 1024;  // image.launch holds a record per program
constexpr int kMaxEntries = 8192;

size_t len(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}
bool starts_with(const char* s, const char* prefix) {
  for (; *prefix; ++s, ++prefix)
    if (*s != *prefix) return false;
  return true;
}
bool equal(const char* a, const char* b) { return starts_with(a, b) && len(a) == len(b); }
// Same variable name: "A=1" and "A=2".
bool same_name(const char* a, const char* b) {
  for (; *a && *a != '=' && *a == *b; ++a, ++b) {
  }
  return (*a == '=' || !*a) && (*b == '=' || !*b);
}

void write_err(const char* a, const char* b = "", const char* c = "", const char* d = "") {
  const char* parts[] = {"ctrdbg-tool: ", a, b, c, d, "\n"};
  for (const char* s : parts) sys(SYS_write, 2, s, len(s));
}

// A bump allocator over one anonymous mapping.
struct Arena {
  char* next = nullptr;
  char* end = nullptr;
  char* copy(const char* a, size_t na, const char* b = "", size_t nb = 0) {
    if (static_cast<size_t>(end - next) < na + nb + 1) return nullptr;
    char* out = next;
    memcpy(out, a, na);
    memcpy(out + na, b, nb);
    out[na + nb] = '\0';
    next += na + nb + 1;
    return out;
  }
};

}  // namespace

extern "C" [[noreturn]] void launcher_main(long* stack) {
  long argc = stack[0];
  char** argv = reinterpret_cast<char**>(stack + 1);
  char** envp = argv + argc + 1;
  long nenv = 0;
  while (envp[nenv]) ++nenv;
  const char* execfn = nullptr;
  for (auto* aux = reinterpret_cast<unsigned long*>(envp + nenv + 1); aux[0] != AT_NULL; aux += 2)
    if (aux[0] == AT_EXECFN) execfn = reinterpret_cast<const char*>(aux[1]);
  if (!execfn || argc < 1) {
    write_err("no program name");
    exit_group(126);
  }

  // ".../bin/NAME": NAME, and the tool directory two levels up.
  size_t n = len(execfn), name_at = n;
  while (name_at > 0 && execfn[name_at - 1] != '/') --name_at;
  size_t bin_at = name_at > 0 ? name_at - 1 : 0;  // the slash before NAME
  size_t dir_end = bin_at;
  while (dir_end > 0 && execfn[dir_end - 1] != '/') --dir_end;
  if (name_at == 0 || dir_end == 0 || name_at == n) {
    write_err(execfn, ": not run as <tool dir>/bin/NAME");
    exit_group(126);
  }
  const char* name = execfn + name_at;
  // <dir>/ibin/NAME: a program of the --image image, whose record is in the one
  // file tools/image.launch ("prog NAME" and the tags up to the next "prog").
  const bool image = name_at - dir_end == 5 && starts_with(execfn + dir_end, "ibin/");

  // Room for the launch file, every environment string renamed, and the vectors.
  size_t env_bytes = 0;
  for (long i = 0; i < nenv; ++i) env_bytes += len(envp[i]) + 1 + kRestoreLen;
  size_t size = static_cast<size_t>(kMaxLaunch) * 2 + env_bytes + n * 2 + 4096 +
                sizeof(char*) * static_cast<size_t>(argc + nenv + 2 * kMaxEntries + 8);
  long map = sys(SYS_mmap, nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map < 0 && map > -4096) {
    write_err(name, ": out of memory");
    exit_group(126);
  }
  Arena arena{reinterpret_cast<char*>(map), reinterpret_cast<char*>(map) + size};
  auto** new_argv = reinterpret_cast<char**>(arena.next);
  arena.next += sizeof(char*) * static_cast<size_t>(argc + kMaxEntries + 2);
  auto** new_envp = reinterpret_cast<char**>(arena.next);
  arena.next += sizeof(char*) * static_cast<size_t>(nenv + kMaxEntries + 2);

  // <dir>/tools/NAME/launch, read whole.
  char* launch_path;
  if (image) {
    launch_path = arena.copy(execfn, dir_end, "tools/image.launch", 18);
  } else {
    char* path = arena.copy(execfn, dir_end, "tools/", 6);
    path = arena.copy(path, len(path), name, len(name));
    launch_path = arena.copy(path, len(path), "/launch", 7);
  }
  long fd = sys(SYS_openat, AT_FDCWD, launch_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0) {
    write_err(launch_path, ": cannot open (is ", name, " a staged tool?)");
    exit_group(127);
  }
  char* spec = arena.next;
  long got = 0;
  for (;;) {
    long r = sys(SYS_read, fd, spec + got, kMaxLaunch - got);
    if (r == -EINTR) continue;
    if (r <= 0) break;
    got += r;
    if (got == kMaxLaunch) break;
  }
  sys(SYS_close, fd);
  if (got <= 0 || got == kMaxLaunch || spec[got - 1] != '\0') {
    write_err(launch_path, ": unreadable or damaged");
    exit_group(126);
  }
  arena.next += got;

  // The environment: rename what the loader must not see, drop what must go.
  int ne = 0;
  const char* exec_path = nullptr;
  int na = 0;
  new_argv[na++] = argv[0];
  for (long i = 0; i < nenv; ++i) {
    const char* e = envp[i];
    if (starts_with(e, kRestore)) continue;
    bool dropped = false;
    for (const char* p = spec; p < spec + got;) {
      const char* tag = p;
      p += len(p) + 1;
      const char* value = p;
      p += len(p) + 1;
      if (equal(tag, "drop") && starts_with(e, value)) dropped = true;
    }
    if (dropped) continue;
    if (starts_with(e, "LD_") || starts_with(e, "GLIBC_TUNABLES=")) {
      char* renamed = arena.copy(kRestore, kRestoreLen, e, len(e));
      if (!renamed) {
        write_err(name, ": environment too large");
        exit_group(126);
      }
      new_envp[ne++] = renamed;
    } else {
      new_envp[ne++] = const_cast<char*>(e);
    }
  }
  bool skip_next_env = false;
  bool active = true, found = !image;
  const char* self = argv[0];
  for (const char* p = spec; p < spec + got && na < kMaxEntries && ne < nenv + kMaxEntries;) {
    const char* tag = p;
    p += len(p) + 1;
    const char* value = p;
    p += len(p) + 1;
    if (equal(tag, "prog")) {
      if (found && active) break;  // our record is complete
      active = equal(value, name);
      found = found || active;
      continue;
    }
    if (!active) continue;
    if (equal(tag, "self")) {
      self = value;
    } else if (equal(tag, "exec")) {
      exec_path = value;
    } else if (equal(tag, "arg")) {
      new_argv[na++] = const_cast<char*>(value);
    } else if (equal(tag, "argv0")) {
      new_argv[na++] = argv[0];
    } else if (equal(tag, "ifmissing")) {
      char st[256];
      skip_next_env = sys(SYS_newfstatat, AT_FDCWD, value, st, 0) == 0;
    } else if (equal(tag, "note")) {
      if (!skip_next_env) write_err(value);
      skip_next_env = false;
    } else if (equal(tag, "env")) {
      if (skip_next_env) {
        skip_next_env = false;
        continue;
      }
      int k = 0;
      for (int j = 0; j < ne; ++j)
        if (!same_name(new_envp[j], value)) new_envp[k++] = new_envp[j];
      ne = k;
      new_envp[ne++] = const_cast<char*>(value);
    }
  }
  if (!found) {
    write_err(name, ": not a program of the image (", launch_path, ")");
    exit_group(127);
  }
  new_argv[0] = const_cast<char*>(self);
  for (long i = 1; i < argc && na < argc + kMaxEntries; ++i) new_argv[na++] = argv[i];
  new_argv[na] = nullptr;
  new_envp[ne] = nullptr;
  if (!exec_path) {
    write_err(launch_path, ": names nothing to run");
    exit_group(126);
  }
  long err = sys(SYS_execve, exec_path, new_argv, new_envp);
  write_err(name, ": cannot run ", exec_path, err == -ENOENT ? ": no such file" : ": exec failed");
  exit_group(err == -ENOENT ? 127 : 126);
}

// The entry point: the kernel's initial stack (argc, argv..., envp..., auxv) to launcher_main.
#if defined(__x86_64__)
asm(".text\n.global _start\n.type _start,@function\n_start:\n"
    "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call launcher_main\n  hlt\n");
#elif defined(__aarch64__)
asm(".text\n.global _start\n.type _start,%function\n_start:\n"
    "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl launcher_main\n");
#endif
