// Finding a file (the toolset's busybox) inside an image in Docker's local image
// store by reading the store from disk: no daemon round-trip (dockerd may be hung
// or down), and nothing from the image is ever executed here.
//
// The overlay2 store, under a data-root such as /var/lib/docker:
//   image/overlay2/repositories.json                 "busybox:latest" -> image ID
//   image/overlay2/imagedb/content/sha256/<hex>      the image config: rootfs.diff_ids, bottom first
//   image/overlay2/layerdb/sha256/<chain>/{diff,parent,cache-id}
//   overlay2/<cache-id>/diff                         the layer's files, in overlayfs format
// The layer chain is rebuilt by matching each layerdb entry's `diff` and `parent`
// against the diff_ids (no SHA-256 is computed), and a path is looked up from the
// top layer down the way overlayfs merges them: a 0:0 character device is a
// whiteout, a directory with trusted.overlay.opaque=y hides the layers below it,
// and a symlink inside the image is resolved inside the image, never on the host.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

// Where a file of an image lives on the host, and which image/layer it came from.
struct ImageFile {
  std::string host_path;  // <data_root>/overlay2/<cache-id>/diff/<path>; every directory in it was
                          // checked to be a real directory (no symlink) of that layer
  std::string image;      // the image ID, "sha256:<hex>"
  std::string layer_dir;  // <data_root>/overlay2/<cache-id>/diff
};

// Looks `path_in_image` (e.g. "bin/busybox") up in the image named `reference` ("busybox:latest",
// "busybox" meaning ":latest", or "sha256:<hex>"), in Docker's overlay2 store under data_root
// (e.g. /var/lib/docker). nullopt + *why filled (one short reason) when the image or the file
// is absent or deleted by a whiteout; throws Error for a damaged store (naming the file).
// A symlink as the last component is followed too; only a regular file counts as found.
std::optional<ImageFile> find_file_in_docker_image(const std::string& data_root, const std::string& reference,
                                                    const std::string& path_in_image, std::string* why);

// An image found in the store, for mounting it whole: its ID, how to name it in
// messages ("name:tag (sha256:0123...)"), its config JSON, and its layers'
// directories <data_root>/overlay2/<cache-id>/diff, bottom first, each checked to
// be a directory reached without a symlink. nullopt + *why when the image is not
// in the store; throws Error for a damaged store.
struct DockerImage {
  std::string image_id;
  std::string shown;
  std::string config;
  std::vector<std::string> layer_dirs;
};
std::optional<DockerImage> open_docker_image(const std::string& data_root, const std::string& reference,
                                             std::string* why);

// All tags of repository `repo` ("busybox") in repositories.json, "busybox:latest" first, then sorted.
// Digest references ("busybox@sha256:...") are not tags and are left out. Empty when there is
// no image store; throws Error for a damaged repositories.json.
std::vector<std::string> docker_image_tags(const std::string& data_root, const std::string& repo);

// ---- pure parsers (each throws Error with the reason; the caller adds the file name) ----

// repositories.json: repository -> (reference -> image ID "sha256:<hex>").
using ImageRepositories = std::map<std::string, std::map<std::string, std::string>>;
ImageRepositories parse_repositories_json(std::string_view json);

// The key repositories.json uses for a reference, Docker's "familiar" form:
//   "busybox" -> "busybox:latest", "docker.io/library/busybox:1.36" -> "busybox:1.36",
//   "localhost:5000/app" -> "localhost:5000/app:latest", "busybox@sha256:<hex>" unchanged.
// An image ID ("sha256:<hex>", or the bare 64-hex ID) comes back as "sha256:<hex>".
std::string normalize_image_reference(std::string_view reference);

// True for "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view s);

// The image config's rootfs.diff_ids, bottom layer first (may be empty).
std::vector<std::string> parse_image_diff_ids(std::string_view json);

// A layerdb `diff` or `parent` file: one "sha256:<hex>" (a trailing newline is allowed).
std::string parse_layer_digest(std::string_view text);

// A layerdb `cache-id` file: the name of the layer's directory under <data_root>/overlay2,
// refused unless it is one plain path component.
std::string parse_cache_id(std::string_view text);

// One layerdb entry: its chain ID (the directory name, as "sha256:<hex>"), its `diff`,
// and its `parent` ("" when the file is absent: a bottom layer).
struct LayerRecord {
  std::string chain_id;
  std::string diff_id;
  std::string parent;
};

// The chain IDs of the image's layers, bottom first: layer 0 is the entry with
// diff == diff_ids[0] and no parent, layer i the one with diff == diff_ids[i] and
// parent == chain ID of layer i-1. Throws Error for a missing layer, a chain that
// does not connect (naming the offending <layerdb_dir>/<hex>/parent), or two entries
// that both fit. `layerdb_dir` is only used in messages.
std::vector<std::string> build_layer_chain(const std::vector<std::string>& diff_ids,
                                           const std::vector<LayerRecord>& records, const std::string& layerdb_dir);

// The tags of `repo` in `repos` as docker_image_tags orders them.
std::vector<std::string> image_tags_of(const ImageRepositories& repos, std::string_view repo);

}  // namespace ctrdbg
