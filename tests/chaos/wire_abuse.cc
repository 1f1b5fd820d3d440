#include "wire_abuse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace meshup::chaos {
namespace {

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr char kNulInPath[] = "GET /met\0rics HTTP/1.1\r\nHost: x\r\n\r\n";

// A blocking loopback connection with send and receive timeouts; -1 on failure.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// An HTTP/2 frame.
std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload,
                  int declared_length = -1) {
  const uint32_t length =
      declared_length >= 0 ? static_cast<uint32_t>(declared_length) : payload.size();
  std::string frame;
  frame.push_back(static_cast<char>((length >> 16) & 0xff));
  frame.push_back(static_cast<char>((length >> 8) & 0xff));
  frame.push_back(static_cast<char>(length & 0xff));
  frame.push_back(static_cast<char>(type));
  frame.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  return frame + payload;
}

enum : uint8_t {
  kData = 0,
  kHeaders = 1,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kWindowUpdate = 8,
  kContinuation = 9
};
enum : uint8_t { kEndStream = 1, kEndHeaders = 4 };

std::string U32(uint32_t value) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
  return out;
}

// An HPACK literal header field without indexing, new name (lengths < 127).
std::string Literal(const std::string& name, const std::string& value) {
  return std::string(1, '\0') + static_cast<char>(name.size()) + name +
         static_cast<char>(value.size()) + value;
}

// A real gRPC request's headers: Echo.
std::string EchoRequestHeaders() {
  return Literal(":method", "POST") + Literal(":scheme", "https") +
         Literal(":path", "/meshup_test.everything.Everything/Echo") +
         Literal(":authority", "everything") + Literal("content-type", "application/grpc") +
         Literal("te", "trailers");
}

}  // namespace

