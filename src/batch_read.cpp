#include "ctrdbg/batch_read.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include "ctrdbg/fd.hpp"

namespace ctrdbg {

// Each request is three linked entries: open into fixed-file slot i, read from
// the slot (hard-linked, so the close runs even after a short read or an error),
// close the slot. Every entry posts its own completion, tagged with its request
// and step, so a batch is over when 3 x n completions have arrived and every slot
// is free again.
struct BatchReader::Ring {
  io_uring ring{};
  enum Step : unsigned { open_step, read_step, close_step };
  static std::uint64_t tag(size_t request, Step step) { return request * 4 + step; }
};

namespace {
// SUBMIT_ALL (5.18) keeps submitting past an entry that fails early; sparse file
// tables (5.19) are the newest feature used, so 5.19 is where the ring starts.
constexpr unsigned kRingFlags = IORING_SETUP_SUBMIT_ALL;
}  // namespace

BatchReader::BatchReader(unsigned max_batch, bool use_ring) : max_batch_(max_batch ? max_batch : 1) {
  if (!use_ring) return;
  auto r = std::make_unique<Ring>();
  if (io_uring_queue_init(max_batch_ * 3, &r->ring, kRingFlags) < 0) return;
  if (io_uring_register_files_sparse(&r->ring, max_batch_) < 0) {
    io_uring_queue_exit(&r->ring);
    return;
  }
  ring_ = std::move(r);
}

BatchReader::~BatchReader() {
  if (ring_) io_uring_queue_exit(&ring_->ring);
}

void BatchReader::read_one_by_one(std::span<Request> requests) {
  for (Request& q : requests) {
    Fd fd(::openat(q.dirfd, q.path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));  // a fifo cannot hold the open
    if (!fd) {
      q.result = -errno;
      continue;
    }
    ssize_t n;
    do n = ::read(fd.get(), q.buf.data(), q.buf.size());
    while (n < 0 && errno == EINTR);
    q.result = n < 0 ? -errno : n;
  }
}

void BatchReader::read(std::span<Request> requests) {
  if (requests.size() > max_batch_) {  // a caller's mistake: served in pieces
    read(requests.first(max_batch_));
    read(requests.subspan(max_batch_));
    return;
  }
  if (!ring_) return read_one_by_one(requests);
  io_uring* ring = &ring_->ring;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& q = requests[i];
    const auto slot = static_cast<unsigned>(i);
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    // Direct descriptors never enter the fd table, so they cannot leak into a child.
    io_uring_prep_openat_direct(sqe, q.dirfd, q.path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, slot);
    sqe->flags |= IOSQE_IO_LINK;  // the read runs only after a successful open
    io_uring_sqe_set_data64(sqe, Ring::tag(i, Ring::open_step));
    sqe = io_uring_get_sqe(ring);
    io_uring_prep_read(sqe, static_cast<int>(slot), q.buf.data(), static_cast<unsigned>(q.buf.size()), 0);
    sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
    io_uring_sqe_set_data64(sqe, Ring::tag(i, Ring::read_step));
    sqe = io_uring_get_sqe(ring);
    io_uring_prep_close_direct(sqe, slot);
    io_uring_sqe_set_data64(sqe, Ring::tag(i, Ring::close_step));
  }
  const unsigned entries = static_cast<unsigned>(requests.size()) * 3;
  int submitted;
  do submitted = io_uring_submit_and_wait(ring, entries);
  while (submitted == -EINTR);
  if (submitted != static_cast<int>(entries)) {
    // The kernel refused (or took only part of) the batch: wait for what it took,
    // give the ring up, and read everything here one by one.
    for (int seen = 0; seen < submitted; ++seen) {
      io_uring_cqe* cqe;
      while (io_uring_wait_cqe(ring, &cqe) == -EINTR) {
      }
      io_uring_cqe_seen(ring, cqe);
    }
    io_uring_queue_exit(ring);
    ring_.reset();
    return read_one_by_one(requests);
  }
  std::vector<int> open_error(requests.size(), 0);
  for (unsigned seen = 0; seen < entries; ++seen) {
    io_uring_cqe* cqe;
    while (io_uring_wait_cqe(ring, &cqe) == -EINTR) {
    }
    const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
    const size_t i = tag / 4;
    if (tag % 4 == Ring::open_step && cqe->res < 0) open_error[i] = cqe->res;
    if (tag % 4 == Ring::read_step) requests[i].result = cqe->res;
    io_uring_cqe_seen(ring, cqe);
  }
  // A failed open cancels its read (-ECANCELED): the open's error is the one to report.
  for (size_t i = 0; i < requests.size(); ++i)
    if (open_error[i]) requests[i].result = open_error[i];
}

}  // namespace ctrdbg
