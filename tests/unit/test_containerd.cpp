// containerd on disk: the config.json / options.json parsers, TARGET syntax, and
// resolution over a fake task-state tree whose "running" tasks are this test
// process itself (a PID that exists, with a start time to record in runc's state).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ctrdbg/engines/containerd.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"
#include "unit_helpers.hpp"

using namespace ctrdbg;
using unit::error_of;
using unit::own_start_time;
using unit::write_file;
namespace fs = std::filesystem;

namespace {

// Very likely free (PID_MAX_LIMIT - 1), and a valid PID.
constexpr long kDeadPid = 4194303;

// A real cgroup leaf of this process when it has one ("" when it sits at the root,
// as in some containers), so the cgroup check can be made to pass.
std::string own_cgroup_leaf() {
  auto cg = read_small_file(AT_FDCWD, "/proc/self/cgroup");
  REQUIRE(cg);
  size_t nl = cg->find('\n');
  std::string line = cg->substr(0, nl);
  return cgroup_leaf(line.substr(line.rfind(':') + 1));
}

std::string json_string(const std::string& s) { return "\"" + s + "\""; }

struct Spec {
  std::vector<std::pair<std::string, std::string>> annotations;
  std::string cgroups_path;
  std::string cwd = "/srv";
  std::string hostname = "box";
};

std::string oci_config(const Spec& s) {
  std::string ann;
  for (const auto& [k, v] : s.annotations) ann += (ann.empty() ? "" : ",") + json_string(k) + ":" + json_string(v);
  return R"({"ociVersion":"1.0.2-dev","process":{"user":{"uid":1000,"gid":100,"additionalGids":[100]},)"
         R"("args":["sleep","inf"],"env":["PATH=/usr/bin:/bin","A=1"],"cwd":")" + s.cwd + R"("},)"
         R"("root":{"path":"rootfs"},"hostname":")" + s.hostname + R"(",)"
         R"("annotations":{)" + ann + R"(},"linux":{"cgroupsPath":")" + s.cgroups_path + R"(",)"
         R"("seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}})";
}

// Two task roots (the second absent), runc's default root, all in a temp dir.
struct FakeContainerd {
  unit::ScratchDir scratch{"containerd"};
  fs::path root = scratch.path;
  ContainerdLayout layout;
  long pid = ::getpid();
  std::uint64_t start = own_start_time();

  FakeContainerd() {
    fs::create_directories(root / "tasks");
    layout.task_roots = {(root / "tasks").string(), (root / "no-such-root").string()};
    layout.runc_root = (root / "runc").string();
  }

  fs::path task_dir(const std::string& ns, const std::string& id) const { return root / "tasks" / ns / id; }

  // A running task: config.json, init.pid and runc's state.json agreeing with /proc.
  void task(const std::string& ns, const std::string& id, const Spec& spec = {}) {
    write_file(task_dir(ns, id) / "config.json", oci_config(spec));
    write_file(task_dir(ns, id) / "init.pid", std::to_string(pid));
    runc(layout.runc_root, ns, id, pid, start);
  }
  void runc(const fs::path& runc_root, const std::string& ns, const std::string& id, long p, std::uint64_t t) {
    write_file(runc_root / ns / id / "state.json",
               R"({"id":")" + id + R"(","init_process_pid":)" + std::to_string(p) + R"(,"init_process_start":)" +
                   std::to_string(t) + R"(,"config":{}})");
  }
  // A CRI task of pod NS/POD in containerd namespace k8s.io.
  void cri(const std::string& id, const std::string& type, const std::string& pod_ns, const std::string& pod,
           const std::string& container = "", const std::string& sandbox_id = "") {
    Spec s;
    s.annotations = {{"io.kubernetes.cri.container-type", type}, {"io.kubernetes.cri.sandbox-id", sandbox_id}};
    if (!pod.empty()) {
      s.annotations.emplace_back("io.kubernetes.cri.sandbox-namespace", pod_ns);
      s.annotations.emplace_back("io.kubernetes.cri.sandbox-name", pod);
    }
    if (!container.empty()) {
      s.annotations.emplace_back("io.kubernetes.cri.container-name", container);
      s.annotations.emplace_back("io.kubernetes.cri.image-name", "registry.local/" + container + ":1");
    }
    task("k8s.io", id, s);
  }
};

}  // namespace

