// Request metrics with Istio's standard names and labels, recorded on both
// sides of every call and exposed in Prometheus' text format:
//
//   istio_requests_total                  counter
//   istio_request_duration_milliseconds   histogram
//   istio_request_bytes                   histogram
//   istio_response_bytes                  histogram
//
// with reporter, source_* / destination_* (workload, namespace, principal,
// app, version, cluster), destination_service{,_name,_namespace},
// request_protocol="grpc", response_code, grpc_response_status,
// response_flags and connection_security_policy, so that Istio's dashboards
// and queries work unchanged.
//
// Recording is cheap: a caller finds the SeriesSet of a label set once (a
// lookup under the registry's lock) and keeps the pointer; recording into it
// is a few relaxed atomic adds, with no lock. Series live as long as the
// registry.
#ifndef MESHUP_SRC_TELEMETRY_METRICS_H_
#define MESHUP_SRC_TELEMETRY_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace meshup::internal {

// One side of a request, as Istio labels it. Empty fields print "unknown".
struct PeerLabels {
  std::string workload;   // "reviews-v2"
  std::string namespace_name;
  std::string principal;  // "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"
  std::string app;
  std::string version;
};

// Every label of a request but its outcome.
struct RequestLabels {
  enum class Reporter { kSource, kDestination };
  Reporter reporter = Reporter::kSource;
  PeerLabels source;
  PeerLabels destination;
  std::string destination_service;  // "reviews.default.svc.cluster.local"
  std::string destination_service_name;
  std::string destination_service_namespace;
  bool mutual_tls = false;

  // A string that identifies the label set; equal label sets, equal keys.
  std::string Key() const;
};

// A histogram with fixed bucket bounds; lock-free.
class Histogram {
 public:
  explicit Histogram(absl::Span<const double> bounds);
  void Record(double value);
  absl::Span<const double> bounds() const { return bounds_; }
  // Cumulative count of values <= bounds()[i]; i == bounds().size(): all.
  uint64_t CumulativeCount(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  absl::Span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// The series of one label set and one outcome.
struct RequestSeries {
  RequestSeries();
  std::atomic<uint64_t> requests{0};
  Histogram duration_ms;
  Histogram request_bytes;
  Histogram response_bytes;
};

// The series of one label set, one per outcome (gRPC status code, and
// whether the mesh answered rather than the peer), made on first use.
class SeriesSet {
 public:
  explicit SeriesSet(RequestLabels labels) : labels_(std::move(labels)) {}
  void Record(int grpc_code, bool answered_by_mesh, absl::Duration duration,
              uint64_t request_bytes, uint64_t response_bytes);
  const RequestLabels& labels() const { return labels_; }

 private:
  friend class MetricsRegistry;
  static constexpr int kCodes = 17;
  static constexpr int kOutcomes = 2 * kCodes;  // index: code * 2 + answered_by_mesh
  RequestSeries* Series(int outcome);
  const RequestLabels labels_;
  std::mutex mu_;  // held only to make a series, once per outcome
  std::array<std::atomic<RequestSeries*>, kOutcomes> series_{};
  std::array<std::unique_ptr<RequestSeries>, kOutcomes> owned_;  // guarded by mu_
};

// A counter without labels beyond its name's, for the runtime's own
// metrics (meshup_*).
struct NamedCounter {
  std::string name;
  std::string help;
  const std::atomic<int64_t>* value;
};

class MetricsRegistry {
 public:
  // The set for `labels`, made if new. Keep the pointer: it is stable.
  SeriesSet* Find(const RequestLabels& labels);
  // Counters the runtime keeps elsewhere, exposed with the rest.
  void AddCounter(NamedCounter counter);

  // Prometheus text exposition format 0.0.4.
  std::string PrometheusText() const;

  // Totals per (reporter, destination app, destination version): what
  // `meshup stat` reads, as JSON with counts and latency buckets.
  std::string StatsJson() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<SeriesSet>> sets_;  // guarded by mu_
  std::vector<NamedCounter> counters_;                      // guarded by mu_
};

// The bucket bounds Istio uses.
absl::Span<const double> DurationBucketsMs();
absl::Span<const double> ByteBuckets();

// The HTTP status Envoy reports in response_code for a gRPC call that ended
// with `grpc_code`: 200, unless the mesh itself answered (503 no upstream or
// connection failure, 504 timeout, 403 denied by policy, 429 overflow).
int ResponseCodeFor(int grpc_code, bool answered_by_mesh);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_TELEMETRY_METRICS_H_
