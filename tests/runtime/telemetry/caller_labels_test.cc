#include "telemetry/caller_labels.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

constexpr char kClient[] = "spiffe://cluster.local/ns/default/sa/client";

TEST(CallerLabelsTest, AVerifiedCallerKeepsItsHeaderAndItsCertificateSays) {
  CallerLabels callers;
  PeerLabels labels = callers.Source("client-v1,default,client,v1", kClient);
  EXPECT_EQ(labels.workload, "client-v1");
  EXPECT_EQ(labels.namespace_name, "default");
  EXPECT_EQ(labels.principal, kClient);
  EXPECT_EQ(labels.app, "client");
  EXPECT_EQ(labels.version, "v1");
}

TEST(CallerLabelsTest, TheNamespaceIsTheCertificates) {
  CallerLabels callers;
  PeerLabels labels = callers.Source("client-v1,prod,client,v1", kClient);
  EXPECT_EQ(labels.namespace_name, "default");
  EXPECT_EQ(labels.workload, "");
  EXPECT_EQ(labels.app, "");
}

TEST(CallerLabelsTest, MalformedHeadersAreIgnored) {
  CallerLabels callers;
  const std::vector<std::string> headers = {"a,default,a", "a,default,a,v1,extra",
                                            "a\"b,default,a,v1",
                                            std::string(64, 'a') + ",default,a,v1"};
  for (const std::string& header : headers) {
    PeerLabels labels = callers.Source(header, kClient);
    EXPECT_EQ(labels.workload, "") << header;
    EXPECT_EQ(labels.principal, kClient) << header;
  }
}

TEST(CallerLabelsTest, EachPrincipalHasABoundedNumberOfHeaders) {
  CallerLabels callers;
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string header = "w" + std::to_string(i) + ",default,a,v1";
    if (!callers.Source(header, kClient).workload.empty()) ++admitted;
  }
  EXPECT_EQ(admitted, static_cast<int>(CallerLabels::kPerPrincipal));
  // Those admitted stay so; another principal has its own bound.
  EXPECT_EQ(callers.Source("w0,default,a,v1", kClient).workload, "w0");
  EXPECT_EQ(callers.Source("w99,default,a,v1", "spiffe://cluster.local/ns/default/sa/b").workload,
            "w99");
}

TEST(CallerLabelsTest, PlaintextCallersShareOneBound) {
  CallerLabels callers;
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    PeerLabels labels = callers.Source("w" + std::to_string(i) + ",default,a,v1", "");
    EXPECT_EQ(labels.principal, "");
    if (!labels.workload.empty()) ++admitted;
  }
  EXPECT_EQ(admitted, static_cast<int>(CallerLabels::kPlaintext));
}

}  // namespace
}  // namespace meshup::internal