TEST_CASE("parse_oci_config takes env, cwd, uid:gid, hostname, cgroupsPath, annotations") {
  Spec s;
  s.annotations = {{"io.kubernetes.cri.container-type", "container"}, {"x", "y"}};
  s.cgroups_path = "/default/web";
  OciConfig c = parse_oci_config(oci_config(s));
  REQUIRE(c.env.size() == 2);
  CHECK(c.env[0] == "PATH=/usr/bin:/bin");
  CHECK(c.cwd == "/srv");
  CHECK(c.user == "1000:100");
  CHECK(c.hostname == "box");
  CHECK(c.cgroups_path == "/default/web");
  CHECK(c.annotations.size() == 2);
  CHECK(c.annotations.at("x") == "y");

  // Everything but being a JSON object is optional in the OCI spec.
  OciConfig empty = parse_oci_config("{}");
  CHECK(empty.env.empty());
  CHECK(empty.user.empty());
  CHECK(empty.annotations.empty());
  CHECK(parse_oci_config(R"({"annotations":{"n":1,"s":"v"}})").annotations.size() == 1);
}

TEST_CASE("parse_oci_config rejects damaged files") {
  CHECK_THROWS_WITH_AS(parse_oci_config(""), "not a JSON object", Error);
  CHECK_THROWS_WITH_AS(parse_oci_config("[1]"), "not a JSON object", Error);
  CHECK_THROWS_WITH_AS(parse_oci_config(R"({"process":[]})"), "bad \"process\"", Error);
  CHECK_THROWS_WITH_AS(parse_oci_config(R"({"process":{"env":"A=1"}})"), "bad \"process.env\"", Error);
  CHECK_THROWS_WITH_AS(parse_oci_config(R"({"process":{"user":{"uid":-1,"gid":0}}})"), "bad \"process.user\"",
                       Error);
  CHECK_THROWS_WITH_AS(parse_oci_config(R"({"process":{"user":{"uid":0}}})"), "bad \"process.user\"", Error);
  std::string whole = oci_config({});
  for (size_t n = 0; n < whole.size(); n += 5) CHECK_THROWS_AS(parse_oci_config(whole.substr(0, n)), Error);
}

TEST_CASE("parse_shim_options_root") {
  CHECK(parse_shim_options_root(R"({"binary_name":"runc","root":"/var/run/docker/runtime-runc"})") ==
        "/var/run/docker/runtime-runc");
  CHECK(parse_shim_options_root(R"({"binary_name":"runc"})") == "");
  CHECK(parse_shim_options_root(R"({"root":""})") == "");
  CHECK_THROWS_AS(parse_shim_options_root(R"({"root":"relative"})"), Error);
  CHECK_THROWS_AS(parse_shim_options_root(R"({"root":7})"), Error);
  CHECK_THROWS_AS(parse_shim_options_root("{\"root\":"), Error);
}

TEST_CASE("parse_containerd_ref: NS/ID, ID, prefix; nothing that could leave a directory") {
  auto r = parse_containerd_ref("default/web");
  CHECK(r.ns == "default");
  CHECK(r.id == "web");
  r = parse_containerd_ref("containerd://k8s.io/3f2a");
  CHECK(r.ns == "k8s.io");
  CHECK(r.id == "3f2a");
  r = parse_containerd_ref("web-");  // a prefix may end in a separator
  CHECK(r.ns.empty());
  CHECK(r.id == "web-");
  for (const char* bad : {"", "/", "default/", "/web", "..", "default/..", "../web", "a/b/c", ".hidden", "a b",
                          "ns-/web", "containerd://"})
    CHECK_THROWS_AS(parse_containerd_ref(bad), Error);
  CHECK_THROWS_AS(parse_containerd_ref(std::string(77, 'a')), Error);
}

TEST_CASE("parse_k8s_ref") {
  auto r = parse_k8s_ref("k8s://shop/cart/app");
  CHECK(r.ns == "shop");
  CHECK(r.pod == "cart");
  CHECK(r.container == "app");
  r = parse_k8s_ref("shop/cart");
  CHECK(r.pod == "cart");
  CHECK(r.container.empty());
  for (const char* bad : {"", "shop", "k8s://shop", "shop/", "/cart", "shop//app", "a/b/c/d"})
    CHECK_THROWS_AS(parse_k8s_ref(bad), Error);
}

