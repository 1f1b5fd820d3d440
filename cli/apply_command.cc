#include "apply_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/loader.h"
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

// The workloads the checks know for a running mesh: its file registry's and
// those of state.json. Empty, with the error printed, when unreadable.
std::optional<std::vector<KnownWorkload>> CheckedWorkloads(const std::string& registry_dir,
                                                           const std::string& state_dir) {
  absl::StatusOr<std::vector<KnownWorkload>> workloads = RegistryWorkloads(registry_dir);
  if (!workloads.ok()) {
    std::fprintf(stderr, "meshup check: %s\n", std::string(workloads.status().message()).c_str());
    return std::nullopt;
  }
  for (KnownWorkload& workload : MeshWorkloads(state_dir))
    workloads->push_back(std::move(workload));
  return *std::move(workloads);
}

std::string FindingKey(const Finding& finding) {
  return absl::StrCat(finding.code, " ", finding.file, " ", finding.message);
}

// Prints `meshup check`'s findings on the configuration after a change, as
// kubectl prints an object's warnings: those on the applied files' objects,
// and any other the change brought (`before`: the findings it found). What
// was already wrong elsewhere is `meshup check`'s to say, not every apply's.
// An error does not undo the change, as Istio applies such configuration
// too; a closing line says so, since the exit status cannot.
void PrintFindings(const char* command, const config::Snapshot& snapshot,
                   const std::vector<KnownWorkload>& workloads, const std::vector<Finding>& before,
                   const std::vector<config::ConfigFile>& applied) {
  int errors = 0;
  std::set<std::string> known;
  for (const Finding& finding : before) known.insert(FindingKey(finding));
  for (const Finding& finding : CheckSnapshot(snapshot, workloads)) {
    const bool on_applied =
        std::any_of(applied.begin(), applied.end(), [&](const config::ConfigFile& file) {
          return finding.file == file.name ||
                 (finding.file.empty() && absl::StartsWith(finding.message, file.name + ":"));
        });
    if (!on_applied && known.count(FindingKey(finding)) > 0) continue;
    const bool error = finding.severity == Finding::Severity::kError;
    if (error) ++errors;
    std::fprintf(stderr, "%s: %s\n", error ? "Error" : "Warning", finding.ToString().c_str());
  }
  if (errors > 0) {
    std::fprintf(stderr,
                 "meshup %s: done, as Istio does it, despite %d error(s) above: the calls they "
                 "concern fail until the configuration is fixed\n",
                 command, errors);
  }
}

// `meshup delete KIND/NAME ...` or `KIND NAME ...`, as kubectl takes them
// (Istio's tasks clean up so): the arguments name live objects rather than
// files when none of them is a path that exists and the first names a kind.
bool NamesObjects(const std::vector<std::string>& args) {
  if (args.empty()) return false;
  for (const std::string& arg : args) {
    std::error_code error;
    if (arg == "-" || std::filesystem::exists(arg, error)) return false;
  }
  const std::string& first = args.front();
  return !KindOf(first.substr(0, first.find('/'))).empty();
}

// The live documents the arguments name, as files for ConfigStore::Delete;
// those not live go to `missing` ("virtualservice.networking.istio.io/x").
absl::StatusOr<std::vector<config::ConfigFile>> NamedObjects(const std::string& config_dir,
                                                             const std::vector<std::string>& args,
                                                             std::vector<std::string>& missing) {
  std::vector<std::pair<std::string, std::string>> wanted;  // kind, name
  if (args.front().find('/') == std::string::npos) {
    if (args.size() < 2) {
      return absl::InvalidArgumentError(absl::StrCat("name the ", KindOf(args.front()),
                                                     " to delete: meshup delete ", args.front(),
                                                     " NAME ..."));
    }
    for (size_t i = 1; i < args.size(); ++i) wanted.emplace_back(KindOf(args.front()), args[i]);
  } else {
    for (const std::string& arg : args) {
      const size_t slash = arg.find('/');
      const std::string kind =
          slash == std::string::npos ? std::string() : KindOf(arg.substr(0, slash));
      if (kind.empty() || slash + 1 == arg.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", arg, "' is neither a file nor KIND/NAME (e.g. vs/reviews)"));
      }
      wanted.emplace_back(kind, arg.substr(slash + 1));
    }
  }
  absl::StatusOr<std::vector<StoredObject>> live = ConfigStore(config_dir).List();
  if (!live.ok()) return live.status();
  std::vector<config::ConfigFile> files;
  for (const auto& [kind, name] : wanted) {
    std::vector<const StoredObject*> found;
    for (const StoredObject& object : *live) {
      if (object.kind == kind && object.name == name) found.push_back(&object);
    }
    if (found.empty()) missing.push_back(ResourceName(kind, name));
    if (found.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(ResourceName(kind, name),
                       " is live in several namespaces: delete it with -f and a file naming "
                       "its namespace"));
    }
    if (found.size() == 1) files.push_back({found.front()->file, found.front()->text});
  }
  return files;
}

