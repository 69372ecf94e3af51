// The container's security profile (the default profile and --as-container): OCI spec parsing, capability
// names, seccomp compiled with libseccomp (and what the filter does, in a forked
// child), docker exec's user resolution, cgroup paths, apply_security itself.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "ctrdbg/error.hpp"
#include "ctrdbg/security.hpp"
#include "unit_helpers.hpp"

using ctrdbg::Error;
using ctrdbg::SecurityProfile;
using IdList = std::vector<std::uint32_t>;

namespace {

// tests/unit/fixtures/oci-default.json: the config.json Docker 20.10 (runc 1.1) wrote
// for `docker run -d ctrdbg-test/busybox sleep 1000` — default capabilities and the
// default seccomp profile.
using unit::fixture;

constexpr std::uint64_t kDockerDefaultCaps = 0xa80425fbULL;  // CapEff of `docker exec` in a default container

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Runs `body` in a forked child and returns what it wrote to the pipe fd it is given.
std::string in_child(const std::function<void(int out)>& body) {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(p[0]);
    body(p[1]);
    ::_exit(0);
  }
  ::close(p[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_MESSAGE(WIFEXITED(status), "child wait status " << status);
  return out;
}

void put(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// errno of a raw system call, 0 on success ("-" + errno as text, space separated).
std::string err_of(long rc) { return std::to_string(rc < 0 ? errno : 0) + " "; }

// Loads `prog` (with no_new_privs, so no privilege is needed) in a child, runs the
// system calls of `calls` and returns their errnos.
std::string errnos_under(const ctrdbg::SeccompProgram& prog, const std::function<std::string()>& calls) {
  return in_child([&](int out) {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    sock_fprog fp{static_cast<unsigned short>(prog.filter.size()), const_cast<sock_filter*>(prog.filter.data())};
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags, &fp) != 0) {
      put(out, "load failed " + std::to_string(errno));
      return;
    }
    put(out, calls());
  });
}

std::string status_lines(const std::vector<std::string>& keys) {
  std::ifstream in("/proc/self/status");
  std::string line, out;
  while (std::getline(in, line))
    for (const auto& k : keys)
      if (line.rfind(k + ":", 0) == 0) out += line + "\n";
  return out;
}

const char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "app:x:1000:1000:App:/home/app:/bin/sh\n"
    "# a comment\n"
    "web:x:1001:1001::/srv/web:/bin/sh\n"
    "dup:x:1000:5:dup of 1000:/:/bin/sh\n"
    "short\n";
const char kGroup[] =
    "root:x:0:root\n"
    "wheel:x:10:root,app\n"
    "app:x:1000:\n"
    "web:x:1001:app\n"
    "staff:x:50:web,app\n";

}  // namespace

// ---------------------------------------------------------------- capabilities

TEST_CASE("capability names and numbers") {
  CHECK(ctrdbg::capability_number("CAP_CHOWN") == 0);
  CHECK(ctrdbg::capability_number("CAP_NET_BIND_SERVICE") == 10);
  CHECK(ctrdbg::capability_number("CAP_SYS_ADMIN") == 21);
  CHECK(ctrdbg::capability_number("CAP_AUDIT_READ") == 37);
  CHECK(ctrdbg::capability_number("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK_FALSE(ctrdbg::capability_number("cap_chown"));  // runc wants the exact upper-case name
  CHECK_FALSE(ctrdbg::capability_number("CHOWN"));
  CHECK_FALSE(ctrdbg::capability_number("CAP_FOO"));
  for (int i = 0; i <= ctrdbg::kLastKnownCapability; ++i) {
    const char* n = ctrdbg::capability_name(i);
    REQUIRE(n != nullptr);
    CHECK(ctrdbg::capability_number(n) == i);
  }
  CHECK(ctrdbg::capability_name(41) == nullptr);
  CHECK(ctrdbg::capability_name(-1) == nullptr);

  std::vector<std::string> names = {"CAP_KILL", "CAP_BOGUS", "CAP_NET_RAW", "CAP_KILL", "CAP_FUTURE_THING"};
  auto m = ctrdbg::capability_mask(names);
  CHECK(m.mask == ((1ULL << 5) | (1ULL << 13)));
  CHECK(m.unknown == std::vector<std::string>{"CAP_BOGUS", "CAP_FUTURE_THING"});
}

TEST_CASE("rlimit names") {
  CHECK(ctrdbg::rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK(ctrdbg::rlimit_resource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  CHECK_FALSE(ctrdbg::rlimit_resource("RLIMIT_NOPE"));
  CHECK(std::string(ctrdbg::rlimit_name(RLIMIT_NPROC)) == "RLIMIT_NPROC");
}

// ---------------------------------------------------------------- the OCI spec

TEST_CASE("parse_oci_security: Docker's default container") {
  SecurityProfile p = ctrdbg::parse_oci_security(fixture("oci-default.json"));
  CHECK(p.caps.bounding == kDockerDefaultCaps);
  CHECK(p.caps.effective == kDockerDefaultCaps);
  CHECK(p.caps.permitted == kDockerDefaultCaps);
  CHECK(p.caps.inheritable == 0);
  CHECK(p.caps.ambient == 0);
  CHECK(p.unknown_capabilities.empty());
  CHECK_FALSE(p.no_new_privs);
  CHECK(p.uid == 0);
  CHECK(p.gid == 0);
  CHECK(p.additional_gids == IdList{0});
  CHECK_FALSE(p.umask);
  CHECK(p.rlimits.empty());
  CHECK(p.oom_score_adj == 0);
  CHECK(p.apparmor_profile.empty());
  CHECK(p.cgroups_path.rfind("/docker/", 0) == 0);
  CHECK(p.session_keyring.empty());
  REQUIRE(p.has_seccomp);
  CHECK(p.seccomp.flags == 0);  // no "flags": runc 1.1 sets none
  CHECK(p.seccomp.filter.size() > 100);
  CHECK(p.seccomp.filter.size() <= BPF_MAXINSNS);
  ctrdbg::set_container_id(p, "abc");
  CHECK(p.session_keyring == "_ses.abc");
}

TEST_CASE("parse_oci_security: every field") {
  const char* spec = R"({
    "process": {
      "user": {"uid": 1000, "gid": 1000, "additionalGids": [1000, 10, 1000, 50], "umask": 18},
      "noNewPrivileges": true,
      "capabilities": {
        "bounding": ["CAP_NET_BIND_SERVICE", "CAP_WHATEVER"],
        "effective": ["CAP_NET_BIND_SERVICE"],
        "permitted": ["CAP_NET_BIND_SERVICE"],
        "inheritable": ["CAP_NET_BIND_SERVICE"],
        "ambient": ["CAP_NET_BIND_SERVICE", "CAP_WHATEVER"]
      },
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
                  {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}],
      "oomScoreAdj": -500,
      "apparmorProfile": "docker-default"
    },
    "linux": {"cgroupsPath": "system.slice:docker:abc"}
  })";
  SecurityProfile p = ctrdbg::parse_oci_security(spec);
  CHECK(p.uid == 1000);
  CHECK(p.gid == 1000);
  CHECK(p.additional_gids == IdList{1000, 10, 50});  // runc deduplicates
  CHECK(p.umask == 022u);
  CHECK(p.no_new_privs);
  CHECK(p.caps.bounding == 1ULL << 10);
  CHECK(p.caps.ambient == 1ULL << 10);
  CHECK(p.unknown_capabilities == std::vector<std::string>{"CAP_WHATEVER"});
  REQUIRE(p.rlimits.size() == 2);
  CHECK(p.rlimits[0].resource == RLIMIT_NOFILE);
  CHECK(p.rlimits[0].soft == 1024);
  CHECK(p.rlimits[0].hard == 4096);
  CHECK(p.rlimits[1].hard == ~0ULL);
  CHECK(p.oom_score_adj == -500);
  CHECK(p.apparmor_profile == "docker-default");
  CHECK_FALSE(p.apparmor_enabled);  // the host's business: apparmor_enabled_on_host()
  CHECK(p.cgroups_path == "system.slice:docker:abc");
  CHECK_FALSE(p.has_seccomp);
}

TEST_CASE("parse_oci_security: absent pieces") {
  SecurityProfile p = ctrdbg::parse_oci_security("{}");
  // No process.capabilities: runc gives the process no capabilities at all.
  CHECK(p.caps.bounding == 0);
  CHECK(p.caps.effective == 0);
  CHECK_FALSE(p.has_seccomp);
  // runc's SetupSeccomp: no defaultAction and no syscalls = no seccomp.
  CHECK_FALSE(ctrdbg::parse_oci_security(R"({"linux": {"seccomp": {}}})").has_seccomp);
  CHECK_FALSE(ctrdbg::parse_oci_security(R"({"linux": {"seccomp": {"syscalls": []}}})").has_seccomp);
  CHECK(ctrdbg::parse_oci_security(R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}}})").has_seccomp);
}

