#include "ctrdbg/http.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "ctrdbg/error.hpp"

namespace ctrdbg {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <typename T>
bool to_number(std::string_view s, T& out, int base = 10) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<HttpResponse> parse_http_response(std::string_view bytes, bool eof, size_t* consumed,
                                                size_t max_bytes) {
  auto need_more = [&]() -> std::optional<HttpResponse> {
    if (eof) throw Error("HTTP response truncated: connection closed early");
    if (bytes.size() > max_bytes) throw Error(fmt::format("HTTP response exceeds {} bytes", max_bytes));
    return std::nullopt;
  };
  size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return need_more();

  HttpResponse r;
  std::string_view head = bytes.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ') ||
      !to_number(status_line.substr(9, 3), r.status) || r.status < 100 || r.status > 599)
    throw Error(fmt::format("malformed HTTP status line '{}'", status_line.substr(0, 80)));

  std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t e = rest.find("\r\n");
    std::string_view line = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw Error(fmt::format("malformed HTTP header line '{}'", line.substr(0, 80)));
    r.headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  }

  std::string_view body = bytes.substr(head_end + 4);
  auto te = r.headers.find("transfer-encoding");
  auto cl = r.headers.find("content-length");
  if (te != r.headers.end() && lower(te->second) == "chunked") {
    size_t pos = 0;
    for (;;) {
      size_t e = body.find("\r\n", pos);
      if (e == std::string_view::npos) return need_more();
      std::string_view size_text = body.substr(pos, e - pos);
      size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
      size_t size = 0;
      if (!to_number(trim(size_text), size, 16) || size > max_bytes)
        throw Error(fmt::format("malformed HTTP chunk size '{}'", size_text.substr(0, 20)));
      pos = e + 2;
      if (size == 0) {
        // Trailers (none expected) end with an empty line.
        size_t end = body.find("\r\n", pos);
        while (end != std::string_view::npos && end != pos) {
          pos = end + 2;
          end = body.find("\r\n", pos);
        }
        if (end == std::string_view::npos) return need_more();
        if (consumed) *consumed = head_end + 4 + end + 2;
        return r;
      }
      if (body.size() - pos < size + 2) return need_more();
      if (body.substr(pos + size, 2) != "\r\n") throw Error("malformed HTTP chunk: missing CRLF");
      r.body.append(body.substr(pos, size));
      if (r.body.size() > max_bytes) throw Error(fmt::format("HTTP response exceeds {} bytes", max_bytes));
      pos += size + 2;
    }
  }
  if (cl != r.headers.end()) {
    size_t length = 0;
    if (!to_number(cl->second, length)) throw Error(fmt::format("malformed Content-Length '{}'", cl->second));
    if (length > max_bytes) throw Error(fmt::format("HTTP response exceeds {} bytes", max_bytes));
    if (body.size() < length) return need_more();
    r.body.assign(body.substr(0, length));
    if (consumed) *consumed = head_end + 4 + length;
    return r;
  }
  if (r.status == 204 || r.status == 304 || r.status < 200) {
    if (consumed) *consumed = head_end + 4;
    return r;
  }
  // No length: the body runs until the peer closes.
  if (!eof) return need_more();
  if (bytes.size() > max_bytes) throw Error(fmt::format("HTTP response exceeds {} bytes", max_bytes));
  r.body.assign(body);
  if (consumed) *consumed = bytes.size();
  return r;
}

UnixHttpClient::UnixHttpClient(std::string socket_path, Clock::time_point deadline)
    : path_(std::move(socket_path)), deadline_(deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path)) fail("socket path '{}' is too long", path_);
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd_) fail_errno("socket");
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    if (errno != EAGAIN && errno != EINPROGRESS) fail_errno("connect to {}", path_);
    if (!wait(POLLOUT)) fail("connect to {}: timed out", path_);
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw Error(errno_message(fmt::format("connect to {}", path_), err));
  }
}

// Waits for `events` until the deadline; false on timeout.
int UnixHttpClient::wait(short events) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0) return 0;
    pollfd p{fd_.get(), events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left + 1, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("poll {}", path_);
    if (n > 0) return 1;
  }
}

void UnixHttpClient::send_get(const std::string& path) {
  outgoing_ += fmt::format("GET {} HTTP/1.1\r\nHost: docker\r\nUser-Agent: ctrdbg/{}\r\n\r\n", path, CTRDBG_VERSION);
}

void UnixHttpClient::flush() {
  size_t sent = 0;
  while (sent < outgoing_.size()) {
    ssize_t n = ::send(fd_.get(), outgoing_.data() + sent, outgoing_.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      if (!wait(POLLOUT)) fail("request to {}: timed out", path_);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno("send to {}", path_);
    sent += static_cast<size_t>(n);
  }
  outgoing_.clear();
}

HttpResponse UnixHttpClient::receive() {
  flush();
  bool eof = false;
  for (;;) {
    size_t used = 0;
    std::optional<HttpResponse> r;
    try {
      r = parse_http_response(buffer_, eof, &used);
    } catch (const Error& e) {
      // Said the way every broken answer is said (docker_api.cpp), naming the socket.
      fail("broken answer from {}: {}", path_, e.what());
    }
    if (r) {
      buffer_.erase(0, used);
      return std::move(*r);
    }
    char chunk[16384];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      eof = true;
    } else if (errno == EAGAIN) {
      if (!wait(POLLIN)) fail("no answer from {} within the deadline", path_);
    } else if (errno != EINTR) {
      fail_errno("receive from {}", path_);
    }
  }
}

}  // namespace ctrdbg
