#include "ctrdbg/session.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "ctrdbg/cpus.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/namespaces.hpp"
#include "ctrdbg/procfs.hpp"
#include "ctrdbg/pty.hpp"
#include "ctrdbg/security.hpp"
#include "ctrdbg/session_root.hpp"
#include "ctrdbg/step.hpp"

namespace ctrdbg {
namespace {

// failure, ready, exec_failed: helper (or command) -> ctrdbg; go: ctrdbg -> helper,
// once the toolset is filled.
enum class MessageKind : std::uint32_t { failure = 1, ready = 2, exec_failed = 3, go = 4 };

struct Message {
  MessageKind kind{};
  std::int32_t command_pid = 0;   // ready
  char join_method[32] = {};      // ready
  StepFailure failure;            // failure / exec_failed (failure.err = errno of execve)
};

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Everything the forked processes need, prepared before fork() so that they
// only ever touch ready-made C strings.
struct ChildContext {
  const SessionPlan* plan;
  pid_t host_pid;           // ctrdbg, for the parent-death checks
  int host_pidfd;           // ctrdbg's pidfd (-1 without pidfd_open): the command's parent check
  int target_pidfd;
  pid_t target_pid;
  int toolset_fd;
  std::vector<int> host_fds;  // the toolset's host files: closed first thing
  const std::vector<std::string>* links;  // applets the helper links from the back
  const cpu_set_t* cpus;      // ctrdbg's CPU set, for the command (see start_session); null: unchanged
  int sock;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* path_env;     // the PATH the command is looked up in
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

[[noreturn]] CTRDBG_ON_COMMAND_STACK void report_and_exit(int sock, MessageKind kind, const StepFailure& f, int code) {
  Message m;
  m.kind = kind;
  m.failure = f;
  send_message(sock, m);
  ::_exit(code);
}

// Closes every fd from 3 up except `keep` (which is O_CLOEXEC). Belt and braces:
// main() has already marked every inherited fd close-on-exec and ctrdbg opens
// nothing without O_CLOEXEC, so before Linux 5.9 (no close_range) nothing is lost.
void close_fds_except(int keep) {
  ::syscall(SYS_close_range, 3u, static_cast<unsigned>(keep) - 1, 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(keep) + 1, ~0u, 0u);
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

// A pidfd polls readable once its process has exited; this works across PID
// namespaces, where pidfd_send_signal() to an outer process fails with EINVAL.
bool parent_alive(const ChildContext& ctx, pid_t expected_ppid) {
  if (::getppid() != expected_ppid) return false;
  if (ctx.host_pidfd < 0) return true;
  pollfd p{ctx.host_pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

[[noreturn]] CTRDBG_ON_COMMAND_STACK void command_main(const ChildContext& ctx, int pty_master, int pty_slave,
                                                      pid_t expected_ppid) {
  StepFailure f;
  auto failed = [&](const char* step, const char* detail) CTRDBG_ON_COMMAND_STACK {
    step_fail(&f, step, detail, errno);
    report_and_exit(ctx.sock, MessageKind::failure, f, exit_code::ctrdbg_failed);
  };
  // Our parent is ctrdbg (CLONE_PARENT). If it has died already, we must not run.
  // When a PID namespace was joined it lives outside it and getppid() is 0 either
  // way, so ask its pidfd; otherwise (--pid=host, pid://) getppid() is its PID.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!parent_alive(ctx, expected_ppid)) ::_exit(exit_code::ctrdbg_failed);
  // The helper was started on another CPU than ctrdbg's (see start_session), and so
  // were we, on the helper's CPU, which is free now that it waits for our execve.
  // The command gets ctrdbg's own CPU set.
  if (ctx.cpus) ::sched_setaffinity(0, sizeof *ctx.cpus, ctx.cpus);

  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);

  // Own session: never the operator's terminal as controlling tty (TIOCSTI).
  if (::setsid() < 0) failed("setsid", nullptr);
  if (ctx.plan->tty) {
    if (::dup2(pty_slave, 0) < 0 || ::dup2(pty_slave, 1) < 0 || ::dup2(pty_slave, 2) < 0 ||
        ::ioctl(0, TIOCSCTTY, 0) < 0)
      failed("attach the pty", nullptr);
    ::close(pty_slave);
    ::close(pty_master);
  }
  const Credentials* creds = ctx.plan->credentials;
  const bool switching = creds && creds->changes_identity();
  // The session's own pty belongs to the user the command runs as (runc's
  // fixStdioPermissions); the operator's stdio without a pty is never touched.
  if (switching && ctx.plan->tty && fix_tty_owner(0, creds->profile.uid, &f) < 0)
    report_and_exit(ctx.sock, MessageKind::failure, f, exit_code::ctrdbg_failed);
  if (::chdir(ctx.plan->workdir.c_str()) < 0) failed("change to working directory", ctx.plan->workdir.c_str());
  // The cwd must be reachable from our root: "(unreachable)" would mean a host path.
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    step_fail(&f, "working directory outside the container:", ctx.plan->workdir.c_str(), 0);
    report_and_exit(ctx.sock, MessageKind::failure, f, exit_code::ctrdbg_failed);
  }

  close_fds_except(ctx.sock);  // the socket is O_CLOEXEC: it closes with the execve
  // Last before execve, in runc's order: the user (-u), or everything the container's
  // processes are held to (--as-container): rlimits, no_new_privs, seccomp, user, caps.
  if (switching) {
    if (apply_credentials(*creds, &f) < 0) report_and_exit(ctx.sock, MessageKind::failure, f, exit_code::ctrdbg_failed);
    // A uid change cleared the parent-death signal (re-armed above): was ctrdbg
    // already gone in between? (Its pidfd is closed by now: getppid() only.)
    if (::getppid() != expected_ppid) ::_exit(exit_code::ctrdbg_failed);
  }
  exec_command(ctx);
  int err = errno;
  step_fail(&f, "execute", ctx.argv[0], err);
  report_and_exit(ctx.sock, MessageKind::exec_failed, f,
                  err == ENOENT ? exit_code::not_found : exit_code::cannot_execute);
}

struct CommandStart {
  const ChildContext* ctx;
  int pty_master, pty_slave;
  pid_t expected_ppid;
};

CTRDBG_ON_COMMAND_STACK int command_entry(void* arg) {
  const auto* s = static_cast<const CommandStart*>(arg);
  command_main(*s->ctx, s->pty_master, s->pty_slave, s->expected_ppid);
}

[[noreturn]] void helper_main(const ChildContext& ctx) {
  StepFailure f;
  auto failed = [&]() { report_and_exit(ctx.sock, MessageKind::failure, f, exit_code::ctrdbg_failed); };
  auto failed_errno = [&](const char* step) {
    step_fail(&f, step, nullptr, errno);
    failed();
  };

  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != ctx.host_pid) ::_exit(exit_code::ctrdbg_failed);
  for (int fd : ctx.host_fds) ::close(fd);
  // Non-dumpable before the first setns (runc CVE-2016-9962): a process in the
  // container must not ptrace us or open /proc/<pid>/fd while we hold host fds.
  // The command inherits this until its execve.
  if (::prctl(PR_SET_DUMPABLE, 0) < 0) failed_errno("make non-dumpable");
  // --as-container: into the container's cgroups while the host's cgroupfs is still
  // ours to write (the fds were opened before fork); the command inherits them.
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
  if (seal_session_root(&f) < 0) failed();

  int master = -1, slave = -1;
  if (ctx.plan->tty && open_container_pty(ctx.plan->have_size ? &ctx.plan->size : nullptr, &master, &slave, &f) < 0)
    failed();

  // The command: clone(CLONE_VM | CLONE_VFORK), as vfork does: it shares our memory
  // until its execve, so no page is copied (page faults are the dominant cost of a
  // session on some VMs); command_main only makes system calls and never returns.
  // CLONE_PARENT makes it ctrdbg's child, not ours: ctrdbg waits for it itself, so
  // this helper can go as soon as the command runs, and its exit is not on the
  // session's way out. The command is still created in the container's PID namespace.
  CommandStart start{&ctx, master, slave, (ctx.plan->ns_flags & CLONE_NEWPID) ? 0 : ctx.host_pid};
  constexpr size_t kStack = 1 << 20;  // touched only as far as it is used
  void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                       -1, 0);
  if (stack == MAP_FAILED) failed_errno("map the command's stack");
  pid_t child = ::clone(command_entry, static_cast<char*>(stack) + kStack, CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD,
                        &start);
  if (child < 0) failed_errno("start the command");

