#!/usr/bin/env bash
# Fixtures for the tests of `--tools strace,tcpdump,...` (the host's dynamically
# linked tools, their shared-library closure and a sealed copy of the host's glibc
# loader, staged into a session) and of a tools image (`--image`). Sourced after
# tests/lib/common.sh, whose conventions it follows: every image is built FROM
# scratch out of host files (no registry is reachable) with _build_image, cached by
# its tag (ctrdbg-test/...:vN: bump N when a fixture changes, so it is rebuilt), and
# a fixture that cannot be built fails (fail) or, lacking a host tool, skips (skip).
#
#   fixture_tools_targets          ctrdbg-test/tools-{scratch,glibc,musl}:v1
#   fixture_hostile_tools_target   ctrdbg-test/tools-hostile:v1
#   hostile_planted_markers NAME   the PLANTED-* files in a running container's /tmp
#   fixture_tools_image            ctrdbg-test/tools-image:v1
#
# Debian packages the fixtures need on the host (x86-64 only: the plants make
# system calls in inline assembly):
#   build-essential   cc, static glibc (libc6-dev), ldd (libc-bin), ldconfig, readelf
#   musl-tools        musl-gcc, and musl's /lib/ld-musl-x86_64.so.1 (package musl)
#   busybox-static    /bin/busybox, the shell of the tools image
#   docker.io         the engine (overlay2 storage for the layer checks)
# Safe under set -u (common.sh sets -uo pipefail).

TOOLS_SCRATCH_IMAGE=ctrdbg-test/tools-scratch:v1
TOOLS_GLIBC_IMAGE=ctrdbg-test/tools-glibc:v1
TOOLS_MUSL_IMAGE=ctrdbg-test/tools-musl:v1
TOOLS_HOSTILE_IMAGE=ctrdbg-test/tools-hostile:v1
TOOLS_IMAGE=ctrdbg-test/tools-image:v1
# shellcheck disable=SC2034  # for the tests: the port server.c listens on
TOOLS_SERVICE_PORT=7070

# The SONAMEs the hostile image fakes in every default library directory: the
# ones named in the design (tools built against OpenSSL, libpcap, ncurses, SELinux,
# Python: tcpdump, gdb, ss, ...), the rest of the closures of the host's strace,
# tcpdump and ip, and the NSS modules that glibc before 2.34 loads for "files" and
# "dns" (later ones have them built in).
TOOLS_HOSTILE_SONAMES=(
  libc.so.6 libcap.so.2 libssl.so.3 libcrypto.so.3 libz.so.1 libpcap.so.0.8
  libtinfo.so.6 libselinux.so.1 libm.so.6 libpython3.11.so.1.0
  libpthread.so.0 libdl.so.2 libresolv.so.2 libgcc_s.so.1 libstdc++.so.6
  liblzma.so.5 libunwind.so.8 libunwind-x86_64.so.8 libunwind-ptrace.so.0
  libdbus-1.so.3 libsystemd.so.0 libzstd.so.1 liblz4.so.1 libgcrypt.so.20
  libgpg-error.so.0 libmnl.so.0 libbpf.so.1 libelf.so.1 libbsd.so.0 libmd.so.0
  libnss_files.so.2 libnss_dns.so.2
)
# The directories the glibc loader searches by default on x86-64 Debian (and
# /lib64, /usr/lib for other layouts); the hostile image fills each with plants.
TOOLS_HOSTILE_LIBDIRS=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib lib64)

# ---- shared sources --------------------------------------------------------------

# _tf_sources: writes the C sources once per test into $TEST_TMP/tool-fixtures/src
# and echoes that directory.
#   server.c  the service of every target: runs /app/child once, then answers each
#             connection on 0.0.0.0:7070 with "hello\n"; exits 0 on SIGTERM.
#   child.c   prints "child-ran" (seen in `docker logs`) and exits 0.
#   plant.c   a shared object without libc whose constructor (and an IFUNC
#             resolver, for fake dependencies) creates the file MARKER (a -D
#             define) through raw system calls; it also exports la_version, so
#             the loader accepts it as an LD_AUDIT module too.
#   imgtool.c the tools image's own dynamic program: "imgtool-ok ARGV0".
_tf_sources() {
  local src="$TEST_TMP/tool-fixtures/src"
  if [ ! -f "$src/.done" ]; then
    mkdir -p "$src" || fail "cannot create $src"
    cat >"$src/server.c" <<'C'
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
static void bye(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGTERM, bye);
  /* A second program of the image, run once; its result does not matter. */
  pid_t child = fork();
  if (child == 0) {
    char *argv[] = {"/app/child", NULL};
    execv(argv[0], argv);
    _exit(127);
  }
  if (child > 0) waitpid(child, NULL, 0);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7070)}; /* 0.0.0.0 */
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
      bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) {
    perror("server: listen on 7070");
    return 1;
  }
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    if (write(c, "hello\n", 6) != 6) perror("server: write");
    close(c);
  }
}
C
    cat >"$src/child.c" <<'C'
