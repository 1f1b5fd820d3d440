#include "discovery/dns_registry.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

// "localhost" resolves from /etc/hosts on any machine, without a network.
DnsOptions LocalhostOptions() {
  DnsOptions options;
  options.name_template = "{service}";
  options.port = 9080;
  options.interval = absl::Milliseconds(100);
  return options;
}

TEST(DnsRegistryTest, ResolvesANameToWorkloadsOnThePort) {
  auto registry = DnsRegistry::Open(LocalhostOptions());
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto workloads = (*registry)->Resolve("localhost");
  ASSERT_TRUE(workloads.ok()) << workloads.status();
  ASSERT_FALSE(workloads->empty());
  bool loopback = false;
  for (const WorkloadRecord& workload : *workloads) {
    EXPECT_EQ(workload.port, 9080u);
    EXPECT_EQ(workload.service(), "localhost");
    loopback |= workload.HostPort() == "127.0.0.1:9080";
  }
  EXPECT_TRUE(loopback);
}

TEST(DnsRegistryTest, AWatchReportsTheResolvedSet) {
  auto registry = DnsRegistry::Open(LocalhostOptions());
  ASSERT_TRUE(registry.ok());
  std::mutex mu;
  std::condition_variable changed;
  size_t reported = 0;
  auto watch = (*registry)->WatchService("localhost", [&](const std::vector<WorkloadRecord>& w) {
    std::lock_guard<std::mutex> lock(mu);
    reported = w.size();
    changed.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return reported > 0; }));
}

TEST(DnsRegistryTest, AnUnknownNameFailsWithTheName) {
  auto registry = DnsRegistry::Open(LocalhostOptions());
  ASSERT_TRUE(registry.ok());
  EXPECT_THAT((*registry)->Resolve("no-such-host.invalid").status().message(),
              HasSubstr("cannot resolve no-such-host.invalid"));
}

TEST(DnsRegistryTest, RefusesOptionsWithoutPortOrService) {
  DnsOptions options = LocalhostOptions();
  options.port = 0;
  EXPECT_FALSE(DnsRegistry::Open(options).ok());
  options = LocalhostOptions();
  options.name_template = "static.example";
  EXPECT_THAT(DnsRegistry::Open(options).status().message(), HasSubstr("must contain {service}"));
}

}  // namespace
}  // namespace meshup::internal
