// Test helper: a real etcd server (Debian's etcd-server) on free loopback
// ports with its own data directory, started and stopped by the test.
#ifndef MESHUP_TESTS_TESTING_ETCD_SERVER_H_
#define MESHUP_TESTS_TESTING_ETCD_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "subprocess.h"

namespace meshup::testing {

class EtcdServer {
 public:
  // Keeps its data and log under `work_dir`; does not start.
  explicit EtcdServer(std::string work_dir);
  ~EtcdServer();

  // Starts etcd and waits (bounded) until it answers. The first start picks
  // the ports (StartOnFreePort(): again when one was taken); a restart
  // reuses them, so client_url() holds from the first start on. Errors
  // carry the end of etcd's log.
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
  std::vector<std::string> Argv() const;
  bool Answers() const;
  std::string log() const { return work_dir_ + "/etcd.log"; }

  std::string work_dir_;
  std::string client_url_;  // empty until the first Start()
  std::string peer_url_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace meshup::testing

#endif  // MESHUP_TESTS_TESTING_ETCD_SERVER_H_
