// A mesh on one machine, as `meshup up` runs it: every workload of a sample
// (its deploy.yaml) as a process, over mTLS, registered in a file registry.
//
// The state directory (default .meshup) holds everything it makes:
//
//   ca/                  the CA (made once, kept across runs)
//   certs/<ns>/<sa>/     each service account's identity, issued at each start
//   config/              the live configuration, one file per object
//                        (config_store.h): the sample's config/*.yaml, the
//                        Mesh document, and what `meshup apply` installs
//   registry/            the file registry
//   logs/<workload>.log  each process's stdout and stderr; access.jsonl, spans.jsonl
//   state.json           the running workloads (pids with their start times and
//                        command lines, ports), and the foreground `meshup up`
//                        that supervises them, for `meshup down` and `stat`
//
// StartLocalMesh() checks everything it can before starting anything (the
// deploy file, every binary, the front end's port, no mesh already running
// from this state directory), starts the workloads, and waits until each is
// ready (its admin /ready, the front end's /health). On any failure it stops
// what it started and returns an error naming the workload and its log.
//
// In the foreground, `meshup up` keeps the workloads running (supervisor.h,
// through LocalMeshProcesses): a workload that exits is started again with
// the same program, environment and log file (appended to), state.json
// records its new process, and the registry entry of the one that died is
// removed. Nothing supervises a mesh started with --detach.
#ifndef MESHUP_CLI_LOCAL_MESH_H_
#define MESHUP_CLI_LOCAL_MESH_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "processes.h"
#include "supervisor.h"

namespace meshup::cli {

struct UpOptions {
  std::string sample_dir;  // holds deploy.yaml and config/
  std::string state_dir = ".meshup";
  std::string bin_dir;     // where <deploy name>_<service> binaries are
  std::string host = "127.0.0.1";
  int port = 9080;         // the HTTP front end's; 0 picks a free one
  absl::Duration ready_timeout = absl::Seconds(30);
  // Record this process in state.json as the mesh's supervisor, which
  // `meshup down` then asks to stop everything (the foreground `meshup up`).
  bool supervised = false;
};

struct LocalWorkload {
  std::string service;
  std::string version;
  pid_t pid = 0;
  uint64_t start_time = 0;  // with command_line, tells the process from a later one with its pid
  std::string command_line;
  int port = 0;
  int admin_port = 0;
  std::string identity;  // the SPIFFE ID
  std::string log;
  bool http = false;     // the front end
  ProcessSpec spec;      // how it was started; not in state.json

  StartedProcess process() const { return {pid, start_time, command_line}; }
};

struct LocalMesh {
  std::string state_dir;
  std::string url;  // the front end's page
  std::vector<LocalWorkload> workloads;
  StartedProcess supervisor;  // the foreground `meshup up`; pid 0 when detached
};

absl::StatusOr<LocalMesh> StartLocalMesh(const UpOptions& options);

// state.json of `state_dir`; NotFound when no mesh runs from it.
absl::StatusOr<LocalMesh> ReadLocalMesh(const std::string& state_dir);
absl::Status WriteLocalMesh(const LocalMesh& mesh);

struct StopReport {
  int stopped = 0;
  // A line for each workload not signalled because its recorded process is
  // gone (exited, or its pid now another process's) or cannot be told from
  // another, and for a registry entry that could not be removed.
  std::vector<std::string> gone;
};

// Stops every workload that still runs as recorded (SIGTERM, then SIGKILL
// after `grace`; a pid that now belongs to another process is never
// signalled), removes the registry entries of workloads that are gone, and
// removes state.json.
StopReport StopLocalMesh(const LocalMesh& mesh, absl::Duration grace = absl::Seconds(10));

// The workloads of a mesh that StartLocalMesh() started, for a Supervisor:
// a restart spawns the workload's ProcessSpec again (its log appended to,
// with a line saying so), records the new process in state.json at once and
// its ports once it announces them (Refresh()). An exit removes the
// registry entries of processes that are gone.
class LocalMeshProcesses final : public SupervisedProcesses {
 public:
  explicit LocalMeshProcesses(LocalMesh& mesh);

  size_t size() const override { return mesh_.workloads.size(); }
  std::string Name(size_t index) const override;
  pid_t Pid(size_t index) const override { return mesh_.workloads[index].pid; }
  std::string LogFile(size_t index) const override { return mesh_.workloads[index].log; }
  std::optional<int> PollExit(size_t index) override;
  absl::Status Restart(size_t index) override;

  // Reads the ports that restarted workloads announced in their logs since
  // they started, records them in state.json, and returns a line for each.
  std::vector<std::string> Refresh();

 private:
  LocalMesh& mesh_;
  std::vector<int64_t> log_offsets_;  // where each restarted run's log starts; -1: none pending
};

// The table `meshup up` prints: service, version, pid, ports, identity.
std::string DescribeLocalMesh(const LocalMesh& mesh);

}  // namespace meshup::cli

#endif  // MESHUP_CLI_LOCAL_MESH_H_
