// The arms of the side-by-side benchmark and how an arm runs: its server
// processes (and sidecars) and one meshup_loadgen process start together
// and stay up until the arm is destroyed (the side-by-side driver starts
// every arm afresh for each repetition); each run asks the load generator
// for one load (a short window),
// and samples the CPU time of every process of the arm at the ends of the
// measured window and their peak memory after it. Keeping every arm up lets
// a driver interleave short windows of all arms, so that the machine's slow
// swings in speed fall on every arm alike. Every process is stopped and
// reaped when the arm is destroyed, also on failure.
//
// Every arm serves from the same number of replicas, one process each.
//
//   grpc            plain gRPC client (round robin) -> plain gRPC servers, insecure
//   grpc-tls        the same over TLS with client certificates (one CA)
//   grpc-tls-provider  (on request only) the same TLS set up as MeshUp sets it
//                   up: TlsCredentials with a certificate file watcher
//   mesh-plaintext  MeshUp client -> MeshUp servers, PeerAuthentication and
//                   DestinationRule tls DISABLE; otherwise as mesh-mtls
//   mesh-mtls       MeshUp with mTLS (STRICT) and the full pipeline: a
//                   VirtualService match, a 50/50 split over subsets v1 and
//                   v2, P2C (LEAST_REQUEST) over each subset's endpoints,
//                   retries, metrics on both sides, trace propagation
//   mesh-mtls-non-blocking  (on request only) mesh-mtls serving and calling
//                   an echo service whose method the IDL declares
//                   non_blocking: the servers run its handler on gRPC's
//                   callback threads
//   nginx           plain gRPC client -> nginx (grpc_pass, round robin) ->
//                   mTLS -> nginx -> plain gRPC server: a sidecar pair per
//                   replica, the client's sidecar shared
#ifndef MESHUP_BENCH_SIDE_BY_SIDE_ARMS_H_
#define MESHUP_BENCH_SIDE_BY_SIDE_ARMS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "loadgen/histogram.h"
#include "loadgen/load_generator.h"

namespace meshup::bench {

struct Arm {
  std::string id;     // "mesh-mtls"
  std::string title;  // for tables
};

// Every arm, in the order the issue numbers them.
const std::vector<Arm>& AllArms();
// The arm `id`, from AllArms() or from the arms run only when named in
// --arms (to take a difference apart); null when there is none.
const Arm* FindArm(absl::string_view id);

// Where things are; PrepareEnvironment() fills the directories under work_dir.
struct Environment {
  std::string bin_dir;   // meshup_bench_echo_server and meshup_loadgen
  std::string work_dir;  // a fresh temporary directory
  std::string nginx = "/usr/sbin/nginx";
  int nginx_workers = 1;
  int endpoints_per_subset = 2;  // every arm serves from 2 x this many replicas
  // Filled by PrepareEnvironment():
  std::string server_identity;  // SPIFFE workload identities (meshup ca)
  std::string client_identity;
  std::string localhost_tls;    // a certificate for "localhost" from the same CA
  std::string mesh_mtls_config;
  std::string mesh_plaintext_config;
};

// The server processes of every arm: the mesh arms' two subsets' worth.
inline int Replicas(const Environment& environment) { return 2 * environment.endpoints_per_subset; }

// Makes the CA, the identities and the configuration directories.
absl::Status PrepareEnvironment(Environment& environment);

struct LoadSpec {
  int concurrency = 32;  // closed loop
  double rate = 0;       // > 0: open loop
  absl::Duration warmup = absl::Milliseconds(500);
  absl::Duration duration = absl::Seconds(2);
  int payload = 1024;    // fixed when the arm starts
};

struct ProcessUsage {
  std::string role;  // "client", "server v1 #2", "sidecar (server side) worker"
  int pid = 0;
  double cpu_seconds = 0;  // in the measured window
  int64_t peak_rss_kib = 0;
};

struct ArmRun {
  LoadResult load;
  // The window's latencies, for merging windows (also of processes that
  // have been restarted since).
  std::shared_ptr<const LatencyHistogram> latency_histogram;
  std::vector<ProcessUsage> processes;
  double cpu_us_per_call = 0;  // every process of the arm, per call of the window
};

// One arm, up: its processes run from Start() to the destructor.
class RunningArm {
 public:
  // Starts the arm's processes, with `payload` bytes each way per call, and
  // waits until its client has made a successful call.
  static absl::StatusOr<std::unique_ptr<RunningArm>> Start(const Environment& environment,
                                                           const Arm& arm, int payload);
  ~RunningArm();  // stops every process of the arm
  RunningArm(const RunningArm&) = delete;
  RunningArm& operator=(const RunningArm&) = delete;

  const Arm& arm() const { return arm_; }
  // One window of `load` (its payload is the arm's).
  absl::StatusOr<ArmRun> Run(const LoadSpec& load);

 private:
  struct Processes;
  RunningArm(const Arm& arm, std::unique_ptr<Processes> processes);
  const Arm arm_;
  std::unique_ptr<Processes> processes_;
};

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_SIDE_BY_SIDE_ARMS_H_
