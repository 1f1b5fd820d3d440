// The Linkerd target writes the API versions Linkerd serves today (Server at
// policy.linkerd.io/v1beta3; v1beta1 is deprecated). No npm package
// publishes Linkerd's schemas, so the kinds and versions are checked here.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "test_output.h"

namespace meshup::manifests {
namespace {

TEST(LinkerdVersionsTest, EveryDocumentUsesTheCurrentApiVersion) {
  const std::map<std::string, std::string> current = {
      {"ServiceProfile", "linkerd.io/v1alpha2"},
      {"Server", "policy.linkerd.io/v1beta3"},
      {"MeshTLSAuthentication", "policy.linkerd.io/v1alpha1"},
      {"AuthorizationPolicy", "policy.linkerd.io/v1alpha1"},
  };
  std::map<std::string, int> kinds;
  for (const auto& [path, text] : GenerateFor(MESHUP_BOOKINFO_DEPLOY, {Target::kLinkerd})) {
    for (const YAML::Node& document : Documents(text)) {
      const std::string kind = document["kind"].as<std::string>();
      ++kinds[kind];
      ASSERT_EQ(current.count(kind), 1u) << path << ": kind " << kind;
      EXPECT_EQ(document["apiVersion"].as<std::string>(), current.at(kind)) << path << ": " << kind;
    }
  }
  EXPECT_GT(kinds["Server"], 0);
  EXPECT_GT(kinds["ServiceProfile"], 0);
}

}  // namespace
}  // namespace meshup::manifests
