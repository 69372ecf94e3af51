#include "ctrdbg/image_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <deque>
#include <memory>

#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

constexpr size_t kMaxSmallFile = 4096;          // diff, parent, cache-id
constexpr size_t kMaxJsonFile = 16u << 20;      // repositories.json, image configs (long histories)
constexpr int kMaxSymlinkHops = 40;             // the kernel's MAXSYMLINKS
constexpr size_t kMaxPathSteps = 4096;          // components walked in all, symlink targets included

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

// "sha256:0123456789ab" for messages.
std::string short_id(const std::string& id) { return id.substr(0, 7 + 12); }

// Where the repository name ends in a normalized reference: at '@' for a digest
// reference, else at the tag's ':' (the last ':' after the last '/': a registry
// port "localhost:5000/app" is no tag).
std::string repository_of(std::string_view ref) {
  if (auto at = ref.find('@'); at != std::string_view::npos) return std::string(ref.substr(0, at));
  auto colon = ref.rfind(':');
  auto slash = ref.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    return std::string(ref.substr(0, colon));
  return std::string(ref);
}

bool valid_path_component(std::string_view c) {
  if (c.empty() || c.size() > 255) return false;
  auto alnum = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); };
  if (!alnum(c.front()) || !alnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [&](char ch) { return alnum(ch) || ch == '.' || ch == '_' || ch == '-'; });
}

// A registry: host labels separated by '.', and an optional ":port".
bool valid_domain(std::string_view d) {
  auto colon = d.find(':');
  std::string_view host = d.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return false;
  }
  if (host.empty()) return false;
  for (size_t start = 0;;) {
    size_t end = host.find('.', start);
    std::string_view label = host.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (label.empty() || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
        }))
      return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || t.front() == '.' || t.front() == '-') return false;
  return std::all_of(t.begin(), t.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '-';
  });
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Reads a file of the store relative to `dir`; nullopt when it does not exist.
// Anything else (unreadable, larger than `limit`) is a damaged store: Error
// naming `shown`, the file's full path.
std::optional<std::string> read_store_file(int dir, const std::string& rel, size_t limit, const std::string& shown) {
  Fd fd(::openat(dir, rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno("{}", shown);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) < 0) fail_errno("{}", shown);
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", shown);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("{}", shown);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) fail("{}: larger than {} bytes", shown, limit);
  }
  return out;
}

template <typename T, typename Parse>
T parse_file(const std::string& text, const std::string& shown, Parse parse) {
  try {
    return parse(text);
  } catch (const Error& e) {
    throw e.context(shown);
  }
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// A directory of one layer that takes part in a directory of the merged view.
struct LayerDir {
  size_t layer = 0;  // index into the chain, 0 = bottom
  Fd fd;             // O_RDONLY | O_DIRECTORY, opened with O_NOFOLLOW all the way from the layer root
  std::string host;  // its host path, for messages and the result
};
using MergedDir = std::vector<LayerDir>;  // top layer first

struct Layer {
  std::string diff_path;  // <data_root>/overlay2/<cache-id>/diff
  Fd root;
};

// What a name is in the merged view of the layers.
struct Entry {
  enum Kind { absent, whiteout, directory, regular, symlink, other } kind = absent;
  size_t layer = 0;   // the top-most layer that decides it
  MergedDir dirs;     // directory: its layers, top first
  std::string host;   // regular, symlink, other: host path of the entry in `layer`
  std::string link;   // symlink: its target
};

bool is_opaque(int dirfd, const std::string& shown) {
  char value[8];
  ssize_t n = ::fgetxattr(dirfd, "trusted.overlay.opaque", value, sizeof value);
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP || errno == ERANGE) return false;
    fail_errno("{}: read xattr trusted.overlay.opaque", shown);
  }
  return n == 1 && value[0] == 'y';
}

