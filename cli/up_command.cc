#include "up_command.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "local_mesh.h"
#include "processes.h"
#include "supervisor.h"
#include "util/clock.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

struct UpFlags {
  UpOptions options;
  bool detach = false;
};

// The directory of the running `meshup` binary's sibling samples/<name>, as
// the build lays them out (build/cli/meshup, build/samples/bookinfo/).
std::string DefaultBinDir(const std::string& sample_dir) {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  return (self.parent_path().parent_path() / "samples" /
          fs::absolute(sample_dir).lexically_normal().filename())
      .string();
}

int RunUp(UpFlags& flags) {
  if (flags.options.bin_dir.empty()) flags.options.bin_dir = DefaultBinDir(flags.options.sample_dir);
  // Ctrl-C while starting waits until the start is done or undone.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  std::printf("starting %s (state in %s) ...\n", flags.options.sample_dir.c_str(),
              flags.options.state_dir.c_str());
  std::fflush(stdout);
  flags.options.supervised = !flags.detach;
  absl::StatusOr<LocalMesh> mesh = StartLocalMesh(flags.options);
  if (!mesh.ok()) {
    std::fprintf(stderr, "meshup up: %s\n", std::string(mesh.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", DescribeLocalMesh(*mesh).c_str());
  std::printf("open %s\n", mesh->url.c_str());
  if (flags.detach) {
    std::printf("running in the background: `meshup down --state %s` stops it\n",
                flags.options.state_dir.c_str());
    return 0;
  }
  std::printf("Ctrl-C stops everything; a workload that exits is restarted\n");
  std::fflush(stdout);
  LocalMeshProcesses processes(*mesh);
  Supervisor supervisor(processes, internal::Clock::Real());
  const timespec tick{0, 200 * 1000 * 1000};
  while (true) {
    siginfo_t info;
    if (sigtimedwait(&stop_signals, &info, &tick) > 0) break;
    std::vector<std::string> lines = supervisor.Tick();
    for (std::string& line : processes.Refresh()) lines.push_back(std::move(line));
    for (const std::string& line : lines) std::fprintf(stderr, "meshup up: %s\n", line.c_str());
  }
  std::printf("stopping ...\n");
  std::fflush(stdout);
  StopLocalMesh(*mesh);
  std::printf("stopped\n");
  return 0;
}

int RunDown(const std::string& state_dir) {
  absl::StatusOr<LocalMesh> mesh = ReadLocalMesh(state_dir);
  if (!mesh.ok()) {
    std::fprintf(stderr, "meshup down: %s\n", std::string(mesh.status().message()).c_str());
    return 1;
  }
  if (IsRunning(mesh->supervisor)) {
    // A foreground `meshup up` restarts what exits: it stops the mesh itself.
    // What it stops is what runs now, not every workload it recorded.
    int running = 0;
    for (const LocalWorkload& workload : mesh->workloads) {
      if (IsRunning(workload.process())) ++running;
    }
    const pid_t pid = mesh->supervisor.pid;
    kill(pid, SIGTERM);
    // Its own stop takes up to twice its grace (front end, then the rest).
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (IsRunning(mesh->supervisor) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (IsRunning(mesh->supervisor)) {
      std::fprintf(stderr, "meshup down: meshup up (pid %d) did not stop in time; killing it\n",
                   pid);
      kill(pid, SIGKILL);
      for (int i = 0; i < 250 && IsRunning(mesh->supervisor); ++i) {
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
    absl::StatusOr<LocalMesh> left = ReadLocalMesh(state_dir);
    if (!left.ok()) {
      std::printf("stopped meshup up (pid %d), which stopped its %d running workload%s\n", pid,
                  running, running == 1 ? "" : "s");
      return 0;
    }
    // It did not finish: what it recorded last is stopped here.
    mesh = std::move(left);
  }
  const StopReport report = StopLocalMesh(*mesh);
  for (const std::string& gone : report.gone) {
    std::fprintf(stderr, "meshup down: %s\n", gone.c_str());
  }
  std::printf("stopped %d workloads\n", report.stopped);
  return 0;
}

}  // namespace

void AddUpCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<UpFlags>();
  CLI::App* up = app.add_subcommand(
      "up",
      "Run a sample's workloads on this machine over mTLS (e.g. samples/bookinfo); in the "
      "foreground, restart any that exits");
  up->footer(
      "In the foreground, `meshup up` restarts a workload that exits (a crash, kill -9) with the "
      "same program, environment and log file (appended to): 1 s after it exits, doubling after "
      "each exit that follows a run of under a minute, up to 30 s. Each exit and restart is a "
      "line on stderr; state.json records the new process, so `meshup down` and `meshup stat` "
      "from another shell see it.\n"
      "With --detach nothing supervises the mesh: a workload that exits stays down until "
      "`meshup down` and `meshup up` again.");
  up->add_option("dir", flags->options.sample_dir, "The sample: its deploy.yaml and config/")
      ->required();
  up->add_option("--state", flags->options.state_dir, "The state directory")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  up->add_option("--bin-dir", flags->options.bin_dir,
                 "Where the sample's binaries are (default: the build's samples/<dir name>)");
  up->add_option("--host", flags->options.host, "The front end's address")->capture_default_str();
  up->add_option("--port", flags->options.port, "The front end's port; 0 picks a free one")
      ->capture_default_str();
  up->add_flag("--detach,-d", flags->detach,
               "Return once ready; `meshup down` stops the mesh. Nothing restarts a workload "
               "that exits then");
  up->callback([flags, &exit_code] { exit_code = RunUp(*flags); });

  auto state_dir = std::make_shared<std::string>(".meshup");
  CLI::App* down = app.add_subcommand(
      "down", "Stop a mesh that `meshup up` runs, detached or in another shell's foreground");
  down->add_option("--state", *state_dir, "The state directory")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  down->callback([state_dir, &exit_code] { exit_code = RunDown(*state_dir); });
}

}  // namespace meshup::cli
