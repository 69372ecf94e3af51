// The session's profile (credentials.hpp): the debug profile's extras and when they
// are safe, pid:// targets' own confinement from /proc, and prepare_credentials on
// real processes (forked here; some in PID and mount namespaces of their own, with
// their own procfs, standing in for containers).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ctrdbg/credentials.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"
#include "unit_helpers.hpp"

using ctrdbg::Credentials;
using ctrdbg::CredentialRequest;
using ctrdbg::NamespaceProcess;
using ctrdbg::ProfileKind;
using ctrdbg::SecurityProfile;

namespace {

constexpr std::uint64_t kDockerDefaultCaps = 0xa80425fbULL;  // CapEff of `docker exec` in a default container
constexpr std::uint64_t kPtrace = 1ULL << CAP_SYS_PTRACE;

using unit::fixture;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ctrdbg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// errno of a raw system call, 0 on success.
std::string err_of(long rc) { return std::to_string(rc < 0 ? errno : 0) + " "; }

// Loads `prog` (with no_new_privs) in a child, runs `calls` there and returns what they said.
std::string errnos_under(const ctrdbg::SeccompProgram& prog, const std::function<std::string()>& calls) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(p[0]);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    std::string out;
    if (ctrdbg::load_seccomp_program(prog) != 0)
      out = "load failed " + std::to_string(errno);
    else
      out = calls();
    (void)!::write(p[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  ::waitpid(pid, nullptr, 0);
  return out;
}

std::string status_with(std::uint64_t prm, std::uint64_t eff, std::uint64_t bnd, int seccomp, const char* pid = "7",
                        const char* name = "app") {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t%s\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
                "Groups:\t0 \nCapInh:\t0000000000000000\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\n"
                "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t%d\nSeccomp_filters:\t%d\n",
                name, pid, static_cast<unsigned long long>(prm), static_cast<unsigned long long>(eff),
                static_cast<unsigned long long>(bnd), seccomp, seccomp == 2 ? 1 : 0);
  return buf;
}

const char kContainerCgroup[] =
    "9:name=systemd:/docker/abc\n8:pids:/docker/abc\n5:devices:/docker/abc\n0::/docker/abc\n";

}  // namespace

TEST_CASE("profile kinds are named for -v, the audit line and messages") {
  CHECK(std::string(ctrdbg::profile_kind_name(ProfileKind::debug)) == "debug");
  CHECK(std::string(ctrdbg::profile_kind_name(ProfileKind::privileged)) == "privileged");
  CHECK(std::string(ctrdbg::profile_kind_name(ProfileKind::as_container)) == "as-container");
  Credentials c;
  c.kind = ProfileKind::privileged;
  c.mode = Credentials::Mode::host_root;
  CHECK(c.name() == "privileged");
  CHECK_FALSE(c.changes_identity());
  CHECK(c.describe().find("host root") != std::string::npos);
  c.kind = ProfileKind::debug;
  c.mode = Credentials::Mode::debug;
  c.ptrace_added = true;
  CHECK(c.changes_identity());
  CHECK(c.describe().rfind("debug (the container's confinement + CAP_SYS_PTRACE)", 0) == 0);
}

