// The toolset's applet links: which names are linked, and the two-ended linking
// (ctrdbg from the front, the session's helper from the back) that must leave
// every name linked to busybox wherever the two meet.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/toolset.hpp"
#include "unit_helpers.hpp"

using ctrdbg::applet_links;
using ctrdbg::Fd;
using ctrdbg::link_applets;
using ctrdbg::LinkFrom;
using ctrdbg::Toolset;

namespace {

// A directory with an empty "busybox", removed on destruction.
struct BinDir {
  unit::ScratchDir scratch{"bin"};
  const std::filesystem::path& path = scratch.path;
  Fd fd;
  BinDir() {
    std::filesystem::create_directories(path);
    fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd);
    Fd f(::openat(fd.get(), "busybox", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
    REQUIRE(f);
  }
  ino_t inode(const std::string& name) const {
    struct stat st{};
    return ::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_ino : 0;
  }
};

std::vector<std::string> names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("applet" + std::to_string(1000 + i));
  return out;
}

}  // namespace

TEST_CASE("applet_links: unique names, without busybox itself and without the names extra tools take") {
  Toolset t;
  t.applets = {"sh", "ls", "busybox", "ps", "ls", "[", "[["};
  t.extras.resize(1);
  t.extras[0].name = "ps";
  CHECK(applet_links(t) == std::vector<std::string>{"[", "[[", "ls", "sh"});
}

TEST_CASE("two-ended linking: wherever the front stops, the back links the rest and stops where they meet") {
  const auto all = names(40);
  for (int front : {0, 1, 17, 39, 40}) {
    CAPTURE(front);
    BinDir dir;
    // ctrdbg's end: the first `front` names.
    for (int i = 0; i < front; ++i)
      REQUIRE(::linkat(dir.fd.get(), "busybox", dir.fd.get(), all[i].c_str(), 0) == 0);
    const char* failed = nullptr;
    CHECK(link_applets(dir.fd.get(), all, LinkFrom::back, &failed) == 0);
    CHECK(failed == nullptr);
    const ino_t busybox = dir.inode("busybox");
    for (const auto& n : all) CHECK(dir.inode(n) == busybox);
  }
}

TEST_CASE("two-ended linking: a failure other than EEXIST names the applet") {
  BinDir dir;
  std::vector<std::string> bad = {"ok", "no/such/dir"};
  const char* failed = nullptr;
  CHECK(link_applets(dir.fd.get(), bad, LinkFrom::back, &failed) == -1);
  CHECK(errno == ENOENT);
  REQUIRE(failed != nullptr);
  CHECK(std::string(failed) == "no/such/dir");
}
