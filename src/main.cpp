// ctrdbg: enter a running container with a shell and tools, the way nsenter
// would, without the engine's help beyond one question. main() is the list of
// steps; each lives in its own module (see the README's design section).
#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "ctrdbg/audit.hpp"
#include "ctrdbg/cli.hpp"
#include "ctrdbg/config.hpp"
#include "ctrdbg/container_env.hpp"
#include "ctrdbg/credentials.hpp"
#include "ctrdbg/docker_api.hpp"
#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/listing.hpp"
#include "ctrdbg/log.hpp"
#include "ctrdbg/recording.hpp"
#include "ctrdbg/procfs.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/namespaces.hpp"
#include "ctrdbg/pty.hpp"
#include "ctrdbg/relay.hpp"
#include "ctrdbg/resolve.hpp"
#include "ctrdbg/sealed_exec.hpp"
#include "ctrdbg/session.hpp"
#include "ctrdbg/session_reaper.hpp"
#include "ctrdbg/toolset.hpp"

namespace {

using namespace ctrdbg;

// With fd 0, 1 or 2 closed, the first fd we open would take its place and the
// command would read or write ctrdbg's socket. Fill the gaps with /dev/null.
void ensure_standard_fds() {
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int null = ::open("/dev/null", O_RDWR);
      if (null < 0) std::_Exit(exit_code::ctrdbg_failed);
      if (null != fd) {
        ::dup2(null, fd);
        ::close(null);
      }
    }
  }
}

// Without a pty the command gets our stdio as they are. A directory among them
// would hand the container an fd into the host's filesystem (openat(0, "..")),
// the runc CVE-2024-21626 pattern: refuse it.
void check_stdio_for_handover() {
  static const char* const names[] = {"stdin", "stdout", "stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
      fail("{} is a directory; refusing to hand a host directory to the container", names[fd]);
  }
}

// Whatever the caller leaked to us (fd 5 of some script) must never reach the
// container: mark every fd above 2 close-on-exec, with close_range (5.11) or by
// walking our own /proc/self/fd (the host's procfs, before anything is entered).
void mark_inherited_fds_cloexec() {
  if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) fail_errno("cannot list /proc/self/fd to close inherited fds");
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd > 2 && fd != ::dirfd(dir)) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::closedir(dir);
}

