// Test helper: a real etcd server (Debian's etcd-server) on free loopback
// ports with its own data directory, started and stopped by the test.
#ifndef MESHUP_TESTS_TESTING_ETCD_SERVER_H_
#define MESHUP_TESTS_TESTING_ETCD_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "subprocess.h"

namespace meshup::testing {

// A free TCP port on 127.0.0.1 (bound, then released).
int FreePort();

class EtcdServer {
 public:
  // Picks ports and a data directory under `work_dir`; does not start.
  explicit EtcdServer(std::string work_dir);
  ~EtcdServer();

  // Starts etcd and waits (bounded) until it answers.
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

  std::string work_dir_;
  std::string client_url_;
  std::string peer_url_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_ETCD_SERVER_H_
