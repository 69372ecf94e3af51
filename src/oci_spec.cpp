#include "ctrdbg/oci_spec.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include "ctrdbg/error.hpp"
#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"
#include "security_util.hpp"

namespace ctrdbg {

using secutil::add_unique;
using secutil::bad;
using secutil::get_array;
using secutil::get_string;
using secutil::get_strings;
using secutil::get_u32;
using secutil::get_u64;
using secutil::json;
using secutil::member;

namespace {


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

}  // namespace

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
        p.seccomp_spec = secutil::parse_seccomp_json(*s, "linux.seccomp");
        p.has_seccomp = true;
        if (options.compile_seccomp) p.seccomp = compile_seccomp(p.seccomp_spec, options.seccomp);
      }
    }
  }
  return p;
}

void compile_profile_seccomp(SecurityProfile& p, const SeccompOptions& options) {
  if (p.has_seccomp) p.seccomp = compile_seccomp(p.seccomp_spec, options);
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

}  // namespace ctrdbg
