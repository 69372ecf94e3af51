// Image tools (--image IMAGE): the root filesystem of an image from the local
// store, mounted read-only at <tool dir>/image in the session only, with its
// programs on PATH (<tool dir>/ibin, after <tool dir>/bin).
//
// The image is never pulled and no daemon is asked: its layers come from Docker's
// layer store on disk (image_store.hpp) and are stacked as an overlay made with
// the new mount API (one `lowerdir+` per layer, so any number of layers; a single
// layer is a read-only clone of its directory), read-only, nosuid, nodev. The
// overlay honours the layers' whiteouts and opaque directories itself, and ctrdbg
// reads the image through that detached mount — symlinks resolved inside it with
// openat2(RESOLVE_IN_ROOT) — before the session's helper attaches it.
//
// Its programs cannot simply be put on PATH: the kernel would look their loader
// (PT_INTERP) and a script's interpreter up in the container's root. So each name
// in the image's PATH gets <tool dir>/ibin/NAME, a link to the launcher, and one
// record in <tool dir>/tools/image.launch:
//   a static program       exec'd as it is, at its path in the image;
//   a dynamic program      the image's own glibc loader, sealed like the host's
//                          (host_tools.hpp), with the image's library directories;
//   a `#!` script          its interpreter from the image (either of the above),
//                          with the script as its argument, as the kernel would.
// The image's libc.so.6 and libcrypto.so.3 are copied with their module paths
// sealed and come first in the library path. An image whose programs need another
// loader (musl's) is refused with the reason.
#pragma once

#include <string>
#include <vector>

#include "ctrdbg/fd.hpp"
#include "ctrdbg/tools/host_tools.hpp"

namespace ctrdbg {

struct ImageProgram {
  std::string name;     // in ibin/
  std::string path;     // canonical path inside the image ("/usr/bin/curl")
  enum Kind { static_elf, dynamic_elf, script } kind = static_elf;
  std::string interpreter;       // script: canonical path of its interpreter in the image
  std::string interpreter_arg;   // script: the optional argument on the #! line
  std::string interpreter_name;  // script: the interpreter as the #! line names it (its argv[0])
  bool interpreter_dynamic = false;
};

struct ImageTools {
  std::string reference, shown;         // as given; "name:tag (sha256:...)"
  std::vector<std::string> layer_dirs;  // bottom first
  Fd root;                              // the detached read-only overlay (or clone)
  bool have_loader = false;
  std::string loader_path;              // canonical path of its glibc loader in the image
  GlibcLoader loader;
  std::string loader_bytes;             // to be copied, then patched
  std::vector<std::string> lib_dirs;    // canonical library directories in the image
  struct SealedLib {
    std::string soname;
    Fd file;  // opened in the image, copied at staging
    std::vector<Patch> patches;
  };
  std::vector<SealedLib> sealed_libs;   // copies that come first in the library path
  std::vector<ImageProgram> programs;
  std::vector<std::string> skipped;     // for -v: names left out, and why
};

// Finds IMAGE in Docker's store under data_root, mounts it (detached) and reads its
// programs. `taken`: names the toolset already has in bin/ (they come first on
// PATH; the image's are still reachable by their path under <tool dir>/image).
// Throws Error naming the image and the reason.
ImageTools prepare_image_tools(const std::string& data_root, const std::string& reference,
                               const std::vector<std::string>& taken);

// The launch file for ibin/ (tag/value pairs as launch_file(); one `prog NAME`
// record per program).
std::string image_launch_file(const ImageTools& image, const std::string& tool_dir);

}  // namespace ctrdbg
