// find_file_in_docker_image over fixture stores laid out like Docker's overlay2
// store (repositories.json, imagedb, layerdb, overlay2/<cache>/diff), and the pure
// parsers under it. Whiteouts (mknod c 0 0) and opaque directories (trusted.*
// xattrs) need root; those checks are skipped with a message otherwise.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ctrdbg/error.hpp"
#include "ctrdbg/image_store.hpp"

#include "unit_helpers.hpp"

using namespace ctrdbg;
namespace fs = std::filesystem;

namespace {

std::string hex(unsigned long long n) { return fmt::format("{:064x}", n); }
std::string digest(unsigned long long n) { return "sha256:" + hex(n); }

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

bool is_root() { return ::geteuid() == 0; }

// A whiteout as overlayfs (and Docker's overlay2 driver) writes it: a 0:0 char device.
void whiteout(const fs::path& p) {
  fs::create_directories(p.parent_path());
  REQUIRE_MESSAGE(::mknod(p.c_str(), S_IFCHR | 0600, makedev(0, 0)) == 0, "mknod " << p);
}

void make_opaque(const fs::path& dir) {
  fs::create_directories(dir);
  REQUIRE_MESSAGE(::setxattr(dir.c_str(), "trusted.overlay.opaque", "y", 1, 0) == 0, "setxattr " << dir);
}

struct Image {
  std::string id;
  std::vector<std::string> diff_ids, chain_ids, caches;
  std::vector<fs::path> dirs;  // each layer's diff dir, bottom first
  fs::path config;
};

// A data-root in a temp dir. Digests are made-up numbers: nothing here computes
// or checks a SHA-256, which is the point (the chain is rebuilt by matching).
struct FakeStore {
  unit::ScratchDir scratch{"images"};
  fs::path top = scratch.path;
  fs::path data = top / "docker";
  fs::path store = data / "image/overlay2";
  fs::path layerdb = store / "layerdb/sha256";
  unsigned long long next = 0x1000;
  ImageRepositories repos;

  FakeStore() {
    fs::create_directories(store / "imagedb/content/sha256");
    fs::create_directories(layerdb);
    fs::create_directories(data / "overlay2");
    write_repositories();
  }
  FakeStore(const FakeStore&) = delete;
  FakeStore& operator=(const FakeStore&) = delete;

  void write_repositories() {
    std::string out = R"({"Repositories":{)";
    bool first_repo = true;
    for (const auto& [repo, refs] : repos) {
      out += fmt::format(R"({}"{}":{{)", first_repo ? "" : ",", repo);
      bool first = true;
      for (const auto& [ref, id] : refs) out += fmt::format(R"({}"{}":"{}")", first ? "" : ",", ref, id), first = false;
      out += "}";
      first_repo = false;
    }
    write(store / "repositories.json", out + "}}");
  }

  // An image of `n` layers tagged `ref` (empty: untagged); its lowest layers can be
  // those of `base` (shared, as Docker shares them).
  Image add_image(const std::string& ref, size_t n, const Image* base = nullptr, size_t shared = 0) {
    Image img;
    for (size_t i = 0; i < n; ++i) {
      if (base && i < shared) {
        img.diff_ids.push_back(base->diff_ids[i]);
        img.chain_ids.push_back(base->chain_ids[i]);
        img.caches.push_back(base->caches[i]);
        img.dirs.push_back(base->dirs[i]);
        continue;
      }
      std::string diff = digest(next++);
      // Docker's bottom chain ID is its diff ID; above, some other digest.
      std::string chain = i == 0 ? diff : digest(next++);
      std::string cache = hex(next++);
      fs::path entry = layerdb / chain.substr(7);
      write(entry / "diff", diff);
      if (i > 0) write(entry / "parent", img.chain_ids.back());
      write(entry / "cache-id", cache);
      write(entry / "size", "0");
      fs::path dir = data / "overlay2" / cache / "diff";
      fs::create_directories(dir);
      img.diff_ids.push_back(diff);
      img.chain_ids.push_back(chain);
      img.caches.push_back(cache);
      img.dirs.push_back(dir);
    }
    img.id = digest(next++);
    std::string ids;
    for (const auto& d : img.diff_ids) ids += (ids.empty() ? "\"" : ",\"") + d + "\"";
    img.config = store / "imagedb/content/sha256" / img.id.substr(7);
    write(img.config, R"({"architecture":"amd64","config":{"Env":["PATH=/bin"]},"history":[],"os":"linux",)"
                      R"("rootfs":{"type":"layers","diff_ids":[)" + ids + "]}}");
    if (!ref.empty()) tag(ref, img);
    return img;
  }

