#include "stat_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "discovery/file_registry.h"
#include "discovery/http_client.h"
#include "local_mesh.h"
#include "nlohmann/json.hpp"
#include "processes.h"
#include "util/files.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

// Each destination app and version's totals as `reporter` saw them, summed
// over workloads. A workload that does not answer is named on stderr, once:
// `silent` holds the admin addresses named so far.
std::map<StatKey, StatSample> Scrape(const std::vector<StatTarget>& targets,
                                     const std::string& reporter, std::set<std::string>& silent) {
  std::map<StatKey, StatSample> samples;
  for (const StatTarget& target : targets) {
    if (!target.stopped.empty()) continue;
    auto answer =
        internal::HttpGet(absl::StrCat("http://", target.admin, "/stats/json"), absl::Seconds(2));
    if (!answer.ok() || answer->status != 200) {
      if (silent.insert(target.admin).second) {
        std::fprintf(stderr, "meshup stat: %s %s at %s did not answer\n", target.app.c_str(),
                     target.version.c_str(), target.admin.c_str());
      }
      continue;
    }
    AddStats(answer->body, reporter, samples);
  }
  return samples;
}

}  // namespace

absl::StatusOr<std::vector<StatTarget>> RegistryTargets(const std::string& registry) {
  std::error_code error;
  std::vector<internal::WorkloadRecord> records;
  for (const auto& entry : fs::directory_iterator(registry, error)) {
    if (entry.path().extension() != ".yaml") continue;
    // Never a FIFO or a huge file: only what a workload writes there.
    absl::StatusOr<std::string> text = internal::ReadRegularFile(entry.path().string(), 64 << 10);
    if (!text.ok()) continue;  // deregistered meanwhile, or not a registry file
    absl::StatusOr<internal::WorkloadRecord> record =
        internal::ParseWorkloadEntryYaml(entry.path().string(), *text);
    if (record.ok() && record->admin_port != 0) records.push_back(*std::move(record));
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the registry ", registry, ": ", error.message()));
  }
  // An HTTP front end and a gRPC server of one process register apart but
  // share its admin port, and its figures: the process is read once, named
  // as its gRPC entry (else its first entry by name) names it.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.port == 0, a.name) < std::make_pair(b.port == 0, b.name);
  });
  std::vector<StatTarget> workloads;
  for (const internal::WorkloadRecord& record : records) {
    auto label = [&record](const char* name) {
      auto it = record.labels.find(name);
      return it == record.labels.end() ? std::string() : it->second;
    };
    const bool ipv6 = record.address.find(':') != std::string::npos;
    std::string admin = absl::StrCat(ipv6 ? "[" : "", record.address, ipv6 ? "]" : "", ":",
                                     record.admin_port);
    const bool seen = std::any_of(workloads.begin(), workloads.end(),
                                  [&admin](const StatTarget& t) { return t.admin == admin; });
    if (!seen) workloads.push_back({label("app"), label("version"), std::move(admin), ""});
  }
  return workloads;
}

absl::StatusOr<std::vector<StatTarget>> LocalTargets(const std::string& state_dir) {
  absl::StatusOr<LocalMesh> mesh = ReadLocalMesh(state_dir);
  if (!mesh.ok()) {
    if (mesh.status().code() != absl::StatusCode::kNotFound) return mesh.status();
    return absl::NotFoundError(absl::StrCat(
        "no mesh runs from ", state_dir, ": start one with `meshup up --state ", state_dir, "`"));
  }
  std::vector<StatTarget> targets;
  bool running = false;
  for (const LocalWorkload& workload : mesh->workloads) {
    StatTarget target{workload.service, workload.version,
                      absl::StrCat("127.0.0.1:", workload.admin_port), ""};
    if (absl::Status alive = CheckRunning(workload.process()); !alive.ok()) {
      target.stopped = std::string(alive.message());
    } else {
      running = true;
      if (workload.admin_port == 0) continue;
    }
    targets.push_back(std::move(target));
  }
  if (!running) {
    return absl::NotFoundError(absl::StrCat("no mesh runs from ", state_dir,
                                            ": none of its workloads runs (stopped without "
                                            "`meshup down`?); start one with `meshup up --state ",
                                            state_dir, "`"));
  }
  return targets;
}

void AddStats(const std::string& stats_json, const std::string& reporter,
              std::map<StatKey, StatSample>& samples) {
  nlohmann::json stats = nlohmann::json::parse(stats_json, nullptr, false);
  if (!stats.is_object() || !stats["requests"].is_array()) return;
  for (const auto& row : stats["requests"]) {
    if (!row.is_object() || row.value("reporter", "") != reporter) continue;
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

std::vector<StatRow> BuildRows(const std::vector<StatTarget>& targets,
                               const std::map<StatKey, StatSample>& before,
                               const std::map<StatKey, StatSample>& after, absl::Duration window) {
  std::map<StatKey, int> counts;
  for (const StatTarget& target : targets) {
    if (target.app.empty()) continue;
    int& count = counts[{target.app, target.version}];  // a stopped one: a row, not a count
    if (target.stopped.empty()) ++count;
  }
  for (const auto& [key, sample] : after) {
    auto earlier = before.find(key);
    const double requests =
        sample.requests - (earlier == before.end() ? 0 : earlier->second.requests);
    if (requests > 0 && !key.first.empty()) counts.emplace(key, 0);
  }
  std::vector<StatRow> rows;
  const StatSample none;
  for (const auto& [key, count] : counts) {
    auto earlier = before.find(key);
    auto later = after.find(key);
    StatRow row = Diff(earlier == before.end() ? none : earlier->second,
                       later == after.end() ? none : later->second, window);
    row.app = key.first;
    row.version = key.second;
    row.workloads = count;
    rows.push_back(row);
  }
  return rows;
}

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
    std::string reporter = "source";
    double window_seconds = 2;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* stat = app.add_subcommand(
      "stat", "Requests per second, success rate and latency per service and version");
  stat->add_option("--state", flags->state_dir, "The state directory of `meshup up`")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  stat->add_option("--registry", flags->registry,
                   "Read the workloads of this file registry directory instead of those "
                   "`meshup up` runs");
  stat->add_option("--reporter", flags->reporter,
                   "Whose view: source (the callers': what they got, mesh failures "
                   "included) or destination (the servers')")
      ->capture_default_str()
      ->check(CLI::IsMember({"source", "destination"}));
  stat->add_option("--window", flags->window_seconds, "Seconds between the two readings")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  stat->callback([flags, &exit_code] {
    absl::StatusOr<std::vector<StatTarget>> targets =
        flags->registry.empty() ? LocalTargets(flags->state_dir) : RegistryTargets(flags->registry);
    if (!targets.ok()) {
      std::fprintf(stderr, "meshup stat: %s\n", std::string(targets.status().message()).c_str());
      exit_code = 1;
      return;
    }
    for (const StatTarget& target : *targets) {
      if (target.stopped.empty()) continue;
      std::fprintf(stderr, "meshup stat: %s %s is not running: %s\n", target.app.c_str(),
                   target.version.c_str(), target.stopped.c_str());
    }
    const absl::Duration window = absl::Seconds(flags->window_seconds);
    std::set<std::string> silent;
    std::map<StatKey, StatSample> before = Scrape(*targets, flags->reporter, silent);
    absl::SleepFor(window);
    std::map<StatKey, StatSample> after = Scrape(*targets, flags->reporter, silent);
    std::printf("%s", FormatStatTable(BuildRows(*targets, before, after, window)).c_str());
  });
}

}  // namespace meshup::cli