#include <unistd.h>
int main(void) {
  ssize_t n = write(1, "child-ran\n", 10); /* to the container's log */
  (void)n;
  return 0;
}
C
    cat >"$src/plant.c" <<'C'
/* Built with cc -shared -fPIC -nostdlib -DMARKER='"/tmp/PLANTED-which"'. No libc:
   whoever loads this may have no usable one (it may BE the fake libc). */
#ifndef MARKER
#error "define MARKER, the file the plant creates"
#endif
static long sys3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
static void mark(void) {
  long fd = sys3(2 /* open */, (long)MARKER, 01 | 0100 /* O_WRONLY|O_CREAT */, 0644);
  if (fd >= 0) sys3(3 /* close */, fd, 0, 0);
}
/* Loaded by dlopen, LD_PRELOAD, LD_AUDIT, ld.so.preload: the constructor runs. */
__attribute__((constructor)) static void planted(void) { mark(); }
/* Loaded as a fake dependency (libc.so.6 ...), the program dies relocating itself
   ("symbol lookup error") before any constructor runs; an IFUNC resolver runs
   earlier, while the loader relocates this object (dependencies come first). */
static void nothing(void) {}
static void (*resolve_early(void))(void) { mark(); return nothing; }
__attribute__((visibility("hidden"))) void plant_early(void) __attribute__((ifunc("resolve_early")));
void (*volatile plant_early_ref)(void) = plant_early; /* an R_X86_64_IRELATIVE */
/* The rtld-audit interface's one mandatory symbol: accept any version. */
unsigned int la_version(unsigned int version) { return version; }
C
    cat >"$src/imgtool.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { (void)argc; printf("imgtool-ok %s\n", argv[0]); return 0; }
C
    touch "$src/.done"
  fi
  echo "$src"
}

# _tf_context NAME: a fresh build context $TEST_TMP/tool-fixtures/NAME with an
# empty rootfs/; echoes its path.
_tf_context() {
  local ctx="$TEST_TMP/tool-fixtures/$1"
  rm -rf "$ctx" && mkdir -p "$ctx/rootfs" || fail "cannot create $ctx"
  echo "$ctx"
}

# _tf_copy_ldd_closure ROOTFS BINARY...: the shared libraries and the loader the
# glibc BINARYs need (ldd: fine for fixtures), copied as regular files to the same
# paths under ROOTFS, as tests/integration/test_distroless.sh does.
_tf_copy_ldd_closure() {
  local root=$1 lib libs
  shift
  # Indented lines only: with several BINARYs ldd heads each list with "BINARY:".
  libs=$(ldd "$@" | grep '^[[:space:]]' | grep -o '/[^ ]*' | sort -u) || fail "ldd failed on $*"
  for lib in $libs; do
    [ -e "$root$lib" ] || [ -L "$root$lib" ] && continue  # e.g. a loader symlink put there first
    mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || fail "cannot copy $lib"
  done
}

# _tf_users ROOTFS [nonroot]: /etc/passwd and /etc/group with root (and, with
# "nonroot", distroless's nonroot user 65532).
_tf_users() {
  mkdir -p "$1/etc" || fail "cannot create $1/etc"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\n' >"$1/etc/group"
  if [ "${2:-}" = nonroot ]; then
    printf 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >>"$1/etc/passwd"
    printf 'nonroot:x:65532:\n' >>"$1/etc/group"
  fi
}

# _tf_target_dockerfile CTX: the Dockerfile shared by the target images.
_tf_target_dockerfile() {
  printf '%s\n' 'FROM scratch' 'COPY rootfs/ /' 'WORKDIR /app' 'ENV APP_MODE=test' \
    'ENTRYPOINT ["/app/server"]' >"$1/Dockerfile"
}

