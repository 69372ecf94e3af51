// image_lookup: find_file_in_docker_image / docker_image_tags from the command
// line, for tests/integration/test_toolset_image.sh (reads the store from disk;
// works with dockerd stopped).
//   image_lookup [--data-root DIR] REFERENCE PATH   prints the host path (exit 0; the image,
//                                                   layer and time taken on stderr),
//                                                   or "not found: REASON" on stderr (exit 1)
//   image_lookup [--data-root DIR] --tags REPO      prints one tag a line
// A damaged store: "image_lookup: error: ..." on stderr, exit 2.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "ctrdbg/error.hpp"
#include "ctrdbg/image_store.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string data_root = "/var/lib/docker";
  if (args.size() >= 2 && args[0] == "--data-root") {
    data_root = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  try {
    if (args.size() == 2 && args[0] == "--tags") {
      for (const auto& tag : ctrdbg::docker_image_tags(data_root, args[1])) std::printf("%s\n", tag.c_str());
      return 0;
    }
    if (args.size() != 2 || args[0].starts_with("-")) {
      std::fprintf(stderr, "usage: image_lookup [--data-root DIR] REFERENCE PATH | --tags REPO\n");
      return 2;
    }
    std::string why;
    auto started = std::chrono::steady_clock::now();
    auto found = ctrdbg::find_file_in_docker_image(data_root, args[0], args[1], &why);
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (!found) {
      std::fprintf(stderr, "not found: %s\n", why.c_str());
      return 1;
    }
    std::printf("%s\n", found->host_path.c_str());
    std::fprintf(stderr, "image %s, layer %s, looked up in %lld us\n", found->image.c_str(), found->layer_dir.c_str(),
                 static_cast<long long>(took.count()));
    return 0;
  } catch (const ctrdbg::Error& e) {
    std::fprintf(stderr, "image_lookup: error: %s\n", e.what());
    return 2;
  }
}
