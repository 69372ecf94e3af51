#include "ctrdbg/security.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "ctrdbg/engines/containerd.hpp"  // cgroup_leaf
#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------- tables

constexpr std::array<const char*, kLastKnownCapability + 1> kCapabilityNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

struct RlimitName {
  int resource;
  const char* name;
};
constexpr RlimitName kRlimits[] = {
    {RLIMIT_CPU, "RLIMIT_CPU"},           {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {RLIMIT_DATA, "RLIMIT_DATA"},         {RLIMIT_STACK, "RLIMIT_STACK"},
    {RLIMIT_CORE, "RLIMIT_CORE"},         {RLIMIT_RSS, "RLIMIT_RSS"},
    {RLIMIT_NPROC, "RLIMIT_NPROC"},       {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},   {RLIMIT_AS, "RLIMIT_AS"},
    {RLIMIT_LOCKS, "RLIMIT_LOCKS"},       {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"},
    {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},     {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
};

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
constexpr std::uint32_t kMaxId = 2147483647U;       // runc's user.maxID (math.MaxInt32)

// ---------------------------------------------------------------- JSON helpers

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void bad(const std::string& field, const std::string& why) { throw Error(field + ": " + why); }

std::string get_string(const json& v, const std::string& field) {
  if (!v.is_string()) bad(field, "not a string");
  return v.get<std::string>();
}

std::uint64_t get_u64(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    auto n = v.get<std::int64_t>();
    if (n < 0) bad(field, fmt::format("{} is negative", n));
    return static_cast<std::uint64_t>(n);
  }
  bad(field, "not a non-negative integer");
}

std::uint32_t get_u32(const json& v, const std::string& field) {
  std::uint64_t n = get_u64(v, field);
  if (n > 0xffffffffULL) bad(field, fmt::format("{} is out of range", n));
  return static_cast<std::uint32_t>(n);
}

const json& get_array(const json& v, const std::string& field) {
  if (!v.is_array()) bad(field, "not an array");
  return v;
}

std::vector<std::string> get_strings(const json& v, const std::string& field) {
  std::vector<std::string> out;
  size_t i = 0;
  for (const auto& e : get_array(v, field)) {
    out.push_back(get_string(e, fmt::format("{}[{}]", field, i)));
    ++i;
  }
  return out;
}

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

SeccompSpec parse_seccomp_json(const json& s, const std::string& where) {
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

// runc's patchbpf stub, same semantics (our encoding: every conditional jump is
// short and local; "ja" reaches the filter). For each audit arch of the profile's
// architectures: syscall numbers above the highest one the profile names return
// ENOSYS; x86_64 tells x32 calls apart by bit 30; s390(x) also sends nr 0 (the
// multiplexer for unknown numbers) to ENOSYS.
}  // namespace

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

// ---------------------------------------------------------------- users

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

// Go's strconv.Atoi: optional sign, decimal digits, nothing else. nullopt when invalid;
// out of int64 range clamps (Atoi's value with ErrRange), flagged by `overflow`.
std::optional<std::int64_t> atoi_go(std::string_view s, bool* overflow = nullptr) {
  if (overflow) *overflow = false;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  const std::uint64_t limit = neg ? static_cast<std::uint64_t>(INT64_MAX) + 1 : static_cast<std::uint64_t>(INT64_MAX);
  std::uint64_t v = 0;
  bool big = false;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (big || v > (limit - d) / 10)
      big = true;
    else
      v = v * 10 + d;
  }
  if (big) {
    if (overflow) *overflow = true;
    return neg ? INT64_MIN : INT64_MAX;
  }
  if (neg) return v == static_cast<std::uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<std::int64_t>(v);
  return static_cast<std::int64_t>(v);
}

std::int64_t lenient_number(std::string_view s) {
  auto v = atoi_go(s);
  return v ? *v : 0;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    fn(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

std::uint32_t checked_id(std::int64_t v, const char* what) {
  if (v < 0 || v > static_cast<std::int64_t>(kMaxId))
    throw Error(fmt::format("{} {} is out of range: uids and gids must be in range 0-{}", what, v, kMaxId));
  return static_cast<std::uint32_t>(v);
}

void add_unique(std::vector<std::uint32_t>& v, std::uint32_t id) {
  if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
}

// runc's user.GetAdditionalGroups: each entry a group name or gid string of /etc/group
// (first match), else a number; deduplicated.
std::vector<std::uint32_t> additional_groups(std::span<const std::string> wanted,
                                             const std::vector<GroupEntry>& groups) {
  std::vector<std::uint32_t> out;
  for (const auto& ag : wanted) {
    bool found = false;
    for (const auto& g : groups) {
      if (g.name == ag || std::to_string(g.gid) == ag) {
        if (std::find(out.begin(), out.end(), static_cast<std::uint32_t>(g.gid)) == out.end()) {
          out.push_back(checked_id(g.gid, "group"));
          found = true;
          break;
        }
      }
    }
    if (!found) {
      bool overflow = false;
      auto n = atoi_go(ag, &overflow);
      if (!n || overflow) throw Error(fmt::format("unable to find group {}", ag));
      add_unique(out, checked_id(*n, "group"));
    }
  }
  return out;
}

// ---------------------------------------------------------------- cgroups

struct CgroupMount {
  std::string fstype;  // "cgroup" / "cgroup2"
  std::string root;
  std::string mountpoint;
  std::vector<std::string> options;  // super options
};

std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
        s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool safe_cgroup_path(std::string_view path);

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  for_each_line(mountinfo, [&](std::string_view line) {
    std::vector<std::string_view> f;
    for (auto part : split(line, ' '))
      if (!part.empty()) f.push_back(part);
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 7 || dash + 3 >= f.size()) return;
    std::string_view fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") return;
    CgroupMount m;
    m.fstype = std::string(fstype);
    m.root = unescape_mountinfo(f[3]);
    m.mountpoint = unescape_mountinfo(f[4]);
    // The kernel writes both absolute and clean; anything else is no base for a path.
    if (!safe_cgroup_path(m.root) || !safe_cgroup_path(m.mountpoint)) return;
    for (auto o : split(f[dash + 3], ',')) m.options.emplace_back(o);
    out.push_back(std::move(m));
  });
  return out;
}

bool path_is_under(std::string_view path, std::string_view root) {
  if (root == "/") return true;
  return path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/');
}

// The host directory of hierarchy `controllers` ("" = cgroup v2) at cgroup `path`;
// "" when the hierarchy is mounted nowhere.
std::string hierarchy_dir(const std::vector<CgroupMount>* mounts, bool hybrid, std::string_view controllers,
                          const std::string& path) {
  auto join = [](std::string base, std::string_view rel) {
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    if (rel.empty() || rel == "/") return base;
    return base + (rel.front() == '/' ? "" : "/") + std::string(rel);
  };
  if (!mounts) {
    if (controllers.empty()) return join(hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup", path);
    std::string dir;
    for (auto c : split(controllers, ',')) {
      if (c.starts_with("name=")) c.remove_prefix(5);
      dir += (dir.empty() ? "" : ",") + std::string(c);
    }
    return join("/sys/fs/cgroup/" + dir, path);
  }
  const CgroupMount* best = nullptr;
  for (const auto& m : *mounts) {
    if (controllers.empty() ? m.fstype != "cgroup2" : m.fstype != "cgroup") continue;
    if (!controllers.empty()) {
      bool all = true;
      for (auto c : split(controllers, ','))
        if (std::find(m.options.begin(), m.options.end(), c) == m.options.end()) all = false;
      if (!all) continue;
    }
    if (!path_is_under(path, m.root)) continue;
    if (!best || m.root.size() < best->root.size()) best = &m;
  }
  if (!best) return "";
  std::string_view rel = path;
  if (best->root != "/") rel.remove_prefix(best->root.size());
  return join(best->mountpoint, rel);
}

bool safe_cgroup_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (auto c : split(path.substr(1), '/'))
    if (c == "." || c == "..") return false;
  return true;
}

// "/docker/ID/init.scope" -> "/docker/ID" when the leaf is "ID".
std::string cut_at_leaf(const std::string& path, std::string_view leaf) {
  if (leaf.empty()) return path;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos + 1);
    std::string_view comp =
        std::string_view(path).substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if (comp == leaf) return next == std::string::npos ? path : path.substr(0, next);
    if (next == std::string::npos) break;
    pos = next;
  }
  return path;
}

