// Small helpers several unit-test files share: files for fake on-disk state, this
// process's own start time (its PID stands in for a container's init), and the
// message of the ctrdbg::Error a call throws.
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"

namespace unit {

// A directory of this test process's own, ctrdbg-unit-NAME-PID under the temp dir:
// whatever an earlier run left there is removed first, and it goes with the fixture.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("ctrdbg-unit-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

// Writes `text` to `p`, making its directories.
inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// /proc/self/stat field 22: what a runtime records for the process it started.
inline std::uint64_t own_start_time() {
  auto stat = ctrdbg::read_small_file(AT_FDCWD, "/proc/self/stat");
  REQUIRE(stat);
  return ctrdbg::parse_stat_start_time(*stat);
}

// The bytes of tests/unit/fixtures/NAME (from CTRDBG_SOURCE_DIR when it has them,
// else next to this source file).
inline std::string fixture(const char* name) {
  std::filesystem::path dir = std::filesystem::path(__FILE__).parent_path() / "fixtures";
  if (const char* src = std::getenv("CTRDBG_SOURCE_DIR")) {
    std::filesystem::path alt = std::filesystem::path(src) / "tests/unit/fixtures";
    if (std::filesystem::exists(alt / name)) dir = alt;
  }
  std::ifstream in(dir / name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "fixture missing: " << (dir / name).string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message of the ctrdbg::Error `f` throws (which must carry exit code 125).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ctrdbg::Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  }
  FAIL("expected ctrdbg::Error");
  return {};
}

}  // namespace unit
