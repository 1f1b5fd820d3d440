#include "hostile_callers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "tls_peer.h"
#include "wire_abuse.h"

namespace meshup::chaos {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// Whether the peer has closed `fd` (end of file or a reset, nothing unread).
bool PeerClosed(int fd) {
  pollfd poll_fd = {fd, POLLIN, 0};
  if (poll(&poll_fd, 1, 0) <= 0) return false;
  if ((poll_fd.revents & (POLLHUP | POLLERR)) != 0) return true;
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace

HeldSockets::~HeldSockets() {
  for (int fd : fds_) close(fd);
}

bool HeldSockets::Open(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return false;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fds_.push_back(fd);
  return true;
}

int HeldSockets::ClosedByPeer() const {
  return static_cast<int>(std::count_if(fds_.begin(), fds_.end(), PeerClosed));
}

HeldSockets OpenSilent(int port, int count) {
  HeldSockets sockets;
  for (int i = 0; i < count; ++i) sockets.Open(port);
  return sockets;
}

Pipelined PipelineWithoutReading(int port, int connections, const std::string& request,
                                 size_t max_bytes, absl::Duration stall, absl::Time deadline) {
  Pipelined out;
  std::string burst;
  while (burst.size() < 16 * 1024) burst += request;
  for (int i = 0; i < connections; ++i) out.sockets.Open(port);
  uint64_t bytes = 0;
  for (int fd : out.sockets.fds()) {
    size_t sent = 0, offset = 0;  // offset: into `burst`, so requests stay whole
    absl::Time last_progress = absl::Now();
    while (sent < max_bytes && absl::Now() - last_progress < stall && absl::Now() < deadline) {
      const ssize_t n = send(fd, burst.data() + offset, burst.size() - offset, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        offset = (offset + static_cast<size_t>(n)) % burst.size();
        last_progress = absl::Now();
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        absl::SleepFor(absl::Milliseconds(5));
      } else {
        break;  // closed by the server
      }
    }
    bytes += sent;
  }
  out.requests = bytes / request.size();
  return out;
}

std::string Exchange(int port, const std::string& bytes, absl::Duration timeout) {
  HeldSockets socket;
  if (!socket.Open(port)) return "";
  const int fd = socket.fds()[0];
  const absl::Time deadline = absl::Now() + timeout;
  size_t sent = 0;
  while (sent < bytes.size() && absl::Now() < deadline) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::SleepFor(absl::Milliseconds(1));
    } else {
      break;
    }
  }
  std::string answer;
  char buffer[4096];
  while (absl::Now() < deadline) {
    pollfd poll_fd = {fd, POLLIN, 0};
    if (poll(&poll_fd, 1, 20) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return answer;
}

StreamFlood FloodStreams(int port, const std::string& identity_dir, const FloodOptions& options) {
  constexpr int kBatch = 200;
  const absl::Time start = absl::Now();
  StreamFlood flood;
  struct Connection {
    std::unique_ptr<TlsPeer> peer;
    uint32_t next_id = 1;  // client streams are odd
  };
  auto connect = [&]() -> std::unique_ptr<Connection> {
    if (flood.connections >= options.max_connections) return nullptr;
    absl::StatusOr<std::unique_ptr<TlsPeer>> peer =
        TlsPeer::Connect(port, identity_dir, absl::Seconds(5));
    if (!peer.ok() || !(*peer)->Write(Http2ClientStart())) return nullptr;
    // The server sends its SETTINGS first thing; acknowledge them once here.
    if (options.ack_settings &&
        ((*peer)->ReadSome(absl::Seconds(2)) == 0 || !(*peer)->Write(Http2SettingsAck()))) {
      return nullptr;
    }
    ++flood.connections;
    auto connection = std::make_unique<Connection>();
    connection->peer = *std::move(peer);
    return connection;
  };
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) connections.push_back(connect());
  size_t turn = 0;
  int failed_connects = 0;
  while (flood.streams < static_cast<uint64_t>(options.streams) &&
         absl::Now() < options.deadline - options.hold && failed_connects < 10) {
    std::unique_ptr<Connection>& connection = connections[turn++ % connections.size()];
    if (connection == nullptr) {
      connection = connect();
      if (connection == nullptr) ++failed_connects;
      continue;
    }
    std::string batch;
    const int count = std::min<int>(kBatch, options.streams - static_cast<int>(flood.streams));
    for (int s = 0; s < count; ++s) {
      batch += Http2EchoHeaders(connection->next_id, /*end_stream=*/false);
      if (options.reset) batch += Http2Cancel(connection->next_id);
      connection->next_id += 2;
    }
    if (!connection->peer->Write(batch)) {
      connection.reset();
      ++flood.closed_by_server;
      continue;
    }
    flood.streams += static_cast<uint64_t>(count);
    flood.bytes_read += connection->peer->Drain(absl::Milliseconds(1));
  }
  flood.took = absl::Now() - start;
  // Hold what the server keeps for these connections while it is measured.
  const absl::Time hold_until = std::min(absl::Now() + options.hold, options.deadline);
  while (absl::Now() < hold_until) {
    for (auto& connection : connections) {
      if (connection != nullptr)
        flood.bytes_read += connection->peer->Drain(absl::Milliseconds(10));
    }
    absl::SleepFor(absl::Milliseconds(1));  // when every connection is closed
  }
  return flood;
}

}  // namespace meshup::chaos
