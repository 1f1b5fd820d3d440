// The deploy file: what it accepts, and that every mistake names the file,
// line, column and field.
#include "codegen/manifests/deploy_file.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "codegen/manifests/idl_files.h"
#include "codegen/manifests/manifest_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meshup::manifests {
namespace {

using ::testing::HasSubstr;

constexpr char kHeader[] = R"(apiVersion: meshup.dev/v1alpha1
kind: Deploy
metadata: {name: shop, namespace: prod}
spec:
)";

absl::StatusOr<DeployFile> Parse(const std::string& spec) {
  return ParseDeployFile("deploy.yaml", "/base", std::string(kHeader) + spec);
}

TEST(DeployFileTest, ReadsEveryField) {
  absl::StatusOr<DeployFile> deploy = Parse(R"(  trustDomain: example.org
  adminPort: 15100
  idl: {protoPaths: [idl, /abs], files: [shop/cart.proto]}
  services:
  - name: cart
    port: 8080
    serviceAccount: cart-sa
    calls: [web]
    versions:
    - name: v1
      replicas: 3
      image: registry.example.org/cart:1.2
      env: {LOG_LEVEL: debug}
      resources: {requests: {cpu: 250m}, limits: {memory: 128Mi}}
  - name: web
    protocol: http
    port: 80
    versions: [{name: v1, image: web:1}]
)");
  ASSERT_TRUE(deploy.ok()) << deploy.status();
  EXPECT_EQ(deploy->name, "shop");
  EXPECT_EQ(deploy->namespace_name, "prod");
  EXPECT_EQ(deploy->trust_domain, "example.org");
  EXPECT_EQ(deploy->admin_port, 15100u);
  EXPECT_THAT(deploy->proto_paths, ::testing::ElementsAre("/base/idl", "/abs"));
  ASSERT_EQ(deploy->services.size(), 2u);
  const DeployService& cart = deploy->services[0];
  EXPECT_EQ(cart.port, 8080u);
  EXPECT_EQ(cart.service_account, "cart-sa");
  ASSERT_EQ(cart.versions.size(), 1u);
  EXPECT_EQ(cart.versions[0].replicas, 3);
  EXPECT_EQ(cart.versions[0].env.at("LOG_LEVEL"), "debug");
  EXPECT_EQ(cart.versions[0].requests.at("cpu"), "250m");
  EXPECT_EQ(cart.versions[0].requests.at("memory"), "64Mi");  // the default
  EXPECT_EQ(cart.versions[0].limits.at("memory"), "128Mi");
  EXPECT_EQ(deploy->services[1].protocol, DeployService::Protocol::kHttp);
}

struct BadCase {
  const char* spec;
  const char* expected;  // a substring of the error
};

TEST(DeployFileTest, ErrorsNameFileLineAndField) {
  const BadCase cases[] = {
      {"  services:\n  - name: cart\n    colour: red\n    versions: [{name: v1, image: a}]\n",
       "deploy.yaml:7:5: Deploy prod/shop: spec.services[0].colour: unknown"},
      {"  services:\n  - name: Cart\n    versions: [{name: v1, image: a}]\n",
       "deploy.yaml:6:11: Deploy prod/shop: spec.services[0].name: 'Cart' is not a DNS-1123"},
      {"  services:\n  - name: cart\n    port: 70000\n    versions: [{name: v1, image: a}]\n",
       "deploy.yaml:7:11: Deploy prod/shop: spec.services[0].port"},
      {"  services:\n  - name: cart\n    versions: [{name: v1}]\n",
       "spec.services[0].versions[0].image: an image is required"},
      {"  services:\n  - name: cart\n    versions:\n    - {name: v1, image: a}\n"
       "    - {name: v1, image: b}\n",
       "deploy.yaml:9:7: Deploy prod/shop: spec.services[0].versions[1].name: version 'v1' is "
       "listed twice"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, replicas: -1}]\n",
       "spec.services[0].versions[0].replicas"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " resources: {requests: {cpu: lots}}}]\n",
       "spec.services[0].versions[0].resources.requests.cpu: 'lots' is not a Kubernetes quantity"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, env: {MESHUP_PORT: "
       "'1'}}]\n",
       "spec.services[0].versions[0].env.MESHUP_PORT: MESHUP_* variables are set by"},
      {"  services:\n  - name: cart\n    calls: [nobody]\n    versions: [{name: v1, image: a}]\n",
       "deploy.yaml:7:13: Deploy prod/shop: spec.services[0].calls[0]: 'nobody' is not a service"},
      {"  services:\n  - name: web\n    protocol: http\n    versions: [{name: v1, image: a}]\n",
       "spec.services[0].port: an http service needs a port"},
      {"  services: []\n", "spec.services: at least one service is required"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: 'a b'}]\n",
       "spec.services[0].versions[0].image: 'a b' is not an image reference"},
  };
  for (const BadCase& bad : cases) {
    absl::StatusOr<DeployFile> deploy = Parse(bad.spec);
    ASSERT_FALSE(deploy.ok()) << bad.spec;
    EXPECT_THAT(deploy.status().message(), HasSubstr(bad.expected)) << bad.spec;
  }
}