std::vector<Abuse> MalformedHttp1() {
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  std::string many_headers = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&many_headers, "X-H", i, ": v\r\n");
  many_headers += "\r\n";
  std::string pipelined;
  for (int i = 0; i < 500; ++i) pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  return {
      {"garbage line", "GARBAGE\r\n\r\n"},
      {"binary", binary},
      {"1 MiB header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n"},
      {"100 KiB path", "GET /" + std::string(100 * 1024, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"5000 headers", many_headers},
      {"bad chunk size",
       "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n0\r\n\r\n"},
      {"huge chunk size",
       "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab"},
      {"negative content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nabc"},
      {"content-length and chunked",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"huge content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\nab"},
      {"unknown version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n"},
      {"no version", "GET /\r\n\r\n"},
      {"NUL in path", std::string(kNulInPath, sizeof(kNulInPath) - 1)},
      {"header without colon", "GET / HTTP/1.1\r\nHost x\r\nBroken\r\n\r\n"},
      {"bare LF", "GET /healthz HTTP/1.1\nHost: x\n\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n  b\r\n\r\n"},
      {"HTTP/2 preface", std::string(kPreface) + Frame(kSettings, 0, 0, "")},
      {"absolute URI", "GET http://evil.example/metrics HTTP/1.1\r\nHost: evil\r\n\r\n"},
      {"500 pipelined requests", pipelined},
      {"TLS ClientHello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + binary},
  };
}

std::vector<Abuse> MalformedHttp2() {
  const std::string settings = Frame(kSettings, 0, 0, "");
  const std::string start = std::string(kPreface) + settings;
  std::string pings = start, resets = start, continuation = start, rapid_reset = start;
  for (int i = 0; i < 1000; ++i) pings += Frame(kPing, 0, 0, std::string(8, static_cast<char>(i)));
  for (uint32_t i = 0; i < 500; ++i) resets += Frame(kRstStream, 0, 2 * i + 1, U32(8));
  continuation += Frame(kHeaders, 0, 1, EchoRequestHeaders());  // no END_HEADERS
  for (int i = 0; i < 1000; ++i) {
    continuation += Frame(kContinuation, 0, 1, Literal("x-flood", std::string(100, 'c')));
  }
  for (uint32_t i = 0; i < 1000; ++i) {
    rapid_reset += Frame(kHeaders, kEndHeaders, 2 * i + 1, EchoRequestHeaders());
    rapid_reset += Frame(kRstStream, 0, 2 * i + 1, U32(8));  // CANCEL
  }
  std::string random = kPreface;
  for (int i = 0; i < 8192; ++i) random.push_back(static_cast<char>((i * 73 + 11) & 0xff));
  return {
      {"SETTINGS of 5 bytes", std::string(kPreface) + Frame(kSettings, 0, 0, std::string(5, '\1'))},
      {"SETTINGS window 2^31", std::string(kPreface) +
                                   Frame(kSettings, 0, 0, std::string("\0\4", 2) + U32(0x80000000))},
      {"garbage HPACK", start + Frame(kHeaders, kEndHeaders, 1, std::string(64, '\xff'))},
      {"16 MiB frame declared", start + Frame(kData, 0, 1, "abc", 0xffffff)},
      {"WINDOW_UPDATE of 0", start + Frame(kWindowUpdate, 0, 0, U32(0))},
      {"DATA on stream 0", start + Frame(kData, 0, 0, "hello")},
      {"HEADERS on an even stream", start + Frame(kHeaders, kEndHeaders, 2, EchoRequestHeaders())},
      {"CONTINUATION alone", start + Frame(kContinuation, kEndHeaders, 1, "abc")},
      {"DATA past the window", start + Frame(kHeaders, kEndHeaders, 1, EchoRequestHeaders()) +
                                   Frame(kData, 0, 1, std::string(16384, 'd')) +
                                   Frame(kData, 0, 1, std::string(16384, 'd')) +
                                   Frame(kData, 0, 1, std::string(16384, 'd')) +
                                   Frame(kData, 0, 1, std::string(16384, 'd')) +
                                   Frame(kData, kEndStream, 1, std::string(16384, 'd'))},
      {"bad gRPC message length", start + Frame(kHeaders, kEndHeaders, 1, EchoRequestHeaders()) +
                                      Frame(kData, kEndStream, 1, std::string("\0\xff\xff\xff\xff", 5))},
      {"1000 PINGs", pings},
      {"500 RST_STREAM on idle streams", resets},
      {"CONTINUATION flood", continuation},
      {"rapid reset of 1000 Echo calls", rapid_reset},
      {"random bytes", random},
  };
}

std::string Http2ClientStart() { return std::string(kPreface) + Frame(kSettings, 0, 0, ""); }

std::string Http2SettingsAck() {
  constexpr uint8_t kAck = 1;
  return Frame(kSettings, kAck, 0, "");
}

std::string Http2EchoHeaders(uint32_t stream, bool end_stream) {
  return Frame(kHeaders, static_cast<uint8_t>(kEndHeaders | (end_stream ? kEndStream : 0)), stream,
               EchoRequestHeaders());
}

std::string Http2Cancel(uint32_t stream) { return Frame(kRstStream, 0, stream, U32(8)); }

int HoldConnections(int port, int count, absl::Duration hold) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    const int fd = Connect(port);
    if (fd >= 0) fds.push_back(fd);
  }
  absl::SleepFor(hold);
  for (int fd : fds) close(fd);
  return static_cast<int>(fds.size());
}

int ChurnConnections(int port, int count, const std::string& bytes) {
  int opened = 0;
  for (int i = 0; i < count; ++i) {
    const int fd = Connect(port);
    if (fd < 0) continue;
    ++opened;
    if (!bytes.empty()) SendAll(fd, bytes);
    close(fd);
  }
  return opened;
}

bool SendRaw(int port, const std::string& bytes, absl::Duration read_for) {
  const int fd = Connect(port);
  if (fd < 0) return false;
  SendAll(fd, bytes);
  const absl::Time deadline = absl::Now() + read_for;
  char buffer[16384];
  while (absl::Now() < deadline) {
    pollfd poll_fd = {fd, POLLIN, 0};
    if (poll(&poll_fd, 1, 50) <= 0) continue;
    if (recv(fd, buffer, sizeof(buffer), 0) <= 0) break;
  }
  close(fd);
  return true;
}

int SlowRequests(int port, int count, absl::Duration hold) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    const int fd = Connect(port);
    if (fd < 0) continue;
    SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    fds.push_back(fd);
  }
  absl::SleepFor(hold);
  for (int fd : fds) close(fd);
  return static_cast<int>(fds.size());
}

}  // namespace meshup::chaos
