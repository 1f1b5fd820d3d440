// Test helper: a real etcd server (Debian's etcd-server) on free loopback
// ports with its own data directory, started and stopped by the test.
#ifndef MESHUP_TESTS_TESTING_ETCD_SERVER_H_
#define MESHUP_TESTS_TESTING_ETCD_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "subprocess.h"

namespace meshup::testing {

class EtcdServer {
 public:
  // Picks ports and a data directory under `work_dir`; does not start.
  explicit EtcdServer(std::string work_dir);
  ~EtcdServer();

  // Starts etcd and waits (bounded) until it answers. Until it first
  // answers, an etcd that exits at once (another process took a port
  // between FreePort() and etcd's bind) is retried on fresh ports; after
  // that, client_url() is pinned and a restart reuses it. Errors carry
  // the end of etcd's log.
  absl::Status Start();
  // Stops it with SIGTERM (bounded wait), keeping its data.
  absl::Status Stop();
  // Kills it with SIGKILL, as a crash, keeping its data.
  absl::Status Kill();
  // Deletes its data, as a server that comes back empty.
  void WipeData();
  const std::string& client_url() const { return client_url_; }

 private:
  absl::Status StopWith(int signal);
  void PickPorts();
  // One start on the current ports: OK once etcd answers; otherwise whether
  // it exited and the end of its log.
  absl::Status StartOnce(bool& exited);

  std::string work_dir_;
  std::string client_url_;
  std::string peer_url_;
  bool answered_once_ = false;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_ETCD_SERVER_H_