TEST_CASE("parse_oci_security: errors name the field") {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {"not json", "config.json: not JSON"},
      {"[1]", "not a JSON object"},
      {R"({"process": {"capabilities": {"bounding": "CAP_CHOWN"}}})", "process.capabilities.bounding: not an array"},
      {R"({"process": {"capabilities": {"effective": ["CAP_CHOWN", 3]}}})",
       "process.capabilities.effective[1]: not a string"},
      {R"({"process": {"noNewPrivileges": "yes"}})", "process.noNewPrivileges: not a boolean"},
      {R"({"process": {"user": {"uid": -1}}})", "process.user.uid: -1 is negative"},
      {R"({"process": {"user": {"uid": "0"}}})", "process.user.uid: not a non-negative integer"},
      {R"({"process": {"user": {"gid": 4294967296}}})", "process.user.gid: 4294967296 is out of range"},
      {R"({"process": {"user": {"additionalGids": [0, "x"]}}})", "process.user.additionalGids[1]"},
      {R"({"process": {"user": {"umask": 4096}}})", "process.user.umask"},
      {R"({"process": {"rlimits": [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]}})",
       "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\""},
      {R"({"process": {"rlimits": [{"hard": 1, "soft": 1}]}})", "process.rlimits[0].type: missing"},
      {R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 2}]}})",
       "process.rlimits[0]: soft limit 2 is above the hard limit 1"},
      {R"({"process": {"oomScoreAdj": 2000}})", "process.oomScoreAdj"},
      {R"({"process": {"apparmorProfile": 1}})", "process.apparmorProfile: not a string"},
      {R"({"linux": {"cgroupsPath": []}})", "linux.cgroupsPath: not a string"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_NOPE"}}})",
       "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""},
      {R"({"linux": {"seccomp": {"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}}})",
       "linux.seccomp.defaultAction: unknown action \"\""},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_NOTIFY"}}})", "SCMP_ACT_NOTIFY needs a seccomp agent"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"]}}})",
       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}}})",
       "linux.seccomp.flags[0]: seccomp flag \"SECCOMP_FILTER_FLAG_BOGUS\" is not supported"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["write"]}]}}})",
       "linux.seccomp.syscalls[1].action: missing"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", ""], "action": "SCMP_ACT_ALLOW"}]}}})",
       "linux.seccomp.syscalls[0].names[1]: empty string is not a valid syscall"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]}}})",
       "linux.seccomp.syscalls[0].args[0].index: 6 is out of range"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_LIKE"}]}]}}})",
       "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_LIKE\""},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}}})",
       "linux.seccomp.syscalls[0].args[0].value: -1 is negative"},
      {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": "EPERM"}}})",
       "linux.seccomp.defaultErrnoRet: not a non-negative integer"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    CHECK(error_of([&] { ctrdbg::parse_oci_security(c.json); }).find(c.expect) != std::string::npos);
  }
  CHECK(error_of([] { ctrdbg::parse_seccomp("{"); }).find("linux.seccomp: not JSON") != std::string::npos);
}

// ---------------------------------------------------------------- seccomp

