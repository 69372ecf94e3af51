#!/usr/bin/env bash
# bench/engines.sh: engine-side costs of ctrdbg, printed as a Markdown section on
# stdout (progress on stderr). bench/run.sh appends it to docs/benchmarks.md.
#
#   sudo bench/engines.sh > engines.md
#
# 1. resolution by name from Docker's on-disk state with N synthetic containers
#    (one real container + N-1 copies of its config.v2.json and runc state.json,
#    the real one last in directory order, so the name search reads every file);
# 2. `ctrdbg --list` over the same synthetic states;
# 3. entering while dockerd is hung (SIGSTOP) vs --engine disk;
# 4. toolset staging from a small vs a 256 MiB busybox image vs the host busybox.
#
# Environment:
#   CTRDBG=/path/to/ctrdbg      binary to measure (default: build build-bench/ctrdbg)
#   BENCH_COMMIT=TEXT           commit to name in the report (default: git HEAD, -dirty)
#   BENCH_ENGINES_NS="..."      synthetic sizes (default "250 500 1000 2000"; 1 is always added)
#   BENCH_ENGINES_RUNS=N        hyperfine runs and -v samples per size (default 30)
#   BENCH_HUNG_RUNS=N           hyperfine runs with dockerd stopped (default 15)
#   BENCH_TOOLSET_RUNS=N        hyperfine runs per toolset variant (default 30)
#
# Everything it creates is removed on exit (container, images, synthetic state),
# and a dockerd it stopped is always resumed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
read -r -a NS <<<"${BENCH_ENGINES_NS:-250 500 1000 2000}"
RUNS=${BENCH_ENGINES_RUNS:-30}
HUNG_RUNS=${BENCH_HUNG_RUNS:-15}
TOOLSET_RUNS=${BENCH_TOOLSET_RUNS:-30}
HUNG_TIMEOUT_MS=300
NAME=ctrdbg-bench-engines          # the real container
TARGET_IMAGE=ctrdbg-bench-engines/target:latest
SMALL=busybox:bench-small
BIG=busybox:bench-big
LABEL=ctrdbg-bench-engines         # on everything created here, so leftovers are recognised
BUSYBOX=/usr/bin/busybox           # the host's busybox-static (/bin is a symlink to usr/bin here)

