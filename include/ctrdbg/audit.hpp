// One line per session in the system log: who (uid, login uid, tty), what
// (engine, name, ID, PID), the command, the mode, when, how long, the exit status.
// It goes to the syslog socket (/dev/log, which journald serves) when there is
// one, with MSG_DONTWAIT: a full or missing log never blocks or fails a session.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace ctrdbg {

struct AuditRecord {
  unsigned uid = 0;
  std::string login_uid;  // /proc/self/loginuid, "unset" for 4294967295
  std::string tty;        // ttyname of stdin, or "none"
  std::string target;     // as given
  std::string engine, name, id;
  int pid = 0;
  std::vector<std::string> command;
  std::string mode;       // "pty", "no tty"
  std::string profile;    // "debug", "privileged", "as-container" ("" before it is known: left out)
  std::chrono::system_clock::time_point start;
  double duration_s = 0;
  int exit_status = 0;
};

// key=value pairs, values quoted when needed; long commands are cut.
std::string format_audit(const AuditRecord& r);

// Best effort: sends "<85>ctrdbg[PID]: LINE" (authpriv.notice) to /dev/log.
void send_audit(const AuditRecord& r, const char* socket_path = "/dev/log");

// Fills uid, login uid and tty from this process.
void fill_audit_identity(AuditRecord& r);

}  // namespace ctrdbg
