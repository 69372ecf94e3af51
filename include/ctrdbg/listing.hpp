// `ctrdbg --list`: running containers from every engine, read from disk so it
// works (and is fast) while dockerd is stopped or hung.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctrdbg/engines/docker_disk.hpp"
#include "ctrdbg/target.hpp"

namespace ctrdbg {

// Seconds a process has run, from its start time in clock ticks since boot and
// the system uptime in seconds (/proc/uptime).
std::uint64_t process_uptime(std::uint64_t start_ticks, double system_uptime, long ticks_per_second);

// "45s", "12m", "3h05m", "2d04h"
std::string format_uptime(std::uint64_t seconds);

// Pure formatters over already-collected targets (uptimes in seconds, same order).
std::string format_table(const std::vector<Target>& targets, const std::vector<std::uint64_t>& uptimes);
std::string format_json(const std::vector<Target>& targets, const std::vector<std::uint64_t>& uptimes);

// Collects from every engine on this host.
std::vector<Target> list_running(const DockerDiskLayout& docker);

}  // namespace ctrdbg
