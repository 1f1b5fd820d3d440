// meshup_bench_side_by_side: MeshUp's side-by-side benchmark in one
// command. Each repetition starts every arm's processes afresh (arms.h) and
// runs them in turn (interleaved, in a balanced order that changes each
// time: side_by_side/repetitions.h). The closed-loop repetitions run one
// short window per arm and concurrency level, for the max throughput; then,
// at half the slowest arm's max, each fixed-rate repetition runs every
// arm's window as a few slices, the arms' slices in turn
// (side_by_side/slices.h), for latency and CPU per call. Prints the
// summary (markdown) and writes it, with every window's figures as JSON, to
// --out. --quick is the test suite's smoke run: short windows, one
// repetition, and a non-zero exit if any call failed; no timing is judged.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "side_by_side/arms.h"
#include "side_by_side/proc_stats.h"
#include "side_by_side/repetitions.h"
#include "side_by_side/slices.h"
#include "side_by_side/summary.h"

namespace {

using namespace meshup::bench;  // NOLINT: a main of this namespace's tools

int Fail(const std::string& message) {
  std::fprintf(stderr, "meshup_bench_side_by_side: %s\n", message.c_str());
  return 1;
}

std::string SelfDirectory() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "." : self.parent_path().string();
}

// The duration `option` was given, e.g. "500ms" or "2s": finite, and zero
// only for a warm-up.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view option, const std::string& text,
                                             bool zero_allowed = false) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration < absl::ZeroDuration() ||
      duration == absl::InfiniteDuration() ||
      (duration == absl::ZeroDuration() && !zero_allowed)) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": not a finite", zero_allowed ? " non-negative" : " positive",
                     " duration: '", text, "' (say 500ms or 2s)"));
  }
  return duration;
}

