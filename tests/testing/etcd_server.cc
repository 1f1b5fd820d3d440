#include "etcd_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "discovery/http_client.h"

namespace meshup::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

EtcdServer::EtcdServer(std::string work_dir) : work_dir_(std::move(work_dir)) {
  client_url_ = absl::StrCat("http://127.0.0.1:", FreePort());
  peer_url_ = absl::StrCat("http://127.0.0.1:", FreePort());
  std::filesystem::create_directories(work_dir_);
}

EtcdServer::~EtcdServer() { process_.reset(); }

absl::Status EtcdServer::Start() {
  auto process = Subprocess::Start(
      {"/usr/bin/etcd", "--name=meshup-test", "--data-dir=" + work_dir_ + "/data",
       "--listen-client-urls=" + client_url_, "--advertise-client-urls=" + client_url_,
       "--listen-peer-urls=" + peer_url_, "--initial-advertise-peer-urls=" + peer_url_,
       "--initial-cluster=meshup-test=" + peer_url_, "--logger=zap",
       "--log-outputs=" + work_dir_ + "/etcd.log"});
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (internal::PostJson(client_url_ + "/v3/maintenance/status", "{}", absl::Seconds(1)).ok()) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("etcd did not answer at ", client_url_, "; see ", work_dir_, "/etcd.log"));
}

absl::Status EtcdServer::Stop() { return StopWith(SIGTERM); }

absl::Status EtcdServer::Kill() { return StopWith(SIGKILL); }

absl::Status EtcdServer::StopWith(int signal) {
  if (!process_) return absl::OkStatus();
  absl::StatusOr<int> exit = process_->Stop(signal, absl::Seconds(20));
  process_.reset();
  return exit.ok() ? absl::OkStatus() : exit.status();
}

void EtcdServer::WipeData() { std::filesystem::remove_all(work_dir_ + "/data"); }

}  // namespace meshup::testing