TEST_CASE("add_debug_extras: CAP_SYS_PTRACE in bounding, permitted, effective; the ptrace calls allowed") {
  SecurityProfile p = ctrdbg::parse_oci_security(fixture("oci-default.json"), {{}, false});
  REQUIRE(p.has_seccomp);
  CHECK(p.seccomp.filter.empty());  // not compiled yet
  const auto rules_before = p.seccomp_spec.rules.size();
  auto named = [&](const char* n) {
    return std::count_if(p.seccomp_spec.rules.begin(), p.seccomp_spec.rules.end(),
                         [&](const ctrdbg::SeccompRule& r) { return r.name == n; });
  };
  CHECK(named("process_vm_readv") == 0);  // Docker gives it only with CAP_SYS_PTRACE
  ctrdbg::add_debug_extras(p);
  CHECK(p.caps.bounding == (kDockerDefaultCaps | kPtrace));
  CHECK(p.caps.permitted == (kDockerDefaultCaps | kPtrace));
  CHECK(p.caps.effective == (kDockerDefaultCaps | kPtrace));
  CHECK(p.caps.inheritable == 0);
  CHECK(p.caps.ambient == 0);  // a non-root -u user loses it at execve, as every capability
  for (const char* n : ctrdbg::kDebugSyscalls) CHECK(named(n) == 1);
  CHECK(p.seccomp_spec.rules.size() == rules_before + 2);  // ptrace's own rule replaced, two added
  ctrdbg::compile_profile_seccomp(p);
  REQUIRE_FALSE(p.seccomp.filter.empty());

  // Under the compiled filter: process_vm_readv and ptrace pass (ptrace of pid 0 is
  // ESRCH from the kernel, not EPERM from the filter); what Docker's profile refuses
  // otherwise stays refused (mount, init_module, unshare of a user namespace, keyctl).
  auto calls = [] {
    std::string r;
    char src[8] = "abcdefg", dst[8] = {};
    iovec local{dst, sizeof dst}, remote{src, sizeof src};
    r += err_of(::syscall(SYS_process_vm_readv, ::getpid(), &local, 1, &remote, 1, 0));
    r += err_of(::syscall(SYS_process_vm_writev, ::getpid(), &remote, 1, &local, 1, 0));
    r += err_of(::syscall(SYS_ptrace, PTRACE_PEEKDATA, 0, 0, 0));
    r += err_of(::syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr));
    r += err_of(::syscall(SYS_init_module, nullptr, 0, ""));
    r += err_of(::syscall(SYS_keyctl, 0, 0, 0, 0, 0));
    return r;
  };
  CHECK(errnos_under(p.seccomp, calls) == fmt::format("0 0 {} {} {} {} ", ESRCH, EPERM, EPERM, EPERM));
  // Docker's own profile, for comparison: process_vm_readv/writev are refused there.
  SecurityProfile plain = ctrdbg::parse_oci_security(fixture("oci-default.json"));
  CHECK(errnos_under(plain.seccomp, calls) == fmt::format("{} {} {} {} {} {} ", EPERM, EPERM, ESRCH, EPERM, EPERM, EPERM));
}

TEST_CASE("add_debug_extras: a rule that refuses ptrace is replaced; perf_event_open stays as the profile says") {
  ctrdbg::SeccompSpec spec = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["ptrace", "perf_event_open", "mkdir"], "action": "SCMP_ACT_ERRNO"},
                 {"names": ["process_vm_readv"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
                  "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})");
  SecurityProfile p;
  p.has_seccomp = true;
  p.seccomp_spec = spec;
  ctrdbg::add_debug_extras(p);
  std::vector<std::string> names;
  for (const auto& r : p.seccomp_spec.rules) names.push_back(r.name + (r.action == SCMP_ACT_ALLOW ? "+" : "-"));
  CHECK(names == std::vector<std::string>{"perf_event_open-", "mkdir-", "ptrace+", "process_vm_readv+",
                                          "process_vm_writev+"});
  // No seccomp in the profile: none is added.
  SecurityProfile none;
  ctrdbg::add_debug_extras(none);
  CHECK_FALSE(none.has_seccomp);
  CHECK(none.seccomp_spec.rules.empty());
  CHECK(none.caps.bounding == kPtrace);
}

