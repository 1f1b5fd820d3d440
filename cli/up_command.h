// `meshup up DIR`, `meshup down`: a sample's workloads as local processes
// (see local_mesh.h). `up` stays in the foreground until Ctrl-C (SIGINT) or
// SIGTERM, restarting a workload that exits (supervisor.h), then stops
// everything gracefully; `up --detach` returns once the mesh is ready and
// nothing supervises it. `down` stops either: a foreground `up` recorded in
// state.json is sent SIGTERM and stops its own workloads (so that it does
// not restart them), a detached mesh's processes are stopped directly.
#ifndef MESHUP_CLI_UP_COMMAND_H_
#define MESHUP_CLI_UP_COMMAND_H_

#include "CLI/CLI.hpp"

namespace meshup::cli {

void AddUpCommands(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_UP_COMMAND_H_
