// `meshup check`: what loads fine but is wrong in a configuration directory
// (cli/config_check.h lists the findings and their codes).
//   meshup check DIR [--registry DIR] [--deploy FILE] [--strict]
// Prints one line per finding, "file:line: error|warning CODE: message".
// Exit status: 0 no errors (warnings allowed unless --strict), 1 errors,
// 2 bad flags or unreadable inputs.
#ifndef MESHUP_CLI_CHECK_COMMAND_H_
#define MESHUP_CLI_CHECK_COMMAND_H_

#include "CLI/CLI.hpp"

namespace meshup::cli {

void AddCheckCommand(CLI::App& app, int& exit_code);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_CHECK_COMMAND_H_