  void tag(const std::string& ref, const Image& img) {
    std::string repo = ref.substr(0, ref.find_first_of(":@"));
    repos[repo][ref] = img.id;
    write_repositories();
  }

  std::optional<ImageFile> find(const std::string& ref, const std::string& path, std::string* why = nullptr) {
    std::string reason;
    auto r = find_file_in_docker_image(data.string(), ref, path, why ? why : &reason);
    return r;
  }
  std::string why_not(const std::string& ref, const std::string& path) {
    std::string why;
    auto r = find_file_in_docker_image(data.string(), ref, path, &why);
    CHECK_MESSAGE(!r, path << " unexpectedly found at " << (r ? r->host_path : ""));
    CHECK(!why.empty());
    return why;
  }
  // The Error message find_file_in_docker_image throws.
  std::string error(const std::string& ref, const std::string& path) {
    std::string why;
    try {
      auto r = find_file_in_docker_image(data.string(), ref, path, &why);
      FAIL_CHECK("expected an Error, got " << (r ? "found " + r->host_path : "nullopt: " + why));
    } catch (const Error& e) {
      return e.what();
    }
    return {};
  }
};

}  // namespace

TEST_CASE("found in a single layer, by every spelling of the reference") {
  FakeStore s;
  Image img = s.add_image("busybox:latest", 1);
  write(img.dirs[0] / "bin/busybox", "ELF");
  for (const std::string& ref :
       std::vector<std::string>{"busybox:latest", "busybox", "docker.io/library/busybox", "docker.io/busybox:latest",
                                "index.docker.io/library/busybox:latest", img.id, img.id.substr(7)}) {
    CAPTURE(ref);
    auto f = s.find(ref, "bin/busybox");
    REQUIRE(f);
    CHECK(f->host_path == (img.dirs[0] / "bin/busybox").string());
    CHECK(f->layer_dir == img.dirs[0].string());
    CHECK(f->image == img.id);
  }
  // Leading, doubled and "." components mean the same file.
  auto f = s.find("busybox", "/bin//./busybox");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[0] / "bin/busybox").string());
}

TEST_CASE("found in a lower layer; an upper layer's copy wins") {
  FakeStore s;
  Image img = s.add_image("busybox:1.36", 3);
  write(img.dirs[0] / "bin/busybox", "bottom");
  write(img.dirs[1] / "bin/other", "x");  // bin/ merges across layers
  write(img.dirs[2] / "etc/passwd", "root");
  auto f = s.find("busybox:1.36", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == img.dirs[0].string());
  CHECK(f->host_path == (img.dirs[0] / "bin/busybox").string());

  write(img.dirs[1] / "bin/busybox", "middle");
  f = s.find("busybox:1.36", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == img.dirs[1].string());
}

TEST_CASE("the layer chain is rebuilt by diff and parent, also with shared and look-alike layers") {
  FakeStore s;
  Image base = s.add_image("base:1", 1);
  write(base.dirs[0] / "bin/busybox", "base");
  Image a = s.add_image("app:a", 2, &base, 1);
  write(a.dirs[1] / "bin/busybox", "a");
  // Same diff as a's top layer on another parent: a different chain ID and cache.
  Image other = s.add_image("other:1", 1);
  std::string chain = digest(0xfeed), cache = hex(0xcafe);
  write(s.layerdb / chain.substr(7) / "diff", a.diff_ids[1]);
  write(s.layerdb / chain.substr(7) / "parent", other.chain_ids[0]);
  write(s.layerdb / chain.substr(7) / "cache-id", cache);
  fs::create_directories(s.data / "overlay2" / cache / "diff/bin");
  write(s.data / "overlay2" / cache / "diff/bin/busybox", "other");

  auto f = s.find("app:a", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == a.dirs[1].string());
  f = s.find("base:1", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == base.dirs[0].string());
}

