#include "ctrdbg/seccomp.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "security_util.hpp"

namespace ctrdbg {

using secutil::bad;
using secutil::get_array;
using secutil::get_string;
using secutil::get_strings;
using secutil::get_u32;
using secutil::get_u64;
using secutil::json;
using secutil::member;

namespace {


// runc's seccomp.ConvertStringToArch table: OCI name -> libseccomp token.
struct ArchName {
  const char* name;
  std::uint32_t token;
};
const ArchName kArchitectures[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

struct OpName {
  const char* name;
  SeccompOp op;
};
constexpr OpName kOps[] = {
    {"SCMP_CMP_NE", SeccompOp::ne},
    {"SCMP_CMP_LT", SeccompOp::lt},
    {"SCMP_CMP_LE", SeccompOp::le},
    {"SCMP_CMP_EQ", SeccompOp::eq},
    {"SCMP_CMP_GE", SeccompOp::ge},
    {"SCMP_CMP_GT", SeccompOp::gt},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::masked_eq},
};

constexpr std::uint32_t kActionMask = 0xffff0000U;  // SECCOMP_RET_ACTION_FULL

// runc's seccomp.ConvertStringToAction + getAction: the kernel return value, errno included.
std::uint32_t parse_action(const std::string& name, const json* errno_ret, const std::string& field,
                           const std::string& errno_field) {
  auto with_errno = [&](std::uint32_t base) {
    std::uint32_t code = EPERM;
    if (errno_ret) code = get_u32(*errno_ret, errno_field) & 0xffffU;  // int16 in runc, 16 bits in the kernel
    return base | code;
  };
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_ERRNO") return with_errno(SCMP_ACT_ERRNO(0));
  if (name == "SCMP_ACT_TRACE") return with_errno(SCMP_ACT_TRACE(0));
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY")
    bad(field, "SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), which ctrdbg cannot be");
  bad(field, fmt::format("unknown action \"{}\"", name));
}

}  // namespace

SeccompSpec secutil::parse_seccomp_json(const json& s, const std::string& where) {
  if (!s.is_object()) bad(where, "not an object");
  SeccompSpec spec;
  const json* def = member(s, "defaultAction");
  std::string def_name = def ? get_string(*def, where + ".defaultAction") : "";
  spec.default_action =
      parse_action(def_name, member(s, "defaultErrnoRet"), where + ".defaultAction", where + ".defaultErrnoRet");

  if (const json* archs = member(s, "architectures")) {
    size_t i = 0;
    for (const auto& a : get_array(*archs, where + ".architectures")) {
      std::string field = fmt::format("{}.architectures[{}]", where, i++);
      std::string name = get_string(a, field);
      auto it = std::find_if(std::begin(kArchitectures), std::end(kArchitectures),
                             [&](const ArchName& e) { return name == e.name; });
      if (it == std::end(kArchitectures)) bad(field, fmt::format("unknown architecture \"{}\"", name));
      spec.architectures.push_back(it->token);
    }
  }

  if (const json* flags = member(s, "flags")) {
    spec.flags_given = true;
    size_t i = 0;
    for (const auto& fl : get_array(*flags, where + ".flags")) {
      std::string field = fmt::format("{}.flags[{}]", where, i++);
      std::string name = get_string(fl, field);
      if (name == "SECCOMP_FILTER_FLAG_TSYNC") continue;  // runc: nothing to do for one thread
      if (name == "SECCOMP_FILTER_FLAG_LOG")
        spec.flags |= SECCOMP_FILTER_FLAG_LOG;
      else if (name == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
        spec.flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
      else
        bad(field, fmt::format("seccomp flag \"{}\" is not supported (runc knows TSYNC, LOG, SPEC_ALLOW)", name));
    }
  }

  if (const json* calls = member(s, "syscalls")) {
    size_t i = 0;
    for (const auto& c : get_array(*calls, where + ".syscalls")) {
      std::string base = fmt::format("{}.syscalls[{}]", where, i++);
      if (!c.is_object()) bad(base, "not an object");
      const json* act = member(c, "action");
      if (!act) bad(base + ".action", "missing");
      std::uint32_t action =
          parse_action(get_string(*act, base + ".action"), member(c, "errnoRet"), base + ".action", base + ".errnoRet");
      std::vector<SeccompArg> args;
      if (const json* jargs = member(c, "args")) {
        size_t k = 0;
        for (const auto& a : get_array(*jargs, base + ".args")) {
          std::string af = fmt::format("{}.args[{}]", base, k++);
          if (!a.is_object()) bad(af, "not an object");
          SeccompArg arg;
          const json* idx = member(a, "index");
          if (!idx) bad(af + ".index", "missing");
          std::uint64_t index = get_u64(*idx, af + ".index");
          if (index > 5) bad(af + ".index", fmt::format("{} is out of range (system calls have arguments 0-5)", index));
          arg.index = static_cast<unsigned>(index);
          if (const json* v = member(a, "value")) arg.value = get_u64(*v, af + ".value");
          if (const json* v = member(a, "valueTwo")) arg.value_two = get_u64(*v, af + ".valueTwo");
          const json* op = member(a, "op");
          if (!op) bad(af + ".op", "missing");
          std::string opname = get_string(*op, af + ".op");
          auto it = std::find_if(std::begin(kOps), std::end(kOps), [&](const OpName& e) { return opname == e.name; });
          if (it == std::end(kOps)) bad(af + ".op", fmt::format("unknown operator \"{}\"", opname));
          arg.op = it->op;
          args.push_back(arg);
        }
      }
      std::vector<std::string> names;
      if (const json* n = member(c, "names")) names = get_strings(*n, base + ".names");
      for (size_t k = 0; k < names.size(); ++k) {
        if (names[k].empty()) bad(fmt::format("{}.names[{}]", base, k), "empty string is not a valid syscall");
        spec.rules.push_back(SeccompRule{names[k], action, args});
      }
    }
  }
  return spec;
}

namespace {

// ---------------------------------------------------------------- BPF

sock_filter insn(std::uint16_t code, std::uint32_t k, std::uint8_t jt = 0, std::uint8_t jf = 0) {
  return sock_filter{code, jt, jf, k};
}
constexpr std::uint16_t kLdAbsW = BPF_LD | BPF_W | BPF_ABS;
constexpr std::uint16_t kJa = BPF_JMP | BPF_JA;
constexpr std::uint16_t kJeq = BPF_JMP | BPF_JEQ | BPF_K;
constexpr std::uint16_t kJgt = BPF_JMP | BPF_JGT | BPF_K;
constexpr std::uint16_t kJset = BPF_JMP | BPF_JSET | BPF_K;
constexpr std::uint16_t kRet = BPF_RET | BPF_K;
constexpr std::uint32_t kX32Bit = 0x40000000U;
constexpr std::uint32_t kOffNr = 0;    // offsetof(struct seccomp_data, nr)
constexpr std::uint32_t kOffArch = 4;  // offsetof(struct seccomp_data, arch)

bool is_allow_like(std::uint32_t action) {
  std::uint32_t a = action & kActionMask;
  return a == SCMP_ACT_ALLOW || a == SCMP_ACT_LOG || a == (SCMP_ACT_TRACE(0) & kActionMask);
}

std::uint32_t audit_arch_of(std::uint32_t token) { return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token; }

}  // namespace

// runc's patchbpf stub, same semantics (our encoding: every conditional jump is
// short and local; "ja" reaches the filter). For each audit arch of the profile's
// architectures: syscall numbers above the highest one the profile names return
// ENOSYS; x86_64 tells x32 calls apart by bit 30; s390(x) also sends nr 0 (the
// multiplexer for unknown numbers) to ENOSYS.

std::vector<sock_filter> seccomp_enosys_stub(const SeccompSpec& spec) {
  // audit arch -> (token -> highest syscall number), in first-seen order
  std::vector<std::pair<std::uint32_t, std::map<std::uint32_t, int>>> last;
  for (std::uint32_t token : spec.architectures) {
    std::uint32_t audit = audit_arch_of(token);
    auto it = std::find_if(last.begin(), last.end(), [&](const auto& e) { return e.first == audit; });
    if (it == last.end()) {
      last.emplace_back(audit, std::map<std::uint32_t, int>{});
      it = std::prev(last.end());
    }
    if (it->second.count(token)) continue;
    int largest = 0;
    for (const auto& r : spec.rules) {
      int nr = seccomp_syscall_resolve_name_arch(token, r.name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      largest = std::max(largest, nr);
    }
    if (largest != 0) it->second[token] = largest;
  }
  std::erase_if(last, [](const auto& e) { return e.second.empty(); });
  if (last.empty()) return {};

  const std::uint32_t ret_enosys = SCMP_ACT_ERRNO(ENOSYS);
  std::vector<sock_filter> out;
  std::vector<size_t> to_filter;   // indexes of "ja FILTER" to patch
  std::vector<size_t> to_section;  // dispatch "ja SECTION" to patch, one per arch
  out.push_back(insn(kLdAbsW, kOffArch));
  for (const auto& e : last) {
    out.push_back(insn(kJeq, e.first, 0, 1));  // equal: next insn (ja section); else skip it
    to_section.push_back(out.size());
    out.push_back(insn(kJa, 0));
  }
  to_filter.push_back(out.size());
  out.push_back(insn(kJa, 0));  // any other arch: straight to the filter (its bad-arch action)

  for (size_t i = 0; i < last.size(); ++i) {
    const auto& [audit, maxes] = last[i];
    out[to_section[i]].k = static_cast<std::uint32_t>(out.size() - to_section[i] - 1);
    out.push_back(insn(kLdAbsW, kOffNr));
    if (maxes.size() == 2) {
      if (audit != AUDIT_ARCH_X86_64 || !maxes.count(SCMP_ARCH_X86_64) || !maxes.count(SCMP_ARCH_X32))
        throw Error("seccomp: unexpected architecture overlap in the profile");
      auto x86 = static_cast<std::uint32_t>(maxes.at(SCMP_ARCH_X86_64));
      auto x32 = static_cast<std::uint32_t>(maxes.at(SCMP_ARCH_X32));
      out.push_back(insn(kJset, kX32Bit, 1, 0));  // x32 call: compare with the x32 maximum
      out.push_back(insn(kJgt, x86, 1, 2));       // -> ret ENOSYS / ja filter
      out.push_back(insn(kJgt, x32, 0, 1));
    } else if (maxes.size() == 1) {
      auto [token, maxnr] = *maxes.begin();
      auto m = static_cast<std::uint32_t>(maxnr);
      if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X) {
        out.push_back(insn(kJeq, 0, 1, 0));  // nr 0 -> ret ENOSYS
      }
      if (audit == AUDIT_ARCH_X86_64) {
        // only one of the two modes is listed: the other goes straight to the filter
        if (token == SCMP_ARCH_X86_64)
          out.push_back(insn(kJset, kX32Bit, 2, 0));
        else
          out.push_back(insn(kJset, kX32Bit, 0, 2));
      }
      out.push_back(insn(kJgt, m, 0, 1));
    } else {
      throw Error("seccomp: unexpected architecture overlap in the profile");
    }
    out.push_back(insn(kRet, ret_enosys));
    to_filter.push_back(out.size());
    out.push_back(insn(kJa, 0));
  }
  for (size_t at : to_filter) out[at].k = static_cast<std::uint32_t>(out.size() - at - 1);
  return out;
}

namespace {

struct FilterCtx {
  scmp_filter_ctx ctx;
  ~FilterCtx() {
    if (ctx) seccomp_release(ctx);
  }
};

std::vector<sock_filter> export_bpf(scmp_filter_ctx ctx) {
  Fd mem(static_cast<int>(::syscall(SYS_memfd_create, "ctrdbg-seccomp", MFD_CLOEXEC)));
  if (!mem) fail_errno("seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, mem.get());
  if (rc < 0) throw Error(errno_message("seccomp: exporting the BPF program", -rc));
  struct stat st {};
  if (::fstat(mem.get(), &st) < 0) fail_errno("seccomp: fstat");
  auto size = static_cast<size_t>(st.st_size);
  if (size % sizeof(sock_filter) != 0) throw Error("seccomp: libseccomp exported a partial instruction");
  std::vector<sock_filter> prog(size / sizeof(sock_filter));
  size_t done = 0;
  auto* bytes = reinterpret_cast<char*>(prog.data());
  while (done < size) {
    ssize_t n = ::pread(mem.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("seccomp: reading the BPF program back");
    if (n == 0) throw Error("seccomp: short BPF program");
    done += static_cast<size_t>(n);
  }
  return prog;
}

}  // namespace

SeccompSpec parse_seccomp(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("linux.seccomp: not JSON: {}", e.what()));
  }
  return secutil::parse_seccomp_json(j, "linux.seccomp");
}

SeccompProgram compile_seccomp(const SeccompSpec& spec, const SeccompOptions& options) {
  SeccompProgram out;
  FilterCtx f{seccomp_init(spec.default_action)};
  if (!f.ctx) throw Error(fmt::format("seccomp: libseccomp refuses default action {:#x}", spec.default_action));
  for (std::uint32_t arch : spec.architectures) {
    int rc = seccomp_arch_add(f.ctx, arch);
    if (rc != 0 && rc != -EEXIST) {
      auto it = std::find_if(std::begin(kArchitectures), std::end(kArchitectures),
                             [&](const ArchName& e) { return e.token == arch; });
      throw Error(errno_message(
          fmt::format("seccomp: adding architecture {} to the filter", it != std::end(kArchitectures) ? it->name : "?"),
          -rc));
    }
  }
  // newer runc: binary-tree optimisation for longer rule sets (not fatal when unavailable).
  if (options.binary_tree && spec.rules.size() > 32) seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);

  for (const auto& r : spec.rules) {
    if (r.action == spec.default_action) continue;  // redundant: runc skips it silently
    int nr = seccomp_syscall_resolve_name(r.name.c_str());
    if (nr == __NR_SCMP_ERROR) {  // unknown to libseccomp: not supported by this kernel, skipped like runc
      if (std::find(out.skipped.begin(), out.skipped.end(), r.name) == out.skipped.end()) out.skipped.push_back(r.name);
      continue;
    }
    std::vector<scmp_arg_cmp> conds;
    std::array<int, 6> per_index{};
    for (const auto& a : r.args) {
      conds.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(a.op), a.value, a.value_two});
      ++per_index[a.index];
    }
    bool same_arg_twice = std::any_of(per_index.begin(), per_index.end(), [](int n) { return n > 1; });
    auto add = [&](unsigned count, const scmp_arg_cmp* c) {
      int rc = seccomp_rule_add_array(f.ctx, r.action, nr, count, c);
      if (rc < 0) throw Error(errno_message(fmt::format("seccomp: adding the rule for syscall {}", r.name), -rc));
    };
    if (conds.empty())
      add(0, nullptr);
    else if (same_arg_twice)  // runc's "old behaviour": one rule per condition
      for (const auto& c : conds) add(1, &c);
    else
      add(static_cast<unsigned>(conds.size()), conds.data());
  }

  std::vector<sock_filter> body = export_bpf(f.ctx);
  if (options.enosys_stub && !is_allow_like(spec.default_action)) out.filter = seccomp_enosys_stub(spec);
  out.filter.insert(out.filter.end(), body.begin(), body.end());
  if (out.filter.size() > BPF_MAXINSNS)
    throw Error(
        fmt::format("seccomp: the filter has {} instructions, the kernel takes {}", out.filter.size(), BPF_MAXINSNS));
  out.flags = spec.flags;
  if (!spec.flags_given && options.spec_allow_when_flags_absent) out.flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  return out;
}

void allow_syscalls(SeccompSpec& spec, std::span<const char* const> names) {
  auto listed = [&](const std::string& n) {
    return std::any_of(names.begin(), names.end(), [&](const char* want) { return n == want; });
  };
  std::erase_if(spec.rules, [&](const SeccompRule& r) { return listed(r.name); });
  for (const char* n : names) spec.rules.push_back(SeccompRule{n, SCMP_ACT_ALLOW, {}});
}

int load_seccomp_program(const SeccompProgram& s) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(s.filter.size());
  prog.filter = const_cast<sock_filter*>(s.filter.data());
  if (s.flags == 0) return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -1 : 0;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s.flags, &prog) < 0 ? -1 : 0;
}

}  // namespace ctrdbg