  Message ready;
  ready.kind = MessageKind::ready;
  ready.command_pid = child;
  std::snprintf(ready.join_method, sizeof ready.join_method, "%s", method);
  int fds[2];
  int nfds = 0;
  int child_pidfd = pidfd_open(child);
  if (master >= 0) fds[nfds++] = master;
  if (child_pidfd >= 0) fds[nfds++] = child_pidfd;
  send_message(ctx.sock, ready, fds, nfds);
  // ctrdbg reads until end-of-file: close our end now, not with our exit.
  ::close(ctx.sock);
  ::_exit(0);
}

std::string describe(const StepFailure& f) {
  std::string out = f.step;
  if (f.detail[0]) out += std::string(" ") + f.detail;
  if (f.err) out = errno_message(out, f.err);
  return out;
}

// The terminating signals, which main() has blocked for the relay, as an fd: one
// that arrives while the session is still being set up ends it (wait_readable).
Fd setup_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  return Fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

// Waits until the socket is readable. Whatever the helper or the command may be
// stuck in before the execve (a fifo, a hung FUSE mount in the container), ctrdbg
// stays stoppable: SIGTERM, SIGINT, SIGHUP or SIGQUIT kill the helper, whose death
// takes the command along (PR_SET_PDEATHSIG), and end ctrdbg with an error.
void wait_readable(int sock, int sigfd, pid_t helper) {
  if (sigfd < 0) return;  // no signalfd: a plain blocking receive
  pollfd fds[2] = {{sock, POLLIN, 0}, {sigfd, POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("session socket: poll");
    if (fds[0].revents) return;
    signalfd_siginfo si{};
    if (::read(sigfd, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
    ::kill(helper, SIGKILL);
    while (::waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
    }
    const char* name = sigabbrev_np(static_cast<int>(si.ssi_signo));
    fail("interrupted by SIG{} while the session was being set up", name ? name : "?");
  }
}

// Receives one message (and any fds); returns false on EOF.
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

  ChildContext ctx{};
  ctx.plan = &plan;
  ctx.host_pid = ::getpid();
  Fd self(pidfd_open(ctx.host_pid));
  ctx.host_pidfd = self.get();
  ctx.target_pidfd = target.pidfd.get();
  ctx.target_pid = target.pid;
  ctx.toolset_fd = tools.mount.root.get();
  ctx.host_fds = tools.host_fds();
  ctx.links = &tools.links;
  ctx.sock = theirs.get();
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
  // fill. So the helper starts on another CPU; the command, started there too (the
  // helper only waits for its execve), takes ctrdbg's own CPU set back first thing.
  // Not with --as-container, whose helper takes the container's cpuset with its
  // cgroups.
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

  // The helper joins the container and builds the session root (on the other core,
  // where there is one) while the toolset's files are copied and linked here.
  try {
    tools.fill();
  } catch (...) {
    ::kill(helper, SIGKILL);
    reap(helper);
    throw;
  }
  tools.mount.root.reset();
  Message go;
  go.kind = MessageKind::go;
  send_message(ours.get(), go);  // a helper that has failed already has said why

  RunningSession s;
  s.helper_pid = helper;
  // Read until EOF: the helper closes its end after "ready" (or exits on failure),
  // and the command's copy closes with its execve. A failure report may come from
  // either, before or after "ready".
  bool ready = false;
  bool failed = false;
  Message m, failure;
  Fd sigfd = setup_signals();
  for (;;) {
    Fd fds[2];
    wait_readable(ours.get(), sigfd.get(), helper);
    if (!receive(ours.get(), &m, fds, 2)) break;
    if (m.kind == MessageKind::ready && !ready) {
      ready = true;
      s.command_pid = m.command_pid;
      s.join_method = std::string(m.join_method, strnlen(m.join_method, sizeof m.join_method));
      int next = 0;
      if (plan.tty) s.pty_master = std::move(fds[next++]);
      s.command_pidfd = std::move(fds[next]);
    } else if ((m.kind == MessageKind::failure || m.kind == MessageKind::exec_failed) && !failed) {
      failed = true;
      failure = m;
    }
  }
  if (failed) {
    // A step of the helper failed (it exits with 125), or one of the command's
    // (it is our child, and exits with the code for its failure).
    int helper_status = reap(helper);
    int code = exit_status_from_wait(ready ? reap(s.command_pid) : helper_status);
    if (failure.kind == MessageKind::exec_failed) {
      if (failure.failure.err == ENOENT)
        throw Error(fmt::format("{}: command not found in the container's PATH or the toolset", failure.failure.detail),
                    exit_code::not_found);
      throw Error(fmt::format("cannot execute {}: {}", failure.failure.detail, std::strerror(failure.failure.err)),
                  exit_code::cannot_execute);
    }
    throw Error(describe(failure.failure), code == 0 ? exit_code::ctrdbg_failed : code);
  }
  if (!ready) {
    int status = reap(helper);
    throw Error(fmt::format("the session helper ended before the command started (wait status {:#x})", status));
  }
  if (plan.tty && !s.pty_master) throw Error("session socket: the helper sent no pty");
  return s;
}

}  // namespace ctrdbg
