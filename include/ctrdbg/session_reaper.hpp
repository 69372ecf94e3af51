// The session's reaper, ctrdbg-session (src/reaper/session_reaper.cpp): a tiny
// freestanding program that ctrdbg carries as bytes and stages into the session's
// tool directory. It is the parent of the command inside the container's PID
// namespace, a child subreaper, and ends every process of the session with it.
#pragma once

#include <string_view>

namespace ctrdbg {

// Its name in the tool directory (and so its name in `ps` inside the container).
inline constexpr const char* kSessionReaperName = "ctrdbg-session";

// The program's bytes (linked into the ctrdbg executable only: src/reaper/image.cpp).
std::string_view session_reaper_image();

}  // namespace ctrdbg
