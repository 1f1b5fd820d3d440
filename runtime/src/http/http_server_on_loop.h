// An HttpServer whose sockets live on an existing runtime EventLoop (the
// Mesh's loop, for the admin endpoints) instead of a loop of its own.
// `loop` must outlive the server. Handlers still run on the server's worker
// threads, never on the loop thread.
#ifndef MESHUP_SRC_HTTP_HTTP_SERVER_ON_LOOP_H_
#define MESHUP_SRC_HTTP_HTTP_SERVER_ON_LOOP_H_

#include <memory>

#include "loop/event_loop.h"
#include "meshup/http_server.h"

namespace meshup::internal {

std::unique_ptr<HttpServer> NewHttpServerOnLoop(EventLoop& loop, HttpServerOptions options = {});

}  // namespace meshup::internal

#endif  // MESHUP_SRC_HTTP_HTTP_SERVER_ON_LOOP_H_