log() { printf '[engines %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

WORK=""
SYN=""
STOPPED_PID=""
CREATED_CONTAINER=""
CREATED_IMAGES=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  # First of all: never leave dockerd stopped.
  if [ -n "$STOPPED_PID" ]; then
    kill -CONT "$STOPPED_PID" 2>/dev/null || true
    log "dockerd (pid $STOPPED_PID) resumed"
  fi
  if [ -n "$CREATED_CONTAINER" ]; then timeout 60 docker rm -f "$CREATED_CONTAINER" >/dev/null 2>&1 || true; fi
  local i
  for ((i = ${#CREATED_IMAGES[@]} - 1; i >= 0; i--)); do  # children first
    timeout 60 docker rmi -f "${CREATED_IMAGES[i]}" >/dev/null 2>&1 || true
  done
  [ -z "$SYN" ] || rm -rf "$SYN"
  [ -z "$WORK" ] || rm -rf "$WORK"
  [ "$rc" = 0 ] || log "failed (exit $rc); everything created was removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- preflight ----
[ "$(id -u)" = 0 ] || die "must run as root: sudo bench/engines.sh"
for c in docker hyperfine python3 unshare mount git; do
  command -v "$c" >/dev/null 2>&1 || die "needs $c"
done
[ -x "$BUSYBOX" ] || die "needs the host's static busybox at $BUSYBOX (apt-get install busybox-static)"
timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answers (start dockerd)"
[ "$(docker info -f '{{.Driver}}')" = overlay2 ] || die "Docker's storage driver is not overlay2"
DATA_ROOT=$(docker info -f '{{.DockerRootDir}}')
read -r -a DOCKERD_PIDS <<<"$(pidof dockerd || true)"
[ "${#DOCKERD_PIDS[@]}" = 1 ] || die "expected exactly one dockerd process, found: ${DOCKERD_PIDS[*]:-none}"
DOCKERD_PID=${DOCKERD_PIDS[0]}
[ "$(awk '/^State:/ {print $2}' "/proc/$DOCKERD_PID/status")" != T ] || die "dockerd (pid $DOCKERD_PID) is already stopped"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d /tmp/ctrdbg-engines.XXXXXX)
# The synthetic state lives on the same kind of filesystem as Docker's own.
SYN=$(mktemp -d /var/tmp/ctrdbg-engines-state.XXXXXX)

if [ -z "${CTRDBG:-}" ]; then
  log "building ctrdbg (Release) in build-bench"
  { cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release >"$WORK/build.log" 2>&1 &&
    cmake --build "$ROOT/build-bench" -j"$(nproc)" --target ctrdbg >>"$WORK/build.log" 2>&1; } ||
    { tail -40 "$WORK/build.log" >&2; die "build failed"; }
  CTRDBG=$ROOT/build-bench/ctrdbg
fi
[ -x "$CTRDBG" ] || die "CTRDBG=$CTRDBG is not executable"
CTRDBG=$(cd "$(dirname "$CTRDBG")" && pwd)/$(basename "$CTRDBG")
printf -v Q_CTRDBG '%q' "$CTRDBG"

if [ -z "${BENCH_COMMIT:-}" ]; then
  BENCH_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!docs/benchmarks.md' 2>/dev/null)" ] ||
    BENCH_COMMIT="$BENCH_COMMIT-dirty"
fi

# ---- images and the real container ----
# Only images this script made (label $LABEL) may be replaced; anything else with
# these names belongs to someone else.
claim_name() {  # image reference
  if docker image inspect "$1" >/dev/null 2>&1; then
    [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1")" = 1 ] ||
      die "image $1 exists and was not made by this script; remove or retag it first"
    docker rmi -f "$1" >/dev/null
  fi
}
build_image() {  # reference, context dir (Dockerfile inside)
  claim_name "$1"
  CREATED_IMAGES+=("$1")
  DOCKER_BUILDKIT=0 docker build -q --label "$LABEL=1" -t "$1" "$2" >/dev/null || die "could not build $1"
}
mkdir -p "$WORK/target"
cp "$BUSYBOX" "$WORK/target/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "sleep", "2147483647"]\n' >"$WORK/target/Dockerfile"
log "building $TARGET_IMAGE (FROM scratch, the host's busybox)"
build_image "$TARGET_IMAGE" "$WORK/target"

start_container() {
  if docker container inspect "$NAME" >/dev/null 2>&1; then
    [ "$(docker container inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$NAME")" = 1 ] ||
      die "container $NAME exists and was not made by this script"
    docker rm -f "$NAME" >/dev/null
  fi
  CREATED_CONTAINER=$NAME
  docker run -d --name "$NAME" --label "$LABEL=1" "$TARGET_IMAGE" >/dev/null
  ID=$(docker inspect -f '{{.Id}}' "$NAME")
  PID=$(docker inspect -f '{{.State.Pid}}' "$NAME")
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] && [ "$PID" -gt 0 ] || die "container $NAME is not running"
  CONFIG_V2=$DATA_ROOT/containers/$ID/config.v2.json
  # runc's state.json appears once the task is created; the real exec-root from daemon.json or the default.
  EXEC_ROOT=$(python3 -c 'import json,sys
try: print(json.load(open("/etc/docker/daemon.json")).get("exec-root") or "/var/run/docker")
except FileNotFoundError: print("/var/run/docker")')
  RUNC_STATE=$EXEC_ROOT/runtime-runc/moby/$ID/state.json
  [ -f "$CONFIG_V2" ] || die "no $CONFIG_V2"
  [ -f "$RUNC_STATE" ] || die "no $RUNC_STATE"
}

# ---- synthetic state (worst case: the real container last in directory order) ----
# On ext4 (htree) readdir returns entries in hash order, a function of the name
# alone, so fake IDs are chosen from a probe directory: only those that come
# before the real ID there. On a filesystem that lists in creation order the
# real container, created last, is last anyway. The final order is checked.
GEN_PY=$WORK/gen.py
cat >"$GEN_PY" <<'PY'
import os, secrets, shutil, sys

mode = sys.argv[1]
if mode == "probe":  # probe DIR REAL_ID NEED -> prints fake IDs before REAL_ID, one a line
    probe, real_id, need = sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.mkdir(probe)
    cands = set()
    while len(cands) < max(4 * need, 8000):
        cands.add(secrets.token_hex(32))
    cands.discard(real_id)
    for n in cands:
        os.close(os.open(os.path.join(probe, n), os.O_CREAT | os.O_WRONLY, 0o600))
    os.close(os.open(os.path.join(probe, real_id), os.O_CREAT | os.O_WRONLY, 0o600))
    order = os.listdir(probe)  # readdir order, unsorted
    shutil.rmtree(probe)
    before = order[: order.index(real_id)]
    print("\n".join(before))
    sys.exit(0)

# make ROOT N REAL_ID REAL_NAME CONFIG_V2 RUNC_STATE IDS_FILE -> prints the real one's 1-based position
root, n, real_id, real_name, cfg_src, st_src, ids_file = sys.argv[2:9]
n = int(n)
cfg = open(cfg_src).read()
st = open(st_src).read()
needle = '"Name":"/%s"' % real_name
if cfg.count(needle) != 1 or real_id not in st:
    sys.exit("unexpected config.v2.json/state.json format")
ids = [l for l in open(ids_file).read().split() if l]
while len(ids) < n - 1:  # best effort when the probe found too few
    ids.append(secrets.token_hex(32))
cdir = os.path.join(root, "data", "containers")
rdir = os.path.join(root, "exec", "runtime-runc", "moby")
os.makedirs(cdir)
os.makedirs(rdir)

def put(cid, name):
    os.mkdir(os.path.join(cdir, cid), 0o710)
    os.mkdir(os.path.join(rdir, cid), 0o711)
    c = cfg.replace(real_id, cid)
    if name != real_name:
        c = c.replace(needle, '"Name":"/%s"' % name)
    with open(os.path.join(cdir, cid, "config.v2.json"), "w") as f:
        f.write(c)
    with open(os.path.join(rdir, cid, "state.json"), "w") as f:
        f.write(st.replace(real_id, cid))

for i, cid in enumerate(ids[: n - 1], 1):
    put(cid, "fake-%d" % i)
put(real_id, real_name)
order = os.listdir(cdir)
print(order.index(real_id) + 1)
PY

MAXN=1
for n in "${NS[@]}"; do ((n > MAXN)) && MAXN=$n; done
for attempt in 1 2 3 4 5; do
  log "starting container $NAME (attempt $attempt)"
  start_container
  python3 "$GEN_PY" probe "$SYN/probe" "$ID" "$((MAXN - 1))" >"$WORK/ids"
  have=$(grep -c . "$WORK/ids" || true)
  log "directory-order probe: $have candidate IDs come before ${ID:0:12}, need $((MAXN - 1))"
  ((have >= MAXN - 1)) && break
  # Too few names sort before this ID (it hashes early): another container, another ID.
done

SIZES=(1 "${NS[@]}")
: >"$WORK/positions.tsv"
for n in "${SIZES[@]}"; do
  log "synthetic state: $n containers"
  pos=$(python3 "$GEN_PY" make "$SYN/n$n" "$n" "$ID" "$NAME" "$CONFIG_V2" "$RUNC_STATE" "$WORK/ids")
  printf '%s\t%s\n' "$n" "$pos" >>"$WORK/positions.tsv"
  printf '{"docker": {"data_root": "%s", "exec_root": "%s", "timeout": "1s"}, "toolset": {"image": "busybox:latest"}}\n' \
    "$SYN/n$n/data" "$SYN/n$n/exec" >"$SYN/n$n.json"
done

# ---- sanity: every synthetic state resolves to the real container and lists N ----
log "sanity checks"
for n in "${SIZES[@]}"; do
  out=$(CTRDBG_CONFIG=$SYN/n$n.json "$CTRDBG" -v --engine disk "$NAME" -- true 2>&1 </dev/null) ||
    die "ctrdbg --engine disk $NAME failed with $n containers: $out"
  grep -q "target $NAME (${ID:0:12}) pid $PID .* via docker on disk ($SYN/n$n/data/containers" <<<"$out" ||
    die "with $n containers, not resolved from the synthetic state: $out"
  rows=$(CTRDBG_CONFIG=$SYN/n$n.json "$CTRDBG" --list | awk 'NR > 1 && $1 == "docker"' | wc -l)
  [ "$rows" = "$n" ] || die "--list with $n synthetic containers printed $rows docker rows"
done

# One hyperfine run per size, with CTRDBG_CONFIG in hyperfine's own environment:
# timing `env CTRDBG_CONFIG=… ctrdbg` would add env(1)'s start-up (a dynamically
# linked program that loads locales: ~3 ms here) to every sample.
per_size() {  # out.json warmup command-args... (the size is $n in them, expanded per size)
  local out=$1 warmup=$2 n
  shift 2
  local parts=()
  for n in "${SIZES[@]}"; do
    CTRDBG_CONFIG=$SYN/n$n.json hyperfine -N --warmup "$warmup" --runs "$RUNS" \
      --export-json "$WORK/part_$n.json" -n "$n" "$*" >&2
    parts+=("$WORK/part_$n.json")
  done
  python3 -c 'import json, sys
print(json.dumps({"results": [r for p in sys.argv[1:] for r in json.load(open(p))["results"]]}))' \
    "${parts[@]}" >"$out"
}

# ---- 1. resolution by name ----
log "1/4 resolution from disk: hyperfine -N, $RUNS runs x ${#SIZES[@]} sizes"
per_size "$WORK/resolve.json" 5 "$Q_CTRDBG --engine disk $NAME -- true"

log "1/4 resolution step alone: ctrdbg -v, $RUNS samples x ${#SIZES[@]} sizes, interleaved"
: >"$WORK/resolve_v.tsv"
for ((i = 0; i < RUNS; i++)); do
  for n in "${SIZES[@]}"; do
    out=$(CTRDBG_CONFIG=$SYN/n$n.json "$CTRDBG" -v --engine disk "$NAME" -- true 2>&1 </dev/null)
    ms=$(sed -n 's/^ctrdbg: docker on disk answered in \([0-9.]*\) ms$/\1/p' <<<"$out")
    [ -n "$ms" ] || die "no 'docker on disk answered in' line: $out"
    printf '%s\t%s\n' "$n" "$ms" >>"$WORK/resolve_v.tsv"
  done
done

# Context: the same file reads without ctrdbg, by busybox cat (static; open, sendfile,
# sendfile, close per file; xargs starts it once). GNU cat maps and unmaps a 128 KiB
# buffer per file, and page faults are what is expensive here: not a floor.
log "1/4 and 2/4 reading floor: cat of the same files, $RUNS runs"
floor_list() {  # n, with_runc (0/1) -> NUL-separated paths on stdout
  local d
  for d in "$SYN/n$1/data/containers"/*/; do
    d=${d%/}
    printf '%s\0' "$d/config.v2.json"
    if [ "$2" = 1 ]; then printf '%s\0%s\0' "$SYN/n$1/exec/runtime-runc/moby/${d##*/}/state.json" "/proc/$PID/stat"; fi
  done
}
floor_list 1 0 >"$WORK/floor_1.lst"
floor_list "$MAXN" 0 >"$WORK/floor_cfg.lst"
floor_list "$MAXN" 1 >"$WORK/floor_all.lst"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/floor.json" \
  -n "cat 1 config.v2.json" "xargs -0 -s 1000000 -a $WORK/floor_1.lst $BUSYBOX cat" \
  -n "cat $MAXN config.v2.json" "xargs -0 -s 1000000 -a $WORK/floor_cfg.lst $BUSYBOX cat" \
  -n "cat $MAXN x (config.v2.json, state.json, /proc/PID/stat)" "xargs -0 -s 1000000 -a $WORK/floor_all.lst $BUSYBOX cat" >&2

# ---- 2. --list ----
log "2/4 ctrdbg --list: hyperfine -N, $RUNS runs x ${#SIZES[@]} sizes"
per_size "$WORK/list.json" 3 "$Q_CTRDBG --list"
CTRDBG_CONFIG=$SYN/n$MAXN.json "$CTRDBG" --list >"$WORK/list_max.txt"
LIST_ROWS=$(awk 'NR > 1' "$WORK/list_max.txt" | wc -l)
LIST_DOCKER_ROWS=$(awk 'NR > 1 && $1 == "docker"' "$WORK/list_max.txt" | wc -l)
LIST_N=$MAXN

# ---- 3. hung dockerd ----
echo '{}' >"$WORK/empty.json"  # no /etc/ctrdbg/config.json influence; real roots
export CTRDBG_CONFIG=$WORK/empty.json
"$CTRDBG" --timeout "${HUNG_TIMEOUT_MS}ms" "$NAME" -- true </dev/null || die "ctrdbg $NAME -- true failed"
"$CTRDBG" -v "$NAME" -- true </dev/null 2>"$WORK/running_v.txt" || die "ctrdbg -v $NAME failed"
log "3/4 hung dockerd: SIGSTOP to dockerd (pid $DOCKERD_PID) for the next runs only"
STOPPED_PID=$DOCKERD_PID
kill -STOP "$DOCKERD_PID"
"$CTRDBG" -v --timeout "${HUNG_TIMEOUT_MS}ms" "$NAME" -- true </dev/null 2>"$WORK/hung_v.txt" ||
  die "ctrdbg with dockerd stopped failed: $(cat "$WORK/hung_v.txt")"
grep -q "docker on disk answered in" "$WORK/hung_v.txt" || die "not resolved from disk: $(cat "$WORK/hung_v.txt")"
: >"$WORK/hung_v.tsv"
for ((i = 0; i < HUNG_RUNS; i++)); do
  out=$("$CTRDBG" -v --timeout "${HUNG_TIMEOUT_MS}ms" "$NAME" -- true 2>&1 </dev/null) || die "ctrdbg failed: $out"
  api=$(sed -n 's/^ctrdbg: docker API: .* (\([0-9.]*\) ms)$/\1/p' <<<"$out")
  disk=$(sed -n 's/^ctrdbg: docker on disk answered in \([0-9.]*\) ms$/\1/p' <<<"$out")
  total=$(sed -n 's/^ctrdbg: target .* in \([0-9.]*\) ms$/\1/p' <<<"$out")
  [ -n "$api" ] && [ -n "$disk" ] && [ -n "$total" ] || die "unexpected -v output with dockerd stopped: $out"
  printf '%s\t%s\t%s\n' "$api" "$disk" "$total" >>"$WORK/hung_v.tsv"
done
hyperfine -N --warmup 2 --runs "$HUNG_RUNS" --export-json "$WORK/hung.json" \
  -n "ctrdbg --timeout ${HUNG_TIMEOUT_MS}ms C -- true (dockerd stopped)" "$Q_CTRDBG --timeout ${HUNG_TIMEOUT_MS}ms $NAME -- true" \
  -n "ctrdbg --engine disk C -- true (dockerd stopped)" "$Q_CTRDBG --engine disk $NAME -- true" >&2
kill -CONT "$DOCKERD_PID"
STOPPED_PID=""
log "3/4 dockerd resumed"
timeout 30 docker info >/dev/null 2>&1 || die "dockerd does not answer after SIGCONT"
unset CTRDBG_CONFIG

# ---- 4. toolset from a small vs a big image ----
log "4/4 building $SMALL and $BIG (256 MiB of random data in its own layer)"
mkdir -p "$WORK/small" "$WORK/big"
cp "$BUSYBOX" "$WORK/small/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\n' >"$WORK/small/Dockerfile"
build_image "$SMALL" "$WORK/small"
head -c 268435456 /dev/urandom >"$WORK/big/random.bin"
printf 'FROM %s\nCOPY random.bin /data/random.bin\n' "$SMALL" >"$WORK/big/Dockerfile"
build_image "$BIG" "$WORK/big"
rm -f "$WORK/big/random.bin"
SMALL_BYTES=$(docker image inspect -f '{{.Size}}' "$SMALL")
BIG_BYTES=$(docker image inspect -f '{{.Size}}' "$BIG")
BIG_LAYERS=$(docker image inspect -f '{{len .RootFS.Layers}}' "$BIG")

printf '{"toolset": {"image": "%s"}}\n' "$SMALL" >"$WORK/small.json"
printf '{"toolset": {"image": "%s"}}\n' "$BIG" >"$WORK/big.json"
printf '{"toolset": {"busybox": "%s"}}\n' "$BUSYBOX" >"$WORK/host.json"
: >"$WORK/dummy"
hide() {  # file to hide -> a command-line prefix that runs the rest with FILE covered by /dev/null
  printf "unshare -m sh -c 'mount --bind /dev/null %s && exec \"\$@\"' sh" "$1"
}
HIDE_BB=$(hide "$BUSYBOX")
HIDE_NONE=$(hide "$WORK/dummy")  # the same wrapper, hiding nothing that matters
# Which toolset each variant really uses, from -v.
toolset_line() {  # config, wrapper (may be empty)
  local out
  # shellcheck disable=SC2086  # the wrapper is a word list
  out=$(eval "${2:-} env CTRDBG_CONFIG=$1 $Q_CTRDBG -v -T $NAME -- true" 2>&1 </dev/null) ||
    die "ctrdbg with $1 failed: $out"
  # "toolset PATH (ORIGIN, ...)", not "toolset staged ..." nor "toolset: skipped ...".
  sed -n 's/^ctrdbg: \(toolset \/.*\)$/\1/p' <<<"$out" | head -1
}
TS_SMALL=$(toolset_line "$WORK/small.json" "$HIDE_BB")
TS_BIG=$(toolset_line "$WORK/big.json" "$HIDE_BB")
TS_HOST=$(toolset_line "$WORK/host.json" "$HIDE_NONE")
TS_HOST_PLAIN=$(toolset_line "$WORK/host.json" "")
[[ "$TS_SMALL" == *"(docker image $SMALL ("* ]] || die "small-image variant used: $TS_SMALL"
[[ "$TS_BIG" == *"(docker image $BIG ("* ]] || die "big-image variant used: $TS_BIG"
[[ "$TS_HOST" == "toolset $BUSYBOX "* ]] || die "host variant used: $TS_HOST"
[[ "$TS_HOST_PLAIN" == "toolset $BUSYBOX "* ]] || die "plain host variant used: $TS_HOST_PLAIN"
# With busybox hidden, no silent fallback to the host: the probe must see /dev/null there.
[ "$(unshare -m sh -c "mount --bind /dev/null $BUSYBOX && wc -c < /bin/busybox")" = 0 ] ||
  die "hiding $BUSYBOX does not hide /bin/busybox"

log "4/4 toolset staging: hyperfine -N, $TOOLSET_RUNS runs x 4 variants"
hyperfine -N --warmup 5 --runs "$TOOLSET_RUNS" --export-json "$WORK/toolset.json" \
  -n "image $SMALL (host busybox hidden)" "$HIDE_BB env CTRDBG_CONFIG=$WORK/small.json $Q_CTRDBG -T $NAME -- true" \
  -n "image $BIG (host busybox hidden)" "$HIDE_BB env CTRDBG_CONFIG=$WORK/big.json $Q_CTRDBG -T $NAME -- true" \
  -n "host $BUSYBOX (same unshare wrapper)" "$HIDE_NONE env CTRDBG_CONFIG=$WORK/host.json $Q_CTRDBG -T $NAME -- true" \
  -n "host $BUSYBOX (no wrapper)" "env CTRDBG_CONFIG=$WORK/host.json $Q_CTRDBG -T $NAME -- true" >&2

# ---- report ----
export E_DATE E_KERNEL E_CPUS E_CPU E_COMMIT E_CTRDBG E_VERSION E_DOCKER E_HYPERFINE E_LOAD_START E_LOAD_END \
  E_NAME E_ID E_RUNS E_HUNG_RUNS E_TOOLSET_RUNS E_TIMEOUT E_LIST_ROWS E_LIST_DOCKER_ROWS E_LIST_N E_FS \
  E_RUNC_BYTES E_CONFIG_BYTES E_API_LINE E_SMALL E_BIG E_SMALL_BYTES E_BIG_BYTES E_BIG_LAYERS E_TS_SMALL E_TS_BIG E_TS_HOST E_TS_HOST_PLAIN
E_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
E_KERNEL=$(uname -r)
E_CPUS=$(nproc)
E_CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
E_COMMIT=$BENCH_COMMIT
E_CTRDBG=$CTRDBG
E_VERSION=$("$CTRDBG" --version 2>/dev/null || echo unknown)
E_DOCKER=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
E_HYPERFINE=$(hyperfine --version)
E_LOAD_START=$LOAD_START
E_LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
E_NAME=$NAME
E_ID=$ID
E_RUNS=$RUNS
E_HUNG_RUNS=$HUNG_RUNS
E_TOOLSET_RUNS=$TOOLSET_RUNS
E_TIMEOUT=$HUNG_TIMEOUT_MS
E_LIST_ROWS=$LIST_ROWS
E_LIST_DOCKER_ROWS=$LIST_DOCKER_ROWS
E_LIST_N=$LIST_N
E_FS=$(df --output=fstype "$SYN" | tail -1)
E_RUNC_BYTES=$(stat -c %s "$RUNC_STATE")
E_CONFIG_BYTES=$(stat -c %s "$CONFIG_V2")
E_API_LINE=$(grep -m1 '^ctrdbg: docker API' "$WORK/running_v.txt" || true)
E_SMALL=$SMALL
E_BIG=$BIG
E_SMALL_BYTES=$SMALL_BYTES
E_BIG_BYTES=$BIG_BYTES
E_BIG_LAYERS=$BIG_LAYERS
E_TS_SMALL=$TS_SMALL
E_TS_BIG=$TS_BIG
E_TS_HOST=$TS_HOST
E_TS_HOST_PLAIN=$TS_HOST_PLAIN
python3 - "$WORK" <<'PY'
import json, os, re, statistics, sys

work = sys.argv[1]
E = os.environ

def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)["results"]

def ms(s):
    return f"{s * 1e3:.1f}"

def verdict(ok):
    return "**met**" if ok else "**not met**"

def slope(xs, ys):  # least squares
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)

