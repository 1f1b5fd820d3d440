// meshup: the MeshUp command line.
//
// `meshup`, `meshup help` and an unknown command print the usage with the
// list of commands; `meshup help COMMAND` and `meshup COMMAND --help` a
// command's. Exit codes: 0 done, 1 the command failed, 2 a usage error (an
// unknown command, flag or value, a missing argument).
#include <cstdio>
#include <cstring>
#include <string>

#include "CLI/CLI.hpp"
#include "apply_command.h"
#include "ca_command.h"
#include "check_command.h"
#include "manifests_command.h"
#include "meshup_revision.h"
#include "stat_command.h"
#include "up_command.h"

#ifndef MESHUP_VERSION
#define MESHUP_VERSION "unknown"
#endif
#ifndef MESHUP_REVISION
#define MESHUP_REVISION "unknown"
#endif

namespace {

constexpr int kUsageError = 2;

const std::string& VersionText() {
  static const auto* text = new std::string(std::string("meshup ") + MESHUP_VERSION +
                                            " (revision " + MESHUP_REVISION + ")");
  return *text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meshup: the MeshUp service mesh command line"};
  app.name("meshup");
  // Every option's default shows in --help.
  app.option_defaults()->always_capture_default();
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", VersionText(), "Print the version and source revision");
  int exit_code = 0;
  CLI::App* version = app.add_subcommand("version", "Print the version and source revision");
  version->callback([] { std::printf("%s\n", VersionText().c_str()); });
  auto help_topic = std::make_shared<std::string>();
  CLI::App* help = app.add_subcommand("help", "Print this usage, or a command's (help COMMAND)");
  help->add_option("command", *help_topic, "The command");
  meshup::cli::AddCaCommand(app, exit_code);
  meshup::cli::AddManifestsCommand(app, exit_code);
  meshup::cli::AddCheckCommand(app, exit_code);
  meshup::cli::AddUpCommands(app, exit_code);
  meshup::cli::AddApplyCommands(app, exit_code);
  meshup::cli::AddStatCommand(app, exit_code);

  const auto all = [](CLI::App*) { return true; };
  // The top level's usage (once a command is parsed, help() gives its).
  const std::string usage = app.help();
  // An unknown command: named, then the usage (CLI11 would only say that
  // the argument was not expected).
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (CLI::App* command : app.get_subcommands(all)) known |= command->check_name(argv[1]);
    if (!known) {
      std::fprintf(stderr, "meshup: unknown command '%s'\n\n%s", argv[1], usage.c_str());
      return kUsageError;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kUsageError;
  }
  if (app.get_subcommands().empty()) {
    std::fprintf(stderr, "%s", usage.c_str());
    return kUsageError;
  }
  if (help->parsed()) {
    if (help_topic->empty()) {
      std::printf("%s", usage.c_str());
      return 0;
    }
    CLI::App* topic = nullptr;
    for (CLI::App* command : app.get_subcommands(all)) {
      if (command->check_name(*help_topic)) topic = command;
    }
    if (topic == nullptr) {
      std::fprintf(stderr, "meshup: unknown command '%s'\n\n%s", help_topic->c_str(),
                   usage.c_str());
      return kUsageError;
    }
    std::printf("%s", topic->help("meshup").c_str());
    return 0;
  }
  return exit_code;
}
