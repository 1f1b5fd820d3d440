#include "standard/standard_services.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service_access.h"

namespace meshup::internal {
namespace {

const ServiceInfo& HealthInfo() { return grpc::health::v1::Health::Info(); }
const ServiceInfo& ReflectionInfo() { return grpc::reflection::v1::ServerReflection::Info(); }
const ServiceInfo& ReflectionAlphaInfo() {
  return grpc::reflection::v1alpha::ServerReflection::Info();
}

// The full names reflection lists: the user's services and the standard ones.
std::vector<std::string> ServiceNames(const std::vector<Service*>& served) {
  std::vector<std::string> names;
  for (const Service* service : served) names.emplace_back(service->info().full_name);
  for (const ServiceInfo* info : {&HealthInfo(), &ReflectionInfo(), &ReflectionAlphaInfo()}) {
    names.emplace_back(info->full_name);
  }
  return names;
}

// The principals of an allowed_callers policy (one rule, one source).
std::set<std::string> Principals(const config::AuthorizationPolicy& policy) {
  std::set<std::string> principals;
  for (const config::AuthzRule& rule : policy.rules) {
    for (const config::AuthzSource& source : rule.from) {
      for (const config::AuthzValue& principal : source.principals)
        principals.insert(principal.text);
    }
  }
  return principals;
}

// An ALLOW policy for the callers every declared policy of `served` allows;
// nullopt when none declares any. Its principals may be none: then it allows
// no one.
std::optional<config::AuthorizationPolicy> CommonCallersPolicy(const std::vector<Service*>& served,
                                                               const ServerRuntime& runtime) {
  std::optional<std::set<std::string>> common;
  const config::AuthorizationPolicy* first = nullptr;
  for (const Service* service : served) {
    auto declared = runtime.declared_policies.find(service);
    if (declared == runtime.declared_policies.end()) continue;
    std::set<std::string> principals = Principals(declared->second);
    if (first == nullptr) {
      first = &declared->second;
      common = std::move(principals);
      continue;
    }
    std::set<std::string> both;
    std::set_intersection(common->begin(), common->end(), principals.begin(), principals.end(),
                          std::inserter(both, both.end()));
    common = std::move(both);
  }
  if (!common) return std::nullopt;
  config::AuthorizationPolicy policy = *first;
  policy.origin.name = "server reflection: the allowed_callers of every service";
  policy.rules.clear();
  if (!common->empty()) {
    config::AuthzSource source = first->rules.front().from.front();
    source.principals.clear();
    for (const std::string& principal : *common) source.principals.push_back({principal});
    config::AuthzRule rule;
    rule.from.push_back(std::move(source));
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

}  // namespace

absl::Status CheckNotStandard(absl::string_view full_name) {
  for (const ServiceInfo* info : {&HealthInfo(), &ReflectionInfo(), &ReflectionAlphaInfo()}) {
    if (full_name == info->full_name) {
      return absl::AlreadyExistsError(
          absl::StrCat("service ", full_name, " is served by every MeshUp server already"));
    }
  }
  return absl::OkStatus();
}

StandardServices::StandardServices(const std::vector<Service*>& served, ServerRuntime& runtime)
    : catalog_(ServiceNames(served)),
      health_([&served] {
        std::set<std::string> names;
        for (const Service* service : served) names.emplace(service->info().full_name);
        return names;
      }()),
      reflection_(catalog_),
      reflection_alpha_(catalog_) {
  std::optional<config::AuthorizationPolicy> reflection_policy =
      CommonCallersPolicy(served, runtime);
  for (Service* service : services()) {
    ServiceAccess::SetRuntime(*service, &runtime);
  }
  if (reflection_policy) {
    runtime.declared_policies.emplace(&health_, *reflection_policy);  // Check is exempt
    runtime.declared_policies.emplace(&reflection_, *reflection_policy);
    runtime.declared_policies.emplace(&reflection_alpha_, *std::move(reflection_policy));
  }
  runtime.authorization_exempt = HealthInfo().FindMethod("/grpc.health.v1.Health/Check");
}

std::vector<Service*> StandardServices::services() {
  return {&health_, &reflection_, &reflection_alpha_};
}

}  // namespace meshup::internal
