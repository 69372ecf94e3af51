#include <doctest/doctest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "ctrdbg/audit.hpp"
#include "ctrdbg/error.hpp"
#include "ctrdbg/log.hpp"
#include "ctrdbg/recording.hpp"
#include "ctrdbg/relay.hpp"

using namespace ctrdbg;

TEST_CASE("log: journald priority prefixes only for the journal") {
  CHECK(log_line(LogLevel::error, "boom", false) == "ctrdbg: error: boom\n");
  CHECK(log_line(LogLevel::error, "boom", true) == "<3>ctrdbg: error: boom\n");
  CHECK(log_line(LogLevel::warning, "w", true) == "<4>ctrdbg: warning: w\n");
  CHECK(log_line(LogLevel::info, "i", true) == "<6>ctrdbg: i\n");
  CHECK_FALSE(stderr_is_journal(nullptr));
  CHECK_FALSE(stderr_is_journal(""));
  CHECK_FALSE(stderr_is_journal("garbage"));
  struct stat st{};
  REQUIRE(::fstat(2, &st) == 0);
  std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  CHECK(stderr_is_journal(mine.c_str()));
  std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  CHECK_FALSE(stderr_is_journal(other.c_str()));
}

TEST_CASE("audit: one line with every field, quoted where needed") {
  AuditRecord r;
  r.uid = 0;
  r.login_uid = "1000";
  r.tty = "/dev/pts/3";
  r.target = "web";
  r.engine = "docker";
  r.name = "web";
  r.id = std::string(64, 'a');
  r.pid = 4242;
  r.command = {"sh", "-c", "echo \"hi\"\nrm x"};
  r.mode = "pty";
  r.start = std::chrono::system_clock::time_point(std::chrono::seconds(1796020000));
  r.duration_s = 1.5;
  r.exit_status = 130;
  std::string line = format_audit(r);
  CHECK(line ==
        "session uid=0 loginuid=1000 tty=/dev/pts/3 target=web engine=docker name=web id=aaaaaaaaaaaa pid=4242 "
        "command=\"sh -c echo \\\"hi\\\"\\x0arm x\" mode=pty start=2026-11-30T06:26:40Z duration=1.500s exit=130");
  CHECK(line.find('\n') == std::string::npos);
  AuditRecord failed;
  failed.target = "nosuch";
  failed.mode = "no tty";
  std::string l2 = format_audit(failed);
  CHECK(l2.find("engine=- name=- id=- pid=0 command=(shell)") != std::string::npos);
  r.start = std::chrono::system_clock::time_point(std::chrono::seconds(1709251199));  // a leap day's last second
  CHECK(format_audit(r).find(" start=2024-02-29T23:59:59Z ") != std::string::npos);
  r.command = {std::string(2000, 'x')};
  CHECK(format_audit(r).size() < 800);
}

TEST_CASE("recording: UTF-8 boundaries and asciicast lines") {
  CHECK(utf8_complete_prefix("abc") == 3);
  CHECK(utf8_complete_prefix("") == 0);
  std::string euro = "\xe2\x82\xac";  // 3 bytes
  CHECK(utf8_complete_prefix("a" + euro) == 4);
  CHECK(utf8_complete_prefix("a" + euro.substr(0, 1)) == 1);
  CHECK(utf8_complete_prefix("a" + euro.substr(0, 2)) == 1);
  std::string emoji = "\xf0\x9f\x98\x80";  // 4 bytes
  CHECK(utf8_complete_prefix(emoji.substr(0, 3)) == 0);
  CHECK(utf8_complete_prefix("\xff") == 1);  // invalid: complete, replaced when written
  auto ev = nlohmann::json::parse(asciicast_event(1.25, 'o', "hi\r\n\x1b[0m"));
  CHECK(ev[0] == 1.25);
  CHECK(ev[1] == "o");
  CHECK(ev[2] == "hi\r\n\x1b[0m");
  CHECK(nlohmann::json::parse(asciicast_event(0, 'o', "\xff"))[2] == "\xef\xbf\xbd");
  auto h = nlohmann::json::parse(asciicast_header(100, 30, 1796020000, "xterm", "/bin/sh"));
  CHECK(h["version"] == 2);
  CHECK(h["width"] == 100);
  CHECK(h["height"] == 30);
  CHECK(h["env"]["TERM"] == "xterm");
}

TEST_CASE("escape key notation") {
  CHECK(parse_escape("^]") == 0x1d);
  CHECK(parse_escape("^a") == 0x01);
  CHECK(parse_escape("^A") == 0x01);
  CHECK(parse_escape("^?") == 0x7f);
  CHECK(parse_escape("~") == '~');
  CHECK(parse_escape("none") == -1);
  CHECK_THROWS_AS(parse_escape(""), Error);
  CHECK(parse_escape("^") == '^');  // a single character is itself
  CHECK_THROWS_AS(parse_escape("ab"), Error);
  CHECK_THROWS_AS(parse_escape("^1"), Error);
}
