#include "ctrdbg/recording.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ctrdbg/error.hpp"
#include "ctrdbg/procfs.hpp"

namespace ctrdbg {

size_t utf8_complete_prefix(std::string_view bytes) {
  // Look back at most 3 bytes for the start of a sequence that runs past the end.
  size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: keep looking for the lead
    size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

std::string asciicast_event(double seconds, char kind, std::string_view data) {
  nlohmann::json text = std::string(data);
  return fmt::format("[{:.6f}, \"{}\", {}]\n", seconds, kind,
                     text.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string asciicast_header(unsigned cols, unsigned rows, std::int64_t unix_time, const std::string& term,
                             const std::string& shell) {
  nlohmann::json h = {{"version", 2}, {"width", cols}, {"height", rows}, {"timestamp", unix_time},
                      {"env", {{"TERM", term}, {"SHELL", shell}}}};
  return h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void Recorder::open(const std::string& path, unsigned cols, unsigned rows, const std::string& term) {
  // FILE is a regular file (created or truncated) or a fifo that a reader has open:
  // the recording streams into it. Anything else is refused by its type before it is
  // opened for writing (opening a device may do something: a tape rewinds, a serial
  // line waits for carrier). Every open is O_NONBLOCK: a fifo nobody reads would
  // otherwise hold ctrdbg in open() forever; with O_NONBLOCK it fails with ENXIO.
  struct stat st {};
  Fd probe(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (probe && ::fstat(probe.get(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
    fail("--record {}: not a regular file or a fifo ({})", path, file_type_name(st.st_mode));
  const bool was_fifo = probe && S_ISFIFO(st.st_mode);
  probe.reset();
  fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd_ && errno == ENXIO && was_fifo)
    fail("--record {}: a fifo with no reader (start the reader first, e.g. `cat {} > session.cast`)", path, path);
  if (!fd_) fail_errno("--record {}", path);
  // The path may have changed since the look above: check what was opened.
  if (::fstat(fd_.get(), &st) < 0) fail_errno("--record {}", path);
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    fd_.reset();
    fail("--record {}: not a regular file or a fifo ({})", path, file_type_name(st.st_mode));
  }
  // A reader that goes away must end the recording (EPIPE, one warning), not
  // ctrdbg: the relay ignores SIGPIPE too, and the command gets the default back
  // (session.cpp), so this only covers the header, written before the relay runs.
  if (S_ISFIFO(st.st_mode)) ::signal(SIGPIPE, SIG_IGN);
  path_ = path;
  start_ = std::chrono::steady_clock::now();
  write_line(asciicast_header(cols ? cols : 80, rows ? rows : 24,
                              std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count(),
                              term, "/.ctrdbg/bin/sh"));
  // A header that cannot be written (disk full) has already warned and stopped
  // the recording; the session itself goes ahead.
}

void Recorder::output(std::string_view bytes) {
  if (!active()) return;
  pending_.append(bytes);
  size_t whole = utf8_complete_prefix(pending_);
  if (whole == 0) return;
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  write_line(asciicast_event(t, 'o', std::string_view(pending_).substr(0, whole)));
  pending_.erase(0, whole);
}

void Recorder::resize(unsigned cols, unsigned rows) {
  if (!active()) return;
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  write_line(asciicast_event(t, 'r', fmt::format("{}x{}", cols, rows)));
}

void Recorder::close() {
  if (!active()) return;
  if (!pending_.empty()) {
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    write_line(asciicast_event(t, 'o', pending_));
    pending_.clear();
  }
  fd_.reset();
}

void Recorder::write_line(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    // The fd stays O_NONBLOCK: a fifo whose reader falls behind gives EAGAIN once
    // the pipe is full. The relay runs on this thread, so a blocking write would
    // freeze the session (typed keys, output, the escape) for as long as the reader
    // stalls. Wait for the reader, but only while it makes progress.
    if (n < 0 && errno == EAGAIN && reader_keeps_up()) continue;
    if (n <= 0) {
      // Never the session's problem: say so once and stop recording.
      const char* why = n == 0            ? "short write"
                        : errno == EAGAIN ? "its reader read nothing for a second"
                                          : std::strerror(errno);
      std::fprintf(stderr, "\r\nctrdbg: warning: recording to %s stopped: %s\r\n", path_.c_str(), why);
      fd_.reset();
      return;
    }
    done += static_cast<size_t>(n);
  }
}

bool Recorder::reader_keeps_up() {
  pollfd p{fd_.get(), POLLOUT, 0};
  auto deadline = std::chrono::steady_clock::now() + kReaderPatience;
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r > 0) return true;  // writable again, or POLLERR: the next write() says which
    break;
  }
  errno = EAGAIN;
  return false;
}

}  // namespace ctrdbg