TEST_CASE("a whiteout in an upper layer deletes the file and everything below it") {
  if (!is_root()) {
    MESSAGE("skipped: mknod c 0 0 needs root");
    return;
  }
  FakeStore s;
  Image img = s.add_image("busybox:latest", 3);
  write(img.dirs[0] / "bin/busybox", "ELF");
  write(img.dirs[0] / "bin/sh", "ELF");
  whiteout(img.dirs[1] / "bin/busybox");
  std::string why = s.why_not("busybox", "bin/busybox");
  CHECK(why.find("/bin/busybox is deleted") != std::string::npos);
  CHECK(why.find("whiteout in layer 2 of 3") != std::string::npos);
  CHECK(why.find("busybox:latest") != std::string::npos);
  CHECK(s.find("busybox", "bin/sh"));  // a sibling stays

  // Re-created above the whiteout: found again, in that layer.
  write(img.dirs[2] / "bin/busybox", "new");
  auto f = s.find("busybox", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == img.dirs[2].string());

  // A whiteout of a whole directory hides what lower layers have under it.
  FakeStore t;
  Image dir = t.add_image("busybox:latest", 2);
  write(dir.dirs[0] / "bin/busybox", "ELF");
  whiteout(dir.dirs[1] / "bin");
  why = t.why_not("busybox", "bin/busybox");
  CHECK(why.find("/bin is deleted") != std::string::npos);

  // A directory re-created above a whiteout does not merge with what is below it.
  FakeStore u;
  Image re = u.add_image("busybox:latest", 3);
  write(re.dirs[0] / "bin/busybox", "ELF");
  whiteout(re.dirs[1] / "bin");
  write(re.dirs[2] / "bin/sh", "ELF");
  why = u.why_not("busybox", "bin/busybox");
  CHECK(why.find("no /bin/busybox") != std::string::npos);
}

TEST_CASE("an opaque directory hides the lower layers' contents") {
  if (!is_root()) {
    MESSAGE("skipped: trusted.* xattrs need root");
    return;
  }
  FakeStore s;
  Image img = s.add_image("busybox:latest", 2);
  write(img.dirs[0] / "bin/busybox", "ELF");
  make_opaque(img.dirs[1] / "bin");
  write(img.dirs[1] / "bin/sh", "ELF");
  std::string why = s.why_not("busybox", "bin/busybox");
  CHECK(why.find("no /bin/busybox") != std::string::npos);
  CHECK(s.find("busybox", "bin/sh"));

  // Inside the opaque directory itself a file is found.
  write(img.dirs[1] / "bin/busybox", "ELF");
  auto f = s.find("busybox", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == img.dirs[1].string());

  // Without the xattr the directories merge.
  FakeStore t;
  Image plain = t.add_image("busybox:latest", 2);
  write(plain.dirs[0] / "bin/busybox", "ELF");
  write(plain.dirs[1] / "bin/sh", "ELF");
  f = t.find("busybox", "bin/busybox");
  REQUIRE(f);
  CHECK(f->layer_dir == plain.dirs[0].string());
}

