// The bridge from gRPC's server to a generated service's typed handlers.
//
// Only generated .cc files include this header (it brings in gRPC's server
// headers, which user code never needs). Each generated service makes one
// GrpcService, registers a typed handler per method, and hands it to
// meshup::Service::SetGrpcService(). Every call that reaches a method's
// handler goes through RunServerCall(),
// where the runtime runs the server filter chain (telemetry, authorization,
// the server's interceptors) around the handler.
#ifndef MESHUP_INTERNAL_GRPC_SERVICE_H_
#define MESHUP_INTERNAL_GRPC_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/method_handler.h"
#include "grpcpp/support/sync_stream.h"
#include "meshup/server_context.h"
#include "meshup/service.h"
#include "meshup/streams.h"

namespace meshup::internal {

// The bytes of the messages a call's streams carried, for the byte metrics
// (istio_request_bytes, istio_response_bytes).
struct StreamedBytes {
  uint64_t received = 0;  // messages read from the caller
  uint64_t sent = 0;      // messages written to the caller
};

// Runs `handler` for one incoming call of `method` on `service`, wrapped by the
// runtime, and returns the status the caller receives. `grpc_context` is the
// call's grpc::ServerContext, or its grpc::CallbackServerContext for a
// non-blocking method. For the byte metrics:
// `request` and `response` are the call's single messages (a unary call's
// both, a server stream's request, a client stream's response), null where
// the side is a stream; `streamed` counts what the streams carried, null for
// unary calls.
grpc::Status RunServerCall(Service& service, const MethodInfo& method,
                           grpc::ServerContextBase& grpc_context,
                           absl::FunctionRef<absl::Status(ServerContext&)> handler,
                           const google::protobuf::Message* request = nullptr,
                           const google::protobuf::Message* response = nullptr,
                           const StreamedBytes* streamed = nullptr);

// gRPC's handler of a unary method the IDL declares non_blocking: it runs
// on gRPC's callback threads, and calls `handler` through RunServerCall()
// with a request and a response made from the prototypes (the runtime's
// gRPC adapter, runtime/src/grpc_adapter/). A request that cannot be parsed
// is answered INTERNAL without running it. The caller owns the handler
// (gRPC's MarkMethodCallback() takes it); `owner`, `method` and the
// prototypes must outlive it.
grpc::internal::MethodHandler* NewNonBlockingUnaryHandler(
    Service& owner, const MethodInfo& method, const google::protobuf::Message& request_prototype,
    const google::protobuf::Message& response_prototype,
    std::function<absl::Status(ServerContext&, const google::protobuf::Message&,
                               google::protobuf::Message&)>
        handler);

// Adapts one of gRPC's typed stream objects to the untyped ServerStream,
// counting the bytes of the messages it reads and writes.
template <class Request, class Response, class GrpcStream, bool kCanRead, bool kCanWrite>
class GrpcServerStream final : public ServerStream {
 public:
  explicit GrpcServerStream(GrpcStream& stream) : stream_(stream) {}

  bool Read(google::protobuf::Message* message) override {
    if constexpr (kCanRead) {
      if (!stream_.Read(static_cast<Request*>(message))) return false;
      bytes_.received += message->ByteSizeLong();
      return true;
    } else {
      return false;
    }
  }
  bool Write(const google::protobuf::Message& message) override {
    if constexpr (kCanWrite) {
      if (!stream_.Write(static_cast<const Response&>(message))) return false;
      bytes_.sent += message.ByteSizeLong();
      return true;
    } else {
      return false;
    }
  }

  const StreamedBytes& bytes() const { return bytes_; }

 private:
  GrpcStream& stream_;
  StreamedBytes bytes_;
};

class GrpcService final : public grpc::Service {
 public:
  explicit GrpcService(::meshup::Service& owner) : owner_(owner) {}

