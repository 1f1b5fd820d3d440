// Routed calls over an etcd registry keep flowing while etcd is down and
// after it comes back: the client keeps the endpoints it knew.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "etcd_server.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"
#include "test_ca.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;

class NamedEcho final : public Everything::Service {
 public:
  explicit NamedEcho(std::string name) : name_(std::move(name)) {}
  absl::Status Echo(ServerContext&, const meshup_test::common::Echo&,
                    meshup_test::common::Echo& response) override {
    response.set_text(name_);
    return absl::OkStatus();
  }

 private:
  const std::string name_;
};

TEST(EtcdRoutingTest, AnEtcdOutageLosesNoCall) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / absl::StrCat("meshup-etcd-routing-", getpid());
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "config");
  testing::EtcdServer etcd((root / "etcd").string());
  ASSERT_EQ(etcd.Start(), absl::OkStatus());
  std::ofstream(root / "config" / "mesh.yaml")
      << "apiVersion: meshup.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\n"
      << "spec:\n  registry:\n    type: etcd\n    endpoints: [" << etcd.client_url() << "]\n";

  auto ca = testing::TestCa::Create((root / "ca").string());
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto server_identity = ca->Issue("everything-sa");
  auto client_identity = ca->Issue("client");
  ASSERT_TRUE(server_identity.ok() && client_identity.ok());

  // Two workloads of the service, each with its own Mesh, as two processes.
  std::vector<std::unique_ptr<Mesh>> meshes;
  std::vector<std::unique_ptr<NamedEcho>> services;
  std::vector<std::unique_ptr<Server>> servers;
  for (const char* name : {"a", "b"}) {
    MeshOptions options;
    options.service = "everything";
    options.config_dir = (root / "config").string();
    options.identity_dir = *server_identity;
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    services.push_back(std::make_unique<NamedEcho>(name));
    ServerOptions server_options;
    server_options.drain_delay = absl::ZeroDuration();
    servers.push_back((*mesh)->NewServer(server_options));
    ASSERT_TRUE(servers.back()->AddService(*services.back()).ok());
    ASSERT_TRUE(servers.back()->Start().ok());
    meshes.push_back(*std::move(mesh));
  }

  MeshOptions client_options;
  client_options.service = "client";
  client_options.config_dir = (root / "config").string();
  client_options.identity_dir = *client_identity;
  auto client_mesh = Mesh::Create(client_options);
  ASSERT_TRUE(client_mesh.ok()) << client_mesh.status();
  auto channel = (*client_mesh)->Connect("everything");
  ASSERT_TRUE(channel.ok());
  Everything::Client client(*channel);
  std::set<std::string> seen;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20);
       seen.size() < 2 && absl::Now() < deadline;) {
    absl::StatusOr<Echo> reply = client.Echo(Echo());
    if (reply.ok()) seen.insert(reply->text());
  }
  ASSERT_EQ(seen.size(), 2u) << "the client did not find both workloads in etcd";

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, succeeded{0};
  std::thread load([&] {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (!stop && absl::Now() < deadline) (client.Echo(Echo()).ok() ? succeeded : failed)++;
  });
  ASSERT_EQ(etcd.Stop(), absl::OkStatus());
  const int at_outage = succeeded.load();
  absl::SleepFor(absl::Seconds(3));
  const int during_outage = succeeded.load() - at_outage;
  ASSERT_EQ(etcd.Start(), absl::OkStatus());
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  load.join();
  EXPECT_GT(during_outage, 10) << "calls stopped while etcd was down";
  EXPECT_EQ(failed.load(), 0);

  for (auto& server : servers) server->Shutdown(absl::Seconds(1));
  servers.clear();
  client_mesh->reset();
  meshes.clear();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace meshup
