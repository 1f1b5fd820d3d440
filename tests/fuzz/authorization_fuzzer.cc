// libFuzzer target: fuzzed requests (path spellings, HTTP method, principal,
// source namespace, headers) against a fixed set of AuthorizationPolicies,
// loaded by the real config loader, for a reviews workload in `default`.
//
// Invariants, for every input:
//  1. The decision equals an independent model of the policy set (DENY
//     first, then ALLOW, else deny), so no principal, namespace or header
//     combination slips past a DENY or through a missing ALLOW.
//  2. A DENY on a method holds regardless of path spelling: when a spelling
//     normalizes (percent-decoding, case, NUL bytes, `//`, `/./`, `/../`,
//     missing leading or extra trailing slash) to a denied method, either
//     the server resolves it to no method (gRPC matches :path exactly and
//     answers UNIMPLEMENTED), or it resolves to the denied method itself,
//     whose canonical path the authorizer denies.
//  3. A decision names the policy that made it; a policy whose selector does
//     not select the workload never decides.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/loader.h"
#include "security/authorizer.h"
#include "security/spiffe_id.h"

namespace {

using meshup::internal::AuthzDecision;
using meshup::internal::AuthzRequest;

constexpr char kProductpage[] = "cluster.local/ns/default/sa/bookinfo-productpage";
constexpr char kDeleteReview[] = "/bookinfo.Reviews/DeleteReview";
constexpr char kInternal[] = "/bookinfo.Reviews/Internal";
constexpr char kRootDenied[] = "/bookinfo.Reviews/RootDenied";
constexpr char kAdminPrefix[] = "/bookinfo.Admin/";

// The methods the workload serves: the only :paths gRPC dispatches.
const std::vector<std::string>& Methods() {
  static const auto* methods = new std::vector<std::string>{
      "/bookinfo.Reviews/GetReviews", kDeleteReview,          kInternal, kRootDenied,
      "/bookinfo.Admin/Reset",        "/grpc.health.v1.Health/Check"};
  return *methods;
}

constexpr char kPolicies[] = R"(apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-delete, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Reviews/DeleteReview"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: default}
spec:
  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Admin/*"]}}]
---
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata: {name: internal-only-from-productpage, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {notPrincipals: ["cluster.local/ns/default/sa/bookinfo-productpage"]}}]
    to: [{operation: {paths: ["/bookinfo.Reviews/Internal"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-blocked, namespace: default}
spec:
  action: DENY
  rules:
  - when: [{key: "request.headers[X-Block]", values: ["1"]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: mesh-wide-deny, namespace: istio-system}
spec:
  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Reviews/RootDenied"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ratings-only, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/bookinfo.Reviews/GetReviews"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: other-namespace, namespace: prod}
spec:
  action: DENY
  rules:
  - {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-default, namespace: default}
spec:
  action: ALLOW
  rules:
  - from: [{source: {namespaces: ["default"]}}]
    to: [{operation: {paths: ["/bookinfo.Reviews/*"], methods: ["POST"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-health, namespace: default}
spec:
  action: ALLOW
  rules:
  - to: [{operation: {paths: ["*/Check"]}}]
)";

const meshup::config::Snapshot& Policies() {
  static const auto* snapshot = [] {
    auto loaded = meshup::config::LoadConfigFiles({{"policies.yaml", kPolicies}});
    if (!loaded.ok()) std::abort();
    return new std::shared_ptr<const meshup::config::Snapshot>(*loaded);
  }();
  return **snapshot;
}

const std::map<std::string, std::string>& Labels() {
  static const auto* labels = new std::map<std::string, std::string>{{"app", "reviews"},
                                                                     {"version", "v1"}};
  return *labels;
}