TEST_CASE("parse_seccomp: actions, errno values, names expanded") {
  auto s = ctrdbg::parse_seccomp(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRACE"},
      {"names": ["kill"], "action": "SCMP_ACT_KILL"},
      {"names": ["tkill"], "action": "SCMP_ACT_KILL_PROCESS"},
      {"names": ["tgkill"], "action": "SCMP_ACT_KILL_THREAD"},
      {"names": ["acct"], "action": "SCMP_ACT_TRAP", "errnoRet": 5},
      {"names": ["uname"], "action": "SCMP_ACT_LOG"},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
    ]})");
  CHECK(s.default_action == (0x00050000u | 38u));
  CHECK(s.architectures.size() == 3);
  CHECK(s.flags_given);
  CHECK(s.flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
  REQUIRE(s.rules.size() == 11);
  CHECK(s.rules[0].name == "read");
  CHECK(s.rules[1].name == "write");
  CHECK(s.rules[0].action == 0x7fff0000u);
  CHECK(s.rules[2].action == (0x00050000u | EPERM));  // ERRNO without errnoRet: EPERM, like runc
  CHECK(s.rules[3].action == (0x00050000u | 13u));
  CHECK(s.rules[4].action == (0x7ff00000u | EPERM));  // TRACE: EPERM too
  CHECK(s.rules[5].action == 0u);                     // KILL = KILL_THREAD
  CHECK(s.rules[6].action == 0x80000000u);
  CHECK(s.rules[7].action == 0u);
  CHECK(s.rules[8].action == 0x00030000u);  // TRAP ignores errnoRet
  CHECK(s.rules[9].action == 0x7ffc0000u);
  REQUIRE(s.rules[10].args.size() == 1);
  CHECK(s.rules[10].args[0].op == ctrdbg::SeccompOp::masked_eq);
  CHECK(s.rules[10].args[0].value == 2114060288u);

  auto prog = ctrdbg::compile_seccomp(s);
  CHECK(prog.flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
  // No "flags" at all: runc >= 1.2 would add SPEC_ALLOW, runc 1.1 does not.
  auto bare = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  CHECK(ctrdbg::compile_seccomp(bare).flags == 0);
  ctrdbg::SeccompOptions o;
  o.spec_allow_when_flags_absent = true;
  CHECK(ctrdbg::compile_seccomp(bare, o).flags == SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  auto empty_flags = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": []})");
  CHECK(ctrdbg::compile_seccomp(empty_flags, o).flags == 0);
}

TEST_CASE("compile_seccomp: unknown syscalls are skipped and listed, redundant rules dropped") {
  auto s = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["getpid", "no_such_syscall_xyz", "getppid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["no_such_syscall_xyz"], "action": "SCMP_ACT_LOG"}]})");
  auto prog = ctrdbg::compile_seccomp(s);
  CHECK(prog.skipped == std::vector<std::string>{"no_such_syscall_xyz"});
  CHECK_FALSE(prog.filter.empty());
}

TEST_CASE("Docker's default profile compiles and filters like runc's") {
  SecurityProfile p = ctrdbg::parse_oci_security(fixture("oci-default.json"));
  REQUIRE(p.has_seccomp);
  // getpid: allowed; keyctl: not listed -> default EPERM; clone3: listed with ENOSYS;
  // personality: allowed for 0xffffffff (query), not for 0x1234; syscall 1000 (newer
  // than anything the profile names): ENOSYS from runc's stub, not EPERM.
  auto calls = [] {
    std::string r;
    r += err_of(::syscall(SYS_getpid));
    r += err_of(::syscall(SYS_keyctl, 0, 0, 0, 0, 0));
    r += err_of(::syscall(SYS_clone3, nullptr, 0));
    r += err_of(::syscall(SYS_personality, 0xffffffffUL));
    r += err_of(::syscall(SYS_personality, 0x1234UL));
    r += err_of(::syscall(1000));
    return r;
  };
  CHECK(errnos_under(p.seccomp, calls) == fmt::format("0 {} {} 0 {} {} ", EPERM, ENOSYS, EPERM, ENOSYS));

  // Without the stub an unknown number meets the default action.
  auto spec_text = fixture("oci-default.json");
  ctrdbg::SecurityParseOptions no_stub;
  no_stub.seccomp.enosys_stub = false;
  SecurityProfile q = ctrdbg::parse_oci_security(spec_text, no_stub);
  CHECK(q.seccomp.filter.size() < p.seccomp.filter.size());
  CHECK(errnos_under(q.seccomp, [] { return err_of(::syscall(1000)) + err_of(::syscall(SYS_getpid)); }) ==
        fmt::format("{} 0 ", EPERM));
}

TEST_CASE("compile_seccomp: argument rules, errno returns, runc's same-argument fallback") {
  auto s = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 7, "op": "SCMP_CMP_EQ"}]},
      {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 0, "value": 448, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
       "args": [{"index": 0, "value": 100, "op": "SCMP_CMP_GT"}]}
    ]})");
  auto prog = ctrdbg::compile_seccomp(s);
  // Default ALLOW: no -ENOSYS stub (runc only adds it for a non-permissive default).
  auto calls = [] {
    std::string r;
    r += err_of(::syscall(SYS_getpriority, 0, 7));  // both conditions: 42
    r += err_of(::syscall(SYS_getpriority, 0, 0));  // only one: allowed
    r += err_of(::syscall(SYS_getpriority, 1, 0));  // same-argument conditions are ORed (separate rules): 7
    r += err_of(::syscall(SYS_getpriority, 2, 0));  // 7
    r += err_of(::syscall(SYS_umask, 0777));        // (0777 & 0700) == 0700: 13
    r += err_of(::syscall(SYS_umask, 0022));        // allowed
    r += err_of(::syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-dir/x", 0700));  // EPERM from the filter
    r += err_of(::syscall(SYS_getpgid, 0));                                     // 0 <= 100: allowed
    r += err_of(::syscall(SYS_getpgid, 101));                                   // 9
    r += err_of(::syscall(1000));                                               // default ALLOW, the kernel says ENOSYS
    return r;
  };
  CHECK(errnos_under(prog, calls) == fmt::format("42 0 7 7 13 0 {} 0 9 {} ", EPERM, ENOSYS));
}

// ---------------------------------------------------------------- users

