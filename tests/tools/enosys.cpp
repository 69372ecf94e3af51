// enosys: run a command as if on an older kernel. Each named system call fails
// with ENOSYS under a seccomp filter (libseccomp) that the command and all its
// children inherit; "TIOCGPTPEER" makes that ioctl fail with EINVAL, as before 4.13.
//   enosys pidfd_open close_range TIOCGPTPEER -- ctrdbg web -- true
#include <seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  int sep = 1;
  while (sep < argc && std::strcmp(argv[sep], "--") != 0) ++sep;
  if (sep >= argc - 1) {
    std::fprintf(stderr, "usage: enosys SYSCALL... -- COMMAND [ARG...]\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 2;
  for (int i = 1; i < sep; ++i) {
    int rc;
    if (std::strcmp(argv[i], "TIOCGPTPEER") == 0) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(ioctl), 1,
                            SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(TIOCGPTPEER)));
    } else {
      int nr = seccomp_syscall_resolve_name(argv[i]);
      if (nr == __NR_SCMP_ERROR) {
        std::fprintf(stderr, "enosys: unknown system call %s\n", argv[i]);
        return 2;
      }
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
    if (rc < 0) {
      std::fprintf(stderr, "enosys: rule for %s: %s\n", argv[i], std::strerror(-rc));
      return 2;
    }
  }
  if (int rc = seccomp_load(ctx); rc < 0) {
    std::fprintf(stderr, "enosys: seccomp_load: %s\n", std::strerror(-rc));
    return 2;
  }
  seccomp_release(ctx);
  execvp(argv[sep + 1], argv + sep + 1);
  std::fprintf(stderr, "enosys: %s: %s\n", argv[sep + 1], std::strerror(errno));
  return 127;
}
