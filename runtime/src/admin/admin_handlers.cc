#include "admin/admin_handlers.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace meshup::internal {
namespace {

using nlohmann::json;

json OriginJson(const config::Origin& origin) {
  return {{"name", origin.name},
          {"namespace", origin.namespace_name},
          {"file", origin.file},
          {"line", origin.line}};
}

json DestinationJson(const config::Destination& destination) {
  json out = {{"host", destination.host}};
  if (!destination.subset.empty()) out["subset"] = destination.subset;
  if (destination.port != 0) out["port"] = destination.port;
  return out;
}

json VirtualServiceJson(const config::VirtualService& vs) {
  json routes = json::array();
  for (const config::HttpRoute& route : vs.http) {
    json destinations = json::array();
    for (const config::WeightedDestination& weighted : route.route) {
      json destination = DestinationJson(weighted.destination);
      destination["weight"] = weighted.weight;
      destinations.push_back(std::move(destination));
    }
    json out = {{"line", route.line},
                {"matches", route.matches.size()},
                {"route", std::move(destinations)}};
    if (!route.name.empty()) out["name"] = route.name;
    if (route.timeout) out["timeout_ms"] = absl::ToInt64Milliseconds(*route.timeout);
    if (route.retries) out["retries"] = {{"attempts", route.retries->attempts}};
    if (route.delay) out["fault_delay_ms"] = absl::ToInt64Milliseconds(route.delay->fixed_delay);
    if (route.abort) out["fault_abort_code"] = static_cast<int>(route.abort->code);
    if (route.mirror) out["mirror"] = DestinationJson(*route.mirror);
    routes.push_back(std::move(out));
  }
  return {{"metadata", OriginJson(vs.origin)}, {"hosts", vs.hosts}, {"http", std::move(routes)}};
}

json DestinationRuleJson(const config::DestinationRule& rule) {
  json subsets = json::array();
  for (const config::Subset& subset : rule.subsets) {
    subsets.push_back({{"name", subset.name}, {"labels", subset.labels}});
  }
  return {{"metadata", OriginJson(rule.origin)}, {"host", rule.host}, {"subsets", subsets}};
}

HttpResponse ConfigDump(const config::ConfigSource& source) {
  std::shared_ptr<const config::Snapshot> snapshot = source.Current();
  json virtual_services = json::array(), destination_rules = json::array();
  for (const auto& vs : snapshot->virtual_services) virtual_services.push_back(VirtualServiceJson(vs));
  for (const auto& rule : snapshot->destination_rules) {
    destination_rules.push_back(DestinationRuleJson(rule));
  }
  json service_entries = json::array(), workload_entries = json::array();
  for (const auto& entry : snapshot->service_entries) {
    service_entries.push_back({{"metadata", OriginJson(entry.origin)}, {"hosts", entry.hosts}});
  }
  for (const auto& workload : snapshot->workload_entries) {
    workload_entries.push_back({{"metadata", OriginJson(workload.origin)},
                                {"address", workload.address},
                                {"labels", workload.labels}});
  }
  json peer_authentications = json::array(), authorization_policies = json::array();
  for (const auto& policy : snapshot->peer_authentications) {
    static constexpr const char* kModes[] = {"STRICT", "PERMISSIVE", "DISABLE"};
    peer_authentications.push_back({{"metadata", OriginJson(policy.origin)},
                                    {"selector", policy.selector},
                                    {"mode", kModes[static_cast<int>(policy.mode)]}});
  }
  for (const auto& policy : snapshot->authorization_policies) {
    authorization_policies.push_back(
        {{"metadata", OriginJson(policy.origin)},
         {"action", policy.action == config::AuthorizationPolicy::Action::kAllow ? "ALLOW" : "DENY"},
         {"rules", policy.rules.size()}});
  }
  json dump = {{"generation", source.generation()},
               {"files", snapshot->files},
               {"warnings", snapshot->warnings},
               {"last_error", source.last_error()},
               {"reload_failures", source.reload_failures()},
               {"virtual_services", std::move(virtual_services)},
               {"destination_rules", std::move(destination_rules)},
               {"service_entries", std::move(service_entries)},
               {"workload_entries", std::move(workload_entries)},
               {"peer_authentications", std::move(peer_authentications)},
               {"authorization_policies", std::move(authorization_policies)},
               {"mesh",
                {{"trust_domain", snapshot->mesh.trust_domain},
                 {"tracing_sampling_percent", snapshot->mesh.telemetry.sampling_percent}}}};
  return HttpResponse::Json(200, dump.dump(2, ' ', false, json::error_handler_t::replace));
}

HttpResponse Clusters(ClusterManager* manager, Clock& clock) {
  json clusters = json::array();
  if (manager != nullptr) {
    const absl::Time now = clock.Now();
    for (const std::shared_ptr<Cluster>& cluster : manager->All()) {
      std::shared_ptr<const ClusterState> state = cluster->state();
      json endpoints = json::array();
      for (const auto& endpoint : state->endpoints) {
        endpoints.push_back({{"address", endpoint->address()},
                             {"labels", endpoint->info().labels},
                             {"service_account", endpoint->info().service_account},
                             {"healthy", !endpoint->IsEjected(now)},
                             {"in_flight", endpoint->in_flight()},
                             {"times_ejected", endpoint->times_ejected().load()},
                             {"attempts", endpoint->attempts()},
                             {"failed_attempts", endpoint->failed_attempts()},
                             {"refused_identity", endpoint->refused_identity()}});
      }
      json subsets = json::array();
      for (const auto& subset : state->subsets) {
        json members = json::array();
        for (const auto& endpoint : subset.endpoints) members.push_back(endpoint->address());
        subsets.push_back({{"name", subset.name}, {"endpoints", std::move(members)}});
      }
      clusters.push_back({{"host", cluster->host()},
                          {"in_flight", cluster->in_flight().load()},
                          {"endpoints", std::move(endpoints)},
                          {"subsets", std::move(subsets)}});
    }
  }
  // Endpoint labels come from the registry unchecked: see ConfigDump.
  return HttpResponse::Json(200, json{{"clusters", std::move(clusters)}}.dump(
                                     2, ' ', false, json::error_handler_t::replace));
}

}  // namespace

HttpResponse HandleAdminRequest(const AdminSources& sources, const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = HttpResponse::Text(405, "method not allowed: use GET\n");
    response.headers.Set("Allow", "GET, HEAD");
    return response;
  }
  const std::string& path = request.path;
  if (path == "/healthz") return HttpResponse::Text(200, "ok\n");
  if (path == "/ready") {
    const bool ready = !sources.ready || sources.ready();
    return HttpResponse::Text(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  }
  if (path == "/metrics" && sources.metrics != nullptr) {
    HttpResponse response = HttpResponse::Text(200, sources.metrics->PrometheusText());
    response.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return response;
  }
  if (path == "/stats/json" && sources.metrics != nullptr) {
    return HttpResponse::Json(200, sources.metrics->StatsJson());
  }
  if (path == "/config_dump" && sources.config != nullptr) return ConfigDump(*sources.config);
  if (path == "/clusters") return Clusters(sources.clusters, *sources.clock);
  if (path == "/") {
    return HttpResponse::Text(
        200, "/metrics /stats/json /healthz /ready /config_dump /clusters\n");
  }
  return HttpResponse::Text(404, absl::StrCat("no admin endpoint at ", path, "\n"));
}

}  // namespace meshup::internal
