// Just enough HTTP/1.1 to ask a local engine one question over a unix socket.
//
// Why by hand: libcurl would do it, but it drags ~30 shared libraries (TLS, GSSAPI,
// LDAP, HTTP/2) into a process whose whole session budget is a few milliseconds,
// and it makes the static build (packaging) much harder. What the Docker Engine API
// needs is a GET with a status line, headers and a Content-Length or chunked body.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Pure parser over the bytes received so far. Returns nullopt while more bytes
// are needed (`eof` says the peer has closed). Throws Error on malformed input
// or a response larger than `max_bytes`. `consumed` (when given) receives the
// length of the response, for keep-alive reuse.
std::optional<HttpResponse> parse_http_response(std::string_view bytes, bool eof,
                                                size_t* consumed = nullptr,
                                                size_t max_bytes = 16u << 20);

// A keep-alive client on one unix-socket connection; every call shares one deadline.
class UnixHttpClient {
 public:
  using Clock = std::chrono::steady_clock;
  UnixHttpClient(std::string socket_path, Clock::time_point deadline);
  HttpResponse get(const std::string& path) {
    send_get(path);
    return receive();
  }
  // Pipelining: requests are queued back to back and go out together, in one
  // write, at flush() or at the next receive(); responses come in order. (One
  // write wakes the engine once: two cost a second wake-up and, on a small host,
  // a preemption of this process by the engine's first reply.)
  void send_get(const std::string& path);
  void flush();
  HttpResponse receive();
  const std::string& socket_path() const { return path_; }

 private:
  int wait(short events);
  std::string path_;
  Clock::time_point deadline_;
  Fd fd_;
  std::string outgoing_;
  std::string buffer_;
};

}  // namespace ctrdbg
