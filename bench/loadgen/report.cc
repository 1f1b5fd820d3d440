#include "loadgen/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace meshup::bench {

nlohmann::json ToJson(const LoadResult& result) {
  return {{"loop", result.open_loop ? "open" : "closed"},
          {"concurrency", result.concurrency},
          {"target_rate", result.target_rate},
          {"window_seconds", absl::ToDoubleSeconds(result.window)},
          {"succeeded", result.succeeded},
          {"failed", result.failed},
          {"not_started", result.not_started},
          {"throughput", result.throughput},
          {"latency_us", ToJson(result.latency)}};
}

nlohmann::json ToJson(const LatencySummary& latency) {
  return {{"p50", latency.p50},   {"p90", latency.p90}, {"p99", latency.p99},
          {"p99.9", latency.p999}, {"max", latency.max}, {"mean", latency.mean}};
}

absl::StatusOr<LatencySummary> LatencySummaryFromJson(const nlohmann::json& json) {
  try {
    LatencySummary latency;
    latency.p50 = json.at("p50").get<double>();
    latency.p90 = json.at("p90").get<double>();
    latency.p99 = json.at("p99").get<double>();
    latency.p999 = json.at("p99.9").get<double>();
    latency.max = json.at("max").get<double>();
    latency.mean = json.at("mean").get<double>();
    return latency;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a latency summary: ", e.what()));
  }
}

absl::StatusOr<LoadResult> LoadResultFromJson(const nlohmann::json& json) {
  try {
    LoadResult result;
    result.open_loop = json.at("loop").get<std::string>() == "open";
    result.concurrency = json.at("concurrency").get<int>();
    result.target_rate = json.at("target_rate").get<double>();
    result.window = absl::Seconds(json.at("window_seconds").get<double>());
    result.succeeded = json.at("succeeded").get<uint64_t>();
    result.failed = json.at("failed").get<uint64_t>();
    result.not_started = json.at("not_started").get<uint64_t>();
    result.throughput = json.at("throughput").get<double>();
    absl::StatusOr<LatencySummary> latency = LatencySummaryFromJson(json.at("latency_us"));
    if (!latency.ok()) return latency.status();
    result.latency = *latency;
    return result;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a load result: ", e.what()));
  }
}

nlohmann::json ToJson(const LatencyHistogram& histogram) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [bucket, n] : histogram.NonEmptyBuckets()) buckets.push_back({bucket, n});
  return {{"buckets", buckets}, {"sum_ns", histogram.sum()}, {"max_ns", histogram.max()}};
}

absl::Status MergeHistogramJson(const nlohmann::json& json, LatencyHistogram& into) {
  LatencyHistogram::Buckets buckets;
  uint64_t sum = 0, max = 0;
  try {
    for (const nlohmann::json& entry : json.at("buckets")) {
      if (!entry.is_array() || entry.size() != 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("not a latency histogram: bucket entry ", entry.dump(),
                         " is not [bucket, count]"));
      }
      buckets.emplace_back(entry[0].get<size_t>(), entry[1].get<uint64_t>());
    }
    sum = json.at("sum_ns").get<uint64_t>();
    max = json.at("max_ns").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a latency histogram: ", e.what()));
  }
  return into.MergeBuckets(buckets, sum, max);
}

std::string MarkdownHeader() {
  return "| loop | calls/s | ok | failed | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
}

std::string MarkdownRow(const LoadResult& r) {
  const std::string loop = r.open_loop ? absl::StrFormat("open @ %.0f/s", r.target_rate)
                                       : absl::StrCat("closed, ", r.concurrency, " in flight");
  return absl::StrFormat("| %s | %.0f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f |\n", loop,
                         r.throughput, r.succeeded, r.failed + r.not_started, r.latency.p50,
                         r.latency.p90, r.latency.p99, r.latency.p999, r.latency.max);
}

}  // namespace meshup::bench
