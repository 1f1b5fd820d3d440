// Happens-before annotations for ThreadSanitizer across gRPC.
//
// Debian's gRPC is not built with TSan: when gRPC runs a callback on one of
// its threads, the happens-before its completion queues establish is
// invisible, and TSan reports the callback's first touch of state the
// caller set up as a race. Code that hands state to gRPC calls
// HandOffToGrpc(&state) just before, and the callback gRPC runs calls
// TakeOverFromGrpc(&state) first; this tells TSan exactly what gRPC
// guarantees, for that state only. Both compile to nothing without TSan.
//
// The pair cannot cover gRPC's header-inline code (compiled into MeshUp's
// objects, so instrumented, unlike the rest of gRPC): on gRPC's threads it
// runs before the callback can take over (it moves the callback out of the
// call, runs interceptors, reads the ClientContext, parses the response),
// and a thread blocked in a gRPC call reads through it what gRPC's threads
// wrote. So MeshUp calls into gRPC (starting a call or an alarm, a blocking
// call, a stream's operations) inside a GrpcCode scope: TSan ignores the
// thread's memory accesses there, as it never sees those of the rest of
// gRPC, and memory allocated in the scope (a ClientContext, a callback's
// captures) starts with no recorded access. Hand off before the scope, and
// keep MeshUp's own work out of it: what runs inside goes unchecked.
#ifndef MESHUP_SRC_UTIL_TSAN_H_
#define MESHUP_SRC_UTIL_TSAN_H_

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

// The stretch GrpcCode scopes; they nest. Generated code, which cannot
// include this header, reaches them through BeginGrpcCode()/EndGrpcCode()
// (meshup/internal/grpc_service.h).
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

class GrpcCode {
 public:
  // User-provided, so that a scope variable is not "unused".
  GrpcCode() { IgnoreThreadBegin(); }
  ~GrpcCode() { IgnoreThreadEnd(); }
  GrpcCode(const GrpcCode&) = delete;
  GrpcCode& operator=(const GrpcCode&) = delete;
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_TSAN_H_
