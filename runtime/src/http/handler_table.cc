#include "http/handler_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "http/response_writer.h"

namespace meshup::internal {

void HandlerTable::Add(std::string path, bool prefix, HttpHandler handler,
                       std::vector<std::string> methods) {
  auto route = std::make_shared<const Route>(Route{std::move(handler), std::move(methods)});
  std::lock_guard<std::shared_mutex> lock(mu_);
  (prefix ? prefixes_ : exact_)[std::move(path)] = std::move(route);
}

std::shared_ptr<const HandlerTable::Route> HandlerTable::Find(const std::string& path) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (auto it = exact_.find(path); it != exact_.end()) return it->second;
  // The longest prefix sorts last among those that match.
  std::shared_ptr<const Route> found;
  for (const auto& [prefix, route] : prefixes_) {
    if (absl::StartsWith(path, prefix)) found = route;
  }
  return found;
}

HttpResponse HandlerTable::Dispatch(const HttpRequest& request) const {
  std::shared_ptr<const Route> route = Find(request.path);
  if (route == nullptr) return StatusResponse(404);
  if (!route->methods.empty()) {
    const auto& methods = route->methods;
    const bool allowed =
        std::find(methods.begin(), methods.end(), request.method) != methods.end() ||
        (request.method == "HEAD" &&
         std::find(methods.begin(), methods.end(), "GET") != methods.end());
    if (!allowed) {
      HttpResponse response = StatusResponse(405);
      std::vector<std::string> allow = methods;
      if (std::find(allow.begin(), allow.end(), "GET") != allow.end() &&
          std::find(allow.begin(), allow.end(), "HEAD") == allow.end()) {
        allow.push_back("HEAD");
      }
      response.headers.Set("Allow", absl::StrJoin(allow, ", "));
      return response;
    }
  }
  try {
    return route->handler(request);
  } catch (...) {
    // Exceptions stop here; what they say stays out of the answer.
    return StatusResponse(500);
  }
}

}  // namespace meshup::internal