// ---------------------------------------------------------------- child-side helpers (no allocation)

// Decimal of v into buf (>= 24 bytes), NUL-terminated; returns the length.
size_t format_int(long long v, char* buf) {
  char tmp[24];
  size_t n = 0;
  bool neg = v < 0;
  unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  size_t len = 0;
  if (neg) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  buf[len] = '\0';
  return len;
}

int write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

int load_seccomp(const SeccompProgram& s) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(s.filter.size());
  prog.filter = const_cast<sock_filter*>(s.filter.data());
  if (s.flags == 0) return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -1 : 0;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s.flags, &prog) < 0 ? -1 : 0;
}

// Opens a /proc/self file in the command process, where /proc is the container's
// (a root process there may have put a tmpfs with fifos, devices or symlinks in its
// place): only a regular file on a procfs, checked on an O_PATH fd before the real
// open (opening a device runs its driver; a fifo would block), and the same inode
// again after it. -1 with errno; -2 (errno EINVAL) for anything that is not procfs's own.
int open_proc_file(const char* path, int flags) {
  int probe = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (probe < 0) return -1;
  struct stat want {};
  struct statfs sfs {};
  bool ok = ::fstat(probe, &want) == 0 && ::fstatfs(probe, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
            S_ISREG(want.st_mode);
  ::close(probe);
  if (!ok) {
    errno = EINVAL;
    return -2;
  }
  int fd = ::open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat got {};
  if (::fstat(fd, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
    ::close(fd);
    errno = EINVAL;
    return -2;
  }
  return fd;
}

// /proc/self/setgroups says "deny" (a user namespace where setgroups is disabled).
bool setgroups_denied() {
  int fd = open_proc_file("/proc/self/setgroups", O_RDONLY);
  if (fd < 0) return false;
  char buf[16] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n >= 4 && std::strncmp(buf, "deny", 4) == 0;
}

int write_proc_attr(const char* path, const char* value, size_t len) {
  int fd = open_proc_file(path, O_WRONLY);
  if (fd < 0) return fd;
  int rc = write_all(fd, value, len);
  int err = errno;
  ::close(fd);
  errno = err;
  return rc;
}

}  // namespace

// ================================================================ capabilities / rlimits

std::optional<int> capability_number(std::string_view name) {
  for (size_t i = 0; i < kCapabilityNames.size(); ++i)
    if (name == kCapabilityNames[i]) return static_cast<int>(i);
  return std::nullopt;
}

const char* capability_name(int number) {
  if (number < 0 || number > kLastKnownCapability) return nullptr;
  return kCapabilityNames[static_cast<size_t>(number)];
}

CapabilityMask capability_mask(std::span<const std::string> names) {
  CapabilityMask out;
  for (const auto& n : names) {
    if (auto c = capability_number(n))
      out.mask |= 1ULL << *c;
    else
      out.unknown.push_back(n);
  }
  return out;
}

std::optional<int> rlimit_resource(std::string_view name) {
  for (const auto& r : kRlimits)
    if (name == r.name) return r.resource;
  return std::nullopt;
}

const char* rlimit_name(int resource) {
  for (const auto& r : kRlimits)
    if (r.resource == resource) return r.name;
  return "RLIMIT_?";
}

// ================================================================ seccomp

SeccompSpec parse_seccomp(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("linux.seccomp: not JSON: {}", e.what()));
  }
  return parse_seccomp_json(j, "linux.seccomp");
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

