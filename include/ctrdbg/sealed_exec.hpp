// ctrdbg re-executes itself from a read-only image before a session, so that no
// process of the session ever has the host's ctrdbg binary as a writable exe.
//
// Why. The session's reaper and its command appear in the container's PID namespace
// as clones of the helper, running ctrdbg's own image until their execve (a few
// microseconds; both are non-dumpable meanwhile). A process of the container that
// holds CAP_SYS_PTRACE (given to the container, or code of the container run by an
// open debug session, which holds it) may open /proc/<pid>/exe in that window, and
// with it the host's binary: runc CVE-2019-5736, where such an fd was used to rewrite
// runc on the host once it had exited. Executed from a private, read-only overlay of
// its own directory (as runc >= 1.2 does for itself), /proc/<pid>/exe is a file that
// cannot be opened for writing (EROFS) and cannot be made writable: an overlay
// without an upper layer is read-only whatever its mount flags. The overlay is
// detached (in no mount table) and goes away with the last process that runs it.
#pragma once

#include <string>

namespace ctrdbg {

// Returns if ctrdbg already runs from a read-only file (after the re-exec, or an
// installation on a read-only filesystem): then *note is empty. Otherwise re-executes
// /proc/self/exe from a private read-only overlay with `argv` and `envp` and does not
// return, or returns with *note saying why it could not (no overlayfs, no new mount
// API, a binary deleted or replaced since it was started): the session then runs
// unsealed, as before.
void exec_sealed_self(char** argv, char** envp, std::string* note);

}  // namespace ctrdbg
