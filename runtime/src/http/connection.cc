#include "http/connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http/response_writer.h"

namespace meshup::internal {
namespace {

// Answers queued in libuv beyond this stop reading until the client reads.
constexpr size_t kMaxWriteQueueBytes = 1024 * 1024;
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
  std::vector<ParsedRequest> parsed;
  parser_.Feed(absl::string_view(data, size), parsed);
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
    requests_begun_ = parser_.requests_begun();
    header_deadline_ms_ = Now() + ToMillis(owner_->options().header_timeout);
  }
  if (parser_.TakeContinueRequest() && queue_.empty() && !in_flight_) {
    Write("HTTP/1.1 100 Continue\r\n\r\n");
  }
  Pump();
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
  while (!closed_ && !queue_.empty() && !in_flight_) {
    Exchange& front = queue_.front();
    if (!front.response) {
      in_flight_ = true;
      HttpRequest request = std::move(*front.request);
      front.request.reset();
      owner_->Dispatch(id_, std::move(request));
      break;
    }
    ResponseFraming framing;
    framing.head = front.head;
    framing.close = !front.keep_alive;
    framing.keep_alive_10 = front.keep_alive && front.http10;
    framing.now = absl::Now();
    Write(SerializeResponse(*front.response, framing));
    const bool last = !front.keep_alive;
    queue_.pop_front();
    if (last) {
      queue_.clear();
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
  self->UpdateReading();
  self->UpdateTimer();
  self->MaybeFinish();
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
    want = !finishing_ && parser_.state() != RequestParser::State::kStopped &&
           queue_.size() < static_cast<size_t>(options.max_pipelined_requests) &&
           uv_stream_get_write_queue_size(stream()) < kMaxWriteQueueBytes;
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
  if (in_flight_ || !queue_.empty()) {
    // A handler has the connection; it has its own deadlines.
    uv_timer_stop(&timer_);
    return;
  }
  const auto& options = owner_->options();
  uint64_t timeout;
  if (parser_.state() == RequestParser::State::kHeaders) {
    const uint64_t now = Now();
    timeout = header_deadline_ms_ > now ? header_deadline_ms_ - now : 1;
  } else {
    timeout = ToMillis(options.idle_timeout);
  }
  uv_timer_start(&timer_, &Connection::OnTimer, timeout, 0);
}

}  // namespace meshup::internal