// ================================================================ the OCI spec

SecurityProfile parse_oci_security(std::string_view config_json, const SecurityParseOptions& options) {
  json j;
  try {
    j = json::parse(config_json);
  } catch (const json::exception& e) {
    throw Error(fmt::format("config.json: not JSON: {}", e.what()));
  }
  if (!j.is_object()) throw Error("config.json: not a JSON object");
  SecurityProfile p;

  if (const json* proc = member(j, "process")) {
    if (!proc->is_object()) bad("process", "not an object");
    if (const json* caps = member(*proc, "capabilities")) {
      if (!caps->is_object()) bad("process.capabilities", "not an object");
      auto set = [&](const char* key, std::uint64_t& mask) {
        const json* v = member(*caps, key);
        if (!v) return;
        auto names = get_strings(*v, std::string("process.capabilities.") + key);
        auto m = capability_mask(names);
        mask = m.mask;
        for (auto& u : m.unknown)
          if (std::find(p.unknown_capabilities.begin(), p.unknown_capabilities.end(), u) ==
              p.unknown_capabilities.end())
            p.unknown_capabilities.push_back(u);
      };
      set("bounding", p.caps.bounding);
      set("effective", p.caps.effective);
      set("permitted", p.caps.permitted);
      set("inheritable", p.caps.inheritable);
      set("ambient", p.caps.ambient);
    }
    if (const json* nnp = member(*proc, "noNewPrivileges")) {
      if (!nnp->is_boolean()) bad("process.noNewPrivileges", "not a boolean");
      p.no_new_privs = nnp->get<bool>();
    }
    if (const json* user = member(*proc, "user")) {
      if (!user->is_object()) bad("process.user", "not an object");
      if (const json* v = member(*user, "uid")) p.uid = get_u32(*v, "process.user.uid");
      if (const json* v = member(*user, "gid")) p.gid = get_u32(*v, "process.user.gid");
      if (const json* v = member(*user, "additionalGids")) {
        size_t i = 0;
        for (const auto& g : get_array(*v, "process.user.additionalGids"))
          add_unique(p.additional_gids, get_u32(g, fmt::format("process.user.additionalGids[{}]", i++)));
      }
      if (const json* v = member(*user, "umask")) {
        std::uint32_t m = get_u32(*v, "process.user.umask");
        if (m > 0777) bad("process.user.umask", fmt::format("{:#o} is not a file mode mask", m));
        p.umask = m;
      }
    }
    if (const json* rl = member(*proc, "rlimits")) {
      size_t i = 0;
      for (const auto& r : get_array(*rl, "process.rlimits")) {
        std::string base = fmt::format("process.rlimits[{}]", i++);
        if (!r.is_object()) bad(base, "not an object");
        const json* type = member(r, "type");
        if (!type) bad(base + ".type", "missing");
        std::string name = get_string(*type, base + ".type");
        auto res = rlimit_resource(name);
        if (!res) bad(base + ".type", fmt::format("unknown rlimit \"{}\"", name));
        Rlimit lim;
        lim.resource = *res;
        if (const json* v = member(r, "soft")) lim.soft = get_u64(*v, base + ".soft");
        if (const json* v = member(r, "hard")) lim.hard = get_u64(*v, base + ".hard");
        if (lim.soft > lim.hard) bad(base, fmt::format("soft limit {} is above the hard limit {}", lim.soft, lim.hard));
        p.rlimits.push_back(lim);
      }
    }
    if (const json* v = member(*proc, "oomScoreAdj")) {
      if (!v->is_number_integer()) bad("process.oomScoreAdj", "not an integer");
      auto n = v->get<std::int64_t>();
      if (n < -1000 || n > 1000) bad("process.oomScoreAdj", fmt::format("{} is outside -1000..1000", n));
      p.oom_score_adj = static_cast<int>(n);
    }
    if (const json* v = member(*proc, "apparmorProfile"))
      p.apparmor_profile = get_string(*v, "process.apparmorProfile");
  }

  if (const json* lx = member(j, "linux")) {
    if (!lx->is_object()) bad("linux", "not an object");
    if (const json* v = member(*lx, "cgroupsPath")) p.cgroups_path = get_string(*v, "linux.cgroupsPath");
    if (const json* s = member(*lx, "seccomp")) {
      // runc's SetupSeccomp: no default action and no syscalls means no seccomp at all.
      bool empty = s->is_object() && !member(*s, "defaultAction") &&
                   (!member(*s, "syscalls") || (member(*s, "syscalls")->is_array() && member(*s, "syscalls")->empty()));
      if (!empty) {
        SeccompSpec spec = parse_seccomp_json(*s, "linux.seccomp");
        p.seccomp = compile_seccomp(spec, options.seccomp);
        p.has_seccomp = true;
      }
    }
  }
  return p;
}

