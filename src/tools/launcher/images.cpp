// The bytes of ctrdbg-tool and ctrdbg-env.so (src/tools/launcher/), embedded so
// that ctrdbg stays one file.
#include "ctrdbg/tools/embedded.hpp"

namespace ctrdbg {
namespace {

const unsigned char kLauncher[] = {
#include "tool_launcher_image.inc"
};
const unsigned char kEnv[] = {
#include "tool_env_image.inc"
};

}  // namespace

std::string_view tool_launcher_image() { return {reinterpret_cast<const char*>(kLauncher), sizeof kLauncher}; }
std::string_view tool_env_image() { return {reinterpret_cast<const char*>(kEnv), sizeof kEnv}; }

}  // namespace ctrdbg
