// The view model of protoc-gen-meshup: what the templates see of a .proto.
//
// BuildFileView() reads a FileDescriptor and its mesh annotations
// (meshup/options.proto) into plain structs, validating the annotations on the
// way: a bad duration, an unknown retry code or an invalid mesh name is an
// error that names the .proto file, the service or method, and the option.
// The manifest generator reads the IDL through the same model;
// template_data.h turns it into what the Mustache templates render.
#ifndef MESHUP_CODEGEN_VIEW_MODEL_H_
#define MESHUP_CODEGEN_VIEW_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace meshup::codegen {

struct MethodView {
  std::string name;           // "GetReviews"
  std::string path;           // "/bookinfo.Reviews/GetReviews"
  std::string request_type;   // C++ type, fully qualified: "::bookinfo::GetReviewsRequest"
  std::string response_type;  // likewise
  bool client_streaming = false;
  bool server_streaming = false;
  // The IDL's timeout; absl::InfiniteDuration() when none is declared.
  absl::Duration timeout = absl::InfiniteDuration();
  int retry_attempts = 0;
  absl::Duration retry_per_try_timeout = absl::ZeroDuration();
  // absl::StatusCode enumerator names, e.g. "kUnavailable".
  std::vector<std::string> retry_on;
  bool idempotent = false;
  bool non_blocking = false;
  std::string http_verb;  // "GET", "POST", ... or empty when unmapped
  std::string http_path;
  std::string http_body;
  std::vector<std::string> comments;  // the leading comment, line by line
};

struct ServiceView {
  std::string name;       // "Reviews"
  std::string full_name;  // "bookinfo.Reviews"
  std::string mesh_name;  // "reviews"
  uint32_t port = 0;
  std::string service_account;  // defaults to the mesh name
  // Who may call the service: {namespace, service account}; an empty
  // namespace is the service's own. Empty: anyone (the IDL restricts nobody).
  struct Caller {
    std::string namespace_name;
    std::string service_account;
  };
  std::vector<Caller> allowed_callers;
  std::vector<std::string> comments;
  std::vector<MethodView> methods;
};

struct FileView {
  std::string proto_path;    // "bookinfo/reviews.proto", as protoc names it
  std::string base_name;     // "bookinfo/reviews": outputs are base_name + ".meshup.h" etc.
  std::string pb_header;     // "bookinfo/reviews.pb.h"
  std::string header_guard;  // "BOOKINFO_REVIEWS_MESHUP_H_"
  std::vector<std::string> namespaces;  // {"bookinfo"}
  std::vector<ServiceView> services;
};

absl::StatusOr<FileView> BuildFileView(const google::protobuf::FileDescriptor& file);

// The C++ name of a message type, fully qualified: "::pkg::Outer_Inner".
std::string CppTypeName(const google::protobuf::Descriptor& message);

}  // namespace meshup::codegen

#endif  // MESHUP_CODEGEN_VIEW_MODEL_H_
