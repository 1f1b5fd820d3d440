// `meshup stat`: what `linkerd viz stat` shows, for MeshUp workloads. Finds
// the workloads in the registry (their admin ports), reads each one's
// /stats/json twice, `window` apart, and prints per service and version the
// requests per second, success rate and p50/p95/p99 latency of the calls
// they served in between.
#ifndef MESHUP_CLI_STAT_COMMAND_H_
#define MESHUP_CLI_STAT_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"

namespace meshup::cli {

// Cumulative request counts of one service version at one moment.
struct StatSample {
  double requests = 0, successes = 0;
  std::vector<double> bounds_ms;   // bucket upper bounds
  std::vector<double> cumulative;  // per bound, and a last one for +Inf
};

struct StatRow {
  std::string app, version;
  int workloads = 0;
  double rps = 0;
  double success_rate = 0;  // 0..1; NaN-free: 0 requests gives 0
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double requests = 0;
};

// The row for the calls between `before` and `after`.
StatRow Diff(const StatSample& before, const StatSample& after, absl::Duration window);
// The `quantile` (0..1) of a latency distribution from cumulative bucket
// counts, linearly within the bucket, as Prometheus' histogram_quantile().
double Quantile(const std::vector<double>& bounds, const std::vector<double>& cumulative,
                double quantile);

std::string FormatStatTable(const std::vector<StatRow>& rows);

void AddStatCommand(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_STAT_COMMAND_H_