def read_text(name):
    with open(os.path.join(work, name)) as f:
        return f.read().rstrip("\n")

positions = {}
for line in read_text("positions.tsv").splitlines():
    n, p = line.split("\t")
    positions[int(n)] = int(p)
samples = {}
for line in read_text("resolve_v.tsv").splitlines():
    n, v = line.split("\t")
    samples.setdefault(int(n), []).append(float(v))

L = []
w = L.append
w("## 4. Engines: on-disk resolution, `--list`, hung dockerd, toolset image size")
w("")
w("Generated by `bench/engines.sh` (run by `bench/run.sh`, or alone: `sudo bench/engines.sh`, "
  "which prints this section). Every number below was measured by that run.")
w("")
w("| | |")
w("|---|---|")
w(f"| Date | {E['E_DATE']} |")
w(f"| Kernel | {E['E_KERNEL']} |")
w(f"| CPUs | {E['E_CPUS']} × {E['E_CPU']} |")
w(f"| Git commit | {E['E_COMMIT']} |")
w(f"| ctrdbg | {E['E_VERSION']}, `{E['E_CTRDBG']}` |")
w(f"| Docker | {E['E_DOCKER']} |")
w(f"| Tools | {E['E_HYPERFINE']} |")
w(f"| Load average (1/5/15 min) | {E['E_LOAD_START']} at start, {E['E_LOAD_END']} at end |")
w("")
w(f"The real container `{E['E_NAME']}` ({E['E_ID'][:12]}) is a busybox image built FROM scratch "
  "running `sleep`. Absolute times are noisy on this VM (page faults are expensive); compare "
  "rows of the same table, measured side by side in one hyperfine run.")
