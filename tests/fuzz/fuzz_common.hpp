// Shared helpers for the libFuzzer targets in this directory.
//
// Every parser under fuzz is a pure function that must either return or throw
// ctrdbg::Error. The targets catch ctrdbg::Error only: any other exception
// escapes LLVMFuzzerTestOneInput, libFuzzer reports it as a crash (deadly
// signal from std::terminate), and that is a finding. Broken invariants abort
// through FUZZ_CHECK with a message naming the invariant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctrdbg/error.hpp"

#define FUZZ_CHECK(cond, ...)                                                   \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, \
                   #cond);                                                      \
      std::fprintf(stderr, "  " __VA_ARGS__);                                   \
      std::fprintf(stderr, "\n");                                               \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

namespace fuzz {

inline std::string_view bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `f`; swallows ctrdbg::Error (the documented failure), lets everything else out.
// Returns true when `f` returned normally.
template <typename F>
bool run(F&& f) {
  try {
    f();
    return true;
  } catch (const ctrdbg::Error&) {
    return false;
  }
}

// Splits at NUL bytes: "a\0b" -> {"a", "b"}; "" -> {""}.
inline std::vector<std::string> split_nul(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t nul = s.find('\0', start);
    out.emplace_back(s.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  return out;
}

// "text\0arg" -> {"text", "arg"}: the last NUL separates an extra argument;
// without a NUL the whole input is the text and `fallback` the argument.
inline std::pair<std::string_view, std::string_view> split_last_nul(std::string_view s, std::string_view fallback) {
  std::size_t nul = s.rfind('\0');
  if (nul == std::string_view::npos) return {s, fallback};
  return {s.substr(0, nul), s.substr(nul + 1)};
}

inline bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace fuzz
