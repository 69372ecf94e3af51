// libFuzzer target: parse_http_response (include/ctrdbg/http.hpp), the parser
// behind UnixHttpClient. The input is the raw byte stream from the engine socket.
//
// Invariants checked:
//  - `consumed` never exceeds the input, and the body never exceeds `consumed` or max_bytes;
//  - header names are lower-cased;
//  - a response complete before EOF parses the same with EOF;
//  - a response complete before EOF parses the same from exactly its `consumed`
//    bytes (keep-alive reuse), and every shorter prefix asks for more bytes
//    (what UnixHttpClient::receive relies on when recv splits a response);
//  - pipelined responses: parsing the remainder again and again makes progress.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ctrdbg/http.hpp"
#include "fuzz_common.hpp"

namespace {

using ctrdbg::HttpResponse;

std::optional<HttpResponse> parse(std::string_view in, bool eof, size_t* consumed, size_t max_bytes = 16u << 20) {
  std::optional<HttpResponse> r;
  fuzz::run([&] { r = ctrdbg::parse_http_response(in, eof, consumed, max_bytes); });
  return r;
}

bool same(const HttpResponse& a, const HttpResponse& b) {
  return a.status == b.status && a.headers == b.headers && a.body == b.body;
}

void check_response(const HttpResponse& r, std::string_view in, size_t consumed, size_t max_bytes) {
  FUZZ_CHECK(consumed <= in.size(), "consumed %zu > input size %zu", consumed, in.size());
  FUZZ_CHECK(consumed >= 4, "consumed %zu: a response has at least a head and an empty line", consumed);
  FUZZ_CHECK(r.body.size() <= consumed, "body %zu bytes > consumed %zu", r.body.size(), consumed);
  FUZZ_CHECK(r.body.size() <= max_bytes, "body %zu bytes > max_bytes %zu", r.body.size(), max_bytes);
  FUZZ_CHECK(r.status >= 100 && r.status <= 599, "status %d", r.status);
  for (const auto& [name, value] : r.headers)
    FUZZ_CHECK(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
               "header name '%s' not lower-cased", name.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);

  // 1. As UnixHttpClient sees it while the connection is open.
  size_t consumed = SIZE_MAX;
  std::optional<HttpResponse> open = parse(in, false, &consumed);
  if (open) check_response(*open, in, consumed, 16u << 20);

  // 2. After the peer closed.
  size_t consumed_eof = SIZE_MAX;
  std::optional<HttpResponse> closed = parse(in, true, &consumed_eof);
  if (closed) check_response(*closed, in, consumed_eof, 16u << 20);
  if (open) {
    FUZZ_CHECK(closed.has_value(), "complete before EOF, but an error once the peer closed");
    FUZZ_CHECK(same(*open, *closed) && consumed == consumed_eof, "EOF changed a complete response");
  }

  // 3. A small max_bytes: the size limits must hold.
  size_t small_max = size / 2 + (size > 0 ? data[0] % 16 : 0);
  size_t consumed_small = SIZE_MAX;
  if (auto r = parse(in, true, &consumed_small, small_max)) check_response(*r, in, consumed_small, small_max);

  if (!open) return 0;

  // 4. Exactly the response's bytes parse to the same response.
  size_t again = SIZE_MAX;
  std::optional<HttpResponse> exact = parse(in.substr(0, consumed), false, &again);
  FUZZ_CHECK(exact.has_value(), "the response's own %zu bytes no longer parse", consumed);
  FUZZ_CHECK(same(*open, *exact) && again == consumed, "the response's own bytes parse differently");

  // 5. Every shorter prefix asks for more (sampled for long responses).
  auto prefix_needs_more = [&](size_t k) {
    std::optional<HttpResponse> p;
    try {
      size_t c = SIZE_MAX;
      p = ctrdbg::parse_http_response(in.substr(0, k), false, &c);
    } catch (const ctrdbg::Error& e) {
      FUZZ_CHECK(false, "prefix of %zu/%zu bytes throws '%s' though the whole response parses", k, consumed,
                 e.what());
    }
    FUZZ_CHECK(!p.has_value(), "prefix of %zu/%zu bytes already gives a response", k, consumed);
  };
  if (consumed <= 256) {
    for (size_t k = 0; k < consumed; ++k) prefix_needs_more(k);
  } else {
    for (size_t i = 0; i < 32; ++i) prefix_needs_more(consumed * i / 32);
    for (size_t k = consumed - 8; k < consumed; ++k) prefix_needs_more(k);
  }

  // 6. Pipelined responses behind it.
  std::string_view rest = in.substr(consumed);
  for (int n = 0; n < 64 && !rest.empty(); ++n) {
    size_t c = SIZE_MAX;
    auto next = parse(rest, false, &c);
    if (!next) break;
    check_response(*next, rest, c, 16u << 20);
    rest.remove_prefix(c);
  }
  return 0;
}
