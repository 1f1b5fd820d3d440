// The system under test of a chaos scenario, all on loopback: three replicas
// of the `everything` service as separate meshup_test_server processes
// (mTLS, STRICT by default, each with an admin port and a ledger of the keyed
// calls it ran), and an in-process client Mesh with a config directory and
// its own admin server, whose /clusters and /metrics show the client's view.
//
//   ChaosCluster cluster("sigkill");
//   ASSERT_TRUE(cluster.Init().ok());
//   cluster.WriteClientConfig("routes.yaml", ...);
//   ASSERT_TRUE(cluster.StartReplicas().ok());
//   ASSERT_TRUE(cluster.StartClient().ok());
//   ASSERT_TRUE(cluster.WaitForEndpoints(3).ok());
//   cluster.client().EchoAsync(...);
//
// Everything the cluster starts is killed and reaped, and its directory
// removed, when it is destroyed, also after a failed assertion. Waits are
// bounded; methods return an error rather than assert.
#ifndef MESHUP_TESTS_CHAOS_CHAOS_CLUSTER_H_
#define MESHUP_TESTS_CHAOS_CHAOS_CLUSTER_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "test_ca.h"

namespace meshup::chaos {

using meshup_test::everything::Everything;

// One replica's process; `process` is null while it is not running.
struct Replica {
  std::unique_ptr<testing::Subprocess> process;
  int port = 0;
  int admin_port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

// What a replica's "__stats__" Echo answers.
struct ServerStats {
  int in_flight = 0;
  int64_t handled = 0;
};

struct ClusterOptions {
  // Replicas and client share a file registry; false: the Mesh documents
  // written with Write*Config name the registry (etcd).
  bool file_registry = true;
  // How long a replica drains after deregistering (SIGTERM).
  int drain_ms = 1000;
  // More flags for every replica (e.g. "--fail_code=14").
  std::vector<std::string> server_flags;
};

class ChaosCluster {
 public:
  static constexpr int kReplicas = 3;

  ChaosCluster(std::string name, ClusterOptions options = {});
  ~ChaosCluster();
  ChaosCluster(const ChaosCluster&) = delete;
  ChaosCluster& operator=(const ChaosCluster&) = delete;

  // Makes the directories, the CA and the identities (server and client).
  absl::Status Init();

  // Writes a file into the client's (or the replicas') config directory
  // atomically: a hidden temporary file, then a rename.
  absl::Status WriteClientConfig(const std::string& name, const std::string& text);
  absl::Status WriteServerConfig(const std::string& name, const std::string& text);

  // Starts replica `index` (again), with a new ledger file, and waits until
  // it serves; with the identity in `identity_dir` when given, else the
  // cluster's server identity.
  absl::Status StartReplica(int index, const std::string& identity_dir = "");
  absl::Status StartReplicas();
  // Sends `signal` to replica `index` and waits (bounded) for it to exit.
  absl::StatusOr<int> StopReplica(int index, int signal);
  Replica& replica(int index) { return replicas_[index]; }

  // Makes the client Mesh and its channel to `everything`.
  absl::Status StartClient();
  Everything::Client& client() { return *client_; }
  Mesh& client_mesh() { return *mesh_; }
  // A client of replica `index` alone (a static address).
  absl::StatusOr<std::unique_ptr<Everything::Client>> DirectClient(int index);

  // Waits until the client's /clusters lists exactly the running replicas
  // for `everything`, all healthy, and (when `echo_each`) an Echo reached
  // each of them.
  absl::Status WaitForEndpoints(bool echo_each = true,
                                absl::Duration timeout = absl::Seconds(30));

  // The client's admin endpoints.
  absl::StatusOr<std::string> ClientAdmin(const std::string& path);
  // The `everything` entry of the client's /clusters.
  absl::StatusOr<nlohmann::json> ClientCluster();
  // The entry of `address` in it, or null when it lists no such endpoint.
  static nlohmann::json EndpointOf(const nlohmann::json& cluster, const std::string& address);

  // Replica `index`'s handlers in flight and handled so far.
  absl::StatusOr<ServerStats> Stats(int index);
  // Replica `index`'s resident memory, in KiB.
  absl::StatusOr<int64_t> RssKib(int index);

  // Every line of every ledger of this cluster ("<Method> <key>"), with how
  // often it occurs.
  std::map<std::string, int> LedgerCounts() const;

  const std::filesystem::path& root() const { return root_; }
  const std::string& server_identity() const { return server_identity_; }
  const std::string& client_identity() const { return client_identity_; }
  const testing::TestCa& ca() const { return *ca_; }

 private:
  absl::Status WriteConfig(const std::filesystem::path& directory, const std::string& name,
                           const std::string& text);

  const ClusterOptions options_;
  const std::filesystem::path root_;
  std::optional<testing::TestCa> ca_;
  std::string server_identity_, client_identity_;
  Replica replicas_[kReplicas];
  int starts_ = 0;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Everything::Client> client_;
};

// The sum of the samples of metric `name` (Prometheus text) whose labels
// include every `label="value"` of `labels`.
double MetricSum(const std::string& text, const std::string& name,
                 const std::vector<std::string>& labels = {});

}  // namespace meshup::chaos

#endif  // MESHUP_TESTS_CHAOS_CHAOS_CLUSTER_H_
