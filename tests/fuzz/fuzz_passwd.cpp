// libFuzzer target: the container's /etc/passwd and /etc/group and `docker exec -u`'s
// user resolution (include/ctrdbg/security.hpp): parse_passwd, parse_group,
// home_for_uid, resolve_user.
//
// Input: "passwd\0group\0USER[:GROUP]\0group-add\0group-add..." (split at NUL bytes;
// missing pieces are empty, and USER then "" = root, as docker exec without -u). The
// files are the container's, so anything may be in them.
//
// Checked: parse_passwd / parse_group never throw (they are lenient like runc: every
// line becomes an entry or is skipped), each entry comes from one line (no ':' in a
// name, no newline anywhere); resolve_user returns or throws ctrdbg::Error only, and
// what it returns is usable as is: uid and gid in 0..2147483647, additional gids
// deduplicated and starting with the gid, a home from a passwd entry of that uid or "/".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/security.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::uint32_t kMaxId = 2147483647U;

size_t count_lines(std::string_view text) { return std::count(text.begin(), text.end(), '\n') + 1; }

bool one_line(std::string_view s) { return s.find('\n') == std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split_nul(fuzz::bytes(data, size));
  const std::string passwd = parts[0];
  const std::string group = parts.size() > 1 ? parts[1] : std::string();
  const std::string spec = parts.size() > 2 ? parts[2] : std::string();
  std::vector<std::string> group_add;
  for (size_t i = 3; i < parts.size() && group_add.size() < 8; ++i) group_add.push_back(parts[i]);

  // Not inside fuzz::run: these must not throw at all.
  const auto users = ctrdbg::parse_passwd(passwd);
  FUZZ_CHECK(users.size() <= count_lines(passwd), "%zu users from %zu lines", users.size(), count_lines(passwd));
  for (const auto& u : users)
    FUZZ_CHECK(u.name.find(':') == std::string::npos && one_line(u.name) && one_line(u.home), "passwd entry '%s'",
               u.name.c_str());
  const auto groups = ctrdbg::parse_group(group);
  FUZZ_CHECK(groups.size() <= count_lines(group), "%zu groups from %zu lines", groups.size(), count_lines(group));
  for (const auto& g : groups) {
    FUZZ_CHECK(g.name.find(':') == std::string::npos && one_line(g.name), "group entry '%s'", g.name.c_str());
    for (const auto& m : g.members)
      FUZZ_CHECK(m.find(',') == std::string::npos && m.find(':') == std::string::npos && one_line(m),
                 "group member '%s'", m.c_str());
  }

  for (std::string_view user : {std::string_view(spec), std::string_view(spec).substr(0, spec.find(':'))}) {
    fuzz::run([&] {
      ctrdbg::ResolvedUser r = ctrdbg::resolve_user(user, passwd, group, std::span<const std::string>(group_add));
      FUZZ_CHECK(r.uid <= kMaxId && r.gid <= kMaxId, "uid %u gid %u", r.uid, r.gid);
      FUZZ_CHECK(!r.additional_gids.empty() && r.additional_gids[0] == r.gid, "additional gids do not start with %u",
                 r.gid);
      for (auto g : r.additional_gids) {
        FUZZ_CHECK(g <= kMaxId, "additional gid %u", g);
        FUZZ_CHECK(std::count(r.additional_gids.begin(), r.additional_gids.end(), g) == 1, "gid %u twice", g);
      }
      bool home_ok = r.home == "/";
      for (const auto& u : users) {
        if (u.uid != static_cast<std::int64_t>(r.uid)) continue;
        home_ok = r.home == u.home;  // the first entry with that uid
        break;
      }
      FUZZ_CHECK(home_ok, "home '%s' is no passwd entry's of uid %u", r.home.c_str(), r.uid);
      FUZZ_CHECK(r.home == ctrdbg::home_for_uid(r.uid, passwd), "home_for_uid disagrees");
    });
  }
  return 0;
}
