#include "ctrdbg/error.hpp"

#include <cstring>

namespace ctrdbg {

std::string errno_message(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

}  // namespace ctrdbg
