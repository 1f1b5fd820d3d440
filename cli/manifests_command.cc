#include "manifests_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "codegen/manifests/manifests.h"
#include "config/loader.h"

namespace meshup::cli {
namespace {

struct ManifestsFlags {
  std::string deploy;
  std::string out;
  std::string target = "all";
  std::string config;
  std::string templates;
};

int Run(const ManifestsFlags& flags) {
  absl::StatusOr<std::set<manifests::Target>> targets = manifests::ParseTargets(flags.target);
  if (!targets.ok()) {
    std::fprintf(stderr, "meshup manifests: %s\n", std::string(targets.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<manifests::ManifestModel> model = manifests::LoadManifestModel(flags.deploy);
  if (!model.ok()) {
    std::fprintf(stderr, "meshup manifests: %s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  manifests::GenerateOptions options;
  options.targets = *targets;
  std::shared_ptr<const config::Snapshot> routes;
  if (!flags.config.empty()) {
    absl::StatusOr<std::shared_ptr<const config::Snapshot>> loaded =
        config::LoadConfigDirectory(flags.config);
    if (!loaded.ok()) {
      std::fprintf(stderr, "meshup manifests: --config: %s\n",
                   std::string(loaded.status().message()).c_str());
      return 1;
    }
    routes = *loaded;
    options.routes = routes.get();
  }
  std::unique_ptr<codegen::TemplateSource> templates =
      flags.templates.empty() ? codegen::EmbeddedTemplateSource()
                              : codegen::DirectoryTemplateSource(flags.templates);
  absl::StatusOr<manifests::OutputFiles> files =
      manifests::GenerateManifests(*model, options, *templates);
  if (!files.ok()) {
    std::fprintf(stderr, "meshup manifests: %s\n", std::string(files.status().message()).c_str());
    return 1;
  }
  absl::Status written = manifests::WriteOutputTree(flags.out, *targets, *files);
  if (!written.ok()) {
    std::fprintf(stderr, "meshup manifests: %s\n", std::string(written.message()).c_str());
    return 1;
  }
  std::printf("wrote %zu files to %s\n", files->size(), flags.out.c_str());
  return 0;
}

}  // namespace

void AddManifestsCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ManifestsFlags>();
  CLI::App* command = app.add_subcommand(
      "manifests",
      "Write Kubernetes, Istio, Linkerd and Envoy YAML from the IDL and a deploy file");
  command->add_option("--deploy", flags->deploy, "The deploy file (kind Deploy)")->required();
  command->add_option("--out", flags->out, "The output directory")->required();
  command->add_option("--target", flags->target, "kubernetes, istio, linkerd, envoy or all");
  command->add_option("--config", flags->config,
                      "A configuration directory whose VirtualServices shape the Envoy "
                      "sidecars' outbound routes");
  command->add_option("--templates", flags->templates,
                      "Render the templates of this directory instead of the built-in ones");
  command->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace meshup::cli
