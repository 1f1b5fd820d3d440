// `meshup stat`: what `linkerd viz stat` shows, for MeshUp workloads. Finds
// the workloads (those `meshup up` runs from its state directory, or those
// of a registry with an admin port), reads each one's /stats/json twice,
// `window` apart, and prints per service and version the requests per
// second, success rate and p50/p95/p99 latency of the calls to it in
// between, as one reporter saw them: the callers (`source`, the default:
// failures the mesh answered for them, such as injected faults, count) or
// the servers (`destination`). Every workload has a row, the ones nobody
// called included.
#ifndef MESHUP_CLI_STAT_COMMAND_H_
#define MESHUP_CLI_STAT_COMMAND_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
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

using StatKey = std::pair<std::string, std::string>;  // app, version

// A workload to read: its service, version and admin port's address.
struct StatTarget {
  std::string app, version;
  std::string admin;  // "127.0.0.1:15000"
  // Set when the workload was started but no longer runs: it is not read,
  // and it is named so that the table's workload count can be trusted.
  std::string stopped;
};

// The workloads of a registry directory that have an admin port, each
// process once (entries that share an admin address are one process).
absl::StatusOr<std::vector<StatTarget>> RegistryTargets(const std::string& registry);

// The workloads a running `meshup up` of `state_dir` started, those that
// have exited included (with `stopped` saying so); an error saying that no
// mesh runs from it when none of them runs.
absl::StatusOr<std::vector<StatTarget>> LocalTargets(const std::string& state_dir);

// Adds the rows of `reporter` ("source" or "destination") of one workload's
// /stats/json to `samples`, by destination app and version.
void AddStats(const std::string& stats_json, const std::string& reporter,
              std::map<StatKey, StatSample>& samples);

// One row per app and version of `targets` (with how many workloads), and
// one for any other destination called in the window.
std::vector<StatRow> BuildRows(const std::vector<StatTarget>& targets,
                               const std::map<StatKey, StatSample>& before,
                               const std::map<StatKey, StatSample>& after, absl::Duration window);

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
