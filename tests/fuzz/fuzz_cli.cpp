// libFuzzer target: parse_cli and parse_duration (include/ctrdbg/cli.hpp), and
// parse_escape (relay.hpp, --escape). The input, split at NUL bytes, is argv after
// argv[0] ("ctrdbg"); parse_duration and parse_escape get each piece.
// Invariants: accepted durations lie in [0, 24 h]; an escape is a byte or -1 (none);
// accepted options are what
// parse_cli promises (a non-empty TARGET unless --list/--show-toolset/--help/--version,
// an absolute -w and --docker-root, a known --engine, -t and -T not both).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/cli.hpp"
#include "ctrdbg/relay.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv = fuzz::split_nul(fuzz::bytes(data, size));
  if (argv.size() > 64) argv.resize(64);
  for (const auto& a : argv) {
    fuzz::run([&] {
      auto d = ctrdbg::parse_duration(a);
      FUZZ_CHECK(d.count() >= 0 && d <= std::chrono::hours(24), "duration '%s' -> %lld ms", a.c_str(),
                 static_cast<long long>(d.count()));
    });
  }
  for (const auto& a : argv) {
    fuzz::run([&] {
      int e = ctrdbg::parse_escape(a);
      FUZZ_CHECK(e >= -1 && e <= 0x7f, "escape '%s' -> %d", a.c_str(), e);
    });
  }
  argv.insert(argv.begin(), "ctrdbg");
  fuzz::run([&] {
    ctrdbg::Options o = ctrdbg::parse_cli(argv);
    if (o.help || o.version) return;
    if (o.list || o.show_toolset) {
      FUZZ_CHECK(o.target.empty(), "--list with a TARGET");
    } else {
      FUZZ_CHECK(!o.target.empty(), "empty TARGET accepted");
      FUZZ_CHECK(o.command.empty() || !o.command[0].empty(), "empty COMMAND accepted");
    }
    FUZZ_CHECK(!o.workdir || (!o.workdir->empty() && (*o.workdir)[0] == '/'), "relative -w accepted");
    FUZZ_CHECK(!o.docker_root || (!o.docker_root->empty() && (*o.docker_root)[0] == '/'), "relative --docker-root");
    FUZZ_CHECK(o.engine == "api" || o.engine == "disk" || o.engine == "auto", "--engine '%s'", o.engine.c_str());
    FUZZ_CHECK(!o.json || o.list, "--json without --list");
    if (o.api_timeout) FUZZ_CHECK(o.api_timeout->count() >= 0 && *o.api_timeout <= std::chrono::hours(24), "timeout");
    if (o.command_timeout)
      FUZZ_CHECK(o.command_timeout->count() >= 0 && *o.command_timeout <= std::chrono::hours(24), "timeout-cmd");
    FUZZ_CHECK(o.escape >= -1 && o.escape <= 0x7f, "escape %d", o.escape);
  });
  return 0;
}