TEST_CASE("/bin as a symlink to usr/bin (merged /usr), resolved in the image's layered view") {
  FakeStore s;
  Image img = s.add_image("debian:12", 2);
  write(img.dirs[0] / "usr/bin/busybox", "ELF");
  fs::create_symlink("usr/bin", img.dirs[1] / "bin");  // the link in an upper layer than its target
  auto f = s.find("debian:12", "bin/busybox");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[0] / "usr/bin/busybox").string());
  CHECK(f->layer_dir == img.dirs[0].string());

  // An absolute target is the image's root, not the host's.
  fs::remove(img.dirs[1] / "bin");
  fs::create_symlink("/usr/bin", img.dirs[1] / "bin");
  f = s.find("debian:12", "bin/busybox");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[0] / "usr/bin/busybox").string());

  // A symlink as the last component is followed too, relative to its directory.
  write(img.dirs[1] / "usr/lib/busybox/busybox", "ELF");
  fs::create_directories(img.dirs[1] / "usr/bin");
  fs::create_symlink("../lib/busybox/busybox", img.dirs[1] / "usr/bin/bb");
  f = s.find("debian:12", "bin/bb");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[1] / "usr/lib/busybox/busybox").string());

  // A loop ends with a reason, not a hang.
  fs::create_symlink("loop-b", img.dirs[1] / "loop-a");
  fs::create_symlink("loop-a", img.dirs[1] / "loop-b");
  CHECK(s.why_not("debian:12", "loop-a/busybox").find("too many levels of symbolic links") != std::string::npos);
  fs::create_symlink("nowhere", img.dirs[1] / "dangling");
  CHECK(s.why_not("debian:12", "dangling").find("no /nowhere") != std::string::npos);
}

TEST_CASE("a symlink escaping with ../../.. stays inside the image") {
  FakeStore s;
  Image img = s.add_image("evil:1", 1);
  // A host file the escape would reach if the link were followed on the host.
  write(s.top / "outside/busybox", "HOST");
  const fs::path host_dir = s.top / "outside";
  fs::create_directories(img.dirs[0] / "bin");
  fs::create_symlink("../../../../../../../../../../../.." + host_dir.string() + "/busybox",
                     img.dirs[0] / "bin/busybox");
  std::string why = s.why_not("evil:1", "bin/busybox");
  CHECK(why.find("no /" + host_dir.relative_path().begin()->string()) != std::string::npos);
  fs::create_symlink(host_dir, img.dirs[0] / "abs");  // absolute host path as a directory link
  CHECK_FALSE(s.find("evil:1", "abs/busybox"));

  // ".." above the root is the root: the same image file as without it.
  write(img.dirs[0] / "usr/bin/busybox", "ELF");
  fs::create_symlink("../../../../..", img.dirs[0] / "up");
  auto f = s.find("evil:1", "up/usr/bin/busybox");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[0] / "usr/bin/busybox").string());
  f = s.find("evil:1", "../../../usr/bin/../bin/busybox");
  REQUIRE(f);
  CHECK(f->host_path == (img.dirs[0] / "usr/bin/busybox").string());
}

TEST_CASE("only a regular file counts as found") {
  FakeStore s;
  Image img = s.add_image("x:1", 1);
  write(img.dirs[0] / "bin/busybox", "ELF");
  fs::create_directories(img.dirs[0] / "dir");
  REQUIRE(::mkfifo((img.dirs[0] / "fifo").c_str(), 0600) == 0);
  CHECK(s.why_not("x:1", "dir").find("/dir is a directory") != std::string::npos);
  CHECK(s.why_not("x:1", "/").find("is a directory") != std::string::npos);
  CHECK(s.why_not("x:1", "fifo").find("/fifo is not a regular file") != std::string::npos);
  CHECK(s.why_not("x:1", "bin/busybox/x").find("/bin/busybox is not a directory") != std::string::npos);
  CHECK(s.why_not("x:1", "bin/nothing").find("no /bin/nothing in image x:1 (sha256:") != std::string::npos);
}

