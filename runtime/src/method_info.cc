#include "meshup/method_info.h"

namespace meshup {

absl::string_view RpcKindName(RpcKind kind) {
  switch (kind) {
    case RpcKind::kUnary:
      return "unary";
    case RpcKind::kServerStreaming:
      return "server_streaming";
    case RpcKind::kClientStreaming:
      return "client_streaming";
    case RpcKind::kBidiStreaming:
      return "bidi_streaming";
  }
  return "unknown";
}

const MethodInfo* ServiceInfo::FindMethod(absl::string_view path) const {
  for (const MethodInfo& method : methods) {
    if (method.path == path) return &method;
  }
  return nullptr;
}

}  // namespace meshup
