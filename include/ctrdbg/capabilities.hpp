// Linux capabilities by name and number, and the five sets a process holds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrdbg {

inline constexpr int kLastKnownCapability = 40;  // CAP_CHECKPOINT_RESTORE

// "CAP_CHOWN" -> 0 ... "CAP_CHECKPOINT_RESTORE" -> 40; nullopt for anything else
// (exact, upper-case names as in OCI specs).
std::optional<int> capability_number(std::string_view name);
// 0 -> "CAP_CHOWN"; nullptr for a number without a name.
const char* capability_name(int number);

struct CapabilityMask {
  std::uint64_t mask = 0;
  std::vector<std::string> unknown;  // names skipped, in order (runc warns and skips them)
};
CapabilityMask capability_mask(std::span<const std::string> names);

struct CapabilitySets {
  std::uint64_t bounding = 0;
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t ambient = 0;
};

// The "CapBnd:\t000001ffffffffff" hex of /proc/PID/status; nullopt when malformed.
std::optional<std::uint64_t> parse_capability_hex(std::string_view hex);

}  // namespace ctrdbg
