// libFuzzer target: the Engine API body parsers (include/ctrdbg/docker_api.hpp):
// parse_container_inspect, containers_with_prefix, api_error_message,
// api_version_from_ping, and docker_socket_path (DOCKER_HOST). The whole input is the
// body; for containers_with_prefix the text after the last NUL (if any) is the ID
// prefix; the header value and DOCKER_HOST are the first line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctrdbg/docker_api.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  fuzz::run([&] {
    ctrdbg::InspectResult r = ctrdbg::parse_container_inspect(in);
    FUZZ_CHECK(r.target.id.size() == 64, "inspect accepted an Id of %zu bytes", r.target.id.size());
    FUZZ_CHECK(r.state.pid >= 0 && r.state.pid <= (1L << 22), "inspect accepted State.Pid %ld", r.state.pid);
    FUZZ_CHECK(r.target.pid == r.state.pid, "Target.pid %d != State.Pid %ld", r.target.pid, r.state.pid);
    FUZZ_CHECK(r.target.engine == "docker", "engine '%s'", r.target.engine.c_str());
    (void)r.target.display();
  });

  const auto split = fuzz::split_last_nul(in, "");
  const std::string_view list = split.first, prefix = split.second;
  fuzz::run([&] { (void)ctrdbg::containers_with_prefix(list, prefix); });
  fuzz::run([&] { (void)ctrdbg::containers_with_prefix(in, ""); });

  fuzz::run([&] { (void)ctrdbg::api_error_message(in); });

  // The Api-Version header value: the first line of the input.
  std::string header(in.substr(0, in.find('\n')));
  fuzz::run([&] {
    std::string v = ctrdbg::api_version_from_ping(header);
    FUZZ_CHECK(v.empty() || v == header, "api_version_from_ping changed '%s' into '%s'", header.c_str(), v.c_str());
    // The version is pasted into a request path: only digits and one dot.
    for (char c : v) FUZZ_CHECK((c >= '0' && c <= '9') || c == '.', "version '%s' unsafe in a path", v.c_str());
  });

  // DOCKER_HOST -> the socket path.
  fuzz::run([&] {
    std::string path = ctrdbg::docker_socket_path(header.c_str());
    FUZZ_CHECK(!path.empty(), "empty socket path from DOCKER_HOST '%s'", header.c_str());
  });
  return 0;
}
