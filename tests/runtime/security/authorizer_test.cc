#include "security/authorizer.h"

#include <string>
#include <vector>

#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

using ::testing::HasSubstr;

const std::map<std::string, std::string> kReviews = {{"app", "reviews"}, {"version", "v1"}};
constexpr char kProductpage[] = "cluster.local/ns/default/sa/bookinfo-productpage";
constexpr char kGetReviews[] = "/bookinfo.Reviews/GetReviews";

std::shared_ptr<const config::Snapshot> Policies(const std::string& yaml) {
  auto snapshot = config::LoadConfigFiles({{"policies.yaml", yaml}});
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : std::make_shared<config::Snapshot>();
}

std::string Policy(const std::string& name, const std::string& spec,
                   const std::string& ns = "default") {
  return "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: " + name +
         ", namespace: " + ns + "}\nspec:\n" + spec + "---\n";
}

AuthzDecision Check(const config::Snapshot& snapshot, absl::string_view path,
                    absl::string_view principal,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::map<std::string, std::string>& labels = kReviews) {
  AuthzRequest request;
  request.path = path;
  request.principal = principal;
  request.source_namespace = principal.empty() ? "" : "default";
  request.headers = headers;
  return Authorize(snapshot, labels, "default", request);
}

TEST(AuthorizerTest, NoPolicyAllows) {
  EXPECT_TRUE(Check(config::Snapshot(), kGetReviews, "").allowed);
}

TEST(AuthorizerTest, AnAllowPolicyAdmitsOnlyWhatItMatches) {
  auto snapshot = Policies(Policy("reviews-viewer", R"(  selector: {matchLabels: {app: reviews}}
  action: ALLOW
  rules:
  - from: [{source: {principals: ["cluster.local/ns/default/sa/bookinfo-productpage"]}}]
    to: [{operation: {paths: ["/bookinfo.Reviews/*"], methods: ["POST"]}}]
)"));
  EXPECT_TRUE(Check(*snapshot, kGetReviews, kProductpage).allowed);
  AuthzDecision other = Check(*snapshot, kGetReviews, "cluster.local/ns/default/sa/intruder");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.policy, "no ALLOW policy matched");
  EXPECT_FALSE(Check(*snapshot, "/bookinfo.Ratings/GetRatings", kProductpage).allowed);
  EXPECT_FALSE(Check(*snapshot, kGetReviews, "").allowed) << "a caller without mTLS";
}

TEST(AuthorizerTest, AMatchingDenyWinsOverAMatchingAllow) {
  auto snapshot = Policies(Policy("allow-all", R"(  action: ALLOW
  rules: [{}]
)") + Policy("deny-reviews", R"(  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Reviews/GetReviews"]}}]
)"));
  AuthzDecision decision = Check(*snapshot, kGetReviews, kProductpage);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.policy, "default/deny-reviews");
  EXPECT_TRUE(Check(*snapshot, "/bookinfo.Reviews/Other", kProductpage).allowed);
}

TEST(AuthorizerTest, AnAllowPolicyWithoutRulesAllowsNothingAndADenyWithoutRulesDeniesNothing) {
  EXPECT_FALSE(
      Check(*Policies(Policy("allow-nothing", "  action: ALLOW\n")), kGetReviews, kProductpage)
          .allowed);
  EXPECT_TRUE(
      Check(*Policies(Policy("deny-nothing", "  action: DENY\n")), kGetReviews, kProductpage)
          .allowed);
}

