#include "ctrdbg/session.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "ctrdbg/cpus.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/namespaces.hpp"
#include "ctrdbg/procfs.hpp"
#include "ctrdbg/pty.hpp"
#include "ctrdbg/security.hpp"
#include "ctrdbg/session_reaper.hpp"
#include "ctrdbg/session_root.hpp"
#include "ctrdbg/step.hpp"

namespace ctrdbg {
namespace {

// Over the session socket: go (ctrdbg -> helper, once the toolset is filled) and
// pty (helper -> ctrdbg, with the master as SCM_RIGHTS). The socket is the helper's
// only: it closes its end before any process of the session appears in the
// container's PID namespace.
enum class MessageKind : std::uint32_t { failure = 1, ready = 2, exec_failed = 3, go = 4, pty = 5 };

struct Message {
  MessageKind kind{};
};

// How the session's processes report to ctrdbg: one page mapped MAP_SHARED before
// the helper is forked, so the helper, the reaper and the command (which share the
// helper's memory until their execve: CLONE_VM) write into it and ctrdbg reads it
// once the helper has exited. Nothing of it survives an execve, and it needs no fd.
struct SharedReport {
  pid_t reaper_pid = 0;            // host PID, written by the kernel (CLONE_PARENT_SETTID)
  int command_started = 0;         // the reaper sets it once the command has exec'd
  MessageKind kind{};              // ready, failure (a step) or exec_failed (the command's execve)
  int exit_code = 0;               // with failure / exec_failed: what the session exits with
  char join_method[32] = {};       // ready
  StepFailure failure;
};

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Everything the forked processes need, prepared before fork() so that they
// only ever touch ready-made C strings.
struct ChildContext {
  const SessionPlan* plan;
  pid_t host_pid;           // ctrdbg, for the parent-death checks
  int target_pidfd;
  pid_t target_pid;
  int toolset_fd;
  std::vector<int> keep_fds;  // the helper keeps these (sorted) and closes every other fd from 3 up
  std::vector<int> open_fds;  // ctrdbg's open fds at the fork (for kernels without close_range)
  const std::vector<std::string>* links;  // applets the helper links from the back
  std::vector<std::pair<int, const char*>> binds;  // host-tool files to attach in the session root
  const cpu_set_t* cpus;      // ctrdbg's CPU set, for the command (see start_session); null: unchanged
  int sock;
  SharedReport* report;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* path_env;     // the PATH the command is looked up in
  char reaper_path[300];    // /<tool dir>/ctrdbg-session, in the session root
};

void send_message(int sock, const Message& m, const int* fds = nullptr, int nfds = 0) {
  iovec iov{const_cast<Message*>(&m), sizeof m};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 2)] = {};
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<size_t>(nfds));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * static_cast<size_t>(nfds));
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * static_cast<size_t>(nfds));
  }
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

// The command runs on a stack of its own (see helper_main). AddressSanitizer, in a
// sanitizer build, checks the stack before every call of a [[noreturn]] function
// and warns about one it does not know, from inside the container, where it cannot
// write its report; the functions that make such calls on that stack are left
// uninstrumented for that (their callees are not).
#define CTRDBG_ON_COMMAND_STACK __attribute__((no_sanitize_address))

// Records a failure in the shared report (the first one wins) and exits.
[[noreturn]] CTRDBG_ON_COMMAND_STACK void report_and_exit(SharedReport* r, MessageKind kind, const StepFailure& f,
                                                         int code) {
  if (r->kind != MessageKind::failure && r->kind != MessageKind::exec_failed) {
    r->failure = f;
    r->exit_code = code;
    r->kind = kind;
  }
  ::_exit(code);
}

// Closes every fd from 3 up except those in `keep` (sorted, each >= 3). Before
// Linux 5.9 (no close_range), closes the fds of `open` (ctrdbg's open fds, listed
// just before the fork) that are not kept.
CTRDBG_ON_COMMAND_STACK void close_fds_except(const std::vector<int>& keep, const std::vector<int>& open) {
  unsigned from = 3;
  bool ranges = true;
  for (int fd : keep) {
    unsigned k = static_cast<unsigned>(fd);
    if (k < from) continue;
    if (k > from && ::syscall(SYS_close_range, from, k - 1, 0u) < 0) ranges = false;
    from = k + 1;
  }
  if (::syscall(SYS_close_range, from, ~0u, 0u) < 0) ranges = false;
  if (ranges) return;
  for (int fd : open)
    if (fd > 2 && !std::binary_search(keep.begin(), keep.end(), fd)) ::close(fd);
}