TEST_CASE("parse_passwd / parse_group: runc's leniency") {
  auto users = ctrdbg::parse_passwd(
      "root:x:0:0:root:/root:/bin/sh\r\n"
      "\n   \n"
      "  spaced:x:7:8::/home/s:/bin/sh  \n"
      "# not a comment for runc\n"
      "short\n"
      "badnum:x:abc:-3:::\n"
      "last:x:9:9::/l:/bin/sh");  // no final newline
  REQUIRE(users.size() == 6);
  CHECK(users[0].home == "/root");
  CHECK(users[1].name == "spaced");
  CHECK(users[1].uid == 7);
  CHECK(users[1].gid == 8);
  CHECK(users[2].name == "# not a comment for runc");
  CHECK(users[3].name == "short");
  CHECK(users[3].uid == 0);
  CHECK(users[3].home.empty());
  CHECK(users[4].uid == 0);  // not a number: 0, like runc
  CHECK(users[4].gid == -3);
  CHECK(users[5].name == "last");

  auto groups = ctrdbg::parse_group("# comment\nwheel:x:10:root,app\n\nempty:x:11:\nnolist:x:12\n  g:x:13:a  \n");
  REQUIRE(groups.size() == 4);
  CHECK(groups[0].members == std::vector<std::string>{"root", "app"});
  CHECK(groups[1].members.empty());
  CHECK(groups[2].gid == 12);
  CHECK(groups[3].members == std::vector<std::string>{"a"});

  std::string huge(1 << 20, 'x');
  auto big = ctrdbg::parse_passwd(huge + "\napp:x:5:5::/h:/bin/sh\n");
  REQUIRE(big.size() == 2);
  CHECK(big[1].uid == 5);
  CHECK(ctrdbg::parse_passwd("").empty());
}

TEST_CASE("resolve_user: docker exec -u (observed with Docker 20.10 + runc 1.1)") {
  struct Case {
    const char* spec;
    std::uint32_t uid, gid;
    IdList groups;
    const char* home;
  };
  // Each line is what `docker exec -u SPEC` showed (Uid/Gid/Groups of /proc/self/status,
  // $HOME) in a container with kPasswd / kGroup as /etc/passwd and /etc/group.
  const Case cases[] = {
      {"app", 1000, 1000, {1000, 10, 1001, 50}, "/home/app"},
      {"1000", 1000, 1000, {1000, 10, 1001, 50}, "/home/app"},
      {"01000", 1000, 1000, {1000, 10, 1001, 50}, "/home/app"},
      {"+1000", 1000, 1000, {1000, 10, 1001, 50}, "/home/app"},
      {"app:", 1000, 1000, {1000, 10, 1001, 50}, "/home/app"},
      {"app:staff", 1000, 50, {50}, "/home/app"},
      {"app:10", 1000, 10, {10}, "/home/app"},
      {"1000:1001", 1000, 1001, {1001}, "/home/app"},
      {"4242", 4242, 0, {0}, "/"},
      {"4242:77", 4242, 77, {77}, "/"},
      {"root", 0, 0, {0, 10}, "/root"},
      {"0", 0, 0, {0, 10}, "/root"},
      {"", 0, 0, {0, 10}, "/root"},
      {":app", 0, 1000, {1000}, "/root"},
      {"web", 1001, 1001, {1001, 50}, "/srv/web"},
      {"1001:web", 1001, 1001, {1001}, "/srv/web"},
      {"daemon:app", 1, 1000, {1000}, "/usr/sbin"},
      {"short", 0, 0, {0}, "/root"},  // a bare name line: uid 0, HOME of uid 0's first entry
      {"short:wheel", 0, 10, {10}, "/root"},
      {"# a comment", 0, 0, {0}, "/root"},  // runc does not skip '#' lines in passwd
      {"dup", 1000, 5, {5}, "/home/app"},   // HOME comes from the first entry with uid 1000
  };
  for (const auto& c : cases) {
    CAPTURE(c.spec);
    auto u = ctrdbg::resolve_user(c.spec, kPasswd, kGroup);
    CHECK(u.uid == c.uid);
    CHECK(u.gid == c.gid);
    CHECK(u.additional_gids == c.groups);
    CHECK(u.home == c.home);
  }
  CHECK(error_of([] { ctrdbg::resolve_user("nobody", kPasswd, kGroup); }) ==
        "unable to find user nobody: no matching entries in passwd file");
  CHECK(error_of([] { ctrdbg::resolve_user("app:nogroup", kPasswd, kGroup); }) ==
        "unable to find group nogroup: no matching entries in group file");
  CHECK(error_of([] { ctrdbg::resolve_user("-1", kPasswd, kGroup); }) == "uids and gids must be in range 0-2147483647");
  CHECK(error_of([] { ctrdbg::resolve_user("2147483648", kPasswd, kGroup); }) ==
        "uids and gids must be in range 0-2147483647");
  CHECK(error_of([] { ctrdbg::resolve_user("0:2147483648", kPasswd, kGroup); }) ==
        "uids and gids must be in range 0-2147483647");
  // Beyond int64 Atoi fails: the argument is a name.
  CHECK(error_of([] { ctrdbg::resolve_user("99999999999999999999", kPasswd, kGroup); }) ==
        "unable to find user 99999999999999999999: no matching entries in passwd file");
}

TEST_CASE("resolve_user: --group-add and missing files") {
  // `docker run --group-add 77 --group-add staff`, then docker exec [-u ...].
  std::vector<std::string> add = {"77", "staff"};
  auto u = ctrdbg::resolve_user("", kPasswd, kGroup, add);
  CHECK(u.additional_gids == IdList{0, 10, 77, 50});  // Groups: 0 10 50 77
  u = ctrdbg::resolve_user("app", kPasswd, kGroup, add);
  CHECK(u.additional_gids == IdList{1000, 10, 1001, 50, 77});
  u = ctrdbg::resolve_user("4242:3", kPasswd, kGroup, add);
  CHECK(u.additional_gids == IdList{3, 77, 50});
  std::vector<std::string> bogus = {"nosuchgroup"};
  CHECK(error_of([&] { ctrdbg::resolve_user("app", kPasswd, kGroup, bogus); }) == "unable to find group nosuchgroup");

  // No /etc/passwd, no /etc/group (FROM scratch): numbers only; HOME "/".
  u = ctrdbg::resolve_user("1000", "", "");
  CHECK(u.uid == 1000);
  CHECK(u.gid == 0);
  CHECK(u.additional_gids == IdList{0});
  CHECK(u.home == "/");
  u = ctrdbg::resolve_user("1000:1000", "", "");
  CHECK(u.additional_gids == IdList{1000});
  CHECK(ctrdbg::resolve_user("", "", "").home == "/");
  CHECK(error_of([] { ctrdbg::resolve_user("app", "", ""); }).find("unable to find user app") == 0);
  CHECK(error_of([] { ctrdbg::resolve_user("1000:app", "", ""); }).find("unable to find group app") == 0);

  CHECK(ctrdbg::home_for_uid(0, kPasswd) == "/root");
  CHECK(ctrdbg::home_for_uid(1000, kPasswd) == "/home/app");
  CHECK(ctrdbg::home_for_uid(5555, kPasswd) == "/");
  CHECK(ctrdbg::home_for_uid(0, "") == "/");

  SecurityProfile p;
  ctrdbg::apply_user(p, ctrdbg::resolve_user("web", kPasswd, kGroup));
  CHECK(p.uid == 1001);
  CHECK(p.additional_gids == IdList{1001, 50});
}

