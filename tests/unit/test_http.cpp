// parse_http_response: the pure HTTP/1.1 response parser behind UnixHttpClient.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "ctrdbg/error.hpp"
#include "ctrdbg/http.hpp"

using ctrdbg::Error;
using ctrdbg::HttpResponse;
using ctrdbg::parse_http_response;

namespace {

// Parses a complete response, requiring success; returns it with `consumed`.
HttpResponse parse_all(std::string_view bytes, size_t* consumed = nullptr, bool eof = false) {
  auto r = parse_http_response(bytes, eof, consumed);
  REQUIRE(r.has_value());
  return *r;
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "1;name=value\r\n,\r\n"  // chunk extension
    "7\r\n world!\r\n"
    "0\r\n"
    "\r\n";

}  // namespace

TEST_CASE("http: Content-Length body, status and lower-cased headers") {
  std::string raw =
      "HTTP/1.1 200 OK\r\n"
      "Api-Version: 1.43\r\n"
      "Content-Type:text/plain\r\n"
      "Docker-Experimental:   false  \r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "OK";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw, &consumed);
  CHECK(r.status == 200);
  CHECK(r.body == "OK");
  CHECK(consumed == raw.size());
  CHECK(r.headers.at("api-version") == "1.43");
  CHECK(r.headers.at("content-type") == "text/plain");
  CHECK(r.headers.at("docker-experimental") == "false");  // surrounding blanks trimmed
  CHECK(r.headers.count("Api-Version") == 0);
}

TEST_CASE("http: body bytes beyond Content-Length are not part of the response") {
  std::string raw = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabcEXTRA";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw, &consumed);
  CHECK(r.status == 404);
  CHECK(r.body == "abc");
  CHECK(consumed == raw.size() - 5);
}

TEST_CASE("http: Content-Length: 0") {
  std::string raw = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw, &consumed);
  CHECK(r.body.empty());
  CHECK(consumed == raw.size());
}

TEST_CASE("http: chunked body with several chunks and an extension") {
  size_t consumed = 0;
  HttpResponse r = parse_all(kChunked, &consumed);
  CHECK(r.status == 200);
  CHECK(r.body == "hello, world!");
  CHECK(consumed == kChunked.size());
  CHECK(r.headers.at("transfer-encoding") == "chunked");
}

TEST_CASE("http: chunk sizes are hexadecimal, either case") {
  std::string payload(26, 'x');
  std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n" + payload + "\r\n0\r\n\r\n";
  CHECK(parse_all(raw).body == payload);
  std::string upper = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n" + payload + "\r\n0\r\n\r\n";
  CHECK(parse_all(upper).body == payload);
}

TEST_CASE("http: Transfer-Encoding value is case-insensitive and wins over Content-Length") {
  std::string raw =
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw, &consumed);
  CHECK(r.body == "abc");
  CHECK(consumed == raw.size());
}

TEST_CASE("http: chunked body with trailers") {
  std::string raw =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\ndata\r\n"
      "0\r\n"
      "X-Trailer: one\r\n"
      "X-Other: two\r\n"
      "\r\n";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw + "HTTP/1.1 204 No Content\r\n\r\n", &consumed);
  CHECK(r.body == "data");
  CHECK(consumed == raw.size());

  // Trailers not finished yet: more bytes are needed.
  std::string partial = raw.substr(0, raw.size() - 2);
  CHECK_FALSE(parse_http_response(partial, false).has_value());
}

TEST_CASE("http: incomplete input asks for more") {
  const std::string full = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  // Every strict prefix of a complete response is incomplete, not an error.
  for (size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    size_t consumed = 12345;
    CHECK_FALSE(parse_http_response(std::string_view(full).substr(0, n), false, &consumed).has_value());
    CHECK(consumed == 12345);  // untouched while incomplete
  }
  CHECK(parse_http_response(full, false).has_value());

  SUBCASE("status line only") {
    CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n", false).has_value());
  }
  SUBCASE("half a chunk") {
    CHECK_FALSE(
        parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false).has_value());
  }
  SUBCASE("chunk data without its CRLF") {
    CHECK_FALSE(
        parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello", false).has_value());
  }
  SUBCASE("chunk size line not finished") {
    CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5", false).has_value());
  }
  SUBCASE("last chunk without the final CRLF") {
    CHECK_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", false)
                    .has_value());
  }
}

TEST_CASE("http: every prefix of a chunked response is incomplete") {
  for (size_t n = 0; n < kChunked.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(parse_http_response(std::string_view(kChunked).substr(0, n), false).has_value());
  }
}

TEST_CASE("http: pipelined responses parse back to back through `consumed`") {
  std::string first = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK";
  std::string second = kChunked;
  std::string third = "HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n{\"message\":1}";
  std::string buffer = first + second + third;

  size_t used = 0;
  HttpResponse a = parse_all(buffer, &used);
  CHECK(a.body == "OK");
  CHECK(used == first.size());
  buffer.erase(0, used);

  HttpResponse b = parse_all(buffer, &used);
  CHECK(b.body == "hello, world!");
  CHECK(used == second.size());
  buffer.erase(0, used);

  HttpResponse c = parse_all(buffer, &used);
  CHECK(c.status == 404);
  CHECK(c.body == "{\"message\":1}");
  CHECK(used == third.size());
  buffer.erase(0, used);
  CHECK(buffer.empty());
}