TEST_CASE("foreign_process_reason: every process of the namespace must be the container's") {
  const std::string view = ctrdbg::container_cgroup_view("/docker/abc", kContainerCgroup);
  const std::uint64_t allowed = kDockerDefaultCaps | kPtrace;
  std::vector<NamespaceProcess> procs = {
      {"1", status_with(kDockerDefaultCaps, kDockerDefaultCaps, kDockerDefaultCaps, 2, "1", "nginx"), kContainerCgroup},
      {"7", status_with(0, 0, kDockerDefaultCaps, 2, "7", "worker"), kContainerCgroup},
      // another debug session: CAP_SYS_PTRACE is allowed
      {"9", status_with(allowed, allowed, allowed, 2, "9", "sh"), kContainerCgroup},
  };
  CHECK_FALSE(ctrdbg::foreign_process_reason(procs, view, allowed, true));

  // A process below the container's cgroup is still the container's.
  auto sub = procs;
  sub.push_back({"12", status_with(0, 0, kDockerDefaultCaps, 2, "12"), "9:name=systemd:/docker/abc/sub\n"
                                                                       "8:pids:/docker/abc/sub\n5:devices:/docker/abc\n"
                                                                       "0::/docker/abc/sub\n"});
  CHECK_FALSE(ctrdbg::foreign_process_reason(sub, view, allowed, true));

  // nsenter, a --privileged ctrdbg session: outside the container's cgroups.
  auto outside = procs;
  outside.push_back({"30", status_with(~0ULL >> 23, ~0ULL >> 23, ~0ULL >> 23, 0, "30", "bash"),
                     "9:name=systemd:/user.slice\n8:pids:/\n5:devices:/\n0::/user.slice\n"});
  auto why = ctrdbg::foreign_process_reason(outside, view, allowed, true);
  REQUIRE(why);
  CHECK(why->find("pid 30 (bash)") != std::string::npos);
  CHECK(why->find("outside its cgroups") != std::string::npos);
  // A sibling's cgroup whose name only begins like the container's.
  outside.back().cgroup = "9:name=systemd:/docker/abcdef\n8:pids:/docker/abcdef\n5:devices:/docker/abcdef\n0::/docker/abcdef\n";
  CHECK(ctrdbg::foreign_process_reason(outside, view, allowed, true));

  // docker exec --privileged: in the cgroups, with capabilities the container lacks.
  auto privileged = procs;
  privileged.push_back({"31", status_with(~0ULL >> 23, ~0ULL >> 23, ~0ULL >> 23, 2, "31"), kContainerCgroup});
  why = ctrdbg::foreign_process_reason(privileged, view, allowed, true);
  REQUIRE(why);
  CHECK(why->find("capabilities the container does not have") != std::string::npos);
  // ... also when they are only in its bounding set (an execve as root regains them).
  privileged.back().status = status_with(0, 0, ~0ULL >> 23, 2, "31");
  CHECK(ctrdbg::foreign_process_reason(privileged, view, allowed, true));

  // Without the container's seccomp filter.
  auto unfiltered = procs;
  unfiltered.push_back({"32", status_with(0, 0, kDockerDefaultCaps, 0, "32"), kContainerCgroup});
  why = ctrdbg::foreign_process_reason(unfiltered, view, allowed, true);
  REQUIRE(why);
  CHECK(why->find("seccomp") != std::string::npos);
  CHECK_FALSE(ctrdbg::foreign_process_reason(unfiltered, view, allowed, false));  // a container without seccomp

  // A zombie (a session's reaper whose ctrdbg was SIGKILLed, never reaped by an
  // init that does not wait) cannot be traced: it does not count, whatever its
  // cgroup. The same process alive does.
  auto zombie = procs;
  zombie.push_back({"14", "Name:\tctrdbg-session\nState:\tZ (zombie)\nPid:\t14\n", "0::/user.slice\n"});
  CHECK_FALSE(ctrdbg::foreign_process_reason(zombie, view, allowed, true));
  zombie.back().status = status_with(0, 0, kDockerDefaultCaps, 2, "14", "ctrdbg-session");
  CHECK(ctrdbg::foreign_process_reason(zombie, view, allowed, true));

  // Unreadable status, no cgroups to compare with.
  auto broken = procs;
  broken[1].status = "Name:\tx\nPid:\t7\n";
  CHECK(ctrdbg::foreign_process_reason(broken, view, allowed, true));
  CHECK(ctrdbg::foreign_process_reason(procs, "", allowed, true));
}