// What the policy set above means, written independently of the authorizer:
// whether the request is allowed, and the policies that may be named as
// deciding (several DENY, or several ALLOW, policies may match at once).
std::pair<bool, std::set<std::string>> Model(const AuthzRequest& request) {
  const absl::string_view path = request.path;
  std::set<std::string> denying;
  if (path == kDeleteReview) denying.insert("default/deny-delete");
  if (absl::StartsWith(path, kAdminPrefix)) denying.insert("default/deny-admin");
  if (path == kInternal && request.principal != kProductpage) {
    denying.insert("default/internal-only-from-productpage");
  }
  for (const auto& [name, value] : request.headers) {
    if (name == "x-block") {  // the first field of that name decides
      if (value == "1") denying.insert("default/deny-blocked");
      break;
    }
  }
  if (path == kRootDenied) denying.insert("istio-system/mesh-wide-deny");
  if (!denying.empty()) return {false, denying};
  std::set<std::string> allowing;
  if (request.source_namespace == "default" && absl::StartsWith(path, "/bookinfo.Reviews/") &&
      request.method == "POST") {
    allowing.insert("default/allow-default");
  }
  if (absl::EndsWith(path, "/Check")) allowing.insert("default/allow-health");
  if (!allowing.empty()) return {true, allowing};
  return {false, {"no ALLOW policy matched"}};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The most forgiving reading a proxy or router might give a :path:
// percent-decoded (twice), NULs dropped, lowercased, dot segments resolved,
// repeated and trailing slashes dropped, a leading slash added.
std::string Normalize(absl::string_view raw) {
  std::string text(raw);
  for (int round = 0; round < 2; ++round) {
    std::string decoded;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
        decoded += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
        i += 2;
      } else {
        decoded += text[i];
      }
    }
    text = decoded;
  }
  std::string clean;
  for (char c : text) {
    if (c != '\0') clean += absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  std::vector<std::string> segments;
  for (absl::string_view segment : absl::StrSplit(clean, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.emplace_back(segment);
  }
  std::string out;
  for (const std::string& segment : segments) absl::StrAppend(&out, "/", segment);
  return out.empty() ? "/" : out;
}

bool NormalizesToDenied(absl::string_view raw) {
  const std::string normalized = Normalize(raw);
  for (absl::string_view denied : {kDeleteReview, kRootDenied}) {
    if (normalized == absl::AsciiStrToLower(denied)) return true;
  }
  return absl::StartsWith(normalized, absl::AsciiStrToLower(kAdminPrefix));
}

// Respells `path` as an attacker might, as the fuzzer's bytes say.
std::string Mangle(std::string path, FuzzedDataProvider& input) {
  const int edits = input.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < edits && !path.empty(); ++i) {
    const size_t at = input.ConsumeIntegralInRange<size_t>(0, path.size() - 1);
    switch (input.ConsumeIntegralInRange(0, 9)) {
      case 0: path.insert(at, "/"); break;
      case 1: path.insert(at, "/."); break;
      case 2: path.insert(at, "/x/.."); break;
      case 3: path = absl::StrCat(path.substr(0, at), "%", absl::StrCat(absl::Hex(
                  static_cast<unsigned char>(path[at]), absl::kZeroPad2)), path.substr(at + 1));
        break;
      case 4: path[at] = absl::ascii_isupper(static_cast<unsigned char>(path[at]))
                             ? absl::ascii_tolower(static_cast<unsigned char>(path[at]))
                             : absl::ascii_toupper(static_cast<unsigned char>(path[at]));
        break;
      case 5: path.insert(at, 1, '\0'); break;
      case 6: if (path[0] == '/') path.erase(0, 1); break;
      case 7: path += "/"; break;
      case 8: path.insert(at, "%2F"); break;
      default: path.insert(at, "%2E"); break;
    }
  }
  return path;
}

void Check(const AuthzRequest& request) {
  const AuthzDecision decision = meshup::internal::Authorize(Policies(), Labels(), "default",
                                                             request);
  const auto [allowed, policies] = Model(request);
  if (decision.allowed != allowed || policies.count(decision.policy) == 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  std::string raw_path;
  switch (input.ConsumeIntegralInRange(0, 2)) {
    case 0:
      raw_path = input.ConsumeRandomLengthString(256);
      break;
    case 1:
      raw_path = Methods()[input.ConsumeIntegralInRange<size_t>(0, Methods().size() - 1)] +
                 input.ConsumeRandomLengthString(32);
      break;
    default:
      raw_path = Mangle(Methods()[input.ConsumeIntegralInRange<size_t>(0, Methods().size() - 1)],
                        input);
      break;
  }
  std::string method = input.ConsumeBool() ? "POST" : input.ConsumeRandomLengthString(8);
  std::string principal;
  switch (input.ConsumeIntegralInRange(0, 2)) {
    case 0: break;  // no mTLS
    case 1: principal = kProductpage; break;
    default: principal = input.ConsumeRandomLengthString(96); break;
  }
  // The server takes the source namespace from the peer's SPIFFE ID.
  std::string source_namespace;
  if (auto id = meshup::internal::ParseSpiffeId(absl::StrCat("spiffe://", principal)); id.ok()) {
    source_namespace = id->namespace_name;
  }
  if (input.ConsumeBool()) source_namespace = input.ConsumeRandomLengthString(16);
  std::vector<std::pair<std::string, std::string>> headers;
  const int header_count = input.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < header_count; ++i) {
    std::string name = input.ConsumeBool() ? "x-block" : input.ConsumeRandomLengthString(16);
    std::string value = input.ConsumeBool() ? "1" : input.ConsumeRandomLengthString(16);
    headers.emplace_back(absl::AsciiStrToLower(name), std::move(value));  // gRPC lowercases
  }

  AuthzRequest request;
  request.method = method;
  request.principal = principal;
  request.source_namespace = source_namespace;
  request.headers = headers;

  // The authorizer takes any bytes (invariant 1 on the raw spelling too).
  request.path = raw_path;
  Check(request);

  // What the server does: gRPC dispatches only an exact :path; the wrapper
  // authorizes the method's canonical path.
  const std::string* resolved = nullptr;
  for (const std::string& known : Methods()) {
    if (raw_path == known) resolved = &known;
  }
  if (resolved == nullptr) return 0;  // UNIMPLEMENTED: no handler runs
  request.path = *resolved;
  Check(request);
  if (NormalizesToDenied(raw_path)) {
    const AuthzDecision decision =
        meshup::internal::Authorize(Policies(), Labels(), "default", request);
    if (decision.allowed) std::abort();  // invariant 2
  }
  return 0;
}
