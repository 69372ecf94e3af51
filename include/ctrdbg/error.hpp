// One error type for everything that runs in the host-side ctrdbg process.
//
// An Error carries a one-line message that names the object and the reason
// ("setns `net` of pid 4242: Operation not permitted") and the exit code ctrdbg
// ends with. Context is added on the way up with Error::context(); main() prints
// it once as "ctrdbg: error: ...". Nothing below fork() throws: the child
// processes report (step, errno) over a socket instead (see session.cpp).
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace ctrdbg {

// Exit codes are interface (README "Exit status"); they follow docker exec / env(1).
namespace exit_code {
inline constexpr int ctrdbg_failed = 125;    // ctrdbg itself failed: bad usage, target, engine
inline constexpr int cannot_execute = 126;   // command found but could not be executed
inline constexpr int not_found = 127;        // command not found
inline constexpr int signal_base = 128;      // command killed by signal N -> 128 + N
}  // namespace exit_code

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit = exit_code::ctrdbg_failed)
      : std::runtime_error(message), exit_code_(exit) {}
  int exit_code() const noexcept { return exit_code_; }
  // Prefix the message with what was being done: "resolving `web`: <message>".
  Error context(const std::string& what) const { return Error(what + ": " + this->what(), exit_code_); }

 private:
  int exit_code_;
};

// The engine could not be asked (no socket, refused, no answer in time, garbage):
// the caller may try another source. A definitive answer ("no such container")
// is a plain Error.
class EngineUnavailable : public Error {
 public:
  using Error::Error;
};

// The engine knows several containers that TARGET could mean (an ID prefix, a
// containerd ID in two namespaces): a definitive answer, which the resolution of a
// bare TARGET must tell apart from "not here" without reading the message.
class AmbiguousTarget : public Error {
 public:
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void fail_ambiguous(fmt::format_string<Args...> f, Args&&... args) {
  throw AmbiguousTarget(fmt::format(f, std::forward<Args>(args)...));
}

// Throws an Error of e's own type (EngineUnavailable and AmbiguousTarget are caught by
// type further up) with `message` and e's exit code. Error::context() cannot do this:
// it returns a plain Error.
[[noreturn]] void rethrow_as(const Error& e, const std::string& message);
// rethrow_as(e, "what: " + e.what()).
[[noreturn]] void rethrow_in_context(const Error& e, const std::string& what);

// "what: strerror(err)"
std::string errno_message(const std::string& what, int err);

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

// Throws Error("<formatted>: <strerror(errno)>"), reading errno at the call.
template <typename... Args>
[[noreturn]] void fail_errno(fmt::format_string<Args...> f, Args&&... args) {
  int err = errno;
  throw Error(errno_message(fmt::format(f, std::forward<Args>(args)...), err));
}

}  // namespace ctrdbg