// ctrdbg's open fds from 3 up (/proc/self/fd), for close_fds_except without
// close_range.
std::vector<int> open_fds() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return fds;
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd > 2 && fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  return fds;
}

// Decimal for argv, without snprintf (async-signal-safe).
void format_pid(long v, char (&out)[24]) {
  char tmp[24];
  int n = 0;
  bool neg = v < 0;
  unsigned long u = neg ? static_cast<unsigned long>(-v) : static_cast<unsigned long>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u && n < 22);
  int i = 0;
  if (neg) out[i++] = '-';
  while (n) out[i++] = tmp[--n];
  out[i] = '\0';
}

// execvpe() looks PATH up in *our* environment, not the command's: search by hand.
// Returns only on failure, with errno as execvp would leave it.
void exec_command(const ChildContext& ctx) {
  const char* file = ctx.argv[0];
  if (std::strchr(file, '/')) {
    ::execve(file, ctx.argv.data(), ctx.envp.data());
    return;
  }
  bool saw_eacces = false;
  char full[4096];
  for (const char* p = ctx.path_env;;) {
    const char* colon = std::strchr(p, ':');
    size_t len = colon ? static_cast<size_t>(colon - p) : std::strlen(p);
    const char* dir = len ? p : ".";
    size_t dlen = len ? len : 1;
    if (dlen + 1 + std::strlen(file) + 1 <= sizeof full) {
      std::memcpy(full, dir, dlen);
      full[dlen] = '/';
      std::strcpy(full + dlen + 1, file);
      ::execve(full, ctx.argv.data(), ctx.envp.data());
      if (errno == EACCES) saw_eacces = true;
      else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG) return;
    }
    if (!colon) break;
    p = colon + 1;
  }
  errno = saw_eacces ? EACCES : ENOENT;
}

// The command: its parent is the reaper, in the same PID namespace, which it
// checks after arming its parent-death signal (the reaper's own parent check covers
// ctrdbg). Runs on its own stack in the reaper's memory (CLONE_VM | CLONE_VFORK):
// system calls only, reports into the shared page.
[[noreturn]] CTRDBG_ON_COMMAND_STACK void command_main(const ChildContext& ctx, pid_t reaper) {
  StepFailure f;
  SharedReport* report = ctx.report;
  auto failed = [&](const char* step, const char* detail) CTRDBG_ON_COMMAND_STACK {
    step_fail(&f, step, detail, errno);
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  };
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != reaper) ::_exit(exit_code::ctrdbg_failed);
  // The helper was started on another CPU than ctrdbg's (see start_session), and so
  // were we. The command gets ctrdbg's own CPU set.
  if (ctx.cpus) ::sched_setaffinity(0, sizeof *ctx.cpus, ctx.cpus);

  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);

  // Own session: never the operator's terminal as controlling tty (TIOCSTI). With a
  // pty, fds 0-2 are its slave already (the helper put it there).
  if (::setsid() < 0) failed("setsid", nullptr);
  if (ctx.plan->tty && ::ioctl(0, TIOCSCTTY, 0) < 0) failed("attach the pty", nullptr);
  const Credentials* creds = ctx.plan->credentials;
  const bool switching = creds && creds->changes_identity();
  // The session's own pty belongs to the user the command runs as (runc's
  // fixStdioPermissions); the operator's stdio without a pty is never touched.
  if (switching && ctx.plan->tty && fix_tty_owner(0, creds->profile.uid, &f) < 0)
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  if (::chdir(ctx.plan->workdir.c_str()) < 0) failed("change to working directory", ctx.plan->workdir.c_str());
  // The cwd must be reachable from our root: "(unreachable)" would mean a host path.
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    step_fail(&f, "working directory outside the container:", ctx.plan->workdir.c_str(), 0);
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  }
  // Last before execve, in runc's order: the user (-u), or everything the container's
  // processes are held to: rlimits, no_new_privs, seccomp, user, caps.
  if (switching) {
    if (apply_credentials(*creds, &f) < 0) report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
    // A uid change cleared the parent-death signal (re-armed there): was the
    // reaper already gone in between?
    if (::getppid() != reaper) ::_exit(exit_code::ctrdbg_failed);
  }
  exec_command(ctx);
  int err = errno;
  step_fail(&f, "execute", ctx.argv[0], err);
  report_and_exit(report, MessageKind::exec_failed, f, err == ENOENT ? exit_code::not_found : exit_code::cannot_execute);
}

