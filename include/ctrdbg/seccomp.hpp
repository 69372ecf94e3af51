// OCI seccomp profiles (`linux.seccomp` of a runtime spec), compiled with libseccomp
// the way runc does it, into a ready BPF program that a forked process loads with one
// system call (load_seccomp_program).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

// Comparison operators, same values as libseccomp's enum scmp_compare.
enum class SeccompOp : int { ne = 1, lt = 2, le = 3, eq = 4, ge = 5, gt = 6, masked_eq = 7 };

struct SeccompArg {
  unsigned index = 0;           // 0-5
  std::uint64_t value = 0;      // MASKED_EQ: the mask
  std::uint64_t value_two = 0;  // MASKED_EQ: the value compared with (arg & mask)
  SeccompOp op = SeccompOp::eq;
};

struct SeccompRule {  // one per syscall name (OCI `names` are expanded, as runc does)
  std::string name;
  std::uint32_t action = 0;  // the kernel's SECCOMP_RET_* value (== libseccomp SCMP_ACT_*), errno included
  std::vector<SeccompArg> args;
};

struct SeccompSpec {
  std::uint32_t default_action = 0;          // SECCOMP_RET_* value, errno included
  std::vector<std::uint32_t> architectures;  // libseccomp SCMP_ARCH_* tokens, in profile order
  bool flags_given = false;                  // "flags" present (even empty)
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_LOG | _SPEC_ALLOW (TSYNC is accepted and ignored, as runc does)
  std::vector<SeccompRule> rules;
};

// `linux.seccomp` (the object's JSON text). Throws Error naming the field
// ("linux.seccomp.syscalls[3].action: unknown action ...").
SeccompSpec parse_seccomp(std::string_view linux_seccomp_json);

struct SeccompOptions {
  // runc >= 1.2 sets SECCOMP_FILTER_FLAG_SPEC_ALLOW when the profile has no "flags" at
  // all; runc 1.1 (Debian 12's docker.io) does not.
  bool spec_allow_when_flags_absent = false;
  // runc's -ENOSYS stub (patchbpf): for each architecture listed in the profile, a
  // syscall numbered above the profile's highest known one returns ENOSYS instead of
  // the default action, so programs fall back from syscalls newer than the profile.
  bool enosys_stub = true;
  // Later runc releases ask libseccomp for its binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE
  // 2) when the profile names more than 32 syscalls; runc 1.1.5 does not. Same decisions
  // either way; off gives a program byte-identical to runc 1.1.5's after the stub.
  bool binary_tree = false;
};

struct SeccompProgram {
  std::vector<sock_filter> filter;   // load with seccomp(SECCOMP_SET_MODE_FILTER, flags, {size, data})
  unsigned flags = 0;                // SECCOMP_FILTER_FLAG_*
  std::vector<std::string> skipped;  // syscall names libseccomp does not know: skipped, like runc
};

// Compiles with libseccomp exactly as runc's InitSeccomp does (same rules, same arch
// list, same redundant-rule skipping, same one-rule-per-condition fallback when two
// conditions test the same argument) and exports the BPF. Throws Error.
SeccompProgram compile_seccomp(const SeccompSpec& spec, const SeccompOptions& options = {});

// runc's -ENOSYS stub alone (compile_seccomp puts it in front of libseccomp's program
// when the default action is not ALLOW/LOG/TRACE): for each architecture the profile
// lists, syscall numbers above the highest one it names return ENOSYS; x86_64 tells x32
// calls (bit 30) apart; s390/s390x also send nr 0 to ENOSYS. Its "ja" instructions
// jump to just past its end. Empty when no listed architecture has a known syscall.
std::vector<sock_filter> seccomp_enosys_stub(const SeccompSpec& spec);

// Replaces whatever rule the profile has for each of `names` by an unconditional
// SCMP_ACT_ALLOW (the debug profile's ptrace, process_vm_readv, process_vm_writev).
// Other rules are kept, in order.
void allow_syscalls(SeccompSpec& spec, std::span<const char* const> names);

// In a forked process (one system call, nothing allocated): loads the program, with
// seccomp(2) when it has flags, else prctl(PR_SET_SECCOMP). 0, or -1 with errno.
int load_seccomp_program(const SeccompProgram& program);

}  // namespace ctrdbg