TEST_CASE("read_container_file: symlinks stay inside the container's root") {
  char tmpl[] = "/tmp/ctrdbg-sec-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::filesystem::path root = tmpl;
  std::filesystem::create_directories(root / "etc");
  std::filesystem::create_directories(root / "real");
  std::ofstream(root / "real/passwd") << "app:x:1000:1000::/home/app:/bin/sh\n";
  std::filesystem::create_symlink("/real/passwd", root / "etc/passwd");             // absolute: the container's /real
  std::filesystem::create_symlink("../../../../../etc/hostname", root / "etc/up");  // cannot climb out
  std::filesystem::create_symlink("/etc/hostname", root / "etc/host");              // the container's, not the host's
  std::ofstream(root / "etc/hostname") << "container\n";
  std::ofstream(root / "etc/big") << std::string(5000, 'x');
  int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(ctrdbg::read_container_file(fd, "/etc/passwd").value_or("?") == "app:x:1000:1000::/home/app:/bin/sh\n");
  CHECK(ctrdbg::read_container_file(fd, "etc/passwd").value_or("?") == "app:x:1000:1000::/home/app:/bin/sh\n");
  CHECK(ctrdbg::read_container_file(fd, "/etc/up").value_or("?") == "container\n");
  CHECK(ctrdbg::read_container_file(fd, "/etc/host").value_or("?") == "container\n");
  CHECK(ctrdbg::read_container_file(fd, "/../../etc/hostname").value_or("?") == "container\n");
  errno = 0;
  CHECK_FALSE(ctrdbg::read_container_file(fd, "/etc/group"));
  CHECK(errno == ENOENT);
  CHECK_FALSE(ctrdbg::read_container_file(fd, "/etc/big", 4096));
  CHECK(errno == EFBIG);
  CHECK_FALSE(ctrdbg::read_container_file(fd, "/etc"));
  ::close(fd);
  std::filesystem::remove_all(root);
}

// ---------------------------------------------------------------- cgroups

namespace {
const std::string kId = "53597bd304af943b1be0f2a472b454a4197a4e5536986c9f46c17f553c0f9c4d";

// A cgroup v1 host (Docker, cgroupfs driver) with the v2 hierarchy at /sys/fs/cgroup/unified.
const std::string kV1Cgroup = "9:name=systemd:/docker/" + kId +
                              "\n"
                              "8:pids:/docker/" +
                              kId +
                              "\n"
                              "4:memory:/docker/" +
                              kId +
                              "\n"
                              "2:cpu,cpuacct:/docker/" +
                              kId +
                              "/sub\n"
                              "0::/docker/" +
                              kId + "\n";
const std::string kV1Mountinfo =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
}  // namespace

TEST_CASE("cgroup_targets: cgroup v1 (+ unified), from mountinfo") {
  auto t = ctrdbg::cgroup_targets("/docker/" + kId, kV1Cgroup, kV1Mountinfo);
  REQUIRE(t.size() == 5);
  CHECK(t[0].procs_file == "/sys/fs/cgroup/systemd/docker/" + kId + "/cgroup.procs");
  CHECK(t[1].procs_file == "/sys/fs/cgroup/pids/docker/" + kId + "/cgroup.procs");
  CHECK(t[2].procs_file == "/sys/fs/cgroup/memory/docker/" + kId + "/cgroup.procs");
  // The init moved itself below the container's cgroup: runc exec uses the container's.
  CHECK(t[3].procs_file == "/sys/fs/cgroup/cpu,cpuacct/docker/" + kId + "/cgroup.procs");
  CHECK(t[3].fallback_procs_file.empty());  // v1: no fallback
  CHECK(t[4].procs_file == "/sys/fs/cgroup/unified/docker/" + kId + "/cgroup.procs");

  // Without mountinfo: the usual layout.
  auto files = ctrdbg::cgroup_procs_files("/docker/" + kId, kV1Cgroup);
  REQUIRE(files.size() == 5);
  CHECK(files[0] == "/sys/fs/cgroup/systemd/docker/" + kId + "/cgroup.procs");
  CHECK(files[3] == "/sys/fs/cgroup/cpu,cpuacct/docker/" + kId + "/cgroup.procs");
  CHECK(files[4] == "/sys/fs/cgroup/unified/docker/" + kId + "/cgroup.procs");

  // A hierarchy mounted nowhere on the host is left out.
  std::string no_unified = kV1Mountinfo.substr(0, kV1Mountinfo.find("40 30"));
  CHECK(ctrdbg::cgroup_targets("/docker/" + kId, kV1Cgroup, no_unified).size() == 4);
}

TEST_CASE("cgroup_targets: cgroup v2, systemd driver, init below the container's cgroup") {
  std::string scope = "/system.slice/docker-" + kId + ".scope";
  std::string mountinfo =
      "25 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
  auto t = ctrdbg::cgroup_targets("system.slice:docker:" + kId, "0::" + scope + "\n", mountinfo);
  REQUIRE(t.size() == 1);
  CHECK(t[0].procs_file == "/sys/fs/cgroup" + scope + "/cgroup.procs");
  CHECK(t[0].fallback_procs_file.empty());

  t = ctrdbg::cgroup_targets("system.slice:docker:" + kId, "0::" + scope + "/init\n", mountinfo);
  REQUIRE(t.size() == 1);
  CHECK(t[0].procs_file == "/sys/fs/cgroup" + scope + "/cgroup.procs");
  CHECK(t[0].fallback_procs_file == "/sys/fs/cgroup" + scope + "/init/cgroup.procs");

  // Pure v2 without mountinfo: /sys/fs/cgroup itself.
  CHECK(ctrdbg::cgroup_procs_files("system.slice:docker:" + kId, "0::" + scope + "\n") ==
        std::vector<std::string>{"/sys/fs/cgroup" + scope + "/cgroup.procs"});

  // Kubernetes (cgroupfs driver), a mount point with an escaped space, a bind of a subtree.
  std::string kube = "/kubepods/besteffort/pod1234/" + kId;
  std::string odd =
      "25 1 0:22 / /sys/fs/cg\\040root rw - cgroup2 cgroup2 rw\n"
      "26 1 0:22 /kubepods /mnt/kube rw - cgroup2 cgroup2 rw\n";
  t = ctrdbg::cgroup_targets(kube, "0::" + kube + "\n", odd);
  REQUIRE(t.size() == 1);
  CHECK(t[0].procs_file == "/sys/fs/cg root" + kube + "/cgroup.procs");  // the mount of the whole tree wins
  t = ctrdbg::cgroup_targets(kube, "0::" + kube + "\n", "26 1 0:22 /kubepods /mnt/kube rw - cgroup2 cgroup2 rw\n");
  REQUIRE(t.size() == 1);
  CHECK(t[0].procs_file == "/mnt/kube/besteffort/pod1234/" + kId + "/cgroup.procs");
}

