#include "filters/interceptor_filters.h"

#include <exception>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace meshup::internal {
namespace {

absl::Status Threw(absl::string_view what, const MethodInfo& method, const std::exception* e) {
  return absl::InternalError(absl::StrCat(what, " of ", method.path, " threw",
                                          e != nullptr ? absl::StrCat(": ", e->what()) : ""));
}

// Runs `interceptors` around the rest of the server chain, outermost first.
absl::Status Intercept(absl::Span<const std::shared_ptr<ServerInterceptor>> interceptors,
                       ServerCall& call, const ServerFilterChain& next) {
  if (interceptors.empty()) return next.Next(call);
  try {
    return interceptors.front()->Intercept(
        call.context, [&] { return Intercept(interceptors.subspan(1), call, next); });
  } catch (const std::exception& e) {
    return Threw("a server interceptor", call.method, &e);
  } catch (...) {
    return Threw("a server interceptor", call.method, nullptr);
  }
}

}  // namespace

absl::Status ClientInterceptorFilter::OnStart(ClientCallState& call) const {
  const std::vector<std::shared_ptr<ClientInterceptor>>& interceptors =
      call.channel().interceptors;
  if (interceptors.empty()) return absl::OkStatus();
  ClientCallSlots& slots = call.slots();
  ClientCallInfo& info = slots.intercepted.emplace(ClientCallInfo{
      call.method(), call.channel().target, call.MutableOptions(), call.start()});
  for (const std::shared_ptr<ClientInterceptor>& interceptor : interceptors) {
    ++slots.interceptors_started;
    absl::Status started;
    try {
      started = interceptor->OnStart(info);
    } catch (const std::exception& e) {
      started = Threw("a client interceptor", call.method(), &e);
    } catch (...) {
      started = Threw("a client interceptor", call.method(), nullptr);
    }
    if (!started.ok()) return started;
  }
  return absl::OkStatus();
}

void ClientInterceptorFilter::OnEnd(ClientCallState& call) const {
  ClientCallSlots& slots = call.slots();
  if (!slots.intercepted) return;
  const absl::Status result =
      call.result().has_value() ? *call.result() : absl::CancelledError("the call was abandoned");
  const std::vector<std::shared_ptr<ClientInterceptor>>& interceptors =
      call.channel().interceptors;
  for (size_t i = slots.interceptors_started; i > 0; --i) {
    try {
      interceptors[i - 1]->OnEnd(*slots.intercepted, result);
    } catch (...) {
      // Dropped: the call is over, and its result already decided.
    }
  }
}

absl::Status ServerInterceptorFilter::Handle(ServerCall& call,
                                             const ServerFilterChain& next) const {
  if (call.runtime == nullptr || call.runtime->interceptors.empty()) return next.Next(call);
  return Intercept(call.runtime->interceptors, call, next);
}

}  // namespace meshup::internal
