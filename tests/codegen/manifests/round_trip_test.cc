// The Istio output, read back by the runtime: with the generated
// configuration, the runtime's router plans every call of every method as it
// does from the IDL alone (timeout, tries, per-try timeout, retried codes,
// destination), and its authorizer lets exactly the IDL's allowed callers
// in. Run on bookinfo and on the test IDL that uses every method option.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/manifests/idl_files.h"
#include "codegen/manifests/manifests.h"
#include "config/config_source.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "routing/router.h"
#include "security/authorizer.h"
#include "util/clock.h"
#include "yaml-cpp/yaml.h"

namespace meshup::manifests {
namespace {

namespace fs = std::filesystem;

// The IDL's retry codes are absl::StatusCode enumerator names.
absl::StatusCode CodeNamed(const std::string& enumerator) {
  for (int i = 0; i <= 16; ++i) {
    const auto code = static_cast<absl::StatusCode>(i);
    std::string name = "k";
    bool upper = true;
    for (char c : absl::StatusCodeToString(code)) {
      if (c == '_') {
        upper = true;
        continue;
      }
      name.push_back(upper ? c : static_cast<char>(std::tolower(c)));
      upper = false;
    }
    if (name == enumerator) return code;
  }
  ADD_FAILURE() << "unknown code " << enumerator;
  return absl::StatusCode::kUnknown;
}

// A MethodInfo as the generated code builds it from the IDL.
struct IdlMethod {
  explicit IdlMethod(const codegen::MethodView& view) : view(view) {
    for (const std::string& code : view.retry_on) retry_on.push_back(CodeNamed(code));
    info.name = this->view.name;
    info.path = this->view.path;
    info.timeout = view.timeout;
    info.retry.attempts = view.retry_attempts;
    info.retry.per_try_timeout = view.retry_per_try_timeout;
    info.retry.retry_on = retry_on;
    info.idempotent = view.idempotent;
  }
  codegen::MethodView view;
  std::vector<absl::StatusCode> retry_on;
  MethodInfo info;
};

// Retrying on no listed code means retrying on UNAVAILABLE
// (PlanDeadlineAndRetries(), routing/router.h).
std::vector<absl::StatusCode> Effective(std::vector<absl::StatusCode> codes) {
  if (codes.empty()) codes.push_back(absl::StatusCode::kUnavailable);
  return codes;
}

class RoundTripTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Writes the Istio output of `model` to a directory the runtime loads.
  void Generate(const ManifestModel& model) {
    GenerateOptions options;
    options.targets = {Target::kIstio};
    absl::StatusOr<OutputFiles> files =
        GenerateManifests(model, options, *codegen::EmbeddedTemplateSource());
    ASSERT_TRUE(files.ok()) << files.status();
    dir_ = fs::temp_directory_path() /
           absl::StrCat("meshup-round-trip-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& [path, content] : *files) {
      std::ofstream(dir_ / fs::path(path).filename()) << content;
    }
  }

  // Plans a call of every method with the generated configuration and with
  // none, and expects the same decisions.
  void ExpectSamePlans(const ManifestModel& model) {
    absl::StatusOr<std::unique_ptr<config::ConfigSource>> generated =
        config::ConfigSource::Watch(dir_.string(), loop_);
    ASSERT_TRUE(generated.ok()) << generated.status();
    config::ConfigSource idl_only;
    auto channels = [](const internal::EndpointInfo& info) {
      return grpc::CreateChannel(info.address, grpc::InsecureChannelCredentials());
    };
    internal::ClusterManager clusters_with_config(**generated, nullptr, channels, clock_, random_);
    internal::ClusterManager clusters_without(idl_only, nullptr, channels, clock_, random_);
    internal::Router with_config(**generated, clusters_with_config, {}, random_);
    internal::Router without(idl_only, clusters_without, {}, random_);
    const absl::Time now = clock_.Now();
    int planned = 0;
    for (const ServiceModel& service : model.services) {
      if (!service.idl) continue;
      ASSERT_NE((*generated)->Current()->VirtualServiceFor(service.name), nullptr) << service.name;
      for (const codegen::MethodView& view : service.idl->methods) {
        IdlMethod method(view);
        internal::CallPlan a =
            with_config.Plan(clusters_with_config.Get(service.name), method.info, {}, now);
        internal::CallPlan b = without.Plan(clusters_without.Get(service.name), method.info, {}, now);
        SCOPED_TRACE(view.path);
        EXPECT_EQ(a.cluster->host(), b.cluster->host());
        EXPECT_EQ(a.subset, b.subset);
        EXPECT_EQ(a.deadline, b.deadline);
        EXPECT_EQ(a.tries, b.tries);
        if (a.tries > 1) {
          EXPECT_EQ(a.per_try_timeout, b.per_try_timeout);
          EXPECT_EQ(Effective({a.retry_on.begin(), a.retry_on.end()}),
                    Effective({b.retry_on.begin(), b.retry_on.end()}));
        }
        EXPECT_FALSE(a.abort.has_value());
        EXPECT_EQ(a.delay, absl::ZeroDuration());
        ++planned;
      }
    }
    EXPECT_GT(planned, 0);
  }