TEST_CASE("an absent image or store is a reason, not an error") {
  FakeStore s;
  Image img = s.add_image("busybox:latest", 1);
  write(img.dirs[0] / "bin/busybox", "ELF");
  CHECK(s.why_not("busybox:nope", "bin/busybox").find("no image busybox:nope in") != std::string::npos);
  CHECK(s.why_not("nothing", "bin/busybox").find("no image nothing:latest") != std::string::npos);
  CHECK(s.why_not(digest(0xdead), "bin/busybox").find("no image " + digest(0xdead)) != std::string::npos);

  std::string why;
  CHECK_FALSE(find_file_in_docker_image((s.top / "none").string(), "busybox", "bin/busybox", &why));
  CHECK(why.find("no Docker data root") != std::string::npos);
  fs::create_directories(s.top / "empty");
  CHECK_FALSE(find_file_in_docker_image((s.top / "empty").string(), "busybox", "bin/busybox", &why));
  CHECK(why.find("no overlay2 image store") != std::string::npos);
  CHECK_FALSE(find_file_in_docker_image((s.top / "empty").string(), "busybox", "bin/busybox", nullptr));
  fs::remove(s.store / "repositories.json");
  CHECK(s.why_not("busybox", "bin/busybox").find("no image busybox:latest") != std::string::npos);
  // An image ID still works without repositories.json.
  CHECK(s.find(img.id, "bin/busybox"));

  // Image without layers.
  write(s.store / "imagedb/content/sha256" / hex(0xe), R"({"rootfs":{"type":"layers"}})");
  CHECK(s.why_not(digest(0xe), "bin/busybox").find("has no layers") != std::string::npos);

  CHECK_THROWS_AS(s.find("Bad Name", "bin/busybox"), Error);
}

TEST_CASE("a damaged store is an Error naming the file") {
  FakeStore s;
  Image img = s.add_image("busybox:latest", 2);
  write(img.dirs[0] / "bin/busybox", "ELF");
  REQUIRE(s.find("busybox", "bin/busybox"));
  const std::string repositories = (s.store / "repositories.json").string();
  auto contains = [](const std::string& msg, const std::string& part) {
    CHECK_MESSAGE(msg.find(part) != std::string::npos, "[" << msg << "] lacks [" << part << "]");
  };

  SUBCASE("repositories.json") {
    write(s.store / "repositories.json", R"({"Repositories":{"busybox":{"busybox:latest":)");
    contains(s.error("busybox", "bin/busybox"), repositories + ": not a JSON object");
    write(s.store / "repositories.json", R"({"Repositories":{"busybox":{"busybox:latest":"sha256:12"}}})");
    contains(s.error("busybox", "bin/busybox"), repositories + ": bad image ID for \"busybox:latest\"");
    CHECK_THROWS_WITH_AS(docker_image_tags(s.data.string(), "busybox"),
                         (repositories + ": bad image ID for \"busybox:latest\"").c_str(), Error);
  }
  SUBCASE("image config") {
    write(img.config, R"({"rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}})");
    contains(s.error("busybox", "bin/busybox"), img.config.string() + ": bad \"rootfs.diff_ids\"[0]");
    write(img.config, "{\"rootfs\":");
    contains(s.error("busybox", "bin/busybox"), img.config.string() + ": not a JSON object");
    fs::remove(img.config);
    contains(s.error("busybox", "bin/busybox"), img.config.string() + ": missing");
  }
  SUBCASE("a missing layer") {
    fs::remove_all(s.layerdb / img.chain_ids[1].substr(7));
    std::string msg = s.error("busybox", "bin/busybox");
    contains(msg, s.layerdb.string() + ": layer 2 of 2 (" + img.diff_ids[1] + ") is missing");
  }
  SUBCASE("a missing layer directory") {
    fs::remove_all(img.dirs[0]);
    std::string msg = s.error("busybox", "bin/busybox");
    contains(msg, img.dirs[0].string() + ": No such file or directory");
    contains(msg, "layer 1 of 2");
  }
  SUBCASE("a layer directory that is a symlink") {
    fs::remove_all(img.dirs[1]);
    fs::create_directory_symlink("/", img.dirs[1]);
    contains(s.error("busybox", "bin/busybox"), img.dirs[1].string() + ": Not a directory");
  }
  SUBCASE("cache-id") {
    const fs::path cache_id = s.layerdb / img.chain_ids[1].substr(7) / "cache-id";
    write(cache_id, "../../../etc");
    contains(s.error("busybox", "bin/busybox"), cache_id.string() + ": not a plain directory name");
    fs::remove(cache_id);
    contains(s.error("busybox", "bin/busybox"), cache_id.string() + ": missing");
  }
  SUBCASE("a diff file") {
    const fs::path diff = s.layerdb / img.chain_ids[0].substr(7) / "diff";
    write(diff, "garbage");
    contains(s.error("busybox", "bin/busybox"), diff.string() + ": not a sha256 digest");
  }
  SUBCASE("a chain that does not connect") {
    const fs::path parent = s.layerdb / img.chain_ids[1].substr(7) / "parent";
    write(parent, digest(0xbad));
    std::string msg = s.error("busybox", "bin/busybox");
    contains(msg, parent.string() + ": names " + digest(0xbad) + ", expected " + img.chain_ids[0]);
    contains(msg, "does not connect");
    fs::remove(parent);
    contains(s.error("busybox", "bin/busybox"), parent.string() + ": missing, expected " + img.chain_ids[0]);
    // A bottom layer that claims a parent.
    write(parent, img.chain_ids[0]);
    write(s.layerdb / img.chain_ids[0].substr(7) / "parent", digest(0xbad));
    contains(s.error("busybox", "bin/busybox"),
             (s.layerdb / img.chain_ids[0].substr(7) / "parent").string() + ": names " + digest(0xbad));
  }
}

