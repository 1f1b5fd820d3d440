// The routes of an HttpServer: exact paths and prefixes -> handlers, and the
// call of the chosen handler.
//
// Dispatch() picks the exact path, else the longest prefix; answers 404
// when none matches, 405 (with Allow) when the route does not take the
// method (GET also takes HEAD), and 500 when the handler throws. Thread-safe:
// routes may be added while requests are dispatched; a dispatch uses the
// handler registered when it looked up the route.
#ifndef MESHUP_SRC_HTTP_HANDLER_TABLE_H_
#define MESHUP_SRC_HTTP_HANDLER_TABLE_H_

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "meshup/http_server.h"

namespace meshup::internal {

class HandlerTable {
 public:
  void Add(std::string path, bool prefix, HttpHandler handler, std::vector<std::string> methods);
  HttpResponse Dispatch(const HttpRequest& request) const;

 private:
  struct Route {
    HttpHandler handler;
    std::vector<std::string> methods;  // empty: any
  };
  std::shared_ptr<const Route> Find(const std::string& path) const;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Route>> exact_;     // guarded by mu_
  std::map<std::string, std::shared_ptr<const Route>> prefixes_;  // guarded by mu_
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_HANDLER_TABLE_H_