TEST_CASE("container_cgroup_view / cgroup_within: paths cut at the container's cgroup, prefix by component") {
  CHECK(ctrdbg::container_cgroup_view("/docker/abc", "0::/docker/abc/init.scope\n") == "0::/docker/abc\n");
  CHECK(ctrdbg::container_cgroup_view("system.slice:docker:abc", "0::/system.slice/docker-abc.scope\n") ==
        "0::/system.slice/docker-abc.scope\n");
  CHECK(ctrdbg::container_cgroup_view("", "4:memory:/x/y\nbad line\n0::/../etc\n") == "4:memory:/x/y\n");
  CHECK(ctrdbg::cgroup_within("0::/docker/abc\n", "0::/docker/abc\n"));
  CHECK(ctrdbg::cgroup_within("0::/docker/abc/x/y\n", "0::/docker/abc\n"));
  CHECK_FALSE(ctrdbg::cgroup_within("0::/docker/abcd\n", "0::/docker/abc\n"));
  CHECK_FALSE(ctrdbg::cgroup_within("0::/\n", "0::/docker/abc\n"));
  CHECK_FALSE(ctrdbg::cgroup_within("4:memory:/docker/abc\n", "4:memory:/docker/abc\n5:pids:/docker/abc\n"));
  CHECK_FALSE(ctrdbg::cgroup_within("0::/docker/abc\n", ""));
}

TEST_CASE("parse_process_status: a pid:// target's own confinement") {
  std::string st =
      "Name:\tsleep\nUmask:\t0022\nPid:\t4242\nUid:\t1000\t1001\t1002\t1003\nGid:\t50\t51\t52\t53\n"
      "Groups:\t10 50 \nCapInh:\t0000000000000001\nCapPrm:\t00000000a80425fb\nCapEff:\t0000000000000400\n"
      "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t0\n";
  auto s = ctrdbg::parse_process_status(st);
  CHECK(s.caps.inheritable == 1);
  CHECK(s.caps.permitted == kDockerDefaultCaps);
  CHECK(s.caps.effective == 0x400);
  CHECK(s.caps.bounding == 0x1ffffffffffULL);
  CHECK(s.caps.ambient == 0x400);
  CHECK(s.no_new_privs);
  CHECK(s.seccomp_mode == 0);
  CHECK(s.uid == 1001);  // the effective ids
  CHECK(s.gid == 51);
  CHECK(s.groups == std::vector<std::uint32_t>{10, 50});
  CHECK(ctrdbg::parse_process_status(status_with(0, 0, 0, 2)).seccomp_mode == 2);
  // Empty Groups, no CapAmb (before Linux 4.3).
  std::string old = "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\nCapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t3f\n";
  CHECK(ctrdbg::parse_process_status(old).groups.empty());
  CHECK(ctrdbg::parse_process_status(old).caps.bounding == 0x3f);
  CHECK(error_of([] { ctrdbg::parse_process_status("Uid:\t0\t0\t0\t0\n"); }).find("no CapBnd line") != std::string::npos);
  CHECK(error_of([&] { ctrdbg::parse_process_status(std::string(old).replace(old.find("3f"), 2, "zz")); })
            .find("CapBnd") != std::string::npos);
  CHECK(error_of([] { ctrdbg::parse_process_status(status_with(0, 0, 0, 0) + "Seccomp:\t7\n"); }) == "(no error)");
  CHECK(ctrdbg::parse_capability_hex("000001ffffffffff") == 0x1ffffffffffULL);
  CHECK_FALSE(ctrdbg::parse_capability_hex(""));
  CHECK_FALSE(ctrdbg::parse_capability_hex("12345678901234567"));
  CHECK_FALSE(ctrdbg::parse_capability_hex("-1"));
}

TEST_CASE("apparmor_label_profile: the label of /proc/PID/attr/current") {
  CHECK(ctrdbg::apparmor_label_profile("docker-default (enforce)\n") == "docker-default");
  CHECK(ctrdbg::apparmor_label_profile("my profile (complain)") == "my profile");
  CHECK(ctrdbg::apparmor_label_profile("unconfined\n").empty());
  CHECK(ctrdbg::apparmor_label_profile("").empty());
  CHECK(ctrdbg::apparmor_label_profile("cri-containerd.apparmor.d") == "cri-containerd.apparmor.d");
}