TEST_CASE("cgroup_targets: hostile or malformed lines are skipped") {
  std::string text =
      "garbage\n"
      "x:memory:/docker/a\n"
      "3:memory:relative\n"
      "4:pids:/docker/../../etc\n"
      "5:pids:/docker/./a\n"
      "0:memory:/docker/a\n"
      "6::/docker/a\n"
      "\n"
      "7:devices:/docker/ok\n";
  auto files = ctrdbg::cgroup_procs_files("/docker/ok", text);
  CHECK(files == std::vector<std::string>{"/sys/fs/cgroup/devices/docker/ok/cgroup.procs"});
  CHECK(ctrdbg::cgroup_procs_files("/docker/x", "").empty());
}

TEST_CASE("cgroup_targets: controllers and mounts never lead out of the hierarchy (fuzz_cgroup findings)") {
  // tests/fuzz/crashes/cgroup-named-hierarchy-dotdot.bin: a named v1 hierarchy "name=.." gave
  // /sys/fs/cgroup/../x/cgroup.procs without mountinfo.
  CHECK(ctrdbg::cgroup_procs_files("/x", "1:name=..:/x\n").empty());
  CHECK(ctrdbg::cgroup_procs_files("/x", "1:..:/x\n2:cpu,.:/x\n3:a/../../etc:/x\n4:cpu,,memory:/x\n").empty());
  CHECK(ctrdbg::cgroup_procs_files("/x", "1:name=..:/x\n5:name=systemd:/x\n") ==
        std::vector<std::string>{"/sys/fs/cgroup/systemd/x/cgroup.procs"});
  // tests/fuzz/crashes/cgroup-mountinfo-{relative,dotdot}-mountpoint.bin: a mount point or root
  // that is not absolute and clean (never written so by the kernel) is no base for a path.
  CHECK(ctrdbg::cgroup_procs_files("/x", "0::/x\n", "25 1 0:22 / sys rw - cgroup2 cgroup2 rw\n").empty());
  CHECK(ctrdbg::cgroup_procs_files("/x", "0::/x\n", "25 1 0:22 / /sys/fs/cgroup/.. rw - cgroup2 cgroup2 rw\n").empty());
  CHECK(ctrdbg::cgroup_procs_files("/x/y", "0::/x/y\n", "25 1 0:22 /x/.. /mnt rw - cgroup2 cgroup2 rw\n").empty());
  CHECK(ctrdbg::cgroup_procs_files("/x", "0::/x\n", "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") ==
        std::vector<std::string>{"/sys/fs/cgroup/x/cgroup.procs"});
}

// ---------------------------------------------------------------- apply_security

TEST_CASE("apply_security: Docker's default profile, as root and as a user") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  SecurityProfile p = ctrdbg::parse_oci_security(fixture("oci-default.json"));
  const std::vector<std::string> keys = {"Uid",    "Gid",    "Groups", "CapInh",     "CapPrm",
                                         "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"};
  std::string out = in_child([&](int fd) {
    ctrdbg::StepFailure f;
    if (ctrdbg::apply_security(p, &f) < 0) {
      put(fd, std::string("failed: ") + f.step + " " + f.detail + " " + std::strerror(f.err));
      return;
    }
    put(fd, status_lines(keys) + err_of(::syscall(SYS_keyctl, 0, 0, 0, 0, 0)));
  });
  CHECK(out ==
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \n"
        "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
        "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n" +
            std::to_string(EPERM) + " ");

  // A user, no_new_privs, rlimits, umask; the parent-death signal survives the uid change.
  SecurityProfile u = p;
  ctrdbg::apply_user(u, ctrdbg::resolve_user("app", kPasswd, kGroup));
  u.no_new_privs = true;
  u.umask = 027;
  u.rlimits = {{RLIMIT_NOFILE, 512, 1024}};
  out = in_child([&](int fd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ctrdbg::StepFailure f;
    if (ctrdbg::apply_security(u, &f) < 0) {
      put(fd, std::string("failed: ") + f.step + " " + f.detail + " " + std::strerror(f.err));
      return;
    }
    int sig = 0;
    ::prctl(PR_GET_PDEATHSIG, &sig);
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    mode_t old = ::umask(0);
    put(fd, status_lines(keys) + std::to_string(sig) + " " + std::to_string(lim.rlim_cur) + "/" +
                std::to_string(lim.rlim_max) + " " + std::to_string(old));
  });
  CHECK(out ==
        "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t10 50 1000 1001 \n"
        "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
        "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n" +
            std::to_string(SIGKILL) + " 512/1024 " + std::to_string(027));

  // --cap-drop ALL --cap-add NET_BIND_SERVICE with the capability also ambient.
  SecurityProfile c = p;
  c.caps = {1ULL << 10, 1ULL << 10, 1ULL << 10, 1ULL << 10, 1ULL << 10};
  out = in_child([&](int fd) {
    ctrdbg::StepFailure f;
    if (ctrdbg::apply_security(c, &f) < 0) {
      put(fd, std::string("failed: ") + f.step + " " + std::strerror(f.err));
      return;
    }
    put(fd, status_lines({"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}));
  });
  CHECK(out ==
        "CapInh:\t0000000000000400\nCapPrm:\t0000000000000400\nCapEff:\t0000000000000400\n"
        "CapBnd:\t0000000000000400\nCapAmb:\t0000000000000400\n");
}

TEST_CASE("apply_security: a failure names the step") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  SecurityProfile p;
  p.rlimits = {{RLIMIT_NOFILE, 2048, 1024}};  // soft above hard: EINVAL
  std::string out = in_child([&](int fd) {
    ctrdbg::StepFailure f;
    int rc = ctrdbg::apply_security(p, &f);
    put(fd, std::to_string(rc) + " " + f.step + " " + f.detail + " " + std::to_string(f.err));
  });
  CHECK(out == "-1 set rlimit RLIMIT_NOFILE " + std::to_string(EINVAL));
}

TEST_CASE("apply_security: an AppArmor profile that cannot be set is a failure, not ignored") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  SecurityProfile p;
  p.caps = {kDockerDefaultCaps, kDockerDefaultCaps, kDockerDefaultCaps, 0, 0};
  p.apparmor_enabled = true;  // whatever the host says: a profile that does not exist
  p.apparmor_profile = "ctrdbg-unit-test-no-such-profile";
  std::string out = in_child([&](int fd) {
    ctrdbg::StepFailure f;
    int rc = ctrdbg::apply_security(p, &f);
    put(fd, std::to_string(rc) + " " + f.step + " " + f.detail);
  });
  CHECK(out == "-1 set the AppArmor profile ctrdbg-unit-test-no-such-profile");
  // Not enabled on the host: the profile is not applied at all.
  p.apparmor_enabled = false;
  out = in_child([&](int fd) {
    ctrdbg::StepFailure f;
    put(fd, std::to_string(ctrdbg::apply_security(p, &f)));
  });
  CHECK(out == "0");
}