TEST_CASE("cgroup_leaf and cgroup_has_leaf") {
  CHECK(cgroup_leaf("/default/web") == "web");
  CHECK(cgroup_leaf("/default/web/") == "web");
  CHECK(cgroup_leaf("web") == "web");
  CHECK(cgroup_leaf("kubepods-besteffort-pod12.slice:cri-containerd:3f2a") == "cri-containerd-3f2a.scope");
  CHECK(cgroup_leaf("system.slice::web.scope") == "web.scope");
  CHECK(cgroup_leaf("a.slice:b:c.slice") == "c.slice");
  CHECK(cgroup_leaf("") == "");
  CHECK(cgroup_leaf("/") == "");

  const std::string v1 = "12:pids:/default/web\n11:memory:/default/web\n0::/\n";
  CHECK(cgroup_has_leaf(v1, "web"));
  CHECK_FALSE(cgroup_has_leaf(v1, "we"));
  CHECK_FALSE(cgroup_has_leaf(v1, "default/w"));
  CHECK_FALSE(cgroup_has_leaf("0::/default/website\n", "web"));
  CHECK(cgroup_has_leaf("0::/kubepods.slice/x.slice/cri-containerd-3f2a.scope\n", "cri-containerd-3f2a.scope"));
  CHECK_FALSE(cgroup_has_leaf(v1, ""));
}

TEST_CASE("resolve_via_containerd: ID, unique prefix, NS/ID, across namespaces") {
  FakeContainerd d;
  d.task("default", "web");
  d.task("default", "abc123");
  d.task("k8s.io", "abc456");
  d.task("k8s.io", "db");

  Target t = resolve_via_containerd("web", d.layout);
  CHECK(t.engine == "containerd");
  CHECK(t.id == "web");
  CHECK(t.name == "default/web");
  CHECK(t.pid == d.pid);
  CHECK(t.start_time == d.start);
  CHECK(t.working_dir == "/srv");
  CHECK(t.user == "1000:100");
  CHECK(t.hostname == "box");
  CHECK(t.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "A=1"});
  CHECK(t.source.find("containerd task state (" + d.task_dir("default", "web").string()) == 0);
  CHECK(t.source.find("runc/default/web/state.json") != std::string::npos);

  CHECK(resolve_via_containerd("k8s.io/db", d.layout).name == "k8s.io/db");
  CHECK(resolve_via_containerd("d", d.layout).name == "k8s.io/db");            // prefix, any namespace
  CHECK(resolve_via_containerd("abc1", d.layout).name == "default/abc123");     // unique prefix
  CHECK(resolve_via_containerd("k8s.io/abc", d.layout).name == "k8s.io/abc456");  // prefix in one namespace
  CHECK(resolve_via_containerd("containerd://default/web", d.layout).id == "web");

  std::string e = error_of([&] { resolve_via_containerd("abc", d.layout); });
  CHECK(e.find("ID prefix 'abc' is ambiguous") != std::string::npos);
  CHECK(e.find("default/abc123, k8s.io/abc456") != std::string::npos);
  CHECK_THROWS_AS(resolve_via_containerd("abc", d.layout), AmbiguousTarget);  // a bare TARGET's chain tells it by type
  std::string why;
  CHECK_THROWS_AS(find_via_containerd("abc", d.layout, &why), AmbiguousTarget);

  e = error_of([&] { resolve_via_containerd("nope", d.layout); });
  CHECK(e.find("no containerd task 'nope'") != std::string::npos);
  CHECK(e.find((d.root / "tasks").string() + " (namespaces: default, k8s.io)") != std::string::npos);
  CHECK(e.find((d.root / "no-such-root").string() + " (not present)") != std::string::npos);

  e = error_of([&] { resolve_via_containerd("moby/web", d.layout); });
  CHECK(e.find("namespace moby not present") != std::string::npos);
  e = error_of([&] { resolve_via_containerd("k8s.io/web", d.layout); });
  CHECK(e.find("no containerd task in namespace k8s.io named 'web'") != std::string::npos);
}

TEST_CASE("resolve_via_containerd: the same full ID in two namespaces is ambiguous") {
  FakeContainerd d;
  d.task("default", "dup");
  d.task("k8s.io", "dup");
  d.task("default", "dup2");
  std::string e = error_of([&] { resolve_via_containerd("dup", d.layout); });
  CHECK(e.find("ID 'dup' is ambiguous: it matches default/dup, k8s.io/dup") != std::string::npos);
  CHECK_THROWS_AS(resolve_via_containerd("dup", d.layout), AmbiguousTarget);
  CHECK(resolve_via_containerd("k8s.io/dup", d.layout).name == "k8s.io/dup");
  // A full ID wins over being a prefix of another in the same namespace.
  CHECK(resolve_via_containerd("default/dup", d.layout).name == "default/dup");
}

