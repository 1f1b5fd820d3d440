// gRPC's handler of a non-blocking unary method (NewNonBlockingUnaryHandler,
// meshup/internal/grpc_service.h): gRPC's callback handler on bytes, which
// MeshUp turns into the method's messages and back on gRPC's callback
// thread.
#include <memory>
#include <utility>

#include "grpc_adapter/handover.h"
#include "grpc_adapter/message_bytes.h"
#include "grpc_adapter/status.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "meshup/internal/grpc_service.h"

namespace meshup::internal {
namespace {

using google::protobuf::Message;

using UntypedUnaryHandler = std::function<absl::Status(ServerContext&, const Message&, Message&)>;

// gRPC's inline code that sets up, reads and finishes the call (compiled into
// MeshUp's objects, so instrumented, unlike the gRPC that synchronizes it)
// runs in a GrpcCode scope; MeshUp's part (the messages, the handler through
// RunServerCall) runs outside it, checked.
class NonBlockingUnaryHandler final : public grpc::internal::MethodHandler {
 public:
  NonBlockingUnaryHandler(Service& owner, const MethodInfo& method,
                          const Message& request_prototype, const Message& response_prototype,
                          UntypedUnaryHandler handler)
      : owner_(owner),
        method_(method),
        request_prototype_(request_prototype),
        response_prototype_(response_prototype),
        handler_(std::move(handler)),
        grpc_handler_(
            [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                   grpc::ByteBuffer* response) { return Serve(*context, *request, *response); }) {}

  void RunHandler(const HandlerParameter& param) override {
    GrpcCode in_grpc;
    grpc_handler_.RunHandler(param);
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    GrpcCode in_grpc;
    return grpc_handler_.Deserialize(call, request, status, handler_data);
  }

 private:
  // gRPC's reactor getter, called from RunHandler().
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext& context,
                                  const grpc::ByteBuffer& request_bytes,
                                  grpc::ByteBuffer& response_bytes) {
    grpc::Status status;
    grpc::ByteBuffer reply;
    {
      MeshUpCode checked;
      // gRPC made the request's bytes for this call alone, and only destroys
      // them after: parsing may empty them.
      status = Run(context, const_cast<grpc::ByteBuffer&>(request_bytes), reply);
    }
    if (status.ok()) response_bytes.Swap(&reply);
    grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  // MeshUp's part: the request's message, the handler, the reply's bytes.
  grpc::Status Run(grpc::CallbackServerContext& context, grpc::ByteBuffer& request_bytes,
                   grpc::ByteBuffer& reply) {
    const std::unique_ptr<Message> request(request_prototype_.New());
    absl::Status parsed = ParseMessage(request_bytes, *request);
    if (!parsed.ok()) return ToGrpcStatus(parsed);
    const std::unique_ptr<Message> response(response_prototype_.New());
    const grpc::Status status = RunServerCall(
        owner_, method_, context,
        [&](ServerContext& ctx) { return handler_(ctx, *request, *response); }, request.get(),
        response.get());
    if (!status.ok()) return status;
    if (absl::Status serialized = SerializeMessage(*response, reply); !serialized.ok()) {
      return ToGrpcStatus(serialized);
    }
    return status;
  }

  Service& owner_;
  const MethodInfo& method_;
  const Message& request_prototype_;
  const Message& response_prototype_;
  const UntypedUnaryHandler handler_;
  grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer> grpc_handler_;
};

}  // namespace

grpc::internal::MethodHandler* NewNonBlockingUnaryHandler(Service& owner, const MethodInfo& method,
                                                          const Message& request_prototype,
                                                          const Message& response_prototype,
                                                          UntypedUnaryHandler handler) {
  return new NonBlockingUnaryHandler(owner, method, request_prototype, response_prototype,
                                     std::move(handler));
}

}  // namespace meshup::internal