TEST_CASE("docker_image_tags: latest first, then sorted; digests are no tags") {
  FakeStore s;
  Image a = s.add_image("busybox:1.36", 1);
  s.tag("busybox:latest", a);
  s.tag("busybox:1.35", a);
  s.tag("busybox:musl", a);
  s.tag("busybox@" + digest(0x77), a);
  s.add_image("busyboxer:latest", 1);
  s.add_image("user/busybox:2", 1);
  CHECK(docker_image_tags(s.data.string(), "busybox") ==
        std::vector<std::string>{"busybox:latest", "busybox:1.35", "busybox:1.36", "busybox:musl"});
  CHECK(docker_image_tags(s.data.string(), "docker.io/library/busybox").size() == 4);
  CHECK(docker_image_tags(s.data.string(), "user/busybox") == std::vector<std::string>{"user/busybox:2"});
  CHECK(docker_image_tags(s.data.string(), "alpine").empty());
  CHECK(docker_image_tags((s.top / "none").string(), "busybox").empty());
  // By digest reference too.
  write(a.dirs[0] / "bin/busybox", "ELF");
  CHECK(s.find("busybox@" + digest(0x77), "bin/busybox"));
}

TEST_CASE("normalize_image_reference") {
  CHECK(normalize_image_reference("busybox") == "busybox:latest");
  CHECK(normalize_image_reference("busybox:1.36") == "busybox:1.36");
  CHECK(normalize_image_reference("docker.io/library/busybox:1.36") == "busybox:1.36");
  CHECK(normalize_image_reference("docker.io/user/app") == "user/app:latest");
  CHECK(normalize_image_reference("index.docker.io/library/busybox") == "busybox:latest");
  CHECK(normalize_image_reference("localhost:5000/app") == "localhost:5000/app:latest");
  CHECK(normalize_image_reference("localhost/app:v1") == "localhost/app:v1");
  CHECK(normalize_image_reference("Registry.Example.com:443/app") == "Registry.Example.com:443/app:latest");
  CHECK(normalize_image_reference("ghcr.io/org/tools/bb:1.0") == "ghcr.io/org/tools/bb:1.0");
  CHECK(normalize_image_reference("library/busybox") == "library/busybox:latest");
  CHECK(normalize_image_reference("busybox@" + digest(5)) == "busybox@" + digest(5));
  CHECK(normalize_image_reference("busybox:1@" + digest(5)) == "busybox@" + digest(5));
  CHECK(normalize_image_reference(digest(9)) == digest(9));
  CHECK(normalize_image_reference(hex(9)) == digest(9));
  for (std::string bad : {"", "Busybox", "busybox:", "busybox:-x", "sha256:12", "busybox@sha256:zz", "a//b", "/abs",
                          "bad name", "../x", "x/../y", "-a.io/x", "a..io/x", "reg.io:80a/x", "reg.io:/x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(normalize_image_reference(bad), Error);
  }
  CHECK_THROWS_WITH_AS(normalize_image_reference("Busybox"), "invalid image reference 'Busybox': bad repository name",
                       Error);
}

TEST_CASE("parse_repositories_json") {
  auto r = parse_repositories_json(R"({"Repositories":{"busybox":{"busybox:latest":")" + digest(1) +
                                   R"(","busybox@)" + digest(2) + R"(":")" + digest(1) + R"("},"a/b":{}}})");
  REQUIRE(r.size() == 2);
  CHECK(r.at("busybox").at("busybox:latest") == digest(1));
  CHECK(r.at("busybox").size() == 2);
  CHECK(r.at("a/b").empty());
  CHECK(parse_repositories_json(R"({"Repositories":{}})").empty());
  CHECK(parse_repositories_json(R"({"Repositories":null})").empty());
  CHECK_THROWS_WITH_AS(parse_repositories_json("[]"), "not a JSON object", Error);
  CHECK_THROWS_WITH_AS(parse_repositories_json("{}"), "no \"Repositories\"", Error);
  CHECK_THROWS_WITH_AS(parse_repositories_json(R"({"Repositories":[]})"), "\"Repositories\" is not an object", Error);
  CHECK_THROWS_WITH_AS(parse_repositories_json(R"({"Repositories":{"x":1}})"),
                       "\"Repositories\".\"x\" is not an object", Error);
  CHECK_THROWS_WITH_AS(parse_repositories_json(R"({"Repositories":{"x":{"x:1":"sha256:../../etc"}}})"),
                       "bad image ID for \"x:1\"", Error);
  const std::string whole = R"({"Repositories":{"busybox":{"busybox:latest":")" + digest(1) + "\"}}}";
  for (size_t n = 0; n < whole.size(); n += 5) CHECK_THROWS_AS(parse_repositories_json(whole.substr(0, n)), Error);
}

