// libFuzzer target: the container's security profile (include/ctrdbg/security.hpp):
// parse_oci_security on an OCI config.json (capabilities, user, umask, rlimits,
// oomScoreAdj, and linux.seccomp compiled by compile_seccomp with libseccomp and
// runc's -ENOSYS stub), and parse_seccomp + compile_seccomp on the input as a bare
// seccomp profile (the `linux.seccomp` object alone), with each option combination.
//
// The input is the container's (or its engine's) bytes: everything must come back as a
// profile or a ctrdbg::Error, never another exception, a crash or a leak. A profile that
// parses must hold what apply_security() relies on without checking again:
//   * umask <= 0777, oomScoreAdj in -1000..1000, every rlimit soft <= hard and a known
//     resource, additional gids deduplicated;
//   * the seccomp program is one the kernel would load: 1..BPF_MAXINSNS instructions,
//     every jump lands inside the program, it ends in a return, and only flags the
//     profile can ask for are set.
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctrdbg/security.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

namespace {

void check_program(const ctrdbg::SeccompProgram& prog, const char* what) {
  const auto& f = prog.filter;
  FUZZ_CHECK(!f.empty() && f.size() <= BPF_MAXINSNS, "%s: %zu instructions", what, f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    const sock_filter& in = f[i];
    if (BPF_CLASS(in.code) != BPF_JMP) continue;
    if (BPF_OP(in.code) == BPF_JA) {
      FUZZ_CHECK(static_cast<std::uint64_t>(i) + 1 + in.k < f.size(), "%s: insn %zu: ja %u jumps out of %zu", what, i,
                 in.k, f.size());
    } else {
      FUZZ_CHECK(i + 1 + in.jt < f.size() && i + 1 + in.jf < f.size(), "%s: insn %zu: jt %u / jf %u out of %zu",
                 what, i, in.jt, in.jf, f.size());
    }
  }
  FUZZ_CHECK(BPF_CLASS(f.back().code) == BPF_RET, "%s: the program does not end in a return", what);
  const unsigned known = SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  FUZZ_CHECK((prog.flags & ~known) == 0, "%s: flags %#x", what, prog.flags);
}

void check_profile(const ctrdbg::SecurityProfile& p) {
  FUZZ_CHECK(!p.umask || *p.umask <= 0777, "umask %#o", p.umask ? *p.umask : 0);
  FUZZ_CHECK(!p.oom_score_adj || (*p.oom_score_adj >= -1000 && *p.oom_score_adj <= 1000), "oomScoreAdj %d",
             p.oom_score_adj ? *p.oom_score_adj : 0);
  for (const auto& r : p.rlimits) {
    FUZZ_CHECK(r.soft <= r.hard, "rlimit %d: soft %llu > hard %llu", r.resource,
               static_cast<unsigned long long>(r.soft), static_cast<unsigned long long>(r.hard));
    FUZZ_CHECK(std::string_view(ctrdbg::rlimit_name(r.resource)) != "RLIMIT_?", "unknown rlimit %d", r.resource);
  }
  for (size_t i = 0; i < p.additional_gids.size(); ++i)
    FUZZ_CHECK(std::count(p.additional_gids.begin(), p.additional_gids.end(), p.additional_gids[i]) == 1,
               "additional gid %u twice", p.additional_gids[i]);
  const std::uint64_t all = (std::uint64_t{1} << (ctrdbg::kLastKnownCapability + 1)) - 1;
  for (std::uint64_t m : {p.caps.bounding, p.caps.effective, p.caps.permitted, p.caps.inheritable, p.caps.ambient})
    FUZZ_CHECK((m & ~all) == 0, "capability mask %#llx has unknown bits", static_cast<unsigned long long>(m));
  if (p.has_seccomp) check_program(p.seccomp, "linux.seccomp");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  // The whole config.json; the option set varies with the input so every one is reached.
  ctrdbg::SecurityParseOptions opts;
  opts.seccomp.spec_allow_when_flags_absent = size % 2 == 1;
  opts.seccomp.binary_tree = size % 3 == 1;
  opts.seccomp.enosys_stub = size % 5 != 4;
  fuzz::run([&] { check_profile(ctrdbg::parse_oci_security(in, opts)); });

  // The input as a bare seccomp profile.
  fuzz::run([&] {
    ctrdbg::SeccompSpec spec = ctrdbg::parse_seccomp(in);
    for (const auto& r : spec.rules) {
      FUZZ_CHECK(!r.name.empty(), "a rule without a syscall name");
      for (const auto& a : r.args) FUZZ_CHECK(a.index <= 5, "argument index %u", a.index);
    }
    fuzz::run([&] { check_program(ctrdbg::compile_seccomp(spec, opts.seccomp), "profile"); });
    (void)ctrdbg::seccomp_enosys_stub(spec);  // alone: its jumps may point past its end
  });
  return 0;
}
