// Hostile input for a workload's ports, over loopback: floods of
// connections, and malformed HTTP/1.1 (for the admin port) and HTTP/2 (for
// the gRPC port, past the mTLS handshake, through TlsPeer) byte sequences.
// Every function is bounded in time and returns how many sequences it got
// onto the wire; none asserts anything: the test checks that the target
// survived.
#ifndef MESHUP_TESTS_CHAOS_WIRE_ABUSE_H_
#define MESHUP_TESTS_CHAOS_WIRE_ABUSE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshup::chaos {

struct Abuse {
  std::string name;
  std::string bytes;
};

// Malformed or hostile HTTP/1.1 requests (bad request lines, huge headers,
// bad chunking, conflicting lengths, NUL bytes, an HTTP/2 preface, ...).
std::vector<Abuse> MalformedHttp1();
// Malformed or hostile HTTP/2 sequences, each starting with the client
// preface (bad frame sizes, bad HPACK, flow-control violations, PING and
// CONTINUATION floods, rapid reset of real gRPC requests, ...).
std::vector<Abuse> MalformedHttp2();

// Pieces of HTTP/2 for attacks made by hand: the client preface with an
// empty SETTINGS; the ACK of the server's SETTINGS; the HEADERS of a real gRPC Echo
// call on `stream` (END_HEADERS, and END_STREAM when `end_stream`); an
// RST_STREAM CANCEL of `stream`.
std::string Http2ClientStart();
std::string Http2SettingsAck();
std::string Http2EchoHeaders(uint32_t stream, bool end_stream);
std::string Http2Cancel(uint32_t stream);

// Opens `count` TCP connections to 127.0.0.1:`port` at once, holds them for
// `hold`, and closes them; returns how many opened.
int HoldConnections(int port, int count, absl::Duration hold);
// Opens and closes `count` connections one after another, each sending
// `bytes` first (may be empty); returns how many opened.
int ChurnConnections(int port, int count, const std::string& bytes);
// Sends `bytes` on a new connection and reads the answer for up to
// `read_for` (until the peer closes); returns whether it connected.
bool SendRaw(int port, const std::string& bytes, absl::Duration read_for);
// Opens `count` connections that each send an unfinished request line and
// hold it for `hold` (slowloris); returns how many opened.
int SlowRequests(int port, int count, absl::Duration hold);

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_WIRE_ABUSE_H_
