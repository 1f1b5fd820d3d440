// The rules of Kubernetes' Pod Security "restricted" profile (which includes
// "baseline"), plus what `meshup manifests` promises on top of it: a read-only
// root filesystem, writes only to emptyDir volumes, and cpu and memory
// requests and limits on every container. Checks a pod spec as the manifests
// write it, for the tests.
#ifndef MESHUP_TESTS_CODEGEN_MANIFESTS_POD_SECURITY_H_
#define MESHUP_TESTS_CODEGEN_MANIFESTS_POD_SECURITY_H_

#include <string>
#include <vector>

#include "yaml-cpp/yaml.h"

namespace meshup::manifests {

// One line per broken rule, naming the field ("containers[0].securityContext.
// allowPrivilegeEscalation: must be false"); empty when the pod passes.
std::vector<std::string> RestrictedViolations(const YAML::Node& pod_spec);

}  // namespace meshup::manifests

#endif  // MESHUP_TESTS_CODEGEN_MANIFESTS_POD_SECURITY_H_
