#include "routing/router.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "routing/header_rules.h"
#include "routing/route_matcher.h"

namespace meshup::internal {
namespace {

// Istio's retryOn when a VirtualService sets retries without it.
constexpr absl::StatusCode kDefaultRouteRetryOn[] = {absl::StatusCode::kUnavailable,
                                                     absl::StatusCode::kCancelled};

TlsPolicy ToTlsPolicy(config::TlsMode mode) {
  switch (mode) {
    case config::TlsMode::kUnset:
      return TlsPolicy::kAuto;
    case config::TlsMode::kDisable:
      return TlsPolicy::kDisable;
    case config::TlsMode::kIstioMutual:
    case config::TlsMode::kMutual:
    case config::TlsMode::kSimple:
      return TlsPolicy::kMutual;
  }
  return TlsPolicy::kAuto;
}

// The tls mode of the first subset whose labels the endpoint has and that
// sets one, else the host's.
TlsPolicy EndpointTlsPolicy(const config::DestinationRule* rule,
                            const std::map<std::string, std::string>& labels) {
  if (rule == nullptr) return TlsPolicy::kAuto;
  for (const config::Subset& subset : rule->subsets) {
    if (subset.traffic_policy && subset.traffic_policy->tls_mode != config::TlsMode::kUnset &&
        config::SelectorMatches(subset.labels, labels)) {
      return ToTlsPolicy(subset.traffic_policy->tls_mode);
    }
  }
  return rule->traffic_policy ? ToTlsPolicy(rule->traffic_policy->tls_mode) : TlsPolicy::kAuto;
}

EndpointInfo Info(const WorkloadRecord& record, std::map<std::string, std::string> labels,
                  std::string service_account, std::string namespace_name) {
  EndpointInfo info;
  info.address = record.HostPort();
  info.labels = std::move(labels);
  info.service_account = std::move(service_account);
  info.namespace_name = std::move(namespace_name);
  info.plaintext_address = record.PlaintextHostPort();
  return info;
}

HostState::SubsetState MakeSubset(std::string name, std::map<std::string, std::string> labels,
                                  EndpointList endpoints, const config::TrafficPolicy* host_policy,
                                  const config::TrafficPolicy* subset_policy, Clock& clock,
                                  Random& random) {
  HostState::SubsetState subset;
  subset.name = std::move(name);
  subset.labels = std::move(labels);
  subset.endpoints = std::move(endpoints);
  config::LoadBalancer lb;
  if (subset_policy != nullptr && subset_policy->load_balancer) {
    lb = *subset_policy->load_balancer;
  } else if (host_policy != nullptr && host_policy->load_balancer) {
    lb = *host_policy->load_balancer;
  }
  subset.hash_header =
      lb.policy == config::LoadBalancer::Policy::kConsistentHash ? lb.hash_header : std::string();
  subset.balancer = NewBalancer(lb, subset.endpoints, random);
  const config::OutlierDetection* od = nullptr;
  if (subset_policy != nullptr && subset_policy->outlier_detection) {
    od = &*subset_policy->outlier_detection;
  } else if (host_policy != nullptr && host_policy->outlier_detection) {
    od = &*host_policy->outlier_detection;
  }
  if (od != nullptr) subset.outlier_detector = std::make_unique<OutlierDetector>(*od, clock);
  return subset;
}

// Whether two DestinationRules build the same HostState (the tls modes
// reach the EndpointInfos, which are compared on their own; the origin
// does not matter).
bool SameRule(const config::DestinationRule* a, const std::optional<config::DestinationRule>& b) {
  if (a == nullptr || !b.has_value()) return a == nullptr && !b.has_value();
  return a->host == b->host && a->traffic_policy == b->traffic_policy && a->subsets == b->subsets;
}

}  // namespace

const HostState::SubsetState* HostState::Find(absl::string_view subset) const {
  if (subset.empty()) return &all;
  for (const SubsetState& s : subsets) {
    if (s.name == subset) return &s;
  }
  return nullptr;
}

Router::Router(config::ConfigSource& config, Registry* registry, MeshIdentity identity,
               ChannelFactory channel_factory, Clock& clock, Random& random)
    : config_(config),
      registry_(registry),
      identity_(std::move(identity)),
      channel_factory_(std::move(channel_factory)),
      clock_(clock),
      random_(random) {
  config_.OnSwap([this](const std::shared_ptr<const config::Snapshot>& snapshot) {
    std::vector<std::shared_ptr<HostEntry>> entries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, entry] : hosts_) entries.push_back(entry);
    }
    // Only the hosts the new configuration changes are rebuilt.
    for (const auto& entry : entries) {
      std::lock_guard<std::mutex> lock(entry->mu_);
      Rebuild(*entry, *snapshot, /*keep_if_unchanged=*/true);
    }
  });
}

