#!/usr/bin/env bash
# bench/run.sh: measure ctrdbg against nsenter and `docker exec` on one container
# and write docs/benchmarks.md (overwritten) with the numbers of this run.
#
#   sudo bench/run.sh
#
# Environment:
#   CTRDBG=/path/to/ctrdbg   use this binary instead of building build-bench/ctrdbg
#   BENCH_REF=REV            build a clean snapshot of git revision REV (git archive, cached in
#                            build-bench-ref/SHA) instead of the working tree; the report then
#                            names that commit. Useful while the tree is being edited.
#   BENCH_OUT=FILE           where to write the report (default docs/benchmarks.md)
#   BENCH_RUNS_STARTUP=N     hyperfine runs for start-up latency (default 100)
#   BENCH_RUNS_XFER=N        hyperfine runs for each 256 MiB transfer (default 5)
#   BENCH_CONTAINER=NAME     name of the benchmark container (default ctrdbg-bench)
#   BENCH_ENGINES=0          skip bench/engines.sh (on-disk resolution, --list, hung dockerd,
#                            toolset image size), whose section is otherwise appended to the report
#   BENCH_TOOLS=0            skip bench/tools.sh (--tools and --image: staging cost, a staged
#                            tool's start-up against the host's), otherwise appended too
#
# Everything runs side by side in one invocation: on a noisy VM only the ratios
# between commands of the same run mean much.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}
RUNS_STARTUP=${BENCH_RUNS_STARTUP:-100}
RUNS_XFER=${BENCH_RUNS_XFER:-5}
NAME=${BENCH_CONTAINER:-ctrdbg-bench}
IMAGE=ctrdbg-bench/busybox
XFER_BYTES=268435456  # 256 MiB
RSS_BYTES=67108864    # 64 MiB
RSS_RUNS=3

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORK=$(mktemp -d /tmp/ctrdbg-bench.XXXXXX)
BG_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$BG_PID" ]; then kill "$BG_PID" 2>/dev/null || true; fi
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK" "$OUT.tmp"
  [ "$rc" = 0 ] || log "failed (exit $rc); container $NAME removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
START_SECONDS=$SECONDS

# ---- preflight ----
[ "$(id -u)" = 0 ] || die "must run as root: sudo bench/run.sh"
for c in docker hyperfine nsenter python3 git head; do
  command -v "$c" >/dev/null 2>&1 || die "needs $c"
done
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (apt-get install time)"
timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answers (start dockerd)"

# ---- ctrdbg ----
build_ctrdbg() {  # source dir, build dir
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DCTRDBG_TESTS=OFF >"$WORK/build.log" 2>&1 &&
    cmake --build "$2" -j"$(nproc)" --target ctrdbg >>"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; die "build failed (see above)"; }
}
REF_COMMIT=""
CTRDBG_GIVEN=${CTRDBG:-}
if [ -n "${CTRDBG:-}" ]; then
  log "using CTRDBG=$CTRDBG (not rebuilt)"
elif [ -n "${BENCH_REF:-}" ]; then
  REF_COMMIT=$(git -C "$ROOT" rev-parse --verify "${BENCH_REF}^{commit}") || die "no such revision: $BENCH_REF"
  SNAP=$ROOT/build-bench-ref/$REF_COMMIT
  if [ ! -x "$SNAP/build/ctrdbg" ]; then
    log "building ctrdbg (Release) from a snapshot of ${REF_COMMIT:0:12} in ${SNAP#"$ROOT"/}"
    rm -rf "$SNAP" && mkdir -p "$SNAP/src"
    git -C "$ROOT" archive "$REF_COMMIT" | tar -x -C "$SNAP/src"
    build_ctrdbg "$SNAP/src" "$SNAP/build"
  else
    log "using the cached build of ${REF_COMMIT:0:12} in ${SNAP#"$ROOT"/}"
  fi
  CTRDBG=$SNAP/build/ctrdbg
else
  log "building ctrdbg (Release) from the working tree in build-bench"
  build_ctrdbg "$ROOT" "$ROOT/build-bench"
  CTRDBG=$ROOT/build-bench/ctrdbg
fi
[ -x "$CTRDBG" ] || die "CTRDBG=$CTRDBG is not executable"
CTRDBG=$(cd "$(dirname "$CTRDBG")" && pwd)/$(basename "$CTRDBG")
printf -v Q_CTRDBG '%q' "$CTRDBG"  # for hyperfine command lines