  // A method the IDL declares non_blocking runs on gRPC's callback threads;
  // every other one on the server's handler threads.
  template <class Request, class Response>
  void AddUnary(const MethodInfo& method,
                std::function<absl::Status(ServerContext&, const Request&, Response&)> handler) {
    if (method.non_blocking) {
      Add(method, grpc::internal::RpcMethod::NORMAL_RPC, nullptr);
      MarkMethodCallback(
          last_method_index_,
          NewNonBlockingUnaryHandler(
              owner_, method, Request::default_instance(), Response::default_instance(),
              [handler = std::move(handler)](ServerContext& context,
                                             const google::protobuf::Message& request,
                                             google::protobuf::Message& response) {
                return handler(context, static_cast<const Request&>(request),
                               static_cast<Response&>(response));
              }));
      return;
    }
    Add(method, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<grpc::Service, Request, Response>(
            [this, &method, handler = std::move(handler)](
                grpc::Service*, grpc::ServerContext* context, const Request* request,
                Response* response) {
              return RunServerCall(
                  owner_, method, *context,
                  [&](ServerContext& ctx) { return handler(ctx, *request, *response); }, request,
                  response);
            },
            this));
  }

  template <class Request, class Response>
  void AddServerStreaming(
      const MethodInfo& method,
      std::function<absl::Status(ServerContext&, const Request&, ServerWriter<Response>&)>
          handler) {
    Add(method, grpc::internal::RpcMethod::SERVER_STREAMING,
        new grpc::internal::ServerStreamingHandler<grpc::Service, Request, Response>(
            [this, &method, handler = std::move(handler)](
                grpc::Service*, grpc::ServerContext* context, const Request* request,
                grpc::ServerWriter<Response>* writer) {
              GrpcServerStream<Request, Response, grpc::ServerWriter<Response>, false, true> stream(
                  *writer);
              ServerWriter<Response> typed(stream);
              return RunServerCall(
                  owner_, method, *context,
                  [&](ServerContext& ctx) { return handler(ctx, *request, typed); }, request,
                  nullptr, &stream.bytes());
            },
            this));
  }

  template <class Request, class Response>
  void AddClientStreaming(
      const MethodInfo& method,
      std::function<absl::Status(ServerContext&, ServerReader<Request>&, Response&)> handler) {
    Add(method, grpc::internal::RpcMethod::CLIENT_STREAMING,
        new grpc::internal::ClientStreamingHandler<grpc::Service, Request, Response>(
            [this, &method, handler = std::move(handler)](
                grpc::Service*, grpc::ServerContext* context, grpc::ServerReader<Request>* reader,
                Response* response) {
              GrpcServerStream<Request, Response, grpc::ServerReader<Request>, true, false> stream(
                  *reader);
              ServerReader<Request> typed(stream);
              return RunServerCall(
                  owner_, method, *context,
                  [&](ServerContext& ctx) { return handler(ctx, typed, *response); }, nullptr,
                  response, &stream.bytes());
            },
            this));
  }

  template <class Request, class Response>
  void AddBidiStreaming(
      const MethodInfo& method,
      std::function<absl::Status(ServerContext&, ServerReaderWriter<Request, Response>&)> handler) {
    Add(method, grpc::internal::RpcMethod::BIDI_STREAMING,
        new grpc::internal::BidiStreamingHandler<grpc::Service, Request, Response>(
            [this, &method, handler = std::move(handler)](
                grpc::Service*, grpc::ServerContext* context,
                grpc::ServerReaderWriter<Response, Request>* reader_writer) {
              GrpcServerStream<Request, Response, grpc::ServerReaderWriter<Response, Request>, true,
                               true>
                  stream(*reader_writer);
              ServerReaderWriter<Request, Response> typed(stream);
              return RunServerCall(
                  owner_, method, *context, [&](ServerContext& ctx) { return handler(ctx, typed); },
                  nullptr, nullptr, &stream.bytes());
            },
            this));
  }

 private:
  void Add(const MethodInfo& method, grpc::internal::RpcMethod::RpcType type,
           grpc::internal::MethodHandler* handler) {
    // The path is a string literal of the generated code, so it is
    // NUL-terminated and lives as long as the program.
    AddMethod(new grpc::internal::RpcServiceMethod(method.path.data(), type, handler));
    ++last_method_index_;
  }

  ::meshup::Service& owner_;
  int last_method_index_ = -1;  // gRPC's index of the method Add() added last
};

}  // namespace meshup::internal

#endif  // MESHUP_INTERNAL_GRPC_SERVICE_H_