Router::~Router() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, entry] : hosts_) entry->watch_.reset();  // no callback after this
  hosts_.clear();
}

std::vector<std::shared_ptr<HostEntry>> Router::Hosts() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<HostEntry>> hosts;
  for (const auto& [name, entry] : hosts_) hosts.push_back(entry);
  return hosts;
}

std::shared_ptr<HostEntry> Router::Host(const std::string& host) {
  std::shared_ptr<HostEntry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hosts_.find(host);
    if (it != hosts_.end()) return it->second;
    entry = std::make_shared<HostEntry>(host, clock_);
    hosts_.emplace(host, entry);
  }
  {
    std::lock_guard<std::mutex> lock(entry->mu_);
    Rebuild(*entry, *config_.Current());
  }
  if (registry_ != nullptr) {
    HostEntry* raw = entry.get();
    entry->watch_ =
        registry_->WatchService(host, [this, raw](const std::vector<WorkloadRecord>& workloads) {
          std::lock_guard<std::mutex> lock(raw->mu_);
          raw->registered_ = workloads;
          Rebuild(*raw, *config_.Current());
        });
  }
  return entry;
}

std::shared_ptr<HostEntry> Router::StaticHost(const std::string& address) {
  auto entry = std::make_shared<HostEntry>(address, clock_, /*fixed_address=*/true);
  EndpointInfo info;
  info.address = address;
  auto channel = channel_factory_(info);
  auto endpoint = std::make_shared<RoutedEndpoint>(std::move(info), std::move(channel));
  auto state = std::make_shared<HostState>();
  state->endpoints.push_back(endpoint);
  state->all = MakeSubset("", {}, state->endpoints, nullptr, nullptr, clock_, random_);
  std::lock_guard<std::mutex> lock(entry->mu_);
  entry->by_address_[address] = std::move(endpoint);
  entry->state_ = std::move(state);
  return entry;
}

