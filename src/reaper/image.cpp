// The bytes of ctrdbg-session (src/reaper/session_reaper.cpp), built first and
// embedded here (src/reaper/embed.cmake), so that ctrdbg stays one file and stages
// the reaper like busybox.
#include "ctrdbg/session_reaper.hpp"

namespace ctrdbg {
namespace {

const unsigned char kImage[] = {
#include "session_reaper_image.inc"
};

}  // namespace

std::string_view session_reaper_image() { return {reinterpret_cast<const char*>(kImage), sizeof kImage}; }

}  // namespace ctrdbg
