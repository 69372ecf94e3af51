#include "ctrdbg/relay.hpp"

#include <fcntl.h>
#include <sys/ttydefaults.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>

#include "ctrdbg/error.hpp"
#include "ctrdbg/pty.hpp"

namespace ctrdbg {
namespace {

constexpr std::array kForwarded{SIGTERM, SIGINT, SIGHUP, SIGQUIT};

sigset_t session_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) sigaddset(&set, s);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  return set;
}

// A byte buffer between two fds. Bounded, so a stalled side exerts back-pressure
// instead of growing memory.
struct Pipe {
  static constexpr size_t kCapacity = 64 * 1024;
  char data[kCapacity];
  size_t start = 0, end = 0;
  bool empty() const { return start == end; }
  bool full() const { return end == kCapacity && start == 0; }
  size_t pending() const { return end - start; }
  // Reads what fits; returns the read() result (0 = EOF, -1 = error/EAGAIN).
  ssize_t fill(int fd) {
    if (start == end) start = end = 0;
    if (end == kCapacity && start > 0) {
      std::memmove(data, data + start, end - start);
      end -= start;
      start = 0;
    }
    ssize_t n = ::read(fd, data + end, kCapacity - end);
    if (n > 0) end += static_cast<size_t>(n);
    return n;
  }
  ssize_t drain(int fd) {
    ssize_t n = ::write(fd, data + start, end - start);
    if (n > 0) start += static_cast<size_t>(n);
    return n;
  }
};

class Session {
 public:
  explicit Session(RunningSession& s) : s_(s) {}

  void signal_command(int sig) {
    if (s_.command_pidfd) {
      if (::syscall(SYS_pidfd_send_signal, s_.command_pidfd.get(), sig, nullptr, 0) == 0 || errno == ESRCH) return;
    }
    if (s_.command_pid > 0) ::kill(s_.command_pid, sig);
  }

  // A forwarded signal; the second one ends the command for sure.
  void on_terminating_signal(int sig) {
    if (terminating_) {
      signal_command(SIGKILL);
      return;
    }
    terminating_ = true;
    signal_command(sig);
    if (s_.pty_master && (sig == SIGTERM || sig == SIGHUP)) hang_up_ = true;
  }

  // Reaps the helper if it has exited; its status is the command's.
  bool reap_helper() {
    int status = 0;
    pid_t r = ::waitpid(s_.helper_pid, &status, WNOHANG);
    if (r == s_.helper_pid) {
      exit_status_ = exit_status_from_wait(status);
      return true;
    }
    return false;
  }

  int run() {
    sigset_t set = session_signals();
    Fd sfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) fail_errno("signalfd");
    // Ignore SIGPIPE: a closed stdout shows up as EPIPE from write().
    ::signal(SIGPIPE, SIG_IGN);

    TermiosGuard raw;
    const int master = s_.pty_master.get();
    bool stdin_open = master >= 0;
    if (master >= 0 && ::isatty(STDIN_FILENO)) raw.make_raw(STDIN_FILENO);

    bool master_open = master >= 0;
    bool helper_done = false;
    bool stdout_ok = true;
    while (!helper_done) {
      if (hang_up_ && master_open) {
        s_.pty_master.reset();  // the command's session gets SIGHUP, as when a terminal goes away
        master_open = stdin_open = false;
      }
      std::array<pollfd, 4> p{};
      int n = 0;
      p[n++] = {sfd.get(), POLLIN, 0};
      int i_master = -1, i_stdin = -1, i_stdout = -1;
      if (master_open) {
        i_master = n;
        p[n++] = {master, static_cast<short>((output_.full() ? 0 : POLLIN) | (input_.empty() ? 0 : POLLOUT)), 0};
      }
      if (stdin_open && !input_.full()) {
        i_stdin = n;
        p[n++] = {STDIN_FILENO, POLLIN, 0};
      }
      if (!output_.empty() && stdout_ok) {
        i_stdout = n;
        p[n++] = {STDOUT_FILENO, POLLOUT, 0};
      }
      if (::poll(p.data(), static_cast<nfds_t>(n), -1) < 0) {
        if (errno == EINTR) continue;
        fail_errno("poll");
      }

      if (p[0].revents & POLLIN) {
        signalfd_siginfo si;
        while (::read(sfd.get(), &si, sizeof si) == sizeof si) {
          int sig = static_cast<int>(si.ssi_signo);
          if (sig == SIGCHLD) {
            if (reap_helper()) helper_done = true;
          } else if (sig == SIGWINCH) {
            winsize ws{};
            if (master_open && terminal_size(&ws, STDIN_FILENO, STDOUT_FILENO)) ::ioctl(master, TIOCSWINSZ, &ws);
          } else {
            on_terminating_signal(sig);
          }
        }
      }
      if (i_stdin >= 0 && p[i_stdin].revents) {
        ssize_t r = input_.fill(STDIN_FILENO);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
          stdin_open = false;
          eof_pending_ = true;
        }
      }
      if (i_master >= 0 && (p[i_master].revents & POLLOUT)) {
        if (input_.drain(master) < 0 && errno != EAGAIN && errno != EINTR) input_.start = input_.end;
      }
      if (i_master >= 0 && (p[i_master].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t r = output_.fill(master);
        // EIO: every slave fd is closed; the command is gone or going. Wait for it.
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) master_open = false;
      }
      if (eof_pending_ && input_.empty() && master_open) {
        // Stdin ended: pass end-of-file as a user would type it (^D). The master's own
        // termios is not the slave's (its c_cc are zero), so the default is used.
        const char eof = CEOF;
        if (::write(master, &eof, 1) == 1) eof_pending_ = false;
      }
      if (i_stdout >= 0 && (p[i_stdout].revents & (POLLOUT | POLLERR | POLLHUP))) {
        if (output_.drain(STDOUT_FILENO) < 0 && errno != EAGAIN && errno != EINTR) stdout_ok = false;
      }
    }
    // The command has exited: pass on what the pty still holds, then stop.
    while (stdout_ok) {
      if (output_.empty() && (!master_open || output_.fill(master) <= 0)) break;
      if (output_.drain(STDOUT_FILENO) < 0 && errno != EINTR) stdout_ok = false;
    }
    raw.restore();
    return exit_status_;
  }

 private:
  RunningSession& s_;
  Pipe input_, output_;
  bool terminating_ = false;
  bool hang_up_ = false;
  bool eof_pending_ = false;
  int exit_status_ = exit_code::ctrdbg_failed;
};

}  // namespace

void block_session_signals() {
  sigset_t set = session_signals();
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) fail_errno("sigprocmask");
}

int relay_session(RunningSession& session) {
  auto s = std::make_unique<Session>(session);  // the buffers are 128 KiB: keep them off the stack
  return s->run();
}

}  // namespace ctrdbg