// Looks `name` up in a merged directory the way overlayfs does: the top-most layer
// that has the name decides what it is; a whiteout there deletes it; a directory
// merges with the directories of the same name below it, down to the first
// opaque one, whiteout or non-directory.
Entry lookup(const MergedDir& dir, const std::string& name) {
  Entry e;
  for (const LayerDir& d : dir) {
    struct stat st{};
    if (::fstatat(d.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) continue;
      fail_errno("{}/{}", d.host, name);
    }
    std::string host = d.host + "/" + name;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      if (e.kind == Entry::absent) {
        e.kind = Entry::whiteout;
        e.layer = d.layer;
      }
      break;  // nothing below a whiteout shows through
    }
    if (S_ISDIR(st.st_mode)) {
      if (e.kind == Entry::absent) {
        e.kind = Entry::directory;
        e.layer = d.layer;
      }
      Fd sub(::openat(d.fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) fail_errno("{}", host);
      bool opaque = is_opaque(sub.get(), host);
      e.dirs.push_back(LayerDir{d.layer, std::move(sub), std::move(host)});
      if (opaque) break;
      continue;
    }
    // A non-directory: decides the name when it is the top-most; below a
    // directory it ends the merge (overlayfs stops at a lower non-directory).
    if (e.kind != Entry::absent) break;
    e.layer = d.layer;
    e.host = std::move(host);
    if (S_ISREG(st.st_mode)) {
      e.kind = Entry::regular;
    } else if (S_ISLNK(st.st_mode)) {
      e.kind = Entry::symlink;
      char target[PATH_MAX];
      ssize_t n = ::readlinkat(d.fd.get(), name.c_str(), target, sizeof target);
      if (n < 0) fail_errno("{}: readlink", e.host);
      if (static_cast<size_t>(n) >= sizeof target) fail("{}: symlink target too long", e.host);
      e.link.assign(target, static_cast<size_t>(n));
    } else {
      e.kind = Entry::other;
    }
    break;
  }
  return e;
}

MergedDir merged_root(const std::vector<Layer>& layers) {
  MergedDir root;
  for (size_t i = layers.size(); i-- > 0;) {
    Fd fd(::fcntl(layers[i].root.get(), F_DUPFD_CLOEXEC, 0));
    if (!fd) fail_errno("{}", layers[i].diff_path);
    root.push_back(LayerDir{i, std::move(fd), layers[i].diff_path});
  }
  return root;
}

std::string in_image_path(const std::vector<std::string>& resolved, const std::string& name = "") {
  std::string out;
  for (const auto& c : resolved) out += "/" + c;
  if (!name.empty()) out += "/" + name;
  return out.empty() ? "/" : out;
}

// The merged view's `path`: resolves components (symlinks inside the image, ".."
// clamped at its root) and returns the regular file's entry, or nullopt with the
// reason. Only directories already checked with O_NOFOLLOW are ever descended into.
std::optional<Entry> resolve_in_layers(const std::vector<Layer>& layers, const std::string& path, std::string& why) {
  std::deque<std::string> todo;
  for (auto& c : split_path(path)) todo.push_back(std::move(c));
  std::vector<std::string> resolved;
  MergedDir cur = merged_root(layers);
  int hops = 0;
  size_t steps = 0;
  const size_t n_layers = layers.size();

  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (++steps > kMaxPathSteps) {
      why = "path too long (symlinks)";
      return std::nullopt;
    }
    if (name == ".") continue;
    if (name == "..") {
      // Within the image ".." of the root is the root. The parent is walked
      // again from the top: only real directories are on that path.
      if (resolved.empty()) continue;
      resolved.pop_back();
      cur = merged_root(layers);
      for (const auto& c : resolved) {
        Entry e = lookup(cur, c);
        if (e.kind != Entry::directory) fail("{}: changed while being read", in_image_path(resolved));
        cur = std::move(e.dirs);
      }
      continue;
    }
    const bool last = todo.empty();
    Entry e = lookup(cur, name);
    const std::string shown = in_image_path(resolved, name);
    switch (e.kind) {
      case Entry::absent:
        why = fmt::format("no {}", shown);
        return std::nullopt;
      case Entry::whiteout:
        why = fmt::format("{} is deleted (whiteout in layer {} of {})", shown, e.layer + 1, n_layers);
        return std::nullopt;
      case Entry::directory:
        if (last) {
          why = fmt::format("{} is a directory", shown);
          return std::nullopt;
        }
        resolved.push_back(name);
        cur = std::move(e.dirs);
        break;
      case Entry::symlink: {
        if (++hops > kMaxSymlinkHops) {
          why = fmt::format("too many levels of symbolic links at {}", shown);
          return std::nullopt;
        }
        if (e.link.empty()) {
          why = fmt::format("{} is an empty symlink", shown);
          return std::nullopt;
        }
        auto target = split_path(e.link);
        todo.insert(todo.begin(), target.begin(), target.end());
        if (e.link.front() == '/') {
          resolved.clear();
          cur = merged_root(layers);
        }
        break;
      }
      case Entry::regular:
        if (last) return e;
        why = fmt::format("{} is not a directory", shown);
        return std::nullopt;
      case Entry::other:
        why = fmt::format("{} is not a {}", shown, last ? "regular file" : "directory");
        return std::nullopt;
    }
  }
  why = fmt::format("{} is a directory", in_image_path(resolved));
  return std::nullopt;
}