struct CommandStart {
  const ChildContext* ctx;
  pid_t reaper;  // as the container's PID namespace numbers it
};

CTRDBG_ON_COMMAND_STACK int command_entry(void* arg) {
  const auto* s = static_cast<const CommandStart*>(arg);
  command_main(*s->ctx, s->reaper);
}

constexpr size_t kStack = 1 << 20;  // touched only as far as it is used

// The reaper (ctrdbg-session, see src/reaper/session_reaper.cpp), before it execs:
// ctrdbg's child (CLONE_PARENT) inside the container's PID namespace, a child
// subreaper, and the command's parent. It starts the command the way vfork does,
// then takes the command's own credentials and execs the staged reaper program, so
// that for the session's whole life it holds no fd, no host file as its exe, and no
// more privilege than the command.
[[noreturn]] CTRDBG_ON_COMMAND_STACK void reaper_main(const ChildContext& ctx) {
  StepFailure f;
  SharedReport* report = ctx.report;
  // Every signal blocked: they stay pending through the execve, and the reaper
  // program takes them in order (a SIGUSR2 from our parent's death included).
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGUSR2);
  const pid_t expected_ppid = (ctx.plan->ns_flags & CLONE_NEWPID) ? 0 : ctx.host_pid;
  if (::getppid() != expected_ppid) ::_exit(exit_code::ctrdbg_failed);  // ctrdbg is gone
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
    step_fail(&f, "become the session's subreaper", nullptr, errno);
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  }
  if (ctx.cpus) ::sched_setaffinity(0, sizeof *ctx.cpus, ctx.cpus);

  // The command: clone(CLONE_VM | CLONE_VFORK), as vfork does: it shares our memory
  // until its execve, so no page is copied (page faults are the dominant cost of a
  // session on some VMs); command_main only makes system calls and never returns.
  CommandStart start{&ctx, ::getpid()};
  void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                       -1, 0);
  if (stack == MAP_FAILED) {
    step_fail(&f, "map the command's stack", nullptr, errno);
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  }
  pid_t command = ::clone(command_entry, static_cast<char*>(stack) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  if (command < 0) {
    step_fail(&f, "start the command", nullptr, errno);
    report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed);
  }
  // Back here once the command has exec'd, or has failed before (it said why).
  auto kill_command = [&](const StepFailure* why) CTRDBG_ON_COMMAND_STACK {
    ::kill(command, SIGKILL);
    int status = 0;
    while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
    }
    if (why) report_and_exit(report, MessageKind::failure, *why, exit_code::ctrdbg_failed);
    ::_exit(report->exit_code ? report->exit_code : exit_code::ctrdbg_failed);
  };
  if (report->kind == MessageKind::failure || report->kind == MessageKind::exec_failed) kill_command(nullptr);
  // From here on a signal to ctrdbg is for the command, not an interrupted set-up.
  __atomic_store_n(&report->command_started, 1, __ATOMIC_RELEASE);

  // Nothing of ctrdbg's crosses: not even the stdio the command was given (closed
  // before the credentials change: a container's seccomp profile may lack close_range).
  if (::syscall(SYS_close_range, 0u, ~0u, 0u) < 0)
    for (int fd = 0; fd < 3; ++fd) ::close(fd);  // before 5.9: the rest is close-on-exec
  // No more than the command: the same credentials (a no-op for host root).
  const Credentials* creds = ctx.plan->credentials;
  if (creds && creds->changes_identity() && apply_credentials(*creds, &f) < 0) kill_command(&f);
  char command_arg[24], ppid_arg[24];
  format_pid(command, command_arg);
  format_pid(expected_ppid, ppid_arg);
  char name[] = "ctrdbg-session";
  char* argv[] = {name, command_arg, ppid_arg, nullptr};
  char* envp[] = {nullptr};
  ::execve(ctx.reaper_path, argv, envp);
  step_fail(&f, "start the session reaper", ctx.reaper_path, errno);
  kill_command(&f);
  ::_exit(exit_code::ctrdbg_failed);  // not reached: kill_command exits
}