w("")

# ---- 4.1 resolution ----
res = load("resolve.json")
ns = [int(r["command"]) for r in res]
w("### 4.1 Resolution by name from Docker's on-disk state")
w("")
w("Synthetic Docker state (on " + E["E_FS"] + ", like `/var/lib/docker`): the real container's "
  "`config.v2.json` and runc `state.json` under its real ID, plus N−1 copies with new random "
  "64-hex IDs and names `fake-<i>` whose runc state points at the real container's PID and "
  "start time. The real container is placed last in directory (readdir) order where possible, "
  "so the name search reads every `config.v2.json` before it finds it (column *position*). "
  "`CTRDBG_CONFIG` names the synthetic `data_root`/`exec_root`. Whole session: "
  f"`CTRDBG_CONFIG=… hyperfine -N --warmup 5 --runs {E['E_RUNS']} 'ctrdbg --engine disk "
  f"{E['E_NAME']} -- true'`, one hyperfine run per N. Resolution step alone: `docker on disk answered in X ms` from "
  f"`ctrdbg -v`, {E['E_RUNS']} samples per N, sizes interleaved. N = 1 is the baseline "
  "(the real container alone).")
w("")
w("| N containers | position of the real one | session median (ms) | session mean ± σ (ms) | resolution step, median (ms) | resolution step, min–max (ms) |")
w("|---|---|---|---|---|---|")
for r, n in zip(res, ns):
    s = samples[n]
    w(f"| {n} | {positions[n]} of {n} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | "
      f"{statistics.median(s):.2f} | {min(s):.2f}–{max(s):.2f} |")
