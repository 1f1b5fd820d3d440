// gRPC's health service (grpc.health.v1.Health) for one Server.
//
// Check and Watch answer SERVING for the server (the empty name) and for
// each service it serves while it serves, and NOT_SERVING from the moment
// it begins to shut down. Check answers NOT_FOUND for any other name; Watch
// answers SERVICE_UNKNOWN for it and keeps the stream open, as the protocol
// says. A Watch sends the status at once and again when it changes; it ends
// (OK) once it has sent NOT_SERVING, so that no watcher holds up a server's
// shutdown, or when the caller cancels it. A watcher holds a handler thread,
// so at most kMaxWatchers watch at once; one more is refused with
// RESOURCE_EXHAUSTED. Thread-safe.
#ifndef MESHUP_SRC_STANDARD_HEALTH_SERVICE_H_
#define MESHUP_SRC_STANDARD_HEALTH_SERVICE_H_

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "grpc/health/v1/health.meshup.h"

namespace meshup::internal {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  static constexpr int kMaxWatchers = 16;

  // `services`: the full names of the services the server serves.
  explicit HealthService(std::set<std::string> services);

  // From now on every name the server serves is NOT_SERVING. Idempotent.
  void SetNotServing();

  absl::Status Check(ServerContext& context, const grpc::health::v1::HealthCheckRequest& request,
                     grpc::health::v1::HealthCheckResponse& response) override;
  absl::Status Watch(ServerContext& context, const grpc::health::v1::HealthCheckRequest& request,
                     ServerWriter<grpc::health::v1::HealthCheckResponse>& writer) override;

 private:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // The status of `service`; SERVICE_UNKNOWN for a name not served.
  Status StatusOf(const std::string& service) const;  // with mu_ held

  // Waits until the server no longer serves; false when the caller cancelled.
  bool AwaitNotServing(ServerContext& context);

  const std::set<std::string> services_;
  std::mutex mu_;
  std::condition_variable stopped_serving_;
  bool serving_ = true;  // guarded by mu_
  int watchers_ = 0;     // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_STANDARD_HEALTH_SERVICE_H_