// Removes the work directory when done, unless told to keep it.
struct WorkDirectory {
  std::string path;
  bool keep = false;
  ~WorkDirectory() {
    std::error_code error;
    if (!keep && !path.empty()) std::filesystem::remove_all(path, error);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MeshUp's side-by-side benchmark: plain gRPC, MeshUp and a sidecar pair"};
  bool quick = false, keep = false;
  int repetitions = 30;
  int rate_slices = 4;
  LoadSpec closed;
  // Fixed-rate windows are longer than closed-loop ones: per-call CPU and
  // latency at a low rate vary within seconds, and the targets on them are
  // a few microseconds (docs/performance.md).
  std::string warmup_text = "500ms", duration_text = "2s", rate_duration_text = "6s";
  std::string arms_text, out_dir, prepare_dir;
  double rate = 0;
  Environment environment;
  environment.bin_dir = SelfDirectory();
  app.add_flag("--quick", quick, "smoke run: 1 repetition, 0.5 s warm-up, 1.5 s windows");
  app.add_option("--repetitions", repetitions, "rounds over every arm")->check(CLI::PositiveNumber);
  std::vector<int> concurrencies = {8, 32, 128};
  app.add_option("--concurrency", concurrencies,
                 "closed loop: calls in flight, comma-separated levels; an arm's max "
                 "throughput is its best level's")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--payload", closed.payload, "bytes each way")->check(CLI::NonNegativeNumber);
  app.add_option("--warmup", warmup_text, "warm-up before each window");
  app.add_option("--duration", duration_text, "each measured closed-loop window");
  app.add_option("--rate-duration", rate_duration_text,
                 "an arm's measured time at the fixed rate per repetition (in --rate-slices)");
  app.add_option("--rate-slices", rate_slices,
                 "take each fixed-rate window as this many slices, the arms' slices in turn "
                 "(each with its own warm-up)")
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", rate, "the fixed rate (0: half the slowest arm's max)");
  app.add_option("--arms", arms_text,
                 "comma-separated arm ids (default: the five; grpc-tls-provider and "
                 "mesh-mtls-non-blocking on request)");
  app.add_option("--out", out_dir, "write side_by_side.{md,json} (and a dated copy) here");
  app.add_option("--bin-dir", environment.bin_dir, "where meshup_loadgen and the echo server are");
  app.add_option("--nginx", environment.nginx, "the nginx binary");
  app.add_option("--nginx-workers", environment.nginx_workers, "worker processes per sidecar");
  app.add_option("--endpoints-per-subset", environment.endpoints_per_subset,
                 "server processes per MeshUp subset; every arm serves from twice as many")
      ->check(CLI::PositiveNumber);
  app.add_flag("--keep", keep, "keep the work directory (configs, logs)");
  app.add_option("--prepare", prepare_dir,
                 "only write the CA, identities, certificates and mesh configurations the arms "
                 "use into this directory, and exit (to run an arm's processes by hand)");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    repetitions = 1;
    warmup_text = "500ms";
    duration_text = "1500ms";
    rate_duration_text = "1500ms";
    concurrencies = {8};
    rate_slices = 2;
  }
  absl::StatusOr<absl::Duration> warmup = ParseDuration("--warmup", warmup_text, true);
  if (!warmup.ok()) return Fail(warmup.status().ToString());
  absl::StatusOr<absl::Duration> duration = ParseDuration("--duration", duration_text);
  if (!duration.ok()) return Fail(duration.status().ToString());
  absl::StatusOr<absl::Duration> rate_duration =
      ParseDuration("--rate-duration", rate_duration_text);
  if (!rate_duration.ok()) return Fail(rate_duration.status().ToString());
  closed.warmup = *warmup;
  closed.duration = *duration;
  if (*rate_duration / rate_slices < absl::Milliseconds(100)) {
    return Fail(absl::StrCat("--rate-slices: ", rate_slices, " slices of --rate-duration ",
                             absl::FormatDuration(*rate_duration), " are ",
                             absl::FormatDuration(*rate_duration / rate_slices),
                             " each; a slice must be 100ms or more"));
  }

  std::vector<Arm> arms;
  if (arms_text.empty()) {
    arms = AllArms();
  } else {
    for (absl::string_view id : absl::StrSplit(arms_text, ',')) {
      const Arm* found = FindArm(id);
      if (found == nullptr) return Fail(absl::StrCat("no arm '", id, "'"));
      arms.push_back(*found);
    }
  }

  if (!prepare_dir.empty()) {
    environment.work_dir = prepare_dir;
    std::error_code error;
    std::filesystem::create_directories(prepare_dir, error);
    if (error) return Fail(absl::StrCat("cannot make ", prepare_dir, ": ", error.message()));
    if (absl::Status prepared = PrepareEnvironment(environment); !prepared.ok()) {
      return Fail(prepared.ToString());
    }
    std::printf("prepared %s\n", prepare_dir.c_str());
    return 0;
  }

  char work_template[] = "/tmp/meshup-bench-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return Fail("cannot make a temporary directory");
  WorkDirectory work{work_template, keep};
  environment.work_dir = work.path;
  if (absl::Status prepared = PrepareEnvironment(environment); !prepared.ok()) {
    return Fail(prepared.ToString());
  }

  Setup setup;
  setup.machine = DescribeMachine();
  setup.load_before = LoadAverage();
  setup.started = absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::Now(), absl::UTCTimeZone());
  setup.repetitions = repetitions;
  setup.nginx_workers = environment.nginx_workers;
  setup.endpoints_per_subset = environment.endpoints_per_subset;
  std::vector<std::string> args(argv + 1, argv + argc);
  setup.command = absl::StrJoin(args, " ");
  setup.command = absl::StrCat("meshup_bench_side_by_side", setup.command.empty() ? "" : " ",
                               setup.command);
  std::fprintf(stderr, "machine: %s, %d CPUs; load %s; work dir %s\n",
               setup.machine.cpu_model.c_str(), setup.machine.cpus, setup.load_before.c_str(),
               work.path.c_str());

