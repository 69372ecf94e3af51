// Users and groups as `docker exec -u USER[:GROUP]` resolves them, from the
// container's own /etc/passwd and /etc/group (never NSS), and reading such a file of
// the container from the host without following a symlink out of its root.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

struct PasswdEntry {
  std::string name;
  std::int64_t uid = 0;  // a field that is not a number reads as 0, like runc
  std::int64_t gid = 0;
  std::string home;
};
struct GroupEntry {
  std::string name;
  std::int64_t gid = 0;
  std::vector<std::string> members;
};
// runc's libcontainer/user rules: passwd: blank lines skipped, every other line is an
// entry (runc does not skip '#' lines there); group: blank and '#' lines skipped.
// Surrounding whitespace is trimmed; missing fields are empty / 0. Callers bound the size.
std::vector<PasswdEntry> parse_passwd(std::string_view text);
std::vector<GroupEntry> parse_group(std::string_view text);

struct ResolvedUser {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> additional_gids;  // what docker puts in process.user.additionalGids, deduplicated
  std::string home;                            // HOME runc sets when the env has none
};

// docker exec's rules (dockerd getUser + runc GetExecUser), from the container's
// /etc/passwd and /etc/group text ("" when a file is missing):
//   USER      a name: its passwd uid/gid; a number: that uid, and the passwd entry
//             with that uid if any (its gid), else gid 0
//   :GROUP    a name or number from /etc/group; a number need not exist
//   groups    [gid] + (without :GROUP) every group whose member list names the user
//             + `group_add` (HostConfig.GroupAdd: names or numbers), deduplicated
//   home      of the first passwd entry with the final uid, else "/"
// Throws Error: unknown user/group name ("unable to find user app: no matching entries
// in passwd file", docker's wording), an id outside 0-2147483647.
ResolvedUser resolve_user(std::string_view spec, std::string_view passwd_text, std::string_view group_text,
                          std::span<const std::string> group_add = {});

// HOME as runc sets it for a uid when the environment has none: the first passwd entry
// with that uid, else "/".
std::string home_for_uid(std::uint32_t uid, std::string_view passwd_text);

// A file of the container, read from the host through its root directory (an fd on
// /proc/PID/root): symlinks resolve inside that root (openat2 RESOLVE_IN_ROOT, or a
// component-by-component walk before Linux 5.6), so /etc/passwd -> /etc/shadow reads
// the container's shadow, never the host's. At most `limit` bytes (EFBIG beyond).
// nullopt with errno set when it cannot be read (ENOENT: no such file).
std::optional<std::string> read_container_file(int root_fd, const char* path, size_t limit = 1 << 20);

}  // namespace ctrdbg
