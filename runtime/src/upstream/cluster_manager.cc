#include "upstream/cluster_manager.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace meshup::internal {
namespace {

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

// The balancer and outlier detector of `config`'s cluster over `endpoints`.
ClusterState::SubsetState MakeSubset(const config::ClusterConfig& config, EndpointList endpoints,
                                     Clock& clock, Random& random) {
  ClusterState::SubsetState subset;
  subset.name = config.subset;
  subset.labels = config.selector;
  subset.endpoints = std::move(endpoints);
  const config::LoadBalancer& lb = config.load_balancer;
  subset.hash_header =
      lb.policy == config::LoadBalancer::Policy::kConsistentHash ? lb.hash_header : std::string();
  subset.balancer = NewBalancer(lb, subset.endpoints, random);
  if (config.outlier_detection) {
    subset.outlier_detector = std::make_unique<OutlierDetector>(*config.outlier_detection, clock);
  }
  return subset;
}

// Whether two hosts' clusters build the same ClusterState (the tls modes
// reach the EndpointInfos, which are compared on their own).
bool SameClusters(const config::HostClusters* a, const std::optional<config::HostClusters>& b) {
  if (a == nullptr || !b.has_value()) return a == nullptr && !b.has_value();
  return *a == *b;
}

}  // namespace

const ClusterState::SubsetState* ClusterState::Find(absl::string_view subset) const {
  if (subset.empty()) return &all;
  for (const SubsetState& s : subsets) {
    if (s.name == subset) return &s;
  }
  return nullptr;
}

ClusterManager::ClusterManager(config::ConfigSource& config, Registry* registry,
                               ChannelFactory channel_factory, Clock& clock, Random& random)
    : config_(config),
      registry_(registry),
      channel_factory_(std::move(channel_factory)),
      clock_(clock),
      random_(random) {
  config_.OnSwap([this](const std::shared_ptr<const config::Snapshot>& snapshot) {
    std::vector<std::shared_ptr<Cluster>> entries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, entry] : clusters_) entries.push_back(entry);
    }
    // Only the hosts the new configuration changes are rebuilt.
    for (const auto& entry : entries) {
      std::lock_guard<std::mutex> lock(entry->mu_);
      Rebuild(*entry, *snapshot, /*keep_if_unchanged=*/true);
    }
  });
}

ClusterManager::~ClusterManager() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, entry] : clusters_) entry->watch_.reset();  // no callback after this
  clusters_.clear();
}

std::vector<std::shared_ptr<Cluster>> ClusterManager::All() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Cluster>> all;
  for (const auto& [name, cluster] : clusters_) all.push_back(cluster);
  for (const auto& [address, fixed] : fixed_) {
    if (std::shared_ptr<Cluster> held = fixed.lock()) all.push_back(std::move(held));
  }
  return all;
}

std::shared_ptr<Cluster> ClusterManager::Get(const std::string& host) {
  std::shared_ptr<Cluster> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clusters_.find(host);
    if (it != clusters_.end()) return it->second;
    entry = std::make_shared<Cluster>(host, clock_);
    clusters_.emplace(host, entry);
  }
  {
    std::lock_guard<std::mutex> lock(entry->mu_);
    Rebuild(*entry, *config_.Current());
  }
  if (registry_ != nullptr) {
    Cluster* raw = entry.get();
    entry->watch_ =
        registry_->WatchService(host, [this, raw](const std::vector<WorkloadRecord>& workloads) {
          std::lock_guard<std::mutex> lock(raw->mu_);
          raw->registered_ = workloads;
          Rebuild(*raw, *config_.Current());
        });
  }
  return entry;
}

std::shared_ptr<Cluster> ClusterManager::ForAddress(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  std::weak_ptr<Cluster>& slot = fixed_[address];
  if (std::shared_ptr<Cluster> held = slot.lock()) return held;
  auto cluster = std::make_shared<Cluster>(address, clock_, /*fixed_address=*/true);
  EndpointInfo info;
  info.address = address;
  auto channel = channel_factory_(info);
  auto endpoint = std::make_shared<UpstreamEndpoint>(std::move(info), std::move(channel));
  auto state = std::make_shared<ClusterState>();
  state->endpoints.push_back(endpoint);
  state->all = MakeSubset(config::ClusterConfig(), state->endpoints, clock_, random_);
  {
    std::lock_guard<std::mutex> cluster_lock(cluster->mu_);
    cluster->by_address_[address] = std::move(endpoint);
    cluster->state_ = std::move(state);
  }
  slot = cluster;
  // Addresses no longer held go when another is added: the map stays as
  // large as the addresses in use.
  for (auto it = fixed_.begin(); it != fixed_.end();) {
    it = it->second.expired() ? fixed_.erase(it) : std::next(it);
  }
  return cluster;
}

