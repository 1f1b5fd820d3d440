// `meshup up DIR`, `meshup down`: a sample's workloads as local processes
// (see local_mesh.h). `up` stays in the foreground until Ctrl-C (SIGINT) or
// SIGTERM, then stops everything gracefully; `up --detach` returns once the
// mesh is ready and `down` stops it later.
#ifndef MESHUP_CLI_UP_COMMAND_H_
#define MESHUP_CLI_UP_COMMAND_H_

#include "CLI/CLI.hpp"

namespace meshup::cli {

void AddUpCommands(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_UP_COMMAND_H_