# ---- 1. three targets: static, glibc-distroless, musl ------------------------------

# fixture_tools_targets: builds ctrdbg-test/tools-scratch:v1 (static server and
# child, nothing else), ctrdbg-test/tools-glibc:v1 (dynamically linked against the
# host's glibc, libs and loader at their paths, /etc/passwd with root and nonroot,
# /etc/group, /etc/nsswitch.conf; no shell, no /etc/ld.so.cache) and
# ctrdbg-test/tools-musl:v1 (musl-gcc, /lib/ld-musl-x86_64.so.1 which is musl's
# libc and loader at once, /etc/passwd; no shell). All: ENTRYPOINT /app/server,
# WORKDIR /app, APP_MODE=test.
fixture_tools_targets() {
  local src ctx
  src=$(_tf_sources) || exit 1

  if ! docker image inspect "$TOOLS_SCRATCH_IMAGE" >/dev/null 2>&1; then
    need_cmd cc
    ctx=$(_tf_context tools-scratch) || exit 1
    mkdir -p "$ctx/rootfs/app"
    cc -static -O2 -o "$ctx/rootfs/app/server" "$src/server.c" &&
      cc -static -O2 -o "$ctx/rootfs/app/child" "$src/child.c" ||
      fail "cannot compile the static tools target (needs libc6-dev's libc.a)"
    _tf_target_dockerfile "$ctx"
    _build_image "$TOOLS_SCRATCH_IMAGE" "$ctx"
  fi

  if ! docker image inspect "$TOOLS_GLIBC_IMAGE" >/dev/null 2>&1; then
    need_cmd cc
    ctx=$(_tf_context tools-glibc) || exit 1
    mkdir -p "$ctx/rootfs/app"
    cc -O2 -o "$ctx/rootfs/app/server" "$src/server.c" &&
      cc -O2 -o "$ctx/rootfs/app/child" "$src/child.c" ||
      fail "cannot compile the glibc tools target"
    _tf_copy_ldd_closure "$ctx/rootfs" "$ctx/rootfs/app/server" "$ctx/rootfs/app/child"
    _tf_users "$ctx/rootfs" nonroot
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ctx/rootfs/etc/nsswitch.conf"
    _tf_target_dockerfile "$ctx"
    _build_image "$TOOLS_GLIBC_IMAGE" "$ctx"
  fi

  if ! docker image inspect "$TOOLS_MUSL_IMAGE" >/dev/null 2>&1; then
    need_cmd musl-gcc
    [ -e /lib/ld-musl-x86_64.so.1 ] || skip "needs musl's /lib/ld-musl-x86_64.so.1 (apt install musl-tools)"
    ctx=$(_tf_context tools-musl) || exit 1
    mkdir -p "$ctx/rootfs/app" "$ctx/rootfs/lib"
    musl-gcc -O2 -o "$ctx/rootfs/app/server" "$src/server.c" &&
      musl-gcc -O2 -o "$ctx/rootfs/app/child" "$src/child.c" ||
      fail "cannot compile the musl tools target"
    # Dynamically linked: their interpreter is musl's, not glibc's.
    readelf -lW "$ctx/rootfs/app/server" | grep -q 'interpreter: /lib/ld-musl-x86_64.so.1' ||
      fail "musl-gcc did not link the server dynamically against /lib/ld-musl-x86_64.so.1"
    cp -L /lib/ld-musl-x86_64.so.1 "$ctx/rootfs/lib/ld-musl-x86_64.so.1" || fail "cannot copy musl's loader"
    _tf_users "$ctx/rootfs" nonroot
    _tf_target_dockerfile "$ctx"
    _build_image "$TOOLS_MUSL_IMAGE" "$ctx"
  fi
}

# ---- 2. a container that tries to get its code into staged host tools -------------

# _tf_plant OUT MARKER [SONAME]: compiles plant.c into OUT, a shared object that
# creates /tmp/MARKER when loaded; with SONAME, that is its DT_SONAME.
_tf_plant() {
  local out=$1 marker=$2 soname=${3:-} src args
  src=$(_tf_sources) || exit 1
  args=(-shared -fPIC -nostdlib -O2 -s -fno-stack-protector "-DMARKER=\"/tmp/$marker\"")
  [ -n "$soname" ] && args+=("-Wl,-soname,$soname")
  mkdir -p "$(dirname "$out")" && cc "${args[@]}" -o "$out" "$src/plant.c" ||
    fail "cannot compile the plant $out"
}

