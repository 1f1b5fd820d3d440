#include "routing/route_matcher.h"

#include <cstdint>

#include "absl/strings/match.h"

namespace meshup::internal {
namespace {

bool MatchesIgnoringCase(const config::StringMatch& match, absl::string_view text) {
  switch (match.kind) {
    case config::StringMatch::Kind::kExact:
      return absl::EqualsIgnoreCase(text, match.value);
    case config::StringMatch::Kind::kPrefix:
      return absl::StartsWithIgnoreCase(text, match.value);
    case config::StringMatch::Kind::kRegex:
      return match.Matches(text);
  }
  return false;
}

bool RouteMatches(const config::HttpRoute& route, const RequestAttributes& request) {
  if (route.matches.empty()) return route.in_mesh;
  for (const config::RouteMatch& match : route.matches) {
    if (Matches(match, request)) return true;
  }
  return false;
}

}  // namespace

const std::string* RequestAttributes::FindHeader(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool Matches(const config::RouteMatch& match, const RequestAttributes& request) {
  if (!match.in_mesh) return false;  // for gateways only
  if (match.uri) {
    const bool uri_matches = match.ignore_uri_case ? MatchesIgnoringCase(*match.uri, request.path)
                                                   : match.uri->Matches(request.path);
    if (!uri_matches) return false;
  }
  for (const config::HeaderMatch& header : match.headers) {
    const std::string* value = request.FindHeader(header.name);
    if (value == nullptr || !header.match.Matches(*value)) return false;
  }
  for (const config::HeaderMatch& header : match.without_headers) {
    const std::string* value = request.FindHeader(header.name);
    if (value != nullptr && header.match.Matches(*value)) return false;
  }
  for (const auto& [key, value] : match.source_labels) {
    if (request.source_labels == nullptr) return false;
    auto it = request.source_labels->find(key);
    if (it == request.source_labels->end() || it->second != value) return false;
  }
  if (!match.source_namespace.empty() && match.source_namespace != request.source_namespace) {
    return false;
  }
  return true;
}

const config::HttpRoute* MatchRoute(const config::RouteTable& table,
                                    const RequestAttributes& request) {
  const config::RouteIndex& index = table.index;
  if (!index.built) {
    for (const config::HttpRoute& route : table.routes) {
      if (RouteMatches(route, request)) return &route;
    }
    return nullptr;
  }
  // The routes that can match this path, in their order: those indexed
  // under it merged with those that may match any path.
  // A table without exact-URI routes skips hashing the path.
  static const std::vector<uint32_t> kNone;
  const std::vector<uint32_t>* exact = &kNone;
  if (!index.by_exact_uri.empty()) {
    auto found = index.by_exact_uri.find(request.path);
    if (found != index.by_exact_uri.end()) exact = &found->second;
  }
  const std::vector<uint32_t>& any = index.any_path;
  size_t e = 0, a = 0;
  while (e < exact->size() || a < any.size()) {
    const uint32_t next = a == any.size() || (e < exact->size() && (*exact)[e] < any[a])
                              ? (*exact)[e++]
                              : any[a++];
    if (RouteMatches(table.routes[next], request)) return &table.routes[next];
  }
  return nullptr;
}

const config::WeightedDestination& PickWeighted(const config::HttpRoute& route, Random& random) {
  if (route.route.size() == 1) return route.route[0];
  int64_t total = 0;
  for (const config::WeightedDestination& destination : route.route) total += destination.weight;
  if (total <= 0) return route.route[0];
  int64_t draw = static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(total)));
  for (const config::WeightedDestination& destination : route.route) {
    if (draw < destination.weight) return destination;
    draw -= destination.weight;
  }
  return route.route.back();
}

}  // namespace meshup::internal