TEST_CASE("fix_tty_owner: the pty goes to the user, /dev/null stays") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(slave >= 0);
  struct stat before {};
  REQUIRE(::fstat(slave, &before) == 0);
  ctrdbg::StepFailure f;
  CHECK(ctrdbg::fix_tty_owner(slave, 4321, &f) == 0);
  struct stat after {};
  REQUIRE(::fstat(slave, &after) == 0);
  CHECK(after.st_uid == 4321);
  CHECK(after.st_gid == before.st_gid);                // the group is kept (tty), like runc
  CHECK(ctrdbg::fix_tty_owner(slave, 4321, &f) == 0);  // already the user's
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  REQUIRE(null >= 0);
  struct stat n1 {
  }, n2{};
  ::fstat(null, &n1);
  CHECK(ctrdbg::fix_tty_owner(null, 4321, &f) == 0);
  ::fstat(null, &n2);
  CHECK(n2.st_uid == n1.st_uid);
  ::close(null);
  ::close(slave);
  ::close(master);
}

TEST_CASE("inherit_unset_from: rlimits and umask the spec leaves open") {
  SecurityProfile p;
  p.rlimits = {{RLIMIT_NOFILE, 64, 128}};
  ctrdbg::inherit_unset_from(p, ::getpid());
  CHECK(p.rlimits.size() == 16);
  CHECK(p.rlimits[0].soft == 64);  // the spec's value is kept
  rlimit stack{};
  ::getrlimit(RLIMIT_STACK, &stack);
  auto it = std::find_if(p.rlimits.begin(), p.rlimits.end(),
                         [](const ctrdbg::Rlimit& r) { return r.resource == RLIMIT_STACK; });
  REQUIRE(it != p.rlimits.end());
  CHECK(it->soft == stack.rlim_cur);
  CHECK(it->hard == stack.rlim_max);
  mode_t mine = ::umask(022);
  ::umask(mine);
  CHECK(p.umask == static_cast<std::uint32_t>(mine));
  SecurityProfile q;
  q.umask = 077;
  ctrdbg::inherit_unset_from(q, ::getpid());
  CHECK(q.umask == 077u);  // process.user.umask wins
  CHECK(error_of([] {
          SecurityProfile r;
          ctrdbg::inherit_unset_from(r, 0x3fffffff);
        }).find("RLIMIT_") != std::string::npos);
}

TEST_CASE("join_cgroups: writes the pid, names the file that refuses") {
  char tmpl[] = "/tmp/ctrdbg-cg-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  std::ofstream(dir + "/cgroup.procs").close();
  std::vector<ctrdbg::CgroupTarget> t = {{dir + "/cgroup.procs", ""}};
  ctrdbg::join_cgroups(4242, t);
  std::ifstream in(dir + "/cgroup.procs");
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(got == "4242");
  t.push_back({dir + "/missing/cgroup.procs", ""});
  CHECK(error_of([&] { ctrdbg::join_cgroups(4242, t); }) == "joining the container's cgroup: writing pid 4242 to " +
                                                                dir +
                                                                "/missing/cgroup.procs: No such file or directory");
  std::filesystem::remove_all(dir);
}

namespace {
// A classic-BPF interpreter for what seccomp programs use, to check the -ENOSYS stub
// for architectures this machine cannot run.
std::uint32_t run_bpf(const std::vector<sock_filter>& prog, std::uint32_t nr, std::uint32_t arch) {
  std::uint32_t data[16] = {nr, arch};  // struct seccomp_data: nr, arch, ip, args (zero)
  std::uint32_t a = 0, x = 0;
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    switch (i.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        a = i.k / 4 < 16 ? data[i.k / 4] : 0;
        break;
      case BPF_LD | BPF_IMM:
        a = i.k;
        break;
      case BPF_LDX | BPF_IMM:
        x = i.k;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= i.k;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_JMP | BPF_JA:
        pc += i.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += a == i.k ? i.jt : i.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += a > i.k ? i.jt : i.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += a >= i.k ? i.jt : i.jf;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += (a & i.k) ? i.jt : i.jf;
        break;
      case BPF_RET | BPF_K:
        return i.k;
      case BPF_RET | BPF_A:
        return a;
      default:
        FAIL("unexpected BPF instruction " << i.code);
        return 0;
    }
  }
  FAIL("fell off the program");
  return 0;
}
}  // namespace

