#include "ctrdbg/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

namespace ctrdbg {
namespace {
bool g_journal = false;
}

bool stderr_is_journal(const char* journal_stream) {
  if (!journal_stream || !*journal_stream) return false;
  std::uintmax_t dev = 0, ino = 0;
  if (std::sscanf(journal_stream, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) return false;
  struct stat st{};
  if (::fstat(STDERR_FILENO, &st) < 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

std::string log_line(LogLevel level, const std::string& message, bool journal) {
  std::string out;
  if (journal) out = "<" + std::to_string(static_cast<int>(level)) + ">";
  out += "ctrdbg: ";
  if (level == LogLevel::error) out += "error: ";
  if (level == LogLevel::warning) out += "warning: ";
  return out + message + "\n";
}

void log_set_journal(bool journal) { g_journal = journal; }

void log_message(LogLevel level, const std::string& message) {
  std::string line = log_line(level, message, g_journal);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace ctrdbg