TEST_CASE("http: 204, 304 and 1xx have no body") {
  std::string raw = "HTTP/1.1 204 No Content\r\nServer: Docker\r\n\r\n";
  size_t consumed = 0;
  HttpResponse r = parse_all(raw + "HTTP/1.1 200 OK\r\n", &consumed);
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(consumed == raw.size());

  std::string nm = "HTTP/1.1 304 Not Modified\r\n\r\n";
  CHECK(parse_all(nm, &consumed).status == 304);
  CHECK(consumed == nm.size());
}

TEST_CASE("http: no length, body runs until the peer closes") {
  std::string raw = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body\nmore";
  CHECK_FALSE(parse_http_response(raw, false).has_value());
  size_t consumed = 0;
  auto r = parse_http_response(raw, true, &consumed);
  REQUIRE(r.has_value());
  CHECK(r->body == "some body\nmore");
  CHECK(consumed == raw.size());

  auto empty = parse_http_response("HTTP/1.1 200 OK\r\n\r\n", true);
  REQUIRE(empty.has_value());
  CHECK(empty->body.empty());
}

TEST_CASE("http: malformed status line") {
  for (const char* raw : {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 20\r\n\r\n",
                          "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n",
                          "SSH-2.0-OpenSSH_9.6\r\n\r\n", "hello\r\n\r\n", "\r\n\r\n"}) {
    CAPTURE(raw);
    CHECK_THROWS_AS(parse_http_response(raw, false), Error);
  }
  try {
    parse_http_response("HTTP/1.1 xyz\r\n\r\n", false);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("status line") != std::string::npos);
    CHECK(e.exit_code() == 125);
  }
}

TEST_CASE("http: a status code is exactly three digits") {
  // "2000" is not a status code; it must not be read as 200.
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", false), Error);
}

TEST_CASE("http: malformed header line") {
  CHECK_THROWS_WITH_AS(parse_http_response("HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n", false),
                       doctest::Contains("NoColonHere"), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\n: value\r\n\r\n", false), Error);
}

TEST_CASE("http: malformed Content-Length") {
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", false), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", false), Error);
}

TEST_CASE("http: malformed chunk size") {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* chunk : {"zz\r\nab\r\n0\r\n\r\n", "\r\nab\r\n0\r\n\r\n", "-2\r\nab\r\n0\r\n\r\n",
                            "0x2\r\nab\r\n0\r\n\r\n"}) {
    CAPTURE(chunk);
    CHECK_THROWS_WITH_AS(parse_http_response(head + chunk, false), doctest::Contains("chunk size"), Error);
  }
}

TEST_CASE("http: bad CRLF after chunk data") {
  const std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n";
  CHECK_THROWS_WITH_AS(parse_http_response(raw, false), doctest::Contains("CRLF"), Error);
  // Chunk longer than its announced size.
  CHECK_THROWS_AS(
      parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", false), Error);
}

TEST_CASE("http: eof before the response is complete") {
  CHECK_THROWS_WITH_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234", true),
                       doctest::Contains("truncated"), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Le", true), Error);
  CHECK_THROWS_AS(parse_http_response("", true), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true), Error);
  CHECK_THROWS_AS(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true),
                  Error);
}

TEST_CASE("http: responses larger than max_bytes") {
  // Announced Content-Length above the limit: refused before the body arrives.
  CHECK_THROWS_WITH_AS(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", false, nullptr, 100),
                       doctest::Contains("exceeds"), Error);
  // Exactly the limit is fine.
  std::string body(100, 'b');
  auto ok = parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body, false, nullptr, 100);
  REQUIRE(ok.has_value());
  CHECK(ok->body == body);

  // Chunked: the sum of the chunks counts, not each chunk.
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "28\r\n" + std::string(40, 'c') + "\r\n";  // 3 x 40 = 120
  chunked += "0\r\n\r\n";
  CHECK_THROWS_AS(parse_http_response(chunked, false, nullptr, 100), Error);
  // A single chunk announced above the limit.
  CHECK_THROWS_AS(
      parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n", false, nullptr, 100),
      Error);
  // Headers that never end: refused once the buffer passes the limit.
  std::string endless = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(200, 'p');
  CHECK_THROWS_WITH_AS(parse_http_response(endless, false, nullptr, 100), doctest::Contains("exceeds"), Error);
  // Unbounded body without a length: refused once the buffer passes the limit.
  std::string unbounded = "HTTP/1.1 200 OK\r\n\r\n" + std::string(200, 'u');
  CHECK_THROWS_AS(parse_http_response(unbounded, false, nullptr, 100), Error);
}

TEST_CASE("http: a body without length that exceeds the limit is refused at EOF (fuzz finding)") {
  std::string response = "HTTP/1.1 200 OK\r\n\r\n" + std::string(64, 'x');
  CHECK_THROWS_AS(ctrdbg::parse_http_response(response, true, nullptr, 32), ctrdbg::Error);
  CHECK(ctrdbg::parse_http_response(response, true, nullptr, 1024)->body.size() == 64);
}