// What the Pod Security "restricted" pods take from the deploy file, and its
// defaults.
TEST(DeployFileTest, ResourcesUserAndWritablePathsHaveDefaults) {
  absl::StatusOr<DeployFile> deploy = Parse(R"(  services:
  - name: web
    protocol: http
    port: 80
    versions:
    - {name: v1, image: web:1}
    - name: v2
      image: web:2
      resources: {requests: {cpu: '2', memory: 1Gi}, limits: {cpu: 2500m}}
      runAsUser: 1000
      writablePaths: [/tmp, /var/cache/web]
)");
  ASSERT_TRUE(deploy.ok()) << deploy.status();
  const DeployVersion& v1 = deploy->services[0].versions[0];
  EXPECT_EQ(v1.requests, (std::map<std::string, std::string>{{"cpu", "100m"}, {"memory", "64Mi"}}));
  EXPECT_EQ(v1.limits, (std::map<std::string, std::string>{{"cpu", "1"}, {"memory", "256Mi"}}));
  EXPECT_EQ(v1.run_as_user, 65532);
  EXPECT_THAT(v1.writable_paths, ::testing::ElementsAre("/tmp"));
  const DeployVersion& v2 = deploy->services[0].versions[1];
  // A request above the default limit raises the limit it leaves out.
  EXPECT_EQ(v2.limits, (std::map<std::string, std::string>{{"cpu", "2500m"}, {"memory", "1Gi"}}));
  EXPECT_EQ(v2.run_as_user, 1000);
  EXPECT_THAT(v2.writable_paths, ::testing::ElementsAre("/tmp", "/var/cache/web"));
}

TEST(DeployFileTest, PodSecurityFieldErrorsNameTheField) {
  const BadCase cases[] = {
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " resources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}}]\n",
       "deploy.yaml:7:91: Deploy prod/shop: spec.services[0].versions[0].resources.limits.memory: "
       "limit 512Mi is below the request 1Gi"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " resources: {requests: {cpu: 1500m}, limits: {cpu: '1'}}}]\n",
       "resources.limits.cpu: limit 1 is below the request 1500m"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, runAsUser: 0}]\n",
       "deploy.yaml:7:48: Deploy prod/shop: spec.services[0].versions[0].runAsUser: 0 is root"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, runAsUser: -5}]\n",
       "spec.services[0].versions[0].runAsUser: -5 is out of range"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, writablePaths: [tmp]}]\n",
       "deploy.yaml:7:53: Deploy prod/shop: spec.services[0].versions[0].writablePaths[0]: 'tmp' "
       "is not an absolute path"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, writablePaths: "
       "[/tmp/]}]\n",
       "writablePaths[0]: '/tmp/' is not an absolute path"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, writablePaths: [/]}]\n",
       "writablePaths[0]: '/' is not an absolute path"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " writablePaths: [/var/../etc]}]\n",
       "writablePaths[0]: '/var/../etc' is not an absolute path"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " writablePaths: [/tmp, /tmp]}]\n",
       "writablePaths[1]: '/tmp' is listed twice"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " writablePaths: [/etc/meshup]}]\n",
       "writablePaths[0]: '/etc/meshup' overlaps /etc/meshup/config"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a,"
       " writablePaths: [/var/run/meshup/identity/x]}]\n",
       "overlaps /var/run/meshup/identity"},
      {"  services:\n  - name: cart\n    versions: [{name: v1, image: a, writablePaths: /tmp}]\n",
       "spec.services[0].versions[0].writablePaths"},
  };
  for (const BadCase& bad : cases) {
    absl::StatusOr<DeployFile> deploy = Parse(bad.spec);
    ASSERT_FALSE(deploy.ok()) << bad.spec;
    EXPECT_THAT(deploy.status().message(), HasSubstr(bad.expected)) << bad.spec;
  }
}