# ---- image and container: busybox FROM scratch (no registry needed) ----
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "building image $IMAGE from the host's static busybox"
  BUSYBOX=$(command -v busybox || true)
  [ -n "$BUSYBOX" ] || die "needs a static busybox on the host (apt-get install busybox-static)"
  mkdir -p "$WORK/img"
  cp "$BUSYBOX" "$WORK/img/busybox"
  cat >"$WORK/img/Dockerfile" <<'D'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
CMD ["/bin/sleep", "2147483647"]
D
  DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$WORK/img" >/dev/null || die "could not build $IMAGE"
fi
log "starting container $NAME"
docker rm -f "$NAME" >/dev/null 2>&1 || true
docker run -d --name "$NAME" --label ctrdbg-bench=1 "$IMAGE" /bin/sleep 2147483647 >/dev/null
PID=$(docker inspect -f '{{.State.Pid}}' "$NAME")
[ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] && [ "$PID" -gt 0 ] || die "container $NAME is not running"

# ---- environment of this run ----
DIRTY_FILES=""
if [ -n "$REF_COMMIT" ]; then
  GIT_COMMIT="$(git -C "$ROOT" rev-parse --short "$REF_COMMIT") (clean snapshot, BENCH_REF=$BENCH_REF)"
else
  GIT_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  # The report itself is not "dirt": it is what this script writes.
  DIRTY_FILES=$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!docs/benchmarks.md' 2>/dev/null |
    awk '{print $2}' | paste -sd, - || true)
  [ -z "$DIRTY_FILES" ] || GIT_COMMIT="$GIT_COMMIT-dirty"
  [ -z "${CTRDBG_GIVEN:-}" ] || GIT_COMMIT="$GIT_COMMIT (working tree; the binary was given by CTRDBG)"
fi
export BENCH_DATE BENCH_KERNEL BENCH_CPUS BENCH_CPU_MODEL BENCH_COMMIT BENCH_DIRTY BENCH_DOCKER BENCH_HYPERFINE \
  BENCH_CTRDBG BENCH_CTRDBG_VERSION BENCH_LOAD_START BENCH_LOAD_END BENCH_RUNS_STARTUP BENCH_RUNS_XFER \
  BENCH_NSENTER BENCH_DURATION
BENCH_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
BENCH_KERNEL=$(uname -r)
BENCH_CPUS=$(nproc)
BENCH_CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
BENCH_COMMIT=$GIT_COMMIT
BENCH_DIRTY=$DIRTY_FILES
BENCH_DOCKER=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
BENCH_HYPERFINE=$(hyperfine --version)
BENCH_CTRDBG=$CTRDBG
BENCH_CTRDBG_VERSION=$("$CTRDBG" --version 2>/dev/null || echo unknown)
BENCH_NSENTER=$(nsenter --version 2>/dev/null | head -1)
BENCH_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_RUNS_STARTUP=$RUNS_STARTUP
BENCH_RUNS_XFER=$RUNS_XFER

# ---- sanity: every command works and moves every byte (16 MiB, not timed) ----
log "sanity checks"
"$CTRDBG" "$NAME" -- true </dev/null || die "ctrdbg $NAME -- true failed"
nsenter -t "$PID" -a true || die "nsenter -t $PID -a true failed"
docker exec "$NAME" true || die "docker exec $NAME true failed"
check_bytes() {  # expected, label, command (sh)
  local got
  got=$(sh -c "$3" | wc -c) || die "$2 failed"
  [ "$got" = "$1" ] || die "$2 moved $got bytes, expected $1"
}
S=16777216
check_bytes $S "ctrdbg -T (pipe)" "head -c $S /dev/zero | $Q_CTRDBG -T $NAME cat"
check_bytes $S "nsenter (pipe)" "head -c $S /dev/zero | nsenter -t $PID -a cat"
check_bytes $S "docker exec -i (pipe)" "head -c $S /dev/zero | docker exec -i $NAME cat"
check_bytes $S "ctrdbg -t (pty)" "$Q_CTRDBG -t $NAME sh -c 'head -c $S /dev/zero' </dev/null"
check_bytes $S "docker exec -t (pty)" "docker exec -t $NAME sh -c 'head -c $S /dev/zero' </dev/null"

# ---- 1. start-up latency ----
log "1/3 start-up latency: hyperfine -N, $RUNS_STARTUP runs x 3 commands (~1 min)"
hyperfine -N --warmup 5 --runs "$RUNS_STARTUP" --export-json "$WORK/startup.json" \
  -n "ctrdbg $NAME -- true" "$Q_CTRDBG $NAME -- true" \
  -n "nsenter -t PID -a true" "nsenter -t $PID -a true" \
  -n "docker exec $NAME true" "docker exec $NAME true" >&2