std::optional<std::string> host_getenv(const std::string& key) {
  const char* v = std::getenv(key.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// -v lines: formatted only when asked for (a session's start-up counts microseconds).
template <typename... Args>
void say(const Options& opt, fmt::format_string<Args...> format, Args&&... args) {
  if (opt.verbose) log_message(LogLevel::info, fmt::format(format, std::forward<Args>(args)...));
}

// Options on the command line win over the config file, which wins over defaults.
ToolsetRequest toolset_request_for(const Options& opt, const Config& config) {
  ToolsetRequest r;
  r.busybox = opt.toolbox ? opt.toolbox : config.busybox;
  if (!opt.toolbox && config.busybox) r.busybox_origin = "config toolset.busybox (" + config.path + ")";
  r.image = config.image;
  r.docker_root = opt.docker_root ? opt.docker_root : config.docker_root;
  r.tools = config.tools;
  r.tools.insert(r.tools.end(), opt.tools.begin(), opt.tools.end());
  r.tools_image = opt.tools_image ? opt.tools_image : config.tools_image;
  // Copying bash-static (~2.3 MiB) costs about as much as everything else in staging:
  // only when it may be used — an interactive shell (its user may type `bash`) or a
  // COMMAND that is bash.
  const std::string& first = opt.command.empty() ? std::string() : opt.command.front();
  const bool wants_bash = opt.command.empty() || first == "bash" || first.ends_with("/bash");
  r.bash_static = config.bash_static && wants_bash;
  r.mount_dir = config.mount_dir;
  return r;
}

ResolveRequest resolve_request_for(const Options& opt, const Config& config) {
  ResolveRequest r;
  r.target = opt.target;
  r.source = opt.engine == "api" ? EngineSource::api : opt.engine == "disk" ? EngineSource::disk : EngineSource::automatic;
  r.timeout = opt.api_timeout.value_or(config.timeout.value_or(std::chrono::milliseconds(1000)));
  const char* docker_host = std::getenv("DOCKER_HOST");
  r.socket_path = (docker_host && *docker_host) || !config.docker_socket ? docker_socket_path(docker_host)
                                                                         : *config.docker_socket;
  r.docker_root = opt.docker_root ? opt.docker_root : config.docker_root;
  r.docker_exec_root = config.docker_exec_root;
  return r;
}

int show_toolset(const ToolsetRequest& request) {
  Toolset t = find_toolset(request);
  std::printf("busybox: %s\n  from: %s\n  version: %s\n  applets: %zu\n  mounted at: %s/bin\n", t.busybox.path.c_str(),
              t.busybox.origin.c_str(), t.version.c_str(), t.applets.size(), request.mount_dir.c_str());
  for (const auto& e : t.extras) std::printf("extra: %s from %s (%s)\n", e.name.c_str(), e.path.c_str(), e.origin.c_str());
  for (const auto& line : describe_tools(t)) std::printf("%s\n", line.c_str());
  for (const auto& s : t.skipped) std::printf("skipped: %s\n", s.c_str());
  return 0;
}

int print_list(const ResolveRequest& request, bool json) {
  auto targets = list_running(docker_layout(request.docker_root, request.docker_exec_root));
  double uptime = 0;
  if (auto text = read_small_file(AT_FDCWD, "/proc/uptime")) uptime = std::strtod(text->c_str(), nullptr);
  std::vector<std::uint64_t> uptimes;
  for (const auto& t : targets) uptimes.push_back(process_uptime(t.start_time, uptime, ::sysconf(_SC_CLK_TCK)));
  std::string text = json ? format_json(targets, uptimes) : format_table(targets, uptimes);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

int run_session(const Options& opt, const Config& config, AuditRecord& audit) {
  const bool tty = opt.tty == TtyMode::force || (opt.tty == TtyMode::automatic && ::isatty(0) && ::isatty(1));
  if (!tty) check_stdio_for_handover();
  if (opt.record && !tty) fail("--record {}: only a session with a pty can be recorded (add -t)", *opt.record);
  audit.mode = tty ? "pty" : "no tty";

  // 2. The requests the configuration shapes.
  if (!config.path.empty()) say(opt, "config {}", config.path);
  ToolsetRequest toolset_request = toolset_request_for(opt, config);
  ResolveRequest request = resolve_request_for(opt, config);
  if (opt.show_toolset) return show_toolset(toolset_request);
  if (opt.list) return print_list(request, opt.json);

  // 3. Resolve the target: one question to the engine. While the engine prepares
  //    its answer, find the toolset, verify it without running it, and make its
  //    detached tmpfs (invisible to anyone until it is attached in the session; the
  //    files go in while the helper joins the container: see start_session).
  ToolsetStager stager(toolset_request);
  std::optional<double> staged_while_asking;  // ms, when staging filled the engine's time
  request.while_waiting = [&] {
    auto t = std::chrono::steady_clock::now();
    stager.run();
    staged_while_asking = ms_since(t);
  };
  auto t0 = std::chrono::steady_clock::now();
  Resolved resolved = resolve_target(request);
  Target& target = resolved.target;
  audit.engine = target.engine;
  audit.name = target.name;
  audit.id = target.id;
  audit.pid = target.pid;
  for (const auto& attempt : resolved.attempts) say(opt, "{}", attempt);
  say(opt, "target {} pid {}{} via {} in {:.1f} ms", target.display(), target.pid,
      target.image.empty() ? "" : " image " + target.image, target.source, ms_since(t0));

  // 4. Pin its process and see which namespaces differ from ours.
  PinnedProcess pinned = pin_target(target);
  SessionPlan plan;
  plan.ns_flags = namespaces_to_join(pinned.pid);

  // 4b. The session's profile: the container's confinement + CAP_SYS_PTRACE (debug,
  //     the default), exactly docker exec's (--as-container) or host root
  //     (--privileged); -u composes with each.
  //     A Docker target's bundle (whichever containerd keeps it) and, when the API's
  //     answer lacked it, its GroupAdd come from the on-disk layout, read once.
  const ProfileKind profile = opt.privileged     ? ProfileKind::privileged
                              : opt.as_container ? ProfileKind::as_container
                                                 : ProfileKind::debug;
  const bool need_bundle = profile != ProfileKind::privileged && target.engine == "docker" && target.bundle.empty();
  const bool need_group_add =
      (opt.user || profile == ProfileKind::debug) && target.engine == "docker" && !target.group_add;
  if (need_bundle || need_group_add) {
    DockerDiskLayout layout = docker_layout(request.docker_root, request.docker_exec_root);
    if (need_bundle) target.bundle = find_docker_bundle(layout, target);
    if (need_group_add) target.group_add = read_docker_group_add(layout, target.id);
  }
  audit.profile = profile_kind_name(profile);
  Credentials credentials =
      prepare_credentials(target, pinned.pid, {profile, opt.user, plan.ns_flags, pinned.start_time});
  plan.credentials = &credentials;
  say(opt, "profile: {}", credentials.describe());
  if (!credentials.ptrace_note.empty()) log_message(LogLevel::warning, credentials.ptrace_note);
  if (profile == ProfileKind::privileged) {
    log_message(LogLevel::warning,
                opt.user ? "--privileged: the command runs as that user outside the container's cgroups, seccomp and "
                           "AppArmor; container binaries run only when you name them"
                         : "--privileged: the command runs as host root with every capability, outside the "
                           "container's cgroups, seccomp and AppArmor; container binaries run only when you name them");
    auto who = credentials.mode == Credentials::Mode::host_root ? process_with_sys_ptrace(pinned.pid, plan.ns_flags)
                                                                 : std::nullopt;
    if (who)
      log_message(LogLevel::warning,
                  fmt::format("container {} holds CAP_SYS_PTRACE ({}): its processes can trace this session's "
                              "host-root shell; the default profile runs with the container's own privileges instead",
                              target.display(), *who));
  }

  // 5. The toolset, found and its tmpfs made by now.
  auto t_stage = std::chrono::steady_clock::now();
  StagedToolset tools = stager.get();
  if (staged_while_asking)
    say(opt, "toolset found and its tmpfs made in {:.1f} ms, while the engine answered", *staged_while_asking);
  else
    say(opt, "toolset found and its tmpfs made in {:.1f} ms", ms_since(t_stage));
  const std::string& tool_dir = config.mount_dir;
  write_prompt_rc(tools.mount.root.get(), tool_dir, target.name.empty() ? target.short_id() : target.name, tools.info);
  write_session_reaper(tools.mount.root.get(), tool_dir, session_reaper_image());
  say(opt, "toolset {} ({}, {}, {} applets) at {}/bin", tools.info.busybox.path, tools.info.busybox.origin,
      tools.info.version, tools.info.applets.size(), tool_dir);
  for (const auto& extra : tools.info.extras) say(opt, "toolset: {} from {} ({})", extra.name, extra.path, extra.origin);
  for (const auto& line : describe_tools(tools.info)) say(opt, "toolset: {}", line);
  for (const auto& skipped : tools.info.skipped) say(opt, "toolset: skipped {}", skipped);

  // 6. The command, its environment and working directory, as docker exec would set them.
  plan.tty = tty;
  plan.have_size = plan.tty && terminal_size(&plan.size, STDIN_FILENO, STDOUT_FILENO);
  bool default_shell = opt.command.empty();
  // A login shell sources the container's /etc/profile and ~/.profile: not with
  // --privileged, whose PATH also finds the toolset first (credentials.hpp).
  if (default_shell && credentials.login_shell)
    plan.argv = {tool_dir + "/bin/sh", "-l"};
  else if (default_shell)
    plan.argv = {tool_dir + "/bin/sh"};
  else
    plan.argv = opt.command;
  EnvRequest env_request{plan.tty, default_shell, opt.env, host_getenv, tool_dir, credentials.home.value_or("/root")};
  env_request.toolset_first = credentials.toolset_first;
  env_request.image_bin = tools.info.image.has_value();
  env_request.host_bin = !tools.info.host.tools.empty();
  plan.envp = build_environment(target, env_request);
  plan.tool_dir_name = tool_dir.substr(1);
  plan.workdir = working_directory(target, opt.workdir);
  RelayOptions relay;
  relay.command_timeout = opt.command_timeout;
  relay.escape_char = opt.escape;
  Recorder recorder;
  if (opt.record) {
    recorder.open(*opt.record, plan.have_size ? plan.size.ws_col : 80, plan.have_size ? plan.size.ws_row : 24,
                  host_getenv("TERM").value_or("xterm"));
    relay.recorder = &recorder;
  }

  // 7. Cross over (helper + command), then relay until the command ends.
  block_session_signals();
  auto t1 = std::chrono::steady_clock::now();
  RunningSession session = start_session(plan, pinned, std::move(tools));
  say(opt, "joined {} with {}; command pid {} started in {:.1f} ms ({})", namespace_names(plan.ns_flags),
      session.join_method, session.command_pid, ms_since(t1), plan.tty ? "pty" : "no tty");
  return relay_session(session, relay);
}

int run(int argc, char** argv) {
  // 1. Parse and check every option before anything changes state.
  log_set_journal(stderr_is_journal(std::getenv("JOURNAL_STREAM")));
  Options opt = parse_cli(std::vector<std::string>(argv, argv + argc));
  if (opt.help) {
    std::fputs(help_text().c_str(), stdout);
    return 0;
  }
  if (opt.version) {
    std::printf("ctrdbg %s\n", CTRDBG_VERSION);
    return 0;
  }
  if (::geteuid() != 0) fail("must run as root (it joins another process's namespaces); try: sudo ctrdbg ...");
  // A session runs from a read-only image of ctrdbg (sealed_exec.hpp says why): the
  // first thing, before anything is opened; the sealed image passes here again.
  std::string unsealed;
  if (!opt.list && !opt.show_toolset) exec_sealed_self(argv, environ, &unsealed);
  if (opt.verbose && !unsealed.empty())
    log_message(LogLevel::info, fmt::format("running from the installed binary, not a read-only image of it ({})", unsealed));
  mark_inherited_fds_cloexec();
  Config config = load_config(std::getenv("CTRDBG_CONFIG"));
  if (opt.list || opt.show_toolset) {
    AuditRecord unused;
    return run_session(opt, config, unused);
  }

  // Every session leaves one line in the system log, however it ends.
  AuditRecord audit;
  fill_audit_identity(audit);
  audit.target = opt.target;
  audit.command = opt.command;
  audit.start = std::chrono::system_clock::now();
  auto t0 = std::chrono::steady_clock::now();
  auto finish = [&](int status) {
    audit.exit_status = status;
    audit.duration_s = ms_since(t0) / 1000.0;
    send_audit(audit, config.audit_socket.c_str());
    return status;
  };
  try {
    return finish(run_session(opt, config, audit));
  } catch (const Error& e) {
    finish(e.exit_code());
    throw;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ensure_standard_fds();
  // An ignored SIGCHLD survives execve (a parent may hand it down): children would
  // then be reaped by the kernel, their status lost, and the session would wait for
  // a SIGCHLD that never comes. ctrdbg waits for its children itself.
  ::signal(SIGCHLD, SIG_DFL);
  try {
    return run(argc, argv);
  } catch (const ctrdbg::Error& e) {
    ctrdbg::log_message(ctrdbg::LogLevel::error, e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    ctrdbg::log_message(ctrdbg::LogLevel::error, e.what());
    return ctrdbg::exit_code::ctrdbg_failed;
  }
}
