#include "etcd_server.h"

#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "discovery/http_client.h"
#include "free_port.h"

namespace meshup::testing {

EtcdServer::EtcdServer(std::string work_dir) : work_dir_(std::move(work_dir)) {
  std::filesystem::create_directories(work_dir_);
}

EtcdServer::~EtcdServer() { process_.reset(); }

std::vector<std::string> EtcdServer::Argv() const {
  return {"/usr/bin/etcd",
          "--name=meshup-test",
          "--data-dir=" + work_dir_ + "/data",
          "--listen-client-urls=" + client_url_,
          "--advertise-client-urls=" + client_url_,
          "--listen-peer-urls=" + peer_url_,
          "--initial-advertise-peer-urls=" + peer_url_,
          "--initial-cluster=meshup-test=" + peer_url_,
          "--logger=zap",
          "--log-outputs=" + log()};
}

bool EtcdServer::Answers() const {
  return internal::PostJson(client_url_ + "/v3/maintenance/status", "{}", absl::Seconds(1)).ok();
}

absl::Status EtcdServer::Start() {
  constexpr absl::Duration kTimeout = absl::Seconds(30);
  if (client_url_.empty()) {
    // The first start picks the ports, and picks again if one was taken.
    absl::StatusOr<ServerOnPort> etcd = StartOnFreePort(
        [&](int client) {
          int peer = FreePort();
          while (peer == client) peer = FreePort();
          client_url_ = absl::StrCat("http://127.0.0.1:", client);
          peer_url_ = absl::StrCat("http://127.0.0.1:", peer);
          WipeData();  // etcd keeps a failed start's peer URL in it
          return Argv();
        },
        [&](int) { return Answers(); }, log(), kTimeout);
    if (!etcd.ok()) {
      client_url_.clear();  // the next Start() picks again
      return etcd.status();
    }
    process_ = std::move(etcd->process);
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(Argv());
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  const absl::Status up = WaitUntilAnswering(
      *process_, [&] { return Answers(); }, kTimeout);
  if (up.ok()) return up;
  return absl::Status(up.code(), absl::StrCat("etcd on ", client_url_, " ", up.message(),
                                              "; the end of ", log(), ":\n", LogTail(log())));
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
