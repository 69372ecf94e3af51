#include "ctrdbg/cpus.hpp"

namespace ctrdbg {

bool cpus_besides_this_one(cpu_set_t* ours, cpu_set_t* others) {
  if (::sched_getaffinity(0, sizeof *ours, ours) != 0) return false;
  *others = *ours;
  int here = ::sched_getcpu();
  if (here >= 0 && here < CPU_SETSIZE) CPU_CLR(here, others);
  return CPU_COUNT(others) > 0;
}

}  // namespace ctrdbg
