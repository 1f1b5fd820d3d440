// The renderers of `meshup manifests`, one per target. Each adds its files
// to `out` under its own directory (kubernetes/, istio/, linkerd/, envoy/)
// from the templates under templates/<target>/ (k8s/ for kubernetes).
//
//   kubernetes/  base/: kustomization.yaml, a Service and the
//                ServiceAccounts, a Deployment per version (pods that pass
//                the Pod Security "restricted" profile), the ConfigMap
//                `meshup-config`; overlays/embedded/: the overlay for the
//                embedded mesh (headless Services, identities, the Istio
//                policies in the ConfigMap), on ../../base.
//   istio/       <service>.yaml: VirtualService, DestinationRule,
//                PeerAuthentication, AuthorizationPolicy.
//   linkerd/     <service>.yaml: ServiceProfile, Server + authorization.
//   envoy/       <service>-<version>.yaml: a sidecar bootstrap.
#ifndef MESHUP_CODEGEN_MANIFESTS_TARGETS_H_
#define MESHUP_CODEGEN_MANIFESTS_TARGETS_H_

#include <string>

#include "absl/status/statusor.h"
#include "codegen/manifests/manifest_model.h"
#include "codegen/manifests/render_util.h"
#include "codegen/template_renderer.h"
#include "config/snapshot.h"

namespace meshup::manifests {

// The Istio documents of one service: what istio/<service>.yaml holds.
absl::StatusOr<std::string> RenderIstioService(const ManifestModel& model,
                                               const ServiceModel& service,
                                               const codegen::TemplateSource& templates);

absl::Status RenderKubernetes(const ManifestModel& model, const codegen::TemplateSource& templates,
                              OutputFiles& out);
absl::Status RenderIstio(const ManifestModel& model, const codegen::TemplateSource& templates,
                         OutputFiles& out);
absl::Status RenderLinkerd(const ManifestModel& model, const codegen::TemplateSource& templates,
                           OutputFiles& out);
// `routes`: the configuration directory whose VirtualServices and
// DestinationRules shape the outbound routes; nullptr: the routes the Istio
// target generates from the IDL.
absl::Status RenderEnvoy(const ManifestModel& model, const config::Snapshot* routes,
                         const codegen::TemplateSource& templates, OutputFiles& out);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_TARGETS_H_