Fd open_dir(int at, const std::string& rel, int extra_flags = 0) {
  return Fd(::openat(at, rel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags));
}

}  // namespace

bool is_sha256_digest(std::string_view s) {
  return s.size() == 7 + 64 && s.starts_with("sha256:") && is_lower_hex(s.substr(7));
}

std::string normalize_image_reference(std::string_view reference) {
  auto bad = [&](const char* why) { return Error(fmt::format("invalid image reference '{}': {}", reference, why)); };
  if (reference.empty()) throw bad("empty");
  if (reference.starts_with("sha256:")) {
    if (!is_sha256_digest(reference)) throw bad("an image ID is sha256: and 64 hex digits");
    return std::string(reference);
  }
  if (reference.size() == 64 && is_lower_hex(reference)) return "sha256:" + std::string(reference);

  std::string_view name = reference;
  std::string digest;
  if (auto at = name.find('@'); at != std::string_view::npos) {
    digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
    if (!is_sha256_digest(digest)) throw bad("a digest is sha256: and 64 hex digits");
  }
  std::string tag;
  auto colon = name.rfind(':');
  auto slash = name.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
    if (!valid_tag(tag)) throw bad("bad tag");
  }

  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t end = name.find('/', start);
    parts.push_back(name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // A first component with '.' or ':' (or "localhost") is a registry; Docker
  // stores Docker Hub names in their short form ("busybox", "user/app").
  std::string domain;
  if (parts.size() > 1 &&
      (parts[0].find_first_of(".:") != std::string_view::npos || parts[0] == "localhost")) {
    if (!valid_domain(parts[0])) throw bad("bad registry name");
    domain = std::string(parts[0]);
    parts.erase(parts.begin());
  }
  for (auto p : parts)
    if (!valid_path_component(p)) throw bad("bad repository name");
  if (domain == "docker.io" || domain == "index.docker.io") {
    domain.clear();
    if (parts.size() == 2 && parts[0] == "library") parts.erase(parts.begin());
    // Docker Hub's short form would read back as a registry ("docker.io/a.b/c" -> "a.b/c"),
    // a different image; no Hub namespace looks like that (a fuzz finding).
    if (parts.size() > 1 && (parts[0].find('.') != std::string_view::npos || parts[0] == "localhost"))
      throw bad("a Docker Hub namespace that looks like a registry name");
  }
  std::string out = domain;
  for (auto p : parts) out += (out.empty() ? "" : "/") + std::string(p);
  // "sha256:<tag>" would read back as an (invalid) image ID (a fuzz finding).
  if (out == "sha256") throw bad("a repository named sha256 cannot be told from an image ID");
  if (!digest.empty()) return out + "@" + digest;
  return out + ":" + (tag.empty() ? "latest" : tag);
}