void ClusterManager::Rebuild(Cluster& entry, const config::Snapshot& snapshot,
                             bool keep_if_unchanged) {
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

  const config::HostClusters* clusters = snapshot.ClustersFor(entry.host());
  for (EndpointInfo& info : infos) {
    info.tls =
        clusters == nullptr ? TlsPolicy::kAuto : ToTlsPolicy(clusters->TlsModeFor(info.labels));
  }
  if (keep_if_unchanged && infos == entry.built_from_endpoints_ &&
      SameClusters(clusters, entry.built_from_clusters_)) {
    return;
  }
  entry.built_from_endpoints_ = infos;
  entry.built_from_clusters_.reset();
  if (clusters != nullptr) entry.built_from_clusters_ = *clusters;

  auto state = std::make_shared<ClusterState>();
  std::map<std::string, std::shared_ptr<UpstreamEndpoint>> by_address;
  for (EndpointInfo& info : infos) {
    if (by_address.count(info.address)) continue;  // registered and static: once
    std::shared_ptr<UpstreamEndpoint> endpoint;
    auto old = entry.by_address_.find(info.address);
    if (old != entry.by_address_.end() && old->second->info() == info) {
      endpoint = old->second;
    } else {
      auto channel = channel_factory_(info);
      endpoint = std::make_shared<UpstreamEndpoint>(std::move(info), std::move(channel));
    }
    by_address[endpoint->address()] = endpoint;
    state->endpoints.push_back(endpoint);
  }
  entry.by_address_ = std::move(by_address);

  state->all = MakeSubset(clusters != nullptr ? clusters->all : config::ClusterConfig(),
                          state->endpoints, clock_, random_);
  if (clusters != nullptr) {
    for (const config::ClusterConfig& subset : clusters->subsets) {
      EndpointList members;
      for (const auto& endpoint : state->endpoints) {
        if (config::SelectorMatches(subset.selector, endpoint->info().labels))
          members.push_back(endpoint);
      }
      state->subsets.push_back(MakeSubset(subset, std::move(members), clock_, random_));
    }
    state->max_requests = clusters->max_requests;
  }
  std::atomic_store(&entry.state_, std::shared_ptr<const ClusterState>(std::move(state)));
}

absl::StatusOr<Attempt> ClusterManager::Pick(const Cluster& cluster, absl::string_view subset,
                                             PickContext context) {
  Attempt attempt;
  attempt.state = cluster.state();
  attempt.subset = attempt.state->Find(subset);
  // Only the errors name the host: the common pick formats nothing.
  auto what = [&cluster, subset] {
    return subset.empty() ? absl::StrCat("'", cluster.host(), "'")
                          : absl::StrCat("'", cluster.host(), "' subset '", subset, "'");
  };
  if (attempt.subset == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("no healthy upstream: ", what(), " is not defined by a DestinationRule"));
  }
  if (attempt.subset->endpoints.empty()) {
    return absl::UnavailableError(absl::StrCat("no healthy upstream: no endpoints for ", what()));
  }
  const absl::Span<Endpoint* const> tried = context.exclude;
  Endpoint* endpoint = attempt.subset->balancer->Pick(context);
  if (endpoint == nullptr) {
    return absl::UnavailableError(absl::StrCat("no healthy upstream: no endpoints for ", what()));
  }
  if (Unreachable(*static_cast<UpstreamEndpoint*>(endpoint))) {
    // Its connection failed lately (a crashed workload whose entry the
    // registry still lists): another one, unless all others are down too.
    absl::InlinedVector<Endpoint*, 8> excluded(tried.begin(), tried.end());
    Endpoint* candidate = endpoint;
    for (size_t i = 0; i < attempt.subset->endpoints.size(); ++i) {
      excluded.push_back(candidate);
      context.exclude = excluded;
      candidate = attempt.subset->balancer->Pick(context);
      if (candidate == nullptr || absl::c_linear_search(excluded, candidate)) break;
      if (!Unreachable(*static_cast<UpstreamEndpoint*>(candidate))) {
        endpoint = candidate;
        break;
      }
    }
  }
  attempt.endpoint = static_cast<UpstreamEndpoint*>(endpoint);
  return attempt;
}

bool ClusterManager::Unreachable(const UpstreamEndpoint& endpoint) {
  grpc::Channel* channel = endpoint.channel();
  return channel != nullptr &&
         channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_TRANSIENT_FAILURE;
}

void ClusterManager::Report(const Attempt& attempt, absl::StatusCode code) {
  attempt.endpoint->CountAttempt(IsEndpointFailure(code));
  // The ejection limit counts over the whole host, as Envoy's does per
  // cluster; the Endpoint object is shared by every subset that has it, so an
  // ejection holds wherever it is picked from.
  if (attempt.subset->outlier_detector != nullptr) {
    attempt.subset->outlier_detector->Record(*attempt.endpoint, code, attempt.state->endpoints);
  }
}

}  // namespace meshup::internal
