// containerd_lookup: runs the containerd on-disk resolver alone, against chosen
// state roots, for tests/integration/test_containerd.sh (until it is wired into
// ctrdbg's resolution chain, and afterwards to test it without the session).
//   containerd_lookup [--task-root DIR]... [--runc-root DIR] containerd NS/ID
//   containerd_lookup [--task-root DIR]... [--runc-root DIR] k8s NS/POD[/CONTAINER]
//   containerd_lookup [--task-root DIR]... [--runc-root DIR] list
// Prints key=value lines (env= once per variable); on Error prints it and exits 125.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ctrdbg/engines/containerd.hpp"
#include "ctrdbg/error.hpp"

namespace {

void print(const ctrdbg::Target& t) {
  std::printf("engine=%s\nid=%s\nname=%s\npid=%d\nstart_time=%llu\ncwd=%s\nuser=%s\nhostname=%s\nimage=%s\n",
              t.engine.c_str(), t.id.c_str(), t.name.c_str(), t.pid, static_cast<unsigned long long>(t.start_time),
              t.working_dir.c_str(), t.user.c_str(), t.hostname.c_str(), t.image.c_str());
  for (const auto& e : t.env) std::printf("env=%s\n", e.c_str());
  std::printf("source=%s\n", t.source.c_str());
}

int usage() {
  std::fprintf(stderr,
               "usage: containerd_lookup [--task-root DIR]... [--runc-root DIR] "
               "(containerd NS/ID | k8s NS/POD[/CONTAINER] | list)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ctrdbg::ContainerdLayout layout;
  std::vector<std::string> roots;
  int i = 1;
  for (; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--task-root") == 0) {
      roots.emplace_back(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--runc-root") == 0) {
      layout.runc_root = argv[i + 1];
    } else {
      break;
    }
  }
  if (!roots.empty()) layout.task_roots = roots;
  if (i >= argc) return usage();
  const std::string verb = argv[i];
  try {
    if (verb == "list" && i + 1 == argc) {
      for (const auto& t : ctrdbg::list_containerd_tasks(layout))
        std::printf("%s %s %s %d\n", t.engine.c_str(), t.name.c_str(), t.id.c_str(), t.pid);
    } else if (verb == "containerd" && i + 2 == argc) {
      print(ctrdbg::resolve_via_containerd(argv[i + 1], layout));
    } else if (verb == "k8s" && i + 2 == argc) {
      print(ctrdbg::resolve_via_k8s(argv[i + 1], layout));
    } else {
      return usage();
    }
  } catch (const ctrdbg::Error& e) {
    std::fprintf(stderr, "containerd_lookup: error: %s\n", e.what());
    return e.exit_code();
  }
  return 0;
}
