// The deploy file of `meshup manifests`: how the services of the IDL run in a
// cluster. One YAML document of MeshUp's own kind (docs/manifests.md):
//
//   apiVersion: meshup.dev/v1alpha1
//   kind: Deploy
//   metadata: {name: bookinfo, namespace: default}
//   spec:
//     trustDomain: cluster.local
//     adminPort: 15000
//     idl: {protoPaths: [idl], files: [bookinfo/reviews.proto]}
//     services:
//     - name: reviews            # an IDL service's mesh name, or any name with protocol: http
//       protocol: grpc           # grpc (default: needs an IDL service) or http
//       port: 9080               # default: the IDL's port
//       serviceAccount: ...      # default: the IDL's
//       calls: [ratings]         # services it calls (the Envoy sidecar's outbound routes)
//       versions:
//       - {name: v1, replicas: 1, image: meshup/bookinfo-reviews:v1,
//          env: {K: v}, resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {...}},
//          runAsUser: 65532, writablePaths: [/tmp]}
//
// ParseDeployFile() reads it strictly (every field known, every value
// checked) with the runtime's YAML reader: an error names the file, line,
// column and field. It checks what the file alone can tell; what needs the
// IDL (a gRPC service must exist there) is checked by BuildManifestModel().
#ifndef MESHUP_CODEGEN_MANIFESTS_DEPLOY_FILE_H_
#define MESHUP_CODEGEN_MANIFESTS_DEPLOY_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meshup::manifests {

// Where a value was written: "deploy.yaml:12:9", for messages.
struct DeployLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;
};

struct DeployVersion {
  std::string name;  // "v1": the `version` label, a DNS-1123 label
  int replicas = 1;
  std::string image;
  std::map<std::string, std::string> env;
  // Kubernetes quantities. Requests default to cpu 100m, memory 64Mi; limits
  // to cpu 1, memory 256Mi, or the request when it is larger. A limit below
  // its request is an error.
  std::map<std::string, std::string> requests;
  std::map<std::string, std::string> limits;
  // The container runs as this user, never root (Pod Security "restricted").
  int64_t run_as_user = 65532;
  // The root filesystem is read-only; each of these absolute paths is a
  // writable emptyDir volume instead.
  std::vector<std::string> writable_paths = {"/tmp"};
  DeployLocation where;
};

struct DeployService {
  std::string name;  // the mesh name
  enum class Protocol { kGrpc, kHttp };
  Protocol protocol = Protocol::kGrpc;
  uint32_t port = 0;            // 0: the IDL's
  std::string service_account;  // empty: the IDL's (http: the service name)
  std::vector<std::string> calls;
  std::vector<DeployVersion> versions;
  DeployLocation where;
  DeployLocation calls_where;
};

struct DeployFile {
  std::string path;  // as given
  std::string name;  // metadata.name
  std::string namespace_name = "default";
  std::string trust_domain = "cluster.local";
  uint32_t admin_port = 15000;
  std::vector<std::string> proto_paths;  // resolved against the file's directory
  std::vector<std::string> proto_files;  // as protoc names them: "bookinfo/reviews.proto"
  std::vector<DeployService> services;
};

// `display_name` names the file in messages; `directory` resolves relative
// proto paths.
absl::StatusOr<DeployFile> ParseDeployFile(const std::string& display_name,
                                           const std::string& directory, const std::string& text);
absl::StatusOr<DeployFile> LoadDeployFile(const std::string& path);

}  // namespace meshup::manifests

#endif  // MESHUP_CODEGEN_MANIFESTS_DEPLOY_FILE_H_
