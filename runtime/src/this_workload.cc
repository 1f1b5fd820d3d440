#include "this_workload.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {

WorkloadRecord ThisWorkload(const MeshOptions& mesh, const WorkloadIdentity* identity,
                            const std::string& host, const std::string& advertise_address, int port,
                            int admin_port) {
  WorkloadRecord workload;
  std::string version = absl::AsciiStrToLower(mesh.version);
  for (char& c : version) {
    if (!absl::ascii_isalnum(c)) c = '-';
  }
  workload.name = absl::StrCat(mesh.service, "-", version, "-", getpid(), "-", port);
  workload.namespace_name = mesh.namespace_name;
  workload.address = advertise_address;
  if (workload.address.empty()) {
    workload.address = (host == "0.0.0.0" || host == "::" || host.empty()) ? "127.0.0.1" : host;
  }
  workload.labels = {{"app", mesh.service}, {"version", mesh.version}};
  // With an identity, clients verify the server against what it registers.
  workload.service_account = identity != nullptr ? identity->id().service_account : mesh.service;
  if (identity != nullptr) workload.namespace_name = identity->id().namespace_name;
  workload.admin_port = static_cast<uint32_t>(admin_port);
  return workload;
}

}  // namespace meshup::internal
