#include "stat_command.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "discovery/file_registry.h"
#include "discovery/http_client.h"
#include "nlohmann/json.hpp"
#include "util/files.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

using Key = std::pair<std::string, std::string>;  // app, version

// The workloads of a registry directory with an admin port.
absl::StatusOr<std::vector<internal::WorkloadRecord>> Workloads(const std::string& registry) {
  std::error_code error;
  std::vector<internal::WorkloadRecord> workloads;
  for (const auto& entry : fs::directory_iterator(registry, error)) {
    if (entry.path().extension() != ".yaml") continue;
    absl::StatusOr<std::string> text = internal::ReadFile(entry.path().string());
    if (!text.ok()) continue;  // deregistered meanwhile
    absl::StatusOr<internal::WorkloadRecord> record =
        internal::ParseWorkloadEntryYaml(entry.path().string(), *text);
    if (record.ok() && record->admin_port != 0) workloads.push_back(*std::move(record));
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the registry ", registry, ": ", error.message()));
  }
  return workloads;
}

// Each served (destination) app and version's totals, summed over workloads.
std::map<Key, StatSample> Scrape(const std::vector<internal::WorkloadRecord>& workloads) {
  std::map<Key, StatSample> samples;
  for (const internal::WorkloadRecord& workload : workloads) {
    auto answer = internal::HttpGet(
        absl::StrCat("http://", workload.address, ":", workload.admin_port, "/stats/json"),
        absl::Seconds(2));
    if (!answer.ok() || answer->status != 200) continue;
    nlohmann::json stats = nlohmann::json::parse(answer->body, nullptr, false);
    if (!stats.is_object() || !stats["requests"].is_array()) continue;
    for (const auto& row : stats["requests"]) {
      if (row.value("reporter", "") != "destination") continue;
      StatSample& sample = samples[{row.value("app", ""), row.value("version", "")}];
      sample.requests += row.value("requests", 0.0);
      sample.successes += row.value("successes", 0.0);
      std::vector<double> bounds = row.value("duration_bucket_bounds_ms", std::vector<double>{});
      std::vector<double> counts = row.value("duration_buckets_cumulative", std::vector<double>{});
      if (sample.cumulative.empty()) {
        sample.bounds_ms = bounds;
        sample.cumulative.assign(counts.size(), 0);
      }
      for (size_t i = 0; i < counts.size() && i < sample.cumulative.size(); ++i) {
        sample.cumulative[i] += counts[i];
      }
    }
  }
  return samples;
}

}  // namespace

double Quantile(const std::vector<double>& bounds, const std::vector<double>& cumulative,
                double quantile) {
  if (cumulative.empty() || cumulative.back() <= 0) return 0;
  const double rank = quantile * cumulative.back();
  for (size_t i = 0; i < cumulative.size(); ++i) {
    if (cumulative[i] < rank) continue;
    if (i >= bounds.size()) return bounds.empty() ? 0 : bounds.back();  // the +Inf bucket
    const double lower = i == 0 ? 0 : bounds[i - 1];
    const double below = i == 0 ? 0 : cumulative[i - 1];
    const double in_bucket = cumulative[i] - below;
    return in_bucket <= 0 ? bounds[i] : lower + (bounds[i] - lower) * (rank - below) / in_bucket;
  }
  return bounds.empty() ? 0 : bounds.back();
}

StatRow Diff(const StatSample& before, const StatSample& after, absl::Duration window) {
  StatRow row;
  row.requests = after.requests - before.requests;
  const double successes = after.successes - before.successes;
  row.rps = row.requests / absl::ToDoubleSeconds(window);
  row.success_rate = row.requests > 0 ? successes / row.requests : 0;
  std::vector<double> cumulative = after.cumulative;
  for (size_t i = 0; i < cumulative.size() && i < before.cumulative.size(); ++i) {
    cumulative[i] -= before.cumulative[i];
  }
  row.p50_ms = Quantile(after.bounds_ms, cumulative, 0.50);
  row.p95_ms = Quantile(after.bounds_ms, cumulative, 0.95);
  row.p99_ms = Quantile(after.bounds_ms, cumulative, 0.99);
  return row;
}

std::string FormatStatTable(const std::vector<StatRow>& rows) {
  std::string out = absl::StrFormat("%-14s %-8s %-9s %-8s %-9s %-12s %-12s %-12s\n", "NAME",
                                    "VERSION", "WORKLOADS", "SUCCESS", "RPS", "LATENCY_P50",
                                    "LATENCY_P95", "LATENCY_P99");
  for (const StatRow& row : rows) {
    const std::string success =
        row.requests > 0 ? absl::StrFormat("%.2f%%", 100 * row.success_rate) : "-";
    auto latency = [&row](double ms) {
      return row.requests > 0 ? absl::StrFormat("%.1fms", ms) : std::string("-");
    };
    absl::StrAppend(&out, absl::StrFormat("%-14s %-8s %-9d %-8s %-9s %-12s %-12s %-12s\n", row.app,
                                          row.version, row.workloads, success,
                                          absl::StrFormat("%.1frps", row.rps), latency(row.p50_ms),
                                          latency(row.p95_ms), latency(row.p99_ms)));
  }
  return out;
}

void AddStatCommand(CLI::App& app, int& exit_code) {
  struct Flags {
    std::string state_dir = ".meshup";
    std::string registry;
    double window_seconds = 2;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* stat = app.add_subcommand(
      "stat", "Requests per second, success rate and latency per service and version");
  stat->add_option("--state", flags->state_dir, "The state directory of `meshup up`")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  stat->add_option("--registry", flags->registry,
                   "A file registry directory (default: the state directory's registry/)");
  stat->add_option("--window", flags->window_seconds, "Seconds between the two readings")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  stat->callback([flags, &exit_code] {
    const std::string registry = flags->registry.empty()
                                     ? (fs::path(flags->state_dir) / "registry").string()
                                     : flags->registry;
    absl::StatusOr<std::vector<internal::WorkloadRecord>> workloads = Workloads(registry);
    if (!workloads.ok()) {
      std::fprintf(stderr, "meshup stat: %s\n", std::string(workloads.status().message()).c_str());
      exit_code = 1;
      return;
    }
    const absl::Duration window = absl::Seconds(flags->window_seconds);
    std::map<Key, StatSample> before = Scrape(*workloads);
    absl::SleepFor(window);
    std::map<Key, StatSample> after = Scrape(*workloads);
    std::map<Key, int> counts;
    for (const auto& workload : *workloads) {
      auto app = workload.labels.find("app");
      auto version = workload.labels.find("version");
      if (app != workload.labels.end() && version != workload.labels.end()) {
        ++counts[{app->second, version->second}];
      }
    }
    std::vector<StatRow> rows;
    for (const auto& [key, count] : counts) {
      StatRow row = Diff(before[key], after[key], window);
      row.app = key.first;
      row.version = key.second;
      row.workloads = count;
      rows.push_back(row);
    }
    std::printf("%s", FormatStatTable(rows).c_str());
  });
}

}  // namespace meshup::cli
