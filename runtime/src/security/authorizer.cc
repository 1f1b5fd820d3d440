#include "security/authorizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

using config::AuthorizationPolicy;
using config::AuthzValue;

bool AnyMatches(const std::vector<AuthzValue>& values, absl::string_view value) {
  for (const AuthzValue& candidate : values) {
    if (candidate.Matches(value)) return true;
  }
  return false;
}

// An empty constraint holds; `values` must match and `not_values` must not.
bool Holds(const std::vector<AuthzValue>& values, const std::vector<AuthzValue>& not_values,
           absl::string_view value) {
  if (!values.empty() && !AnyMatches(values, value)) return false;
  return not_values.empty() || !AnyMatches(not_values, value);
}

bool Applies(const AuthorizationPolicy& policy, const std::map<std::string, std::string>& labels,
             absl::string_view ns) {
  if (policy.origin.namespace_name != ns && policy.origin.namespace_name != kRootNamespace) {
    return false;
  }
  return config::SelectorMatches(policy.selector, labels);
}

const std::string* FindHeader(const AuthzRequest& request, absl::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool ConditionHolds(const config::AuthzCondition& condition, const AuthzRequest& request) {
  absl::string_view value;
  bool present = true;
  if (condition.key == "source.principal") {
    value = request.principal;
  } else if (condition.key == "source.namespace") {
    value = request.source_namespace;
  } else {
    // request.headers[<name>]
    const std::string name = absl::AsciiStrToLower(
        absl::string_view(condition.key).substr(16, condition.key.size() - 17));
    const std::string* header = FindHeader(request, name);
    present = header != nullptr;
    if (present) value = *header;
  }
  if (!present) return condition.values.empty();  // only notValues: absence passes
  return Holds(condition.values, condition.not_values, value);
}

bool RuleMatches(const config::AuthzRule& rule, const AuthzRequest& request) {
  if (!rule.from.empty()) {
    bool any = false;
    for (const config::AuthzSource& source : rule.from) {
      any |= Holds(source.principals, source.not_principals, request.principal) &&
             Holds(source.namespaces, source.not_namespaces, request.source_namespace);
    }
    if (!any) return false;
  }
  if (!rule.to.empty()) {
    bool any = false;
    for (const config::AuthzOperation& operation : rule.to) {
      any |= Holds(operation.paths, operation.not_paths, request.path) &&
             Holds(operation.methods, operation.not_methods, request.method);
    }
    if (!any) return false;
  }
  for (const config::AuthzCondition& condition : rule.when) {
    if (!ConditionHolds(condition, request)) return false;
  }
  return true;
}

bool PolicyMatches(const AuthorizationPolicy& policy, const AuthzRequest& request) {
  for (const config::AuthzRule& rule : policy.rules) {
    if (RuleMatches(rule, request)) return true;
  }
  return false;
}

std::string Name(const AuthorizationPolicy& policy) {
  return absl::StrCat(policy.origin.namespace_name, "/", policy.origin.name);
}

}  // namespace

AuthzDecision Authorize(const config::Snapshot& snapshot,
                        const std::map<std::string, std::string>& workload_labels,
                        absl::string_view workload_namespace, const AuthzRequest& request,
                        absl::Span<const AuthorizationPolicy> declared) {
  bool any_allow_applies = false;
  const AuthorizationPolicy* allowing = nullptr;
  auto consider = [&](const AuthorizationPolicy& policy) {
    if (policy.action == AuthorizationPolicy::Action::kDeny) return PolicyMatches(policy, request);
    any_allow_applies = true;
    if (allowing == nullptr && PolicyMatches(policy, request)) allowing = &policy;
    return false;
  };
  for (const AuthorizationPolicy& policy : snapshot.authorization_policies) {
    if (Applies(policy, workload_labels, workload_namespace) && consider(policy)) {
      return {false, Name(policy)};
    }
  }
  for (const AuthorizationPolicy& policy : declared) {
    if (consider(policy)) return {false, Name(policy)};
  }
  if (!any_allow_applies) return {true, ""};
  if (allowing != nullptr) return {true, Name(*allowing)};
  return {false, "no ALLOW policy matched"};
}

std::optional<AuthorizationPolicy> AllowedCallersPolicy(
    absl::string_view service_full_name, absl::Span<const absl::string_view> allowed_callers,
    absl::string_view service_namespace) {
  if (allowed_callers.empty()) return std::nullopt;
  AuthorizationPolicy policy;
  policy.origin.kind = "IDL allowed_callers";
  policy.origin.namespace_name = std::string(service_namespace);
  policy.origin.name = std::string(service_full_name);
  policy.action = AuthorizationPolicy::Action::kAllow;
  config::AuthzSource source;
  for (absl::string_view caller : allowed_callers) {
    const size_t slash = caller.find('/');
    const std::string principal =
        slash == absl::string_view::npos
            ? absl::StrCat("*/ns/", service_namespace, "/sa/", caller)
            : absl::StrCat("*/ns/", caller.substr(0, slash), "/sa/", caller.substr(slash + 1));
    source.principals.push_back({principal});
  }
  config::AuthzRule rule;
  rule.from.push_back(std::move(source));
  policy.rules.push_back(std::move(rule));
  return policy;
}

}  // namespace meshup::internal