w("")
big = [n for n in ns if n > 1]
sess_slope = slope(big, [r["median"] * 1e3 for r, n in zip(res, ns) if n > 1]) * 1000
step_slope = slope(big, [statistics.median(samples[n]) for n in big]) * 1000
nmax = max(ns)
step_max = statistics.median(samples[nmax])
sess_max = res[ns.index(nmax)]["median"] * 1e3
sess_base = res[ns.index(1)]["median"] * 1e3
w("| | Value | Target | |")
w("|---|---|---|---|")
w(f"| resolution step at N = {nmax} (median) | {step_max:.2f} ms | ≤ 20 ms | {verdict(step_max <= 20)} |")
w(f"| growth of the resolution step (least-squares slope over N = {', '.join(map(str, big))}) | "
  f"{step_slope:.2f} ms per 1,000 containers | | |")
w(f"| growth of the whole session (slope of the medians) | {sess_slope:.2f} ms per 1,000 containers | | |")
w(f"| whole session at N = {nmax} minus N = 1 (medians) | {sess_max - sess_base:.1f} ms | | |")
w("")
w("With `--engine disk` the toolset is staged after the target is resolved (only an Engine API "
  "request leaves time to stage while it is answered), so the whole session grows with the "
  "resolution step.")
w("")
floor = load("floor.json")
f1, fcfg, fall = floor
w("Reading floor on this machine, for context: the same files read by busybox `cat` (static, "
  "one process: `xargs -0 -a LIST busybox cat`, `hyperfine -N --runs " + E['E_RUNS'] + "`; per file "
  "open, sendfile, sendfile, close):")
