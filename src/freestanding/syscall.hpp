// System calls without libc, for the freestanding programs ctrdbg stages into a
// session (the reaper, the tool launcher): x86-64 and arm64 conventions.
#pragma once

#include <sys/syscall.h>

#include <type_traits>

namespace ctrdbg::freestanding {

#if defined(__x86_64__)
inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  register long r9 asm("r9") = f;
  long ret;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
inline long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  register long x8 asm("x8") = n;
  register long x0 asm("x0") = a;
  register long x1 asm("x1") = b;
  register long x2 asm("x2") = c;
  register long x3 asm("x3") = d;
  register long x4 asm("x4") = e;
  register long x5 asm("x5") = f;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
#else
#error "freestanding programs: add this architecture's system call convention"
#endif

// Arguments are integers or pointers; both go in a register as they are.
template <typename T>
inline long arg(T v) {
  if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>) return reinterpret_cast<long>(v);
  else return static_cast<long>(v);
}
template <typename... Args>
inline long sys(long n, Args... args) {
  return raw_syscall(n, arg(args)...);
}

[[noreturn]] inline void exit_group(int code) {
  for (;;) sys(SYS_exit_group, code);
}

}  // namespace ctrdbg::freestanding
