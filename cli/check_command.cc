#include "check_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "apply_command.h"
#include "config_check.h"

namespace meshup::cli {
namespace {

struct CheckFlags {
  CheckOptions options;
  std::string state_dir = ".meshup";
  bool strict = false;
};

int Run(CheckFlags flags) {
  if (flags.options.config_dir.empty()) {
    // No DIR: the live configuration of the mesh `meshup up` runs, checked
    // against the workloads it runs (its registry's, and the front end).
    std::string registry_dir;
    absl::StatusOr<std::string> config_dir =
        LiveConfigDir(LiveTarget{flags.state_dir, ""}, &registry_dir);
    if (!config_dir.ok()) {
      std::fprintf(stderr, "meshup check: %s\n",
                   std::string(config_dir.status().message()).c_str());
      return 2;
    }
    flags.options.config_dir = *config_dir;
    if (flags.options.registry_dir.empty()) flags.options.registry_dir = registry_dir;
    flags.options.workloads = MeshWorkloads(flags.state_dir);
  }
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
  command->add_option("dir", flags->options.config_dir,
                      "The configuration directory; none: the live one of the mesh `meshup up` "
                      "runs (--state)");
  command
      ->add_option("--state", flags->state_dir, "The state directory of `meshup up`, with no dir")
      ->envname("MESHUP_STATE")
      ->capture_default_str();
  command->add_option("--registry", flags->options.registry_dir,
                      "A file registry directory: more workloads to check against");
  command->add_option("--deploy", flags->options.deploy_file,
                      "A deploy file (kind Deploy): its workloads, as they will run");
  command->add_flag("--strict", flags->strict, "Fail on warnings too");
  command->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace meshup::cli
