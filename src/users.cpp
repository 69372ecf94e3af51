#include "ctrdbg/users.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"
#include "security_util.hpp"

namespace ctrdbg {

using secutil::add_unique;
using secutil::for_each_line;
using secutil::split;
using secutil::trim;

namespace {

constexpr std::uint32_t kMaxId = 2147483647U;  // runc's user.maxID (math.MaxInt32)

// Go's strconv.Atoi: optional sign, decimal digits, nothing else. nullopt when invalid;
// out of int64 range clamps (Atoi's value with ErrRange), flagged by `overflow`.
std::optional<std::int64_t> atoi_go(std::string_view s, bool* overflow = nullptr) {
  if (overflow) *overflow = false;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const std::uint64_t limit = neg ? static_cast<std::uint64_t>(INT64_MAX) + 1 : static_cast<std::uint64_t>(INT64_MAX);
  std::uint64_t v = 0;
  bool big = false;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (big || v > (limit - d) / 10)
      big = true;
    else
      v = v * 10 + d;
  }
  if (big) {
    if (overflow) *overflow = true;
    return neg ? INT64_MIN : INT64_MAX;
  }
  if (neg) return v == static_cast<std::uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<std::int64_t>(v);
  return static_cast<std::int64_t>(v);
}

std::int64_t lenient_number(std::string_view s) {
  auto v = atoi_go(s);
  return v ? *v : 0;
}

std::uint32_t checked_id(std::int64_t v, const char* what) {
  if (v < 0 || v > static_cast<std::int64_t>(kMaxId))
    throw Error(fmt::format("{} {} is out of range: uids and gids must be in range 0-{}", what, v, kMaxId));
  return static_cast<std::uint32_t>(v);
}

// runc's user.GetAdditionalGroups: each entry a group name or gid string of /etc/group
// (first match), else a number; deduplicated.
std::vector<std::uint32_t> additional_groups(std::span<const std::string> wanted,
                                             const std::vector<GroupEntry>& groups) {
  std::vector<std::uint32_t> out;
  for (const auto& ag : wanted) {
    bool found = false;
    for (const auto& g : groups) {
      if (g.name == ag || std::to_string(g.gid) == ag) {
        if (std::find(out.begin(), out.end(), static_cast<std::uint32_t>(g.gid)) == out.end()) {
          out.push_back(checked_id(g.gid, "group"));
          found = true;
          break;
        }
      }
    }
    if (!found) {
      bool overflow = false;
      auto n = atoi_go(ag, &overflow);
      if (!n || overflow) throw Error(fmt::format("unable to find group {}", ag));
      add_unique(out, checked_id(*n, "group"));
    }
  }
  return out;
}

}  // namespace

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty()) return;
    auto f = split(line, ':');  // name:password:UID:GID:GECOS:directory:shell
    PasswdEntry e;
    e.name = std::string(f[0]);
    if (f.size() > 2) e.uid = lenient_number(f[2]);
    if (f.size() > 3) e.gid = lenient_number(f[3]);
    if (f.size() > 5) e.home = std::string(f[5]);
    out.push_back(std::move(e));
  });
  return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> out;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    auto f = split(line, ':');  // name:password:GID:user_list
    GroupEntry e;
    e.name = std::string(f[0]);
    if (f.size() > 2) e.gid = lenient_number(f[2]);
    if (f.size() > 3 && !f[3].empty())
      for (auto m : split(f[3], ',')) e.members.emplace_back(m);
    out.push_back(std::move(e));
  });
  return out;
}

std::string home_for_uid(std::uint32_t uid, std::string_view passwd_text) {
  for (const auto& e : parse_passwd(passwd_text))
    if (e.uid == static_cast<std::int64_t>(uid)) return e.home;
  return "/";
}