# fixture_hostile_tools_target: builds ctrdbg-test/tools-hostile:v1. Its service is
# the statically linked server and child (the container itself needs none of what
# follows, so starting it triggers nothing); everything else is bait for a host
# tool staged into it, each piece creating /tmp/PLANTED-<which> in the container
# when loaded or run:
#   /etc/ld.so.preload -> /plant/preload.so                         PLANTED-preload
#   fake libraries named by their SONAMEs (TOOLS_HOSTILE_SONAMES) in every
#     default library directory (TOOLS_HOSTILE_LIBDIRS) and /plant/lib  PLANTED-<soname>
#   /etc/ld.so.cache (from the host's ldconfig) pointing at /plant/lib, listed
#     in /etc/ld.so.conf                                           PLANTED-<soname>
#   /etc/nsswitch.conf "plant" first for passwd, group, hosts;
#     libnss_plant.so.2 in every library directory                  PLANTED-nss
#   /usr/lib/x86_64-linux-gnu/gconv/gconv-modules (no cache): charsets PLANTCHARSET,
#     ISO-8859-1, LATIN1 -> PLANT.so                                PLANTED-gconv
#   /usr/lib/ssl/openssl.cnf activating the provider /plant/provider.so  PLANTED-openssl
#   sitecustomize.py in Debian's Python 3.11 paths                  PLANTED-python-site
#   /etc/gdb/gdbinit: `shell touch` and `python open`    PLANTED-gdbinit(-py)
# and in the image's environment (which a session must not pass to host tools):
#   LD_PRELOAD=/plant/envpreload.so                                 PLANTED-ld_preload
#   LD_AUDIT=/plant/audit.so                                        PLANTED-ld_audit
#   LD_LIBRARY_PATH=/plant/lib                                      PLANTED-<soname>
#   GCONV_PATH=/plant/gconv (same charsets)                         PLANTED-gconv_path
#   PYTHONPATH=/plant/py (sitecustomize.py)                         PLANTED-python
#   PYTHONSTARTUP=/plant/py/startup.py                              PLANTED-python-startup
#   OPENSSL_CONF=/usr/lib/ssl/openssl.cnf                           PLANTED-openssl
# /tmp is empty (mode 1777): hostile_planted_markers lists what appeared there.
fixture_hostile_tools_target() {
  docker image inspect "$TOOLS_HOSTILE_IMAGE" >/dev/null 2>&1 && return 0
  local src ctx root build soname dir cache gconv_dir marker
  need_cmd cc
  need_cmd ldconfig
  [ "$(uname -m)" = x86_64 ] || skip "the plants are x86-64 code (inline system calls)"
  src=$(_tf_sources) || exit 1
  ctx=$(_tf_context tools-hostile) || exit 1
  root=$ctx/rootfs build=$ctx/plants
  mkdir -p "$root/app" "$root/etc" "$root/tmp" "$root/plant/lib" "$build" || fail "cannot create $root"
  chmod 1777 "$root/tmp"

  # The service: static, like tools-scratch.
  cc -static -O2 -o "$root/app/server" "$src/server.c" &&
    cc -static -O2 -o "$root/app/child" "$src/child.c" ||
    fail "cannot compile the hostile target's static server"

  # Loader-level plants.
  _tf_plant "$root/plant/preload.so" PLANTED-preload
  echo /plant/preload.so >"$root/etc/ld.so.preload"
  _tf_plant "$root/plant/envpreload.so" PLANTED-ld_preload
  _tf_plant "$root/plant/audit.so" PLANTED-ld_audit

  # Fake libraries, one build per SONAME, copied into every library directory.
  for soname in "${TOOLS_HOSTILE_SONAMES[@]}"; do
    _tf_plant "$build/$soname" "PLANTED-$soname" "$soname"
  done
  _tf_plant "$build/libnss_plant.so.2" PLANTED-nss libnss_plant.so.2
  for dir in "${TOOLS_HOSTILE_LIBDIRS[@]}" plant/lib; do
    mkdir -p "$root/$dir" && cp "$build"/*.so* "$root/$dir/" || fail "cannot fill $root/$dir"
  done

  # /etc/ld.so.cache, made by the host's ldconfig chrooted (-r) into the rootfs: -C
  # and -f are paths inside it (and -p reads the rootfs's cache, too). /plant/lib
  # (from ld.so.conf) is listed first, then the directories ldconfig adds on its
  # own (Debian x86-64: the two multiarch ones, /lib, /usr/lib; not /lib64).
  echo /plant/lib >"$root/etc/ld.so.conf"
  ldconfig -r "$root" -C /etc/ld.so.cache -f /etc/ld.so.conf ||
    fail "ldconfig could not build the hostile /etc/ld.so.cache"
  cache=$(ldconfig -r "$root" -C /etc/ld.so.cache -p) || fail "ldconfig cannot read the hostile cache"
  for soname in libcap.so.2 libc.so.6 libnss_plant.so.2; do
    grep -q "^[[:space:]]*$soname (.*) => /plant/lib/$soname\$" <<<"$cache" ||
      fail "the hostile /etc/ld.so.cache does not list /plant/lib/$soname: $cache"
  done
  rm -rf "${root:?}/var"  # ldconfig's aux-cache, should this ldconfig write one

  # NSS: a module of our own, tried first for users, groups and hosts.
  printf 'passwd: plant files\ngroup: plant files\nhosts: plant files dns\n' >"$root/etc/nsswitch.conf"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"

  # gconv: the system module directory (no gconv-modules.cache, so glibc reads
  # gconv-modules) and the one GCONV_PATH names. A module file is found relative
  # to its gconv-modules, with ".so" appended.
  for gconv_dir in usr/lib/x86_64-linux-gnu/gconv plant/gconv; do
    marker=PLANTED-gconv
    [ "$gconv_dir" = plant/gconv ] && marker=PLANTED-gconv_path
    _tf_plant "$root/$gconv_dir/PLANT.so" "$marker"
    printf '%s\n' '# planted: iconv to or from these charsets loads PLANT.so' \
      'alias	PLANTCHARSET//	PLANT//' 'alias	ISO-8859-1//	PLANT//' 'alias	LATIN1//	PLANT//' \
      'module	PLANT//		INTERNAL	PLANT	1' 'module	INTERNAL	PLANT//		PLANT	1' \
      >"$root/$gconv_dir/gconv-modules"
  done

  # OpenSSL 3: a provider module, loaded by any tool that reads the configuration.
  _tf_plant "$root/plant/provider.so" PLANTED-openssl
  mkdir -p "$root/usr/lib/ssl"
  cat >"$root/usr/lib/ssl/openssl.cnf" <<'CNF'
openssl_conf = openssl_init

[openssl_init]
providers = provider_sect

[provider_sect]
plant = plant_sect

[plant_sect]
module = /plant/provider.so
activate = 1
CNF

  # Python: sitecustomize on PYTHONPATH, a startup file, and sitecustomize in the
  # paths Debian's python3.11 searches on its own.
  mkdir -p "$root/plant/py"
  echo "open('/tmp/PLANTED-python', 'w').close()" >"$root/plant/py/sitecustomize.py"
  echo "open('/tmp/PLANTED-python-startup', 'w').close()" >"$root/plant/py/startup.py"
  for dir in usr/local/lib/python3.11/dist-packages usr/lib/python3/dist-packages usr/lib/python3.11; do
    mkdir -p "$root/$dir" &&
      echo "open('/tmp/PLANTED-python-site', 'w').close()" >"$root/$dir/sitecustomize.py" ||
      fail "cannot plant $dir/sitecustomize.py"
  done

  # gdb's system gdbinit (Debian: --with-system-gdbinit=/etc/gdb/gdbinit). The
  # image has no shell, hence the python line as well.
  mkdir -p "$root/etc/gdb"
  printf '%s\n' 'shell touch /tmp/PLANTED-gdbinit' "python open('/tmp/PLANTED-gdbinit-py', 'w')" \
    >"$root/etc/gdb/gdbinit"

  cat >"$ctx/Dockerfile" <<'D'
FROM scratch
COPY rootfs/ /
WORKDIR /app
ENV APP_MODE=test \
    LD_PRELOAD=/plant/envpreload.so \
    LD_LIBRARY_PATH=/plant/lib \
    LD_AUDIT=/plant/audit.so \
    GCONV_PATH=/plant/gconv \
    PYTHONPATH=/plant/py \
    PYTHONSTARTUP=/plant/py/startup.py \
    OPENSSL_CONF=/usr/lib/ssl/openssl.cnf
ENTRYPOINT ["/app/server"]
D
  _build_image "$TOOLS_HOSTILE_IMAGE" "$ctx"
}

# hostile_planted_markers CONTAINER: the names of the PLANTED-* files in the running
# CONTAINER's /tmp, one per line, sorted, read from the host through
# /proc/PID/root (nothing runs in the container). No output: no plant ran (in an
# image without /tmp, none could have). Fails if CONTAINER is not running; in a
# command substitution that ends only the subshell, so write
#   markers=$(hostile_planted_markers "$name") || exit 1
hostile_planted_markers() {
  local pid f
  pid=$(container_pid "$1" 2>/dev/null)
  [ -n "$pid" ] && [ "$pid" != 0 ] || fail "container $1 is not running: no /tmp to read"
  [ -d "/proc/$pid/root" ] || fail "container $1: no /proc/$pid/root (it has exited)"
  for f in "/proc/$pid/root/tmp"/PLANTED-*; do
    [ -e "$f" ] && echo "${f##*/}"
  done
  return 0
}

