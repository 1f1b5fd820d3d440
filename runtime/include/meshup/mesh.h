// The entry point of the MeshUp runtime: one Mesh per process.
//
// A Mesh holds the process's identity in the mesh (service, version,
// namespace) and its configuration directory, and makes the channels that
// generated clients call through and the servers that serve generated
// services:
//
//   meshup::MeshOptions options;
//   options.service = "reviews";
//   options.version = "v2";
//   absl::StatusOr<std::unique_ptr<meshup::Mesh>> mesh = meshup::Mesh::Create(options);
//   absl::StatusOr<std::shared_ptr<meshup::Channel>> channel =
//       (*mesh)->Connect("127.0.0.1:9083");
//   bookinfo::Ratings::Client ratings(*channel);
//
// Create() validates the options and returns InvalidArgument naming the bad
// field. A Mesh must outlive the channels and servers it made. All methods are
// thread-safe.
#ifndef MESHUP_MESH_H_
#define MESHUP_MESH_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "meshup/channel.h"
#include "meshup/server.h"

namespace meshup {

struct MeshOptions {
  // This workload's service: its `app` label. A DNS-1123 label, required.
  std::string service;
  // This workload's version: its `version` label.
  std::string version = "v1";
  // The Kubernetes-style namespace of the workload.
  std::string namespace_name = "default";
  // The runtime configuration directory (Istio-format YAML). Empty: the IDL's
  // defaults only. When set, it must exist.
  std::string config_dir;
};

class Mesh {
 public:
  static absl::StatusOr<std::unique_ptr<Mesh>> Create(MeshOptions options);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  const MeshOptions& options() const { return options_; }

  // A channel to `target`. "host:port" (a name, an IPv4 address, or an IPv6
  // address in brackets) reaches that address directly.
  absl::StatusOr<std::shared_ptr<Channel>> Connect(absl::string_view target);

  // A new server for this workload; see server.h.
  std::unique_ptr<Server> NewServer(ServerOptions options = {});

 private:
  explicit Mesh(MeshOptions options);
  MeshOptions options_;
};

}  // namespace meshup

#endif  // MESHUP_MESH_H_
