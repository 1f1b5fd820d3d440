// `meshup apply`, `meshup delete` and `meshup get`: a running mesh's live
// configuration as kubectl shows a cluster's (see config_store.h).
//
//   meshup apply -f FILE|DIR ...   create or replace the objects; per object
//                                  "created", "configured" or "unchanged";
//                                  then `meshup check`'s findings on what
//                                  the change touched
//   meshup delete -f FILE|DIR ...  remove the objects the files name (or
//                                  KIND/NAME ..., KIND NAME ...); one that
//                                  is not live is an error (--ignore-not-found)
//   meshup get [KIND [NAME]]       what is live and where it came from
//
// Files may also be given without -f. The mesh is the one `meshup up` runs
// from --state (env MESHUP_STATE, default .meshup): with no mesh running the
// commands fail and name the state directory, since the next `meshup up`
// would replace the configuration anyway. --config-dir names a configuration
// directory instead (workloads started by hand), with no mesh needed.
#ifndef MESHUP_CLI_APPLY_COMMAND_H_
#define MESHUP_CLI_APPLY_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "config_check.h"

namespace meshup::cli {

// Where `meshup apply`, `delete` and `get` work.
struct LiveTarget {
  std::string state_dir = ".meshup";
  std::string config_dir;  // when set, used as is and no mesh is needed

  // Adds --state and --config-dir to `command`.
  void AddOptions(CLI::App& command);
};

// The configuration directory of the target: `config_dir` if set, else the
// state directory's config/ when a mesh runs from it (an error naming the
// state directory otherwise). `registry_dir` gets the mesh's registry, or
// empty with --config-dir.
absl::StatusOr<std::string> LiveConfigDir(const LiveTarget& target, std::string* registry_dir);

// The workloads a mesh that `meshup up` runs from `state_dir` runs (its
// state.json), as the checks know them, also those that are starting and
// not registered yet. Empty when no mesh runs from it.
std::vector<KnownWorkload> MeshWorkloads(const std::string& state_dir);

void AddApplyCommands(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_APPLY_COMMAND_H_
