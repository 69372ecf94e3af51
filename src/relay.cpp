#include "ctrdbg/relay.hpp"

#include <fcntl.h>
#include <sys/ttydefaults.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
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
  void push(char c) {
    if (end == kCapacity && start > 0) {
      std::memmove(data, data + start, end - start);
      end -= start;
      start = 0;
    }
    if (end < kCapacity) data[end++] = c;
  }
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

using Clock = std::chrono::steady_clock;

class Session {
 public:
  Session(RunningSession& s, const RelayOptions& o) : s_(s), o_(o) {}

  void signal_command(int sig) {
    if (s_.command_pidfd) {
      if (::syscall(SYS_pidfd_send_signal, s_.command_pidfd.get(), sig, nullptr, 0) == 0 || errno == ESRCH) return;
    }
    if (s_.command_pid > 0) ::kill(s_.command_pid, sig);
  }

  // The session's end, now: the reaper (our child, the command's parent in the
  // container) kills the command and every process the session started, and then
  // ends the way the command did.
  void end_session() { signal_command(kEndSessionSignal); }

  // A forwarded signal; the second one ends the session for sure.
  void on_terminating_signal(int sig) {
    if (terminating_) {
      end_session();
      return;
    }
    terminating_ = true;
    signal_command(sig);
    if (s_.pty_master && (sig == SIGTERM || sig == SIGHUP)) hang_up_ = true;
  }

  // Reaps whichever of our two children has exited: the helper (it leaves as soon
  // as the command runs; its status says nothing) and the command, whose status is
  // the session's. True once the command has been reaped.
  bool reap_children() {
    int status = 0;
    if (s_.helper_pid > 0 && ::waitpid(s_.helper_pid, &status, WNOHANG) == s_.helper_pid) s_.helper_pid = -1;
    if (::waitpid(s_.command_pid, &status, WNOHANG) == s_.command_pid) {
      exit_status_ = exit_status_from_wait(status);
      return true;
    }
    return false;
  }

