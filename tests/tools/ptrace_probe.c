// What strace -p and gdb -p do first, as a static binary for the toolset
// (tests/integration/test_default_profile.sh adds it with --tools):
//
//   ptrace_probe seize PID    strace -p: PTRACE_SEIZE, PTRACE_INTERRUPT, then
//                             PTRACE_SYSCALL to the next system-call stop, whose
//                             number PTRACE_GET_SYSCALL_INFO tells; detach
//   ptrace_probe attach PID   gdb -p: PTRACE_ATTACH, read a word of the process's
//                             first mapping with PTRACE_PEEKDATA and with
//                             process_vm_readv (they must agree); detach
//
// Prints "seize PID: OK syscall N" / "attach PID: OK" and exits 0, or names the step
// that failed with its errno and exits 1. Gives up after 10 s (alarm).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char* mode, int pid, const char* step) {
  printf("%s %d: %s failed: %s\n", mode, pid, step, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: ptrace_probe seize|attach PID\n");
    return 2;
  }
  const char* mode = argv[1];
  int pid = atoi(argv[2]);
  alarm(10);
  int status = 0;
  if (strcmp(mode, "seize") == 0) {
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_SEIZE");
    if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_INTERRUPT");
    if (waitpid(pid, &status, __WALL) < 0) return fail(mode, pid, "waitpid");
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) < 0) return fail(mode, pid, "PTRACE_SETOPTIONS");
    for (int i = 0; i < 8; ++i) {
      if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_SYSCALL");
      if (waitpid(pid, &status, __WALL) < 0) return fail(mode, pid, "waitpid");
      if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80)) {
        struct __ptrace_syscall_info info;  // glibc >= 2.31
        memset(&info, 0, sizeof info);
        if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) < 0)
          return fail(mode, pid, "PTRACE_GET_SYSCALL_INFO");
        long nr = info.op == PTRACE_SYSCALL_INFO_ENTRY ? (long)info.entry.nr : -1;
        if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_DETACH");
        printf("seize %d: OK syscall %ld\n", pid, nr);
        return 0;
      }
    }
    errno = EAGAIN;
    return fail(mode, pid, "reaching a system-call stop");
  }
  if (strcmp(mode, "attach") == 0) {
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", pid);
    FILE* f = fopen(maps, "re");
    if (!f) return fail(mode, pid, "open /proc/PID/maps");
    unsigned long start = 0;
    if (fscanf(f, "%lx-", &start) != 1) {
      errno = EINVAL;
      return fail(mode, pid, "read /proc/PID/maps");
    }
    fclose(f);
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_ATTACH");
    if (waitpid(pid, &status, __WALL) < 0) return fail(mode, pid, "waitpid");
    errno = 0;
    long peeked = ptrace(PTRACE_PEEKDATA, pid, (void*)start, 0);
    if (errno) return fail(mode, pid, "PTRACE_PEEKDATA");
    long read_word = 0;
    struct iovec local = {&read_word, sizeof read_word}, remote = {(void*)start, sizeof read_word};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof read_word)
      return fail(mode, pid, "process_vm_readv");
    if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) return fail(mode, pid, "PTRACE_DETACH");
    if (peeked != read_word) {
      errno = EIO;
      return fail(mode, pid, "comparing PTRACE_PEEKDATA with process_vm_readv");
    }
    printf("attach %d: OK\n", pid);
    return 0;
  }
  fprintf(stderr, "usage: ptrace_probe seize|attach PID\n");
  return 2;
}