TEST_CASE("resolve_via_containerd: damaged or truncated state names the file") {
  FakeContainerd d;
  d.task("default", "cfg");
  d.task("default", "pid");
  d.task("default", "opts");
  const fs::path cfg = d.task_dir("default", "cfg") / "config.json";
  write_file(cfg, oci_config({}).substr(0, 40));
  std::string e = error_of([&] { resolve_via_containerd("cfg", d.layout); });
  CHECK(e.find(cfg.string() + ": not a JSON object") != std::string::npos);

  const fs::path pid = d.task_dir("default", "pid") / "init.pid";
  write_file(pid, "");
  e = error_of([&] { resolve_via_containerd("pid", d.layout); });
  CHECK(e.find(pid.string() + ": not a PID") != std::string::npos);
  write_file(pid, "12x");
  CHECK(error_of([&] { resolve_via_containerd("pid", d.layout); }).find(pid.string()) != std::string::npos);
  write_file(pid, "99999999999");
  CHECK(error_of([&] { resolve_via_containerd("pid", d.layout); }).find("implausible") != std::string::npos);
  fs::remove(pid);
  CHECK(error_of([&] { resolve_via_containerd("pid", d.layout); }).find("has no init.pid") != std::string::npos);

  const fs::path opts = d.task_dir("default", "opts") / "options.json";
  write_file(opts, "{\"root\":");
  CHECK(error_of([&] { resolve_via_containerd("opts", d.layout); }).find(opts.string()) != std::string::npos);

  // runc's state.json damaged.
  d.task("default", "runc");
  const fs::path state = d.root / "runc/default/runc/state.json";
  write_file(state, "{\"init_process_pid\":");
  CHECK(error_of([&] { resolve_via_containerd("runc", d.layout); }).find(state.string()) != std::string::npos);

  // A file too large to be state is refused, not read whole.
  d.task("default", "huge");
  write_file(d.task_dir("default", "huge") / "config.json", std::string(5u << 20, ' '));
  CHECK(error_of([&] { resolve_via_containerd("huge", d.layout); }).find("larger than expected") !=
        std::string::npos);
}

TEST_CASE("resolve_via_containerd: stale init.pid, reused PID, wrong cgroup, not started") {
  FakeContainerd d;
  d.task("default", "gone");
  write_file(d.task_dir("default", "gone") / "init.pid", std::to_string(kDeadPid));
  std::string e = error_of([&] { resolve_via_containerd("gone", d.layout); });
  CHECK(e.find("init.pid names pid 4194303, which is not running") != std::string::npos);
  CHECK(e.find("stale") != std::string::npos);

  // runc recorded another PID, or this PID with another start time.
  d.task("default", "other");
  d.runc(d.layout.runc_root, "default", "other", d.pid + 1, d.start);
  CHECK(error_of([&] { resolve_via_containerd("other", d.layout); }).find("runc says") != std::string::npos);
  d.task("default", "reused");
  d.runc(d.layout.runc_root, "default", "reused", d.pid, d.start + 1);
  CHECK(error_of([&] { resolve_via_containerd("reused", d.layout); }).find("the PID was reused") !=
        std::string::npos);

  // runc's exec.fifo: created, never started.
  d.task("default", "created");
  write_file(d.root / "runc/default/created/exec.fifo", "");
  CHECK(error_of([&] { resolve_via_containerd("created", d.layout); }).find("created but not started") !=
        std::string::npos);

  // Without runc state, the process must be in the task's cgroup.
  Spec s;
  s.cgroups_path = "/default/not-this-process";
  d.task("default", "cg", s);
  fs::remove_all(d.root / "runc/default/cg");
  e = error_of([&] { resolve_via_containerd("cg", d.layout); });
  CHECK(e.find("is not in the task's cgroup /default/not-this-process") != std::string::npos);
  const std::string leaf = own_cgroup_leaf();
  if (!leaf.empty()) {
    s.cgroups_path = "/somewhere/" + leaf;
    write_file(d.task_dir("default", "cg") / "config.json", oci_config(s));
    Target t = resolve_via_containerd("cg", d.layout);
    CHECK(t.start_time == 0);  // nothing recorded it
    CHECK(t.source.find("/cgroup") != std::string::npos);
  }
  // No cgroupsPath and no runc state: the process existing is all there is to check.
  s.cgroups_path = "";
  write_file(d.task_dir("default", "cg") / "config.json", oci_config(s));
  CHECK(resolve_via_containerd("cg", d.layout).pid == d.pid);
}

