// An endpoint of a service: one workload's address, with the live state that
// balancing and outlier detection share (requests in flight, consecutive
// failures, ejection). Endpoints are shared (shared_ptr) between the
// endpoint sets of successive discovery updates, so their state survives an
// update that keeps them; all state is atomic, so picking takes no lock.
#ifndef MESHUP_SRC_UPSTREAM_ENDPOINT_H_
#define MESHUP_SRC_UPSTREAM_ENDPOINT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace meshup::internal {

// How a client secures its connection to an endpoint, from the
// DestinationRule's trafficPolicy.tls.mode.
enum class TlsPolicy {
  kAuto,     // no mode: mTLS when the endpoint serves it (its tlsMode label)
  kDisable,  // DISABLE: plaintext
  kMutual,   // ISTIO_MUTUAL or MUTUAL: mTLS, whatever the endpoint says
};

struct EndpointInfo {
  std::string address;  // "127.0.0.1:9081" (IPv6 in brackets)
  std::map<std::string, std::string> labels;
  std::string service_account;  // empty: unknown (a static address)
  std::string namespace_name = "default";
  // The endpoint's plaintext address beside an mTLS `address` (a PERMISSIVE
  // workload); empty: none.
  std::string plaintext_address;
  TlsPolicy tls = TlsPolicy::kAuto;
  // Listed by discovery (the registry), not by the configuration: its
  // service account is the workload's own claim, checked against the
  // service's (secure naming) before a call goes to it.
  bool discovered = false;

  bool operator==(const EndpointInfo& other) const {
    return address == other.address && labels == other.labels &&
           service_account == other.service_account && namespace_name == other.namespace_name &&
           plaintext_address == other.plaintext_address && tls == other.tls &&
           discovered == other.discovered;
  }
};

class Endpoint {
 public:
  explicit Endpoint(EndpointInfo info) : info_(std::move(info)) {}

  const EndpointInfo& info() const { return info_; }
  const std::string& address() const { return info_.address; }

  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  void AddInFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  // Outlier detection's state.
  bool IsEjected(absl::Time now) const {
    return now < absl::FromUnixNanos(ejected_until_nanos_.load(std::memory_order_relaxed));
  }
  void EjectUntil(absl::Time until) {
    ejected_until_nanos_.store(absl::ToUnixNanos(until), std::memory_order_relaxed);
  }
  std::atomic<int>& consecutive_failures() { return consecutive_failures_; }
  std::atomic<int>& times_ejected() { return times_ejected_; }

  // Attempts that ended on this endpoint, and those of them that failed it
  // (IsEndpointFailure), as Envoy's rq_total and rq_error; for /clusters.
  int64_t attempts() const { return attempts_.load(std::memory_order_relaxed); }
  int64_t failed_attempts() const { return failed_attempts_.load(std::memory_order_relaxed); }
  // Picks refused because the endpoint's service account is not its
  // service's (secure naming).
  int64_t refused_identity() const { return refused_identity_.load(std::memory_order_relaxed); }
  void CountRefusedIdentity() { refused_identity_.fetch_add(1, std::memory_order_relaxed); }
  void CountAttempt(bool failed) {
    attempts_.fetch_add(1, std::memory_order_relaxed);
    if (failed) failed_attempts_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  const EndpointInfo info_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> consecutive_failures_{0};
  std::atomic<int> times_ejected_{0};
  std::atomic<int64_t> attempts_{0};
  std::atomic<int64_t> failed_attempts_{0};
  std::atomic<int64_t> refused_identity_{0};
  std::atomic<int64_t> ejected_until_nanos_{0};
};

using EndpointList = std::vector<std::shared_ptr<Endpoint>>;

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UPSTREAM_ENDPOINT_H_
