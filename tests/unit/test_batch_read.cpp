#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "ctrdbg/batch_read.hpp"
#include "ctrdbg/fd.hpp"
#include "unit_helpers.hpp"

using ctrdbg::BatchReader;
namespace fs = std::filesystem;

namespace {

// io_uring with sparse fixed-file tables: Linux 5.19, unless the sysctl turns it off.
bool ring_expected() {
  utsname u{};
  REQUIRE(::uname(&u) == 0);
  int major = 0, minor = 0;
  REQUIRE(std::sscanf(u.release, "%d.%d", &major, &minor) == 2);
  auto disabled = ctrdbg::read_small_file(AT_FDCWD, "/proc/sys/kernel/io_uring_disabled");
  return (major > 5 || (major == 5 && minor >= 19)) && (!disabled || disabled->starts_with("0"));
}

size_t open_fds() { return static_cast<size_t>(std::distance(fs::directory_iterator("/proc/self/fd"), {})); }

std::string_view text(const BatchReader::Request& q) {
  return q.result > 0 ? std::string_view(q.buf.data(), static_cast<size_t>(q.result)) : std::string_view{};
}

}  // namespace

TEST_CASE("BatchReader: the same answers through io_uring and one file at a time") {
  unit::ScratchDir scratch{"batch-read"};
  unit::write_file(scratch.path / "small", "hello");
  unit::write_file(scratch.path / "big", std::string(10000, 'x'));
  fs::create_directories(scratch.path / "sub");
  ctrdbg::Fd dir(::open(scratch.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(dir);
  const std::string stat_path = "/proc/" + std::to_string(::getpid()) + "/stat";

  for (bool use_ring : {true, false}) {
    CAPTURE(use_ring);
    const size_t fds = open_fds();
    {
      BatchReader reader(4, use_ring);
      CHECK(reader.uses_ring() == (use_ring && ring_expected()));
      std::vector<std::vector<char>> bufs(6, std::vector<char>(16));
      bufs[4].resize(4096);
      std::vector<BatchReader::Request> q = {
          {dir.get(), "small", bufs[0]},   {dir.get(), "big", bufs[1]},          {dir.get(), "missing", bufs[2]},
          {dir.get(), "sub", bufs[3]},     {AT_FDCWD, stat_path.c_str(), bufs[4]}, {dir.get(), "small", bufs[5]},
      };
      reader.read(q);  // six requests, four at a time: served in two pieces
      CHECK(q[0].result == 5);
      CHECK(q[0].complete());
      CHECK(text(q[0]) == "hello");
      CHECK(q[1].result == 16);  // the buffer is full: more of the file may follow
      CHECK_FALSE(q[1].complete());
      CHECK(text(q[1]) == std::string(16, 'x'));
      CHECK(q[2].result == -ENOENT);  // the open's error, not the cancelled read's
      CHECK(q[3].result == -EISDIR);
      CHECK(q[4].complete());
      CHECK(ctrdbg::parse_stat_start_time(text(q[4])) == unit::own_start_time());
      CHECK(text(q[5]) == "hello");
    }
    CHECK(open_fds() == fds);  // nothing left open, the ring's own fd included
  }
}

TEST_CASE("BatchReader: fixed-file slots are free again after every batch") {
  unit::ScratchDir scratch{"batch-slots"};
  for (int i = 0; i < 4; ++i) unit::write_file(scratch.path / std::to_string(i), std::string(static_cast<size_t>(i + 1), 'a'));
  ctrdbg::Fd dir(::open(scratch.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(dir);
  BatchReader reader(4);
  std::vector<std::vector<char>> bufs(4, std::vector<char>(8));
  const std::string names[] = {"0", "1", "2", "3"};
  for (int round = 0; round < 200; ++round) {
    std::vector<BatchReader::Request> q;
    for (int i = 0; i < 4; ++i) q.push_back({dir.get(), names[i].c_str(), bufs[static_cast<size_t>(i)]});
    reader.read(q);
    for (int i = 0; i < 4; ++i) REQUIRE(q[static_cast<size_t>(i)].result == i + 1);
  }
}