CTRDBG_ON_COMMAND_STACK int reaper_entry(void* arg) { reaper_main(*static_cast<const ChildContext*>(arg)); }

[[noreturn]] void helper_main(const ChildContext& ctx) {
  StepFailure f;
  SharedReport* report = ctx.report;
  auto failed = [&]() { report_and_exit(report, MessageKind::failure, f, exit_code::ctrdbg_failed); };
  auto failed_errno = [&](const char* step) {
    step_fail(&f, step, nullptr, errno);
    failed();
  };

  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != ctx.host_pid) ::_exit(exit_code::ctrdbg_failed);
  // Only what the session needs crosses: the session socket, the toolset's tmpfs,
  // the target's pidfd and the cgroup files. Everything else ctrdbg held when it
  // forked us (the toolset's host files, a --record file, its own pidfds) closes
  // here, in the host's PID namespace, before anything of ours is visible from
  // the container.
  close_fds_except(ctx.keep_fds, ctx.open_fds);
  // Non-dumpable before the first setns (runc CVE-2016-9962): a process in the
  // container must not ptrace us or open /proc/<pid>/fd while we hold host fds.
  // The reaper and the command share this until their execve.
  if (::prctl(PR_SET_DUMPABLE, 0) < 0) failed_errno("make non-dumpable");
  // The container's cgroups (default profile and --as-container), while the host's
  // cgroupfs is still ours to write (the fds were opened before fork); the reaper
  // and the command inherit them.
  if (const Credentials* creds = ctx.plan->credentials) {
    if (enter_cgroups(creds->cgroups, &f) < 0) failed();
    for (const auto& c : creds->cgroups) {
      ::close(c.procs.get());
      if (c.fallback) ::close(c.fallback.get());
    }
  }

  const char* failed_ns = nullptr;
  const char* method = nullptr;
  if (join_namespaces(ctx.target_pidfd, ctx.target_pid, ctx.plan->ns_flags, &failed_ns, &method) < 0) {
    char what[64];
    std::snprintf(what, sizeof what, "`%s` of pid %d", failed_ns, ctx.target_pid);
    step_fail(&f, "setns", what, errno);
    failed();
  }
  if (ctx.target_pidfd >= 0) ::close(ctx.target_pidfd);
  if (build_session_root(ctx.toolset_fd, ctx.plan->tool_dir_name.c_str(), &f) < 0) failed();
  ::close(ctx.toolset_fd);
  // While ctrdbg still copies busybox, link applets from the other end of the list.
  {
    char bin_path[256];
    std::snprintf(bin_path, sizeof bin_path, "/%s/bin", ctx.plan->tool_dir_name.c_str());
    Fd bin(::open(bin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const char* name = nullptr;
    if (!bin) failed_errno("open the toolset's bin directory");
    if (link_applets(bin.get(), *ctx.links, LinkFrom::back, &name) < 0) {
      step_fail(&f, "link applet", name, errno);
      failed();
    }
  }
  // ctrdbg has been filling the toolset meanwhile; anything but "go" means it
  // could not, and it says why.
  Message go;
  ssize_t got;
  while ((got = ::recv(ctx.sock, &go, sizeof go, 0)) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof go) || go.kind != MessageKind::go) ::_exit(exit_code::ctrdbg_failed);
  // Host tools' files and directories, cloned read-only in the host's mount
  // namespace, onto the placeholders ctrdbg has made for them.
  for (const auto& [fd, path] : ctx.binds) {
    if (::move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
      step_fail(&f, "attach host tool file", path, errno);
      failed();
    }
    ::close(fd);
  }
  if (seal_session_root(&f) < 0) failed();

  // The pty: a devpts instance of the session's own, so no process of the container
  // can open its slave (TIOCSTI) or its master. The master goes to ctrdbg; the
  // slave becomes our fds 0-2, so that the reaper and the command never hold the
  // operator's stdio, not even for a moment.
  if (ctx.plan->tty) {
    int master = -1, slave = -1;
    if (open_session_pty(ctx.plan->have_size ? &ctx.plan->size : nullptr, &master, &slave, &f) < 0) failed();
    Message pty;
    pty.kind = MessageKind::pty;
    send_message(ctx.sock, pty, &master, 1);
    ::close(master);
    if (::dup2(slave, 0) < 0 || ::dup2(slave, 1) < 0 || ::dup2(slave, 2) < 0) failed_errno("attach the pty");
    ::close(slave);
  }
  // ctrdbg reads until end-of-file: from here on, reports go through the shared page.
  ::close(ctx.sock);

  // The reaper, ctrdbg's child (CLONE_PARENT): ctrdbg waits for it, and it mirrors
  // the command's end. CLONE_VM | CLONE_VFORK: we resume once it has exec'd (after
  // the command has), with nothing copied. The kernel writes its host PID into the
  // shared page before it runs, so ctrdbg can kill it if the set-up is interrupted.
  void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                       -1, 0);
  if (stack == MAP_FAILED) failed_errno("map the reaper's stack");
  pid_t reaper = ::clone(reaper_entry, static_cast<char*>(stack) + kStack,
                         CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_PARENT_SETTID | SIGCHLD,
                         const_cast<ChildContext*>(&ctx), &report->reaper_pid);
  if (reaper < 0) failed_errno("start the session reaper");
  if (report->kind != MessageKind::failure && report->kind != MessageKind::exec_failed) {
    copy_truncated(report->join_method, method);
    report->kind = MessageKind::ready;
  }
  ::_exit(0);
}

