#!/usr/bin/env bash
# Fuzzes ctrdbg's parsers of untrusted bytes with libFuzzer (ASan + UBSan).
#
#   tests/fuzz/run.sh                          # every area, 60 s each, one at a time
#   FUZZ_SECONDS=300 FUZZ_JOBS=2 tests/fuzz/run.sh http elf   # chosen areas, two at once
#
# Areas: http docker_api docker_disk containerd podman procfs elf image_store config cli recording
#        security passwd cgroup
# (one target each, tests/fuzz/fuzz_<area>.cpp).
#
# Environment:
#   FUZZ_SECONDS     seconds per target (default 60)
#   FUZZ_JOBS        targets run at the same time (default 1)
#   BUILD_DIR        build directory (default <repo>/build-fuzz)
#   FUZZ_SOURCE_DIR  the CMake project to configure (default the repo; it must have the
#                    CTRDBG_FUZZ option that adds tests/fuzz)
#   FUZZ_NICE        nice level of the fuzzers (default 10: benchmarks and builds go first)
#
# Builds with clang (installs clang and libclang-rt-14-dev from Debian when missing):
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCTRDBG_FUZZ=ON -DCTRDBG_TESTS=OFF
# then replays each target's earlier findings, tests/fuzz/crashes/<area>-* (a regression
# test: one that fails again is a finding, and that area is not fuzzed), and runs it on
# its seeds, tests/fuzz/corpus/<area>/ (never written), and on build-fuzz/fuzz-corpus/<area>/
# (what the fuzzer learns; kept between runs). Crashing
# inputs go to build-fuzz/fuzz-findings/<area>/; reproduce one with
#   build-fuzz/tests/fuzz/fuzz_<area> build-fuzz/fuzz-findings/<area>/crash-...
# Prints per target: seconds run, executions, corpus size, findings. Exits 1 when any
# target found something (a crash, an escaping exception, a sanitizer report, a timeout
# or an out-of-memory), 2 when the build failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
jobs_max=${FUZZ_JOBS:-1}
build=${BUILD_DIR:-$repo/build-fuzz}
source_dir=${FUZZ_SOURCE_DIR:-$repo}
all_areas=(http docker_api docker_disk containerd podman procfs elf ld_cache image_store config cli recording security passwd cgroup)
areas=("$@")
[ ${#areas[@]} -gt 0 ] || areas=("${all_areas[@]}")

# -max_len per area: room for the real files (an inspect answer ~5 KiB, runc's
# state.json with its seccomp profile ~30 KiB), small where inputs are small.
max_len() {
  case $1 in
    http | docker_api | containerd | elf) echo 16384 ;;
    docker_disk | security) echo 32768 ;;
    podman | image_store | passwd | cgroup | ld_cache) echo 8192 ;;
    procfs | config | recording) echo 4096 ;;
    cli) echo 1024 ;;
    *) echo "unknown area '$1' (known: ${all_areas[*]})" >&2; return 1 ;;
  esac
}
for a in "${areas[@]}"; do max_len "$a" >/dev/null; done

# ---- toolchain ----
have_libfuzzer() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local rt
  rt=$(clang++ -print-resource-dir 2>/dev/null)/lib/linux
  ls "$rt"/libclang_rt.fuzzer-*.a >/dev/null 2>&1
}
if ! have_libfuzzer; then
  echo "run.sh: installing clang and libclang-rt-14-dev (libFuzzer)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y clang libclang-rt-14-dev >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y clang libclang-rt-14-dev >/dev/null; }
  have_libfuzzer || { echo "run.sh: no libFuzzer runtime after installing clang" >&2; exit 2; }
fi

# ---- build ----
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' "$build/CMakeCache.txt"; then
  echo "run.sh: $build was configured with another compiler; start it afresh or set BUILD_DIR" >&2
  exit 2
