#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "ctrdbg/listing.hpp"

using namespace ctrdbg;

TEST_CASE("listing: uptime from start ticks") {
  CHECK(process_uptime(1000, 100.0, 100) == 90);
  CHECK(process_uptime(20000, 100.0, 100) == 0);  // clock skew never goes negative
  CHECK(process_uptime(5, 100.0, 0) == 0);
  CHECK(format_uptime(0) == "0s");
  CHECK(format_uptime(59) == "59s");
  CHECK(format_uptime(60) == "1m");
  CHECK(format_uptime(3599) == "59m");
  CHECK(format_uptime(3600 + 5 * 60) == "1h05m");
  CHECK(format_uptime(2 * 86400 + 4 * 3600 + 59) == "2d04h");
}

TEST_CASE("listing: table and JSON carry engine, ID, name, PID, image, uptime") {
  Target a;
  a.engine = "docker";
  a.id = std::string(64, 'a');
  a.name = "web";
  a.pid = 4242;
  a.image = "nginx:1.25";
  Target b = a;
  b.id = std::string(64, 'b');
  b.name = "a-much-longer-name";
  b.pid = 7;
  b.image = "";
  std::string table = format_table({a, b}, {61, 3600});
  CHECK(table ==
        "ENGINE  ID            NAME                PID   IMAGE       UPTIME\n"
        "docker  aaaaaaaaaaaa  web                 4242  nginx:1.25  1m\n"
        "docker  bbbbbbbbbbbb  a-much-longer-name  7     -           1h00m\n");
  auto doc = nlohmann::json::parse(format_json({a, b}, {61, 3600}));
  REQUIRE(doc.size() == 2);
  CHECK(doc[0]["id"] == a.id);
  CHECK(doc[0]["name"] == "web");
  CHECK(doc[0]["pid"] == 4242);
  CHECK(doc[1]["uptime_seconds"] == 3600);
  CHECK(format_table({}, {}) == "ENGINE  ID  NAME  PID  IMAGE  UPTIME\n");
  CHECK(nlohmann::json::parse(format_json({}, {})).empty());
}
