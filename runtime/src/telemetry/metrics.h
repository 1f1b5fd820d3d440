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
//
// The registry holds at most `max_series` label sets and as many series (a
// series: one label set and one outcome, i.e. one istio_requests_total line
// and its histograms). Past the cap, a new label set or outcome is recorded
// into its reporter's overflow series, whose peer and service labels read
// "overflow", and meshup_metric_series_overflow_total counts those calls:
// memory stays bounded whatever label values callers send.
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
  // The overflow series: every label but reporter and the outcome's reads
  // "overflow".
  bool overflow = false;

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

// Envoy's response flags that MeshUp sets (response_flags; "-": none).
enum ResponseFlag : uint32_t {
  kFaultDelayInjected = 1 << 0,  // DI: a VirtualService fault delay held the call
  kFaultAbortInjected = 1 << 1,  // FI: a VirtualService fault abort answered it
};
// "-", or the flags' names comma-separated in Envoy's order ("DI,FI").
std::string ResponseFlagsText(uint32_t flags);

// How one call ended.
struct Outcome {
  int grpc_code = 0;
  bool answered_by_mesh = false;  // the mesh answered (no endpoint, denied, timeout, fault)
  int response_code = 0;          // 0: ResponseCodeFor(grpc_code, answered_by_mesh)
  uint32_t flags = 0;             // ResponseFlag bits
  int ResponseCode() const;
  bool operator==(const Outcome& other) const {
    return grpc_code == other.grpc_code && answered_by_mesh == other.answered_by_mesh &&
           response_code == other.response_code && flags == other.flags;
  }
};

class MetricsRegistry;

// The series of one label set, one per outcome, made on first use. The
// common outcomes (a gRPC code, answered by the peer or the mesh, no flag)
// take no lock; the others (injected faults) a short one.
class SeriesSet {
 public:
  // `registry` (may be null: no cap) counts the series against its cap.
  explicit SeriesSet(RequestLabels labels, MetricsRegistry* registry = nullptr)
      : labels_(std::move(labels)), registry_(registry) {}
  void Record(const Outcome& outcome, absl::Duration duration, uint64_t request_bytes,
              uint64_t response_bytes);
  void Record(int grpc_code, bool answered_by_mesh, absl::Duration duration, uint64_t request_bytes,
              uint64_t response_bytes) {
    Record(Outcome{grpc_code, answered_by_mesh}, duration, request_bytes, response_bytes);
  }
  const RequestLabels& labels() const { return labels_; }

 private:
  friend class MetricsRegistry;
  static constexpr int kCodes = 17;
  static constexpr int kOutcomes = 2 * kCodes;  // index: code * 2 + answered_by_mesh
  // The series of `outcome`, made if new and the cap allows; else the
  // overflow set's (`folded` set).
  RequestSeries* Series(const Outcome& outcome, bool& folded);
  RequestSeries* Make(const Outcome& outcome, bool& folded);  // mu_ held
  // Each series with its outcome, for the exposition.
  std::vector<std::pair<Outcome, const RequestSeries*>> AllSeries() const;
  const RequestLabels labels_;
  MetricsRegistry* const registry_;
  mutable std::mutex mu_;  // held to make a series, and for the other outcomes
  std::array<std::atomic<RequestSeries*>, kOutcomes> series_{};
  std::array<std::unique_ptr<RequestSeries>, kOutcomes> owned_;  // guarded by mu_
  std::vector<std::pair<Outcome, std::unique_ptr<RequestSeries>>> other_;  // guarded by mu_
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
  static constexpr size_t kDefaultMaxSeries = 10000;
  explicit MetricsRegistry(size_t max_series = kDefaultMaxSeries);

  // The set for `labels`, made if new (or its reporter's overflow set, past
  // the cap). Keep the pointer: it is stable.
  SeriesSet* Find(const RequestLabels& labels);
  // Counters the runtime keeps elsewhere, exposed with the rest.
  void AddCounter(NamedCounter counter);

  // Prometheus text exposition format 0.0.4.
  std::string PrometheusText() const;

  // Totals per (reporter, destination app, destination version): what
  // `meshup stat` reads, as JSON with counts and latency buckets.
  std::string StatsJson() const;

  // Calls recorded into an overflow series.
  int64_t overflowed() const { return overflowed_.load(std::memory_order_relaxed); }

 private:
  friend class SeriesSet;
  // Takes one series from the cap; false when it is reached.
  bool TakeSeries();
  SeriesSet& Overflow(RequestLabels::Reporter reporter) {
    return reporter == RequestLabels::Reporter::kSource ? *overflow_[0] : *overflow_[1];
  }

  const size_t max_series_;
  std::atomic<size_t> series_{0};
  std::atomic<int64_t> overflowed_{0};
  const std::unique_ptr<SeriesSet> overflow_[2];  // source, destination
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
