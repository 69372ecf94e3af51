#include "ctrdbg/engines/containerd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

// OCI specs carry seccomp profiles and long env lists: tens of KiB is normal.
constexpr size_t kMaxConfig = 4u << 20;
constexpr size_t kMaxSmall = 4096;
constexpr size_t kMaxIdentifier = 76;  // containerd's identifiers.Validate

const char kAnnotationType[] = "io.kubernetes.cri.container-type";
const char kAnnotationSandboxId[] = "io.kubernetes.cri.sandbox-id";
const char kAnnotationPodNamespace[] = "io.kubernetes.cri.sandbox-namespace";
const char kAnnotationPodName[] = "io.kubernetes.cri.sandbox-name";
const char kAnnotationContainerName[] = "io.kubernetes.cri.container-name";
const char kAnnotationImage[] = "io.kubernetes.cri.image-name";

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// containerd's rule for namespaces and IDs: [A-Za-z0-9]+([._-][A-Za-z0-9]+)*, at most 76.
bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdentifier || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    bool sep = s[i] == '.' || s[i] == '_' || s[i] == '-';
    if (!is_alnum(s[i]) && !sep) return false;
    if (sep && !is_alnum(s[i - 1])) return false;
  }
  return true;
}

// A prefix of an identifier: it may end in a separator ("web-"), but starts with an
// alphanumeric, so "." and ".." can never reach a path.
bool is_identifier_prefix(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdentifier || !is_alnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

std::string string_member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The state roots are root-owned, but a symlink inside them still must not take a
// read elsewhere: every open below a root is O_NOFOLLOW, relative to its parent's fd.
Fd open_dir_at(int dirfd, const char* name) {
  return Fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// A regular file below dirfd, no symlink, at most `limit` bytes. nullopt with errno
// set otherwise (EFBIG: too large; EINVAL: not a regular file, e.g. the task's "log" FIFO).
std::optional<std::string> read_state_file(int dirfd, const char* name, size_t limit) {
  // O_NONBLOCK: a FIFO where a file should be must not hang the open.
  Fd fd(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd) return std::nullopt;
  return read_regular_file(fd.get(), limit);
}

std::string read_error(const std::string& path, int err) {
  if (err == EFBIG) return fmt::format("{}: larger than expected, refusing to read it", path);
  if (err == EINVAL) return fmt::format("{}: not a regular file", path);
  if (err == ELOOP) return fmt::format("{}: is a symlink, not following it", path);
  return errno_message(path, err);
}

// Subdirectories of dirfd named as containerd identifiers (symlinks are skipped).
std::vector<std::string> identifier_subdirs(int dirfd) {
  std::vector<std::string> out;
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return out;
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return out;
  }
  ::rewinddir(d);
  while (dirent* e = ::readdir(d)) {
    if (!is_identifier(e->d_name)) continue;
    bool dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      dir = ::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    if (dir) out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

struct TaskRef {
  std::string root;
  std::string ns;
  std::string id;
  std::string dir() const { return root + "/" + ns + "/" + id; }
  std::string ns_id() const { return ns + "/" + id; }
};

// Every task directory under the roots (namespace `only_ns` when given, never
// namespace `except_ns`), plus what was searched, for a "not found" message that
// says where ctrdbg looked.
struct Scan {
  std::vector<TaskRef> tasks;
  std::vector<std::string> searched;
};

Scan scan_tasks(const ContainerdLayout& layout, const std::string& only_ns = "", std::string_view except_ns = {}) {
  Scan scan;
  for (const auto& root : layout.task_roots) {
    // The root itself is configuration (it may sit behind /var/run -> /run): followed.
    Fd rootfd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!rootfd) {
      scan.searched.push_back(errno == ENOENT ? root + " (not present)" : errno_message(root, errno));
      continue;
    }
    std::vector<std::string> namespaces = identifier_subdirs(rootfd.get());
    if (!only_ns.empty()) {
      bool has = std::find(namespaces.begin(), namespaces.end(), only_ns) != namespaces.end();
      scan.searched.push_back(fmt::format("{} (namespace {} {})", root, only_ns, has ? "searched" : "not present"));
      namespaces = has ? std::vector<std::string>{only_ns} : std::vector<std::string>{};
    } else {
      scan.searched.push_back(
          fmt::format("{} (namespaces: {})", root, namespaces.empty() ? "none" : join(namespaces)));
    }
    for (const auto& ns : namespaces) {
      if (ns == except_ns) continue;
      Fd nsfd = open_dir_at(rootfd.get(), ns.c_str());
      if (!nsfd) continue;
      for (auto& id : identifier_subdirs(nsfd.get())) scan.tasks.push_back({root, ns, std::move(id)});
    }
  }
  return scan;
}

// A task's own files, read and parsed; Error names the file.
struct TaskFiles {
  OciConfig config;
  long init_pid = 0;
  std::string runc_root;  // from options.json, else the layout's
};

TaskFiles read_task(const TaskRef& task, const ContainerdLayout& layout) {
  const std::string dir = task.dir();
  Fd rootfd(::open(task.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  Fd nsfd = rootfd ? open_dir_at(rootfd.get(), task.ns.c_str()) : Fd();
  Fd taskfd = nsfd ? open_dir_at(nsfd.get(), task.id.c_str()) : Fd();
  if (!taskfd) throw Error(errno_message(dir, errno));

  TaskFiles files;
  auto parse = [&](const char* name, size_t limit, auto&& parser) {
    std::string path = dir + "/" + name;
    auto text = read_state_file(taskfd.get(), name, limit);
    if (!text) {
      if (errno == ENOENT && std::string_view(name) == "init.pid")
        fail("task {} has no init.pid: it is being created or deleted, not running ({})", task.ns_id(), dir);
      throw Error(read_error(path, errno));
    }
    try {
      return parser(*text);
    } catch (const Error& e) {
      throw e.context(path);
    }
  };
  files.config = parse("config.json", kMaxConfig, parse_oci_config);
  files.init_pid = parse("init.pid", kMaxSmall, [](std::string_view text) {
    long pid = parse_init_pid(text);
    if (pid > kPidMaxLimit) throw Error("implausible PID");
    return pid;
  });
  // options.json is only written when the task was created with runc options.
  files.runc_root = layout.runc_root;
  if (auto opts = read_state_file(taskfd.get(), "options.json", kMaxSmall)) {
    std::string root;
    try {
      root = parse_shim_options_root(*opts);
    } catch (const Error& e) {
      throw e.context(dir + "/options.json");
    }
    if (!root.empty()) files.runc_root = root;
  } else if (errno != ENOENT) {
    throw Error(read_error(dir + "/options.json", errno));
  }
  return files;
}

// The task's init process as it is now. Throws Error when it is gone or is not the
// task's (stale state after a crash, a reused PID); returns runc's recorded start
// time (0 without runc state) and a description of what was checked.
struct Liveness {
  std::uint64_t start_time = 0;
  std::string checked;  // the files the answer rests on, for Target.source
};

Liveness check_process(const TaskRef& task, const TaskFiles& files) {
  const std::string who = fmt::format("containerd task {}", task.ns_id());
  const long pid = files.init_pid;
  Fd proc = open_proc_pid(static_cast<pid_t>(pid));
  auto stat = proc ? read_small_file(proc.get(), "stat") : std::nullopt;
  if (!stat)
    fail("{}: init.pid names pid {}, which is not running: the task has exited and its state is stale ({})", who,
         pid, task.dir());
  const std::uint64_t started = parse_stat_start_time(*stat);

  Liveness out;
  out.checked = task.dir();
  // runc's record: <runc root>/<ns>/<id>/. The root comes from options.json or the
  // layout (and may be behind /var/run): followed; below it nothing is.
  Fd runc_root(::open(files.runc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  Fd runc_ns = runc_root ? open_dir_at(runc_root.get(), task.ns.c_str()) : Fd();
  Fd runc_dir = runc_ns ? open_dir_at(runc_ns.get(), task.id.c_str()) : Fd();
  const std::string runc_path = files.runc_root + "/" + task.ns_id();
  if (runc_dir) {
    auto text = read_state_file(runc_dir.get(), "state.json", kMaxConfig);
    if (!text) throw Error(read_error(runc_path + "/state.json", errno));
    RuncState rs;
    try {
      rs = parse_runc_state(*text);
    } catch (const Error& e) {
      throw e.context(runc_path + "/state.json");
    }
    if (rs.init_pid != pid)
      fail("{}: init.pid says pid {}, runc says {} in {}/state.json (stale state; is the task still running?)", who,
           pid, rs.init_pid, runc_path);
    if (rs.init_start != started)
      fail("{}: pid {} is not its process any more (start time {} != {} recorded in {}/state.json): the PID was "
           "reused",
           who, pid, started, rs.init_start, runc_path);
    // runc removes exec.fifo when the container's process is started.
    struct stat st {};
    if (::fstatat(runc_dir.get(), "exec.fifo", &st, AT_SYMLINK_NOFOLLOW) == 0)
      fail("{} is created but not started (runc {} has exec.fifo)", who, runc_path);
    out.start_time = rs.init_start;
    out.checked += ", " + runc_path + "/state.json";
    return out;
  }

  // No runc state (another runtime, or runc's root is elsewhere): the process must at
  // least sit in the task's cgroup.
  std::string leaf = cgroup_leaf(files.config.cgroups_path);
  if (!leaf.empty()) {
    auto cgroup = read_small_file(proc.get(), "cgroup");
    if (!cgroup) fail("{}: pid {} has just exited", who, pid);
    if (!cgroup_has_leaf(*cgroup, leaf))
      fail("{}: pid {} is not in the task's cgroup {} (stale state, the PID was reused?)", who, pid,
           files.config.cgroups_path);
    out.checked += ", /proc/" + std::to_string(pid) + "/cgroup";
  }
  return out;
}

Target make_target(const TaskRef& task, TaskFiles files, const Liveness& live) {
  Target t;
  t.engine = "containerd";
  t.id = task.id;
  t.name = task.ns_id();
  t.pid = static_cast<pid_t>(files.init_pid);
  t.start_time = live.start_time;
  t.env = std::move(files.config.env);
  t.working_dir = std::move(files.config.cwd);
  t.user = std::move(files.config.user);
  t.hostname = std::move(files.config.hostname);
  auto image = files.config.annotations.find(kAnnotationImage);
  if (image != files.config.annotations.end()) t.image = image->second;
  t.bundle = task.dir();
  t.source = fmt::format("containerd task state ({})", live.checked);
  return t;
}

Target load_task(const TaskRef& task, const ContainerdLayout& layout) {
  TaskFiles files = read_task(task, layout);
  Liveness live = check_process(task, files);
  return make_target(task, std::move(files), live);
}

// ---- Kubernetes (CRI) ----

struct CriTask {
  TaskRef ref;
  TaskFiles files;
  std::string type;  // "container" / "sandbox"
  std::string pod_ns, pod, container, sandbox_id;
};

const std::string& annotation(const OciConfig& c, const char* key) {
  static const std::string none;
  auto it = c.annotations.find(key);
  return it == c.annotations.end() ? none : it->second;
}

// Every task with CRI annotations. Unreadable ones are counted in `unreadable`, so a
// "not found" can say that some tasks could not be looked at.
std::vector<CriTask> scan_cri_tasks(const ContainerdLayout& layout, Scan& scan, std::vector<std::string>& unreadable) {
  scan = scan_tasks(layout);
  std::vector<CriTask> out;
  for (const auto& ref : scan.tasks) {
    CriTask t;
    t.ref = ref;
    try {
      t.files = read_task(ref, layout);
    } catch (const Error& e) {
      unreadable.emplace_back(e.what());
      continue;
    }
    const OciConfig& c = t.files.config;
    t.type = annotation(c, kAnnotationType);
    if (t.type.empty()) continue;
    t.pod_ns = annotation(c, kAnnotationPodNamespace);
    t.pod = annotation(c, kAnnotationPodName);
    t.container = annotation(c, kAnnotationContainerName);
    t.sandbox_id = annotation(c, kAnnotationSandboxId);
    out.push_back(std::move(t));
  }
  // Older CRI plugins put the pod's names only on its sandbox: containers find them
  // through their sandbox ID.
  for (auto& t : out) {
    if (!t.pod.empty() || t.sandbox_id.empty()) continue;
    for (const auto& s : out)
      if (s.type == "sandbox" && s.ref.id == t.sandbox_id && s.ref.ns == t.ref.ns) {
        t.pod_ns = s.pod_ns;
        t.pod = s.pod;
      }
  }
  return out;
}

Target cri_target(CriTask t, const Liveness& live) {
  Target target = make_target(t.ref, std::move(t.files), live);
  target.engine = "k8s";
  target.name = t.pod + "/" + t.container;
  target.source += fmt::format(", CRI annotations of {}", t.ref.ns_id());
  return target;
}

}  // namespace

OciConfig parse_oci_config(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  OciConfig c;
  // "process" is optional in the OCI spec; when present it must be an object.
  auto process = doc.find("process");
  if (process != doc.end()) {
    if (!process->is_object()) throw Error("bad \"process\"");
    auto env = process->find("env");
    if (env != process->end()) {
      if (!env->is_array()) throw Error("bad \"process.env\"");
      for (const auto& e : *env)
        if (e.is_string()) c.env.push_back(e.get<std::string>());
    }
    c.cwd = string_member(*process, "cwd");
    auto user = process->find("user");
    if (user != process->end() && user->is_object()) {
      auto uid = user->find("uid");
      auto gid = user->find("gid");
      if (uid != user->end() || gid != user->end()) {
        if (uid == user->end() || !uid->is_number_unsigned() || gid == user->end() || !gid->is_number_unsigned())
          throw Error("bad \"process.user\"");
        c.user = fmt::format("{}:{}", uid->get<std::uint64_t>(), gid->get<std::uint64_t>());
      }
    }
  }
  c.hostname = string_member(doc, "hostname");
  auto linux_ = doc.find("linux");
  if (linux_ != doc.end() && linux_->is_object()) c.cgroups_path = string_member(*linux_, "cgroupsPath");
  auto annotations = doc.find("annotations");
  if (annotations != doc.end() && annotations->is_object())
    for (const auto& [key, value] : annotations->items())
      if (value.is_string()) c.annotations.emplace(key, value.get<std::string>());
  return c;
}

std::string parse_shim_options_root(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) throw Error("not a JSON object");
  auto root = doc.find("root");
  if (root == doc.end() || (root->is_string() && root->get_ref<const std::string&>().empty())) return "";
  if (!root->is_string() || root->get_ref<const std::string&>()[0] != '/')
    throw Error("\"root\" must be an absolute path");
  return root->get<std::string>();
}

ContainerdRef parse_containerd_ref(std::string_view text) {
  const std::string original(text);
  if (text.starts_with("containerd://")) text.remove_prefix(13);
  ContainerdRef ref;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    ref.ns = std::string(text.substr(0, slash));
    text.remove_prefix(slash + 1);
    if (!is_identifier(ref.ns))
      fail("'{}': '{}' is not a containerd namespace (expected NAMESPACE/ID or ID)", original, ref.ns);
  }
  ref.id = std::string(text);
  if (!is_identifier_prefix(ref.id))
    fail("'{}': '{}' is not a containerd ID (letters, digits, '.', '_', '-')", original, ref.id);
  return ref;
}

K8sRef parse_k8s_ref(std::string_view text) {
  const std::string original(text);
  if (text.starts_with("k8s://")) text.remove_prefix(6);
  std::vector<std::string> parts;
  size_t pos = 0;
  for (;;) {
    size_t slash = text.find('/', pos);
    parts.emplace_back(text.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  bool empty_part = std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); });
  if (parts.size() < 2 || parts.size() > 3 || empty_part)
    fail("'{}': expected k8s://NAMESPACE/POD or k8s://NAMESPACE/POD/CONTAINER", original);
  return {parts[0], parts[1], parts.size() == 3 ? parts[2] : ""};
}

std::string cgroup_leaf(std::string_view path) {
  // systemd driver: "slice:prefix:name"; runc names the unit prefix-name.scope.
  size_t c1 = path.find(':');
  if (c1 != std::string_view::npos) {
    size_t c2 = path.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return "";
    std::string_view prefix = path.substr(c1 + 1, c2 - c1 - 1);
    std::string_view name = path.substr(c2 + 1);
    if (name.empty()) return "";
    if (name.ends_with(".slice")) return std::string(name);
    return prefix.empty() ? std::string(name) : fmt::format("{}-{}.scope", prefix, name);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool cgroup_has_leaf(std::string_view cgroup, std::string_view leaf) {
  if (leaf.empty()) return false;
  size_t pos = 0;
  while ((pos = cgroup.find(leaf, pos)) != std::string_view::npos) {
    size_t end = pos + leaf.size();
    bool left = pos > 0 && cgroup[pos - 1] == '/';
    bool right = end == cgroup.size() || cgroup[end] == '/' || cgroup[end] == '\n';
    if (left && right) return true;
    pos = end;
  }
  return false;
}

std::optional<Target> find_via_containerd(const std::string& text, const ContainerdLayout& layout,
                                          std::string* not_found) {
  ContainerdRef ref = parse_containerd_ref(text);
  Scan scan = scan_tasks(layout, ref.ns);
  auto matches = [&](auto&& pred) {
    std::vector<const TaskRef*> out;
    for (const auto& t : scan.tasks)
      if (pred(t.id)) out.push_back(&t);
    return out;
  };
  auto ambiguous = [&](const std::vector<const TaskRef*>& found, const std::string& what) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto* t : found) {
      // The same NS/ID under two roots (two containerds) is told apart by the root.
      std::string n = t->ns_id();
      names.push_back(seen.insert(n).second ? n : fmt::format("{} (in {})", n, t->root));
    }
    fail_ambiguous("{} is ambiguous: it matches {}; name one as NAMESPACE/ID", what, join(names));
  };

  // containerd's order: the full ID (in one namespace), then a unique ID prefix.
  auto found = matches([&](const std::string& id) { return id == ref.id; });
  if (found.size() > 1) ambiguous(found, fmt::format("ID '{}'", ref.id));
  if (found.empty()) {
    found = matches([&](const std::string& id) { return id.starts_with(ref.id); });
    if (found.size() > 1) ambiguous(found, fmt::format("ID prefix '{}'", ref.id));
  }
  if (found.empty()) {
    *not_found = fmt::format("no containerd task {}'{}' (searched {})",
                             ref.ns.empty() ? "" : "in namespace " + ref.ns + " named ", ref.id,
                             join(scan.searched, "; "));
    return std::nullopt;
  }
  return load_task(*found.front(), layout);
}

Target resolve_via_containerd(const std::string& text, const ContainerdLayout& layout) {
  std::string why;
  auto t = find_via_containerd(text, layout, &why);
  if (!t) throw Error(why);
  return std::move(*t);
}

Target resolve_via_k8s(const std::string& text, const ContainerdLayout& layout) {
  K8sRef ref = parse_k8s_ref(text);
  const std::string pod = ref.ns + "/" + ref.pod;
  Scan scan;
  std::vector<std::string> unreadable;
  std::vector<CriTask> cri = scan_cri_tasks(layout, scan, unreadable);

  std::vector<CriTask> in_pod;
  bool sandbox_seen = false;
  for (auto& t : cri) {
    if (t.pod_ns != ref.ns || t.pod != ref.pod) continue;
    if (t.type == "container")
      in_pod.push_back(std::move(t));
    else
      sandbox_seen = true;  // the pause container: never a target
  }
  if (in_pod.empty()) {
    std::string why = sandbox_seen ? fmt::format("pod {} has no running containers, only its sandbox", pod)
                                   : fmt::format("no pod {} among containerd's CRI tasks", pod);
    std::string note = unreadable.empty()
                           ? ""
                           : fmt::format("; {} task(s) could not be read: {}", unreadable.size(), join(unreadable, "; "));
    fail("{} (searched {}){}", why, join(scan.searched, "; "), note);
  }

  std::set<std::string> name_set;
  for (const auto& t : in_pod) name_set.insert(t.container);
  const std::vector<std::string> names(name_set.begin(), name_set.end());
  if (ref.container.empty()) {
    if (names.size() > 1)
      fail("pod {} has {} containers: {}; name one as k8s://{}/CONTAINER", pod, names.size(), join(names), pod);
    ref.container = names.front();
  }
  std::vector<CriTask> chosen;
  for (auto& t : in_pod)
    if (t.container == ref.container) chosen.push_back(std::move(t));
  if (chosen.empty())
    fail("pod {} has no running container '{}' (it has: {})", pod, ref.container, join(names));

  // Several tasks for one container name: a restart or a re-created pod caught
  // half-way, with the old task's state left behind. Only a live one counts.
  std::vector<std::pair<size_t, Liveness>> live;
  std::string last_error;
  for (size_t i = 0; i < chosen.size(); ++i) {
    try {
      live.emplace_back(i, check_process(chosen[i].ref, chosen[i].files));
    } catch (const Error& e) {
      last_error = e.what();
    }
  }
  if (live.empty()) throw Error(fmt::format("k8s://{}/{}: {}", pod, ref.container, last_error));
  if (live.size() > 1) {
    std::vector<std::string> ids;
    for (const auto& [i, l] : live) ids.push_back(chosen[i].ref.ns_id());
    fail_ambiguous("k8s://{}/{} is ambiguous: running tasks {}; name one as containerd://NAMESPACE/ID", pod, ref.container,
         join(ids));
  }
  return cri_target(std::move(chosen[live.front().first]), live.front().second);
}

std::vector<Target> list_containerd_tasks(const ContainerdLayout& layout, std::string_view except_ns) {
  std::vector<Target> out;
  for (const auto& ref : scan_tasks(layout, "", except_ns).tasks) {
    try {
      TaskFiles files = read_task(ref, layout);
      const std::string type = annotation(files.config, kAnnotationType);
      if (type == "sandbox") continue;
      Liveness live = check_process(ref, files);
      const std::string pod = annotation(files.config, kAnnotationPodName);
      if (type == "container" && !pod.empty()) {
        CriTask t;
        t.pod = pod;
        t.container = annotation(files.config, kAnnotationContainerName);
        t.ref = ref;
        t.files = std::move(files);
        out.push_back(cri_target(std::move(t), live));
      } else {
        out.push_back(make_target(ref, std::move(files), live));
      }
    } catch (const Error&) {
      // Stale or damaged: not a running task to offer.
    }
  }
  std::sort(out.begin(), out.end(), [](const Target& a, const Target& b) {
    return std::tie(a.engine, a.name, a.id) < std::tie(b.engine, b.name, b.id);
  });
  return out;
}

}  // namespace ctrdbg