TEST_CASE("parse_image_diff_ids, parse_layer_digest, parse_cache_id") {
  CHECK(parse_image_diff_ids(R"({"rootfs":{"type":"layers","diff_ids":[")" + digest(1) + R"(",")" + digest(2) +
                             R"("]}})") == std::vector<std::string>{digest(1), digest(2)});
  CHECK(parse_image_diff_ids(R"({"rootfs":{"type":"layers"}})").empty());
  CHECK_THROWS_WITH_AS(parse_image_diff_ids(R"({"config":{}})"), "no \"rootfs\"", Error);
  CHECK_THROWS_WITH_AS(parse_image_diff_ids(R"({"rootfs":{"type":"tar","diff_ids":[]}})"),
                       "\"rootfs.type\" is not \"layers\"", Error);
  CHECK_THROWS_WITH_AS(parse_image_diff_ids(R"({"rootfs":{"diff_ids":"x"}})"), "\"rootfs.diff_ids\" is not an array",
                       Error);
  CHECK_THROWS_WITH_AS(parse_image_diff_ids(R"({"rootfs":{"diff_ids":[")" + digest(1) + R"(",7]}})"),
                       "bad \"rootfs.diff_ids\"[1]", Error);
  CHECK_THROWS_WITH_AS(parse_image_diff_ids("{"), "not a JSON object", Error);

  CHECK(parse_layer_digest(digest(3)) == digest(3));
  CHECK(parse_layer_digest(digest(3) + "\n") == digest(3));
  CHECK_THROWS_AS(parse_layer_digest(""), Error);
  CHECK_THROWS_AS(parse_layer_digest("sha256:" + std::string(64, 'A')), Error);
  CHECK_THROWS_AS(parse_layer_digest("sha512:" + hex(3)), Error);
  CHECK_THROWS_AS(parse_layer_digest(digest(3) + "0"), Error);

  CHECK(parse_cache_id(hex(4)) == hex(4));
  CHECK(parse_cache_id(hex(4) + "\n") == hex(4));
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../x", "a/b", "a b", std::string(256, 'a')}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_cache_id(bad), "not a plain directory name", Error);
  }
}