w("")
w("| Files read by cat | median (ms) | mean ± σ (ms) | minus the 1-file run, median (ms) |")
w("|---|---|---|---|")
for r in floor:
    w(f"| {r['command'].removeprefix('cat ')} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | "
      f"{ms(r['median'] - f1['median'])} |")
w("")
w(f"With the real container last, the name search opens and reads {nmax} `config.v2.json` files, "
  f"as `cat` does in the second row (ctrdbg: from 64 containers on, eight files per io_uring "
  "submission, each an open, a read and a close linked together, on two threads once there are 128 "
  "or more; only files whose "
  "bytes hold `\"Name\":\"/NAME\"` are parsed, and the full parse decides).")
w("")

# ---- 4.2 --list ----
lst = load("list.json")
w(f"### 4.2 `ctrdbg --list` over the same synthetic states")
w("")
w(f"`CTRDBG_CONFIG=… hyperfine -N --warmup 3 --runs {E['E_RUNS']} 'ctrdbg --list'`, one hyperfine run per N (output to "
  "/dev/null). For each runc state directory entry, `--list` reads the container's `config.v2.json` "
  f"({int(E['E_CONFIG_BYTES']) / 1024:.1f} KiB; parsed with nlohmann's SAX interface, without building a "
  "tree), then, when dockerd's record says it runs, the first 4 KiB of runc's `state.json` "
  f"({int(E['E_RUNC_BYTES']) / 1024:.1f} KiB each here; parsing stops once `init_process_pid` and "
  "`init_process_start` are read) and `/proc/PID/stat`; from 64 containers on, the files of "
  "eight containers are read with two io_uring submissions (the config files, then the runtime's "
  "state and the process's stat), on two threads once there are 128 or more containers. Every fake "
  "counts as running.")