  // Every caller the model knows (and one without identity) against every
  // method: allowed exactly when the IDL allows it.
  void ExpectIdlAuthorization(const ManifestModel& model) {
    absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot =
        config::LoadConfigDirectory(dir_.string());
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    std::vector<std::string> callers = {"", "stranger"};
    for (const ServiceModel& service : model.services) callers.push_back(service.service_account);
    for (const ServiceModel& service : model.services) {
      if (!service.idl) continue;
      for (const DeployVersion& version : service.versions) {
        for (const codegen::MethodView& method : service.idl->methods) {
          for (const std::string& caller : callers) {
            const std::string principal = caller.empty()
                                              ? ""
                                              : absl::StrCat(model.trust_domain, "/ns/",
                                                             model.namespace_name, "/sa/", caller);
            bool expected = service.allowed_callers.empty();
            for (const auto& allowed : service.allowed_callers) {
              expected |= allowed.namespace_name == model.namespace_name &&
                          allowed.service_account == caller;
            }
            internal::AuthzRequest request;
            request.path = method.path;
            request.principal = principal;
            request.source_namespace = model.namespace_name;
            internal::AuthzDecision decision =
                internal::Authorize(**snapshot, {{"app", service.name}, {"version", version.name}},
                                    model.namespace_name, request);
            EXPECT_EQ(decision.allowed, expected) << service.name << " " << version.name << " "
                                                  << method.path << " from '" << caller << "'";
          }
        }
      }
    }
  }

  fs::path dir_;
  internal::EventLoop loop_;
  internal::FakeClock clock_;
  internal::SeededRandom random_{1};
};

TEST_F(RoundTripTest, Bookinfo) {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  ASSERT_TRUE(model.ok()) << model.status();
  Generate(*model);
  ExpectSamePlans(*model);
  ExpectIdlAuthorization(*model);
}

// The ConfigMaps the Deployments mount: the base one (mesh.yaml) and the
// embedded overlay's (policies.yaml added) load as the runtime loads its
// configuration directory, with a dns registry and the Istio policies.
TEST_F(RoundTripTest, TheConfigMapsLoadInTheRuntime) {
  absl::StatusOr<ManifestModel> model = LoadManifestModel(MESHUP_BOOKINFO_DEPLOY);
  ASSERT_TRUE(model.ok()) << model.status();
  GenerateOptions options;
  options.targets = {Target::kKubernetes};
  absl::StatusOr<OutputFiles> files =
      GenerateManifests(*model, options, *codegen::EmbeddedTemplateSource());
  ASSERT_TRUE(files.ok()) << files.status();
  std::vector<config::ConfigFile> config;
  for (const char* path :
       {"kubernetes/base/meshup-config.yaml", "kubernetes/overlays/embedded/meshup-config.yaml"}) {
    const YAML::Node map = YAML::Load(files->at(path));
    ASSERT_EQ(map["kind"].as<std::string>(), "ConfigMap");
    for (const auto& entry : map["data"]) {
      config.push_back({entry.first.as<std::string>(), entry.second.as<std::string>()});
    }
  }
  ASSERT_EQ(config.size(), 2u);
  absl::StatusOr<std::shared_ptr<const config::Snapshot>> snapshot =
      config::LoadConfigFiles(config);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->mesh.registry.type, config::MeshConfig::Registry::Type::kDns);
  EXPECT_EQ((*snapshot)->mesh.registry.port, 9080u);
  EXPECT_EQ((*snapshot)->mesh.trust_domain, model->trust_domain);
  size_t guarded = 0;
  for (const ServiceModel& service : model->services) {
    if (service.idl) {
      EXPECT_NE((*snapshot)->VirtualServiceFor(service.name), nullptr);
    }
    EXPECT_NE((*snapshot)->DestinationRuleFor(service.name), nullptr);
    if (!service.allowed_callers.empty()) ++guarded;
  }
  EXPECT_GT(guarded, 0u);
  EXPECT_EQ((*snapshot)->authorization_policies.size(), guarded);
}

// The test IDL has every option: retries with codes and per-try timeouts,
// non-idempotent methods, methods without options, streams, a service
// without any option.
TEST_F(RoundTripTest, EveryMethodOption) {
  absl::StatusOr<std::vector<codegen::FileView>> idl =
      LoadIdlFiles({MESHUP_TEST_PROTO_ROOT}, {"meshup_test/everything.proto"});
  ASSERT_TRUE(idl.ok()) << idl.status();
  DeployFile deploy;
  deploy.path = "test-deploy.yaml";
  deploy.name = "everything";
  for (const codegen::ServiceView& view : (*idl)[0].services) {
    DeployService service;
    service.name = view.mesh_name;
    service.port = 7070;
    DeployVersion version;
    version.name = "v1";
    version.image = "example/everything:1";
    service.versions.push_back(version);
    deploy.services.push_back(service);
  }
  absl::StatusOr<ManifestModel> model = BuildManifestModel(deploy, *idl);
  ASSERT_TRUE(model.ok()) << model.status();
  Generate(*model);
  ExpectSamePlans(*model);
  ExpectIdlAuthorization(*model);
}

}  // namespace
}  // namespace meshup::manifests
