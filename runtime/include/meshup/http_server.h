// An HTTP/1.1 server on libuv and http-parser, for the runtime's admin
// endpoints and for web frontends (bookinfo's productpage).
//
//   meshup::HttpServer server;
//   server.Handle("/health", [](const meshup::HttpRequest&) {
//     return meshup::HttpResponse::Text(200, "ok");
//   });
//   server.HandlePrefix("/api/", ApiHandler, {"GET"});
//   absl::StatusOr<int> port = server.Start("127.0.0.1", 0);  // 0: a free port
//   ...
//   server.Shutdown();
//
// Threads: one libuv loop thread does all socket I/O and parsing; handlers
// run on a pool of worker threads, and the response is handed back to the
// loop. The pool keeps `worker_threads` threads and starts more, up to
// `max_worker_threads`, whenever a request finds every thread busy, so a
// slow handler (one that makes RPCs) never holds up other requests; threads
// beyond `worker_threads` end after 10 s without work. A request that finds
// all `max_worker_threads` busy is answered 503 (Retry-After: 1) at once,
// never queued behind a slow handler. Handlers may be called concurrently
// and must be thread-safe; an exception escaping a handler answers 500. The
// server makes the process ignore SIGPIPE unless the application set a
// handler for it, so that a client hanging up mid-answer closes its
// connection, not the process.
//
// Routing: an exact path first, else the longest matching prefix, else 404.
// A route registered with methods answers 405 (with Allow) to any other
// method; GET allows HEAD, answered without a body.
//
// Connections: keep-alive (HTTP/1.1 by default, HTTP/1.0 on request);
// pipelined requests are answered in order, one at a time per connection.
// Limits: a request line plus headers over `max_header_bytes` answers 431,
// a body over `max_body_bytes` 413, malformed input 400 (whitespace before
// a header's colon included, RFC 9112 section 5.1; 505 for an HTTP version
// other than 1.x); each of these closes the connection after the answer.
// A new connection beyond `max_connections` takes the place of the open one
// idle longest (no request begun, waiting or being answered), which is
// closed; when every one is busy, the new one gets 503 and is closed.
// A connection must send its first request's headers within
// `header_timeout` of being accepted (a silent connection is closed then),
// and each later request's headers within `header_timeout` of its first
// byte; one that stays silent for `idle_timeout` (between requests, within a
// body, or not reading its answers) is closed without an answer.
// A client that pipelines requests without reading the answers is held to
// `max_pipelined_requests` requests read ahead and `max_unsent_response_bytes`
// of answers not yet taken by the kernel: past either, the server stops
// reading from it and runs no more of its requests until it reads, and
// closes it once it has read nothing for `idle_timeout`.
// An answer with a header field (name and value) over
// `max_response_header_bytes` (say, a cookie echoing user input) is replaced
// by a plain 500, as is one with a malformed header.
//
// Start() binds and listens (a numeric IPv4 or IPv6 host); errors name the
// address. Shutdown() closes the listener and every connection, lets running
// handlers return (their answers are dropped), and joins every thread; it is
// idempotent, and the destructor calls it. Handle*() may be called at any
// time from any thread. Start(), Shutdown() and the destructor must not be
// called from a handler.
#ifndef MESHUP_HTTP_SERVER_H_
#define MESHUP_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "meshup/http_message.h"

namespace meshup {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // The request line and header fields of one request, in bytes (at most
  // 80 KiB, http-parser's own limit).
  size_t max_header_bytes = 16 * 1024;
  // One request's body, in bytes, after de-chunking.
  size_t max_body_bytes = 1024 * 1024;
  // Open connections; beyond them an idle one is closed for a new one, or
  // the new one is answered 503 and closed.
  int max_connections = 1024;
  // Requests read from one connection and not yet answered; beyond it the
  // server stops reading that connection until it catches up.
  int max_pipelined_requests = 16;
  // Bytes of answers on one connection that the kernel has not yet taken
  // (the client is not reading); beyond it the server runs none of that
  // connection's requests and reads none until the client catches up. One
  // answer may exceed it.
  size_t max_unsent_response_bytes = 1024 * 1024;
  // One header field of an answer, name and value, in bytes (at least 1 KiB).
  size_t max_response_header_bytes = 8 * 1024;
  // Threads kept to run handlers.
  int worker_threads = 4;
  // Threads that may run handlers at once (at least `worker_threads`); a
  // request beyond them is answered 503 at once.
  int max_worker_threads = 256;
  // From a connection's accept until its first request's headers are
  // complete; from a later request's first byte until its headers are.
  absl::Duration header_timeout = absl::Seconds(10);
  // Silence allowed between requests on a kept-alive connection, while a
  // body is read, and while an answer waits for the client to read it.
  absl::Duration idle_timeout = absl::Seconds(60);
};

class HttpServer {
 public:
  // The server's state behind the API; opaque to users.
  struct Impl;

  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes requests for exactly `path` (or every path starting with `prefix`)
  // to `handler`. `methods` empty: any method. A later registration of the
  // same path replaces the earlier one.
  void Handle(absl::string_view path, HttpHandler handler, std::vector<std::string> methods = {});
  void HandlePrefix(absl::string_view prefix, HttpHandler handler,
                    std::vector<std::string> methods = {});

  // Binds `host`:`port` and serves; returns the port bound (the one picked
  // when `port` is 0). InvalidArgument for bad options or a host that is not
  // a numeric address, Unavailable naming the address when it cannot bind,
  // FailedPrecondition when already started.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops serving; see above. Idempotent.
  void Shutdown();
  // The bound port, or 0 when not serving.
  int port() const;

 private:
  friend class HttpServerAccess;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace meshup

#endif  // MESHUP_HTTP_SERVER_H_