TEST_CASE("resolve_via_containerd: options.json names runc's root") {
  FakeContainerd d;
  d.task("moby", "svc");
  fs::remove_all(d.root / "runc/moby");
  write_file(d.task_dir("moby", "svc") / "options.json",
             R"({"binary_name":"runc","root":")" + (d.root / "runc2").string() + R"("})");
  d.runc(d.root / "runc2", "moby", "svc", d.pid, d.start + 7);
  CHECK(error_of([&] { resolve_via_containerd("svc", d.layout); }).find("runc2/moby/svc") != std::string::npos);
  d.runc(d.root / "runc2", "moby", "svc", d.pid, d.start);
  Target t = resolve_via_containerd("svc", d.layout);
  CHECK(t.start_time == d.start);
  CHECK(t.source.find((d.root / "runc2/moby/svc/state.json").string()) != std::string::npos);
}

TEST_CASE("resolve_via_containerd does not follow symlinks inside the state root") {
  FakeContainerd d;
  d.task("default", "real");
  // A task directory that is a symlink is not a task.
  fs::create_directory_symlink(d.task_dir("default", "real"), d.task_dir("default", "alias"));
  CHECK(error_of([&] { resolve_via_containerd("alias", d.layout); }).find("no containerd task") !=
        std::string::npos);
  // A state file that is a symlink is refused.
  d.task("default", "linked");
  const fs::path cfg = d.task_dir("default", "linked") / "config.json";
  fs::rename(cfg, d.root / "elsewhere.json");
  fs::create_symlink(d.root / "elsewhere.json", cfg);
  CHECK(error_of([&] { resolve_via_containerd("linked", d.layout); }).find(cfg.string() + ": is a symlink") !=
        std::string::npos);
  // A FIFO where a file should be: refused without blocking.
  d.task("default", "fifo");
  const fs::path pid = d.task_dir("default", "fifo") / "init.pid";
  fs::remove(pid);
  REQUIRE(::mkfifo(pid.c_str(), 0600) == 0);
  CHECK(error_of([&] { resolve_via_containerd("fifo", d.layout); }).find(pid.string() + ": not a regular file") !=
        std::string::npos);
}

TEST_CASE("resolve_via_k8s: pod containers by CRI annotations, never the sandbox") {
  FakeContainerd d;
  d.cri("sb1", "sandbox", "shop", "cart");
  d.cri("c1app", "container", "shop", "cart", "app", "sb1");
  d.cri("c2side", "container", "shop", "cart", "sidecar", "sb1");
  d.cri("sb2", "sandbox", "shop", "solo");
  d.cri("c3main", "container", "shop", "solo", "main", "sb2");
  d.cri("sb3", "sandbox", "shop", "empty");
  d.task("default", "plain");  // no annotations: not a pod's

  Target t = resolve_via_k8s("k8s://shop/cart/app", d.layout);
  CHECK(t.engine == "k8s");
  CHECK(t.id == "c1app");
  CHECK(t.name == "cart/app");
  CHECK(t.pid == d.pid);
  CHECK(t.start_time == d.start);
  CHECK(t.image == "registry.local/app:1");
  CHECK(t.source.find("CRI annotations of k8s.io/c1app") != std::string::npos);
  CHECK(resolve_via_k8s("shop/cart/sidecar", d.layout).id == "c2side");
  CHECK(resolve_via_k8s("shop/solo", d.layout).id == "c3main");  // the only container

  std::string e = error_of([&] { resolve_via_k8s("shop/cart", d.layout); });
  CHECK(e.find("pod shop/cart has 2 containers: app, sidecar") != std::string::npos);
  CHECK(e.find("k8s://shop/cart/CONTAINER") != std::string::npos);
  e = error_of([&] { resolve_via_k8s("shop/cart/db", d.layout); });
  CHECK(e.find("no running container 'db' (it has: app, sidecar)") != std::string::npos);
  e = error_of([&] { resolve_via_k8s("shop/empty", d.layout); });
  CHECK(e.find("has no running containers, only its sandbox") != std::string::npos);
  e = error_of([&] { resolve_via_k8s("other/cart", d.layout); });
  CHECK(e.find("no pod other/cart") != std::string::npos);
  CHECK(e.find("namespaces: default, k8s.io") != std::string::npos);
  // The pod's name is not a container name: "POD" matches a pod, never a sandbox.
  CHECK(error_of([&] { resolve_via_k8s("shop/cart/POD", d.layout); }).find("no running container") !=
        std::string::npos);
}

