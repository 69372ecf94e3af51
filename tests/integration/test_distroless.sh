#!/usr/bin/env bash
# A distroless-style target: a real dynamically linked service and the shared
# libraries it needs, no shell, no tools. ctrdbg must bring everything.
source "$(dirname "$0")/../lib/common.sh"
need_root
need_docker
need_cmd cc

image=ctrdbg-test/distroless
if ! docker image inspect "$image" >/dev/null 2>&1; then
  ctx="$TEST_TMP/img"
  mkdir -p "$ctx/rootfs/etc" "$ctx/rootfs/app"
  cat >"$ctx/server.c" <<'C'
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
static void bye(int s) { (void)s; _exit(0); }
int main(void) {
  signal(SIGTERM, bye);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
  if (bind(s, (struct sockaddr*)&a, sizeof a) || listen(s, 8)) { perror("listen"); return 1; }
  for (;;) { int c = accept(s, 0, 0); if (c >= 0) { write(c, "hello\n", 6); close(c); } }
}
C
  cc -O2 -o "$ctx/rootfs/app/server" "$ctx/server.c" || fail "cannot compile the distroless fixture"
  # Its shared libraries, at the paths the dynamic loader looks for them.
  for lib in $(ldd "$ctx/rootfs/app/server" | grep -o '/[^ ]*'); do
    mkdir -p "$ctx/rootfs$(dirname "$lib")"
    cp -L "$lib" "$ctx/rootfs$lib"
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
    >"$ctx/rootfs/etc/passwd"
  printf 'FROM scratch\nCOPY rootfs/ /\nWORKDIR /app\nENV APP_MODE=production\nENTRYPOINT ["/app/server"]\n' \
    >"$ctx/Dockerfile"
  _build_image "$image" "$ctx"
fi

name="$TEST_TAG-distroless"
start_container "$name" "$image" >/dev/null
pid=$(container_pid "$name")

# docker exec has nothing to run here; ctrdbg does.
if docker exec "$name" sh -c true >/dev/null 2>&1; then fail "fixture unexpectedly has a shell"; fi

run_ctrdbg -T "$name" -- sh -c 'pwd; echo "$APP_MODE"; ls /; netstat -tln'
assert_eq "$rc" 0 "exit status"
assert_contains "$out" "/app" "cwd (image WORKDIR)"
assert_contains "$out" "production" "container env"
assert_contains "$out" ":8080" "the service's listening socket (netstat in the container's netns)"
assert_not_contains "$out" "bin" "the image's root listing (it has no /bin)"
pass "tools work in a distroless container: cwd, env, netstat"

# The service answers through the container's loopback, seen from inside.
run_ctrdbg -T "$name" -- sh -c 'nc 127.0.0.1 8080 </dev/null'
assert_eq "$out" "hello" "reply from the service via the container's loopback"
pass "the container's network namespace"

# The container's own files are what the session reads.
run_ctrdbg -T "$name" -- cat /etc/passwd
assert_eq "$out" "$(cat /proc/$pid/root/etc/passwd)" "/etc/passwd read in the session"
pass "reads the container's /etc/passwd"

# The image's own dynamic binary runs in the session with the container's loader
# and libc; a second instance finds the port taken in the same network namespace.
run_ctrdbg -T "$name" -- /app/server
assert_eq "$rc" 1 "exit status of a second server instance"
assert_contains "$err" "Address already in use" "its error"
pass "the container's dynamic binaries run (loader and libc from the image)"
