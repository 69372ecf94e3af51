#!/usr/bin/env bash
# bench/tools.sh: the cost of host tools (--tools) and image tools (--image), printed
# as a Markdown section on stdout (progress on stderr). bench/run.sh appends it to
# docs/benchmarks.md.
#
#   sudo bench/tools.sh > tools.md
#
# 1. a session that runs `true`, side by side in one hyperfine run: plain; with
#    --tools strace,tcpdump,curl; with --tools gdb (the largest closure here); with
#    --image (a Debian-style tools image built here from host files); nsenter -a;
#    the difference to plain is what staging costs;
# 2. a staged tool's start-up against the same tool on the host: N invocations in
#    one session (minus the same loop running busybox `true`) against N on the host
#    (minus the host loop running busybox `true`), per invocation.
#
# Environment:
#   CTRDBG=/path/to/ctrdbg     binary to measure (default: build build-bench/ctrdbg)
#   BENCH_COMMIT=TEXT          commit to name in the report (default: git HEAD, -dirty)
#   BENCH_TOOLS_RUNS=N         hyperfine runs per variant (default 40)
#   BENCH_TOOLS_LOOP=N         invocations per loop in part 2 (default 100)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_TOOLS_RUNS:-40}
LOOP=${BENCH_TOOLS_LOOP:-100}
NAME=ctrdbg-bench-tools
IMAGE=ctrdbg-bench-tools/image:latest
LABEL=ctrdbg-bench-tools

log() { printf '[tools %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORK=$(mktemp -d /tmp/ctrdbg-bench-tools.XXXXXX)
cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  docker rmi -f "$IMAGE" ctrdbg-bench-tools/target:latest >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || die "run as root"
for c in docker hyperfine python3 nsenter strace tcpdump curl gdb busybox ldd; do
  command -v "$c" >/dev/null || die "needs $c"
done
if [ -z "${CTRDBG:-}" ]; then
  cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release -DCTRDBG_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" --target ctrdbg -j"$(nproc)" >/dev/null
  CTRDBG=$ROOT/build-bench/ctrdbg
fi
COMMIT=${BENCH_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo -dirty)}
BUSYBOX=$(command -v busybox)

# The target: busybox only (a shell for the loops), sleeping.
mkdir -p "$WORK/target/bin"
cp "$BUSYBOX" "$WORK/target/bin/busybox"
printf 'FROM scratch\nCOPY bin/ /bin/\nENTRYPOINT ["/bin/busybox", "sleep", "infinity"]\n' >"$WORK/target/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t ctrdbg-bench-tools/target:latest "$WORK/target" >/dev/null
docker run -d --name "$NAME" --label "$LABEL" ctrdbg-bench-tools/target:latest >/dev/null
PID=$(docker inspect -f '{{.State.Pid}}' "$NAME")

# A tools image from host files: curl, strace, tcpdump with their libraries at the
# usual paths, and the loader (the shape of a Debian-based tools image).
ctx="$WORK/image"
mkdir -p "$ctx/rootfs/usr/bin" "$ctx/rootfs/lib64"
for tool in curl strace tcpdump ss lsof; do
  src=$(command -v "$tool")
  cp -L "$src" "$ctx/rootfs/usr/bin/"
  for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
    mkdir -p "$ctx/rootfs$(dirname "$lib")"
    cp -Ln "$lib" "$ctx/rootfs$lib"
  done
done
printf 'FROM scratch\nCOPY rootfs/ /\n' >"$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t "$IMAGE" "$ctx" >/dev/null
IMAGE_MB=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.1f", $1 / 1048576}')

log "1/2 a session's start-up with and without staged tools: hyperfine -N, $RUNS runs each"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/startup.json" \
  -n "plain" "$CTRDBG -T $NAME -- true" \
  -n "with --tools strace,tcpdump,curl" "$CTRDBG -T --tools strace,tcpdump,curl $NAME -- true" \
  -n "with --tools gdb" "$CTRDBG -T --tools gdb $NAME -- true" \
  -n "with --image (${IMAGE_MB} MB, 5 programs)" "$CTRDBG -T --image $IMAGE $NAME -- true" \
  -n "nsenter -a" "nsenter -t $PID -a /bin/busybox true" >&2

log "2/2 a staged tool's start-up against the host's: $LOOP invocations per loop"
# One line per tool: the command both loops run.
cat >"$WORK/tools.txt" <<'EOF'
strace -V
tcpdump --version
curl --version
gdb -batch -nx -ex quit
EOF
loop() { printf 'i=0; while [ $i -lt %d ]; do %s >/dev/null 2>&1; i=$((i+1)); done' "$LOOP" "$1"; }
: >"$WORK/per_tool.tsv"
while read -r cmd; do
  tool=${cmd%% *}
  hyperfine -N --warmup 1 --runs 5 --export-json "$WORK/t.json" \
    -n session "$CTRDBG -T --tools $tool $NAME -- sh -c '$(loop "$cmd")'" \
    -n session-base "$CTRDBG -T --tools $tool $NAME -- sh -c '$(loop /.ctrdbg/bin/true)'" \
    -n host "$BUSYBOX sh -c '$(loop "$cmd")'" \
    -n host-base "$BUSYBOX sh -c '$(loop "$BUSYBOX true")'" >&2
  python3 - "$WORK/t.json" "$cmd" "$LOOP" >>"$WORK/per_tool.tsv" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[3])
staged = (r["session"] - r["session-base"]) / n * 1000
host = (r["host"] - r["host-base"]) / n * 1000
print(f"{sys.argv[2]}\t{staged:.2f}\t{host:.2f}")
PY
done <"$WORK/tools.txt"

python3 - "$WORK" "$COMMIT" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
work, commit, cpus, load = sys.argv[1:5]
res = json.load(open(f"{work}/startup.json"))["results"]
plain = next(r for r in res if r["command"] == "plain")["median"]
print("## Host tools and image tools (bench/tools.sh)\n")
print(f"At {commit}, {cpus} CPUs, load {load} at the end. Medians; the last column is the")
print("extra cost over a plain session, which is what staging the tools costs.\n")
print("| session running `true` | median (ms) | ± σ | over plain (ms) |")
print("|---|---:|---:|---:|")
for r in res:
    extra = "" if r["command"] in ("plain", "nsenter -a") else f"{(r['median'] - plain) * 1000:+.1f}"
    print(f"| {r['command']} | {r['median'] * 1000:.1f} | {r['stddev'] * 1000:.1f} | {extra} |")
print("\nStart-up of a staged tool inside a session against the same tool on the host")
print("(each: a loop of invocations minus the same loop running busybox `true`, per invocation):\n")
print("| command | staged (ms) | host (ms) | ratio |")
print("|---|---:|---:|---:|")
for line in open(f"{work}/per_tool.tsv"):
    cmd, staged, host = line.rstrip("\n").split("\t")
    ratio = float(staged) / float(host) if float(host) > 0 else float("nan")
    print(f"| `{cmd}` | {staged} | {host} | {ratio:.2f} |")
print()
PY
