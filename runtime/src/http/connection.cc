#include "http/connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http/response_writer.h"

namespace meshup::internal {
namespace {

// How long a closing connection discards input after its last answer, so
// that the kernel does not reset the connection (losing the answer) over
// unread request bytes.
constexpr uint64_t kLingerMs = 1000;

uint64_t ToMillis(absl::Duration duration) {
  return static_cast<uint64_t>(std::max<int64_t>(1, absl::ToInt64Milliseconds(duration)));
}

std::string PeerName(const uv_tcp_t* tcp) {
  sockaddr_storage address;
  int length = sizeof(address);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "";
  char host[64] = {0};
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    uv_ip6_name(in6, host, sizeof(host));
    return absl::StrCat("[", host, "]:", ntohs(in6->sin6_port));
  }
  const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
  uv_ip4_name(in, host, sizeof(host));
  return absl::StrCat(host, ":", ntohs(in->sin_port));
}

}  // namespace

Connection::Connection(uv_loop_t* loop, uint64_t id, ConnectionOwner* owner)
    : id_(id),
      owner_(owner),
      parser_(owner->options().max_header_bytes, owner->options().max_body_bytes) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
}

void Connection::Serve() {
  uv_tcp_nodelay(&tcp_, 1);
  peer_ = PeerName(&tcp_);
  // The first request's headers are due header_timeout after the accept:
  // a connection that never sends a byte holds its slot no longer.
  last_active_ms_ = Now();
  header_deadline_ms_ = last_active_ms_ + ToMillis(owner_->options().header_timeout);
  UpdateReading();
  UpdateTimer();
}

void Connection::Refuse(int status) {
  Exchange refusal;
  refusal.response = StatusResponse(status);
  refusal.keep_alive = false;
  queue_.push_back(std::move(refusal));
  Pump();
}

void Connection::OnResponse(HttpResponse response) {
  if (closed_ || !in_flight_ || queue_.empty()) return;
  in_flight_ = false;
  queue_.front().response = std::move(response);
  Pump();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  owner_->Forget(id_);
  uv_read_stop(stream());
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::OnClosed);
}

bool Connection::Idle() const {
  return !closed_ && !lingering_ && !finishing_ && !in_flight_ && queue_.empty() &&
         input_.empty() && pending_writes_ == 0 && parser_.state() == RequestParser::State::kIdle;
}

void Connection::OnClosed(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  if (--self->open_handles_ > 0) return;
  ConnectionOwner* owner = self->owner_;
  delete self;
  owner->Released();
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(self->buffer_, sizeof(self->buffer_));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread > 0) {
    self->OnData(buf->base, static_cast<size_t>(nread));
  } else if (nread < 0) {
    self->OnEndOfInput();
  }
}

void Connection::OnData(const char* data, size_t size) {
  if (closed_ || lingering_) return;  // lingering: discard
  last_active_ms_ = Now();
  input_.append(data, size);
  Pump();
}

void Connection::ParseInput() {
  const size_t max_queued = static_cast<size_t>(owner_->options().max_pipelined_requests);
  if (input_.empty() || finishing_ || lingering_ || queue_.size() >= max_queued) return;
  std::vector<ParsedRequest> parsed;
  const size_t used = parser_.Feed(input_, parsed, max_queued - queue_.size());
  input_.erase(0, used);
  for (ParsedRequest& request : parsed) {
    Exchange exchange;
    exchange.head = request.request.method == "HEAD";
    exchange.keep_alive = request.keep_alive;
    exchange.http10 = request.http10;
    request.request.peer = peer_;
    exchange.request = std::move(request.request);
    queue_.push_back(std::move(exchange));
  }
  if (parser_.error_status() != 0 && !error_queued_) {
    error_queued_ = true;
    Exchange error;
    error.response = StatusResponse(parser_.error_status());
    error.keep_alive = false;
    queue_.push_back(std::move(error));
  }
  if (parser_.requests_begun() != requests_begun_) {
    // The first request's deadline runs from the accept (see Serve()).
    if (requests_begun_ != 0 || parser_.requests_begun() > 1) {
      header_deadline_ms_ = Now() + ToMillis(owner_->options().header_timeout);
    }
    requests_begun_ = parser_.requests_begun();
  }
  if (parser_.TakeContinueRequest() && queue_.empty() && !in_flight_) {
    Write("HTTP/1.1 100 Continue\r\n\r\n");
  }
}

void Connection::OnEndOfInput() {
  end_of_input_ = true;
  uv_read_stop(stream());
  reading_ = false;
  if (lingering_) {
    Close();
    return;
  }
  // A request cut short is never answered; complete ones still are.
  MaybeFinish();
}

