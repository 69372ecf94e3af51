// ctrdbg's own messages: stderr only (stdout belongs to the command), one line
// each, "ctrdbg: error: ...". Under systemd (JOURNAL_STREAM names our stderr) each
// line carries a journald priority prefix ("<3>" error, "<4>" warning, "<6>" info)
// so the journal files it at the right level.
#pragma once

#include <string>

namespace ctrdbg {

enum class LogLevel { error = 3, warning = 4, info = 6 };

// True when JOURNAL_STREAM ("DEV:INODE") is the file stderr is connected to.
bool stderr_is_journal(const char* journal_stream);

// Formats one message line (with the trailing newline).
std::string log_line(LogLevel level, const std::string& message, bool journal);

// Writes to stderr; `journal` is decided once at start-up.
void log_message(LogLevel level, const std::string& message);
void log_set_journal(bool journal);

}  // namespace ctrdbg
