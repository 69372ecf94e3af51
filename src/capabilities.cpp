#include "ctrdbg/capabilities.hpp"

#include <array>
#include <charconv>

namespace ctrdbg {
namespace {

constexpr std::array<const char*, kLastKnownCapability + 1> kCapabilityNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

}  // namespace

std::optional<int> capability_number(std::string_view name) {
  for (size_t i = 0; i < kCapabilityNames.size(); ++i)
    if (name == kCapabilityNames[i]) return static_cast<int>(i);
  return std::nullopt;
}

const char* capability_name(int number) {
  if (number < 0 || number > kLastKnownCapability) return nullptr;
  return kCapabilityNames[static_cast<size_t>(number)];
}

CapabilityMask capability_mask(std::span<const std::string> names) {
  CapabilityMask out;
  for (const auto& n : names) {
    if (auto c = capability_number(n))
      out.mask |= 1ULL << *c;
    else
      out.unknown.push_back(n);
  }
  return out;
}

std::optional<std::uint64_t> parse_capability_hex(std::string_view hex) {
  while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\t')) hex.remove_prefix(1);
  while (!hex.empty() && (hex.back() == ' ' || hex.back() == '\t' || hex.back() == '\n')) hex.remove_suffix(1);
  if (hex.empty() || hex.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  return v;
}

}  // namespace ctrdbg