w("")
w("| N containers | median (ms) | mean ± σ (ms) | min (ms) |")
w("|---|---|---|---|")
for r in lst:
    w(f"| {r['command']} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} |")
w("")
lmax = [r for r in lst if int(r["command"]) == int(E["E_LIST_N"])][0]
rows_ok = int(E["E_LIST_DOCKER_ROWS"]) == int(E["E_LIST_N"])
lns = [int(r["command"]) for r in lst]
lbig = [n for n in lns if n > 1]
list_slope = slope(lbig, [r["median"] * 1e3 for r, n in zip(lst, lns) if n > 1]) * 1000
w(f"Growth: {list_slope:.1f} ms per 1,000 containers (least-squares slope of the medians over "
  f"N = {', '.join(map(str, lbig))}).")
w("")
w(f"Reading the same files whole with busybox `cat` (the third row of the floor table in 4.1) takes "
  f"{ms(fall['median'])} ms ({ms(fall['median'] - f1['median'])} ms above the 1-file run).")
w("")
w("| | Value | Target | |")
w("|---|---|---|---|")
w(f"| `--list` with {E['E_LIST_N']} containers (median) | {ms(lmax['median'])} ms | ≤ 50 ms | {verdict(lmax['median'] <= 0.050)} |")
w(f"| rows printed (docker / all engines) | {E['E_LIST_DOCKER_ROWS']} / {E['E_LIST_ROWS']} | {E['E_LIST_N']} docker rows | {verdict(rows_ok)} |")
w("")