std::string describe(const StepFailure& f) {
  std::string out = f.step;
  if (f.detail[0]) out += std::string(" ") + f.detail;
  if (f.err) out = errno_message(out, f.err);
  return out;
}

// The terminating signals, which main() has blocked for the relay, and SIGCHLD, as
// an fd: a terminating signal that arrives while the session is still being set up
// ends it (wait_for_helper), and SIGCHLD tells that the helper has exited.
Fd setup_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set, s);
  return Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

// The set-up was interrupted or has failed: no process of it may outlive ctrdbg.
// The helper and the reaper (once the kernel has named it) are our children; the
// command dies with the reaper (its parent-death signal), before it has run anything.
void kill_setup(pid_t helper, const SharedReport* report) {
  ::kill(helper, SIGKILL);
  pid_t reaper = __atomic_load_n(&report->reaper_pid, __ATOMIC_ACQUIRE);
  if (reaper > 0) ::kill(reaper, SIGKILL);
}

// Waits until `sock` is readable (sock >= 0) or the helper has exited (sock < 0; it
// is reaped then, and its wait status stored). Whatever the helper or the command
// may be stuck in before the execve (a fifo, a hung FUSE mount in the container),
// ctrdbg stays stoppable: SIGTERM, SIGINT, SIGHUP or SIGQUIT kill the set-up and end
// ctrdbg with an error — unless the command runs already (the helper is about to
// exit): then the signal is the command's, kept in *pending for the relay.
void wait_for_helper(int sock, int sigfd, pid_t helper, const SharedReport* report, int* helper_status,
                     int* pending) {
  for (;;) {
    if (sock < 0 && ::waitpid(helper, helper_status, WNOHANG) == helper) return;
    pollfd fds[2] = {{sigfd, POLLIN, 0}, {sock, POLLIN, 0}};
    int n = ::poll(fds, sock >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("session set-up: poll");
    if (sock >= 0 && fds[1].revents) return;
    if (!fds[0].revents) continue;
    signalfd_siginfo si{};
    while (::read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      if (si.ssi_signo == SIGCHLD) continue;  // looked at above
      if (pending && __atomic_load_n(&report->command_started, __ATOMIC_ACQUIRE)) {
        *pending = static_cast<int>(si.ssi_signo);
        continue;
      }
      kill_setup(helper, report);
      while (::waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
      }
      const char* name = sigabbrev_np(static_cast<int>(si.ssi_signo));
      fail("interrupted by SIG{} while the session was being set up", name ? name : "?");
    }
  }
}

// Receives one message (and any fds); returns false on end-of-file. A helper that
// has exited without reading our "go" resets the connection: that is its end too
// (its reason is in the shared report).
bool receive(int sock, Message* m, Fd* fds, int max_fds) {
  iovec iov{m, sizeof *m};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0 && errno == ECONNRESET) return false;
  if (n < 0) fail_errno("session socket");
  int got = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (got < max_fds) fds[got++] = Fd(fd);
      else ::close(fd);
    }
  }
  if (n == 0) return false;
  if (static_cast<size_t>(n) != sizeof *m) throw Error("session socket: short message from the helper");
  return true;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return exit_code::ctrdbg_failed;
  }
  return status;
}

}  // namespace

