#include "ctrdbg/procfs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"

namespace ctrdbg {

std::uint64_t parse_stat_start_time(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) throw Error("malformed /proc stat: no ')'");
  std::string_view rest = stat.substr(close + 1);
  // rest = " S ppid pgrp ..." ; field 3 (state) is the first token after ')'.
  int field = 2;
  size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    if (end == pos) break;
    ++field;
    if (field == 22) {
      std::string_view token = rest.substr(pos, end - pos);
      while (!token.empty() && token.back() == '\n') token.remove_suffix(1);
      std::uint64_t value = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
      if (ec != std::errc() || p != token.data() + token.size())
        throw Error("malformed /proc stat: bad start time");
      return value;
    }
    pos = end;
  }
  throw Error("malformed /proc stat: too few fields");
}

pid_t parse_stat_ppid(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) throw Error("malformed /proc stat: no ')'");
  std::string_view rest = stat.substr(close + 1);  // " S PPID ..."
  size_t state = rest.find_first_not_of(' ');
  size_t ppid = state == std::string_view::npos ? state : rest.find_first_not_of(' ', rest.find(' ', state));
  if (ppid == std::string_view::npos) throw Error("malformed /proc stat: too few fields");
  pid_t value = 0;
  auto [p, ec] = std::from_chars(rest.data() + ppid, rest.data() + rest.size(), value);
  if (ec != std::errc() || (p != rest.data() + rest.size() && *p != ' ')) throw Error("malformed /proc stat: bad ppid");
  return value;
}

bool cgroup_mentions_id(std::string_view cgroup, std::string_view id) {
  if (id.size() < 12) return false;
  size_t pos = 0;
  while ((pos = cgroup.find(id, pos)) != std::string_view::npos) {
    // The ID must stand alone in its path component, not be part of a longer hex string.
    auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    bool left = pos == 0 || !is_hex(cgroup[pos - 1]);
    size_t end = pos + id.size();
    bool right = end == cgroup.size() || !is_hex(cgroup[end]);
    if (left && right) return true;
    pos = end;
  }
  return false;
}

const char* file_type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a fifo";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFLNK: return "a symbolic link";
    default: return "an unknown file type";
  }
}

std::optional<std::string> read_small_file(int dirfd, const char* path, size_t limit) {
  // O_NONBLOCK: opening a fifo for reading otherwise waits for a writer, forever.
  // On the regular files this reads it changes nothing.
  Fd fd(::openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file ({})", path, file_type_name(st.st_mode));
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    ssize_t n = ::read(fd.get(), buf, std::min(sizeof buf, limit - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::optional<std::string> read_regular_file(int fd, size_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return std::nullopt;
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > limit) {
      errno = EFBIG;
      return std::nullopt;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

Fd open_proc_pid(pid_t pid) {
  char dir[32];
  std::snprintf(dir, sizeof dir, "/proc/%d", pid);
  return Fd(::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

int openat2_resolve(int dirfd, const char* path, int flags, std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

}  // namespace ctrdbg
