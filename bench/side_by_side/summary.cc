#include "side_by_side/summary.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "loadgen/report.h"
#include "side_by_side/repetitions.h"

namespace meshup::bench {
namespace {

template <class F>
std::vector<double> Each(const std::vector<ArmRun>& runs, F field) {
  std::vector<double> values;
  for (const ArmRun& run : runs) values.push_back(field(run));
  return values;
}

template <class F>
double MedianOf(const std::vector<ArmRun>& runs, F field) {
  return Median(Each(runs, field));
}

// "sidecar (server side) #3 worker" -> "sidecar (server side) worker": the
// replicas of one role, whose largest peak memory is shown.
std::string RoleOfReplicas(absl::string_view role) {
  const size_t hash = role.find(" #");
  if (hash == absl::string_view::npos) return std::string(role);
  size_t end = hash + 2;
  while (end < role.size() && absl::ascii_isdigit(static_cast<unsigned char>(role[end]))) ++end;
  return absl::StrCat(role.substr(0, hash), role.substr(end));
}

// The medians of one arm.
struct ArmFigures {
  double max_throughput = 0, cpu_at_max = 0;
  int max_concurrency = 0;
  LatencySummary at_rate;
  double cpu_at_rate = 0, throughput_at_rate = 0;
  uint64_t failed = 0;
  std::map<std::string, int64_t> peak_rss_kib;  // by role (replicas as one), the highest over runs
  int64_t client_rss = 0, server_rss = 0;       // KiB: the client, the largest server
};

ArmFigures Figures(const ArmRuns& runs) {
  ArmFigures f;
  const Level best = BestLevel(runs);
  f.max_throughput = best.throughput;
  f.max_concurrency = best.concurrency;
  f.cpu_at_max = MedianOf(best.runs, [](const ArmRun& r) { return r.cpu_us_per_call; });
  // Every open-loop window's latencies, merged.
  LatencyHistogram at_rate;
  for (const ArmRun& run : runs.open) {
    if (run.latency_histogram != nullptr) at_rate.Merge(*run.latency_histogram);
  }
  f.at_rate = SummarizeLatency(at_rate);
  f.cpu_at_rate = MedianOf(runs.open, [](const ArmRun& r) { return r.cpu_us_per_call; });
  f.throughput_at_rate = MedianOf(runs.open, [](const ArmRun& r) { return r.load.throughput; });
  for (const auto* list : {&runs.closed, &runs.open}) {
    for (const ArmRun& run : *list) {
      f.failed += run.load.failed + run.load.not_started;
      for (const ProcessUsage& p : run.processes) {
        int64_t& peak = f.peak_rss_kib[RoleOfReplicas(p.role)];
        peak = std::max(peak, p.peak_rss_kib);
        if (p.role == "client") f.client_rss = std::max(f.client_rss, p.peak_rss_kib);
        if (absl::StartsWith(p.role, "server")) f.server_rss = std::max(f.server_rss, p.peak_rss_kib);
      }
    }
  }
  return f;
}

std::string Mib(int64_t kib) { return absl::StrFormat("%.1f", kib / 1024.0); }

nlohmann::json RunJson(const ArmRun& run) {
  nlohmann::json processes = nlohmann::json::array();
  for (const ProcessUsage& p : run.processes) {
    processes.push_back({{"role", p.role},
                         {"pid", p.pid},
                         {"cpu_seconds", p.cpu_seconds},
                         {"peak_rss_kib", p.peak_rss_kib}});
  }
  return {{"load", ToJson(run.load)},
          {"cpu_us_per_call", run.cpu_us_per_call},
          {"processes", processes}};
}

}  // namespace

Level BestLevel(const ArmRuns& runs) {
  std::map<int, std::vector<ArmRun>> by_level;
  for (const ArmRun& run : runs.closed) by_level[run.load.concurrency].push_back(run);
  Level best;
  for (auto& [concurrency, level_runs] : by_level) {
    const double median = MedianOf(level_runs, [](const ArmRun& r) { return r.load.throughput; });
    if (best.runs.empty() || median > best.throughput) {
      best.concurrency = concurrency;
      best.throughput = median;
      best.runs = std::move(level_runs);
    }
  }
  return best;
}

Summary Summarize(const Setup& setup, const std::vector<ArmRuns>& arms) {
  Summary summary;
  std::map<std::string, ArmFigures> figures;
  nlohmann::json arms_json = nlohmann::json::array();
  for (const ArmRuns& runs : arms) {
    const ArmFigures f = Figures(runs);
    figures[runs.arm.id] = f;
    nlohmann::json closed = nlohmann::json::array(), open = nlohmann::json::array();
    for (const ArmRun& run : runs.closed) closed.push_back(RunJson(run));
    for (const ArmRun& run : runs.open) open.push_back(RunJson(run));
    arms_json.push_back({{"id", runs.arm.id},
                         {"title", runs.arm.title},
                         {"max_throughput", f.max_throughput},
                         {"max_throughput_concurrency", f.max_concurrency},
                         {"cpu_us_per_call_at_max", f.cpu_at_max},
                         {"at_rate",
                          {{"p50_us", f.at_rate.p50},
                           {"p90_us", f.at_rate.p90},
                           {"p99_us", f.at_rate.p99},
                           {"p99.9_us", f.at_rate.p999},
                           {"max_us", f.at_rate.max},
                           {"cpu_us_per_call", f.cpu_at_rate},
                           {"throughput", f.throughput_at_rate}}},
                         {"failed_calls", f.failed},
                         {"peak_rss_kib", f.peak_rss_kib},
                         {"closed_loop_runs", closed},
                         {"open_loop_runs", open}});
  }

  std::string md;
  absl::StrAppend(&md, "## Side-by-side benchmark\n\n");
  absl::StrAppend(&md, "- started ", setup.started, "; command: `", setup.command, "`\n");
  absl::StrAppend(&md, "- machine: ", setup.machine.cpu_model, ", ", setup.machine.cpus,
                  " CPUs (nproc), ", Mib(setup.machine.memory_kib), " MiB, ",
                  setup.machine.kernel, "\n");
  absl::StrAppend(&md, "- load average (1/5/15 min) before: ", setup.load_before,
                  "; after: ", setup.load_after, "\n");
  absl::StrAppend(&md, "- every arm's processes start afresh for each repetition; ",
                  setup.repetitions, setup.repetitions == 1 ? " repetition" : " repetitions",
                  " per phase, arms interleaved in a balanced "
                  "order (each arm in each place and after each other arm equally often). "
                  "Payload ", setup.closed.payload,
                  " B each way. Closed loop: ", absl::StrJoin(setup.concurrencies, ", "),
                  " calls in flight (one window each; an arm's max is its best level's median), ",
                  absl::FormatDuration(setup.closed.warmup), " warm-up + ",
                  absl::FormatDuration(setup.closed.duration), " measured per window. Fixed rate: ",
                  absl::StrFormat("%.0f", setup.open.rate),
                  " calls/s (half the slowest arm's max), open loop, latency from the intended "
                  "send time, ", absl::FormatDuration(setup.open.duration),
                  " measured per arm and repetition, in ", setup.rate_slices, " slice",
                  setup.rate_slices == 1 ? "" : "s", " of ",
                  absl::FormatDuration(setup.open.duration / setup.rate_slices), " (",
                  absl::FormatDuration(setup.open.warmup),
                  " warm-up each), the arms' slices in turn.\n");
  absl::StrAppend(&md, "- throughput and CPU: the median over windows; latency percentiles: "
                       "every window's calls together.\n");
  absl::StrAppend(&md, "- every arm: ", 2 * setup.endpoints_per_subset,
                  " server processes (MeshUp: subsets v1, v2 x ", setup.endpoints_per_subset,
                  "; plain gRPC: round robin; sidecars: one per server, the client's shared); "
                  "nginx: ", setup.nginx_workers, " worker(s) per sidecar.\n");
  absl::StrAppend(&md, "- CPU µs/call: utime+stime of every process of the arm (client, servers, "
                       "sidecars with their workers) over the window, per call.\n\n");
  absl::StrAppend(&md, "| arm | max calls/s (in flight) | p50 µs | p90 µs | p99 µs | p99.9 µs | CPU µs/call "
                       "@ rate | CPU µs/call @ max | peak RSS MiB (client / largest server) | "
                       "failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
  for (const ArmRuns& runs : arms) {
    const ArmFigures& f = figures[runs.arm.id];
    std::string rss = absl::StrCat(Mib(f.client_rss), " / ", Mib(f.server_rss));
    for (const auto& [role, kib] : f.peak_rss_kib) {
      if (absl::StartsWith(role, "sidecar")) absl::StrAppend(&rss, "; ", role, " ", Mib(kib));
    }
    absl::StrAppend(&md, absl::StrFormat("| %s | %.0f (%d) | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %d |\n",
                                         runs.arm.title, f.max_throughput, f.max_concurrency,
                                         f.at_rate.p50,
                                         f.at_rate.p90, f.at_rate.p99, f.at_rate.p999,
                                         f.cpu_at_rate, f.cpu_at_max, rss, f.failed));
  }

  nlohmann::json targets_json = nlohmann::json::array();
  if (figures.count("grpc") && figures.count("grpc-tls") && figures.count("mesh-mtls") &&
      figures.count("nginx")) {
    const ArmFigures& a2 = figures["grpc-tls"];
    const ArmFigures& a4 = figures["mesh-mtls"];
    const ArmFigures& a5 = figures["nginx"];
    auto runs_of = [&arms](const std::string& id) -> const ArmRuns& {
      return *std::find_if(arms.begin(), arms.end(),
                           [&id](const ArmRuns& runs) { return runs.arm.id == id; });
    };
    const ArmRuns& r1 = runs_of("grpc");
    const ArmRuns& r2 = runs_of("grpc-tls");
    const ArmRuns& r4 = runs_of("mesh-mtls");
    const ArmRuns& r5 = runs_of("nginx");
    auto p50 = [](const ArmRun& run) { return run.load.latency.p50; };
    auto p99 = [](const ArmRun& run) { return run.load.latency.p99; };
    auto cpu = [](const ArmRun& run) { return run.cpu_us_per_call; };
    auto throughput = [](const ArmRun& run) { return run.load.throughput; };
    // Arm against arm: per repetition, then the median (repetitions.h).
    const double added_p50 = MedianDifference(Each(r4.open, p50), Each(r2.open, p50));
    const double added_p99 = MedianDifference(Each(r4.open, p99), Each(r2.open, p99));
    const double added_cpu = MedianDifference(Each(r4.open, cpu), Each(r2.open, cpu));
    const double sidecar_p50 = MedianDifference(Each(r5.open, p50), Each(r1.open, p50));
    // Throughput: each arm at its best level, paired by repetition.
    const std::vector<double> max4 = Each(BestLevel(r4).runs, throughput);
    const double over_plain = MedianRatio(max4, Each(BestLevel(r2).runs, throughput));
    const double over_sidecar = MedianRatio(max4, Each(BestLevel(r5).runs, throughput));
    const double added_rss =
        std::max(a4.client_rss - a2.client_rss, a4.server_rss - a2.server_rss) / 1024.0;
    auto& t = summary.targets;
    t.push_back({"arm 4 throughput >= 0.95 x arm 2", absl::StrFormat("%.3f x", over_plain),
                 over_plain >= 0.95});
    // A median with its 95% interval (repetitions.h), when the run has
    // enough repetitions for one.
    auto with_interval = [](double median, const std::vector<double>& a,
                            const std::vector<double>& b) {
      std::string text = absl::StrFormat("%+.1f µs", median);
      if (std::optional<Interval> interval = MedianDifferenceInterval(a, b)) {
        absl::StrAppend(&text, absl::StrFormat(" (95%% CI %+.1f to %+.1f)", interval->low,
                                               interval->high));
      }
      return text;
    };
    t.push_back({"arm 4 added p50 over arm 2 <= 10 µs",
                 with_interval(added_p50, Each(r4.open, p50), Each(r2.open, p50)),
                 added_p50 <= 10});
    t.push_back({"arm 4 added p99 over arm 2 <= 30 µs",
                 with_interval(added_p99, Each(r4.open, p99), Each(r2.open, p99)),
                 added_p99 <= 30});
    t.push_back({"arm 4 added CPU per call over arm 2 <= 5 µs",
                 with_interval(added_cpu, Each(r4.open, cpu), Each(r2.open, cpu)),
                 added_cpu <= 5});
    t.push_back({"arm 4 added RSS per process over arm 2 <= 5 MiB",
                 absl::StrFormat("%+.1f MiB (client %+.1f, server %+.1f)", added_rss,
                                 (a4.client_rss - a2.client_rss) / 1024.0,
                                 (a4.server_rss - a2.server_rss) / 1024.0),
                 added_rss <= 5});
    t.push_back({"arm 4 throughput >= 3 x arm 5", absl::StrFormat("%.2f x", over_sidecar),
                 over_sidecar >= 3});
    t.push_back({"arm 4 added p50 <= 1/10 of arm 5's (arm 5 over arm 1)",
                 absl::StrFormat("%+.1f µs vs %+.1f µs / 10 = %.1f µs", added_p50, sidecar_p50,
                                 sidecar_p50 / 10),
                 added_p50 <= sidecar_p50 / 10});
    absl::StrAppend(&md, "\nRatios of the figures above: arm 4 / arm 2 throughput ",
                    absl::StrFormat("%.3f", a4.max_throughput / a2.max_throughput),
                    ", CPU/call ", absl::StrFormat("%.2f", a4.cpu_at_rate / a2.cpu_at_rate),
                    ", p50 ", absl::StrFormat("%.2f", a4.at_rate.p50 / a2.at_rate.p50),
                    "; arm 4 / arm 5 throughput ",
                    absl::StrFormat("%.2f", a4.max_throughput / a5.max_throughput), ", CPU/call ",
                    absl::StrFormat("%.2f", a4.cpu_at_rate / a5.cpu_at_rate), ", p50 ",
                    absl::StrFormat("%.2f", a4.at_rate.p50 / a5.at_rate.p50), ".\n\n");
    absl::StrAppend(&md,
                    "Targets: arm against arm within each repetition, then the median over "
                    "repetitions; the verdict is the median's. Beside it, the 95% confidence "
                    "interval of that median (sign test over the repetitions): when it spans "
                    "the target, this run cannot tell whether the target is met.\n\n"
                    "| target | measured | |\n|---|---|---|\n");
    for (const Target& target : t) {
      absl::StrAppend(&md, "| ", target.name, " | ", target.measured, " | ",
                      target.pass ? "PASS" : "**MISS**", " |\n");
      targets_json.push_back(
          {{"target", target.name}, {"measured", target.measured}, {"pass", target.pass}});
    }
  }
  summary.markdown = md;
  summary.json = {{"started", setup.started},
                  {"command", setup.command},
                  {"machine",
                   {{"cpu_model", setup.machine.cpu_model},
                    {"cpus", setup.machine.cpus},
                    {"kernel", setup.machine.kernel},
                    {"memory_kib", setup.machine.memory_kib}}},
                  {"loadavg_before", setup.load_before},
                  {"loadavg_after", setup.load_after},
                  {"repetitions", setup.repetitions},
                  {"payload_bytes", setup.closed.payload},
                  {"closed_loop",
                   {{"concurrency", setup.concurrencies},
                    {"warmup_s", absl::ToDoubleSeconds(setup.closed.warmup)},
                    {"duration_s", absl::ToDoubleSeconds(setup.closed.duration)}}},
                  {"fixed_rate",
                   {{"rate", setup.open.rate},
                    {"warmup_s", absl::ToDoubleSeconds(setup.open.warmup)},
                    {"duration_s", absl::ToDoubleSeconds(setup.open.duration)},
                    {"slices", setup.rate_slices}}},
                  {"nginx_workers", setup.nginx_workers},
                  {"endpoints_per_subset", setup.endpoints_per_subset},
                  {"arms", arms_json},
                  {"targets", targets_json}};
  return summary;
}

}  // namespace meshup::bench
