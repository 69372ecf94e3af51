// libFuzzer target: the /proc parsers (include/ctrdbg/procfs.hpp): parse_stat_start_time
// (/proc/PID/stat, whose comm field the container process controls) and cgroup_mentions_id
// (/proc/PID/cgroup). The input is the file; for cgroup_mentions_id, "file\0id" gives the
// ID after the last NUL, else a fixed 64-hex ID is used.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ctrdbg/procfs.hpp"
#include "fuzz_common.hpp"

namespace {
constexpr std::string_view kId = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  fuzz::run([&] { (void)ctrdbg::parse_stat_start_time(in); });

  const auto split = fuzz::split_last_nul(in, kId);
  const std::string_view cgroup = split.first, id = split.second;
  for (std::string_view text : {in, cgroup}) {
    for (std::string_view want : {id, kId}) {
      fuzz::run([&] {
        bool found = ctrdbg::cgroup_mentions_id(text, want);
        FUZZ_CHECK(!found || (want.size() >= 12 && text.find(want) != std::string_view::npos),
                   "ID reported where it is not");
      });
    }
  }
  return 0;
}