// ================================================================ users

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty()) return;
    auto f = split(line, ':');  // name:password:UID:GID:GECOS:directory:shell
    PasswdEntry e;
    e.name = std::string(f[0]);
    if (f.size() > 2) e.uid = lenient_number(f[2]);
    if (f.size() > 3) e.gid = lenient_number(f[3]);
    if (f.size() > 5) e.home = std::string(f[5]);
    out.push_back(std::move(e));
  });
  return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> out;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    auto f = split(line, ':');  // name:password:GID:user_list
    GroupEntry e;
    e.name = std::string(f[0]);
    if (f.size() > 2) e.gid = lenient_number(f[2]);
    if (f.size() > 3 && !f[3].empty())
      for (auto m : split(f[3], ',')) e.members.emplace_back(m);
    out.push_back(std::move(e));
  });
  return out;
}

std::string home_for_uid(std::uint32_t uid, std::string_view passwd_text) {
  for (const auto& e : parse_passwd(passwd_text))
    if (e.uid == static_cast<std::int64_t>(uid)) return e.home;
  return "/";
}

ResolvedUser resolve_user(std::string_view spec, std::string_view passwd_text, std::string_view group_text,
                          std::span<const std::string> group_add) {
  // parseLine: "user[:group[:ignored...]]"
  auto parts = split(spec, ':');
  std::string_view user_arg = parts[0];
  std::string_view group_arg = parts.size() > 1 ? parts[1] : std::string_view{};
  // Go's strconv.Atoi: out of range is an error, and the argument is then taken as a name.
  bool overflow = false;
  auto parsed = atoi_go(user_arg, &overflow);
  const bool uid_numeric = parsed && !overflow;
  const std::int64_t uid_value = uid_numeric ? *parsed : 0;
  parsed = atoi_go(group_arg, &overflow);
  const bool gid_numeric = parsed && !overflow;
  const std::int64_t gid_value = gid_numeric ? *parsed : 0;

  auto users = parse_passwd(passwd_text);
  auto groups = parse_group(group_text);

  std::int64_t uid = 0, gid = 0;
  std::vector<std::int64_t> sgids;
  const PasswdEntry* matched = nullptr;
  for (const auto& u : users) {
    bool hit = user_arg.empty() ? u.uid == 0 : (uid_numeric ? u.uid == uid_value : u.name == user_arg);
    if (hit) {
      matched = &u;
      break;
    }
  }
  if (matched) {
    uid = matched->uid;
    gid = matched->gid;
  } else if (!user_arg.empty()) {
    if (!uid_numeric) throw Error(fmt::format("unable to find user {}: no matching entries in passwd file", user_arg));
    uid = uid_value;
    if (uid < 0 || uid > static_cast<std::int64_t>(kMaxId))
      throw Error(fmt::format("uids and gids must be in range 0-{}", kMaxId));
  }

  if (!group_arg.empty() || matched) {
    if (!group_arg.empty()) {
      const GroupEntry* g = nullptr;
      for (const auto& e : groups) {
        if (gid_numeric ? e.gid == gid_value : e.name == group_arg) {
          g = &e;
          break;
        }
      }
      if (g) {
        gid = g->gid;
      } else {
        if (!gid_numeric)
          throw Error(fmt::format("unable to find group {}: no matching entries in group file", group_arg));
        gid = gid_value;
        if (gid < 0 || gid > static_cast<std::int64_t>(kMaxId))
          throw Error(fmt::format("uids and gids must be in range 0-{}", kMaxId));
      }
    } else {
      for (const auto& e : groups)
        if (std::find(e.members.begin(), e.members.end(), matched->name) != e.members.end()) sgids.push_back(e.gid);
    }
  }

  ResolvedUser out;
  out.uid = checked_id(uid, "uid");
  out.gid = checked_id(gid, "gid");
  // dockerd: additionalGids = [gid] + supplementary groups + GroupAdd; runc deduplicates.
  add_unique(out.additional_gids, out.gid);
  for (auto g : sgids) add_unique(out.additional_gids, checked_id(g, "gid"));
  for (auto g : additional_groups(group_add, groups)) add_unique(out.additional_gids, g);
  out.home = home_for_uid(out.uid, passwd_text);
  return out;
}

