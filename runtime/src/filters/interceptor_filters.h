// The filters that run the user's interceptors (meshup/interceptor.h): the
// Mesh's ClientInterceptors, outermost of the client chain, and a Server's
// ServerInterceptors, innermost of the server chain, next to the handler.
// An exception an interceptor throws stops there: OnStart() and Intercept()
// then end the call with INTERNAL; one from OnEnd() is dropped.
#ifndef MESHUP_SRC_FILTERS_INTERCEPTOR_FILTERS_H_
#define MESHUP_SRC_FILTERS_INTERCEPTOR_FILTERS_H_

#include "filters/client_filter.h"
#include "filters/server_filter.h"

namespace meshup::internal {

class ClientInterceptorFilter final : public ClientFilter {
 public:
  absl::Status OnStart(ClientCallState& call) const override;
  void OnEnd(ClientCallState& call) const override;
  bool OutlivesMesh() const override { return true; }
};

class ServerInterceptorFilter final : public ServerFilter {
 public:
  absl::Status Handle(ServerCall& call, const ServerFilterChain& next) const override;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_FILTERS_INTERCEPTOR_FILTERS_H_
