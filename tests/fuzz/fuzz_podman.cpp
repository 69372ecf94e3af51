// libFuzzer target: parse_podman_containers (include/ctrdbg/engines/podman.hpp), the
// reader of containers/storage's containers.json (and the JSON inside its "metadata"),
// and parse_crun_status, the reader of crun's per-container status file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ctrdbg/engines/podman.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);
  fuzz::run([&] {
    auto containers = ctrdbg::parse_podman_containers(in);
    for (const auto& c : containers)  // The ID names directories under the store.
      FUZZ_CHECK(c.id.size() == 64 && fuzz::is_lower_hex(c.id), "accepted id '%s'", c.id.c_str());
  });
  fuzz::run([&] {
    auto s = ctrdbg::parse_crun_status(in);  // The PID is entered: a plausible one only.
    FUZZ_CHECK(s.init_pid > 0 && s.init_pid <= (1L << 22), "accepted pid %ld", s.init_pid);
  });
  return 0;
}
