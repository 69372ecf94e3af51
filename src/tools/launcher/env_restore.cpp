// ctrdbg-env.so: preloaded into every staged host tool by its sealed loader
// (--preload), it puts back the variables the launcher hid from the loader.
//
// The launcher (tool_launcher.cpp) renames LD_* and GLIBC_TUNABLES to
// __CTRDBG_RESTORE__<NAME>=... so that the loader does not act on them. When this
// constructor runs, the loader has loaded everything it will ever load by those
// variables; pointing each entry past the prefix gives the tool's environment (and
// so its children's: strace -f CMD, gdb's inferior) the original variables back.
// No strings are copied: every entry is the tail of the one before.
//
// glibc calls ELF constructors with (argc, argv, envp), envp being the array that
// becomes `environ`. Host tools are refused unless their loader is glibc's.
// Freestanding: no libc, no relocations to resolve, nothing the loader could look
// up in the container.

namespace {

constexpr char kPrefix[] = "__CTRDBG_RESTORE__";

bool has_prefix(const char* s) {
  for (const char* p = kPrefix; *p; ++p, ++s)
    if (*s != *p) return false;
  return true;
}

__attribute__((constructor)) void restore(int, char**, char** envp) {
  if (!envp) return;
  for (char** e = envp; *e; ++e)
    if (has_prefix(*e)) *e += sizeof kPrefix - 1;
}

}  // namespace
