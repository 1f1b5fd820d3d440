// security.istio.io PeerAuthentication and AuthorizationPolicy.
#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/parsers.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

std::string Index(absl::string_view path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

absl::StatusOr<std::map<std::string, std::string>> ReadSelector(Fields& spec, const Document& doc) {
  YamlNode selector = spec.Get("selector");
  if (!selector.IsDefined()) return std::map<std::string, std::string>();
  Fields fields(selector, "spec.selector", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  MESHUP_ASSIGN_OR_RETURN(
      auto labels, ReadStringMap(fields.Get("matchLabels"), fields.Path("matchLabels"), doc));
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return labels;
}

absl::StatusOr<std::vector<AuthzValue>> ReadValues(const YamlNode& node, const std::string& path,
                                                   const Document& doc) {
  MESHUP_ASSIGN_OR_RETURN(std::vector<std::string> texts, ReadStringList(node, path, doc));
  std::vector<AuthzValue> values;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    const size_t stars = std::count(text.begin(), text.end(), '*');
    if (text.empty() || stars > 1 || (stars == 1 && text.front() != '*' && text.back() != '*')) {
      return doc.Error(node[i], Index(path, i),
                       absl::StrCat("'", text,
                                    "' is not a value Istio matches: use an exact value, "
                                    "\"prefix*\", \"*suffix\" or \"*\""));
    }
    values.push_back({text});
  }
  return values;
}

absl::StatusOr<AuthzRule> ReadRule(const YamlNode& node, const std::string& path,
                                   const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  AuthzRule rule;
  YamlNode from = fields.Get("from");
  MESHUP_RETURN_IF_ERROR(CheckSequence(from, fields.Path("from"), doc));
  for (size_t i = 0; from.IsSequence() && i < from.size(); ++i) {
    const std::string item_path = Index(fields.Path("from"), i);
    Fields item(from[i], item_path, doc);
    MESHUP_RETURN_IF_ERROR(item.status());
    Fields source(item.Get("source"), item.Path("source"), doc);
    MESHUP_RETURN_IF_ERROR(source.status());
    AuthzSource parsed;
    MESHUP_ASSIGN_OR_RETURN(parsed.principals,
                            ReadValues(source.Get("principals"), source.Path("principals"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.not_principals, ReadValues(source.Get("notPrincipals"),
                                                              source.Path("notPrincipals"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.namespaces,
                            ReadValues(source.Get("namespaces"), source.Path("namespaces"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.not_namespaces, ReadValues(source.Get("notNamespaces"),
                                                              source.Path("notNamespaces"), doc));
    MESHUP_RETURN_IF_ERROR(source.CheckAllRead());
    MESHUP_RETURN_IF_ERROR(item.CheckAllRead());
    rule.from.push_back(std::move(parsed));
  }
  YamlNode to = fields.Get("to");
  MESHUP_RETURN_IF_ERROR(CheckSequence(to, fields.Path("to"), doc));
  for (size_t i = 0; to.IsSequence() && i < to.size(); ++i) {
    const std::string item_path = Index(fields.Path("to"), i);
    Fields item(to[i], item_path, doc);
    MESHUP_RETURN_IF_ERROR(item.status());
    Fields operation(item.Get("operation"), item.Path("operation"), doc);
    MESHUP_RETURN_IF_ERROR(operation.status());
    AuthzOperation parsed;
    MESHUP_ASSIGN_OR_RETURN(parsed.paths,
                            ReadValues(operation.Get("paths"), operation.Path("paths"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.not_paths,
                            ReadValues(operation.Get("notPaths"), operation.Path("notPaths"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.methods,
                            ReadValues(operation.Get("methods"), operation.Path("methods"), doc));
    MESHUP_ASSIGN_OR_RETURN(parsed.not_methods, ReadValues(operation.Get("notMethods"),
                                                           operation.Path("notMethods"), doc));
    MESHUP_RETURN_IF_ERROR(operation.CheckAllRead());
    MESHUP_RETURN_IF_ERROR(item.CheckAllRead());
    rule.to.push_back(std::move(parsed));
  }
  YamlNode when = fields.Get("when");
  MESHUP_RETURN_IF_ERROR(CheckSequence(when, fields.Path("when"), doc));
  for (size_t i = 0; when.IsSequence() && i < when.size(); ++i) {
    const std::string item_path = Index(fields.Path("when"), i);
    Fields item(when[i], item_path, doc);
    MESHUP_RETURN_IF_ERROR(item.status());
    AuthzCondition condition;
    MESHUP_ASSIGN_OR_RETURN(condition.key, ReadString(item.Get("key"), item.Path("key"), doc));
    const bool header = absl::StartsWith(condition.key, "request.headers[") &&
                        absl::EndsWith(condition.key, "]") && condition.key.size() > 17;
    if (!header && condition.key != "source.principal" && condition.key != "source.namespace") {
      return doc.Error(when[i], item.Path("key"),
                       absl::StrCat("condition key '", condition.key,
                                    "' is not supported; use request.headers[<name>], "
                                    "source.principal or source.namespace"));
    }
    MESHUP_ASSIGN_OR_RETURN(condition.values,
                            ReadValues(item.Get("values"), item.Path("values"), doc));
    MESHUP_ASSIGN_OR_RETURN(condition.not_values,
                            ReadValues(item.Get("notValues"), item.Path("notValues"), doc));
    if (condition.values.empty() && condition.not_values.empty()) {
      return doc.Error(when[i], item_path, "set values or notValues");
    }
    MESHUP_RETURN_IF_ERROR(item.CheckAllRead());
    rule.when.push_back(std::move(condition));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return rule;
}

}  // namespace

bool AuthzValue::Matches(absl::string_view value) const {
  if (text == "*") return !value.empty();
  if (text.front() == '*') return absl::EndsWith(value, absl::string_view(text).substr(1));
  if (text.back() == '*') {
    return absl::StartsWith(value, absl::string_view(text).substr(0, text.size() - 1));
  }
  return value == text;
}

absl::StatusOr<PeerAuthentication> ParsePeerAuthentication(const YamlNode& spec,
                                                           const Origin& origin,
                                                           const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  PeerAuthentication policy;
  policy.origin = origin;
  MESHUP_ASSIGN_OR_RETURN(policy.selector, ReadSelector(fields, doc));
  if (YamlNode mtls = fields.Get("mtls"); mtls.IsDefined()) {
    Fields mtls_fields(mtls, "spec.mtls", doc);
    MESHUP_RETURN_IF_ERROR(mtls_fields.status());
    if (YamlNode mode = mtls_fields.Get("mode"); mode.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(mode, "spec.mtls.mode", doc));
      if (name == "STRICT" || name == "UNSET") {
        policy.mode = PeerAuthentication::Mode::kStrict;
      } else if (name == "PERMISSIVE") {
        policy.mode = PeerAuthentication::Mode::kPermissive;
      } else if (name == "DISABLE") {
        policy.mode = PeerAuthentication::Mode::kDisable;
      } else {
        return doc.Error(mode, "spec.mtls.mode",
                         absl::StrCat("'", name, "' is not one of STRICT, PERMISSIVE or DISABLE"));
      }
    }
    MESHUP_RETURN_IF_ERROR(mtls_fields.CheckAllRead());
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return policy;
}

absl::StatusOr<AuthorizationPolicy> ParseAuthorizationPolicy(const YamlNode& spec,
                                                             const Origin& origin,
                                                             const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  AuthorizationPolicy policy;
  policy.origin = origin;
  MESHUP_ASSIGN_OR_RETURN(policy.selector, ReadSelector(fields, doc));
  if (YamlNode action = fields.Get("action"); action.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(action, "spec.action", doc));
    if (name == "ALLOW") {
      policy.action = AuthorizationPolicy::Action::kAllow;
    } else if (name == "DENY") {
      policy.action = AuthorizationPolicy::Action::kDeny;
    } else {
      return doc.Error(action, "spec.action",
                       absl::StrCat("'", name, "' is not supported; use ALLOW or DENY"));
    }
  }
  YamlNode rules = fields.Get("rules");
  MESHUP_RETURN_IF_ERROR(CheckSequence(rules, "spec.rules", doc));
  for (size_t i = 0; rules.IsSequence() && i < rules.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(AuthzRule rule, ReadRule(rules[i], Index("spec.rules", i), doc));
    policy.rules.push_back(std::move(rule));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return policy;
}

}  // namespace meshup::config