ResolvedUser resolve_user(std::string_view spec, std::string_view passwd_text, std::string_view group_text,
                          std::span<const std::string> group_add) {
  // parseLine: "user[:group[:ignored...]]"
  auto parts = split(spec, ':');
  std::string_view user_arg = parts[0];
  std::string_view group_arg = parts.size() > 1 ? parts[1] : std::string_view{};
  // Go's strconv.Atoi: out of range is an error, and the argument is then taken as a name.
  bool overflow = false;
  auto parsed = atoi_go(user_arg, &overflow);
  const bool uid_numeric = parsed && !overflow;
  const std::int64_t uid_value = uid_numeric ? *parsed : 0;
  parsed = atoi_go(group_arg, &overflow);
  const bool gid_numeric = parsed && !overflow;
  const std::int64_t gid_value = gid_numeric ? *parsed : 0;

  auto users = parse_passwd(passwd_text);
  auto groups = parse_group(group_text);

  std::int64_t uid = 0, gid = 0;
  std::vector<std::int64_t> sgids;
  const PasswdEntry* matched = nullptr;
  for (const auto& u : users) {
    bool hit = user_arg.empty() ? u.uid == 0 : (uid_numeric ? u.uid == uid_value : u.name == user_arg);
    if (hit) {
      matched = &u;
      break;
    }
  }
  if (matched) {
    uid = matched->uid;
    gid = matched->gid;
  } else if (!user_arg.empty()) {
    if (!uid_numeric) throw Error(fmt::format("unable to find user {}: no matching entries in passwd file", user_arg));
    uid = uid_value;
    if (uid < 0 || uid > static_cast<std::int64_t>(kMaxId))
      throw Error(fmt::format("uids and gids must be in range 0-{}", kMaxId));
  }

  if (!group_arg.empty() || matched) {
    if (!group_arg.empty()) {
      const GroupEntry* g = nullptr;
      for (const auto& e : groups) {
        if (gid_numeric ? e.gid == gid_value : e.name == group_arg) {
          g = &e;
          break;
        }
      }
      if (g) {
        gid = g->gid;
      } else {
        if (!gid_numeric)
          throw Error(fmt::format("unable to find group {}: no matching entries in group file", group_arg));
        gid = gid_value;
        if (gid < 0 || gid > static_cast<std::int64_t>(kMaxId))
          throw Error(fmt::format("uids and gids must be in range 0-{}", kMaxId));
      }
    } else {
      for (const auto& e : groups)
        if (std::find(e.members.begin(), e.members.end(), matched->name) != e.members.end()) sgids.push_back(e.gid);
    }
  }

  ResolvedUser out;
  out.uid = checked_id(uid, "uid");
  out.gid = checked_id(gid, "gid");
  // dockerd: additionalGids = [gid] + supplementary groups + GroupAdd; runc deduplicates.
  add_unique(out.additional_gids, out.gid);
  for (auto g : sgids) add_unique(out.additional_gids, checked_id(g, "gid"));
  for (auto g : additional_groups(group_add, groups)) add_unique(out.additional_gids, g);
  out.home = home_for_uid(out.uid, passwd_text);
  return out;
}

// ================================================================ container files

std::optional<std::string> read_container_file(int root_fd, const char* path, size_t limit) {
  // Resolved to an O_PATH fd first: what sits there is checked before it is
  // opened for reading (opening a device the container made runs its driver, here
  // as host root), then reopened through our own (the host's) /proc/self/fd.
  Fd fd(openat2_resolve(root_fd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!fd && errno == ENOSYS) {
    // Before Linux 5.6: walk it ourselves, every component O_NOFOLLOW, symlinks
    // resolved against the container's root, ".." never above it.
    std::deque<std::string> todo;
    for (auto c : split(path, '/')) todo.emplace_back(c);
    std::vector<Fd> stack;  // directories below the root
    int hops = 0;
    while (!todo.empty()) {
      std::string c = std::move(todo.front());
      todo.pop_front();
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (!stack.empty()) stack.pop_back();
        continue;
      }
      int dir = stack.empty() ? root_fd : stack.back().get();
      Fd next(::openat(dir, c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next) return std::nullopt;
      struct stat st {};
      if (::fstat(next.get(), &st) < 0) return std::nullopt;
      if (S_ISLNK(st.st_mode)) {
        if (++hops > 40) {
          errno = ELOOP;
          return std::nullopt;
        }
        char target[4096];
        ssize_t n = ::readlinkat(next.get(), "", target, sizeof target);
        if (n < 0) return std::nullopt;
        std::string_view t(target, static_cast<size_t>(n));
        if (t.starts_with('/')) stack.clear();
        auto comps = split(t, '/');
        for (auto it = comps.rbegin(); it != comps.rend(); ++it) todo.emplace_front(*it);
        continue;
      }
      if (todo.empty()) {
        fd = std::move(next);
        break;
      }
      if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return std::nullopt;
      }
      stack.push_back(std::move(next));
    }
    if (!fd) {
      errno = EISDIR;
      return std::nullopt;
    }
  }
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return std::nullopt;
  }
  char self[40];
  std::snprintf(self, sizeof self, "/proc/self/fd/%d", fd.get());
  fd.reset(::open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  return read_regular_file(fd.get(), limit);
}

}  // namespace ctrdbg