void Connection::Pump() {
  const HttpServerOptions& options = owner_->options();
  while (!closed_) {
    ParseInput();
    if (queue_.empty() || in_flight_) break;
    Exchange& front = queue_.front();
    if (!front.response) {
      // A client that does not read its answers gets no more of them made
      // (and buffered) until it does; OnWrite() pumps again.
      if (UnsentBytes() > options.max_unsent_response_bytes) break;
      HttpRequest request = std::move(*front.request);
      front.request.reset();
      if (owner_->Dispatch(id_, std::move(request))) {
        in_flight_ = true;
        break;
      }
      front.response = StatusResponse(503);
      front.response->headers.Set("Retry-After", "1");
    }
    ResponseFraming framing;
    framing.head = front.head;
    framing.close = !front.keep_alive;
    framing.keep_alive_10 = front.keep_alive && front.http10;
    framing.now = absl::Now();
    framing.max_field_bytes = options.max_response_header_bytes;
    Write(SerializeResponse(*front.response, framing));
    const bool last = !front.keep_alive;
    queue_.pop_front();
    if (last) {
      queue_.clear();
      input_.clear();
      finishing_ = true;
    }
  }
  UpdateReading();
  UpdateTimer();
  MaybeFinish();
}

void Connection::Write(std::string data) {
  if (closed_) return;
  auto* write = new WriteRequest{uv_write_t(), std::move(data), this};
  write->req.data = write;
  uv_buf_t buf = uv_buf_init(write->data.data(), static_cast<unsigned int>(write->data.size()));
  if (uv_write(&write->req, stream(), &buf, 1, &Connection::OnWrite) != 0) {
    delete write;
    Close();
    return;
  }
  ++pending_writes_;
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* write = static_cast<WriteRequest*>(req->data);
  Connection* self = write->connection;
  delete write;
  --self->pending_writes_;
  if (self->closed_) return;
  if (status < 0) {
    self->Close();
    return;
  }
  self->last_active_ms_ = self->Now();
  self->Pump();
}

void Connection::MaybeFinish() {
  if (closed_ || lingering_ || pending_writes_ > 0) return;
  if (finishing_) {
    if (end_of_input_) {
      Close();
    } else {
      BeginLingeringClose();
    }
  } else if (end_of_input_ && queue_.empty() && !in_flight_) {
    Close();
  }
}

void Connection::BeginLingeringClose() {
  lingering_ = true;
  shutdown_req_.data = this;
  if (uv_shutdown(&shutdown_req_, stream(), &Connection::OnShutdown) != 0) {
    Close();
    return;
  }
  UpdateReading();
  uv_timer_start(&timer_, &Connection::OnTimer,
                 std::min(kLingerMs, ToMillis(owner_->options().idle_timeout)), 0);
}

void Connection::OnShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  if (status < 0 && !self->closed_) self->Close();
}

void Connection::OnTimer(uv_timer_t* timer) { static_cast<Connection*>(timer->data)->Close(); }

void Connection::UpdateReading() {
  if (closed_ || end_of_input_) return;
  const auto& options = owner_->options();
  bool want;
  if (lingering_) {
    want = true;
  } else {
    want = !finishing_ && parser_.state() != RequestParser::State::kStopped && input_.empty() &&
           queue_.size() < static_cast<size_t>(options.max_pipelined_requests) &&
           UnsentBytes() <= options.max_unsent_response_bytes;
  }
  if (want == reading_) return;
  if (want) {
    if (uv_read_start(stream(), &Connection::OnAlloc, &Connection::OnRead) != 0) {
      Close();
      return;
    }
  } else {
    uv_read_stop(stream());
  }
  reading_ = want;
}

void Connection::UpdateTimer() {
  if (closed_ || lingering_) return;
  if (in_flight_) {
    // A handler has the connection; it has its own deadlines.
    uv_timer_stop(&timer_);
    return;
  }
  // Otherwise the client owes the next move: bytes of a request, or reading
  // the answers that hold up the queue.
  const auto& options = owner_->options();
  uint64_t timeout;
  const bool awaiting_headers = !finishing_ && (parser_.state() == RequestParser::State::kHeaders ||
                                                parser_.requests_begun() == 0);
  if (queue_.empty() && awaiting_headers) {
    const uint64_t now = Now();
    timeout = header_deadline_ms_ > now ? header_deadline_ms_ - now : 1;
  } else {
    timeout = ToMillis(options.idle_timeout);
  }
  uv_timer_start(&timer_, &Connection::OnTimer, timeout, 0);
}

}  // namespace meshup::internal