  // A driver writing to a load generator that died gets an error, not SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  // Each repetition runs fresh processes of every arm: one start of a
  // process can run a few percent faster or slower than the next (where its
  // threads and memory landed), and a repetition then samples that as much
  // as the machine's moment. The processes of the repetition before are
  // stopped first.
  std::vector<std::unique_ptr<RunningArm>> running;
  auto start_arms = [&]() -> absl::Status {
    running.clear();
    for (const Arm& arm : arms) {
      absl::StatusOr<std::unique_ptr<RunningArm>> started =
          RunningArm::Start(environment, arm, closed.payload);
      if (!started.ok()) {
        return absl::Status(started.status().code(),
                            absl::StrCat("starting ", arm.id, ": ", started.status().message()));
      }
      running.push_back(*std::move(started));
    }
    return absl::OkStatus();
  };
  std::vector<ArmRuns> results;
  for (const Arm& arm : arms) results.push_back({arm, {}, {}});
  bool failed_calls = false;
  // One window of arm `index`, printed as it ends.
  auto run = [&](size_t index, const LoadSpec& load) -> absl::StatusOr<ArmRun> {
    const std::string& id = results[index].arm.id;
    absl::StatusOr<ArmRun> result = running[index]->Run(load);
    if (!result.ok()) {
      return absl::Status(result.status().code(),
                          absl::StrCat(id, ": ", result.status().message()));
    }
    std::fprintf(stderr, "  %-16s %-6s %9.0f calls/s  p50 %7.1f us  p99 %7.1f us  %6.1f CPU us/call  failed %llu\n",
                 id.c_str(), load.rate > 0 ? "open" : "closed", result->load.throughput,
                 result->load.latency.p50, result->load.latency.p99, result->cpu_us_per_call,
                 static_cast<unsigned long long>(result->load.failed + result->load.not_started));
    if (result->load.failed + result->load.not_started > 0 || result->load.succeeded == 0) {
      failed_calls = true;
    }
    return result;
  };

  for (int rep = 1; rep <= repetitions; ++rep) {
    std::fprintf(stderr, "closed loop, repetition %d/%d (load %s)\n", rep, repetitions,
                 LoadAverage().c_str());
    if (absl::Status started = start_arms(); !started.ok()) return Fail(started.ToString());
    for (int concurrency : concurrencies) {
      LoadSpec level = closed;
      level.concurrency = concurrency;
      for (size_t index : BalancedOrder(rep, results.size())) {
        absl::StatusOr<ArmRun> window = run(index, level);
        if (!window.ok()) return Fail(window.status().ToString());
        results[index].closed.push_back(*std::move(window));
      }
    }
  }
  LoadSpec open = closed;
  open.duration = *rate_duration;
  LoadSpec slice = open;
  slice.duration = *rate_duration / rate_slices;
  open.rate = rate;
  if (open.rate <= 0) {
    double slowest = 0;
    for (const ArmRuns& runs : results) {
      const double max = BestLevel(runs).throughput;  // as the table shows it
      if (slowest == 0 || max < slowest) slowest = max;
    }
    open.rate = std::max(1.0, std::floor(slowest / 2));
  }
  slice.rate = open.rate;
  for (int rep = 1; rep <= repetitions; ++rep) {
    std::fprintf(stderr, "open loop at %.0f calls/s, repetition %d/%d (load %s)\n", open.rate,
                 rep, repetitions, LoadAverage().c_str());
    if (absl::Status started = start_arms(); !started.ok()) return Fail(started.ToString());
    // Each arm's window in slices, the arms in turn (side_by_side/slices.h);
    // the slices' orders continue the balanced sequence across repetitions.
    std::vector<std::vector<ArmRun>> slices(results.size());
    for (int s = 0; s < rate_slices; ++s) {
      for (size_t index : BalancedOrder((rep - 1) * rate_slices + s + 1, results.size())) {
        absl::StatusOr<ArmRun> window = run(index, slice);
        if (!window.ok()) return Fail(window.status().ToString());
        slices[index].push_back(*std::move(window));
      }
    }
    for (size_t index = 0; index < results.size(); ++index) {
      absl::StatusOr<ArmRun> merged = MergeSlices(slices[index]);
      if (!merged.ok()) {
        return Fail(absl::StrCat(results[index].arm.id, ": ", merged.status().message()));
      }
      results[index].open.push_back(*std::move(merged));
    }
  }
  setup.closed = closed;
  setup.concurrencies = concurrencies;
  setup.open = open;
  setup.rate_slices = rate_slices;
  setup.load_after = LoadAverage();

  const Summary summary = Summarize(setup, results);
  std::printf("%s", summary.markdown.c_str());
  if (!out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    const std::string stamp =
        absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(), absl::UTCTimeZone());
    for (const std::string& base : {std::string("side_by_side"), absl::StrCat("side_by_side-", stamp)}) {
      std::ofstream(absl::StrCat(out_dir, "/", base, ".md")) << summary.markdown;
      std::ofstream(absl::StrCat(out_dir, "/", base, ".json")) << summary.json.dump() << "\n";
    }
    std::fprintf(stderr, "results in %s/side_by_side.{md,json}\n", out_dir.c_str());
  }
  if (failed_calls) return Fail("some calls failed (see the table's failed column)");
  return 0;
}
