#include "standard/health_service.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meshup::internal {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthService::HealthService(std::set<std::string> services) : services_(std::move(services)) {}

void HealthService::SetNotServing() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    serving_ = false;
  }
  stopped_serving_.notify_all();
}

HealthService::Status HealthService::StatusOf(const std::string& service) const {
  if (!service.empty() && services_.count(service) == 0) {
    return HealthCheckResponse::SERVICE_UNKNOWN;
  }
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

absl::Status HealthService::Check(ServerContext&, const HealthCheckRequest& request,
                                  HealthCheckResponse& response) {
  std::lock_guard<std::mutex> lock(mu_);
  const Status status = StatusOf(request.service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return absl::NotFoundError(
        absl::StrCat("this server does not serve '", request.service(), "'"));
  }
  response.set_status(status);
  return absl::OkStatus();
}

bool HealthService::AwaitNotServing(ServerContext& context) {
  // How often a watcher looks whether its caller went away: gRPC tells a
  // handler about a cancellation only when asked.
  constexpr std::chrono::milliseconds kCancelPoll(200);
  std::unique_lock<std::mutex> lock(mu_);
  while (serving_) {
    if (context.IsCancelled()) return false;
    stopped_serving_.wait_for(lock, kCancelPoll);
  }
  return true;
}

absl::Status HealthService::Watch(ServerContext& context, const HealthCheckRequest& request,
                                  ServerWriter<HealthCheckResponse>& writer) {
  // The one change there is: from serving to not serving.
  HealthCheckResponse response;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (watchers_ >= kMaxWatchers) {
      return absl::ResourceExhaustedError(
          absl::StrCat("this server has ", kMaxWatchers, " health watchers already; use Check"));
    }
    ++watchers_;
    response.set_status(StatusOf(request.service()));
  }
  struct Leave {
    HealthService* health;
    ~Leave() {
      std::lock_guard<std::mutex> lock(health->mu_);
      --health->watchers_;
    }
  } leave{this};
  if (!writer.Write(response)) return absl::CancelledError("the caller went away");
  if (response.status() == HealthCheckResponse::NOT_SERVING) return absl::OkStatus();
  if (!AwaitNotServing(context)) return absl::CancelledError("the caller cancelled");
  if (response.status() == HealthCheckResponse::SERVICE_UNKNOWN) return absl::OkStatus();
  response.set_status(HealthCheckResponse::NOT_SERVING);
  writer.Write(response);
  return absl::OkStatus();
}

}  // namespace meshup::internal
