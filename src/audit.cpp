#include "ctrdbg/audit.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <chrono>

#include <fmt/format.h>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {
namespace {

// A value as it goes in the line: bare when it is plain, else double-quoted with
// quotes, backslashes and control characters escaped (one line, always).
std::string value(const std::string& v) {
  bool plain = !v.empty();
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f) plain = false;
  if (plain) return v;
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < ' ' || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

}  // namespace

std::string format_audit(const AuditRecord& r) {
  std::string command;
  for (const auto& a : r.command) command += (command.empty() ? "" : " ") + a;
  if (command.size() > 512) command = command.substr(0, 512) + "...";
  // Calendar arithmetic only: strftime and gmtime_r both load the time zone
  // (/etc/localtime) on first use, even for UTC, on every session's way out.
  using namespace std::chrono;
  const auto day = floor<days>(r.start);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(r.start - day)};
  std::string when = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                                 static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                                 time.hours().count(), time.minutes().count(), time.seconds().count());
  return fmt::format(
      "session uid={} loginuid={} tty={} target={} engine={} name={} id={} pid={} command={} mode={}{} start={} "
      "duration={:.3f}s exit={}",
      r.uid, value(r.login_uid), value(r.tty), value(r.target), value(r.engine.empty() ? "-" : r.engine),
      value(r.name.empty() ? "-" : r.name), value(r.id.empty() ? "-" : r.id.substr(0, 12)), r.pid,
      value(command.empty() ? "(shell)" : command), value(r.mode), r.profile.empty() ? "" : " profile=" + value(r.profile),
      when, r.duration_s, r.exit_status);
}

void fill_audit_identity(AuditRecord& r) {
  r.uid = ::getuid();
  auto login = read_small_file(AT_FDCWD, "/proc/self/loginuid", 64);
  std::string l = login ? *login : "";
  while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
  r.login_uid = l.empty() || l == "4294967295" ? "unset" : l;
  char name[256];
  r.tty = ::ttyname_r(STDIN_FILENO, name, sizeof name) == 0 ? name : "none";
}

void send_audit(const AuditRecord& r, const char* socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(socket_path) >= sizeof addr.sun_path) return;
  std::strcpy(addr.sun_path, socket_path);
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return;
  // authpriv (10) * 8 + notice (5)
  std::string line = fmt::format("<85>ctrdbg[{}]: {}", ::getpid(), format_audit(r));
  ::sendto(fd.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
           sizeof addr);
}

}  // namespace ctrdbg