# ---- 3. a tools image for --image ----------------------------------------------------

# fixture_tools_image: builds ctrdbg-test/tools-image:v1, a netshoot-like image of
# two layers.
#   layer 1 (COPY rootfs/ /): /bin/busybox (static) and /bin/sh -> busybox;
#     /usr/bin/imgtool (dynamic, glibc: "imgtool-ok ARGV0") with its libraries at
#     their usual paths and the loader at /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2,
#     /lib64/ld-linux-x86-64.so.2 an absolute symlink to it (as on Debian);
#     /usr/local/bin/imgscript (#!/bin/sh, "imgscript-ok"); /usr/bin/removed-tool
#     (a copy of imgtool); /opt/d/old.
#   layer 2 (RUN busybox sh): deletes /usr/bin/removed-tool (a whiteout) and
#     replaces /opt/d by a directory holding only "new" (an opaque directory).
fixture_tools_image() {
  docker image inspect "$TOOLS_IMAGE" >/dev/null 2>&1 && return 0
  local src ctx root loader
  need_cmd cc
  [ -x /bin/busybox ] || skip "needs busybox-static at /bin/busybox"
  src=$(_tf_sources) || exit 1
  ctx=$(_tf_context tools-image) || exit 1
  root=$ctx/rootfs
  mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/local/bin" "$root/opt/d" "$root/lib64" \
    "$root/lib/x86_64-linux-gnu" || fail "cannot create $root"

  cp /bin/busybox "$root/bin/busybox" && ln -s busybox "$root/bin/sh" || fail "cannot copy busybox"

  cc -O2 -o "$root/usr/bin/imgtool" "$src/imgtool.c" || fail "cannot compile imgtool"
  # Its libraries at the paths ldd names, but the loader as Debian lays it out: the
  # file in the multiarch directory, /lib64's entry an absolute symlink to it.
  loader=$(readelf -lW "$root/usr/bin/imgtool" | sed -n 's/.*interpreter: \([^]]*\)].*/\1/p')
  [ "$loader" = /lib64/ld-linux-x86-64.so.2 ] || fail "unexpected ELF interpreter [$loader] (x86-64 glibc expected)"
  cp -L "$loader" "$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" &&
    ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2" ||
    fail "cannot install the loader"
  _tf_copy_ldd_closure "$root" "$root/usr/bin/imgtool"

  printf '#!/bin/sh\necho imgscript-ok\n' >"$root/usr/local/bin/imgscript" &&
    chmod 755 "$root/usr/local/bin/imgscript" &&
    cp "$root/usr/bin/imgtool" "$root/usr/bin/removed-tool" &&
    echo old >"$root/opt/d/old" || fail "cannot fill $root"

  cat >"$ctx/Dockerfile" <<'D'
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "sh", "-c", "rm /usr/bin/removed-tool && rm -rf /opt/d && mkdir /opt/d && echo new > /opt/d/new"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/sh"]
D
  _build_image "$TOOLS_IMAGE" "$ctx"
}
