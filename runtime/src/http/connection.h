// One accepted HTTP connection on the server's libuv loop: reads and parses
// requests, hands them one at a time to its owner (which runs the handler
// elsewhere and calls OnResponse() on the loop thread), writes answers in
// request order, and enforces the timeouts and limits of HttpServerOptions.
// Back-pressure: it reads no more while `max_pipelined_requests` requests
// wait or `max_unsent_response_bytes` of answers are unsent, and parses
// what it has read only up to that many requests, keeping the rest.
//
// Lifetime: made by the owner, which keeps it until Forget(id) (the
// connection is closing: no more OnResponse) and is told Released() once its
// memory is gone. Every method runs on the loop thread.
#ifndef MESHUP_SRC_HTTP_CONNECTION_H_
#define MESHUP_SRC_HTTP_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "http/request_parser.h"
#include "meshup/http_server.h"
#include "uv.h"

namespace meshup::internal {

class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  virtual const HttpServerOptions& options() const = 0;
  // Runs the handler for `request`; the answer must come back through the
  // connection's OnResponse() on the loop thread, unless Forget(id) came
  // first. False: no handler can run now (the connection answers 503); never
  // answers from within the call.
  virtual bool Dispatch(uint64_t id, HttpRequest request) = 0;
  virtual void Forget(uint64_t id) = 0;
  virtual void Released() = 0;
};

class Connection {
 public:
  Connection(uv_loop_t* loop, uint64_t id, ConnectionOwner* owner);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  // After uv_accept() into stream(): serve requests.
  void Serve();
  // After uv_accept() into stream(): answer `status` and close.
  void Refuse(int status);
  // The answer to the request last dispatched.
  void OnResponse(HttpResponse response);
  // Closes at once, dropping what is unanswered. Idempotent.
  void Close();
  // True when the connection owes nothing and has nothing begun: no request
  // read in part, queued, with a handler or being written. Such a
  // connection may be closed to make room for a new one.
  bool Idle() const;
  // When the connection was accepted, last read bytes, or last finished a
  // write (uv_now milliseconds).
  uint64_t last_active_ms() const { return last_active_ms_; }

 private:
  struct Exchange {
    std::optional<HttpRequest> request;  // until dispatched
    std::optional<HttpResponse> response;
    bool head = false;
    bool keep_alive = true;
    bool http10 = false;
  };
  struct WriteRequest {
    uv_write_t req;
    std::string data;
    Connection* connection;
  };

  ~Connection() = default;  // through OnClosed only

  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnTimer(uv_timer_t* timer);
  static void OnClosed(uv_handle_t* handle);

  void OnData(const char* data, size_t size);
  // Parses buffered input into the queue, up to max_pipelined_requests.
  void ParseInput();
  size_t UnsentBytes() { return uv_stream_get_write_queue_size(stream()); }
  void OnEndOfInput();
  void Pump();
  void Write(std::string data);
  void MaybeFinish();
  void BeginLingeringClose();
  void UpdateReading();
  void UpdateTimer();
  uint64_t Now() { return uv_now(tcp_.loop); }

  const uint64_t id_;
  ConnectionOwner* const owner_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_req_;
  RequestParser parser_;
  std::string peer_;
  std::string input_;  // read, not yet parsed (the queue was full)
  std::deque<Exchange> queue_;
  bool in_flight_ = false;     // the front exchange is with a handler
  bool finishing_ = false;     // the last answer is written or being written
  bool end_of_input_ = false;  // the client half-closed or the read failed
  bool lingering_ = false;     // shut down our side; discarding input
  bool reading_ = false;
  bool closed_ = false;
  bool error_queued_ = false;  // the parser's error answer
  int pending_writes_ = 0;
  int open_handles_ = 2;
  uint64_t requests_begun_ = 0;
  uint64_t header_deadline_ms_ = 0;
  uint64_t last_active_ms_ = 0;
  char buffer_[64 * 1024];
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_CONNECTION_H_
