// Resolution from containerd's runtime v2 task state on disk: no containerd API,
// no gRPC, so it works while containerd is hung, restarting or gone (its shims
// keep the containers running) and needs nothing but read access to /run.
//
// Each running task has a directory <task root>/<namespace>/<id>/ written by
// containerd when the task is created:
//   config.json   the OCI runtime spec (env, cwd, user, hostname, cgroupsPath,
//                 annotations — Kubernetes' CRI plugin records pod and container
//                 names there)
//   init.pid      the init process, in the host PID namespace
//   options.json  the runc shim's options; "root" is runc's state root
//                 (default /run/containerd/runc), where runc keeps
//                 <root>/<namespace>/<id>/state.json with the init PID and its
//                 start time
// The task directory outlives its process (until `ctr task delete`, or after a
// crash), so init.pid is believed only when the live process matches: runc's
// recorded start time, or without runc state, the task's cgroup.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/engines/docker_disk.hpp"  // parse_init_pid reads init.pid; parse_runc_state runc's state.json
#include "ctrdbg/target.hpp"

namespace ctrdbg {

struct ContainerdLayout {
  // Task state roots; <root>/<namespace>/<id>/{init.pid,config.json,...}
  std::vector<std::string> task_roots = {"/run/containerd/io.containerd.runtime.v2.task",
                                         "/run/docker/containerd/daemon/io.containerd.runtime.v2.task"};
  // runc's state root when a task's options.json names none (the runc shim's default).
  std::string runc_root = "/run/containerd/runc";
};

// "NS/ID" or "ID" (any namespace; unique ID prefix allowed). Throws Error: not found (saying which
// roots/namespaces were searched), ambiguous (listing "ns/id" matches), stale (init.pid names no live
// process or a different one).
Target resolve_via_containerd(const std::string& ns_and_id, const ContainerdLayout& layout);
// The same, with "no such task" as nullopt (`not_found` says why) instead of an Error
// (see find_via_podman).
std::optional<Target> find_via_containerd(const std::string& ns_and_id, const ContainerdLayout& layout,
                                          std::string* not_found);

// k8s://NAMESPACE/POD[/CONTAINER] (the "k8s://" is optional here): matched through the CRI
// annotations in each task's config.json, never the pod's sandbox (pause) container. Without
// CONTAINER: the pod's only container, or an Error listing them.
Target resolve_via_k8s(const std::string& ns_pod_container, const ContainerdLayout& layout);

// Every task whose process is alive and checks out, sorted by name: engine "containerd"
// (name "NS/ID") or "k8s" (name "POD/CONTAINER"); pod sandboxes are left out, and so is
// namespace `except_ns` (not even read). Tasks that cannot be read or are stale are
// skipped: one damaged directory must not hide the rest.
std::vector<Target> list_containerd_tasks(const ContainerdLayout& layout, std::string_view except_ns = {});

// ---- pure parsers (each throws Error saying what is wrong, without the file name) ----

// What ctrdbg needs from an OCI runtime spec (config.json).
struct OciConfig {
  std::vector<std::string> env;  // process.env
  std::string cwd;               // process.cwd
  std::string user;              // "uid:gid" from process.user, "" when absent
  std::string hostname;
  std::string cgroups_path;      // linux.cgroupsPath
  std::map<std::string, std::string> annotations;  // string values only
};
OciConfig parse_oci_config(std::string_view json);

// options.json of the runc shim -> runc's state root ("root"), "" when not set.
std::string parse_shim_options_root(std::string_view json);

// "NS/ID" or "ID" (an optional "containerd://" in front). Throws Error for anything
// that is not a containerd identifier (which also keeps ".." and '/' out of paths).
struct ContainerdRef {
  std::string ns;  // "" = any namespace
  std::string id;  // full ID or a prefix of one
};
ContainerdRef parse_containerd_ref(std::string_view text);

// "NAMESPACE/POD[/CONTAINER]" (an optional "k8s://" in front).
struct K8sRef {
  std::string ns;
  std::string pod;
  std::string container;  // "" = the pod's only container
};
K8sRef parse_k8s_ref(std::string_view text);

// The last path component of an OCI cgroupsPath as it appears in /proc/PID/cgroup:
// "/default/web" -> "web"; systemd form "slice:prefix:name" -> "prefix-name.scope"
// (runc's naming); "" when there is nothing to check against.
std::string cgroup_leaf(std::string_view cgroups_path);

// True when some line of /proc/PID/cgroup has `leaf` as a whole path component
// (the leaf, not the full path: a cgroup namespace may hide the prefix).
bool cgroup_has_leaf(std::string_view proc_cgroup, std::string_view leaf);

}  // namespace ctrdbg
