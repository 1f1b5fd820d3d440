#include "meshup/mesh.h"

#include <sys/stat.h>

#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "call/channel_impl.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "names.h"
#include "server_impl.h"

namespace meshup {
namespace {

// gRPC's health service and reflection are switched on process-wide, before
// the first server is built.
void EnableStandardServices() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });
}

}  // namespace

Channel::Channel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Channel::~Channel() = default;
absl::string_view Channel::target() const { return impl_->target; }

Mesh::Mesh(MeshOptions options) : options_(std::move(options)) {}
Mesh::~Mesh() = default;

absl::StatusOr<std::unique_ptr<Mesh>> Mesh::Create(MeshOptions options) {
  if (!internal::IsDns1123Label(options.service)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MeshOptions.service '", options.service,
        "' is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)"));
  }
  if (!internal::IsLabelValue(options.version) || options.version.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MeshOptions.version '", options.version,
        "' is not a label value (letters, digits, '-', '_' and '.', at most 63)"));
  }
  if (!internal::IsDns1123Label(options.namespace_name)) {
    return absl::InvalidArgumentError(absl::StrCat("MeshOptions.namespace_name '",
                                                   options.namespace_name,
                                                   "' is not a DNS-1123 label"));
  }
  if (!options.config_dir.empty()) {
    struct stat info;
    if (stat(options.config_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return absl::NotFoundError(absl::StrCat("MeshOptions.config_dir '", options.config_dir,
                                              "' is not a directory"));
    }
  }
  EnableStandardServices();
  return std::unique_ptr<Mesh>(new Mesh(std::move(options)));
}

absl::StatusOr<std::shared_ptr<Channel>> Mesh::Connect(absl::string_view target) {
  absl::Status valid = internal::ValidateHostPort(target);
  if (!valid.ok()) return valid;
  grpc::ChannelArguments args;
  // The mesh decides about retries itself (IDL and route policies); gRPC's
  // own retries would multiply them.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  auto impl = std::make_unique<Channel::Impl>();
  impl->target = std::string(target);
  impl->grpc_channel =
      grpc::CreateCustomChannel(impl->target, grpc::InsecureChannelCredentials(), args);
  return internal::ChannelAccess::Make(std::move(impl));
}

std::unique_ptr<Server> Mesh::NewServer(ServerOptions options) {
  return std::unique_ptr<Server>(new Server(std::make_unique<Server::Impl>(std::move(options))));
}

}  // namespace meshup