# ---- 2. transfer of 256 MiB ----
log "2/3 transfer, pipes: 256 MiB into cat, $RUNS_XFER runs x 3 commands (~1 min)"
hyperfine --warmup 1 --runs "$RUNS_XFER" --export-json "$WORK/pipe.json" \
  -n "ctrdbg -T" "head -c $XFER_BYTES /dev/zero | $Q_CTRDBG -T $NAME cat > /dev/null" \
  -n "nsenter -a" "head -c $XFER_BYTES /dev/zero | nsenter -t $PID -a cat > /dev/null" \
  -n "docker exec -i" "head -c $XFER_BYTES /dev/zero | docker exec -i $NAME cat > /dev/null" >&2

log "2/3 transfer, pty: 256 MiB out of the container, $RUNS_XFER runs x 2 commands (~2 min)"
hyperfine --warmup 0 --runs "$RUNS_XFER" --export-json "$WORK/pty.json" \
  -n "ctrdbg -t" "$Q_CTRDBG -t $NAME sh -c 'head -c $XFER_BYTES /dev/zero' > /dev/null" \
  -n "docker exec -t" "docker exec -t $NAME sh -c 'head -c $XFER_BYTES /dev/zero' > /dev/null" >&2

# ---- 3. peak RSS ----
log "3/3 peak RSS: /usr/bin/time -f %M, $RSS_RUNS runs each"
# GNU time: %M = ru_maxrss from wait4(), i.e. the largest peak RSS among the
# process and every descendant it (transitively) reaped; %R = minor faults of all.
gtime() {  # label, stdin file, command...
  local label=$1 in=$2
  shift 2
  local i
  for ((i = 0; i < RSS_RUNS; i++)); do
    /usr/bin/time -o "$WORK/t" -f '%M %R' "$@" <"$in" >/dev/null || die "$label failed"
    printf '%s\t%s\n' "$label" "$(cat "$WORK/t")" >>"$WORK/rss_time.tsv"
  done
}
head -c $RSS_BYTES /dev/zero >"$WORK/zero64"
: >"$WORK/rss_time.tsv"
gtime "ctrdbg $NAME -- true" /dev/null "$CTRDBG" "$NAME" -- true
gtime "nsenter -t PID -a true" /dev/null nsenter -t "$PID" -a true
gtime "docker exec $NAME true" /dev/null docker exec "$NAME" true
gtime "ctrdbg -T $NAME cat < 64 MiB" "$WORK/zero64" "$CTRDBG" -T "$NAME" cat
gtime "nsenter -t PID -a cat < 64 MiB" "$WORK/zero64" nsenter -t "$PID" -a cat
gtime "ctrdbg -t $NAME sh -c 'head -c 64M /dev/zero'" /dev/null "$CTRDBG" -t "$NAME" sh -c "head -c $RSS_BYTES /dev/zero"

# Per process: sample VmHWM (peak RSS) of ctrdbg, its helper and the command
# while a session runs. The command sleeps 0.5 s after the transfer so the
# sampler sees the peaks reached during it.
hwm() {  # pid -> REPLY = VmHWM in KiB, or "" if gone
  REPLY=""
  local k v _
  { while read -r k v _; do
      if [ "$k" = VmHWM: ]; then REPLY=$v; return 0; fi
    done </proc/"$1"/status; } 2>/dev/null || true
}
children() {  # pid -> REPLY = its children's pids, or ""
  REPLY=""
  { read -r REPLY </proc/"$1"/task/"$1"/children; } 2>/dev/null || true
}
per_process() {  # label, stdin file, command... (ctrdbg must be the command run)
  local label=$1 in=$2
  shift 2
  "$@" <"$in" >/dev/null &
  BG_PID=$!
  # ctrdbg's children: the helper (whose executable is ctrdbg's; it leaves once the
  # command runs) and the session's reaper (ctrdbg-session, a few KiB), whose child
  # is the command.
  local self=0 helper=0 cmd=0 exe k kk link
  exe=$(readlink -f "$CTRDBG")
  while [ -e /proc/$BG_PID/status ] && kill -0 "$BG_PID" 2>/dev/null; do
    hwm $BG_PID; [ -n "$REPLY" ] && ((REPLY > self)) && self=$REPLY
    children $BG_PID
    for k in $REPLY; do
      # (a session runs from a read-only image of ctrdbg, whose exe link is /NAME)
      link=$(readlink /proc/"$k"/exe 2>/dev/null || true)
      if [ "$link" = "$exe" ] || [ "$link" = "/${exe##*/}" ]; then
        hwm "$k"; [ -n "$REPLY" ] && ((REPLY > helper)) && helper=$REPLY
      else
        children "$k"
        for kk in $REPLY; do
          hwm "$kk"; [ -n "$REPLY" ] && ((REPLY > cmd)) && cmd=$REPLY
        done
      fi
    done
    sleep 0.02
  done
  wait "$BG_PID" || die "$label failed"
  BG_PID=""
  printf '%s\t%s\t%s\t%s\n' "$label" "$self" "$helper" "$cmd" >>"$WORK/rss_proc.tsv"
}
: >"$WORK/rss_proc.tsv"
log "3/3 peak RSS per process (VmHWM sampling)"
per_process "ctrdbg $NAME -- sleep 0.5" /dev/null "$CTRDBG" "$NAME" -- sleep 0.5
per_process "ctrdbg -T $NAME sh -c 'cat; sleep 0.5' < 64 MiB" "$WORK/zero64" \
  "$CTRDBG" -T "$NAME" sh -c 'cat; sleep 0.5'