int exit_status_from_wait(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return exit_code::signal_base + WTERMSIG(status);
  return exit_code::ctrdbg_failed;
}

PinnedProcess pin_target(const Target& target) {
  PinnedProcess p;
  p.pid = target.pid;
  p.pidfd.reset(pidfd_open(target.pid));
  if (!p.pidfd && errno == ESRCH) fail("container {}: its process {} has just exited", target.display(), target.pid);
  if (!p.pidfd && errno != ENOSYS) fail_errno("pidfd_open({})", target.pid);

  Fd proc = open_proc_pid(target.pid);
  if (!proc) fail("container {}: its process {} is gone", target.display(), target.pid);
  auto stat = read_small_file(proc.get(), "stat");
  auto cgroup = read_small_file(proc.get(), "cgroup");
  if (!stat || !cgroup) fail("container {}: its process {} is gone", target.display(), target.pid);
  p.start_time = parse_stat_start_time(*stat);
  // The source recorded when the process started (runc state.json): a different
  // start time means the PID now belongs to another process.
  if (target.start_time != 0 && target.start_time != p.start_time)
    fail("container {}: pid {} is not its process any more (start time {} != recorded {}): the PID was reused",
         target.display(), target.pid, p.start_time, target.start_time);
  // Docker and podman name a container's cgroup after its full ID; containerd
  // tasks may have short IDs (ctr), and are checked by start time instead.
  bool id_in_cgroup = target.engine == "docker" || target.engine == "podman";
  if (id_in_cgroup && !target.id.empty() && !cgroup_mentions_id(*cgroup, target.id))
    fail("container {}: pid {} does not belong to it (the PID was reused?)", target.display(), target.pid);

  // What was read above is the pinned process's only if it is still alive now.
  bool alive;
  if (p.pidfd) {
    // EPERM (no CAP_KILL over another user's process, e.g. under a restricted
    // systemd unit) still says the process exists.
    alive = ::syscall(SYS_pidfd_send_signal, p.pidfd.get(), 0, nullptr, 0) == 0 || errno == EPERM;
  } else {
    auto again = read_small_file(proc.get(), "stat");
    alive = again && parse_stat_start_time(*again) == p.start_time;
  }
  if (!alive) fail("container {}: its process {} exited while being checked", target.display(), target.pid);
  return p;
}