fi
mkdir -p "$build"
CC=clang CXX=clang++ cmake -S "$source_dir" -B "$build" -DCTRDBG_FUZZ=ON -DCTRDBG_TESTS=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 2; }
if ! grep -q '^CTRDBG_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  cat >&2 <<MSG
run.sh: $source_dir/CMakeLists.txt has no CTRDBG_FUZZ option; it needs
  option(CTRDBG_FUZZ "Build libFuzzer targets (needs clang)" OFF)
  if(CTRDBG_FUZZ)
    add_subdirectory(tests/fuzz)
  endif()
MSG
  exit 2
fi
targets=()
for a in "${areas[@]}"; do targets+=("fuzz_$a"); done
echo "run.sh: building ${targets[*]} in $build" >&2
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)" >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log" >&2; echo "run.sh: build failed (log: $build/build.log)" >&2; exit 2; }

# ---- run ----
results=$build/fuzz-results
mkdir -p "$results"
run_one() {
  local area=$1 learned=$build/fuzz-corpus/$1 findings=$build/fuzz-findings/$1 bin
  local log=$results/$area.log marker=$results/$area.start dict=() seeds=()
  mkdir -p "$learned" "$findings"
  bin=$(find "$build" -name "fuzz_$area" -type f -perm -u+x -print -quit)
  [ -n "$bin" ] || { echo "run.sh: fuzz_$area was not built" >"$log"; bin=false; }
  [ -f "$here/dict/$area.dict" ] && dict=(-dict="$here/dict/$area.dict")
  [ -d "$here/corpus/$area" ] && seeds=("$here/corpus/$area")
  touch "$marker"
  local start end rc=0 old=() f
  start=$(date +%s)
  # Regression step: the earlier findings of this area (tests/fuzz/crashes/<area>-*) run
  # first, each once; one that fails again is a finding and the area is not fuzzed.
  for f in "$here/crashes/$area"-*; do [ -f "$f" ] && old+=("$f"); done
  if ((${#old[@]})) && ! nice -n "${FUZZ_NICE:-10}" "$bin" -timeout=5 -rss_limit_mb=1024 "${old[@]}" >"$log" 2>&1; then
    end=$(date +%s)
    echo "run.sh: an earlier finding in $here/crashes/ fails again" >>"$log"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$area" "$((end - start))" replay - 1 1 >"$results/$area.tsv"
    return
  fi
  nice -n "${FUZZ_NICE:-10}" "$bin" -max_len="$(max_len "$area")" -timeout=5 -rss_limit_mb=1024 -max_total_time="$seconds" \
    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$findings/" "$learned" "${seeds[@]}" >>"$log" 2>&1 || rc=$?
  end=$(date +%s)
  local execs corpus found
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //' || true)
  found=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
    -newer "$marker" | wc -l)
  [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1  # died without an artifact (e.g. in its seeds)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$area" "$((end - start))" "${execs:-?}" "${corpus:-?}" "$found" "$rc" >"$results/$area.tsv"
}

for a in "${areas[@]}"; do rm -f "$results/$a.tsv"; done
echo "run.sh: fuzzing ${areas[*]} for ${seconds}s each, ${jobs_max} at a time (logs: $results/)"
for a in "${areas[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  run_one "$a" &
done
wait

status=0
printf '\n%-12s %8s %12s %16s %9s\n' target seconds executions corpus findings
for a in "${areas[@]}"; do
  IFS=$'\t' read -r area secs execs corpus found rc <"$results/$a.tsv"
  printf '%-12s %8s %12s %16s %9s\n' "$area" "$secs" "$execs" "$corpus" "$found"
  if [ "$found" -ne 0 ]; then
    status=1
    { grep -m1 -A1 'FUZZ_CHECK failed' "$results/$a.log" ||
      grep -m1 -A1 'terminate called' "$results/$a.log" ||
      grep -m1 -E 'runtime error|^==[0-9]+==ERROR|ALARM|out-of-memory|^SUMMARY' "$results/$a.log"; } | sed 's/^/    /' || true
    find "$build/fuzz-findings/$a" -maxdepth 1 -type f -newer "$results/$a.start" | sed 's/^/    input: /'
    echo "    log: $results/$a.log"
  fi
done
exit $status
