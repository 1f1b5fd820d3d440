#include "telemetry/metrics.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace meshup::internal {
namespace {

constexpr double kDurationBucketsMs[] = {0.5,  1,     5,     10,     25,     50,     100,
                                         250,  500,   1000,  2500,   5000,   10000,  30000,
                                         60000, 300000, 600000, 1800000, 3600000};
constexpr double kByteBuckets[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

constexpr const char* kGrpcCodeNames[] = {"0", "1", "2",  "3",  "4",  "5",  "6",  "7", "8",
                                          "9", "10", "11", "12", "13", "14", "15", "16"};

// A label value with Prometheus' escapes; empty values print "unknown", as
// Istio does.
void AppendLabel(std::string& out, const char* name, const std::string& value) {
  if (out.back() != '{') out += ',';
  out += name;
  out += "=\"";
  if (value.empty()) {
    out += "unknown";
  } else {
    for (char c : value) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void AppendPeer(std::string& out, const char* side, const PeerLabels& peer) {
  const std::string prefix = side;
  AppendLabel(out, (prefix + "_workload").c_str(), peer.workload);
  AppendLabel(out, (prefix + "_workload_namespace").c_str(), peer.namespace_name);
  AppendLabel(out, (prefix + "_principal").c_str(), peer.principal);
  AppendLabel(out, (prefix + "_app").c_str(), peer.app);
  AppendLabel(out, (prefix + "_version").c_str(), peer.version);
  AppendLabel(out, (prefix + "_cluster").c_str(), "Kubernetes");
}

// The labels of one series, without braces' closing (histograms add `le`).
std::string SeriesLabels(const RequestLabels& labels, const Outcome& outcome) {
  std::string out = "{";
  AppendLabel(out, "reporter",
              labels.reporter == RequestLabels::Reporter::kSource ? "source" : "destination");
  if (labels.overflow) {
    PeerLabels overflow{"overflow", "overflow", "overflow", "overflow", "overflow"};
    AppendPeer(out, "source", overflow);
    AppendPeer(out, "destination", overflow);
    for (const char* name :
         {"destination_service", "destination_service_name", "destination_service_namespace"}) {
      AppendLabel(out, name, "overflow");
    }
  } else {
    AppendPeer(out, "source", labels.source);
    AppendPeer(out, "destination", labels.destination);
    AppendLabel(out, "destination_service", labels.destination_service);
    AppendLabel(out, "destination_service_name", labels.destination_service_name);
    AppendLabel(out, "destination_service_namespace", labels.destination_service_namespace);
  }
  AppendLabel(out, "request_protocol", "grpc");
  AppendLabel(out, "response_code", std::to_string(outcome.ResponseCode()));
  AppendLabel(out, "grpc_response_status", kGrpcCodeNames[outcome.grpc_code]);
  AppendLabel(out, "response_flags", ResponseFlagsText(outcome.flags));
  AppendLabel(out, "connection_security_policy",
              labels.overflow ? "overflow" : (labels.mutual_tls ? "mutual_tls" : "none"));
  return out;
}

std::string FormatNumber(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

void AppendHistogram(std::string& out, const std::string& name, const std::string& labels,
                     const Histogram& histogram) {
  for (size_t i = 0; i <= histogram.bounds().size(); ++i) {
    const std::string le =
        i < histogram.bounds().size() ? FormatNumber(histogram.bounds()[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket", labels, ",le=\"", le, "\"} ",
                    histogram.CumulativeCount(i), "\n");
  }
  absl::StrAppend(&out, name, "_sum", labels, "} ", FormatNumber(histogram.sum()), "\n");
  absl::StrAppend(&out, name, "_count", labels, "} ", histogram.count(), "\n");
}

}  // namespace

absl::Span<const double> DurationBucketsMs() { return kDurationBucketsMs; }
absl::Span<const double> ByteBuckets() { return kByteBuckets; }

std::string ResponseFlagsText(uint32_t flags) {
  std::string text;
  if (flags & kFaultDelayInjected) text = "DI";
  if (flags & kFaultAbortInjected) absl::StrAppend(&text, text.empty() ? "" : ",", "FI");
  return text.empty() ? "-" : text;
}

int Outcome::ResponseCode() const {
  return response_code != 0 ? response_code : ResponseCodeFor(grpc_code, answered_by_mesh);
}

int ResponseCodeFor(int grpc_code, bool answered_by_mesh) {
  if (!answered_by_mesh) return 200;
  switch (grpc_code) {
    case 4:  // DEADLINE_EXCEEDED
      return 504;
    case 7:  // PERMISSION_DENIED
      return 403;
    case 8:  // RESOURCE_EXHAUSTED
      return 429;
    case 0:
      return 200;
    default:
      return 503;
  }
}

std::string RequestLabels::Key() const {
  std::string key;
  for (const PeerLabels* peer : {&source, &destination}) {
    absl::StrAppend(&key, peer->workload, "\x1f", peer->namespace_name, "\x1f", peer->principal,
                    "\x1f", peer->app, "\x1f", peer->version, "\x1e");
  }
  absl::StrAppend(&key, reporter == Reporter::kSource ? "s" : "d", "\x1f", destination_service,
                  "\x1f", destination_service_name, "\x1f", destination_service_namespace, "\x1f",
                  mutual_tls ? "m" : "p");
  return key;
}

Histogram::Histogram(absl::Span<const double> bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Record(double value) {
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b <= bounds_.size(); ++b) {
    total += buckets_[b].load(std::memory_order_relaxed);
  }
  return total;
}

RequestSeries::RequestSeries()
    : duration_ms(DurationBucketsMs()), request_bytes(ByteBuckets()), response_bytes(ByteBuckets()) {}

RequestSeries* SeriesSet::Series(const Outcome& outcome, bool& folded) {
  folded = false;
  const bool common = outcome.response_code == 0 && outcome.flags == 0;
  const int index = outcome.grpc_code * 2 + (outcome.answered_by_mesh ? 1 : 0);
  if (common) {
    RequestSeries* series = series_[index].load(std::memory_order_acquire);
    if (series != nullptr) return series;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (common) {
    if (owned_[index] == nullptr) {
      std::unique_ptr<RequestSeries> made(Make(outcome, folded));
      if (folded) return made.release();  // the overflow set's; not owned
      owned_[index] = std::move(made);
      series_[index].store(owned_[index].get(), std::memory_order_release);
    }
    return owned_[index].get();
  }
  for (const auto& [other, series] : other_) {
    if (other == outcome) return series.get();
  }
  std::unique_ptr<RequestSeries> made(Make(outcome, folded));
  if (folded) return made.release();
  other_.emplace_back(outcome, std::move(made));
  return other_.back().second.get();
}

RequestSeries* SeriesSet::Make(const Outcome& outcome, bool& folded) {
  if (registry_ == nullptr || labels_.overflow || registry_->TakeSeries()) {
    return new RequestSeries();
  }
  // Past the cap: the overflow set's series of this outcome (its lock is
  // another mutex; overflow sets never fold).
  folded = true;
  bool unused = false;
  return registry_->Overflow(labels_.reporter).Series(outcome, unused);
}

std::vector<std::pair<Outcome, const RequestSeries*>> SeriesSet::AllSeries() const {
  std::vector<std::pair<Outcome, const RequestSeries*>> all;
  for (int index = 0; index < kOutcomes; ++index) {
    const RequestSeries* series = series_[index].load(std::memory_order_acquire);
    if (series != nullptr) all.push_back({Outcome{index / 2, index % 2 == 1}, series});
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [outcome, series] : other_) all.push_back({outcome, series.get()});
  return all;
}

void SeriesSet::Record(const Outcome& given, absl::Duration duration, uint64_t request_bytes,
                       uint64_t response_bytes) {
  Outcome outcome = given;
  if (outcome.grpc_code < 0 || outcome.grpc_code >= kCodes) outcome.grpc_code = 2;  // UNKNOWN
  bool folded = false;
  RequestSeries* series = Series(outcome, folded);
  if (folded || labels_.overflow) {
    if (registry_ != nullptr) registry_->overflowed_.fetch_add(1, std::memory_order_relaxed);
  }
  series->requests.fetch_add(1, std::memory_order_relaxed);
  series->duration_ms.Record(absl::ToDoubleMilliseconds(duration));
  series->request_bytes.Record(static_cast<double>(request_bytes));
  series->response_bytes.Record(static_cast<double>(response_bytes));
}

namespace {

RequestLabels OverflowLabels(RequestLabels::Reporter reporter) {
  RequestLabels labels;
  labels.reporter = reporter;
  labels.overflow = true;
  return labels;
}

}  // namespace

MetricsRegistry::MetricsRegistry(size_t max_series)
    : max_series_(max_series),
      overflow_{std::make_unique<SeriesSet>(OverflowLabels(RequestLabels::Reporter::kSource), this),
                std::make_unique<SeriesSet>(OverflowLabels(RequestLabels::Reporter::kDestination),
                                            this)} {}

bool MetricsRegistry::TakeSeries() {
  if (series_.fetch_add(1, std::memory_order_relaxed) < max_series_) return true;
  series_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

SeriesSet* MetricsRegistry::Find(const RequestLabels& labels) {
  std::string key = labels.Key();
  std::lock_guard<std::mutex> lock(mu_);
  auto found = sets_.find(key);
  if (found != sets_.end()) return found->second.get();
  // Label sets are capped as series are: sets that fold all their calls
  // cannot pile up either.
  if (sets_.size() >= max_series_) return &Overflow(labels.reporter);
  std::unique_ptr<SeriesSet>& set = sets_[std::move(key)];
  set = std::make_unique<SeriesSet>(labels, this);
  return set.get();
}

void MetricsRegistry::AddCounter(NamedCounter counter) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.push_back(std::move(counter));
}

std::string MetricsRegistry::PrometheusText() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Each family's lines together, after its HELP and TYPE.
  std::string requests, duration, request_bytes, response_bytes;
  auto append = [&](const SeriesSet& set) {
    for (const auto& [outcome, series] : set.AllSeries()) {
      const std::string labels = SeriesLabels(set.labels(), outcome);
      absl::StrAppend(&requests, "istio_requests_total", labels, "} ",
                      series->requests.load(std::memory_order_relaxed), "\n");
      AppendHistogram(duration, "istio_request_duration_milliseconds", labels,
                      series->duration_ms);
      AppendHistogram(request_bytes, "istio_request_bytes", labels, series->request_bytes);
      AppendHistogram(response_bytes, "istio_response_bytes", labels, series->response_bytes);
    }
  };
  for (const auto& [key, set] : sets_) append(*set);
  for (const auto& set : overflow_) append(*set);
  std::string out;
  absl::StrAppend(&out, "# HELP istio_requests_total Requests, by source and destination.\n",
                  "# TYPE istio_requests_total counter\n", requests);
  absl::StrAppend(&out,
                  "# HELP istio_request_duration_milliseconds Request duration in "
                  "milliseconds.\n",
                  "# TYPE istio_request_duration_milliseconds histogram\n", duration);
  absl::StrAppend(&out, "# HELP istio_request_bytes Request message sizes in bytes.\n",
                  "# TYPE istio_request_bytes histogram\n", request_bytes);
  absl::StrAppend(&out, "# HELP istio_response_bytes Response message sizes in bytes.\n",
                  "# TYPE istio_response_bytes histogram\n", response_bytes);
  absl::StrAppend(&out,
                  "# HELP meshup_metric_series_overflow_total Calls recorded into the overflow "
                  "series because the series cap was reached.\n",
                  "# TYPE meshup_metric_series_overflow_total counter\n",
                  "meshup_metric_series_overflow_total ", overflowed(), "\n");
  for (const NamedCounter& counter : counters_) {
    absl::StrAppend(&out, "# HELP ", counter.name, " ", counter.help, "\n# TYPE ", counter.name,
                    " counter\n", counter.name, " ",
                    counter.value->load(std::memory_order_relaxed), "\n");
  }
  return out;
}

std::string MetricsRegistry::StatsJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  // (reporter, app, version) -> totals.
  struct Totals {
    uint64_t requests = 0, successes = 0;
    std::vector<uint64_t> buckets;  // cumulative, per DurationBucketsMs() and +Inf
  };
  std::map<std::tuple<std::string, std::string, std::string>, Totals> totals;
  auto add = [&totals](const SeriesSet& set) {
    const RequestLabels& labels = set.labels();
    const auto all = set.AllSeries();
    if (labels.overflow && all.empty()) return;
    const std::string app = labels.overflow ? "overflow" : labels.destination.app;
    Totals& total =
        totals[{labels.reporter == RequestLabels::Reporter::kSource ? "source" : "destination", app,
                labels.destination.version}];
    if (total.buckets.empty()) total.buckets.assign(DurationBucketsMs().size() + 1, 0);
    for (const auto& [outcome, series] : all) {
      const uint64_t requests = series->requests.load(std::memory_order_relaxed);
      total.requests += requests;
      if (outcome.grpc_code == 0) total.successes += requests;
      for (size_t i = 0; i < total.buckets.size(); ++i) {
        total.buckets[i] += series->duration_ms.CumulativeCount(i);
      }
    }
  };
  for (const auto& [key, set] : sets_) add(*set);
  for (const auto& set : overflow_) add(*set);
  nlohmann::json stats = nlohmann::json::array();
  for (const auto& [key, total] : totals) {
    stats.push_back({{"reporter", std::get<0>(key)},
                     {"app", std::get<1>(key)},
                     {"version", std::get<2>(key)},
                     {"requests", total.requests},
                     {"successes", total.successes},
                     {"duration_bucket_bounds_ms", std::vector<double>(DurationBucketsMs().begin(), DurationBucketsMs().end())},
                     {"duration_buckets_cumulative", total.buckets}});
  }
  // Labels come from discovery and peers unchecked: bytes that are not UTF-8
  // print as U+FFFD rather than make dump() throw.
  return nlohmann::json{{"requests", stats}}.dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace);
}

}  // namespace meshup::internal
