// libFuzzer target: containerd's task state parsers (include/ctrdbg/engines/containerd.hpp):
// parse_oci_config (config.json), parse_shim_options_root (options.json),
// parse_containerd_ref and parse_k8s_ref (the user's TARGET), cgroup_leaf and
// cgroup_has_leaf (/proc/PID/cgroup checks). Each parser gets the whole input;
// cgroup_has_leaf gets "cgroup-file\0leaf" (the text after the last NUL).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctrdbg/engines/containerd.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

namespace {

// What may safely be joined into a path below a state root.
bool safe_component(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\0') == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  fuzz::run([&] {
    ctrdbg::OciConfig c = ctrdbg::parse_oci_config(in);
    FUZZ_CHECK(c.user.empty() || c.user.find(':') != std::string::npos, "user '%s'", c.user.c_str());
    std::string leaf = ctrdbg::cgroup_leaf(c.cgroups_path);
    (void)ctrdbg::cgroup_has_leaf(in, leaf);
  });

  fuzz::run([&] {
    std::string root = ctrdbg::parse_shim_options_root(in);
    FUZZ_CHECK(root.empty() || root[0] == '/', "options.json root '%s' is not absolute", root.c_str());
  });

  fuzz::run([&] {
    ctrdbg::ContainerdRef ref = ctrdbg::parse_containerd_ref(in);
    // Both end up in paths: <root>/<ns>/<id...>.
    FUZZ_CHECK(ref.ns.empty() || safe_component(ref.ns), "namespace '%s' unsafe in a path", ref.ns.c_str());
    FUZZ_CHECK(safe_component(ref.id), "ID '%s' unsafe in a path", ref.id.c_str());
  });

  fuzz::run([&] {
    ctrdbg::K8sRef ref = ctrdbg::parse_k8s_ref(in);
    FUZZ_CHECK(!ref.ns.empty() && !ref.pod.empty(), "empty namespace or pod");
    FUZZ_CHECK(ref.ns.find('/') == std::string::npos && ref.pod.find('/') == std::string::npos &&
                   ref.container.find('/') == std::string::npos,
               "a '/' inside a part");
  });

  fuzz::run([&] {
    std::string leaf = ctrdbg::cgroup_leaf(in);
    FUZZ_CHECK(leaf.size() <= in.size() + 7, "leaf longer than its path");
  });

  const auto split = fuzz::split_last_nul(in, "web");
  const std::string_view cgroup = split.first, leaf = split.second;
  fuzz::run([&] {
    bool has = ctrdbg::cgroup_has_leaf(cgroup, leaf);
    FUZZ_CHECK(!has || (!leaf.empty() && cgroup.find(leaf) != std::string_view::npos), "leaf found where it is not");
  });
  return 0;
}