# ---- 4.3 hung dockerd ----
hung = load("hung.json")
h, d = hung
t = float(E["E_TIMEOUT"])
overhead = h["median"] * 1e3 - t
w("### 4.3 Entering while dockerd is hung")
w("")
w(f"dockerd stopped with `kill -STOP` only for these runs (resumed right after, and by the "
  f"script's exit trap in any case). `hyperfine -N --warmup 2 --runs {E['E_HUNG_RUNS']}`, real "
  "Docker state, container `C` = the real container.")
w("")
w("| Command | median (ms) | mean ± σ (ms) | min (ms) |")
w("|---|---|---|---|")
for r in hung:
    w(f"| `{r['command']}` | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} |")
w("")
w("| | Value | Target | |")
w("|---|---|---|---|")
hv = [tuple(float(x) for x in l.split("\t")) for l in read_text("hung_v.tsv").splitlines()]
api_med = statistics.median(a for a, _, _ in hv)
disk_med = statistics.median(b for _, b, _ in hv)
tot_med = statistics.median(c for _, _, c in hv)
w(f"| hung − deadline ({t:.0f} ms), median | {overhead:.1f} ms | | |")
w(f"| `--engine disk`, median | {ms(d['median'])} ms | | |")
extra = overhead - d["median"] * 1e3
w(f"| overhead beyond deadline + `--engine disk` (medians) | {extra:.1f} ms | ≤ 5 ms | {verdict(extra <= 5)} |")
w("")
w(f"From `ctrdbg -v` with dockerd stopped ({len(hv)} runs, medians): the API attempt gave up after "
  f"{api_med:.1f} ms (deadline {t:.0f} ms: {api_med - t:+.1f} ms), the on-disk lookup then took "
  f"{disk_med:.1f} ms, and resolution as a whole {tot_med:.1f} ms ({tot_med - t:+.1f} ms past the "
  "deadline). The toolset is found and its tmpfs made while the request waits for an answer, so that "
  "part of its cost is hidden in the wait, which is why hung − deadline can come out below the whole "
  "`--engine disk` session.")
w("")
if E.get("E_API_LINE"):
    w(f"For comparison, with dockerd running: `{E['E_API_LINE'].removeprefix('ctrdbg: ')}`.")
    w("")
w("`ctrdbg -v --timeout " + E["E_TIMEOUT"] + "ms C -- true` with dockerd stopped (one run before the timed ones):")
w("")
w("```")
w(re.sub(r"command pid \d+", "command pid N", read_text("hung_v.txt")))
w("```")
w("")

# ---- 4.4 toolset ----
ts = load("toolset.json")
small, bigr, host, plain = ts
w("### 4.4 Toolset staging does not grow with the image")
w("")
mib = lambda b: f"{int(b) / 1048576:.1f} MiB"
w(f"`{E['E_SMALL']}`: FROM scratch, the host's `/bin/busybox` only ({mib(E['E_SMALL_BYTES'])}); "
  f"`{E['E_BIG']}`: the same plus 256 MiB of random data in a layer of its own on top "
  f"({mib(E['E_BIG_BYTES'])}, {E['E_BIG_LAYERS']} layers). Both built locally (no registry). "
  "`toolset.image` in `CTRDBG_CONFIG` chooses the image; the host's busybox is hidden with "
  "`unshare -m sh -c 'mount --bind /dev/null /usr/bin/busybox && exec \"$@\"' sh …` so that a "
  "failed image lookup cannot fall back to it silently. The host variant sets `toolset.busybox` "
  "(with busybox tags in the image store, an unconfigured ctrdbg would take one of them) and "
  "runs once under the same `unshare … mount --bind` wrapper (covering an unrelated file) and "
  f"once without it. `hyperfine -N --warmup 5 --runs {E['E_TOOLSET_RUNS']}`, `ctrdbg -T C -- true`.")
w("")
w("Toolset each variant used, from `ctrdbg -v`:")
w("")
for label, key in (("small image", "E_TS_SMALL"), ("big image", "E_TS_BIG"),
                   ("host, wrapper", "E_TS_HOST"), ("host, no wrapper", "E_TS_HOST_PLAIN")):
    w(f"- {label}: `{E[key]}`")
w("")
w("| Variant | median (ms) | mean ± σ (ms) | min (ms) |")
w("|---|---|---|---|")
for r in ts:
    w(f"| {r['command']} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} |")
w("")
w("| Ratio | from medians | from means |")
w("|---|---|---|")
w(f"| big image / small image | {bigr['median'] / small['median']:.3f}× | {bigr['mean'] / small['mean']:.3f}× |")
w(f"| small image / host busybox (same wrapper) | {small['median'] / host['median']:.3f}× | {small['mean'] / host['mean']:.3f}× |")
w(f"| big image / host busybox (same wrapper) | {bigr['median'] / host['median']:.3f}× | {bigr['mean'] / host['mean']:.3f}× |")
w(f"| host with wrapper / host without | {host['median'] / plain['median']:.3f}× | {host['mean'] / plain['mean']:.3f}× |")
w("")
print("\n".join(L))
PY
log "done"