TEST_CASE("build_layer_chain matches diff and parent, bottom first") {
  const std::string dir = "/d/layerdb/sha256";
  std::vector<std::string> diffs{digest(1), digest(2), digest(3)};
  std::vector<LayerRecord> recs{
      {digest(30), digest(3), digest(20)},  // top
      {digest(1), digest(1), ""},           // bottom: chain ID == diff ID
      {digest(20), digest(2), digest(1)},
      {digest(21), digest(2), digest(99)},  // same diff on another base
      {digest(50), digest(5), ""},          // unrelated
  };
  CHECK(build_layer_chain(diffs, recs, dir) == std::vector<std::string>{digest(1), digest(20), digest(30)});
  CHECK(build_layer_chain({}, recs, dir).empty());

  auto dup = recs;
  dup.push_back({digest(31), digest(3), digest(20)});
  CHECK_THROWS_WITH_AS(build_layer_chain(diffs, dup, dir),
                       fmt::format("{0}/{1} and {0}/{2}: both claim to be layer 3 of 3 ({3})", dir, hex(30), hex(31),
                                   digest(3))
                           .c_str(),
                       Error);
  auto missing = recs;
  missing.erase(missing.begin());
  CHECK_THROWS_WITH_AS(build_layer_chain(diffs, missing, dir),
                       fmt::format("{}: layer 3 of 3 ({}) is missing: no entry has that diff", dir, digest(3)).c_str(),
                       Error);
  auto broken = recs;
  broken[0].parent = digest(21);
  CHECK_THROWS_WITH_AS(build_layer_chain(diffs, broken, dir),
                       fmt::format("{}/{}/parent: names {}, expected {} (layer 3 of 3): the layer chain does not "
                                   "connect",
                                   dir, hex(30), digest(21), digest(20))
                           .c_str(),
                       Error);
}

TEST_CASE("image reference: a repository named sha256 is refused (fuzz finding: normalizing must be stable)") {
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("docker.io/sha256:1.36"), ctrdbg::Error);
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("sha256"), ctrdbg::Error);
  CHECK(ctrdbg::normalize_image_reference("docker.io/library/busybox") == "busybox:latest");
}

TEST_CASE("image reference: a Hub namespace that reads as a registry is refused (fuzz findings: normalizing must be stable)") {
  // tests/fuzz/crashes/image_store-normalize-dots-component.bin: "docker.io/a...b/c" became
  // "a...b/c:latest", which reads back as registry "a...b" and was refused.
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("docker.io/a...b/c"), ctrdbg::Error);
  // "a.b/c" would name another image: registry a.b.
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("docker.io/a.b/c"), ctrdbg::Error);
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("index.docker.io/localhost/c:1"), ctrdbg::Error);
  // tests/fuzz/crashes/image_store-normalize-registry-twice.bin: became "index.docker.io/busybox:latest",
  // which normalizes again to "busybox:latest".
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("docker.io/index.docker.io/busybox"), ctrdbg::Error);
  CHECK_THROWS_AS(ctrdbg::normalize_image_reference("docker.io/docker.io/busybox"), ctrdbg::Error);
  // A dot in the repository itself, or a registry that is not Docker Hub, is fine.
  CHECK(ctrdbg::normalize_image_reference("docker.io/user/a.b") == "user/a.b:latest");
  CHECK(ctrdbg::normalize_image_reference("docker.io/a.b") == "a.b:latest");
  CHECK(ctrdbg::normalize_image_reference("a.b/c") == "a.b/c:latest");
  CHECK(ctrdbg::normalize_image_reference("a.b/c:latest") == "a.b/c:latest");
}