void Router::Rebuild(HostEntry& entry, const config::Snapshot& snapshot, bool keep_if_unchanged) {
  // The workloads of the host: registered ones, then the configuration's.
  std::vector<EndpointInfo> infos;
  for (const WorkloadRecord& record : entry.registered_) {
    if (record.port == 0) continue;  // serves only HTTP
    infos.push_back(Info(record, record.labels, record.service_account, record.namespace_name));
    infos.back().discovered = true;
  }
  auto add_static = [&infos](const config::Workload& workload, uint32_t default_port) {
    uint32_t port = default_port;
    if (workload.ports.size() == 1) port = workload.ports.begin()->second;
    if (auto grpc = workload.ports.find("grpc"); grpc != workload.ports.end()) port = grpc->second;
    if (port == 0) return;
    WorkloadRecord record;
    record.address = workload.address;
    record.port = port;
    if (auto plaintext = workload.ports.find(kPlaintextPortName);
        plaintext != workload.ports.end()) {
      record.plaintext_port = plaintext->second;
    }
    infos.push_back(
        Info(record, workload.labels, workload.service_account, workload.origin.namespace_name));
  };
  // From the snapshot's indexes: a rebuild costs what the host has, not
  // what the whole configuration has.
  for (const config::Workload* workload : snapshot.WorkloadEntriesFor(entry.host())) {
    add_static(*workload, 0);
  }
  for (const config::ServiceEntry* service_entry : snapshot.ServiceEntriesFor(entry.host())) {
    const uint32_t port = service_entry->ports.empty() ? 0 : service_entry->ports[0].number;
    for (const config::Workload& endpoint : service_entry->endpoints) add_static(endpoint, port);
  }

  const config::DestinationRule* rule = snapshot.DestinationRuleFor(entry.host());
  for (EndpointInfo& info : infos) info.tls = EndpointTlsPolicy(rule, info.labels);
  if (keep_if_unchanged && infos == entry.built_from_endpoints_ &&
      SameRule(rule, entry.built_from_rule_)) {
    return;
  }
  entry.built_from_endpoints_ = infos;
  entry.built_from_rule_.reset();
  if (rule != nullptr) entry.built_from_rule_ = *rule;

  auto state = std::make_shared<HostState>();
  std::map<std::string, std::shared_ptr<RoutedEndpoint>> by_address;
  for (EndpointInfo& info : infos) {
    if (by_address.count(info.address)) continue;  // registered and static: once
    std::shared_ptr<RoutedEndpoint> endpoint;
    auto old = entry.by_address_.find(info.address);
    if (old != entry.by_address_.end() && old->second->info() == info) {
      endpoint = old->second;
    } else {
      auto channel = channel_factory_(info);
      endpoint = std::make_shared<RoutedEndpoint>(std::move(info), std::move(channel));
    }
    by_address[endpoint->address()] = endpoint;
    state->endpoints.push_back(endpoint);
  }
  entry.by_address_ = std::move(by_address);

  const config::TrafficPolicy* host_policy =
      rule != nullptr && rule->traffic_policy ? &*rule->traffic_policy : nullptr;
  state->all = MakeSubset("", {}, state->endpoints, host_policy, nullptr, clock_, random_);
  if (rule != nullptr) {
    for (const config::Subset& subset : rule->subsets) {
      EndpointList members;
      for (const auto& endpoint : state->endpoints) {
        if (config::SelectorMatches(subset.labels, endpoint->info().labels))
          members.push_back(endpoint);
      }
      state->subsets.push_back(
          MakeSubset(subset.name, subset.labels, std::move(members), host_policy,
                     subset.traffic_policy ? &*subset.traffic_policy : nullptr, clock_, random_));
    }
  }
  if (host_policy != nullptr && host_policy->connection_pool) {
    state->max_requests = host_policy->connection_pool->max_requests;
  }
  std::atomic_store(&entry.state_, std::shared_ptr<const HostState>(std::move(state)));
}

void PlanDeadlineAndRetries(const MethodInfo& method, const CallOptions& options,
                            const config::HttpRoute* route, absl::Time now, CallPlan& plan) {
  absl::Duration timeout = method.timeout;
  if (route != nullptr && route->timeout) {
    timeout = *route->timeout == absl::ZeroDuration() ? absl::InfiniteDuration() : *route->timeout;
  }
  timeout = std::min(timeout, options.timeout);
  plan.deadline = timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : now + timeout;

  // Istio counts retries; the plan counts tries.
  if (route != nullptr && route->retries) {
    plan.tries = route->retries->attempts + 1;
    plan.per_try_timeout = route->retries->per_try_timeout;
    plan.retry_on.assign(route->retries->retry_on.begin(), route->retries->retry_on.end());
    if (plan.retry_on.empty()) {
      plan.retry_on.assign(std::begin(kDefaultRouteRetryOn), std::end(kDefaultRouteRetryOn));
    }
  } else {
    plan.tries = IdlTries(method);
    plan.per_try_timeout = method.retry.per_try_timeout;
    plan.retry_on.assign(method.retry.retry_on.begin(), method.retry.retry_on.end());
    if (plan.retry_on.empty()) plan.retry_on.push_back(absl::StatusCode::kUnavailable);
  }
}

