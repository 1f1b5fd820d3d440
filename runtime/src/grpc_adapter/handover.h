// Handing state to gRPC's threads and back, in words ThreadSanitizer
// understands. The only sanitizer-specific code of MeshUp is here, and only
// the gRPC adapter (grpc_adapter/) includes it: the rest of the runtime calls
// the adapter's functions, which hand over what they must. Without TSan the
// annotations compile to nothing (NewForGrpc() then only allocates).
//
// Debian's gRPC is not built with TSan: when gRPC runs a callback on one of
// its threads, the happens-before its completion queues establish is
// invisible, and TSan reports the callback's first touch of state the
// caller set up as a race. Code that hands state to gRPC calls
// HandOffToGrpc(&state) just before, and the callback gRPC runs calls
// TakeOverFromGrpc(&state) first; this tells TSan exactly what gRPC
// guarantees, for that state only.
//
// The pair cannot cover gRPC's header-inline code (compiled into MeshUp's
// objects, so instrumented, unlike the rest of gRPC): on gRPC's threads it
// runs before the callback can take over (it moves the callback out of the
// call, runs interceptors, reads the ClientContext, stores the response's
// bytes), and a thread blocked in a gRPC call reads through it what gRPC's
// threads wrote. So MeshUp calls into gRPC (starting a call or an alarm, a
// blocking call, a stream's operations) inside a GrpcCode scope: TSan
// ignores the thread's memory accesses there, as it never sees those of the
// rest of gRPC, and memory allocated in the scope (NewForGrpc(), a
// callback's captures) starts with no recorded access. Hand off before the
// scope, and keep MeshUp's own work out of it (MeshUp's messages cross as
// bytes, grpc_adapter/message_bytes.h): what runs inside goes unchecked.
#ifndef MESHUP_SRC_GRPC_ADAPTER_HANDOVER_H_
#define MESHUP_SRC_GRPC_ADAPTER_HANDOVER_H_

#include <memory>

#if defined(__SANITIZE_THREAD__)
#define MESHUP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MESHUP_TSAN 1
#endif
#endif

#ifdef MESHUP_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace meshup::internal {

inline void HandOffToGrpc([[maybe_unused]] const void* state) {
#ifdef MESHUP_TSAN
  __tsan_release(const_cast<void*>(state));
#endif
}

inline void TakeOverFromGrpc([[maybe_unused]] const void* state) {
#ifdef MESHUP_TSAN
  __tsan_acquire(const_cast<void*>(state));
#endif
}

// The start and end of a stretch of gRPC's own code on this thread, which
// TSan does not check; stretches nest. Code uses the scopes below.
inline void IgnoreThreadBegin() {
#ifdef MESHUP_TSAN
  __tsan_ignore_thread_begin();
#endif
}

inline void IgnoreThreadEnd() {
#ifdef MESHUP_TSAN
  __tsan_ignore_thread_end();
#endif
}

// A scope that enters one kind of stretch and leaves it at its end.
template <void (*kEnter)(), void (*kLeave)()>
class ThreadStretch {
 public:
  // User-provided, so that a scope variable is not "unused".
  ThreadStretch() { kEnter(); }
  ~ThreadStretch() { kLeave(); }
  ThreadStretch(const ThreadStretch&) = delete;
  ThreadStretch& operator=(const ThreadStretch&) = delete;
};

// A stretch of gRPC's code: `GrpcCode in_grpc;`.
using GrpcCode = ThreadStretch<IgnoreThreadBegin, IgnoreThreadEnd>;

// Inside a GrpcCode scope (gRPC's inline code calling MeshUp back), a
// stretch of MeshUp's own code, which TSan checks again.
using MeshUpCode = ThreadStretch<IgnoreThreadEnd, IgnoreThreadBegin>;

// A T that gRPC's header-inline code writes on gRPC's threads before any
// MeshUp callback can take it over (a ClientContext, a callback call's
// response bytes), made inside a GrpcCode scope: its memory starts with no
// recorded access, where TSan would otherwise take gRPC's first write for a
// race with the allocation and the constructor on this thread.
template <class T>
std::unique_ptr<T> NewForGrpc() {
  GrpcCode in_grpc;
  return std::make_unique<T>();
}

}  // namespace meshup::internal

#endif  // MESHUP_SRC_GRPC_ADAPTER_HANDOVER_H_
