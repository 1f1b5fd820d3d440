#include "apply_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
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

// Prints `meshup check`'s findings on the configuration after a change,
// when the workloads they are checked against are known.
void PrintFindings(const config::Snapshot& snapshot, const std::string& registry_dir) {
  if (registry_dir.empty()) return;
  absl::StatusOr<std::vector<KnownWorkload>> workloads = RegistryWorkloads(registry_dir);
  if (!workloads.ok()) {
    std::fprintf(stderr, "meshup check: %s\n", std::string(workloads.status().message()).c_str());
    return;
  }
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
  PrintFindings(*result->snapshot, registry_dir);
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
