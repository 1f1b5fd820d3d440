#include "filters/client_filter.h"

#include "filters/client_telemetry_filter.h"
#include "filters/fault_filter.h"
#include "filters/interceptor_filters.h"

namespace meshup::internal {

absl::Span<const ClientFilter* const> DefaultClientFilters() {
  static const ClientInterceptorFilter interceptors;
  static const ClientTelemetryFilter telemetry;
  static const FaultFilter faults;
  static const ClientFilter* const filters[] = {&interceptors, &telemetry, &faults};
  return filters;
}

}  // namespace meshup::internal
