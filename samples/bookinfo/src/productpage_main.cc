// bookinfo_productpage: the product page over HTTP (meshup::HttpServer),
// calling details, reviews and ratings through the mesh. Listens on
// MESHUP_HOST:MESHUP_PORT, by default 127.0.0.1:9080. Settings: MESHUP_*
// (see README.md).
#include "mesh_backends.h"
#include "meshup/http_server.h"
#include "productpage.h"
#include "workload.h"

namespace {
constexpr char kProgram[] = "bookinfo_productpage";
constexpr int kDefaultPort = 9080;
}  // namespace

int main() {
  bookinfo::BlockTerminationSignals();
  absl::StatusOr<bookinfo::Workload> workload =
      bookinfo::StartWorkload("productpage", kDefaultPort);
  if (!workload.ok()) return bookinfo::Fail(kProgram, workload.status());
  absl::StatusOr<std::unique_ptr<bookinfo::MeshBackends>> backends =
      bookinfo::MeshBackends::Create(*workload->mesh);
  if (!backends.ok()) return bookinfo::Fail(kProgram, backends.status());
  bookinfo::ProductPage page(**backends);
  meshup::HttpServer server;
  page.Register(server);
  absl::StatusOr<int> port = server.Start(workload->server.host, workload->server.port);
  if (!port.ok()) return bookinfo::Fail(kProgram, port.status());
  // Listed in the registry like the gRPC workloads, so that the mesh's tools
  // know it.
  absl::StatusOr<std::unique_ptr<meshup::Registration>> registration =
      workload->mesh->RegisterHttpServer(workload->server.host, *port);
  if (!registration.ok()) return bookinfo::Fail(kProgram, registration.status());
  bookinfo::AnnounceServing(*workload->mesh, workload->server.host, *port);
  bookinfo::WaitForTerminationSignal();
  registration->reset();
  server.Shutdown();
  return 0;
}
