// is_devpts_node / pty_slave_device: which entry of a devpts directory the helper
// agrees to open (as host root, outside the container's device cgroup).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ctrdbg/pty.hpp"

using ctrdbg::is_devpts_node;
using ctrdbg::pty_slave_device;

namespace {

struct stat make_stat(mode_t mode, dev_t fs, dev_t rdev = 0) {
  struct stat st{};
  st.st_mode = mode;
  st.st_dev = fs;
  st.st_rdev = rdev;
  return st;
}

const dev_t kDevpts = makedev(0, 33);
const struct stat kDir = make_stat(S_IFDIR | 0755, kDevpts);

}  // namespace

TEST_CASE("pty slave device numbers are 136:N, also past 255") {
  CHECK(pty_slave_device(0) == makedev(136, 0));
  CHECK(pty_slave_device(7) == makedev(136, 7));
  CHECK(pty_slave_device(300) == makedev(136, 300));
  CHECK(major(pty_slave_device(4000)) == 136);
  CHECK(minor(pty_slave_device(4000)) == 4000);
}

TEST_CASE("the devpts instance's own ptmx and slaves are accepted") {
  CHECK(is_devpts_node(kDir, make_stat(S_IFCHR | 0666, kDevpts, makedev(5, 2)), makedev(5, 2)));
  CHECK(is_devpts_node(kDir, make_stat(S_IFCHR | 0620, kDevpts, makedev(136, 3)), pty_slave_device(3)));
}

TEST_CASE("anything else planted in the container's /dev/pts is refused") {
  const dev_t ptmx = makedev(5, 2);
  // Symlink, fifo, regular (huge) file, directory, socket in its place.
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFLNK | 0777, kDevpts), ptmx));
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFIFO | 0644, kDevpts), ptmx));
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFREG | 0644, kDevpts), ptmx));
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFDIR | 0755, kDevpts), ptmx));
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFSOCK | 0755, kDevpts), ptmx));
  // A block device with the right numbers is still not a pty.
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFBLK | 0666, kDevpts, ptmx), ptmx));
  // A char device of another filesystem (a mknod'd node bind-mounted over the entry,
  // or the host's ptmx), even with the right numbers.
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFCHR | 0666, makedev(0, 34), ptmx), ptmx));
  // A device of the container's choosing (here the watchdog, 10:130).
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFCHR | 0600, kDevpts, makedev(10, 130)), ptmx));
  // Another pty's slave is not ours.
  CHECK_FALSE(is_devpts_node(kDir, make_stat(S_IFCHR | 0620, kDevpts, makedev(136, 4)), pty_slave_device(3)));
}
