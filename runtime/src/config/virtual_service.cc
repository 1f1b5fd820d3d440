// networking.istio.io VirtualService: HTTP routes for gRPC.
#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "config/parse_common.h"
#include "config/parsers.h"
#include "names.h"
#include "status_macros.h"

namespace meshup::config {
namespace {

std::string Index(absl::string_view path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

absl::StatusOr<std::vector<HeaderMatch>> ReadHeaderMatches(const YamlNode& node,
                                                           absl::string_view path,
                                                           const Document& doc) {
  std::vector<HeaderMatch> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) return doc.Error(node, path, "expected a mapping of header name to match");
  for (size_t i = 0; i < node.size(); ++i) {
    const YamlNode key = node.key(i);
    const std::string name = absl::AsciiStrToLower(key.text());
    const std::string header_path = absl::StrCat(path, ".", key.text());
    if (!key.IsScalar() || name.empty()) return doc.Error(key, path, "a header name is required");
    // Header names are case-insensitive: X-User and x-user are one header.
    for (const HeaderMatch& earlier : out) {
      if (earlier.name == name) {
        return doc.Error(key, header_path, "header written twice in one mapping (names ignore case)");
      }
    }
    HeaderMatch header;
    header.name = name;
    MESHUP_ASSIGN_OR_RETURN(header.match, ReadStringMatch(node.value(i), header_path, doc));
    out.push_back(std::move(header));
  }
  return out;
}

// Whether a `gateways` list applies to the mesh: it names "mesh".
bool ListsMesh(const std::vector<std::string>& gateways) {
  for (const std::string& gateway : gateways) {
    if (gateway == "mesh") return true;
  }
  return false;
}

// `vs_in_mesh`: whether the VirtualService's own `gateways` include the mesh.
absl::StatusOr<RouteMatch> ReadRouteMatch(const YamlNode& node, const std::string& path,
                                          const Document& doc, bool vs_in_mesh) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  RouteMatch match;
  if (YamlNode name = fields.Get("name"); name.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(match.name, ReadString(name, fields.Path("name"), doc));
  }
  if (YamlNode uri = fields.Get("uri"); uri.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(match.uri, ReadStringMatch(uri, fields.Path("uri"), doc));
  }
  if (YamlNode ignore = fields.Get("ignoreUriCase"); ignore.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(match.ignore_uri_case,
                            ReadBool(ignore, fields.Path("ignoreUriCase"), doc));
  }
  MESHUP_ASSIGN_OR_RETURN(match.headers,
                          ReadHeaderMatches(fields.Get("headers"), fields.Path("headers"), doc));
  MESHUP_ASSIGN_OR_RETURN(
      match.without_headers,
      ReadHeaderMatches(fields.Get("withoutHeaders"), fields.Path("withoutHeaders"), doc));
  MESHUP_ASSIGN_OR_RETURN(match.source_labels, ReadStringMap(fields.Get("sourceLabels"),
                                                             fields.Path("sourceLabels"), doc));
  if (YamlNode ns = fields.Get("sourceNamespace"); ns.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(match.source_namespace,
                            ReadString(ns, fields.Path("sourceNamespace"), doc));
  }
  // An entry's gateways replace the VirtualService's for it.
  match.in_mesh = vs_in_mesh;
  if (YamlNode gateways = fields.Get("gateways"); gateways.IsDefined() && !gateways.IsNull()) {
    MESHUP_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            ReadStringList(gateways, fields.Path("gateways"), doc));
    if (!names.empty()) match.in_mesh = ListsMesh(names);
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return match;
}

absl::StatusOr<Destination> ReadDestination(const YamlNode& node, const std::string& path,
                                            const Document& doc, const Origin& origin) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  if (!node.IsDefined()) return doc.Error(node, path, "a destination is required");
  Destination destination;
  YamlNode host = fields.Get("host");
  if (!host.IsDefined()) return doc.Error(node, path, "host is required");
  MESHUP_ASSIGN_OR_RETURN(destination.host,
                          ReadHost(host, fields.Path("host"), doc, origin.namespace_name));
  if (YamlNode subset = fields.Get("subset"); subset.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(destination.subset, ReadString(subset, fields.Path("subset"), doc));
  }
  if (YamlNode port = fields.Get("port"); port.IsDefined()) {
    Fields port_fields(port, fields.Path("port"), doc);
    MESHUP_RETURN_IF_ERROR(port_fields.status());
    MESHUP_ASSIGN_OR_RETURN(int64_t number, ReadInt(port_fields.Get("number"),
                                                    port_fields.Path("number"), doc, 1, 65535));
    destination.port = static_cast<uint32_t>(number);
    MESHUP_RETURN_IF_ERROR(port_fields.CheckAllRead());
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return destination;
}

// A header name of a header operation, lowercase (HTTP/2 and gRPC
// metadata names are).
absl::StatusOr<std::string> ReadHeaderName(const YamlNode& node, absl::string_view path,
                                           const Document& doc) {
  MESHUP_ASSIGN_OR_RETURN(std::string name, ReadString(node, path, doc));
  name = absl::AsciiStrToLower(name);
  if (name == "host" || name == ":authority") {
    return doc.Error(node, path,
                     absl::StrCat("header '", name,
                                  "': rewriting the authority is not supported (a MeshUp call's "
                                  "authority is its service)"));
  }
  if (absl::StartsWith(name, ":") || name == "content-type" || name == "te") {
    return doc.Error(node, path,
                     absl::StrCat("header '", name, "' is gRPC's own and cannot be changed"));
  }
  if (absl::Status valid = internal::ValidateHeader(name, ""); !valid.ok()) {
    return doc.Error(node, path, valid.message());
  }
  return name;
}

// The value of a set or add operation as gRPC sends it. "%%" is a literal
// "%", as in Envoy; Envoy's %VARIABLE% substitutions are refused. A
// "-bin" header's value is base64, as on the wire.
absl::StatusOr<std::string> ReadHeaderValue(const YamlNode& node, absl::string_view path,
                                            const Document& doc, absl::string_view name) {
  MESHUP_ASSIGN_OR_RETURN(std::string value, ReadString(node, path, doc));
  if (absl::StrContains(value, '%')) {
    const std::string literal = absl::StrReplaceAll(value, {{"%%", ""}});
    if (absl::StrContains(literal, '%')) {
      return doc.Error(node, path,
                       absl::StrCat("'", value,
                                    "': substitutions (%VARIABLE%) are not supported; write %% "
                                    "for a literal %"));
    }
    value = absl::StrReplaceAll(value, {{"%%", "%"}});
  }
  if (absl::EndsWith(name, "-bin")) {
    std::string bytes;
    if (!absl::Base64Unescape(value, &bytes)) {
      return doc.Error(node, path,
                       absl::StrCat("the value of binary header '", name, "' must be base64"));
    }
    return bytes;
  }
  if (absl::Status valid = internal::ValidateHeader(name, value); !valid.ok()) {
    return doc.Error(node, path, valid.message());
  }
  return value;
}

// Istio's HeaderOperations {set, add, remove}.
absl::StatusOr<HeaderOperations> ReadHeaderOperations(const YamlNode& node, const std::string& path,
                                                      const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  HeaderOperations ops;
  for (auto [key, into] : {std::pair{"set", &ops.set}, std::pair{"add", &ops.add}}) {
    const YamlNode map = fields.Get(key);
    if (!map.IsDefined() || map.IsNull()) continue;
    const std::string map_path = fields.Path(key);
    if (!map.IsMap()) return doc.Error(map, map_path, "expected a mapping of header name to value");
    MESHUP_RETURN_IF_ERROR(CheckUniqueKeys(map, map_path, doc));
    for (size_t i = 0; i < map.size(); ++i) {
      const std::string header_path = absl::StrCat(map_path, ".", map.key(i).text());
      MESHUP_ASSIGN_OR_RETURN(std::string name, ReadHeaderName(map.key(i), header_path, doc));
      for (const auto& earlier : *into) {
        if (earlier.first == name) {
          return doc.Error(map.key(i), header_path,
                           "header written twice in one mapping (names ignore case)");
        }
      }
      MESHUP_ASSIGN_OR_RETURN(std::string value,
                              ReadHeaderValue(map.value(i), header_path, doc, name));
      into->emplace_back(std::move(name), std::move(value));
    }
  }
  const YamlNode remove = fields.Get("remove");
  MESHUP_RETURN_IF_ERROR(CheckSequence(remove, fields.Path("remove"), doc));
  for (size_t i = 0; remove.IsSequence() && i < remove.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(std::string name,
                            ReadHeaderName(remove[i], Index(fields.Path("remove"), i), doc));
    ops.remove.push_back(std::move(name));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return ops;
}

// Istio's Headers {request, response}. A MeshUp client gives its caller no
// response metadata, so response operations change nothing anyone sees:
// they warn.
absl::StatusOr<std::optional<HeaderRules>> ReadHeaderRules(const YamlNode& node,
                                                           const std::string& path,
                                                           const Document& doc) {
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  HeaderRules rules;
  if (YamlNode request = fields.Get("request"); request.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(rules.request,
                            ReadHeaderOperations(request, fields.Path("request"), doc));
  }
  if (YamlNode response = fields.Get("response"); response.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(rules.response,
                            ReadHeaderOperations(response, fields.Path("response"), doc));
    if (!rules.response.empty()) {
      doc.Warn(response, fields.Path("response"),
               "has no effect in MeshUp: a MeshUp client gives the calling code no response "
               "metadata, so there is nothing for these operations to change");
    }
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  if (rules.request.empty() && rules.response.empty()) return std::nullopt;
  return rules;
}

absl::StatusOr<RouteRetry> ReadRetry(const YamlNode& node, const std::string& path,
                                     const Document& doc) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  RouteRetry retry;
  YamlNode attempts = fields.Get("attempts");
  if (!attempts.IsDefined()) return doc.Error(node, path, "attempts is required");
  MESHUP_ASSIGN_OR_RETURN(int64_t n, ReadInt(attempts, fields.Path("attempts"), doc, 0, 10));
  retry.attempts = static_cast<int>(n);
  if (YamlNode per_try = fields.Get("perTryTimeout"); per_try.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(retry.per_try_timeout,
                            ReadDuration(per_try, fields.Path("perTryTimeout"), doc));
  }
  if (YamlNode retry_on = fields.Get("retryOn"); retry_on.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(retry.retry_on, ReadRetryOn(retry_on, fields.Path("retryOn"), doc));
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead({"retryRemoteLocalities"}));
  return retry;
}

// Istio's percentage {value} or the older integer `percent`.
absl::StatusOr<double> ReadFaultPercentage(Fields& fields, const Document& doc) {
  YamlNode percentage = fields.Get("percentage");
  YamlNode percent = fields.Get("percent");
  if (percentage.IsDefined() && percent.IsDefined()) {
    return doc.Error(percent, fields.Path("percent"), "set percentage or percent, not both");
  }
  if (percentage.IsDefined()) return ReadPercent(percentage, fields.Path("percentage"), doc);
  if (percent.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(int64_t value, ReadInt(percent, fields.Path("percent"), doc, 0, 100));
    return static_cast<double>(value);
  }
  return 100.0;
}

absl::Status ReadFault(const YamlNode& node, const std::string& path, const Document& doc,
                       HttpRoute& route) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  if (YamlNode delay_node = fields.Get("delay"); delay_node.IsDefined()) {
    Fields delay_fields(delay_node, fields.Path("delay"), doc);
    MESHUP_RETURN_IF_ERROR(delay_fields.status());
    FaultDelay delay;
    MESHUP_ASSIGN_OR_RETURN(delay.percentage, ReadFaultPercentage(delay_fields, doc));
    YamlNode fixed = delay_fields.Get("fixedDelay");
    if (!fixed.IsDefined()) {
      return doc.Error(delay_node, delay_fields.path(), "fixedDelay is required");
    }
    MESHUP_ASSIGN_OR_RETURN(delay.fixed_delay,
                            ReadDuration(fixed, delay_fields.Path("fixedDelay"), doc));
    MESHUP_RETURN_IF_ERROR(delay_fields.CheckAllRead());
    route.delay = delay;
  }
  if (YamlNode abort_node = fields.Get("abort"); abort_node.IsDefined()) {
    Fields abort_fields(abort_node, fields.Path("abort"), doc);
    MESHUP_RETURN_IF_ERROR(abort_fields.status());
    FaultAbort abort;
    MESHUP_ASSIGN_OR_RETURN(abort.percentage, ReadFaultPercentage(abort_fields, doc));
    YamlNode http = abort_fields.Get("httpStatus");
    YamlNode grpc = abort_fields.Get("grpcStatus");
    if (http.IsDefined() == grpc.IsDefined()) {
      return doc.Error(abort_node, abort_fields.path(),
                       "set exactly one of httpStatus or grpcStatus");
    }
    if (http.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(int64_t status,
                              ReadInt(http, abort_fields.Path("httpStatus"), doc, 200, 599));
      abort.http_status = static_cast<int>(status);
      abort.code = GrpcCodeForHttpStatus(abort.http_status);
    } else {
      MESHUP_ASSIGN_OR_RETURN(abort.code, ReadGrpcCode(grpc, abort_fields.Path("grpcStatus"), doc));
      if (abort.code == absl::StatusCode::kOk) {
        return doc.Error(grpc, abort_fields.Path("grpcStatus"), "an abort cannot be OK");
      }
    }
    MESHUP_RETURN_IF_ERROR(abort_fields.CheckAllRead());
    route.abort = abort;
  }
  return fields.CheckAllRead();
}

absl::StatusOr<HttpRoute> ReadHttpRoute(const YamlNode& node, const std::string& path,
                                        const Document& doc, const Origin& origin,
                                        bool vs_in_mesh) {
  Fields fields(node, path, doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  HttpRoute route;
  route.line = doc.Line(node);
  route.in_mesh = vs_in_mesh;
  // What the embedded runtime cannot do, and why.
  for (const char* key : {"redirect", "directResponse"}) {
    if (YamlNode answer = fields.Get(key); answer.IsDefined()) {
      return doc.Error(answer, fields.Path(key),
                       "not supported: a route that answers for the server gives a gRPC client "
                       "no gRPC response (in Istio such a call fails with UNKNOWN); route to a "
                       "destination, or use fault.abort to fail calls");
    }
  }
  if (YamlNode rewrite = fields.Get("rewrite"); rewrite.IsDefined()) {
    return doc.Error(rewrite, fields.Path("rewrite"),
                     "not supported: MeshUp sends a call to the method and service its client "
                     "was generated for, and cannot rewrite its path or authority");
  }
  if (YamlNode delegate = fields.Get("delegate"); delegate.IsDefined()) {
    return doc.Error(delegate, fields.Path("delegate"),
                     "not supported: Istio delegates routes of gateways only, and MeshUp runs "
                     "no gateway");
  }
  if (YamlNode cors = fields.Get("corsPolicy"); cors.IsDefined()) {
    doc.Warn(cors, fields.Path("corsPolicy"),
             "has no effect in MeshUp: CORS answers browsers' cross-origin requests, and calls "
             "between services are none");
  }
  if (YamlNode name = fields.Get("name"); name.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(route.name, ReadString(name, fields.Path("name"), doc));
  }
  YamlNode matches = fields.Get("match");
  MESHUP_RETURN_IF_ERROR(CheckSequence(matches, fields.Path("match"), doc));
  for (size_t i = 0; matches.IsSequence() && i < matches.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(
        RouteMatch match, ReadRouteMatch(matches[i], Index(fields.Path("match"), i), doc, vs_in_mesh));
    route.matches.push_back(std::move(match));
  }

  YamlNode destinations = fields.Get("route");
  MESHUP_RETURN_IF_ERROR(CheckSequence(destinations, fields.Path("route"), doc));
  if (!destinations.IsSequence() || destinations.size() == 0) {
    return doc.Error(node, fields.Path("route"),
                     "at least one destination is required (redirects and direct responses "
                     "are not supported)");
  }
  int total_weight = 0;
  for (size_t i = 0; i < destinations.size(); ++i) {
    const std::string item_path = Index(fields.Path("route"), i);
    Fields item(destinations[i], item_path, doc);
    MESHUP_RETURN_IF_ERROR(item.status());
    WeightedDestination weighted;
    MESHUP_ASSIGN_OR_RETURN(
        weighted.destination,
        ReadDestination(item.Get("destination"), item.Path("destination"), doc, origin));
    if (YamlNode weight = item.Get("weight"); weight.IsDefined()) {
      MESHUP_ASSIGN_OR_RETURN(int64_t w, ReadInt(weight, item.Path("weight"), doc, 0, 100));
      weighted.weight = static_cast<int>(w);
    } else if (destinations.size() > 1) {
      return doc.Error(destinations[i], item.Path("weight"),
                       "a weight is required when a route has several destinations");
    }
    MESHUP_ASSIGN_OR_RETURN(weighted.headers,
                            ReadHeaderRules(item.Get("headers"), item.Path("headers"), doc));
    MESHUP_RETURN_IF_ERROR(item.CheckAllRead());
    total_weight += weighted.weight;
    route.route.push_back(std::move(weighted));
  }
  if (total_weight != 100) {
    return doc.Error(destinations, fields.Path("route"),
                     absl::StrCat("weights add up to ", total_weight, ", not 100"));
  }

  if (YamlNode timeout = fields.Get("timeout"); timeout.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(route.timeout, ReadDuration(timeout, fields.Path("timeout"), doc));
  }
  if (YamlNode retries = fields.Get("retries"); retries.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(route.retries, ReadRetry(retries, fields.Path("retries"), doc));
  }
  if (YamlNode fault = fields.Get("fault"); fault.IsDefined()) {
    MESHUP_RETURN_IF_ERROR(ReadFault(fault, fields.Path("fault"), doc, route));
  }
  if (YamlNode mirror = fields.Get("mirror"); mirror.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(route.mirror,
                            ReadDestination(mirror, fields.Path("mirror"), doc, origin));
  }
  if (YamlNode percentage = fields.Get("mirrorPercentage"); percentage.IsDefined()) {
    MESHUP_ASSIGN_OR_RETURN(route.mirror_percentage,
                            ReadPercent(percentage, fields.Path("mirrorPercentage"), doc));
    if (!route.mirror) {
      return doc.Error(percentage, fields.Path("mirrorPercentage"), "set only with mirror");
    }
  }
  MESHUP_ASSIGN_OR_RETURN(route.headers,
                          ReadHeaderRules(fields.Get("headers"), fields.Path("headers"), doc));
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead());
  return route;
}

}  // namespace

