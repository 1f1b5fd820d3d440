// The one echo implementation every arm of the benchmark serves, whether
// through gRPC's own generated service or MeshUp's: the reply carries the
// request's payload.
#ifndef MESHUP_BENCH_ECHO_ECHO_IMPL_H_
#define MESHUP_BENCH_ECHO_ECHO_IMPL_H_

#include "meshup_bench/messages.pb.h"

namespace meshup::bench {

inline void Echo(const meshup_bench::EchoRequest& request, meshup_bench::EchoReply& reply) {
  reply.set_payload(request.payload());
}

}  // namespace meshup::bench

#endif  // MESHUP_BENCH_ECHO_ECHO_IMPL_H_
