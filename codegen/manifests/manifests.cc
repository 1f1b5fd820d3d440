#include "codegen/manifests/manifests.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "codegen/manifests/targets.h"

namespace meshup::manifests {

absl::StatusOr<std::set<Target>> ParseTargets(absl::string_view text) {
  if (text == "all") {
    return std::set<Target>{Target::kKubernetes, Target::kIstio, Target::kLinkerd, Target::kEnvoy};
  }
  if (text == "kubernetes") return std::set<Target>{Target::kKubernetes};
  if (text == "istio") return std::set<Target>{Target::kIstio};
  if (text == "linkerd") return std::set<Target>{Target::kLinkerd};
  if (text == "envoy") return std::set<Target>{Target::kEnvoy};
  return absl::InvalidArgumentError(
      absl::StrCat("--target '", text, "': expected kubernetes, istio, linkerd, envoy or all"));
}

std::string TargetDirectory(Target target) {
  switch (target) {
    case Target::kKubernetes:
      return "kubernetes";
    case Target::kIstio:
      return "istio";
    case Target::kLinkerd:
      return "linkerd";
    case Target::kEnvoy:
      return "envoy";
  }
  return "";
}

absl::StatusOr<OutputFiles> GenerateManifests(const ManifestModel& model,
                                              const GenerateOptions& options,
                                              const codegen::TemplateSource& templates) {
  OutputFiles files;
  for (Target target : options.targets) {
    absl::Status status;
    switch (target) {
      case Target::kKubernetes:
        status = RenderKubernetes(model, templates, files);
        break;
      case Target::kIstio:
        status = RenderIstio(model, templates, files);
        break;
      case Target::kLinkerd:
        status = RenderLinkerd(model, templates, files);
        break;
      case Target::kEnvoy:
        status = RenderEnvoy(model, options.routes, templates, files);
        break;
    }
    if (!status.ok()) return status;
  }
  return files;
}

absl::Status WriteOutputTree(const std::string& out_dir, const std::set<Target>& targets,
                             const OutputFiles& files) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", out_dir, ": ", error.message()));
  }
  std::string pattern = (fs::path(out_dir) / ".meshup-manifests-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write in ", out_dir));
  }
  const fs::path staging(pattern);
  auto fail = [&](std::string message) {
    fs::remove_all(staging, error);
    return absl::FailedPreconditionError(std::move(message));
  };
  for (Target target : targets) fs::create_directories(staging / TargetDirectory(target), error);
  for (const auto& [path, content] : files) {
    const fs::path file = staging / path;
    fs::create_directories(file.parent_path(), error);
    std::ofstream stream(file, std::ios::binary);
    stream << content;
    stream.close();
    if (!stream) return fail(absl::StrCat("cannot write ", (fs::path(out_dir) / path).string()));
  }
  // Everything is written: swap each target's directory in.
  for (Target target : targets) {
    const fs::path destination = fs::path(out_dir) / TargetDirectory(target);
    const fs::path old = staging / (TargetDirectory(target) + ".old");
    if (fs::exists(destination)) {
      fs::rename(destination, old, error);
      if (error)
        return fail(absl::StrCat("cannot replace ", destination.string(), ": ", error.message()));
    }
    fs::rename(staging / TargetDirectory(target), destination, error);
    if (error) {
      return fail(absl::StrCat("cannot write ", destination.string(), ": ", error.message()));
    }
  }
  fs::remove_all(staging, error);
  return absl::OkStatus();
}

}  // namespace meshup::manifests
