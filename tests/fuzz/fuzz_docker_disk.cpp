// libFuzzer target: Docker's on-disk state parsers (include/ctrdbg/engines/docker_disk.hpp):
// parse_config_v2 (containers/<id>/config.v2.json), parse_runc_state (runc's state.json),
// parse_init_pid (containerd's init.pid), data_root_from_daemon_json and
// exec_root_from_daemon_json (/etc/docker/daemon.json). Every parser gets the whole input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctrdbg/engines/docker_disk.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  fuzz::run([&] {
    ctrdbg::InspectResult r = ctrdbg::parse_config_v2(in);
    // The ID names a directory: 64 lowercase hex digits and nothing else.
    FUZZ_CHECK(r.target.id.size() == 64 && fuzz::is_lower_hex(r.target.id), "config.v2 accepted ID '%s'",
               r.target.id.c_str());
    FUZZ_CHECK(r.state.pid >= 0 && r.state.pid <= (1L << 22), "config.v2 accepted State.Pid %ld", r.state.pid);
    FUZZ_CHECK(!r.state.status.empty(), "empty status");
    (void)r.target.display();
  });

  fuzz::run([&] {
    ctrdbg::RuncState s = ctrdbg::parse_runc_state(in);
    FUZZ_CHECK(s.init_pid > 0, "runc state accepted init_process_pid %ld", s.init_pid);
  });

  fuzz::run([&] {
    long pid = ctrdbg::parse_init_pid(in);
    FUZZ_CHECK(pid > 0, "init.pid accepted %ld", pid);
  });

  for (auto parse : {ctrdbg::data_root_from_daemon_json, ctrdbg::exec_root_from_daemon_json}) {
    fuzz::run([&] {
      std::string root = parse(in);
      FUZZ_CHECK(root.empty() || root[0] == '/', "daemon.json path '%s' is not absolute", root.c_str());
    });
  }
  return 0;
}