TEST_CASE("resolve_via_k8s: old CRI (names on the sandbox only), stale and duplicate tasks") {
  FakeContainerd d;
  d.cri("sbold", "sandbox", "legacy", "web");
  d.cri("cold", "container", "", "", "nginx", "sbold");  // no pod names: found through sandbox-id
  CHECK(resolve_via_k8s("legacy/web", d.layout).id == "cold");

  // A container restarted: the old task's state is left behind, stale. The live one counts.
  d.cri("sbx", "sandbox", "shop", "cart");
  d.cri("cnew", "container", "shop", "cart", "app", "sbx");
  d.cri("cold2", "container", "shop", "cart", "app", "sbx");
  write_file(d.task_dir("k8s.io", "cold2") / "init.pid", std::to_string(kDeadPid));
  fs::remove_all(d.root / "runc/k8s.io/cold2");
  CHECK(resolve_via_k8s("shop/cart/app", d.layout).id == "cnew");
  // Only stale ones: the reason is given.
  write_file(d.task_dir("k8s.io", "cnew") / "init.pid", std::to_string(kDeadPid));
  std::string e = error_of([&] { resolve_via_k8s("shop/cart", d.layout); });
  CHECK(e.find("k8s://shop/cart/app: ") == 0);
  CHECK(e.find("not running") != std::string::npos);
  // Two live ones: ambiguous, with their IDs.
  write_file(d.task_dir("k8s.io", "cnew") / "init.pid", std::to_string(d.pid));
  d.cri("cold2", "container", "shop", "cart", "app", "sbx");
  e = error_of([&] { resolve_via_k8s("shop/cart/app", d.layout); });
  CHECK(e.find("ambiguous: running tasks k8s.io/cnew, k8s.io/cold2") != std::string::npos);

  // A damaged task elsewhere does not stop the lookup, and is mentioned when nothing matched.
  write_file(d.task_dir("default", "broken") / "config.json", "{");
  write_file(d.task_dir("default", "broken") / "init.pid", "1");
  CHECK(resolve_via_k8s("legacy/web", d.layout).id == "cold");
  e = error_of([&] { resolve_via_k8s("x/y", d.layout); });
  CHECK(e.find("1 task(s) could not be read") != std::string::npos);
  CHECK(e.find("broken/config.json") != std::string::npos);
}

TEST_CASE("list_containerd_tasks: running tasks only, pods by name, no sandboxes") {
  FakeContainerd d;
  d.task("default", "web");
  d.task("k8s.io", "gone");
  write_file(d.task_dir("k8s.io", "gone") / "init.pid", std::to_string(kDeadPid));
  write_file(d.task_dir("default", "broken") / "config.json", "{");
  d.cri("sb1", "sandbox", "shop", "cart");
  d.cri("c1app", "container", "shop", "cart", "app", "sb1");

  std::vector<Target> all = list_containerd_tasks(d.layout);
  REQUIRE(all.size() == 2);
  CHECK(all[0].engine == "containerd");
  CHECK(all[0].name == "default/web");
  CHECK(all[0].pid == d.pid);
  CHECK(all[1].engine == "k8s");
  CHECK(all[1].name == "cart/app");
  CHECK(all[1].id == "c1app");

  ContainerdLayout none;
  none.task_roots = {(d.root / "absent").string()};
  CHECK(list_containerd_tasks(none).empty());
}

TEST_CASE("list_containerd_tasks: a namespace left out (Docker's moby) by namespace, not by name") {
  FakeContainerd d;
  d.task("moby", "dockers");    // Docker's own task: listed as docker, not here
  d.task("default", "web");
  d.cri("sb1", "sandbox", "shop", "moby");  // a Kubernetes pod that happens to be named moby
  d.cri("c1app", "container", "shop", "moby", "app", "sb1");

  std::vector<Target> all = list_containerd_tasks(d.layout, "moby");
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "default/web");
  CHECK(all[1].engine == "k8s");
  CHECK(all[1].name == "moby/app");
  // Without the exception the moby task is there.
  CHECK(list_containerd_tasks(d.layout).size() == 3);
}
