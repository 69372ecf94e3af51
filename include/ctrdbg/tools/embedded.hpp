// The freestanding programs ctrdbg carries as bytes and stages for host tools
// (src/tools/launcher/): built first, embedded by src/reaper/embed.cmake.
#pragma once

#include <string_view>

namespace ctrdbg {

// ctrdbg-tool, the launcher every <tool dir>/bin/NAME of a host tool points to.
std::string_view tool_launcher_image();
// ctrdbg-env.so, which the sealed loader preloads into every host tool.
std::string_view tool_env_image();

}  // namespace ctrdbg
