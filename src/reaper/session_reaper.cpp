// ctrdbg-session: the reaper of one session, inside the container's PID namespace.
//
// Why it exists. Whatever a session starts must end with it (a `sleep &`, a daemon
// that called setsid() and forked twice), and that cannot be done from outside the
// container's PID namespace: an orphan is re-parented to the nearest "child
// subreaper" among its ancestors *in its own PID namespace*, else to the
// container's init, where it would run on unseen (and, with --privileged, outside
// the container's cgroups, so `docker top` would not show it either). So the
// session keeps one process there, the parent of the command, marked as a child
// subreaper: every process the session starts stays its descendant, and when the
// session ends for any reason it kills them all.
//
// Why a separate, tiny program. This process lives for the whole session in a PID
// namespace the container's processes can see. Were it a fork of ctrdbg, its
// /proc/PID/exe would be the host's ctrdbg binary for that whole time (runc
// CVE-2019-5736: a process allowed to open that link can rewrite the host binary).
// So ctrdbg stages this program into the session's tool directory (a tmpfs copy that
// exists only in the session's mount namespace, read-only) and the process execs it
// as soon as the command runs; it holds no file descriptor at all. It is freestanding
// (no libc, a few KiB), so staging it costs nothing measurable.
//
// Protocol (all by signals; every signal is blocked and taken with rt_sigtimedwait):
//   argv: ctrdbg-session COMMAND_PID EXPECTED_PPID
//     COMMAND_PID   the command, our only direct child, as this PID namespace numbers it
//     EXPECTED_PPID what getppid() says while ctrdbg (our parent) lives: 0 when ctrdbg
//                   is outside this PID namespace, else its PID
//   SIGTERM SIGINT SIGHUP SIGQUIT SIGCONT SIGUSR1  forwarded to the command's process group
//   SIGUSR2  (also our parent-death signal: ctrdbg is gone) kill everything, now
//   SIGCHLD  reap; when the command has exited, kill what is left
// We then end the way the command ended (its exit code, or its signal), which is
// what ctrdbg, our parent, reports as the session's status.
//
// What it cannot do: it enumerates what is left through this namespace's procfs
// (/proc/thread-self/children, at the session root's /proc, which is the
// container's). Without a procfs there it can only kill the command's process group.
// A process of the container that kills this reaper (it may: it is the container's
// PID namespace) also ends the command (its parent-death signal), but not the
// command's own orphans.

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../freestanding/syscall.hpp"
#include "../freestanding/runtime.hpp"

using namespace ctrdbg::freestanding;

