// A LoadResult as JSON (nlohmann-json) and as a markdown table row, the
// forms the load generator and the side-by-side run write; a latency
// histogram as JSON, for a driver to merge the windows of several
// load generator processes.
#ifndef MESHUP_BENCH_LOADGEN_REPORT_H_
#define MESHUP_BENCH_LOADGEN_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "loadgen/histogram.h"
#include "loadgen/load_generator.h"
#include "nlohmann/json.hpp"

namespace meshup::bench {

nlohmann::json ToJson(const LoadResult& result);
nlohmann::json ToJson(const LatencySummary& latency);  // microseconds
absl::StatusOr<LatencySummary> LatencySummaryFromJson(const nlohmann::json& json);
absl::StatusOr<LoadResult> LoadResultFromJson(const nlohmann::json& json);

// {"buckets": [[bucket, count], ...], "sum_ns": ..., "max_ns": ...}
nlohmann::json ToJson(const LatencyHistogram& histogram);
// Adds a histogram in that form to `into`; an error, and nothing added,
// when `json` is not one.
absl::Status MergeHistogramJson(const nlohmann::json& json, LatencyHistogram& into);

// "| loop | calls/s | ok | failed | p50 | p90 | p99 | p99.9 | max |" and its row.
std::string MarkdownHeader();
std::string MarkdownRow(const LoadResult& result);

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_LOADGEN_REPORT_H_
