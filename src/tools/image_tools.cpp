#include "ctrdbg/tools/image_tools.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ctrdbg/elf.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/image_store.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr size_t kMaxPrograms = 8192;
constexpr long long kMaxLoader = 16ll << 20;

std::string triplet() {
#if defined(__x86_64__)
  return "x86_64-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-linux-gnu";
#else
  return "unknown";
#endif
}

// `path` inside the image: symlinks resolved in it, never leaving it, on the one
// mount. -1 with errno when it is not there.
int open_in_image(int root, const std::string& path, int flags) {
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  return openat2_resolve(root, rel.c_str(), flags | O_CLOEXEC | O_NOCTTY,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

// Where an fd opened in the image is, as a path from the image's root: the kernel
// names files of a detached mount from that mount's root. Host procfs: trusted.
std::string path_of(int fd) {
  char link[64], buf[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, buf, sizeof buf - 1);
  if (n <= 0) fail_errno("reading the path of an image file");
  return std::string(buf, static_cast<size_t>(n));
}

std::string read_fd(int fd, std::uint64_t offset, size_t length) {
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

struct Opened {
  Fd fd;
  std::string path;
  bool executable = false;
};

std::optional<Opened> open_regular(int root, const std::string& path) {
  Fd fd(open_in_image(root, path, O_RDONLY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  Opened o{std::move(fd), "", (st.st_mode & 0111) != 0};
  o.path = path_of(o.fd.get());
  return o;
}

// The read-only overlay of the layers (a read-only clone for one layer).
Fd mount_layers(const std::vector<std::string>& dirs, const std::string& shown) {
  if (dirs.size() == 1) {
    Fd tree(::open_tree(AT_FDCWD, dirs[0].c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!tree) fail_errno("image {}: clone its layer {}", shown, dirs[0]);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
      fail_errno("image {}: make its layer read-only (Linux 5.12 or later needed)", shown);
    return tree;
  }
  Fd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) fail_errno("image {}: fsopen overlay", shown);
  // Top layer first. `lowerdir+` (Linux 6.8) takes one layer at a time: no limit
  // on their number; older kernels get the classic option string, one page long.
  bool appended = true;
  for (size_t i = dirs.size(); i-- > 0;) {
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", dirs[i].c_str(), 0) < 0) {
      if (errno != EINVAL || i != dirs.size() - 1) fail_errno("image {}: overlay layer {}", shown, dirs[i]);
      appended = false;
      break;
    }
  }
  if (!appended) {
    std::string list;
    for (size_t i = dirs.size(); i-- > 0;) {
      if (dirs[i].find_first_of(":,\\") != std::string::npos) fail("image {}: layer path {} cannot be listed", shown, dirs[i]);
      list += (list.empty() ? "" : ":") + dirs[i];
    }
    if (list.size() + 9 >= 4096)
      fail("image {}: {} layers are too many for this kernel's overlay options (Linux 6.8 takes any number)", shown,
           dirs.size());
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir", list.c_str(), 0) < 0)
      fail_errno("image {}: overlay of {} layers", shown, dirs.size());
  }
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
    fail_errno("image {}: create its overlay", shown);
  Fd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  if (!mnt) fail_errno("image {}: mount its overlay", shown);
  return mnt;
}

std::vector<std::string> image_path_dirs(const std::string& config) {
  std::string path = kDefaultPath;
  auto j = nlohmann::json::parse(config, nullptr, false);
  if (j.is_object() && j.contains("config") && j["config"].is_object() && j["config"].contains("Env") &&
      j["config"]["Env"].is_array())
    for (const auto& e : j["config"]["Env"])
      if (e.is_string() && e.get<std::string>().starts_with("PATH=")) path = e.get<std::string>().substr(5);
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto end = path.find(':', start);
    std::string d = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!d.empty() && d[0] == '/') out.push_back(d);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

struct Classified {
  ImageProgram::Kind kind;
  std::string interpreter;  // dynamic ELF: its PT_INTERP as written
  std::string hashbang;     // script: the #! line after "#!"
};

std::optional<Classified> classify(int fd) {
  std::string head = read_fd(fd, 0, 256);
  if (head.starts_with("#!")) {
    auto nl = head.find('\n');
    if (nl == std::string::npos) return std::nullopt;
    return Classified{ImageProgram::script, "", head.substr(2, nl - 2)};
  }
  try {
    ElfDynamic d = read_elf_dynamic([&](std::uint64_t off, size_t len) { return read_fd(fd, off, len); });
    if (d.info.machine != native_elf_machine()) return std::nullopt;
    if (d.interpreter.empty()) return Classified{ImageProgram::static_elf, "", ""};
    return Classified{ImageProgram::dynamic_elf, d.interpreter, ""};
  } catch (const Error&) {
    return std::nullopt;
  }
}

struct Builder {
  ImageTools& img;

  // The image's glibc loader, found and inspected once; its canonical path. Throws
  // when the image's programs need a loader that cannot be sealed.
  bool use_loader(const std::string& interp, std::string* why) {
    auto loader = open_regular(img.root.get(), interp);
    if (!loader) {
      *why = fmt::format("its loader {} is not in the image", interp);
      return false;
    }
    if (img.have_loader) {
      if (loader->path != img.loader_path) {
        *why = fmt::format("loader {} is not the image's {}", loader->path, img.loader_path);
        return false;
      }
      return true;
    }
    struct stat st{};
    if (::fstat(loader->fd.get(), &st) < 0 || st.st_size > kMaxLoader) fail("image {}: {}: too large", img.shown, interp);
    std::string bytes = read_fd(loader->fd.get(), 0, static_cast<size_t>(st.st_size));
    try {
      img.loader = inspect_glibc_loader(bytes);
    } catch (const Error& e) {
      throw e.context(fmt::format("image {}: loader {}", img.shown, interp));
    }
    img.loader_bytes = std::move(bytes);
    img.loader_path = loader->path;
    img.have_loader = true;
    // Its library directories, as the image's own loader would search them by
    // default (its ld.so.cache is sealed, like the host's), each resolved in it.
    std::vector<std::string> candidates{"/usr/local/lib"};
    for (const auto& d : img.loader.system_dirs) candidates.push_back(d);
    for (const auto& d : candidates) {
      Fd dir(open_in_image(img.root.get(), d, O_RDONLY | O_DIRECTORY));
      if (!dir) continue;
      std::string canon = path_of(dir.get());
      if (std::find(img.lib_dirs.begin(), img.lib_dirs.end(), canon) == img.lib_dirs.end()) img.lib_dirs.push_back(canon);
    }
    for (const char* soname : {"libc.so.6", "libcrypto.so.3"}) {
      for (const auto& d : img.lib_dirs) {
        auto lib = open_regular(img.root.get(), d + "/" + soname);
        if (!lib) continue;
        ImageTools::SealedLib s{soname, std::move(lib->fd), {}};
        s.patches = library_seal_patches_fd(s.file.get(), soname, "", nullptr);
        img.sealed_libs.push_back(std::move(s));
        break;
      }
    }
    return true;
  }

  void add(const std::string& name, const std::string& dir) {
    auto prog = open_regular(img.root.get(), dir + "/" + name);
    if (!prog || !prog->executable) return;
    auto c = classify(prog->fd.get());
    if (!c) {
      img.skipped.push_back(fmt::format("{}: not a program of this machine", name));
      return;
    }
    ImageProgram p{name, prog->path, c->kind, "", "", "", false};
    std::string why;
    if (c->kind == ImageProgram::dynamic_elf && !use_loader(c->interpreter, &why)) {
      img.skipped.push_back(fmt::format("{}: {}", name, why));
      return;
    }
    if (c->kind == ImageProgram::script) {
      // As the kernel splits it: the interpreter, then at most one argument.
      std::string line = c->hashbang;
      size_t b = line.find_first_not_of(" \t");
      if (b == std::string::npos) return;
      size_t e = line.find_first_of(" \t", b);
      p.interpreter_name = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (e != std::string::npos) {
        size_t ab = line.find_first_not_of(" \t", e);
        if (ab != std::string::npos) {
          size_t ae = line.find_last_not_of(" \t\r");
          p.interpreter_arg = line.substr(ab, ae - ab + 1);
        }
      }
      if (p.interpreter_name.empty() || p.interpreter_name[0] != '/') {
        img.skipped.push_back(fmt::format("{}: interpreter {} is not an absolute path", name, p.interpreter_name));
        return;
      }
      auto interp = open_regular(img.root.get(), p.interpreter_name);
      std::optional<Classified> ic;
      if (interp) ic = classify(interp->fd.get());
      if (!interp || !ic || ic->kind == ImageProgram::script) {
        img.skipped.push_back(fmt::format("{}: its interpreter {} is not a program in the image", name,
                                          p.interpreter_name));
        return;
      }
      p.interpreter = interp->path;
      p.interpreter_dynamic = ic->kind == ImageProgram::dynamic_elf;
      if (p.interpreter_dynamic && !use_loader(ic->interpreter, &why)) {
        img.skipped.push_back(fmt::format("{}: {}", name, why));
        return;
      }
    }
    img.programs.push_back(std::move(p));
  }
};

}  // namespace

ImageTools prepare_image_tools(const std::string& data_root, const std::string& reference,
                               const std::vector<std::string>& taken) {
  std::string why;
  auto image = open_docker_image(data_root, reference, &why);
  if (!image) fail("--image {}: {}", reference, why);
  ImageTools img;
  img.reference = reference;
  img.shown = image->shown;
  img.layer_dirs = image->layer_dirs;
  if (img.layer_dirs.empty()) fail("--image {}: it has no layers", reference);
  img.root = mount_layers(img.layer_dirs, img.shown);

  Builder b{img};
  std::vector<std::string> seen = taken;
  for (const auto& dir : image_path_dirs(image->config)) {
    Fd d(open_in_image(img.root.get(), dir, O_RDONLY | O_DIRECTORY));
    if (!d) continue;
    const std::string canon = path_of(d.get());
    DIR* listing = ::fdopendir(d.get());
    if (!listing) continue;
    d.release();
    std::vector<std::string> names;
    while (dirent* e = ::readdir(listing)) {
      std::string n = e->d_name;
      if (n[0] == '.' || !plausible_applet_name(n)) continue;
      names.push_back(std::move(n));
    }
    ::closedir(listing);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
      if (img.programs.size() >= kMaxPrograms) break;
      seen.push_back(n);
      b.add(n, canon);
    }
  }
  if (img.programs.empty()) fail("--image {}: no programs found on its PATH", reference);
  return img;
}

std::string image_launch_file(const ImageTools& img, const std::string& tool_dir) {
  std::string out;
  auto put = [&](std::string_view tag, std::string_view value) {
    out += tag;
    out += '\0';
    out += value;
    out += '\0';
  };
  const std::string root = tool_dir + "/image";
  std::string libpath = tool_dir + "/tools/image/lib";
  for (const auto& d : img.lib_dirs) libpath += ":" + root + d;
  for (const char* d : kDroppedForTools) put("drop", d);
  auto through_loader = [&](const ImageProgram& p) {
    put("exec", tool_dir + "/tools/image/run/" + p.name);
    put("arg", "--library-path");
    put("arg", libpath);
    put("arg", "--preload");
    put("arg", tool_dir + "/libexec/ctrdbg-env.so");
    put("arg", "--argv0");
  };
  for (const auto& p : img.programs) {
    put("prog", p.name);
    switch (p.kind) {
      case ImageProgram::static_elf:
        put("exec", root + p.path);
        break;
      case ImageProgram::dynamic_elf:
        through_loader(p);
        put("argv0", "");
        put("arg", root + p.path);
        break;
      case ImageProgram::script:
        // What the kernel does for "#!INTERP ARG": INTERP [ARG] SCRIPT ARGS..., with
        // argv[0] the interpreter as the script names it.
        if (p.interpreter_dynamic) {
          through_loader(p);
          put("arg", p.interpreter_name);
          put("arg", root + p.interpreter);
        } else {
          put("exec", root + p.interpreter);
          put("self", p.interpreter_name);
        }
        if (!p.interpreter_arg.empty()) put("arg", p.interpreter_arg);
        put("arg", root + p.path);
        break;
    }
  }
  return out;
}

}  // namespace ctrdbg
