// What every bookinfo binary does around its service: read the MESHUP_*
// environment (meshup/environment.h) over the binary's defaults, make the
// Mesh, announce "serving <service> <version> on <host>:<port>" on stdout
// (one line, flushed: launchers and tests wait for it), and stop gracefully
// on SIGTERM or SIGINT.
//
// Call BlockTerminationSignals() first in main(), before any thread starts,
// so that every thread inherits the mask and WaitForTerminationSignal()
// receives the signal.
#ifndef BOOKINFO_WORKLOAD_H_
#define BOOKINFO_WORKLOAD_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "meshup/mesh.h"
#include "meshup/service.h"

namespace bookinfo {

struct Workload {
  std::unique_ptr<meshup::Mesh> mesh;
  meshup::ServerOptions server;
};

void BlockTerminationSignals();
// Blocks until SIGTERM or SIGINT; returns the signal.
int WaitForTerminationSignal();

// The environment's settings over `service` (and `port` for the server) as
// defaults, and the Mesh made from them.
absl::StatusOr<Workload> StartWorkload(const std::string& service, int port);
void AnnounceServing(const meshup::Mesh& mesh, const std::string& host, int port);
// Prints "<program>: <status>" to stderr; returns 1.
int Fail(const char* program, const absl::Status& status);

// The whole main() of a gRPC service binary: `make_service` builds the
// service once the Mesh exists; it is served through Mesh::NewServer until
// a termination signal, then Server::Shutdown() (deregister, drain).
int RunGrpcWorkload(
    const char* program, const std::string& service,
    const std::function<absl::StatusOr<std::unique_ptr<meshup::Service>>(meshup::Mesh&)>&
        make_service);

}  // namespace bookinfo

#endif  // BOOKINFO_WORKLOAD_H_
