// Pure parsers for the few /proc files ctrdbg reads, plus a bounded reader.
// Container processes control their own comm name (which may hold ')' and spaces),
// so /proc/PID/stat is split at the *last* ')'.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {

// PID_MAX_LIMIT on 64-bit: no process has a larger PID, so a larger one read from a
// file is damaged or hostile, never a process to enter.
inline constexpr long kPidMaxLimit = 1L << 22;

// Field 22 of /proc/PID/stat: start time in clock ticks since boot. Throws Error.
std::uint64_t parse_stat_start_time(std::string_view stat);

// Field 4 of /proc/PID/stat: the parent's PID. Throws Error.
pid_t parse_stat_ppid(std::string_view stat);

// True when a line of /proc/PID/cgroup has a path component containing the full
// container ID ("/docker/<id>", "/system.slice/docker-<id>.scope", ".../<id>").
bool cgroup_mentions_id(std::string_view cgroup, std::string_view id);

// Reads at most `limit` bytes of a regular file relative to dirfd: a /proc file, or
// a file a user or an engine names (daemon.json, a runtime's state, an OCI spec).
// It is opened O_NONBLOCK, so a fifo or a device put where a file is expected cannot
// hold ctrdbg in open() (a fifo without a writer) or in read(); /proc files are
// regular files and read as before. Returns nullopt with errno set when the file
// cannot be opened or read; throws Error "PATH: not a regular file (a fifo)" when it
// is something else.
std::optional<std::string> read_small_file(int dirfd, const char* path, size_t limit = 1 << 16);

// What kind of file `mode` (st_mode) is, for messages: "a fifo", "a directory",
// "a socket", "a character device", "a block device", "a symbolic link",
// "a regular file".
const char* file_type_name(mode_t mode);

// The whole of `fd`, which must be a regular file of at most `limit` bytes: what a
// container or an engine could have replaced by a fifo, a device or a huge file.
// nullopt with errno set otherwise (EINVAL: not a regular file; EFBIG: too large).
std::optional<std::string> read_regular_file(int fd, size_t limit);

// /proc/PID as a directory fd (O_CLOEXEC); an empty Fd with errno set when there is
// no such process.
Fd open_proc_pid(pid_t pid);

// openat2(2) (Linux 5.6) with these open flags and RESOLVE_* flags; -1 with errno
// ENOSYS before it (callers then take their own fallback).
int openat2_resolve(int dirfd, const char* path, int flags, std::uint64_t resolve);

}  // namespace ctrdbg
