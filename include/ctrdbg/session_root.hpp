// The session root: the container's own filesystem at `/`, plus the toolset at
// `/.ctrdbg`, visible only to this session.
//
// Runs in the forked helper after it has joined the container's mount namespace:
//   1. unshare(CLONE_NEWNS) and make every mount a slave, so nothing done here
//      propagates to the container (or, through shared peers, to the host);
//   2. keep an fd on the container's root, attach the staged toolset tmpfs on top
//      of `/` (move_mount) and chroot into it;
//   3. for every top-level entry of the container's root, make the same name in
//      the tmpfs and attach a recursive clone of the original there
//      (open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) + move_mount); copy symlinks
//      (targets up to PATH_MAX - 1 bytes). Any number of entries, any name: no
//      limit of ours; each entry but a symlink takes a mount, of which the kernel
//      allows fs.mount-max (100,000 by default) in the namespace;
//   4. (seal_session_root, once the toolset is filled) make the tmpfs itself
//      read-only, so a new top-level file fails loudly (EROFS) instead of
//      silently landing outside the container.
// The container's mount table and files are never touched: everything lives in the
// private mount namespace and goes away with its last process, even on SIGKILL.
#pragma once

#include "ctrdbg/step.hpp"

namespace ctrdbg {

// `tool_dir_name` is the toolset's top-level name in the tmpfs (".ctrdbg"); the
// container's own entry of that name stays hidden. Returns 0, or -1 with *f
// filled. No exceptions, runs after fork().
// Steps 1-3; the process is left in the session root.
int build_session_root(int toolset_root_fd, const char* tool_dir_name, StepFailure* f);
// Step 4.
int seal_session_root(StepFailure* f);

}  // namespace ctrdbg