  // The helper is gone long before the command in all but odd cases; never leave it
  // behind unreaped.
  void reap_helper() {
    if (s_.helper_pid <= 0) return;
    while (::waitpid(s_.helper_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    s_.helper_pid = -1;
  }

  // Milliseconds until the next timer (command timeout, kill grace), -1 for none.
  int next_timer_ms() const {
    std::optional<Clock::time_point> next;
    if (kill_at_) next = *kill_at_;
    else if (term_at_ && !timed_out_) next = *term_at_;
    if (!next) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
    return ms < 0 ? 0 : static_cast<int>(std::min<long long>(ms + 1, 1 << 30));
  }

  void fire_timers() {
    auto now = Clock::now();
    if (term_at_ && !timed_out_ && now >= *term_at_) {
      timed_out_ = true;
      signal_command(SIGTERM);
      kill_at_ = now + kKillGrace;
    } else if (kill_at_ && now >= *kill_at_) {
      end_session();
      kill_at_.reset();
    }
  }

  // Copies operator input into the pty buffer, watching for the escape sequence.
  void take_input(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(data[i]);
      if (escape_pending_) {
        escape_pending_ = false;
        if (c == 'q' || c == '.') {
          escaped_ = true;
          return;
        }
        input_.push(static_cast<char>(o_.escape_char));
        if (c == o_.escape_char) continue;
      } else if (escape_on_ && c == o_.escape_char) {
        escape_pending_ = true;
        continue;
      }
      input_.push(static_cast<char>(c));
    }
  }

  int run() {
    if (o_.command_timeout) term_at_ = Clock::now() + *o_.command_timeout;
    sigset_t set = session_signals();
    Fd sfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) fail_errno("signalfd");
    // Ignore SIGPIPE: a closed stdout shows up as EPIPE from write().
    ::signal(SIGPIPE, SIG_IGN);

    TermiosGuard raw;
    const int master = s_.pty_master.get();
    bool stdin_open = master >= 0;
    if (master >= 0 && ::isatty(STDIN_FILENO)) {
      raw.make_raw(STDIN_FILENO);
      escape_on_ = o_.escape_char >= 0;
    }

    bool master_open = master >= 0;
    // The command may have ended already: its SIGCHLD then went to the set-up.
    bool command_done = reap_children();
    if (s_.pending_signal && !command_done) on_terminating_signal(s_.pending_signal);
    bool stdout_ok = true;
    while (!command_done) {
      if (!stdout_ok && !stdout_gone_) {
        // Whoever read our output has gone (`| head -c1`): as when a terminal goes
        // away, the command's session gets a hangup, and the session ends with the
        // status of a SIGPIPE, as it would without a pty. Its processes get the
        // usual grace to finish (then the reaper ends them).
        stdout_gone_ = true;
        hang_up_ = true;
        signal_command(SIGHUP);
        if (!kill_at_) kill_at_ = Clock::now() + kKillGrace;
      }
      if (escaped_ && !escape_done_) {
        // The operator's way out of a stuck session: hang up and kill the command.
        escape_done_ = true;
        static const char note[] = "\r\nctrdbg: session ended by the escape sequence\r\n";
        [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, note, sizeof note - 1);
        hang_up_ = true;
        end_session();
      }
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
      if (stdout_ok && master >= 0) {
        // Also with nothing to write: POLLERR / POLLHUP say the reader has gone.
        i_stdout = n;
        p[n++] = {STDOUT_FILENO, static_cast<short>(output_.empty() ? 0 : POLLOUT), 0};
      }
      // While an end-of-file is being passed on, the pty's mode is watched (below).
      int timeout = next_timer_ms();
      if (eof_.active && (timeout < 0 || timeout > 50)) timeout = 50;
      if (::poll(p.data(), static_cast<nfds_t>(n), timeout) < 0) {
        if (errno == EINTR) continue;
        fail_errno("poll");
      }
      fire_timers();

      if (p[0].revents & POLLIN) {
        signalfd_siginfo si;
        while (::read(sfd.get(), &si, sizeof si) == sizeof si) {
          int sig = static_cast<int>(si.ssi_signo);
          if (sig == SIGCHLD) {
            if (reap_children()) command_done = true;
          } else if (sig == SIGWINCH) {
            winsize ws{};
            if (master_open && terminal_size(&ws, STDIN_FILENO, STDOUT_FILENO)) {
              ::ioctl(master, TIOCSWINSZ, &ws);
              if (o_.recorder) o_.recorder->resize(ws.ws_col, ws.ws_row);
            }
          } else {
            on_terminating_signal(sig);
          }
        }
      }
      if (i_stdin >= 0 && p[i_stdin].revents) {
        char chunk[4096];
        // Room for what is read plus a held-back escape byte.
        size_t room = std::min(sizeof chunk, Pipe::kCapacity - input_.pending() - 1);
        ssize_t r = room > 0 ? ::read(STDIN_FILENO, chunk, room) : -1;
        if (r > 0) take_input(chunk, static_cast<size_t>(r));
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
          stdin_open = false;
          start_passing_eof(master);
        }
      }
      if (i_master >= 0 && (p[i_master].revents & POLLOUT)) {
        if (input_.drain(master) < 0 && errno != EAGAIN && errno != EINTR) input_.start = input_.end;
      }
      if (i_master >= 0 && (p[i_master].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t r = output_.fill(master);
        if (r > 0 && o_.recorder) o_.recorder->output(std::string_view(output_.data + output_.end - r, static_cast<size_t>(r)));
        // EIO: every slave fd is closed; the command is gone or going. Wait for it.
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) master_open = false;
      }
      if (eof_.active && input_.empty() && master_open) pass_eof(master);
      if (i_stdout >= 0 && (p[i_stdout].revents & (POLLOUT | POLLERR | POLLHUP))) {
        if (output_.empty()) {
          // A pipe's reader is gone (POLLERR); a terminal hung up (POLLHUP).
          if (p[i_stdout].revents & (POLLERR | POLLHUP)) stdout_ok = false;
        } else if (output_.drain(STDOUT_FILENO) < 0 && errno != EAGAIN && errno != EINTR) {
          stdout_ok = false;
        }
      }
    }
    // The command has exited: pass on what the pty still holds, then stop.
    while (stdout_ok) {
      if (output_.empty()) {
        ssize_t r = master_open ? output_.fill(master) : 0;
        if (r <= 0) break;
        if (o_.recorder) o_.recorder->output(std::string_view(output_.data + output_.end - r, static_cast<size_t>(r)));
      }
      if (output_.drain(STDOUT_FILENO) < 0 && errno != EINTR) stdout_ok = false;
    }
    raw.restore();
    if (o_.recorder) o_.recorder->close();
    reap_helper();
    if (timed_out_) return kTimedOutStatus;
    return stdout_gone_ ? exit_code::signal_base + SIGPIPE : exit_status_;
  }

 private:
  RunningSession& s_;
  const RelayOptions& o_;
  Pipe input_, output_;
  std::optional<Clock::time_point> term_at_, kill_at_;
  bool timed_out_ = false;
  bool escape_on_ = false, escape_pending_ = false, escaped_ = false, escape_done_ = false;
  bool terminating_ = false;
  bool hang_up_ = false;
  bool stdout_gone_ = false;
  // Stdin ended while a pty is in use: the command must see end-of-file, as when a
  // user types ^D. In canonical mode the line discipline turns VEOF into an EOF
  // marker; but if the command switches the pty to raw mode before reading it (a
  // shell with line editing does at its prompt), the marker reads back as a NUL.
  // So the slave's mode is watched through a peer fd, and VEOF is passed again
  // whenever the mode has changed and the command has read everything queued.
  struct {
    bool active = false;
    Fd slave;
    int sent_in_mode = -1;  // -1 none yet; 0 raw; 1 canonical
  } eof_;

  void start_passing_eof(int master) {
    eof_.active = true;
    eof_.slave.reset(::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  }

  void pass_eof(int master) {
    termios t{};
    int mode = 1, queued = 0;
    char eof = CEOF;
    if (eof_.slave && ::tcgetattr(eof_.slave.get(), &t) == 0) {
      mode = (t.c_lflag & ICANON) ? 1 : 0;
      if (t.c_cc[VEOF] != 0 && t.c_cc[VEOF] != _POSIX_VDISABLE) eof = static_cast<char>(t.c_cc[VEOF]);
      if (::ioctl(eof_.slave.get(), TIOCINQ, &queued) < 0) queued = 0;
    } else if (eof_.sent_in_mode >= 0) {
      eof_.active = false;  // cannot watch the mode: pass it once only
      return;
    }
    if (mode == eof_.sent_in_mode || queued > 0) return;
    if (::write(master, &eof, 1) == 1) eof_.sent_in_mode = mode;
  }
  int exit_status_ = exit_code::ctrdbg_failed;
};

}  // namespace

void block_session_signals() {
  sigset_t set = session_signals();
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) fail_errno("sigprocmask");
}

int parse_escape(const std::string& text) {
  if (text == "none") return -1;
  if (text.size() == 1 && static_cast<unsigned char>(text[0]) < 0x80) return static_cast<unsigned char>(text[0]);
  if (text.size() == 2 && text[0] == '^') {
    char c = text[1];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c >= '@' && c <= '_') return c - '@';
    if (c == '?') return 0x7f;
  }
  fail("--escape '{}': expected a character, ^X caret notation, or none", text);
}

int relay_session(RunningSession& session, const RelayOptions& options) {
  auto s = std::make_unique<Session>(session, options);  // the buffers are 128 KiB: keep them off the stack
  return s->run();
}

}  // namespace ctrdbg
