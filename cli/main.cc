// meshup: the MeshUp command line.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "ca_command.h"
#include "check_command.h"
#include "apply_command.h"
#include "manifests_command.h"
#include "stat_command.h"
#include "up_command.h"

#ifndef MESHUP_VERSION
#define MESHUP_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  CLI::App app{"meshup: the MeshUp service mesh command line"};
  app.require_subcommand(1);
  int exit_code = 0;
  CLI::App* version = app.add_subcommand("version", "Print the MeshUp version");
  version->callback([] { std::printf("meshup %s\n", MESHUP_VERSION); });
  meshup::cli::AddCaCommand(app, exit_code);
  meshup::cli::AddManifestsCommand(app, exit_code);
  meshup::cli::AddCheckCommand(app, exit_code);
  meshup::cli::AddUpCommands(app, exit_code);
  meshup::cli::AddApplyCommands(app, exit_code);
  meshup::cli::AddStatCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
