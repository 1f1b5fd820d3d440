#include "etcd_server.h"

#include <signal.h>

#include <filesystem>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "discovery/http_client.h"
#include "free_port.h"

namespace meshup::testing {

EtcdServer::EtcdServer(std::string work_dir) : work_dir_(std::move(work_dir)) {
  PickPorts();
  std::filesystem::create_directories(work_dir_);
}

EtcdServer::~EtcdServer() { process_.reset(); }

void EtcdServer::PickPorts() {
  const int client = FreePort();
  int peer = FreePort();
  while (peer == client) peer = FreePort();
  client_url_ = absl::StrCat("http://127.0.0.1:", client);
  peer_url_ = absl::StrCat("http://127.0.0.1:", peer);
}

absl::Status EtcdServer::Start() {
  constexpr int kAttempts = 3;
  absl::Status status;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    bool exited = false;
    status = StartOnce(exited);
    if (status.ok()) {
      answered_once_ = true;
      return status;
    }
    if (!exited || answered_once_) break;
    WipeData();  // nothing a test relies on yet; etcd keeps its first peer URL in it
    PickPorts();
  }
  return status;
}

absl::Status EtcdServer::StartOnce(bool& exited) {
  const std::string log = work_dir_ + "/etcd.log";
  auto process = Subprocess::Start(
      {"/usr/bin/etcd", "--name=meshup-test", "--data-dir=" + work_dir_ + "/data",
       "--listen-client-urls=" + client_url_, "--advertise-client-urls=" + client_url_,
       "--listen-peer-urls=" + peer_url_, "--initial-advertise-peer-urls=" + peer_url_,
       "--initial-cluster=meshup-test=" + peer_url_, "--logger=zap", "--log-outputs=" + log});
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (internal::PostJson(client_url_ + "/v3/maintenance/status", "{}", absl::Seconds(1)).ok()) {
      return absl::OkStatus();
    }
    if (std::optional<int> status = process_->ExitStatus()) {
      exited = true;
      process_.reset();
      return absl::UnavailableError(
          absl::StrCat("etcd on ", client_url_, " and ", peer_url_, " exited (wait status ",
                       *status, ") before answering; the end of ", log, ":\n", LogTail(log)));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("etcd did not answer at ", client_url_,
                                                  " within 30 s; the end of ", log, ":\n",
                                                  LogTail(log)));
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
