#include "meshup/http_server.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "http/connection.h"
#include "http/handler_table.h"
#include "http/http_server_on_loop.h"
#include "http/worker_pool.h"
#include "loop/event_loop.h"

namespace meshup {
namespace {

absl::Status ValidateOptions(const HttpServerOptions& options) {
  if (options.max_header_bytes < 64 || options.max_header_bytes > 80 * 1024) {
    return absl::InvalidArgumentError("HttpServerOptions.max_header_bytes must be 64..81920");
  }
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("HttpServerOptions.max_connections must be positive");
  }
  if (options.max_pipelined_requests < 1) {
    return absl::InvalidArgumentError("HttpServerOptions.max_pipelined_requests must be positive");
  }
  if (options.worker_threads < 1) {
    return absl::InvalidArgumentError("HttpServerOptions.worker_threads must be positive");
  }
  if (options.max_worker_threads < options.worker_threads) {
    return absl::InvalidArgumentError(
        absl::StrCat("HttpServerOptions.max_worker_threads (", options.max_worker_threads,
                     ") must be at least worker_threads (", options.worker_threads, ")"));
  }
  if (options.max_response_header_bytes < 1024) {
    return absl::InvalidArgumentError(
        "HttpServerOptions.max_response_header_bytes must be at least 1024");
  }
  if (options.header_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HttpServerOptions timeouts must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

struct HttpServer::Impl final : public internal::ConnectionOwner {
  Impl(HttpServerOptions options, internal::EventLoop* shared_loop)
      : options_(std::move(options)), shared_loop_(shared_loop) {}
  ~Impl() override { Shutdown(); }

  const HttpServerOptions& options() const override { return options_; }

  absl::StatusOr<int> Start(const std::string& host, int port);
  void Shutdown();

  // ConnectionOwner, on the loop thread.
  bool Dispatch(uint64_t id, HttpRequest request) override;
  void Forget(uint64_t id) override { connections_.erase(id); }
  void Released() override { HandleClosed(); }

  void OnConnection(uv_stream_t* listener, int status);
  // Closes the connection other than `keep` idle longest; false when none is.
  bool CloseLongestIdle(uint64_t keep);
  void OnHandled(uint64_t id, HttpResponse response);
  void HandleClosed() {
    std::lock_guard<std::mutex> lock(mu_);
    --open_handles_;
    if (open_handles_ == 0) handles_closed_.notify_all();
  }
  void WaitForHandlesClosed() {
    std::unique_lock<std::mutex> lock(mu_);
    handles_closed_.wait(lock, [this] { return open_handles_ == 0; });
  }

  const HttpServerOptions options_;
  internal::HandlerTable table_;
  internal::EventLoop* const shared_loop_;
  std::atomic<int> port_{0};

  std::mutex start_mu_;                  // serializes Start() and Shutdown()
  bool started_ = false;                 // guarded by start_mu_
  internal::EventLoop* loop_ = nullptr;  // while started
  std::unique_ptr<internal::WorkerPool> pool_;

  std::mutex mu_;
  std::condition_variable handles_closed_;
  int open_handles_ = 0;  // guarded by mu_; the listener and connections

  // Loop thread only.
  uv_tcp_t listener_;
  bool listener_open_ = false;
  std::map<uint64_t, internal::Connection*> connections_;
  uint64_t next_id_ = 1;

  // Last: destroyed first, running what handlers posted while Impl lives.
  std::unique_ptr<internal::EventLoop> owned_loop_;
};

absl::StatusOr<int> HttpServer::Impl::Start(const std::string& host, int port) {
  std::lock_guard<std::mutex> lock(start_mu_);
  if (started_) return absl::FailedPreconditionError("the HTTP server is already started");
  if (absl::Status valid = ValidateOptions(options_); !valid.ok()) return valid;
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP server port ", port, " is not 0..65535"));
  }
  sockaddr_storage address;
  std::string bare = std::string(absl::StripSuffix(absl::StripPrefix(host, "["), "]"));
  const bool ipv6 = bare.find(':') != std::string::npos;
  const int parsed =
      ipv6 ? uv_ip6_addr(bare.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address))
           : uv_ip4_addr(bare.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
  if (parsed != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP server host \"", host, "\" is not a numeric IPv4 or IPv6 address"));
  }
  const std::string where =
      ipv6 ? absl::StrCat("[", bare, "]:", port) : absl::StrCat(bare, ":", port);

