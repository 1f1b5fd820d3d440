// `meshup manifests` as a library: a deploy file and the IDL it names in, the
// output tree out.
//
// GenerateManifests() renders every requested target into memory (each file
// checked to be valid YAML); WriteOutputTree() then replaces each target's
// directory under the output directory whole: the files go to a temporary
// directory first, and are renamed into place only when all are written, so
// an error never leaves a half-written tree. The same input gives the same
// bytes.
#ifndef MESHUP_CODEGEN_MANIFESTS_MANIFESTS_H_
#define MESHUP_CODEGEN_MANIFESTS_MANIFESTS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "codegen/manifests/manifest_model.h"
#include "codegen/manifests/render_util.h"
#include "codegen/template_renderer.h"
#include "config/snapshot.h"

namespace meshup::manifests {

enum class Target { kKubernetes, kIstio, kLinkerd, kEnvoy };

// "kubernetes", "istio", "linkerd", "envoy" or "all".
absl::StatusOr<std::set<Target>> ParseTargets(absl::string_view text);
// The directory a target writes below the output directory.
std::string TargetDirectory(Target target);

struct GenerateOptions {
  std::set<Target> targets;
  // For envoy: the configuration whose routes the sidecars follow; nullptr:
  // the routes generated from the IDL.
  const config::Snapshot* routes = nullptr;
};

absl::StatusOr<OutputFiles> GenerateManifests(const ManifestModel& model,
                                              const GenerateOptions& options,
                                              const codegen::TemplateSource& templates);

// Writes `files` below `out_dir`, replacing the directories of `targets`.
absl::Status WriteOutputTree(const std::string& out_dir, const std::set<Target>& targets,
                             const OutputFiles& files);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_MANIFESTS_H_
