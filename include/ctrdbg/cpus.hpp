// Where a new process or thread should start so that it runs beside its creator:
// on a small VM that packs tasks onto few vCPUs, one started on its creator's CPU
// stays there behind it (measured: docs/performance-notes.md).
#pragma once

#include <sched.h>

namespace ctrdbg {

// Fills `ours` with the calling thread's CPU set and `others` with the same set
// without the CPU it runs on. False when there is no other CPU to use (or the set
// cannot be read); the sets are then not to be used.
bool cpus_besides_this_one(cpu_set_t* ours, cpu_set_t* others);

}  // namespace ctrdbg
