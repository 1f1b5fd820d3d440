#include "apply_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config_check.h"
#include "config_store.h"
#include "get_command.h"
#include "local_mesh.h"

namespace meshup::cli {
namespace {

namespace fs = std::filesystem;

struct ApplyFlags {
  LiveTarget target;
  std::vector<std::string> files;
  bool ignore_not_found = false;
};

// The workloads a running mesh runs (state.json), as the checks know them:
// the HTTP front end does not register, yet serves its host.
std::vector<KnownWorkload> MeshWorkloads(const std::string& state_dir) {
  std::vector<KnownWorkload> workloads;
  absl::StatusOr<LocalMesh> mesh = ReadLocalMesh(state_dir);
  if (!mesh.ok()) return workloads;
  for (const LocalWorkload& workload : mesh->workloads) {
    // spiffe://<trust domain>/ns/<namespace>/sa/<service account>
    std::vector<std::string> parts = absl::StrSplit(workload.identity, '/');
    KnownWorkload known;
    known.labels = {{"app", workload.service}, {"version", workload.version}};
    if (parts.size() == 7 && parts[3] == "ns" && parts[5] == "sa") {
      known.namespace_name = parts[4];
      known.service_account = parts[6];
    } else {
      known.namespace_name = "default";
    }
    workloads.push_back(std::move(known));
  }
  return workloads;
}

// Prints `meshup check`'s findings on the configuration after a change,
// when the workloads they are checked against are known (a running mesh).
void PrintFindings(const config::Snapshot& snapshot, const std::string& registry_dir,
                   const std::string& state_dir) {
  if (registry_dir.empty()) return;
  absl::StatusOr<std::vector<KnownWorkload>> workloads = RegistryWorkloads(registry_dir);
  if (!workloads.ok()) {
    std::fprintf(stderr, "meshup check: %s\n", std::string(workloads.status().message()).c_str());
    return;
  }
  for (KnownWorkload& workload : MeshWorkloads(state_dir))
    workloads->push_back(std::move(workload));
  for (const Finding& finding : CheckSnapshot(snapshot, *workloads)) {
    std::fprintf(stderr, "Warning: %s\n", finding.ToString().c_str());
  }
}

int Run(const ApplyFlags& flags, bool apply) {
  const char* command = apply ? "apply" : "delete";
  std::string registry_dir;
  absl::StatusOr<ChangeResult> result = absl::UnknownError("");
  absl::StatusOr<std::string> config_dir = LiveConfigDir(flags.target, &registry_dir);
  absl::StatusOr<std::vector<config::ConfigFile>> files =
      config_dir.ok() ? ReadConfigPaths(flags.files) : config_dir.status();
  if (!files.ok()) {
    result = files.status();
  } else {
    ConfigStore store(*config_dir);
    result = apply ? store.Apply(*files) : store.Delete(*files, flags.ignore_not_found);
  }
  if (!result.ok()) {
    std::fprintf(stderr, "meshup %s: %s\n", command,
                 std::string(result.status().message()).c_str());
    return 1;
  }
  for (const Change& change : result->changes) std::printf("%s\n", change.ToString().c_str());
  std::fflush(stdout);
  PrintFindings(*result->snapshot, registry_dir, flags.target.state_dir);
  return 0;
}

}  // namespace

void LiveTarget::AddOptions(CLI::App& command) {
  command.add_option("--state", state_dir, "The state directory of `meshup up`")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  command.add_option("--config-dir", config_dir,
                     "A configuration directory to use instead of a running mesh's");
}

absl::StatusOr<std::string> LiveConfigDir(const LiveTarget& target, std::string* registry_dir) {
  registry_dir->clear();
  if (!target.config_dir.empty()) return target.config_dir;
  absl::StatusOr<LocalMesh> mesh = ReadLocalMesh(target.state_dir);
  if (!mesh.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no mesh runs from state directory ", target.state_dir,
        " (no state.json): start one with `meshup up DIR --state ", target.state_dir,
        "`, pick another with --state or MESHUP_STATE, or name a configuration directory with "
        "--config-dir"));
  }
  *registry_dir = (fs::path(target.state_dir) / "registry").string();
  return (fs::path(target.state_dir) / "config").string();
}

void AddApplyCommands(CLI::App& app, int& exit_code) {
  for (const bool apply : {true, false}) {
    auto flags = std::make_shared<ApplyFlags>();
    CLI::App* command = app.add_subcommand(
        apply ? "apply" : "delete",
        apply ? "Create or replace a YAML file's objects in a running mesh's configuration"
              : "Remove the objects a YAML file names from a running mesh's configuration");
    command
        ->add_option("-f,--filename,file", flags->files,
                     "YAML files or directories of them (their *.yaml, *.yml); - is stdin")
        ->required()
        ->default_str("");
    flags->target.AddOptions(*command);
    if (!apply) {
      command->add_flag("--ignore-not-found", flags->ignore_not_found,
                        "Delete the objects that are live; the others are no error");
    }
    command->callback([flags, apply, &exit_code] { exit_code = Run(*flags, apply); });
  }
  AddGetCommand(app, exit_code);
}

}  // namespace meshup::cli
