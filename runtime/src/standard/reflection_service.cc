#include "standard/reflection_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace meshup::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// `file` and what it imports, transitively, into `files`.
void AddWithImports(const FileDescriptor* file, std::set<std::string>& files) {
  if (!files.insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddWithImports(file->dependency(i), files);
}

// Answers one request into `response` (whose other fields the caller sets).
// `sent`: the files already sent on this stream, which are not sent again
// as imports.
template <class Api>
void Answer(const ReflectionCatalog& catalog, const typename Api::Request& request,
            std::set<std::string>& sent, typename Api::Response& response) {
  const DescriptorPool& pool = *DescriptorPool::generated_pool();
  auto not_found = [&response](const std::string& what) {
    response.mutable_error_response()->set_error_code(
        static_cast<int>(absl::StatusCode::kNotFound));
    response.mutable_error_response()->set_error_message(absl::StrCat(what, " not found"));
  };
  // The file, and its imports not sent yet on this stream.
  auto send_file = [&](const FileDescriptor* file) {
    auto* files = response.mutable_file_descriptor_response();
    std::vector<const FileDescriptor*> pending = {file};
    while (!pending.empty()) {
      const FileDescriptor* next = pending.back();
      pending.pop_back();
      if (!sent.insert(next->name()).second && next != file) continue;
      google::protobuf::FileDescriptorProto proto;
      next->CopyTo(&proto);
      proto.SerializeToString(files->add_file_descriptor_proto());
      for (int i = 0; i < next->dependency_count(); ++i) pending.push_back(next->dependency(i));
    }
  };
  auto describable = [&catalog](const FileDescriptor* file) {
    return file != nullptr && catalog.Describes(file->name());
  };
  using Request = typename Api::Request;
  switch (request.message_request_case()) {
    case Request::kListServices:
      for (const std::string& name : catalog.services()) {
        response.mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    case Request::kFileByFilename: {
      const FileDescriptor* file = pool.FindFileByName(request.file_by_filename());
      if (!describable(file)) return not_found(absl::StrCat("file ", request.file_by_filename()));
      return send_file(file);
    }
    case Request::kFileContainingSymbol: {
      const FileDescriptor* file = pool.FindFileContainingSymbol(request.file_containing_symbol());
      if (!describable(file)) {
        return not_found(absl::StrCat("symbol ", request.file_containing_symbol()));
      }
      return send_file(file);
    }
    case Request::kFileContainingExtension: {
      const auto& wanted = request.file_containing_extension();
      const Descriptor* type = pool.FindMessageTypeByName(wanted.containing_type());
      const FieldDescriptor* extension =
          type != nullptr ? pool.FindExtensionByNumber(type, wanted.extension_number()) : nullptr;
      if (extension == nullptr || !describable(extension->file())) {
        return not_found(absl::StrCat("extension ", wanted.extension_number(), " of ",
                                      wanted.containing_type()));
      }
      return send_file(extension->file());
    }
    case Request::kAllExtensionNumbersOfType: {
      const Descriptor* type = pool.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr || !describable(type->file())) {
        return not_found(absl::StrCat("type ", request.all_extension_numbers_of_type()));
      }
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      std::vector<const FieldDescriptor*> extensions;
      pool.FindAllExtensions(type, &extensions);
      for (const FieldDescriptor* extension : extensions) {
        if (describable(extension->file())) numbers->add_extension_number(extension->number());
      }
      return;
    }
    case Request::MESSAGE_REQUEST_NOT_SET:
      break;
  }
  response.mutable_error_response()->set_error_code(
      static_cast<int>(absl::StatusCode::kUnimplemented));
  response.mutable_error_response()->set_error_message("the request asks for nothing known");
}

}  // namespace

ReflectionCatalog::ReflectionCatalog(const std::vector<std::string>& services)
    : services_(services) {
  for (const std::string& name : services_) {
    const auto* service = DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service != nullptr) AddWithImports(service->file(), files_);
  }
}

template <class Api>
absl::Status ReflectionService<Api>::ServerReflectionInfo(
    ServerContext&, ServerReaderWriter<typename Api::Request, typename Api::Response>& stream) {
  std::set<std::string> sent;
  typename Api::Request request;
  while (stream.Read(&request)) {
    typename Api::Response response;
    Answer<Api>(catalog_, request, sent, response);
    response.set_valid_host(request.host());
    *response.mutable_original_request() = std::move(request);
    if (!stream.Write(response)) break;
    request.Clear();
  }
  return absl::OkStatus();
}

template class ReflectionService<ReflectionV1>;
template class ReflectionService<ReflectionV1Alpha>;

}  // namespace meshup::internal
