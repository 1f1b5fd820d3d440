// The admin endpoints of a workload, as HTTP handlers:
//
//   /metrics       Prometheus text: Istio's request metrics and meshup_* counters
//   /stats/json    request totals and latency buckets per destination app and
//                  version (what `meshup stat` reads)
//   /healthz       200 while the process runs (liveness)
//   /ready         200 once the workload serves and is registered, 503 before
//                  and while it drains (readiness)
//   /config_dump   the active configuration snapshot and the last rejected
//                  update, as JSON
//   /clusters      per service called: its endpoints with labels, health
//                  (outlier ejection) and calls in flight, as JSON
//
// Only GET (and HEAD); anything else 405, unknown paths 404. Handlers read
// shared state without blocking RPC threads: snapshots and endpoint lists
// are immutable, counters atomic.
#ifndef MESHUP_SRC_ADMIN_ADMIN_HANDLERS_H_
#define MESHUP_SRC_ADMIN_ADMIN_HANDLERS_H_

#include <functional>

#include "config/config_source.h"
#include "meshup/http_message.h"
#include "upstream/cluster_manager.h"
#include "telemetry/metrics.h"
#include "util/clock.h"

namespace meshup::internal {

struct AdminSources {
  MetricsRegistry* metrics = nullptr;
  const config::ConfigSource* config = nullptr;
  ClusterManager* clusters = nullptr;  // null: /clusters lists nothing
  std::function<bool()> ready;
  Clock* clock = &Clock::Real();
};

HttpResponse HandleAdminRequest(const AdminSources& sources, const HttpRequest& request);

}  // namespace meshup::internal

#endif  // MESHUP_SRC_ADMIN_ADMIN_HANDLERS_H_
