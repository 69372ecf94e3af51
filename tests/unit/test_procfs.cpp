// /proc parsers: stat start time (hostile comm names), cgroup ID matching, bounded reads.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"

using ctrdbg::cgroup_mentions_id;
using ctrdbg::Error;
using ctrdbg::parse_stat_start_time;
using ctrdbg::read_small_file;

namespace {

// Fields 3..52 of a real /proc/PID/stat line (kernel 6.x), field 22 = 8765432.
const std::string kAfterComm =
    " S 1 1234 1234 0 -1 4194560 2190 0 0 0 3 5 0 0 20 0 1 0 8765432 11091968 1502 "
    "18446744073709551615 94016 94916 140720 0 0 0 0 4096 65536 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

const std::string kId = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    char tmpl[] = "/tmp/ctrdbg-unit-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
  }
  ~TempFile() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("parse_stat_start_time: ordinary line") {
  CHECK(parse_stat_start_time("1234 (nginx)" + kAfterComm) == 8765432u);
  // Without the trailing newline, and when field 22 is the very last field.
  std::string line = "1234 (nginx)" + kAfterComm;
  line.pop_back();
  CHECK(parse_stat_start_time(line) == 8765432u);
  CHECK(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242\n") == 424242u);
  CHECK(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242") == 424242u);
}

TEST_CASE("parse_stat_start_time: comm with spaces and parentheses") {
  // A process may name itself anything up to 15 bytes, including ") (" and digits.
  CHECK(parse_stat_start_time("1234 (evil) 1 2 3)" + kAfterComm) == 8765432u);
  CHECK(parse_stat_start_time("1234 (a) S 1 2 3 4)" + kAfterComm) == 8765432u);
  CHECK(parse_stat_start_time("1234 ()) ) ))" + kAfterComm) == 8765432u);
  CHECK(parse_stat_start_time("1234 (two words)" + kAfterComm) == 8765432u);
  CHECK(parse_stat_start_time("1234 ()" + kAfterComm) == 8765432u);
}

TEST_CASE("parse_stat_start_time: start times above 32 bits") {
  CHECK(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 18446744073709551615 0") ==
        UINT64_MAX);
}

TEST_CASE("parse_stat_start_time: malformed") {
  CHECK_THROWS_AS(parse_stat_start_time(""), Error);
  CHECK_THROWS_AS(parse_stat_start_time("1234 nginx S 1 2 3"), Error);   // no ')'
  CHECK_THROWS_AS(parse_stat_start_time("1234 (nginx) S 1 1234 1234"), Error);  // truncated
  CHECK_THROWS_AS(parse_stat_start_time("1234 (nginx)"), Error);
  // Truncated at field 21: one field short.
  CHECK_THROWS_AS(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n"), Error);
  // The fields before the last ')' do not count, however many there are.
  CHECK_THROWS_AS(
      parse_stat_start_time("7 (1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23) S 1 2"), Error);
  // Field 22 not a number.
  CHECK_THROWS_AS(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 12ab 0"), Error);
  CHECK_THROWS_AS(parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 0"), Error);
  CHECK_THROWS_AS(
      parse_stat_start_time("7 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99999999999999999999999 0"), Error);
}

TEST_CASE("parse_stat_start_time: this process, through read_small_file") {
  auto stat = read_small_file(AT_FDCWD, "/proc/self/stat");
  REQUIRE(stat.has_value());
  std::uint64_t t = parse_stat_start_time(*stat);
  CHECK(t > 0);
  // Stable for the same process.
  auto again = read_small_file(AT_FDCWD, "/proc/self/stat");
  REQUIRE(again.has_value());
  CHECK(parse_stat_start_time(*again) == t);
}

TEST_CASE("cgroup_mentions_id: cgroup v1 and v2 layouts") {
  CHECK(cgroup_mentions_id("12:pids:/docker/" + kId + "\n", kId));
  CHECK(cgroup_mentions_id("12:pids:/docker/" + kId, kId));
  CHECK(cgroup_mentions_id("0::/system.slice/docker-" + kId + ".scope\n", kId));
  // Several lines, the ID on a later one.
  std::string v1 = "13:rdma:/\n12:pids:/docker/" + kId + "\n11:cpuset:/docker/" + kId + "\n0::/\n";
  CHECK(cgroup_mentions_id(v1, kId));
  // A nested (kubepods / cri-containerd) path.
  CHECK(cgroup_mentions_id("0::/kubepods/besteffort/pod1/cri-containerd-" + kId + ".scope", kId));
  // cgroup namespace: the container sees only "/", other containers are not it.
  CHECK_FALSE(cgroup_mentions_id("0::/\n", kId));
  CHECK_FALSE(cgroup_mentions_id("", kId));
  std::string other = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
  CHECK_FALSE(cgroup_mentions_id("0::/system.slice/docker-" + other + ".scope\n", kId));
}

TEST_CASE("cgroup_mentions_id: the ID must stand alone, not inside a longer hex string") {
  CHECK_FALSE(cgroup_mentions_id("0::/docker/" + kId + "0\n", kId));
  CHECK_FALSE(cgroup_mentions_id("0::/docker/f" + kId + "\n", kId));
  CHECK_FALSE(cgroup_mentions_id("0::/docker/" + kId + "ab.scope\n", kId));
  // Non-hex letters and punctuation are boundaries.
  CHECK(cgroup_mentions_id("0::/x" + kId + "-y\n", kId));
  // A first embedded occurrence does not hide a later standalone one.
  CHECK(cgroup_mentions_id("0::/docker/0" + kId + "\n1:name=x:/docker/" + kId + "\n", kId));
}

TEST_CASE("cgroup_mentions_id: a short prefix never matches a full-ID cgroup") {
  std::string prefix12 = kId.substr(0, 12);
  // The 12-char prefix is found, but inside the 64-char hex ID: not standalone.
  CHECK_FALSE(cgroup_mentions_id("12:pids:/docker/" + kId + "\n", prefix12));
  CHECK_FALSE(cgroup_mentions_id("0::/system.slice/docker-" + kId + ".scope\n", prefix12));
  // Fewer than 12 characters are refused outright, even standing alone.
  std::string prefix11 = kId.substr(0, 11);
  CHECK_FALSE(cgroup_mentions_id("12:pids:/docker/" + prefix11 + "\n", prefix11));
  CHECK_FALSE(cgroup_mentions_id("0::/\n", ""));
  CHECK_FALSE(cgroup_mentions_id("0::/a/b\n", "b"));
  // 12 characters standing alone are accepted (the documented lower bound).
  CHECK(cgroup_mentions_id("12:pids:/docker/" + prefix12 + "\n", prefix12));
}

TEST_CASE("read_small_file: whole file, limit, errors") {
  std::string content;
  for (int i = 0; i < 3000; ++i) content += static_cast<char>('a' + i % 26);
  content += std::string("\0with NUL\n", 10);
  TempFile f(content);

  auto all = read_small_file(AT_FDCWD, f.path.c_str());
  REQUIRE(all.has_value());
  CHECK(*all == content);

  auto head = read_small_file(AT_FDCWD, f.path.c_str(), 10);
  REQUIRE(head.has_value());
  CHECK(*head == content.substr(0, 10));

  auto none = read_small_file(AT_FDCWD, f.path.c_str(), 0);
  REQUIRE(none.has_value());
  CHECK(none->empty());

  // Larger than one internal buffer, limit in the middle of the second.
  std::string big(10000, 'q');
  big[5000] = 'X';
  TempFile g(big);
  auto part = read_small_file(AT_FDCWD, g.path.c_str(), 5001);
  REQUIRE(part.has_value());
  CHECK(part->size() == 5001);
  CHECK(part->back() == 'X');
  CHECK(read_small_file(AT_FDCWD, g.path.c_str())->size() == 10000);

  errno = 0;
  CHECK_FALSE(read_small_file(AT_FDCWD, "/nonexistent/ctrdbg-unit").has_value());
  CHECK(errno == ENOENT);
}

TEST_CASE("read_small_file: relative to a directory fd") {
  TempFile f("relative content");
  std::string dir = f.path.substr(0, f.path.rfind('/'));
  std::string base = f.path.substr(f.path.rfind('/') + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dfd >= 0);
  auto r = read_small_file(dfd, base.c_str());
  ::close(dfd);
  REQUIRE(r.has_value());
  CHECK(*r == "relative content");
}

TEST_CASE("read_small_file: anything but a regular file is an Error naming its type, at once") {
  CHECK_THROWS_WITH_AS(read_small_file(AT_FDCWD, "/tmp"), "/tmp: not a regular file (a directory)", Error);
  CHECK_THROWS_WITH_AS(read_small_file(AT_FDCWD, "/dev/null"), "/dev/null: not a regular file (a character device)",
                       Error);
  // A fifo with no writer: a blocking open() would wait for one forever.
  std::string fifo = "/tmp/ctrdbg-unit-fifo-" + std::to_string(::getpid());
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH_AS(read_small_file(AT_FDCWD, fifo.c_str()), (fifo + ": not a regular file (a fifo)").c_str(),
                       Error);
  ::unlink(fifo.c_str());
  // /proc files are regular files: O_NONBLOCK changes nothing for them.
  auto status = read_small_file(AT_FDCWD, "/proc/self/status");
  REQUIRE(status.has_value());
  CHECK(status->find("Pid:") != std::string::npos);
}

TEST_CASE("file_type_name") {
  CHECK(std::string(ctrdbg::file_type_name(S_IFIFO | 0600)) == "a fifo");
  CHECK(std::string(ctrdbg::file_type_name(S_IFDIR | 0755)) == "a directory");
  CHECK(std::string(ctrdbg::file_type_name(S_IFSOCK)) == "a socket");
  CHECK(std::string(ctrdbg::file_type_name(S_IFCHR)) == "a character device");
  CHECK(std::string(ctrdbg::file_type_name(S_IFBLK)) == "a block device");
  CHECK(std::string(ctrdbg::file_type_name(S_IFREG | 0644)) == "a regular file");
}

TEST_CASE("parse_stat_ppid: field 4, after a comm that holds spaces and parentheses") {
  CHECK(ctrdbg::parse_stat_ppid("1234 (nginx)" + kAfterComm) == 1);
  CHECK(ctrdbg::parse_stat_ppid("4242 (a) S 9) S 777 1 1 0") == 777);
  CHECK(ctrdbg::parse_stat_ppid("4242 (sleep) S 31337") == 31337);
  CHECK_THROWS_AS(ctrdbg::parse_stat_ppid("4242 (sleep) S"), ctrdbg::Error);
  CHECK_THROWS_AS(ctrdbg::parse_stat_ppid("4242 sleep S 1"), ctrdbg::Error);
  CHECK_THROWS_AS(ctrdbg::parse_stat_ppid("4242 (sleep) S x1 2"), ctrdbg::Error);
}

TEST_CASE("read_regular_file: a regular file whole, within its bound; a fifo or a larger file is refused") {
  TempFile f(std::string(5000, 'x'));
  ctrdbg::Fd fd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  auto text = ctrdbg::read_regular_file(fd.get(), 5000);
  REQUIRE(text);
  CHECK(text->size() == 5000);

  ctrdbg::Fd again(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  errno = 0;
  CHECK_FALSE(ctrdbg::read_regular_file(again.get(), 4999));
  CHECK(errno == EFBIG);

  std::string fifo = f.path + ".fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  ctrdbg::Fd pipe(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ::unlink(fifo.c_str());
  REQUIRE(pipe);
  errno = 0;
  CHECK_FALSE(ctrdbg::read_regular_file(pipe.get(), 1 << 20));
  CHECK(errno == EINVAL);
}

TEST_CASE("open_proc_pid: our own /proc entry; none for a pid that cannot exist") {
  ctrdbg::Fd self = ctrdbg::open_proc_pid(::getpid());
  CHECK(self);
  CHECK(ctrdbg::read_small_file(self.get(), "stat").has_value());
  errno = 0;
  CHECK_FALSE(ctrdbg::open_proc_pid(0x7ffffff0));
  CHECK(errno == ENOENT);
}
