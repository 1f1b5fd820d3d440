// `meshup ca`: the built-in certificate authority.
//   meshup ca init  [--dir DIR] [--trust-domain TD] [--ttl DURATION] [--force]
//   meshup ca issue --service-account SA [--namespace NS] [--ttl DURATION]
//                   [--dir DIR] [--out DIR]
#ifndef MESHUP_CLI_CA_COMMAND_H_
#define MESHUP_CLI_CA_COMMAND_H_

#include "CLI/CLI.hpp"

namespace meshup::cli {

// Adds the `ca` subcommand to `app`; its actions set `exit_code`.
void AddCaCommand(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_CA_COMMAND_H_