absl::StatusOr<VirtualService> ParseVirtualService(const YamlNode& spec, const Origin& origin,
                                                   const Document& doc) {
  Fields fields(spec, "spec", doc);
  MESHUP_RETURN_IF_ERROR(fields.status());
  VirtualService vs;
  vs.origin = origin;
  YamlNode hosts = fields.Get("hosts");
  MESHUP_RETURN_IF_ERROR(CheckSequence(hosts, fields.Path("hosts"), doc));
  if (!hosts.IsSequence() || hosts.size() == 0) {
    return doc.Error(spec, fields.Path("hosts"), "at least one host is required");
  }
  for (size_t i = 0; i < hosts.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(
        std::string host,
        ReadHostOrWildcard(hosts[i], Index(fields.Path("hosts"), i), doc, origin.namespace_name));
    vs.hosts.push_back(std::move(host));
  }
  // Istio applies a VirtualService bound to gateways at those gateways,
  // and inside the mesh only when they include "mesh".
  bool in_mesh = true;
  YamlNode gateways = fields.Get("gateways");
  if (gateways.IsDefined() && !gateways.IsNull()) {
    MESHUP_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            ReadStringList(gateways, fields.Path("gateways"), doc));
    if (!names.empty()) in_mesh = ListsMesh(names);
  }
  YamlNode http = fields.Get("http");
  MESHUP_RETURN_IF_ERROR(CheckSequence(http, fields.Path("http"), doc));
  for (size_t i = 0; http.IsSequence() && i < http.size(); ++i) {
    MESHUP_ASSIGN_OR_RETURN(HttpRoute route, ReadHttpRoute(http[i], Index(fields.Path("http"), i),
                                                           doc, origin, in_mesh));
    vs.http.push_back(std::move(route));
  }
  // gRPC is HTTP/2: Istio routes it by http routes, never by tcp or tls ones.
  bool other_routes = false;
  for (const char* key : {"tcp", "tls"}) {
    if (YamlNode routes = fields.Get(key); routes.IsDefined()) {
      other_routes = true;
      doc.Warn(routes, fields.Path(key),
               "has no effect in MeshUp: it carries gRPC only, which Istio routes by http "
               "routes");
    }
  }
  if (vs.http.empty() && !other_routes) {
    return doc.Error(spec, fields.Path("http"), "at least one http, tcp or tls route is required");
  }
  vs.routes_mesh = false;
  for (const HttpRoute& route : vs.http) {
    if (route.matches.empty() ? route.in_mesh
                              : std::any_of(route.matches.begin(), route.matches.end(),
                                            [](const RouteMatch& m) { return m.in_mesh; })) {
      vs.routes_mesh = true;
    }
  }
  if (!vs.routes_mesh && !vs.http.empty()) {
    doc.Warn(gateways.IsDefined() ? gateways : spec, fields.Path("gateways"),
             "every route applies at gateways only, and MeshUp runs no gateway: this "
             "VirtualService routes no MeshUp call (list \"mesh\" to apply it inside the mesh)");
  }
  MESHUP_RETURN_IF_ERROR(fields.CheckAllRead({"exportTo"}));
  return vs;
}

}  // namespace meshup::config