per_process "ctrdbg -t $NAME sh -c 'head -c 64M /dev/zero; sleep 0.5'" /dev/null \
  "$CTRDBG" -t "$NAME" sh -c "head -c $RSS_BYTES /dev/zero; sleep 0.5"

# ---- 4. engines: bench/engines.sh measures with its own container and prints its own section ----
if [ "${BENCH_ENGINES:-1}" != 0 ]; then
  log "4/4 engines: bench/engines.sh (on-disk resolution, --list, hung dockerd, toolset image; ~7 min)"
  CTRDBG=$CTRDBG BENCH_COMMIT=$GIT_COMMIT "$ROOT/bench/engines.sh" >"$WORK/engines.md" || die "bench/engines.sh failed"
fi

if [ "${BENCH_TOOLS:-1}" != 0 ]; then
  log "5/5 tools: bench/tools.sh (--tools and --image; ~4 min)"
  CTRDBG=$CTRDBG BENCH_COMMIT=$GIT_COMMIT "$ROOT/bench/tools.sh" >"$WORK/tools.md" || die "bench/tools.sh failed"
fi

BENCH_LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_DURATION=$((SECONDS - START_SECONDS))

# ---- report ----
log "writing $OUT"
mkdir -p "$(dirname "$OUT")"
python3 - "$WORK" "$OUT.tmp" <<'PY'
import json, os, statistics, sys

work, out = sys.argv[1], sys.argv[2]
E = os.environ
XFER = 268435456

def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)["results"]

def ms(s):
    return "–" if s is None else f"{s * 1e3:.1f}"

def sec(s):
    return "–" if s is None else f"{s:.3f}"

def ratio(a, b):
    return a / b

def verdict(ok):
    return "**met**" if ok else "**not met**"

startup = load("startup.json")
pipe = load("pipe.json")
pty = load("pty.json")

L = []
w = L.append
w("# ctrdbg benchmarks")
w("")
w("Generated by `bench/run.sh`; every number below was measured by that run. Do not edit by hand.")
w("")
w("**How to reproduce:** `sudo bench/run.sh` (rewrites this file; takes about 10–20 minutes on a 2-core VM, `BENCH_ENGINES=0` skips section 4; `BENCH_REF=HEAD` benchmarks a clean snapshot of the last commit).")
w("")
w("| | |")
w("|---|---|")
w(f"| Date | {E['BENCH_DATE']} |")
w(f"| Kernel | {E['BENCH_KERNEL']} |")
w(f"| CPUs | {E['BENCH_CPUS']} × {E['BENCH_CPU_MODEL']} |")
commit = E["BENCH_COMMIT"]
if E.get("BENCH_DIRTY"):
    commit += f" (modified: {E['BENCH_DIRTY'].replace(',', ', ')})"
