// libFuzzer target: parse_config (include/ctrdbg/config.hpp), the reader of
// /etc/ctrdbg/config.json. Invariants: what it accepts is what the header promises
// (absolute paths, a mount_dir /.NAME directly under /, a timeout of at most a day).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ctrdbg/config.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

namespace {
bool absolute(const std::optional<std::string>& p) { return !p || (!p->empty() && (*p)[0] == '/'); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);
  fuzz::run([&] {
    ctrdbg::Config c = ctrdbg::parse_config(in, "/etc/ctrdbg/config.json");
    FUZZ_CHECK(absolute(c.busybox) && absolute(c.docker_socket) && absolute(c.docker_root) &&
                   absolute(c.docker_exec_root),
               "a relative path accepted");
    for (const auto& t : c.tools) FUZZ_CHECK(!t.empty() && t[0] == '/', "tools entry '%s'", t.c_str());
    // /.NAME: one component starting with a dot; letters, digits, . _ -; at most 64.
    bool name_ok = c.mount_dir.size() > 2 && c.mount_dir.size() <= 65 && c.mount_dir[0] == '/' &&
                   c.mount_dir[1] == '.' && c.mount_dir != "/..";
    for (size_t i = 1; name_ok && i < c.mount_dir.size(); ++i) {
      char ch = c.mount_dir[i];
      name_ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                ch == '_' || ch == '-';
    }
    FUZZ_CHECK(name_ok, "mount_dir '%s'", c.mount_dir.c_str());
    FUZZ_CHECK(!c.image.empty(), "empty image");
    if (c.timeout)
      FUZZ_CHECK(c.timeout->count() >= 0 && *c.timeout <= std::chrono::hours(24), "timeout %lld ms",
                 static_cast<long long>(c.timeout->count()));
  });
  return 0;
}