ImageRepositories parse_repositories_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  auto repos = doc.find("Repositories");
  if (repos == doc.end()) throw Error("no \"Repositories\"");
  ImageRepositories out;
  if (repos->is_null()) return out;
  if (!repos->is_object()) throw Error("\"Repositories\" is not an object");
  for (const auto& [repo, refs] : repos->items()) {
    if (!refs.is_object()) throw Error(fmt::format("\"Repositories\".\"{}\" is not an object", repo));
    auto& into = out[repo];
    for (const auto& [ref, id] : refs.items()) {
      if (!id.is_string() || !is_sha256_digest(id.get_ref<const std::string&>()))
        throw Error(fmt::format("bad image ID for \"{}\"", ref));
      into[ref] = id.get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> parse_image_diff_ids(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  auto rootfs = doc.find("rootfs");
  if (rootfs == doc.end() || !rootfs->is_object()) throw Error("no \"rootfs\"");
  auto type = rootfs->find("type");
  if (type != rootfs->end() && (!type->is_string() || type->get_ref<const std::string&>() != "layers"))
    throw Error("\"rootfs.type\" is not \"layers\"");
  std::vector<std::string> out;
  auto ids = rootfs->find("diff_ids");
  // Docker omits diff_ids for an image without layers.
  if (ids == rootfs->end() || ids->is_null()) return out;
  if (!ids->is_array()) throw Error("\"rootfs.diff_ids\" is not an array");
  for (const auto& id : *ids) {
    if (!id.is_string() || !is_sha256_digest(id.get_ref<const std::string&>()))
      throw Error(fmt::format("bad \"rootfs.diff_ids\"[{}]", out.size()));
    out.push_back(id.get<std::string>());
  }
  return out;
}

std::string parse_layer_digest(std::string_view text) {
  text = trim_newline(text);
  if (!is_sha256_digest(text)) throw Error("not a sha256 digest");
  return std::string(text);
}

std::string parse_cache_id(std::string_view text) {
  text = trim_newline(text);
  bool ok = !text.empty() && text.size() <= 255 && text != "." && text != ".." &&
            std::all_of(text.begin(), text.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.';
            });
  if (!ok) throw Error("not a plain directory name");
  return std::string(text);
}

std::vector<std::string> build_layer_chain(const std::vector<std::string>& diff_ids,
                                           const std::vector<LayerRecord>& records, const std::string& layerdb_dir) {
  auto entry = [&](const LayerRecord& r) { return layerdb_dir + "/" + r.chain_id.substr(7); };
  std::vector<std::string> chain;
  const size_t n = diff_ids.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string want_parent = i == 0 ? std::string() : chain.back();
    std::vector<const LayerRecord*> same_diff, match;
    for (const auto& r : records) {
      if (r.diff_id != diff_ids[i]) continue;
      same_diff.push_back(&r);
      if (r.parent == want_parent) match.push_back(&r);
    }
    if (match.size() > 1)
      fail("{} and {}: both claim to be layer {} of {} ({})", entry(*match[0]), entry(*match[1]), i + 1, n,
           diff_ids[i]);
    if (match.size() == 1) {
      chain.push_back(match[0]->chain_id);
      continue;
    }
    if (same_diff.empty())
      fail("{}: layer {} of {} ({}) is missing: no entry has that diff", layerdb_dir, i + 1, n, diff_ids[i]);
    const LayerRecord& r = *same_diff[0];
    if (i == 0)
      fail("{}/parent: names {}, but layer 1 of {} is the bottom one: the layer chain does not connect", entry(r),
           r.parent, n);
    if (r.parent.empty())
      fail("{}/parent: missing, expected {} (layer {} of {}): the layer chain does not connect", entry(r),
           want_parent, i + 1, n);
    fail("{}/parent: names {}, expected {} (layer {} of {}): the layer chain does not connect", entry(r), r.parent,
         want_parent, i + 1, n);
  }
  return chain;
}

