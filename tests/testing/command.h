// Runs a shell command for a test and collects what it printed.
#ifndef MESHUP_TESTS_TESTING_COMMAND_H_
#define MESHUP_TESTS_TESTING_COMMAND_H_

#include <string>

namespace meshup::testing {

struct CommandResult {
  int exit_code;       // -1 when the command did not exit normally
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh, stderr merged into stdout, until it exits.
CommandResult RunCommand(const std::string& command);

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_COMMAND_H_