TEST_CASE("the -ENOSYS stub: every architecture of the profile, x32") {
  auto spec = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86"],
    "syscalls": [{"names": ["read", "write", "close", "clone3", "getpid"], "action": "SCMP_ACT_ALLOW"}]})");
  auto prog = ctrdbg::compile_seccomp(spec).filter;
  const std::uint32_t enosys = 0x00050000u | ENOSYS, eperm = 0x00050000u | EPERM, allow = 0x7fff0000u;
  struct Arch {
    std::uint32_t audit, token;
  };
  const Arch arches[] = {{AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64}, {AUDIT_ARCH_I386, SCMP_ARCH_X86}};
  for (const auto& a : arches) {
    CAPTURE(a.audit);
    auto nr = [&](const char* name) {
      return static_cast<std::uint32_t>(seccomp_syscall_resolve_name_arch(a.token, name));
    };
    std::uint32_t max = std::max({nr("read"), nr("write"), nr("close"), nr("clone3"), nr("getpid")});
    CHECK(run_bpf(prog, nr("read"), a.audit) == allow);
    CHECK(run_bpf(prog, nr("clone3"), a.audit) == allow);
    CHECK(run_bpf(prog, max + 1, a.audit) == enosys);
    CHECK(run_bpf(prog, max + 1000, a.audit) == enosys);
    CHECK(run_bpf(prog, nr("mkdirat"), a.audit) == eperm);  // within the profile's range: the default action
  }
  // x32 calls (bit 30) are compared with the x32 maximum.
  auto x32 = [](const char* name) {
    return static_cast<std::uint32_t>(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, name));
  };
  std::uint32_t x32max = std::max({x32("read"), x32("write"), x32("close"), x32("clone3"), x32("getpid")});
  CHECK(run_bpf(prog, x32("read"), AUDIT_ARCH_X86_64) == allow);
  CHECK(run_bpf(prog, x32max + 1, AUDIT_ARCH_X86_64) == enosys);
  // An architecture outside the profile: libseccomp's bad-arch action (kill), not ENOSYS.
  CHECK(run_bpf(prog, 1, AUDIT_ARCH_AARCH64) == 0u);

  // Only x86_64 listed: x32 numbers are not caught by the stub, they meet the filter.
  auto only64 = ctrdbg::compile_seccomp(ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]})"))
                    .filter;
  CHECK(run_bpf(only64, 1000, AUDIT_ARCH_X86_64) == enosys);
  CHECK(run_bpf(only64, 0x40000000u + 1000, AUDIT_ARCH_X86_64) != enosys);
  // runc's quirk: a highest syscall number of 0 (only `read` on x86_64) means no stub.
  auto only_read = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(ctrdbg::seccomp_enosys_stub(only_read).empty());
  // No architectures listed: runc generates no stub.
  auto none = ctrdbg::parse_seccomp(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(ctrdbg::seccomp_enosys_stub(none).empty());
  CHECK(run_bpf(ctrdbg::compile_seccomp(none).filter, 1000, AUDIT_ARCH_X86_64) == eperm);
}

TEST_CASE("the -ENOSYS stub for foreign architectures (big-endian s390x, aarch64)") {
  // libseccomp cannot put s390x into an x86_64 filter; the stub alone, with a stand-in
  // for the filter after it.
  auto spec = ctrdbg::parse_seccomp(R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_S390X", "SCMP_ARCH_AARCH64", "SCMP_ARCH_S390X"],
    "syscalls": [{"names": ["read", "write", "getpid"], "action": "SCMP_ACT_ALLOW"}]})");
  auto prog = ctrdbg::seccomp_enosys_stub(spec);
  REQUIRE_FALSE(prog.empty());
  const std::uint32_t filter = 0x7fff1234u, enosys = 0x00050000u | ENOSYS;
  prog.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, filter});
  for (auto [audit, token] :
       {std::pair{AUDIT_ARCH_S390X, SCMP_ARCH_S390X}, std::pair{AUDIT_ARCH_AARCH64, SCMP_ARCH_AARCH64}}) {
    CAPTURE(audit);
    auto nr = [&](const char* name) {
      return static_cast<std::uint32_t>(seccomp_syscall_resolve_name_arch(token, name));
    };
    std::uint32_t max = std::max({nr("read"), nr("write"), nr("getpid")});
    CHECK(run_bpf(prog, nr("read"), audit) == filter);
    CHECK(run_bpf(prog, max, audit) == filter);
    CHECK(run_bpf(prog, max + 1, audit) == enosys);
  }
  CHECK(run_bpf(prog, 0, AUDIT_ARCH_S390X) == enosys);      // the multiplexer for unknown numbers
  CHECK(run_bpf(prog, 0, AUDIT_ARCH_AARCH64) == filter);    // io_setup on aarch64: a real call
  CHECK(run_bpf(prog, 5000, AUDIT_ARCH_X86_64) == filter);  // not in the profile: the filter decides
}

TEST_CASE("open_cgroup_targets + enter_cgroups: the helper writes \"0\" through fds opened before fork") {
  char tmpl[] = "/tmp/ctrdbg-cg-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  std::ofstream(dir + "/a.procs").close();
  std::ofstream(dir + "/b.procs").close();
  std::ofstream(dir + "/b-fallback.procs").close();
  std::vector<ctrdbg::CgroupTarget> t = {{dir + "/a.procs", ""}, {dir + "/b.procs", dir + "/b-fallback.procs"}};
  auto fds = ctrdbg::open_cgroup_targets(t);
  REQUIRE(fds.size() == 2);
  CHECK_FALSE(fds[0].fallback);
  CHECK(fds[1].fallback);
  ctrdbg::StepFailure f;
  CHECK(ctrdbg::enter_cgroups(fds, &f) == 0);
  auto content = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  CHECK(content(dir + "/a.procs") == "0");
  CHECK(content(dir + "/b.procs") == "0");
  CHECK(content(dir + "/b-fallback.procs").empty());  // only used when the primary refuses

  std::vector<ctrdbg::CgroupTarget> missing = {{dir + "/nope/cgroup.procs", ""}};
  CHECK(error_of([&] { ctrdbg::open_cgroup_targets(missing); }) ==
        "joining the container's cgroup: " + dir + "/nope/cgroup.procs: No such file or directory");
  // A procs file that refuses the write: the step names it.
  std::vector<ctrdbg::CgroupFd> bad;
  bad.push_back({ctrdbg::Fd(::open("/dev/full", O_WRONLY | O_CLOEXEC)), ctrdbg::Fd(), "/dev/full"});
  CHECK(ctrdbg::enter_cgroups(bad, &f) == -1);
  CHECK(std::string(f.step) == "join the container's cgroup");
  CHECK(std::string(f.detail) == "/dev/full");
  CHECK(f.err == ENOSPC);
  std::filesystem::remove_all(dir);
}