  if (shared_loop_ == nullptr) owned_loop_ = std::make_unique<internal::EventLoop>();
  loop_ = shared_loop_ != nullptr ? shared_loop_ : owned_loop_.get();
  pool_ =
      std::make_unique<internal::WorkerPool>(options_.worker_threads, options_.max_worker_threads);
  int error = 0;
  int bound = 0;
  loop_->RunAndWait([&](uv_loop_t* loop) {
    uv_tcp_init(loop, &listener_);
    listener_.data = this;
    {
      std::lock_guard<std::mutex> handles(mu_);
      ++open_handles_;
    }
    listener_open_ = true;
    error = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&address), 0);
    if (error == 0) {
      error = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511,
                        [](uv_stream_t* listener, int status) {
                          static_cast<Impl*>(listener->data)->OnConnection(listener, status);
                        });
    }
    if (error == 0) {
      sockaddr_storage local;
      int length = sizeof(local);
      uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&local), &length);
      bound = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    } else {
      listener_open_ = false;
      uv_close(reinterpret_cast<uv_handle_t*>(&listener_),
               [](uv_handle_t* handle) { static_cast<Impl*>(handle->data)->HandleClosed(); });
    }
  });
  if (error != 0) {
    WaitForHandlesClosed();
    pool_.reset();
    owned_loop_.reset();
    loop_ = nullptr;
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", where, ": ", uv_strerror(error)));
  }
  started_ = true;
  port_ = bound;
  return bound;
}

void HttpServer::Impl::Shutdown() {
  std::lock_guard<std::mutex> lock(start_mu_);
  if (!started_) return;
  started_ = false;
  loop_->Post([this](uv_loop_t*) {
    if (listener_open_) {
      listener_open_ = false;
      uv_close(reinterpret_cast<uv_handle_t*>(&listener_),
               [](uv_handle_t* handle) { static_cast<Impl*>(handle->data)->HandleClosed(); });
    }
    std::map<uint64_t, internal::Connection*> open = connections_;
    for (auto& [id, connection] : open) connection->Close();
  });
  WaitForHandlesClosed();
  // Running handlers return; the answers they post find no connection.
  pool_->Stop();
  loop_->RunAndWait([](uv_loop_t*) {});
  pool_.reset();
  owned_loop_.reset();
  loop_ = nullptr;
  port_ = 0;
}

void HttpServer::Impl::OnConnection(uv_stream_t* listener, int status) {
  if (status < 0 || !listener_open_) return;
  const uint64_t id = next_id_++;
  auto* connection = new internal::Connection(listener->loop, id, this);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++open_handles_;
  }
  connections_[id] = connection;
  if (uv_accept(listener, connection->stream()) != 0) {
    connection->Close();
  } else if (connections_.size() > static_cast<size_t>(options_.max_connections) &&
             !CloseLongestIdle(id)) {
    connection->Refuse(503);
  } else {
    connection->Serve();
  }
}

bool HttpServer::Impl::CloseLongestIdle(uint64_t keep) {
  internal::Connection* oldest = nullptr;
  for (const auto& [id, connection] : connections_) {
    if (id == keep || !connection->Idle()) continue;
    if (oldest == nullptr || connection->last_active_ms() < oldest->last_active_ms()) {
      oldest = connection;
    }
  }
  if (oldest == nullptr) return false;
  oldest->Close();
  return true;
}

bool HttpServer::Impl::Dispatch(uint64_t id, HttpRequest request) {
  return pool_->Submit([this, id, request = std::move(request)] {
    HttpResponse response = table_.Dispatch(request);
    loop_->Post([this, id, response = std::move(response)](uv_loop_t*) mutable {
      OnHandled(id, std::move(response));
    });
  });
}

void HttpServer::Impl::OnHandled(uint64_t id, HttpResponse response) {
  auto it = connections_.find(id);
  if (it != connections_.end()) it->second->OnResponse(std::move(response));
}

class HttpServerAccess {
 public:
  static std::unique_ptr<HttpServer> New(internal::EventLoop* loop, HttpServerOptions options) {
    return std::unique_ptr<HttpServer>(
        new HttpServer(std::make_unique<HttpServer::Impl>(std::move(options), loop)));
  }
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), nullptr)) {}
HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

void HttpServer::Handle(absl::string_view path, HttpHandler handler,
                        std::vector<std::string> methods) {
  impl_->table_.Add(std::string(path), false, std::move(handler), std::move(methods));
}

void HttpServer::HandlePrefix(absl::string_view prefix, HttpHandler handler,
                              std::vector<std::string> methods) {
  impl_->table_.Add(std::string(prefix), true, std::move(handler), std::move(methods));
}

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port) {
  return impl_->Start(host, port);
}

void HttpServer::Shutdown() { impl_->Shutdown(); }

int HttpServer::port() const { return impl_->port_.load(); }

namespace internal {

std::unique_ptr<HttpServer> NewHttpServerOnLoop(EventLoop& loop, HttpServerOptions options) {
  return HttpServerAccess::New(&loop, std::move(options));
}

}  // namespace internal
}  // namespace meshup