TEST(AuthorizerTest, WhenConditionsOnHeaders) {
  auto snapshot = Policies(Policy("jason-only", R"(  action: ALLOW
  rules:
  - when:
    - key: request.headers[end-user]
      values: ["jason"]
)"));
  EXPECT_TRUE(Check(*snapshot, kGetReviews, "", {{"end-user", "jason"}}).allowed);
  EXPECT_FALSE(Check(*snapshot, kGetReviews, "", {{"end-user", "bob"}}).allowed);
  EXPECT_FALSE(Check(*snapshot, kGetReviews, "").allowed);
}

TEST(AuthorizerTest, NotPrincipalsStarMatchesCallersWithoutIdentity) {
  auto snapshot = Policies(Policy("deny-plaintext", R"(  action: DENY
  rules:
  - from: [{source: {notPrincipals: ["*"]}}]
)"));
  EXPECT_FALSE(Check(*snapshot, kGetReviews, "").allowed);
  EXPECT_TRUE(Check(*snapshot, kGetReviews, kProductpage).allowed);
}

TEST(AuthorizerTest, PoliciesApplyBySelectorAndNamespace) {
  auto snapshot = Policies(Policy("deny-ratings", R"(  selector: {matchLabels: {app: ratings}}
  action: DENY
  rules: [{}]
)") + Policy("deny-elsewhere", "  action: DENY\n  rules: [{}]\n", "other") +
                           Policy("deny-v2", R"(  selector: {matchLabels: {version: v2}}
  action: DENY
  rules: [{}]
)"));
  EXPECT_TRUE(Check(*snapshot, kGetReviews, "").allowed);
  EXPECT_FALSE(Check(*snapshot, kGetReviews, "", {}, {{"app", "ratings"}}).allowed);
  EXPECT_FALSE(
      Check(*snapshot, kGetReviews, "", {}, {{"app", "reviews"}, {"version", "v2"}}).allowed);
}

TEST(AuthorizerTest, TheRootNamespaceAppliesEverywhere) {
  auto snapshot = Policies(Policy("mesh-wide", "  action: DENY\n  rules: [{}]\n", "istio-system"));
  EXPECT_FALSE(Check(*snapshot, kGetReviews, kProductpage).allowed);
}

TEST(AuthorizerTest, ValuesMatchExactlyByPrefixBySuffixOrByPresence) {
  config::AuthzValue exact{"/a/b"}, prefix{"/a/*"}, suffix{"*/b"}, any{"*"};
  EXPECT_TRUE(exact.Matches("/a/b"));
  EXPECT_FALSE(exact.Matches("/a/B"));
  EXPECT_TRUE(prefix.Matches("/a/x"));
  EXPECT_FALSE(prefix.Matches("/b/a/x"));
  EXPECT_TRUE(suffix.Matches("/x/b"));
  EXPECT_TRUE(any.Matches("x"));
  EXPECT_FALSE(any.Matches(""));
}

TEST(AuthorizationPolicyConfigTest, RefusesWhatItCannotEnforce) {
  auto error = [](const std::string& spec) {
    auto snapshot = config::LoadConfigFiles({{"p.yaml", Policy("p", spec)}});
    EXPECT_FALSE(snapshot.ok());
    return std::string(snapshot.status().message());
  };
  EXPECT_THAT(error("  action: AUDIT\n"), HasSubstr("spec.action: 'AUDIT' is not supported"));
  EXPECT_THAT(error("  rules:\n  - to: [{operation: {paths: [\"/a*b\"]}}]\n"),
              HasSubstr("'/a*b' is not a value Istio matches"));
  EXPECT_THAT(error("  rules:\n  - when: [{key: \"request.auth.claims[iss]\", values: [x]}]\n"),
              HasSubstr("condition key 'request.auth.claims[iss]' is not supported"));
  EXPECT_THAT(error("  rules:\n  - from: [{source: {ipBlocks: [10.0.0.0/8]}}]\n"),
              HasSubstr("spec.rules[0].from[0].source.ipBlocks: unknown or unsupported field"));
}

TEST(PeerAuthenticationConfigTest, ReadsModesAndRefusesOthers) {
  auto snapshot = config::LoadConfigFiles(
      {{"pa.yaml",
        "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: "
        "default}\nspec:\n  mtls: {mode: PERMISSIVE}\n"}});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->peer_authentications[0].mode,
            config::PeerAuthentication::Mode::kPermissive);
  auto bad = config::LoadConfigFiles(
      {{"pa.yaml",
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: d}\n"
        "spec:\n  mtls: {mode: OPTIONAL}\n"}});
  EXPECT_THAT(bad.status().message(), HasSubstr("'OPTIONAL' is not one of STRICT"));
}

}  // namespace
}  // namespace meshup::internal
