// meshup_microbench: Google Benchmark microbenchmarks of the runtime's hot
// and scaling paths, for README's growth table:
//   BM_RouteMatch/<rules>        a VirtualService of N exact-URI routes; the
//                                request matches the last one (worst case
//                                for trying routes in turn; indexed by URI)
//   BM_RoutePrefixMatch/<rules>  the same with prefix routes, which the
//                                index cannot hold: tried in turn
//   BM_BalancerPick/<endpoints>  P2C (LEAST_REQUEST) pick over N endpoints
//   BM_MetricRecord              SeriesSet::Record (one call's metrics)
//   BM_ConfigLoad                parse + validate 1,000 services (10,000
//                                endpoints, 10,000 routes) from YAML text
//   BM_ConfigReloadAndSwap/<n>   the same from the directory through
//                                ConfigSource::Reload() after <n> of the 1,000
//                                files changed (what the watcher reacts to),
//                                swapping the snapshot and rebuilding the
//                                cluster manager's 1,000 clusters
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upstream/balancer.h"
#include "benchmark/benchmark.h"
#include "config/config_source.h"
#include "config/loader.h"
#include "config/snapshot.h"
#include "loop/event_loop.h"
#include "routing/route_matcher.h"
#include "upstream/cluster_manager.h"
#include "telemetry/metrics.h"
#include "util/clock.h"

