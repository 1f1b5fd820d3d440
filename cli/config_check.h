// `meshup check` as a library: finds what loads fine but is wrong in a
// configuration directory, as `istioctl analyze` does for a cluster.
//
// The directory is loaded with the runtime's own loader (config/loader.h);
// a directory that does not load is one finding, MU0001, with the loader's
// file:line:column message. The workloads that routes and policies are
// checked against are the WorkloadEntry and ServiceEntry documents of the
// directory, plus those of a registry directory (the file registry's
// WorkloadEntry files), plus the workloads of a deploy file.
//
// Codes are stable; docs/manifests.md lists them:
//   MU0001 error    the directory does not load
//   MU0002 warning  the loader's warning (a field that loads and does nothing, ...)
//   MU0101 error    a route (or mirror) sends to a host no workload serves
//   MU0102 error    a route sends to a subset no workload matches, or none defines
//   MU0103 warning  a DestinationRule subset no workload matches
//   MU0104 warning  a route after a catch-all route can never match
//   MU0105 error    a second VirtualService for a host (ignored for it)
//   MU0106 warning  an AuthorizationPolicy names a service account no workload runs as
//   MU0107 warning  an AuthorizationPolicy operation whose methods leave out POST (gRPC's)
#ifndef MESHUP_CLI_CONFIG_CHECK_H_
#define MESHUP_CLI_CONFIG_CHECK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/snapshot.h"

namespace meshup::cli {

struct Finding {
  enum class Severity { kError, kWarning };
  std::string code;  // "MU0101"
  Severity severity = Severity::kError;
  std::string file;  // empty when the message carries its own place (MU0001)
  int line = 0;
  std::string message;
  int column = 0;  // 0: not known

  // "routes.yaml:12: error MU0101: ...", "routes.yaml:12:7: warning ..."
  std::string ToString() const;
};

// A workload the checks know of: its namespace, labels and service account.
struct KnownWorkload {
  std::string namespace_name;
  std::map<std::string, std::string> labels;  // app, version, ...
  std::string service_account;                // empty: unknown
};

struct CheckOptions {
  std::string config_dir;
  std::string registry_dir;  // optional
  std::string deploy_file;   // optional
  std::vector<KnownWorkload> workloads;  // more, e.g. a running mesh's
};

// The findings for a loaded snapshot and the workloads known besides its own
// WorkloadEntry and ServiceEntry documents. Sorted by file, line, code.
std::vector<Finding> CheckSnapshot(const config::Snapshot& snapshot,
                                   const std::vector<KnownWorkload>& workloads);

// The workloads of a file registry directory (its WorkloadEntry files).
absl::StatusOr<std::vector<KnownWorkload>> RegistryWorkloads(const std::string& registry_dir);

// Loads what `options` names and checks it. An error status only for what
// keeps the check from running (an unreadable registry or deploy file); a
// config directory that does not load is the finding MU0001.
absl::StatusOr<std::vector<Finding>> CheckConfig(const CheckOptions& options);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_CONFIG_CHECK_H_
