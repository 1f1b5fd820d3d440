#include "filters/server_filter.h"

#include "filters/authorization_filter.h"
#include "filters/interceptor_filters.h"
#include "filters/server_telemetry_filter.h"

namespace meshup::internal {

absl::Status ServerFilterChain::Next(ServerCall& call) const {
  if (filters_.empty()) return handler_(call.context);
  return filters_.front()->Handle(call, ServerFilterChain(filters_.subspan(1), handler_));
}

absl::Span<const ServerFilter* const> DefaultServerFilters() {
  static const ServerTelemetryFilter telemetry;
  static const AuthorizationFilter authorization;
  static const ServerInterceptorFilter interceptors;
  static const ServerFilter* const filters[] = {&telemetry, &authorization, &interceptors};
  return filters;
}

}  // namespace meshup::internal
