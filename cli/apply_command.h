// `meshup apply FILE` and `meshup delete FILE`: change a running mesh's
// configuration the way `kubectl apply -f` / `kubectl delete -f` change a
// cluster's. Each document of FILE is an object (kind, namespace, name); the
// configuration directory keeps one file per object, so applying a document
// replaces the object of the same kind and name (a VirtualService `reviews`)
// rather than adding a second one.
//
// Nothing is half-applied: FILE must load on its own (errors name FILE's
// lines), and the directory with the change must load as a whole (a route
// to a subset nobody defines is refused), before any file is written or
// removed. Workloads watch the directory and switch within a second.
#ifndef MESHUP_CLI_APPLY_COMMAND_H_
#define MESHUP_CLI_APPLY_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace meshup::cli {

// What changed, one line per object ("virtualservice default/reviews configured").
absl::StatusOr<std::vector<std::string>> ApplyConfigFile(const std::string& file,
                                                         const std::string& config_dir);
absl::StatusOr<std::vector<std::string>> DeleteConfigFile(const std::string& file,
                                                          const std::string& config_dir);

void AddApplyCommands(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_APPLY_COMMAND_H_