// ---------------------------------------------------------------- on real processes

namespace {

// A child that waits to be killed; `setup` runs in it first. Killed with the object.
struct Child {
  pid_t pid = -1;
  explicit Child(const std::function<void()>& setup) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      setup();
      (void)!::write(p[1], "x", 1);
      for (;;) ::pause();
    }
    ::close(p[1]);
    char c;
    REQUIRE(::read(p[0], &c, 1) == 1);
    ::close(p[0]);
  }
  ~Child() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

ctrdbg::Target pid_target(pid_t pid) {
  ctrdbg::Target t;
  t.engine = "pid";
  t.name = "pid" + std::to_string(pid);
  t.pid = pid;
  return t;
}

// A "container": a process in new PID and mount namespaces with its own procfs at
// /proc, which forks `siblings` more processes into that namespace (each running
// `sibling_setup` first) and then runs `init_setup`. Returns the init's host PID via
// the pipe, which the parent reads.
pid_t start_container(int siblings, const std::function<void()>& sibling_setup,
                      const std::function<void()>& init_setup, Child** holder) {
  int p[2];
  REQUIRE(::pipe2(p, 0) == 0);
  *holder = new Child([&] {
    if (::unshare(CLONE_NEWPID | CLONE_NEWNS) < 0) ::_exit(1);
    pid_t init = ::fork();
    if (init < 0) ::_exit(1);
    if (init == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
      if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0) ::_exit(1);
      for (int i = 0; i < siblings; ++i) {
        if (::fork() == 0) {
          sibling_setup();
          for (;;) ::pause();
        }
      }
      ::usleep(50 * 1000);  // the siblings are set up
      init_setup();
      char done = 'r';
      (void)!::write(p[1], &done, 1);
      for (;;) ::pause();
    }
    char c;
    if (::read(p[0], &c, 1) != 1) ::_exit(1);
    (void)!::write(p[1], &init, sizeof init);
  });
  pid_t init = -1;
  REQUIRE(::read(p[0], &init, sizeof init) == static_cast<ssize_t>(sizeof init));
  ::close(p[0]);
  ::close(p[1]);
  return init;
}

std::uint64_t start_time_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::stringstream ss;
  ss << in.rdbuf();
  return ctrdbg::parse_stat_start_time(ss.str());
}

}  // namespace

TEST_CASE("prepare_credentials: pid:// of a process in our own PID namespace gets no CAP_SYS_PTRACE") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  Child c([] {});
  CredentialRequest req;
  req.ns_flags = 0;  // as namespaces_to_join says for a process of ctrdbg's own PID namespace
  Credentials cr = ctrdbg::prepare_credentials(pid_target(c.pid), c.pid, req);
  CHECK(cr.mode == Credentials::Mode::debug);
  CHECK_FALSE(cr.ptrace_added);
  CHECK(cr.ptrace_note.find("shares ctrdbg's PID namespace") != std::string::npos);
  CHECK(cr.ptrace_note.find("CAP_SYS_PTRACE not added") != std::string::npos);
  CHECK(cr.source == "/proc/" + std::to_string(c.pid) + "/status");
  CHECK_FALSE(cr.profile.has_seccomp);
  CHECK(cr.login_shell);
  CHECK_FALSE(cr.toolset_first);
  // Its own ids and capability sets, not root's.
  std::ifstream in("/proc/self/status");
  std::stringstream ss;
  ss << in.rdbuf();
  auto self = ctrdbg::parse_process_status(ss.str());
  CHECK(cr.profile.caps.bounding == self.caps.bounding);
  CHECK(cr.profile.uid == self.uid);

  // --privileged: host root, the toolset first, no login shell.
  req.profile = ProfileKind::privileged;
  cr = ctrdbg::prepare_credentials(pid_target(c.pid), c.pid, req);
  CHECK(cr.mode == Credentials::Mode::host_root);
  CHECK_FALSE(cr.login_shell);
  CHECK(cr.toolset_first);
  CHECK(cr.home == "/root");
  // --as-container: a plain process has no spec.
  req.profile = ProfileKind::as_container;
  CHECK(error_of([&] { ctrdbg::prepare_credentials(pid_target(c.pid), c.pid, req); }).find("has no OCI runtime spec") !=
        std::string::npos);
}

