// libFuzzer target: the --record writer (include/ctrdbg/recording.hpp), which turns the
// bytes a container's command writes to its terminal into asciicast v2 lines:
// utf8_complete_prefix, asciicast_event, and Recorder itself (writing to a memfd).
//
// The input is the session's output; its first byte picks how it is cut into reads
// (so UTF-8 characters get split between them). Invariants checked:
//  - utf8_complete_prefix holds back at most 3 bytes, and only an unfinished sequence;
//  - every line the Recorder writes is valid JSON: the header object, then
//    [seconds, "o", text] events;
//  - for valid UTF-8 output, the events' texts put together are exactly the output
//    (a character cut by a read is written whole in the next event).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ctrdbg/recording.hpp"
#include "fuzz_common.hpp"

namespace {

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();  // strict: throws type_error 316 on invalid UTF-8
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

void check_prefix(std::string_view b) {
  size_t p = ctrdbg::utf8_complete_prefix(b);
  FUZZ_CHECK(p <= b.size() && b.size() - p <= 3, "prefix %zu of %zu bytes", p, b.size());
  if (p < b.size()) {
    auto lead = static_cast<unsigned char>(b[p]);
    size_t need = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
    FUZZ_CHECK(need > b.size() - p, "held back %zu bytes after a complete sequence (lead 0x%02x)", b.size() - p,
               lead);
    for (size_t i = p + 1; i < b.size(); ++i)
      FUZZ_CHECK((static_cast<unsigned char>(b[i]) & 0xC0) == 0x80, "held back a non-continuation byte");
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const size_t cut = data[0] % 8 + 1;  // read sizes 1..8 bytes
  const std::string_view out = fuzz::bytes(data + 1, size - 1);

  check_prefix(out);
  for (size_t i = 0; i < out.size() && i < 16; ++i) check_prefix(out.substr(0, out.size() - i));

  // One event alone.
  {
    std::string line = ctrdbg::asciicast_event(12.5, 'o', out);
    auto j = nlohmann::json::parse(line, nullptr, false);
    FUZZ_CHECK(!j.is_discarded() && j.is_array() && j.size() == 3 && j[2].is_string(), "event line is not JSON: %s",
               line.c_str());
  }

  // The Recorder, fed in small reads.
  static int memfd = ::memfd_create("fuzz-recording", MFD_CLOEXEC);
  FUZZ_CHECK(memfd >= 0, "memfd_create");
  const std::string path = "/proc/self/fd/" + std::to_string(memfd);
  ctrdbg::Recorder rec;
  fuzz::run([&] {
    rec.open(path, 80, 24, "xterm");
    for (size_t pos = 0; pos < out.size(); pos += cut) rec.output(out.substr(pos, cut));
    rec.close();
  });
  std::string file = read_all(memfd);
  std::string text;
  size_t lines = 0;
  for (size_t start = 0; start < file.size();) {
    size_t nl = file.find('\n', start);
    FUZZ_CHECK(nl != std::string::npos, "last line without a newline");
    auto j = nlohmann::json::parse(std::string_view(file).substr(start, nl - start), nullptr, false);
    FUZZ_CHECK(!j.is_discarded(), "line %zu is not JSON", lines + 1);
    if (lines == 0) {
      FUZZ_CHECK(j.is_object() && j.contains("version"), "no header line");
    } else {
      FUZZ_CHECK(j.is_array() && j.size() == 3 && j[0].is_number() && j[1] == "o" && j[2].is_string(),
                 "line %zu is no output event", lines + 1);
      text += j[2].get<std::string>();
    }
    ++lines;
    start = nl + 1;
  }
  FUZZ_CHECK(lines >= 1, "nothing written");
  if (valid_utf8(out)) FUZZ_CHECK(text == out, "recorded text differs from the output (%zu vs %zu bytes)", text.size(), out.size());
  return 0;
}
