// An immutable, validated view of a configuration directory.
//
// The loader builds a Snapshot and hands it out as shared_ptr<const>; it is
// never changed after, so any number of threads read it without locks and a
// call keeps the snapshot it started with while a newer one swaps in.
#ifndef MESHUP_SRC_CONFIG_SNAPSHOT_H_
#define MESHUP_SRC_CONFIG_SNAPSHOT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/cluster_config.h"
#include "config/model.h"
#include "config/route_table.h"

namespace meshup::config {

struct Snapshot {
  std::vector<VirtualService> virtual_services;
  std::vector<DestinationRule> destination_rules;
  std::vector<ServiceEntry> service_entries;
  std::vector<Workload> workload_entries;
  std::vector<PeerAuthentication> peer_authentications;
  std::vector<AuthorizationPolicy> authorization_policies;
  MeshConfig mesh;
  // Harmless fields that were ignored, with where they are.
  std::vector<std::string> warnings;
  // Of those, the routes to a subset no DestinationRule of the host
  // defines: the configuration loads, as in Istio, and calls routed there
  // fail. Tools that change a configuration (`meshup apply`) refuse these.
  std::vector<std::string> undefined_subsets;
  // The files read, in the order read.
  std::vector<std::string> files;

  // The model the runtime routes by. The route table for `host` (a mesh
  // name): that of VirtualServiceFor(host); nullptr when none routes it.
  const RouteTable* RoutesFor(absl::string_view host) const;
  // The clusters for `host`: those of DestinationRuleFor(host); nullptr
  // when no rule applies (the host then has one default cluster).
  const HostClusters* ClustersFor(absl::string_view host) const;

  // The documents the model is translated from, for tools and checks.
  // The VirtualService for `host` (a mesh name): the oldest one that lists
  // it (merge.h) among those that can route a MeshUp call (routes_mesh),
  // else the one of the most specific wildcard host that covers it;
  // nullptr when none does.
  const VirtualService* VirtualServiceFor(absl::string_view host) const;
  // The DestinationRule for `host`: its DestinationRules merged (merge.h),
  // else those of the most specific wildcard host that covers it; nullptr
  // when none does.
  const DestinationRule* DestinationRuleFor(absl::string_view host) const;
  // The ServiceEntries that list `host`, in file order.
  std::vector<const ServiceEntry*> ServiceEntriesFor(absl::string_view host) const;
  // The WorkloadEntries whose `app` label is `app`, in file order.
  std::vector<const Workload*> WorkloadEntriesFor(absl::string_view app) const;

  // Fills the host indexes, translates each VirtualService into a route
  // table and each host's merged DestinationRule (what merging ignores
  // goes to `warnings`) into its clusters; the loader calls it once the
  // vectors are final.
  void BuildIndexes();

 private:
  std::map<std::string, size_t, std::less<>> virtual_service_by_host_;
  // Wildcard hosts ("*.local") and their VirtualService or merged rule,
  // most specific first: a host without an exact entry takes the first
  // that covers it, as Envoy picks the longest matching domain.
  std::vector<std::pair<std::string, size_t>> wildcard_virtual_services_;
  std::vector<std::pair<std::string, size_t>> wildcard_rules_;
  std::vector<RouteTable> route_tables_;       // one per VirtualService, same order
  std::vector<DestinationRule> merged_rules_;  // one per host
  std::vector<HostClusters> host_clusters_;    // one per merged rule, same order
  std::map<std::string, size_t, std::less<>> destination_rule_by_host_;  // into merged_rules_
  std::map<std::string, std::vector<size_t>, std::less<>> service_entries_by_host_;
  std::map<std::string, std::vector<size_t>, std::less<>> workload_entries_by_app_;
};

}  // namespace meshup::config

#endif  // MESHUP_SRC_CONFIG_SNAPSHOT_H_