RunningSession start_session(const SessionPlan& plan, const PinnedProcess& target, StagedToolset tools) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) fail_errno("socketpair");
  Fd ours(pair[0]), theirs(pair[1]);
  void* page = ::mmap(nullptr, sizeof(SharedReport), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) fail_errno("map the session's report page");
  auto* report = new (page) SharedReport;
  struct Unmap {
    void* p;
    ~Unmap() { ::munmap(p, sizeof(SharedReport)); }
  } unmap{page};

  ChildContext ctx{};
  ctx.plan = &plan;
  ctx.host_pid = ::getpid();
  ctx.target_pidfd = target.pidfd.get();
  ctx.target_pid = target.pid;
  ctx.toolset_fd = tools.mount.root.get();
  ctx.links = &tools.links;
  ctx.sock = theirs.get();
  ctx.report = report;
  for (int fd : {ctx.sock, ctx.toolset_fd, ctx.target_pidfd})
    if (fd >= 3) ctx.keep_fds.push_back(fd);
  for (const auto& b : tools.mount.binds) {
    ctx.binds.emplace_back(b.tree.get(), b.path.c_str());
    ctx.keep_fds.push_back(b.tree.get());
  }
  if (plan.credentials)
    for (const auto& c : plan.credentials->cgroups)
      for (int fd : {c.procs.get(), c.fallback.get()})
        if (fd >= 3) ctx.keep_fds.push_back(fd);
  std::sort(ctx.keep_fds.begin(), ctx.keep_fds.end());
  // Only needed where close_range is missing (before Linux 5.9); a directory read
  // of a few entries, paid by every session so that the fallback is the same code.
  ctx.open_fds = open_fds();
  std::snprintf(ctx.reaper_path, sizeof ctx.reaper_path, "/%s/%s", plan.tool_dir_name.c_str(), kSessionReaperName);
  for (const auto& a : plan.argv) ctx.argv.push_back(const_cast<char*>(a.c_str()));
  ctx.argv.push_back(nullptr);
  ctx.path_env = "";
  for (const auto& e : plan.envp) {
    ctx.envp.push_back(const_cast<char*>(e.c_str()));
    if (e.starts_with("PATH=")) ctx.path_env = e.c_str() + 5;
  }
  ctx.envp.push_back(nullptr);

  // Filling the toolset here and joining the container in the helper can run side
  // by side, but a new process starts on its parent's CPU (on a small VM the
  // scheduler does not move it to a halted vCPU in time): it would wait for the
  // fill. So the helper starts on another CPU; the reaper and the command, started
  // there too, take ctrdbg's own CPU set back first thing. Not when the helper
  // joins the container's cgroups, which come with the container's cpuset.
  cpu_set_t cpus, elsewhere;
  const bool to_cgroups = plan.credentials && !plan.credentials->cgroups.empty();
  const bool spread = !to_cgroups && cpus_besides_this_one(&cpus, &elsewhere);
  ctx.cpus = spread ? &cpus : nullptr;

  std::fflush(nullptr);
  pid_t helper = ::fork();
  if (helper < 0) fail_errno("fork");
  if (helper == 0) helper_main(ctx);
  theirs.reset();
  if (spread) ::sched_setaffinity(helper, sizeof elsewhere, &elsewhere);
  Fd sigfd = setup_signals();
  if (!sigfd) fail_errno("signalfd");

  // The helper joins the container and builds the session root (on the other core,
  // where there is one) while the toolset's files are copied and linked here.
  try {
    tools.fill();
  } catch (...) {
    kill_setup(helper, report);
    reap(helper);
    throw;
  }
  tools.mount.root.reset();
  Message go;
  go.kind = MessageKind::go;
  send_message(ours.get(), go);  // a helper that has failed already has said why

  // The pty's master (tty mode), then end-of-file: the helper closes its end before
  // it starts the reaper. Then the helper exits, once the reaper has exec'd (after
  // the command), or on a failure; the shared page says which.
  RunningSession s;
  for (;;) {
    Message m;
    Fd fds[1];
    wait_for_helper(ours.get(), sigfd.get(), helper, report, nullptr, nullptr);
    if (!receive(ours.get(), &m, fds, 1)) break;
    if (m.kind == MessageKind::pty && fds[0]) s.pty_master = std::move(fds[0]);
  }
  int helper_status = 0;
  int pending = 0;
  wait_for_helper(-1, sigfd.get(), helper, report, &helper_status, &pending);
  const pid_t reaper = report->reaper_pid;

  if (report->kind == MessageKind::failure || report->kind == MessageKind::exec_failed) {
    // The reaper (if it was started) has exited with the session's code by now.
    if (reaper > 0) reap(reaper);
    const StepFailure& failure = report->failure;
    if (report->kind == MessageKind::exec_failed) {
      if (failure.err == ENOENT)
        throw Error(fmt::format("{}: command not found in the container's PATH or the toolset", failure.detail),
                    exit_code::not_found);
      throw Error(fmt::format("cannot execute {}: {}", failure.detail, std::strerror(failure.err)),
                  exit_code::cannot_execute);
    }
    throw Error(describe(failure), report->exit_code ? report->exit_code : exit_code::ctrdbg_failed);
  }
  if (report->kind != MessageKind::ready || reaper <= 0) {
    if (reaper > 0) {
      ::kill(reaper, SIGKILL);
      reap(reaper);
    }
    throw Error(fmt::format("the session helper ended before the command started (wait status {:#x})", helper_status));
  }
  if (plan.tty && !s.pty_master) {
    ::kill(reaper, SIGUSR2);
    reap(reaper);
    throw Error("session socket: the helper sent no pty");
  }
  s.helper_pid = -1;  // reaped above
  s.command_pid = reaper;
  s.command_pidfd.reset(pidfd_open(reaper));  // our unreaped child: its PID cannot be reused
  s.join_method = std::string(report->join_method, strnlen(report->join_method, sizeof report->join_method));
  s.pending_signal = pending;
  return s;
}

}  // namespace ctrdbg
