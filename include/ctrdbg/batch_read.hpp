// Reading many small files with few system calls.
//
// --list reads three small files per container (config.v2.json, runc's
// state.json, /proc/PID/stat): at 2,000 containers that is 18,000 openat, read
// and close calls, and on a VM every system call pays for a trap. (Setting a ring
// up costs ~0.2 ms; callers use one from about 64 containers on.) A BatchReader
// hands a batch of files to the kernel at once through io_uring: per file an
// open into a fixed-file slot, a read into the caller's buffer and a close of
// the slot, linked in that order, the whole batch in one io_uring_enter.
//
// Fallback: when io_uring cannot be set up (Linux before 5.19, which lacks sparse
// fixed-file tables; io_uring disabled by the kernel.io_uring_disabled sysctl; or
// filtered by a seccomp policy) the same requests are served one file at a time
// with openat, read and close. The results are the same either way.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <span>

namespace ctrdbg {

class BatchReader {
 public:
  struct Request {
    int dirfd = -1;            // the directory `path` is relative to (or AT_FDCWD)
    const char* path = "";     // must stay valid until read() returns
    std::span<char> buf;       // one read of at most buf.size() bytes, from offset 0
    ssize_t result = 0;        // after read(): bytes read, or -errno (open or read)
    // Whether the whole file is in buf (a read shorter than the buffer).
    bool complete() const { return result >= 0 && static_cast<size_t>(result) < buf.size(); }
  };

  // Up to `max_batch` requests per read(). With `use_ring` false, or when io_uring
  // is not available, files are read one by one.
  explicit BatchReader(unsigned max_batch, bool use_ring = true);
  ~BatchReader();
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  bool uses_ring() const { return ring_ != nullptr; }
  unsigned max_batch() const { return max_batch_; }

  // Reads every request (at most max_batch()); each gets its own result. Files
  // are opened O_RDONLY | O_NOCTTY, as openat(2) would open them.
  void read(std::span<Request> requests);

 private:
  struct Ring;
  void read_one_by_one(std::span<Request> requests);
  unsigned max_batch_;
  std::unique_ptr<Ring> ring_;
};

}  // namespace ctrdbg
