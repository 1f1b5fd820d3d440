#include "check_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "config_check.h"

namespace meshup::cli {
namespace {

struct CheckFlags {
  CheckOptions options;
  bool strict = false;
};

int Run(const CheckFlags& flags) {
  absl::StatusOr<std::vector<Finding>> findings = CheckConfig(flags.options);
  if (!findings.ok()) {
    std::fprintf(stderr, "meshup check: %s\n", std::string(findings.status().message()).c_str());
    return 2;
  }
  int errors = 0, warnings = 0;
  for (const Finding& finding : *findings) {
    std::printf("%s\n", finding.ToString().c_str());
    (finding.severity == Finding::Severity::kError ? errors : warnings)++;
  }
  std::printf("%s: %d error(s), %d warning(s)\n", flags.options.config_dir.c_str(), errors,
              warnings);
  return errors > 0 || (flags.strict && warnings > 0) ? 1 : 0;
}

}  // namespace

void AddCheckCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* command =
      app.add_subcommand("check", "Find what loads fine but is wrong in a configuration directory");
  command->add_option("dir", flags->options.config_dir, "The configuration directory")->required();
  command->add_option("--registry", flags->options.registry_dir,
                      "A file registry directory: more workloads to check against");
  command->add_option("--deploy", flags->options.deploy_file,
                      "A deploy file (kind Deploy): its workloads, as they will run");
  command->add_flag("--strict", flags->strict, "Fail on warnings too");
  command->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace meshup::cli