namespace meshup::internal {
namespace {

// N routes, route i on "/pkg.Service<i>/Method" exactly or on the prefix
// "/pkg.Service<i>/", held in `storage` and indexed as the loader indexes them.
config::RouteTable Routes(int rules, config::StringMatch::Kind kind,
                          std::vector<config::HttpRoute>& storage) {
  config::RouteTable table;
  for (int i = 0; i < rules; ++i) {
    config::HttpRoute route;
    route.name = absl::StrCat("r", i);
    config::RouteMatch match;
    match.uri = config::StringMatch{
        kind,
        absl::StrCat("/pkg.Service", i, kind == config::StringMatch::Kind::kExact ? "/Method" : "/"),
        nullptr};
    route.matches.push_back(match);
    route.route.push_back({config::Destination{"svc", "", 0}, 100});
    storage.push_back(std::move(route));
  }
  table.routes = storage;
  config::IndexRoutes(table);
  return table;
}

void MatchLastRoute(benchmark::State& state, config::StringMatch::Kind kind) {
  const int rules = static_cast<int>(state.range(0));
  std::vector<config::HttpRoute> storage;
  const config::RouteTable table = Routes(rules, kind, storage);
  const std::string path = absl::StrCat("/pkg.Service", rules - 1, "/Method");
  const std::map<std::string, std::string> labels = {{"app", "client"}};
  RequestAttributes request;
  request.path = path;
  request.source_labels = &labels;
  request.source_namespace = "default";
  for (auto _ : state) {
    const config::HttpRoute* route = MatchRoute(table, request);
    if (route != &table.routes.back()) state.SkipWithError("matched the wrong route");
    benchmark::DoNotOptimize(route);
  }
}

void BM_RouteMatch(benchmark::State& state) {
  MatchLastRoute(state, config::StringMatch::Kind::kExact);
}
BENCHMARK(BM_RouteMatch)->Arg(10)->Arg(1000)->Arg(10000);

void BM_RoutePrefixMatch(benchmark::State& state) {
  MatchLastRoute(state, config::StringMatch::Kind::kPrefix);
}
BENCHMARK(BM_RoutePrefixMatch)->Arg(10)->Arg(1000)->Arg(10000);

void BM_BalancerPick(benchmark::State& state) {
  EndpointList endpoints;
  for (int64_t i = 0; i < state.range(0); ++i) {
    EndpointInfo info;
    info.address = absl::StrCat("10.", i / 65536, ".", (i / 256) % 256, ".", i % 256, ":9080");
    endpoints.push_back(std::make_shared<Endpoint>(std::move(info)));
  }
  std::unique_ptr<Balancer> balancer =
      NewBalancer(config::LoadBalancer{}, endpoints, Random::Real());
  PickContext context;
  context.now = absl::Now();
  for (auto _ : state) {
    Endpoint* endpoint = balancer->Pick(context);
    benchmark::DoNotOptimize(endpoint);
  }
}
BENCHMARK(BM_BalancerPick)->Arg(3)->Arg(1000)->Arg(100000);

void BM_MetricRecord(benchmark::State& state) {
  static SeriesSet* series = [] {
    RequestLabels labels;
    labels.source.workload = "productpage-v1";
    labels.destination.workload = "reviews-v2";
    labels.destination_service = "reviews.default.svc.cluster.local";
    return new SeriesSet(labels);
  }();
  for (auto _ : state) {
    series->Record(0, false, absl::Microseconds(250), 1024, 1024);
  }
}
BENCHMARK(BM_MetricRecord)->Threads(1)->Threads(2);

// 1,000 services, each: a VirtualService of 10 routes (exact URIs, a 90/10
// split over two subsets), a DestinationRule with the subsets, and a
// ServiceEntry with 10 endpoints.
std::vector<config::ConfigFile> LargeConfig() {
  std::vector<config::ConfigFile> files;
  for (int s = 0; s < 1000; ++s) {
    std::string yaml;
    const std::string name = absl::StrCat("svc", s);
    absl::StrAppend(&yaml, "apiVersion: networking.istio.io/v1\nkind: VirtualService\n",
                    "metadata: {name: ", name, "}\nspec:\n  hosts: [", name, "]\n  http:\n");
    for (int r = 0; r < 10; ++r) {
      absl::StrAppend(&yaml, "  - name: m", r, "\n    match:\n    - uri: {exact: /pkg.S", s,
                      "/M", r, "}\n    route:\n    - destination: {host: ", name,
                      ", subset: v1}\n      weight: 90\n    - destination: {host: ", name,
                      ", subset: v2}\n      weight: 10\n    timeout: 2s\n");
    }
    absl::StrAppend(&yaml, "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n",
                    "metadata: {name: ", name, "}\nspec:\n  host: ", name,
                    "\n  subsets:\n  - name: v1\n    labels: {version: v1}\n",
                    "  - name: v2\n    labels: {version: v2}\n");
    absl::StrAppend(&yaml, "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n",
                    "metadata: {name: ", name, "}\nspec:\n  hosts: [", name,
                    "]\n  ports:\n  - {number: 9080, name: grpc, protocol: GRPC}\n",
                    "  resolution: STATIC\n  endpoints:\n");
    for (int e = 0; e < 10; ++e) {
      absl::StrAppend(&yaml, "  - address: 10.", s / 256, ".", s % 256, ".", e,
                      "\n    labels: {app: ", name, ", version: v", e % 2 + 1, "}\n");
    }
    files.push_back({absl::StrCat(name, ".yaml"), std::move(yaml)});
  }
  return files;
}

void BM_ConfigLoad(benchmark::State& state) {
  const std::vector<config::ConfigFile> files = LargeConfig();
  for (auto _ : state) {
    auto snapshot = config::LoadConfigFiles(files);
    if (!snapshot.ok()) {
      state.SkipWithError(std::string(snapshot.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(snapshot);
  }
}
BENCHMARK(BM_ConfigLoad)->Unit(benchmark::kMillisecond)->Iterations(5);

// `files` with the route weights of the first `changed` changed (90/10 to
// 80/20 on odd rounds, back on even ones).
void ChangeWeights(std::vector<config::ConfigFile>& files, int changed, int round) {
  const std::string from = round % 2 == 1 ? "weight: 90\n" : "weight: 80\n";
  const std::string to = round % 2 == 1 ? "weight: 80\n" : "weight: 90\n";
  const std::string from_small = round % 2 == 1 ? "weight: 10\n" : "weight: 20\n";
  const std::string to_small = round % 2 == 1 ? "weight: 20\n" : "weight: 10\n";
  for (int i = 0; i < changed && i < static_cast<int>(files.size()); ++i) {
    std::string& text = files[i].text;
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
    }
    for (size_t at = text.find(from_small); at != std::string::npos;
         at = text.find(from_small, at)) {
      text.replace(at, from_small.size(), to_small);
    }
  }
}

// A reload is what follows a change to the directory: each round rewrites
// state.range(0) files (a real change of their route weights) outside the
// timing, then times the reload, the swap and the cluster manager's rebuild.
void BM_ConfigReloadAndSwap(benchmark::State& state) {
  const int changed = static_cast<int>(state.range(0));
  char dir_template[] = "/tmp/meshup-microbench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    state.SkipWithError("no temporary directory");
    return;
  }
  const std::string dir = dir_template;
  std::vector<config::ConfigFile> files = LargeConfig();
  auto write = [&dir, &files, changed](bool all) {
    for (int i = 0; i < (all ? static_cast<int>(files.size()) : changed); ++i) {
      std::ofstream(absl::StrCat(dir, "/", files[i].name)) << files[i].text;
    }
  };
  write(true);
  {
    EventLoop loop;
    auto source = config::ConfigSource::Watch(dir, loop);
    if (!source.ok()) {
      state.SkipWithError(std::string(source.status().message()).c_str());
    } else {
      source.value()->StopWatching();  // reloads run here only
      // Endpoints without channels: the rebuild's cost, not gRPC's.
      ClusterManager clusters(**source, nullptr, [](const EndpointInfo&) {
        return absl::StatusOr<std::shared_ptr<grpc::Channel>>(absl::UnavailableError("bench"));
      }, Clock::Real(), Random::Real());
      for (int s = 0; s < 1000; ++s) clusters.Get(absl::StrCat("svc", s));
      int round = 0;
      for (auto _ : state) {
        state.PauseTiming();
        ChangeWeights(files, changed, ++round);
        write(false);
        state.ResumeTiming();
        absl::Status reloaded = source.value()->Reload();
        if (!reloaded.ok()) state.SkipWithError(std::string(reloaded.message()).c_str());
      }
    }
  }
  std::error_code error;
  std::filesystem::remove_all(dir, error);
}
BENCHMARK(BM_ConfigReloadAndSwap)
    ->Arg(1)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace meshup::internal

BENCHMARK_MAIN();