namespace {

using KernelSigset = std::uint64_t;  // the kernel's sigset_t (_NSIG = 64)
constexpr long kSigsetSize = sizeof(KernelSigset);
constexpr KernelSigset bit(int sig) { return KernelSigset{1} << (sig - 1); }

struct KernelSigaction {  // the kernel's struct sigaction (x86-64 and arm64)
  long handler;
  unsigned long flags;
  long restorer;
  KernelSigset mask;
};

struct WaitStatus {
  int raw = 0;
  bool exited() const { return (raw & 0x7f) == 0; }
  int code() const { return (raw >> 8) & 0xff; }
  int signal() const { return raw & 0x7f; }
};

long parse_long(const char* s, bool* ok) {
  long v = 0;
  *ok = s && *s;
  bool neg = false;
  if (*ok && *s == '-') {
    neg = true;
    ++s;
  }
  for (; *ok && *s; ++s) {
    if (*s < '0' || *s > '9' || v > 100000000) *ok = false;
    else v = v * 10 + (*s - '0');
  }
  return neg ? -v : v;
}

// ---- the session ----

constexpr int kMaxRounds = 100000;  // a fork bomb ends at pids.max long before this

long g_command = 0;         // the command's PID (0 once it has been reaped)
WaitStatus g_status;        // the command's wait status, once reaped
bool g_command_done = false;

// Reaps every child that has exited; notes the command's status. Blocking when
// `block`, for one child at least. Returns false when there is no child left.
bool reap(bool block) {
  for (bool first = true;; first = false) {
    int status = 0;
    long pid = sys(SYS_wait4, -1, &status, (block && first) ? 0 : WNOHANG, 0);
    if (pid == -EINTR) continue;
    if (pid == -ECHILD) return false;
    if (pid <= 0) return true;
    if (pid == g_command) {
      g_status.raw = status;
      g_command_done = true;
      g_command = 0;
    }
  }
}

// Reads our children's PIDs from /proc/thread-self/children ("12 15 ..."): the
// direct children, which after a kill include that child's orphans. -1 when there
// is no procfs to read it from.
int read_children(long* out, int max) {
  long fd = sys(SYS_openat, AT_FDCWD, "/proc/thread-self/children", O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0) return -1;
  struct {
    long type;
    char rest[120];
  } fs{};
  // Only the kernel's procfs: a file the container planted there is no answer.
  if (sys(SYS_fstatfs, fd, &fs) < 0 || fs.type != PROC_SUPER_MAGIC) {
    sys(SYS_close, fd);
    return -1;
  }
  char buf[4096];
  int n = 0;
  long pending = -1;
  for (;;) {
    long got = sys(SYS_read, fd, buf, sizeof buf);
    if (got == -EINTR) continue;
    if (got <= 0) break;
    for (long i = 0; i < got; ++i) {
      char c = buf[i];
      if (c >= '0' && c <= '9') {
        pending = (pending < 0 ? 0 : pending * 10) + (c - '0');
      } else if (pending >= 0) {
        if (n < max) out[n++] = pending;
        pending = -1;
      }
    }
  }
  if (pending >= 0 && n < max) out[n++] = pending;
  sys(SYS_close, fd);
  return n;
}

// Ends every process of the session: the command's process group, the command, and
// then, round after round, whatever is our child (orphans come to us, the
// subreaper, as their parents die), until none is left.
void kill_everything() {
  if (g_command) {
    sys(SYS_kill, -g_command, SIGKILL);
    sys(SYS_kill, g_command, SIGKILL);
  }
  long children[512];
  for (int round = 0; round < kMaxRounds; ++round) {
    int n = read_children(children, 512);
    if (n < 0) {
      // No procfs: the command (and its group) is all we know of.
      while (g_command && reap(true)) {
      }
      reap(false);
      return;
    }
    if (n == 0) {
      if (!reap(false)) return;  // no child at all: done
      continue;                  // zombies only: reaped, look again
    }
    for (int i = 0; i < n; ++i) sys(SYS_kill, children[i], SIGKILL);
    reap(true);
  }
}

// Ends this process the way the command ended, so that ctrdbg (our parent) sees
// the command's own wait status.
[[noreturn]] void end_like_command() {
  if (!g_command_done || g_status.exited()) exit_group(g_command_done ? g_status.code() : 137);
  int sig = g_status.signal();
  // No core dump of ours for a command's SIGSEGV: the host's core_pattern would
  // receive it.
  sys(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
  KernelSigaction dfl{};
  dfl.handler = 0;  // SIG_DFL
  sys(SYS_rt_sigaction, sig, &dfl, nullptr, kSigsetSize);
  KernelSigset only = ~bit(sig);
  sys(SYS_rt_sigprocmask, SIG_SETMASK, &only, nullptr, kSigsetSize);
  sys(SYS_kill, sys(SYS_getpid), sig);
  exit_group(128 + sig);  // a signal whose default is not to terminate
}

void forward(int sig) {
  if (!g_command) return;
  // The command leads its own process group (it called setsid): timeout(1) and a
  // terminal both signal the group.
  if (sys(SYS_kill, -g_command, sig) < 0) sys(SYS_kill, g_command, sig);
}

}  // namespace

extern "C" [[noreturn]] void reaper_main(long* stack) {
  long argc = stack[0];
  auto** argv = reinterpret_cast<char**>(stack + 1);
  KernelSigset all = ~KernelSigset{0};
  sys(SYS_rt_sigprocmask, SIG_SETMASK, &all, nullptr, kSigsetSize);
  bool ok1 = false, ok2 = false;
  g_command = argc == 3 ? parse_long(argv[1], &ok1) : 0;
  long expected_ppid = argc == 3 ? parse_long(argv[2], &ok2) : -1;
  if (!ok1 || !ok2 || g_command <= 0) exit_group(125);

  // Set before exec already (both survive it); again here, as a credential change
  // on the way may have cleared the parent-death signal.
  sys(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sys(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
  if (sys(SYS_getppid) != expected_ppid) {  // ctrdbg died before the line above
    kill_everything();
    end_like_command();
  }

  for (;;) {
    unsigned char info[128];
    long sig = sys(SYS_rt_sigtimedwait, &all, info, nullptr, kSigsetSize);
    if (sig < 0) continue;
    switch (sig) {
      case SIGCHLD:
        reap(false);
        if (g_command_done) {
          kill_everything();
          end_like_command();
        }
        break;
      case SIGUSR2:
        kill_everything();
        end_like_command();
      case SIGTERM:
      case SIGINT:
      case SIGHUP:
      case SIGQUIT:
      case SIGCONT:
      case SIGUSR1:
        forward(static_cast<int>(sig));
        break;
      default:
        break;
    }
  }
}

// The entry point: the kernel's initial stack (argc, argv..., envp...) to reaper_main.
#if defined(__x86_64__)
asm(".text\n.global _start\n.type _start,@function\n_start:\n"
    "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call reaper_main\n  hlt\n");
#elif defined(__aarch64__)
asm(".text\n.global _start\n.type _start,%function\n_start:\n"
    "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl reaper_main\n");
#endif