w(f"| Git commit | {commit} |")
w(f"| ctrdbg | {E['BENCH_CTRDBG_VERSION']}, `{E['BENCH_CTRDBG']}` |")
w(f"| Docker | {E['BENCH_DOCKER']} |")
w(f"| Tools | {E['BENCH_HYPERFINE']}, {E['BENCH_NSENTER']}, GNU time |")
w(f"| Load average (1/5/15 min) | {E['BENCH_LOAD_START']} at start, {E['BENCH_LOAD_END']} at end |")
w(f"| Run time | {E['BENCH_DURATION']} s |")
w("")
w("## What is measured")
w("")
w("All commands target the same running container (a busybox image built FROM scratch, "
  "running `sleep`), side by side in one run, so that the ratios are comparable even when "
  "the absolute numbers are noisy (page faults are expensive on this VM and the machine may "
  "be shared). `nsenter -t PID -a` is the lower bound: it joins the namespaces and execs, "
  "nothing else; it provides no toolset, no PID-namespace helper, no container environment "
  "and no pty. `docker exec` goes through the Docker CLI, dockerd, containerd and runc. "
  "Start-up is the wall time of a whole session running `true`, measured by "
  "`hyperfine -N` (no shell). With `-T` ctrdbg is not in the data path: the command "
  "inherits ctrdbg's own stdin and stdout, as with nsenter, whereas `docker exec -i` "
  "copies every byte through the CLI and the engine. With `-t` ctrdbg relays between a pty "
  "in the container and its stdout (poll loop, 64 KiB buffers), while `docker exec -t` "
  "relays through the engine. The transfer commands run under `sh` (hyperfine subtracts "
  "the shell's start-up); MB/s is 10^6 bytes per second, from the mean time. Peak RSS "
  "comes from `/usr/bin/time -f '%M %R'`: GNU time reports `ru_maxrss` of `wait4()`, which "
  "is the largest peak RSS among ctrdbg **and every descendant reaped below it**: ctrdbg's "
  "helper (forked by ctrdbg, joins the namespaces, exits once the command runs), the "
  "session's reaper (`ctrdbg-session`, started by the helper as ctrdbg's child inside the "
  "container) and the command (the reaper's child, e.g. busybox `cat`); %R counts the "
  "minor page faults of all of them. "
  "A second table samples `VmHWM` in /proc of each of the three processes separately while "
  "a session runs, which isolates ctrdbg's own process.")
w("")

# ---- 1. start-up ----
c, n, d = startup
w("## 1. Start-up latency")
w("")
w(f"`hyperfine -N --warmup 5 --runs {E['BENCH_RUNS_STARTUP']}`, command `true` in the container.")
w("")
w("| Command | Mean ± σ (ms) | Median (ms) | Min (ms) |")
w("|---|---|---|---|")
for r in startup:
    w(f"| `{r['command']}` | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['median'])} | {ms(r['min'])} |")
w("")
r_cn = ratio(c["mean"], n["mean"])
r_dc = ratio(d["mean"], c["mean"])
r_cn_med = ratio(c["median"], n["median"])
r_dc_med = ratio(d["median"], c["median"])
w("| Ratio | From means | From medians | Target | |")
w("|---|---|---|---|---|")
w(f"| ctrdbg / nsenter | {r_cn:.2f}× | {r_cn_med:.2f}× | ≤ 1.5× | {verdict(r_cn <= 1.5)} |")
w(f"| docker exec / ctrdbg | {r_dc:.1f}× | {r_dc_med:.1f}× | ≥ 15× | {verdict(r_dc >= 15)} |")
r_dn = ratio(d["mean"], n["mean"])
r_dn_med = ratio(d["median"], n["median"])
w(f"| docker exec / nsenter (context) | {r_dn:.1f}× | {r_dn_med:.1f}× | | |")
w("")
w("Verdicts use the means. The last row bounds the one above it: ctrdbg does all that "
  "`nsenter` does plus one question to the engine (`nsenter` is handed the PID), so "
  "docker exec / ctrdbg cannot exceed docker exec / nsenter.")
w("")

# ---- 2. transfer ----
def mbps(r):
    return XFER / r["mean"] / 1e6

w("## 2. Transfer of 256 MiB")
w("")
w(f"`hyperfine --runs {E['BENCH_RUNS_XFER']}` (pipes: `--warmup 1`; pty: no warm-up, a 16 MiB "
  "check of every command ran first). Every command was checked beforehand to deliver exactly "
  "the bytes sent.")
w("")
w("### (a) Pipes: `head -c 256M /dev/zero | … cat > /dev/null`")
w("")
w("| Command | Mean ± σ (s) | Min (s) | MB/s |")
w("|---|---|---|---|")
cmds = {
    "ctrdbg -T": "ctrdbg -T C cat",
    "nsenter -a": "nsenter -t PID -a cat",
    "docker exec -i": "docker exec -i C cat",
}
for r in pipe:
    w(f"| `{cmds.get(r['command'], r['command'])}` | {sec(r['mean'])} ± {sec(r['stddev'])} | {sec(r['min'])} | {mbps(r):.0f} |")