int Run(const ApplyFlags& flags, bool apply) {
  const char* command = apply ? "apply" : "delete";
  std::string registry_dir;
  absl::StatusOr<ChangeResult> result = absl::UnknownError("");
  absl::StatusOr<std::string> config_dir = LiveConfigDir(flags.target, &registry_dir);
  std::vector<std::string> missing;  // objects named that are not live
  absl::StatusOr<std::vector<config::ConfigFile>> files =
      !config_dir.ok()                      ? config_dir.status()
      : !apply && NamesObjects(flags.files) ? NamedObjects(*config_dir, flags.files, missing)
                                            : ReadConfigPaths(flags.files);
  if (files.ok() && !missing.empty()) {
    if (!flags.ignore_not_found) {
      std::fprintf(
          stderr,
          "meshup delete: not deleted: %s not in the live configuration (%s); "
          "--ignore-not-found deletes the others\n",
          absl::StrCat(absl::StrJoin(missing, ", "), missing.size() == 1 ? " is" : " are").c_str(),
          config_dir->c_str());
      return 1;
    }
    for (const std::string& name : missing) std::printf("%s not found (ignored)\n", name.c_str());
    std::fflush(stdout);
    if (files->empty()) return 0;
  }
  // The checks run when the workloads they are checked against are known
  // (a running mesh), on what the change brings.
  std::optional<std::vector<KnownWorkload>> workloads;
  std::vector<Finding> before;
  if (files.ok() && !registry_dir.empty()) {
    workloads = CheckedWorkloads(registry_dir, flags.target.state_dir);
    absl::StatusOr<std::shared_ptr<const config::Snapshot>> current =
        config::LoadConfigDirectory(*config_dir);
    if (workloads && current.ok()) before = CheckSnapshot(**current, *workloads);
  }
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
  if (workloads) {
    PrintFindings(command, *result->snapshot, *workloads, before,
                  apply ? *files : std::vector<config::ConfigFile>{});
  }
  return 0;
}

}  // namespace

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
                     apply ? "YAML files or directories of them (their *.yaml, *.yml); - is stdin"
                           : "YAML files or directories of them (their *.yaml, *.yml); - is "
                             "stdin. Or live objects: KIND/NAME ... or KIND NAME ...")
        ->default_str("");
    flags->target.AddOptions(*command);
    if (!apply) {
      command->add_flag("--ignore-not-found", flags->ignore_not_found,
                        "Delete the objects that are live; the others are no error");
    }
    command->callback([flags, apply, &exit_code] {
      if (flags->files.empty()) {  // a usage error, said as CLI11 says its own
        std::fprintf(stderr,
                     "meshup %s: name what to %s: -f FILE, a directory, or - (stdin)%s\n"
                     "Run with --help for more information.\n",
                     apply ? "apply" : "delete", apply ? "apply" : "delete",
                     apply ? "" : ", or KIND/NAME");
        exit_code = 2;
        return;
      }
      exit_code = Run(*flags, apply);
    });
  }
  AddGetCommand(app, exit_code);
}

}  // namespace meshup::cli