// ================================================================ container files

std::optional<std::string> read_container_file(int root_fd, const char* path, size_t limit) {
  // Resolved to an O_PATH fd first: what sits there is checked before it is
  // opened for reading (opening a device the container made runs its driver, here
  // as host root), then reopened through our own (the host's) /proc/self/fd.
  Fd fd;
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  fd.reset(static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how)));
  if (!fd && errno == ENOSYS) {
    // Before Linux 5.6: walk it ourselves, every component O_NOFOLLOW, symlinks
    // resolved against the container's root, ".." never above it.
    std::deque<std::string> todo;
    for (auto c : split(path, '/')) todo.emplace_back(c);
    std::vector<Fd> stack;  // directories below the root
    int hops = 0;
    while (!todo.empty()) {
      std::string c = std::move(todo.front());
      todo.pop_front();
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (!stack.empty()) stack.pop_back();
        continue;
      }
      int dir = stack.empty() ? root_fd : stack.back().get();
      Fd next(::openat(dir, c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next) return std::nullopt;
      struct stat st {};
      if (::fstat(next.get(), &st) < 0) return std::nullopt;
      if (S_ISLNK(st.st_mode)) {
        if (++hops > 40) {
          errno = ELOOP;
          return std::nullopt;
        }
        char target[4096];
        ssize_t n = ::readlinkat(next.get(), "", target, sizeof target);
        if (n < 0) return std::nullopt;
        std::string_view t(target, static_cast<size_t>(n));
        if (t.starts_with('/')) stack.clear();
        auto comps = split(t, '/');
        for (auto it = comps.rbegin(); it != comps.rend(); ++it) todo.emplace_front(*it);
        continue;
      }
      if (todo.empty()) {
        fd = std::move(next);
        break;
      }
      if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return std::nullopt;
      }
      stack.push_back(std::move(next));
    }
    if (!fd) {
      errno = EISDIR;
      return std::nullopt;
    }
  }
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return std::nullopt;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return std::nullopt;
  }
  char self[40];
  std::snprintf(self, sizeof self, "/proc/self/fd/%d", fd.get());
  fd.reset(::open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  return read_regular_file(fd.get(), limit);
}