TEST(DeployFileTest, RefusesOtherKindsAndBadYaml) {
  absl::StatusOr<DeployFile> kind =
      ParseDeployFile("d.yaml", ".", "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n");
  EXPECT_THAT(kind.status().message(),
              HasSubstr("expected apiVersion meshup.dev/v1alpha1 and kind Deploy"));
  absl::StatusOr<DeployFile> yaml = ParseDeployFile("d.yaml", ".", "a: [\n");
  EXPECT_THAT(yaml.status().message(), HasSubstr("d.yaml:2:1: invalid YAML"));
}

// The model joins the deploy file with the IDL; its errors point at the
// deploy file's service.
absl::StatusOr<ManifestModel> Model(const std::string& services) {
  absl::StatusOr<DeployFile> deploy = ParseDeployFile(
      "deploy.yaml", MESHUP_BOOKINFO_IDL "/..",
      absl::StrCat(kHeader, "  idl: {protoPaths: [idl], files: [bookinfo/reviews.proto]}\n",
                   "  services:\n", services));
  if (!deploy.ok()) return deploy.status();
  absl::StatusOr<std::vector<codegen::FileView>> idl =
      LoadIdlFiles(deploy->proto_paths, deploy->proto_files);
  if (!idl.ok()) return idl.status();
  return BuildManifestModel(*deploy, *idl);
}

TEST(DeployFileTest, TheModelTakesPortAndAccountFromTheDeployFileOrTheIdl) {
  absl::StatusOr<ManifestModel> model =
      Model("  - name: reviews\n    port: 9080\n    versions: [{name: v1, image: a}]\n");
  ASSERT_TRUE(model.ok()) << model.status();
  const ServiceModel& reviews = model->services[0];
  EXPECT_EQ(reviews.port, 9080u);
  EXPECT_EQ(reviews.service_account, "bookinfo-reviews");  // the IDL's
  ASSERT_TRUE(reviews.idl.has_value());
  EXPECT_EQ(reviews.idl->full_name, "bookinfo.ReviewsService");
  ASSERT_EQ(reviews.allowed_callers.size(), 1u);
  EXPECT_EQ(reviews.allowed_callers[0].namespace_name, "prod");  // the deploy file's
}

TEST(DeployFileTest, TheModelNamesWhatTheIdlLacks) {
  EXPECT_THAT(Model("  - name: cart\n    port: 1\n    versions: [{name: v1, image: a}]\n")
                  .status()
                  .message(),
              HasSubstr("deploy.yaml:7:5: service 'cart': no IDL service has this mesh name "
                        "(spec.idl.files declare: reviews)"));
  EXPECT_THAT(Model("  - name: reviews\n    versions: [{name: v1, image: a}]\n").status().message(),
              HasSubstr("service 'reviews': port: the IDL sets no port"));
  EXPECT_THAT(Model("  - name: reviews\n    protocol: http\n    port: 1\n    versions: [{name: v1, "
                    "image: a}]\n")
                  .status()
                  .message(),
              HasSubstr("protocol: http, but the IDL declares bookinfo.ReviewsService"));
}

TEST(DeployFileTest, IdlErrorsNameTheProto) {
  absl::StatusOr<std::vector<codegen::FileView>> missing =
      LoadIdlFiles({MESHUP_BOOKINFO_IDL}, {"bookinfo/nothing.proto"});
  EXPECT_THAT(missing.status().message(), HasSubstr("bookinfo/nothing.proto"));
}

TEST(DeployFileTest, BookinfoLoads) {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<std::string> names;
  for (const ServiceModel& service : model->services) names.push_back(service.name);
  EXPECT_THAT(names, ::testing::ElementsAre("details", "productpage", "ratings", "reviews"));
  EXPECT_FALSE(model->Find("productpage")->grpc);
  EXPECT_EQ(model->Find("reviews")->versions.size(), 3u);
}

}  // namespace
}  // namespace meshup::manifests
