// --record FILE: the interactive session in asciicast v2, the format asciinema
// plays: a JSON header line (terminal size, start time, TERM/SHELL), then one JSON
// array per event, [seconds, "o", text] for output and [seconds, "r", "COLSxROWS"]
// for a resize.
//
// The recording must never endanger the session: a write that fails (disk full,
// read-only, I/O error, a fifo's reader gone or stalled for a second) stops the
// recording with one warning, and the session goes on. Output bytes are split at UTF-8 character boundaries, so a character
// cut in two by a read is written whole in the next event instead of being
// mangled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {

// Length of the longest prefix of `bytes` that does not end inside a UTF-8
// sequence (invalid bytes count as complete: they are replaced when written).
size_t utf8_complete_prefix(std::string_view bytes);

// One event line: [t, "o", "..."] with t in seconds (6 decimals).
std::string asciicast_event(double seconds, char kind, std::string_view data);
// The header line.
std::string asciicast_header(unsigned cols, unsigned rows, std::int64_t unix_time, const std::string& term,
                             const std::string& shell);

class Recorder {
 public:
  Recorder() = default;
  // Opens FILE: a regular file (created or truncated), or a fifo a reader has open
  // (the recording streams into it). Throws Error before the session starts when it
  // cannot be created, is a fifo without a reader, or is another type (a directory,
  // a device, a socket). Never blocks.
  void open(const std::string& path, unsigned cols, unsigned rows, const std::string& term);
  bool active() const { return fd_.get() >= 0; }
  void output(std::string_view bytes);
  void resize(unsigned cols, unsigned rows);
  // Flushes a pending partial character at the end.
  void close();

 private:
  void write_line(const std::string& line);
  // After EAGAIN (a fifo's reader is behind): waits up to kReaderPatience for room.
  bool reader_keeps_up();
  static constexpr std::chrono::milliseconds kReaderPatience{1000};
  Fd fd_;
  std::string path_;
  std::string pending_;  // an incomplete UTF-8 sequence from the last output
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ctrdbg
