// Small helpers shared by the security modules (capabilities, seccomp, users,
// cgroups, oci_spec, security; see include/ctrdbg/security.hpp): text splitting,
// JSON fields read with the field's name in every error, and allocation-free writes
// for the forked processes. Internal to src/.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/seccomp.hpp"

namespace ctrdbg::secutil {

using nlohmann::json;

inline std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    fn(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

inline void add_unique(std::vector<std::uint32_t>& v, std::uint32_t id) {
  if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
}

// ---- for forked processes: system calls only, nothing allocated

// Decimal of v into buf (>= 24 bytes), NUL-terminated; returns the length.
inline size_t format_int(long long v, char* buf) {
  char tmp[24];
  size_t n = 0;
  bool neg = v < 0;
  unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  size_t len = 0;
  if (neg) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  buf[len] = '\0';
  return len;
}

inline int write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

// ---- JSON fields (OCI spec): errors name the field, "process.user.uid: not a ..."

inline const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] inline void bad(const std::string& field, const std::string& why) { throw Error(field + ": " + why); }

inline std::string get_string(const json& v, const std::string& field) {
  if (!v.is_string()) bad(field, "not a string");
  return v.get<std::string>();
}

inline std::uint64_t get_u64(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    auto n = v.get<std::int64_t>();
    if (n < 0) bad(field, fmt::format("{} is negative", n));
    return static_cast<std::uint64_t>(n);
  }
  bad(field, "not a non-negative integer");
}

inline std::uint32_t get_u32(const json& v, const std::string& field) {
  std::uint64_t n = get_u64(v, field);
  if (n > 0xffffffffULL) bad(field, fmt::format("{} is out of range", n));
  return static_cast<std::uint32_t>(n);
}

inline const json& get_array(const json& v, const std::string& field) {
  if (!v.is_array()) bad(field, "not an array");
  return v;
}

inline std::vector<std::string> get_strings(const json& v, const std::string& field) {
  std::vector<std::string> out;
  size_t i = 0;
  for (const auto& e : get_array(v, field)) {
    out.push_back(get_string(e, fmt::format("{}[{}]", field, i)));
    ++i;
  }
  return out;
}

// `linux.seccomp` as a JSON value (seccomp.cpp); `where` names it in errors.
SeccompSpec parse_seccomp_json(const json& s, const std::string& where);

}  // namespace ctrdbg::secutil
