// How the forked helper processes report failure: no exceptions cross fork(), so a
// step that fails fills a StepFailure (which step, about what, errno) and the child
// sends it to the host process over the session socket.
#pragma once

#include <cstddef>

namespace ctrdbg {

struct StepFailure {
  char step[48] = {};     // "bind into session root"
  char detail[96] = {};   // "etc", "/dev/pts/ptmx", ...
  int err = 0;            // errno, or 0 when `detail` says it all
};

// Bounded copy that always terminates (async-signal-safe, unlike snprintf).
template <size_t N>
inline void copy_truncated(char (&dst)[N], const char* src) {
  size_t i = 0;
  for (; src && src[i] && i + 1 < N; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

inline int step_fail(StepFailure* f, const char* step, const char* detail, int err) {
  copy_truncated(f->step, step);
  copy_truncated(f->detail, detail);
  f->err = err;
  return -1;
}

}  // namespace ctrdbg