TEST_CASE("prepare_credentials: pid:// of a process under a seccomp filter is refused, naming --privileged") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  Child c([] {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    sock_fprog prog{1, &allow};
    ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  });
  std::string err = error_of([&] { ctrdbg::prepare_credentials(pid_target(c.pid), c.pid, {}); });
  CHECK(err.find("seccomp filter") != std::string::npos);
  CHECK(err.find("--privileged") != std::string::npos);
  CredentialRequest priv;
  priv.profile = ProfileKind::privileged;
  CHECK(error_of([&] { ctrdbg::prepare_credentials(pid_target(c.pid), c.pid, priv); }) == "(no error)");
}

TEST_CASE("prepare_credentials: a PID namespace with only the container's processes gets CAP_SYS_PTRACE") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  Child* holder = nullptr;
  pid_t init = start_container(2, [] {}, [] {}, &holder);
  std::unique_ptr<Child> keep(holder);
  CredentialRequest req;
  req.ns_flags = CLONE_NEWPID | CLONE_NEWNS;
  req.start_time = start_time_of(init);
  Credentials cr = ctrdbg::prepare_credentials(pid_target(init), init, req);
  CHECK_MESSAGE(cr.ptrace_added, cr.ptrace_note);
  CHECK((cr.profile.caps.effective & kPtrace) != 0);
  CHECK(cr.describe().find("+ CAP_SYS_PTRACE") != std::string::npos);

  // The wrong start time: the procfs found is not the one of that process's namespace.
  req.start_time = 12345;
  cr = ctrdbg::prepare_credentials(pid_target(init), init, req);
  CHECK_FALSE(cr.ptrace_added);
  CHECK(cr.ptrace_note.find("not the procfs of its PID namespace") != std::string::npos);
}

TEST_CASE("prepare_credentials: a process of the namespace with capabilities the target lacks: no CAP_SYS_PTRACE") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  // The sibling keeps every capability; the init drops CAP_SYS_ADMIN from its sets.
  Child* holder = nullptr;
  pid_t init = start_container(
      1, [] { ::prctl(PR_SET_NAME, "privileged-sib"); },
      [] {
        const std::uint32_t drop = (1U << CAP_SYS_ADMIN) | (1U << CAP_SYS_PTRACE);
        ::prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0);
        ::prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0);
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        ::syscall(SYS_capget, &hdr, data);
        data[0].effective &= ~drop;
        data[0].permitted &= ~drop;
        data[0].inheritable &= ~drop;
        ::syscall(SYS_capset, &hdr, data);
      },
      &holder);
  std::unique_ptr<Child> keep(holder);
  CredentialRequest req;
  req.ns_flags = CLONE_NEWPID | CLONE_NEWNS;
  req.start_time = start_time_of(init);
  Credentials cr = ctrdbg::prepare_credentials(pid_target(init), init, req);
  CHECK_FALSE(cr.ptrace_added);
  CHECK(cr.ptrace_note.find("(privileged-sib)") != std::string::npos);
  CHECK(cr.ptrace_note.find("capabilities the container does not have") != std::string::npos);
  CHECK((cr.profile.caps.effective & kPtrace) == 0);
  CHECK((cr.profile.caps.bounding & (kPtrace | (1ULL << CAP_SYS_ADMIN))) == 0);

  // --privileged into it: the sibling holding CAP_SYS_PTRACE is named (the init has none).
  auto who = ctrdbg::process_with_sys_ptrace(init, CLONE_NEWPID);
  REQUIRE(who);
  CHECK(who->find("(privileged-sib)") != std::string::npos);
  CHECK_FALSE(ctrdbg::process_with_sys_ptrace(init, 0));  // the init alone
}
