#include "ctrdbg/error.hpp"

#include <cstring>

namespace ctrdbg {

void rethrow_as(const Error& e, const std::string& message) {
  if (dynamic_cast<const AmbiguousTarget*>(&e)) throw AmbiguousTarget(message, e.exit_code());
  if (dynamic_cast<const EngineUnavailable*>(&e)) throw EngineUnavailable(message, e.exit_code());
  throw Error(message, e.exit_code());
}

void rethrow_in_context(const Error& e, const std::string& what) { rethrow_as(e, what + ": " + e.what()); }

std::string errno_message(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

}  // namespace ctrdbg