std::vector<std::string> image_tags_of(const ImageRepositories& repos, std::string_view repo) {
  const std::string name = repository_of(normalize_image_reference(repo));
  std::vector<std::string> tags;
  auto it = repos.find(name);
  if (it == repos.end()) return tags;
  const std::string latest = name + ":latest";
  bool has_latest = false;
  for (const auto& [ref, id] : it->second) {
    if (!ref.starts_with(name + ":") || ref.find('@') != std::string::npos) continue;
    if (ref == latest)
      has_latest = true;
    else
      tags.push_back(ref);
  }
  std::sort(tags.begin(), tags.end());
  if (has_latest) tags.insert(tags.begin(), latest);
  return tags;
}

std::vector<std::string> docker_image_tags(const std::string& data_root, const std::string& repo) {
  const std::string path = data_root + "/image/overlay2/repositories.json";
  auto text = read_store_file(AT_FDCWD, path, kMaxJsonFile, path);
  if (!text) return {};
  auto repos = parse_file<ImageRepositories>(*text, path, parse_repositories_json);
  return image_tags_of(repos, repo);
}

namespace {

// An image of the store, its layers opened: what find_file_in_docker_image and
// open_docker_image share.
struct LoadedImage {
  std::string image_id, shown, config;
  std::vector<Layer> layers;  // bottom first
};

std::optional<LoadedImage> load_docker_image(const std::string& data_root, const std::string& reference,
                                             std::string* why) {
  auto absent = [&](std::string r) -> std::optional<LoadedImage> {
    if (why) *why = std::move(r);
    return std::nullopt;
  };

  const std::string ref = normalize_image_reference(reference);
  Fd root = open_dir(AT_FDCWD, data_root);
  if (!root) {
    if (errno == ENOENT) return absent(fmt::format("no Docker data root {}", data_root));
    fail_errno("{}", data_root);
  }
  const std::string store = data_root + "/image/overlay2";
  Fd store_fd = open_dir(root.get(), "image/overlay2");
  if (!store_fd) {
    if (errno == ENOENT) return absent(fmt::format("no overlay2 image store in {}", data_root));
    fail_errno("{}", store);
  }

  // The image ID, from the reference or repositories.json.
  std::string image_id;
  std::string shown_image;
  if (is_sha256_digest(ref)) {
    image_id = ref;
    shown_image = short_id(ref);
  } else {
    const std::string path = store + "/repositories.json";
    auto text = read_store_file(store_fd.get(), "repositories.json", kMaxJsonFile, path);
    if (!text) return absent(fmt::format("no image {}: no {}", ref, path));
    auto repos = parse_file<ImageRepositories>(*text, path, parse_repositories_json);
    auto r = repos.find(repository_of(ref));
    if (r == repos.end() || !r->second.contains(ref)) return absent(fmt::format("no image {} in {}", ref, path));
    image_id = r->second.at(ref);
    shown_image = fmt::format("{} ({})", ref, short_id(image_id));
  }

  const std::string config_rel = "imagedb/content/sha256/" + image_id.substr(7);
  const std::string config_path = store + "/" + config_rel;
  auto config = read_store_file(store_fd.get(), config_rel, kMaxJsonFile, config_path);
  if (!config) {
    if (ref == image_id) return absent(fmt::format("no image {} in {}", ref, store));
    fail("{}: missing, though {}/repositories.json names it for {}", config_path, store, ref);
  }
  auto diff_ids = parse_file<std::vector<std::string>>(*config, config_path, parse_image_diff_ids);
  if (diff_ids.empty()) return absent(fmt::format("image {} has no layers", shown_image));

  // Every layerdb entry's diff; the parent only of those that can be in this image.
  const std::string layerdb = store + "/layerdb/sha256";
  Fd layerdb_fd = open_dir(store_fd.get(), "layerdb/sha256");
  if (!layerdb_fd) fail_errno("{}", layerdb);
  std::vector<LayerRecord> records;
  {
    Fd listing(::fcntl(layerdb_fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!listing) fail_errno("{}", layerdb);
    std::unique_ptr<DIR, DirCloser> d(::fdopendir(listing.get()));
    if (!d) fail_errno("{}", layerdb);
    listing.release();
    while (dirent* de = ::readdir(d.get())) {
      std::string_view name = de->d_name;
      if (name.size() != 64 || !is_lower_hex(name)) continue;  // "." "..", not an entry
      const std::string entry = layerdb + "/" + std::string(name);
      auto diff = read_store_file(layerdb_fd.get(), std::string(name) + "/diff", kMaxSmallFile, entry + "/diff");
      if (!diff) fail("{}/diff: missing", entry);
      LayerRecord r;
      r.chain_id = "sha256:" + std::string(name);
      r.diff_id = parse_file<std::string>(*diff, entry + "/diff", parse_layer_digest);
      if (std::find(diff_ids.begin(), diff_ids.end(), r.diff_id) == diff_ids.end()) continue;
      if (auto parent =
              read_store_file(layerdb_fd.get(), std::string(name) + "/parent", kMaxSmallFile, entry + "/parent"))
        r.parent = parse_file<std::string>(*parent, entry + "/parent", parse_layer_digest);
      records.push_back(std::move(r));
    }
  }
  std::vector<std::string> chain = build_layer_chain(diff_ids, records, layerdb);

  // Each layer's directory, opened without following a symlink past overlay2/.
  Fd overlay = open_dir(root.get(), "overlay2");
  if (!overlay) fail_errno("{}/overlay2", data_root);
  std::vector<Layer> layers;
  for (const auto& chain_id : chain) {
    const std::string hex = chain_id.substr(7);
    const std::string cache_path = layerdb + "/" + hex + "/cache-id";
    auto cache_text = read_store_file(layerdb_fd.get(), hex + "/cache-id", kMaxSmallFile, cache_path);
    if (!cache_text) fail("{}: missing", cache_path);
    const std::string cache_id = parse_file<std::string>(*cache_text, cache_path, parse_cache_id);
    Layer layer;
    layer.diff_path = data_root + "/overlay2/" + cache_id + "/diff";
    Fd cache_dir = open_dir(overlay.get(), cache_id, O_NOFOLLOW);
    if (cache_dir) layer.root = open_dir(cache_dir.get(), "diff", O_NOFOLLOW);
    if (!layer.root) {
      int err = errno;
      fail("{} (layer {} of {} of image {}; its cache-id: {})", errno_message(layer.diff_path, err), layers.size() + 1,
           chain.size(), shown_image, cache_path);
    }
    layers.push_back(std::move(layer));
  }
  return LoadedImage{image_id, shown_image, std::move(*config), std::move(layers)};
}

}  // namespace

std::optional<ImageFile> find_file_in_docker_image(const std::string& data_root, const std::string& reference,
                                                    const std::string& path_in_image, std::string* why) {
  auto image = load_docker_image(data_root, reference, why);
  if (!image) return std::nullopt;
  std::string reason;
  auto found = resolve_in_layers(image->layers, path_in_image, reason);
  if (!found) {
    if (why) *why = fmt::format("{} in image {}", reason, image->shown);
    return std::nullopt;
  }
  return ImageFile{found->host, image->image_id, image->layers[found->layer].diff_path};
}

std::optional<DockerImage> open_docker_image(const std::string& data_root, const std::string& reference,
                                             std::string* why) {
  auto image = load_docker_image(data_root, reference, why);
  if (!image) return std::nullopt;
  DockerImage out{image->image_id, image->shown, std::move(image->config), {}};
  for (const auto& l : image->layers) out.layer_dirs.push_back(l.diff_path);
  return out;
}

}  // namespace ctrdbg