w("")
pc, pn, pd = pipe
t_cn = pc["mean"] / pn["mean"]
t_dc = pd["mean"] / pc["mean"]
w("| Ratio (time) | Value | Target | |")
w("|---|---|---|---|")
w(f"| ctrdbg -T / nsenter | {t_cn:.2f}× | ≤ 1.10× (within 10 %) | {verdict(t_cn <= 1.10)} |")
w(f"| docker exec -i / ctrdbg -T | {t_dc:.1f}× | ≥ 1× (at least as fast) | {verdict(t_dc >= 1.0)} |")
w("")
w("### (b) Pty: `… -t C sh -c 'head -c 268435456 /dev/zero' > /dev/null` (output of the container)")
w("")
w("| Command | Mean ± σ (s) | Min (s) | MB/s |")
w("|---|---|---|---|")
cmds = {"ctrdbg -t": "ctrdbg -t C sh -c …", "docker exec -t": "docker exec -t C sh -c …"}
for r in pty:
    w(f"| `{cmds.get(r['command'], r['command'])}` | {sec(r['mean'])} ± {sec(r['stddev'])} | {sec(r['min'])} | {mbps(r):.0f} |")
w("")
tc, td = pty
y_dc = td["mean"] / tc["mean"]
w("| Ratio (time) | Value | Target | |")
w("|---|---|---|---|")
w(f"| docker exec -t / ctrdbg -t | {y_dc:.2f}× | ≥ 1× (at least as fast) | {verdict(y_dc >= 1.0)} |")
w("")

# ---- 3. RSS ----
w("## 3. Peak RSS")
w("")
rows = {}
order = []
with open(os.path.join(work, "rss_time.tsv")) as f:
    for line in f:
        label, vals = line.rstrip("\n").split("\t")
        m, flt = (int(x) for x in vals.split())
        if label not in rows:
            rows[label] = []
            order.append(label)
        rows[label].append((m, flt))
runs = len(rows[order[0]])
w(f"`/usr/bin/time -f '%M %R'`, {runs} runs each; output to /dev/null. Includes the helper and "
  "the command (see above); the nsenter and docker rows are for scale (for docker: the CLI "
  "process only, the engine's memory is not counted).")
w("")
w("| Session | Peak RSS, KiB (median; min–max) | Minor faults (median) |")
w("|---|---|---|")
for label in order:
    ms_ = [m for m, _ in rows[label]]
    fl = [x for _, x in rows[label]]
    w(f"| `{label}` | {int(statistics.median(ms_))} ({min(ms_)}–{max(ms_)}) | {int(statistics.median(fl))} |")
w("")
w("Per process, `VmHWM` sampled every 20 ms (the command sleeps 0.5 s after the transfer, "
  "so the peaks reached during it are seen):")
w("")
w("| Session | ctrdbg process (KiB) | helper (KiB) | command in the container (KiB) |")
w("|---|---|---|---|")
worst = 0
with open(os.path.join(work, "rss_proc.tsv")) as f:
    for line in f:
        label, s, h, c_ = line.rstrip("\n").split("\t")
        worst = max(worst, int(s))
        show = lambda v: v if v != "0" else "n/a (gone before the first sample)"
        w(f"| `{label}` | {show(s)} | {show(h)} | {show(c_)} |")
w("")
ctr_time = max(m for label in order if label.startswith("ctrdbg") for m, _ in rows[label])
w(f"Target ≤ 8 MiB (8192 KiB): the ctrdbg process alone peaks at {worst} KiB "
  f"({verdict(worst <= 8192)}); the largest `%M` of any ctrdbg session (ctrdbg, helper and "
  f"command together, maximum over processes) is {ctr_time} KiB ({verdict(ctr_time <= 8192)}).")
w("")

with open(out, "w") as f:
    f.write("\n".join(L))
PY
if [ -s "$WORK/engines.md" ]; then
  printf '\n\n' >>"$OUT.tmp"
  cat "$WORK/engines.md" >>"$OUT.tmp"
fi
if [ -s "$WORK/tools.md" ]; then
  printf '\n\n' >>"$OUT.tmp"
  cat "$WORK/tools.md" >>"$OUT.tmp"
fi
mv "$OUT.tmp" "$OUT"
log "done in $((SECONDS - START_SECONDS)) s: $OUT"