// ================================================================ host side

bool apparmor_enabled_on_host() {
  Fd fd(::open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  char c = 0;
  return ::read(fd.get(), &c, 1) == 1 && c == 'Y';
}

void inherit_unset_from(SecurityProfile& p, pid_t pid) {
  for (const auto& r : kRlimits) {
    bool set =
        std::any_of(p.rlimits.begin(), p.rlimits.end(), [&](const Rlimit& l) { return l.resource == r.resource; });
    if (set) continue;
    rlimit old{};
    if (::prlimit(pid, static_cast<__rlimit_resource>(r.resource), nullptr, &old) < 0)
      fail_errno("reading {} of pid {}", r.name, pid);
    p.rlimits.push_back(Rlimit{r.resource, old.rlim_cur, old.rlim_max});
  }
  if (!p.umask) {
    Fd proc = open_proc_pid(pid);
    auto status = proc ? read_small_file(proc.get(), "status") : std::nullopt;
    if (!status) fail_errno("/proc/{}/status", pid);
    const std::string& text = *status;
    size_t at = text.find("\nUmask:\t");
    if (at != std::string::npos) {
      std::uint32_t m = 0;
      for (size_t i = at + 8; i < text.size() && text[i] >= '0' && text[i] <= '7'; ++i)
        m = m * 8 + static_cast<std::uint32_t>(text[i] - '0');
      p.umask = m & 0777;
    }
  }
}

// ================================================================ cgroups

std::vector<CgroupTarget> cgroup_targets(std::string_view cgroups_path, std::string_view proc_pid_cgroup,
                                         std::string_view host_mountinfo) {
  std::optional<std::vector<CgroupMount>> mounts;
  if (!host_mountinfo.empty()) mounts = parse_cgroup_mounts(host_mountinfo);
  std::string leaf = cgroup_leaf(cgroups_path);

  struct Line {
    std::string controllers;
    std::string path;
  };
  std::vector<Line> lines;
  bool hybrid = false;
  for_each_line(proc_pid_cgroup, [&](std::string_view line) {
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    std::string_view id = line.substr(0, c1);
    std::string_view ctrl = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path(line.substr(c2 + 1));
    if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
    if (ctrl.empty() != (id == "0")) return;  // "0::" is v2; v1 hierarchies always name controllers
    // Without mountinfo the controllers name the directory under /sys/fs/cgroup: a named
    // v1 hierarchy may be called ".." (name=..), which must not climb out (fuzz_cgroup check).
    if (!ctrl.empty())
      for (auto c : split(ctrl, ',')) {
        if (c.starts_with("name=")) c.remove_prefix(5);
        if (c.empty() || c == "." || c == ".." || c.find('/') != std::string_view::npos) return;
      }
    if (!safe_cgroup_path(path)) return;
    if (!ctrl.empty()) hybrid = true;
    lines.push_back(Line{std::string(ctrl), std::move(path)});
  });

  std::vector<CgroupTarget> out;
  for (const auto& l : lines) {
    std::string container = cut_at_leaf(l.path, leaf);
    std::string dir = hierarchy_dir(mounts ? &*mounts : nullptr, hybrid, l.controllers, container);
    if (dir.empty()) continue;
    CgroupTarget t;
    t.procs_file = dir + "/cgroup.procs";
    if (l.controllers.empty() && container != l.path) {
      std::string own = hierarchy_dir(mounts ? &*mounts : nullptr, hybrid, l.controllers, l.path);
      if (!own.empty()) t.fallback_procs_file = own + "/cgroup.procs";
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> cgroup_procs_files(const std::string& cgroups_path, std::string_view proc_pid_cgroup,
                                            std::string_view host_mountinfo) {
  std::vector<std::string> out;
  for (auto& t : cgroup_targets(cgroups_path, proc_pid_cgroup, host_mountinfo)) out.push_back(std::move(t.procs_file));
  return out;
}

void join_cgroups(pid_t pid, std::span<const CgroupTarget> targets) {
  std::string text = std::to_string(pid);
  auto write_to = [&](const std::string& file) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return -1;
    return write_all(fd.get(), text.data(), text.size());
  };
  for (const auto& t : targets) {
    if (write_to(t.procs_file) == 0) continue;
    int err = errno;
    if ((err == EBUSY || err == EOPNOTSUPP) && !t.fallback_procs_file.empty()) {
      if (write_to(t.fallback_procs_file) == 0) continue;
      throw Error(errno_message(
          fmt::format("joining the container's cgroup: writing pid {} to {}", pid, t.fallback_procs_file), errno));
    }
    throw Error(
        errno_message(fmt::format("joining the container's cgroup: writing pid {} to {}", pid, t.procs_file), err));
  }
}

std::vector<CgroupFd> open_cgroup_targets(std::span<const CgroupTarget> targets) {
  std::vector<CgroupFd> out;
  for (const auto& t : targets) {
    CgroupFd c;
    c.file = t.procs_file;
    c.procs.reset(::open(t.procs_file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!c.procs) fail_errno("joining the container's cgroup: {}", t.procs_file);
    if (!t.fallback_procs_file.empty()) {
      c.fallback.reset(::open(t.fallback_procs_file.c_str(), O_WRONLY | O_CLOEXEC));
      if (!c.fallback) fail_errno("joining the container's cgroup: {}", t.fallback_procs_file);
    }
    out.push_back(std::move(c));
  }
  return out;
}

int enter_cgroups(std::span<const CgroupFd> fds, StepFailure* f) {
  for (const auto& c : fds) {
    if (write_all(c.procs.get(), "0", 1) == 0) continue;
    int err = errno;
    if ((err == EBUSY || err == EOPNOTSUPP) && c.fallback && write_all(c.fallback.get(), "0", 1) == 0) continue;
    if (err == EBUSY || err == EOPNOTSUPP) err = c.fallback ? errno : err;
    return step_fail(f, "join the container's cgroup", c.file.c_str(), err);
  }
  return 0;
}

// ================================================================ the command process

int fix_tty_owner(int fd, std::uint32_t uid, StepFailure* f) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) return step_fail(f, "fstat the terminal", nullptr, errno);
  if (st.st_uid == uid) return 0;
  struct stat null {};
  if (::stat("/dev/null", &null) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev) return 0;
  if (::fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM)
    return step_fail(f, "chown the terminal to the user", nullptr, errno);
  return 0;
}

int apply_security(const SecurityProfile& p, StepFailure* f) {
  // -- what runc's parent does from outside: rlimits (prlimit) and oom_score_adj
  for (const auto& r : p.rlimits) {
    rlimit lim{r.soft, r.hard};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &lim) < 0)
      return step_fail(f, "set rlimit", rlimit_name(r.resource), errno);
  }
  if (p.oom_score_adj) {
    char num[24];
    size_t len = format_int(*p.oom_score_adj, num);
    int r = write_proc_attr("/proc/self/oom_score_adj", num, len);
    if (r == -2) return step_fail(f, "refusing a /proc that is not procfs:", "/proc/self/oom_score_adj", 0);
    if (r < 0) return step_fail(f, "set oom_score_adj", num, errno);
  }

  // -- linuxSetnsInit.Init
  if (!p.session_keyring.empty() && ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, p.session_keyring.c_str()) < 0 &&
      errno != ENOSYS)
    return step_fail(f, "join the session keyring", p.session_keyring.c_str(), errno);
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return step_fail(f, "set no_new_privs", nullptr, errno);
  if (p.umask) ::umask(static_cast<mode_t>(*p.umask));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the caps go.
  if (p.has_seccomp && !p.no_new_privs && load_seccomp(p.seccomp) < 0)
    return step_fail(f, "load the seccomp filter", nullptr, errno);

  // -- finalizeNamespace: bounding set, user, capabilities
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &hdr, data) < 0) return step_fail(f, "read the capabilities", nullptr, errno);
  bool have_setpcap = (data[0].effective & (1U << CAP_SETPCAP)) != 0;
  for (int cap = 0; cap < 64; ++cap) {
    if (p.caps.bounding & (1ULL << cap)) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;  // not in the set, or unknown to this kernel
    if (!have_setpcap || ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (have_setpcap && errno == EINVAL) continue;
      return step_fail(f, "drop from the capability bounding set", capability_name(cap), have_setpcap ? errno : EPERM);
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return step_fail(f, "set keep-caps", nullptr, errno);
  if (apply_user_only(p, f) < 0) return -1;
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return step_fail(f, "clear keep-caps", nullptr, errno);
  data[0].effective = static_cast<std::uint32_t>(p.caps.effective);
  data[1].effective = static_cast<std::uint32_t>(p.caps.effective >> 32);
  data[0].permitted = static_cast<std::uint32_t>(p.caps.permitted);
  data[1].permitted = static_cast<std::uint32_t>(p.caps.permitted >> 32);
  data[0].inheritable = static_cast<std::uint32_t>(p.caps.inheritable);
  data[1].inheritable = static_cast<std::uint32_t>(p.caps.inheritable >> 32);
  hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (::syscall(SYS_capset, &hdr, data) < 0) return step_fail(f, "set the capabilities", nullptr, errno);
  // Ambient: runc lowers every cap not listed and raises the listed ones, ignoring
  // failures (EINVAL: kernel without ambient caps or unknown cap; EPERM: not in
  // permitted and inheritable).
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int cap = 0; cap < 64; ++cap)
    if (p.caps.ambient & (1ULL << cap)) ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);

  // -- AppArmor: the profile takes effect at execve
  if (p.apparmor_enabled && !p.apparmor_profile.empty()) {
    char value[4096];
    constexpr char kPrefix[] = "exec ";
    size_t plen = sizeof kPrefix - 1;
    if (plen + p.apparmor_profile.size() >= sizeof value)
      return step_fail(f, "AppArmor profile name too long:", p.apparmor_profile.c_str(), ENAMETOOLONG);
    std::memcpy(value, kPrefix, plen);
    std::memcpy(value + plen, p.apparmor_profile.data(), p.apparmor_profile.size());
    size_t len = plen + p.apparmor_profile.size();
    if (write_proc_attr("/proc/thread-self/attr/apparmor/exec", value, len) < 0) {
      if (errno != ENOENT) return step_fail(f, "set the AppArmor profile", p.apparmor_profile.c_str(), errno);
      if (write_proc_attr("/proc/thread-self/attr/exec", value, len) < 0)
        return step_fail(f, "set the AppArmor profile", p.apparmor_profile.c_str(), errno);
    }
  }

  // With no_new_privs, seccomp comes last: as few system calls as possible after it.
  if (p.has_seccomp && p.no_new_privs && load_seccomp(p.seccomp) < 0)
    return step_fail(f, "load the seccomp filter", nullptr, errno);
  return 0;
}

int apply_user_only(const SecurityProfile& p, StepFailure* f) {
  int pdeathsig = 0;
  ::prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
  // runc: setgroups (unless /proc/self/setgroups says "deny"), setgid, setuid: the raw
  // per-thread system calls (glibc's wrappers would signal every thread of the
  // process: in a vfork child, the parent's), which set the real, effective and saved
  // ids of root.
  if (::syscall(SYS_setgroups, p.additional_gids.size(), p.additional_gids.data()) < 0 &&
      !(errno == EPERM && setgroups_denied()))
    return step_fail(f, "setgroups", nullptr, errno);
  if (::syscall(SYS_setgid, p.gid) < 0) return step_fail(f, "setgid", nullptr, errno);
  if (::syscall(SYS_setuid, p.uid) < 0) return step_fail(f, "setuid", nullptr, errno);
  // A uid/gid change clears the parent-death signal: set it again.
  if (pdeathsig != 0 && ::prctl(PR_SET_PDEATHSIG, pdeathsig, 0, 0, 0) < 0)
    return step_fail(f, "set the parent-death signal", nullptr, errno);
  return 0;
}

}  // namespace ctrdbg