CallPlan Router::Plan(const std::shared_ptr<HostEntry>& host, const MethodInfo& method,
                      const CallOptions& options, absl::Time now) {
  CallPlan plan;
  plan.snapshot = config_.Current();
  const config::HttpRoute* route = nullptr;
  const std::string* destination_host = &host->host();
  const config::VirtualService* vs =
      host->fixed_address() ? nullptr : plan.snapshot->VirtualServiceFor(host->host());
  if (vs != nullptr) {
    RequestAttributes request;
    request.path = method.path;
    request.headers = options.headers;
    request.source_labels = &identity_.labels;
    request.source_namespace = identity_.namespace_name;
    route = MatchRoute(*vs, request);
    if (route != nullptr) {
      const config::WeightedDestination& picked = PickWeighted(*route, random_);
      destination_host = &picked.destination.host;
      plan.subset = picked.destination.subset;
      plan.request_headers = RouteRequestHeaders(*route, picked, options.headers);
    }
  }
  plan.host = *destination_host == host->host() ? host : Host(*destination_host);
  PlanDeadlineAndRetries(method, options, route, now, plan);

  if (route != nullptr) {
    if (route->delay && random_.Percent() < route->delay->percentage) {
      plan.delay = route->delay->fixed_delay;
    }
    if (route->abort && random_.Percent() < route->abort->percentage) {
      plan.abort = absl::Status(route->abort->code, "fault filter abort");
      plan.abort_http_status = route->abort->http_status;
    }
    if (route->mirror && random_.Percent() < route->mirror_percentage) {
      plan.mirror_host = Host(route->mirror->host);
      plan.mirror_subset = route->mirror->subset;
    }
  }

  std::shared_ptr<const HostState> state = plan.host->state();
  if (const HostState::SubsetState* subset = state->Find(plan.subset);
      subset != nullptr && !subset->hash_header.empty()) {
    for (const auto& [name, value] : options.headers) {
      if (name == subset->hash_header) {
        plan.hash_key = value;
        plan.has_hash_key = true;
        break;
      }
    }
  }
  return plan;
}

absl::StatusOr<Attempt> Router::Pick(const CallPlan& plan, absl::Span<Endpoint* const> tried,
                                     absl::Time now) {
  Attempt attempt;
  attempt.state = plan.host->state();
  attempt.subset = attempt.state->Find(plan.subset);
  // Only the errors name the host: the common pick formats nothing.
  auto what = [&plan] {
    return plan.subset.empty()
               ? absl::StrCat("'", plan.host->host(), "'")
               : absl::StrCat("'", plan.host->host(), "' subset '", plan.subset, "'");
  };
  if (attempt.subset == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("no healthy upstream: ", what(), " is not defined by a DestinationRule"));
  }
  if (attempt.subset->endpoints.empty()) {
    return absl::UnavailableError(absl::StrCat("no healthy upstream: no endpoints for ", what()));
  }
  PickContext context;
  context.now = now;
  context.hash_key = plan.hash_key;
  context.has_hash_key = plan.has_hash_key;
  context.exclude = tried;
  Endpoint* endpoint = attempt.subset->balancer->Pick(context);
  if (endpoint == nullptr) {
    return absl::UnavailableError(absl::StrCat("no healthy upstream: no endpoints for ", what()));
  }
  if (Unreachable(*static_cast<RoutedEndpoint*>(endpoint))) {
    // Its connection failed lately (a crashed workload whose entry the
    // registry still lists): another one, unless all others are down too.
    absl::InlinedVector<Endpoint*, 8> excluded(tried.begin(), tried.end());
    Endpoint* candidate = endpoint;
    for (size_t i = 0; i < attempt.subset->endpoints.size(); ++i) {
      excluded.push_back(candidate);
      context.exclude = excluded;
      candidate = attempt.subset->balancer->Pick(context);
      if (candidate == nullptr || absl::c_linear_search(excluded, candidate)) break;
      if (!Unreachable(*static_cast<RoutedEndpoint*>(candidate))) {
        endpoint = candidate;
        break;
      }
    }
  }
  attempt.endpoint = static_cast<RoutedEndpoint*>(endpoint);
  return attempt;
}

bool Router::Unreachable(const RoutedEndpoint& endpoint) {
  grpc::Channel* channel = endpoint.channel();
  return channel != nullptr &&
         channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

void Router::Report(const Attempt& attempt, absl::StatusCode code) {
  attempt.endpoint->CountAttempt(IsEndpointFailure(code));
  // The ejection limit counts over the whole host, as Envoy's does per
  // cluster; the Endpoint object is shared by every subset that has it, so an
  // ejection holds wherever it is picked from.
  if (attempt.subset->outlier_detector != nullptr) {
    attempt.subset->outlier_detector->Record(*attempt.endpoint, code, attempt.state->endpoints);
  }
}

}  // namespace meshup::internal
