// The attacks of the hostile-callers scenario, each a caller that follows
// the protocol just enough to make a server hold something for it: sockets
// that never speak, pipelined requests whose answers are never read, HTTP/2
// streams opened and never finished, or opened and at once reset. Each is
// bounded by a count and a deadline, returns what it got onto the wire and
// asserts nothing: the test measures the target while it runs.
#ifndef MESHUP_TESTS_CHAOS_HOSTILE_CALLERS_H_
#define MESHUP_TESTS_CHAOS_HOSTILE_CALLERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshup::chaos {

// Plain TCP connections to loopback, closed when this is destroyed.
class HeldSockets {
 public:
  HeldSockets() = default;
  ~HeldSockets();
  HeldSockets(HeldSockets&& other) noexcept : fds_(std::move(other.fds_)) { other.fds_.clear(); }
  HeldSockets& operator=(HeldSockets&&) = delete;

  // Opens one more to 127.0.0.1:`port` (non-blocking); false when it failed.
  bool Open(int port);
  // How many are open; how many the server has closed by now.
  int size() const { return static_cast<int>(fds_.size()); }
  int ClosedByPeer() const;
  const std::vector<int>& fds() const { return fds_; }

 private:
  std::vector<int> fds_;
};

// Opens `count` connections that never send a byte.
HeldSockets OpenSilent(int port, int count);

// Opens `connections` connections and pipelines `request` on each, never
// reading, until the server stops taking bytes for `stall` or `max_bytes`
// went, or `deadline`. The sockets stay open.
struct Pipelined {
  HeldSockets sockets;
  uint64_t requests = 0;  // complete requests sent, all connections
};
Pipelined PipelineWithoutReading(int port, int connections, const std::string& request,
                                 size_t max_bytes, absl::Duration stall, absl::Time deadline);

// Sends `bytes` on a new connection and returns what came back before the
// peer closed or `timeout` passed.
std::string Exchange(int port, const std::string& bytes, absl::Duration timeout);

// HTTP/2 streams of gRPC Echo calls over mTLS (the client identity in
// `identity_dir`), sent in batches over `connections` connections at once,
// with what the server answers read between batches. Without `reset` each
// stream stays open (HEADERS without END_STREAM); with it each is cancelled
// (RST_STREAM) right after its HEADERS: rapid reset. A connection the server
// closes is replaced by a new one, up to `max_connections` in all. Stops
// after `streams` or at `deadline` - `hold`, then holds the connections open
// for `hold` (reading) and closes them.
struct FloodOptions {
  int connections = 1;
  int max_connections = 100;
  int streams = 1000;
  bool reset = false;
  // Whether to acknowledge the server's SETTINGS (its stream limit among
  // them), as a well-behaved client does.
  bool ack_settings = true;
  absl::Time deadline = absl::InfiniteFuture();
  absl::Duration hold = absl::ZeroDuration();
};
struct StreamFlood {
  int connections = 0;       // mTLS handshakes that succeeded
  uint64_t streams = 0;      // HEADERS sent
  uint64_t bytes_read = 0;   // what the server answered
  int closed_by_server = 0;  // connections the server ended before we did
  absl::Duration took;       // until the last HEADERS was sent
};
StreamFlood FloodStreams(int port, const std::string& identity_dir, const FloodOptions& options);

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_HOSTILE_CALLERS_H_
