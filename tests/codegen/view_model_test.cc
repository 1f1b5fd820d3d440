#include "codegen/view_model.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto_importer.h"

namespace meshup::codegen {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ViewModelTest : public ::testing::Test {
 protected:
  FileView Build(const std::string& path) {
    auto file = importer_.Import(path);
    EXPECT_TRUE(file.ok()) << file.status();
    auto view = BuildFileView(**file);
    EXPECT_TRUE(view.ok()) << view.status();
    return *view;
  }

  // Builds a view of a one-service file whose method carries `method_options`
  // and whose service carries `service_options`; returns the error, if any.
  absl::Status BuildWith(const std::string& service_options, const std::string& method_options) {
    static int counter = 0;
    const std::string name = "case" + std::to_string(++counter) + ".proto";
    auto file = importer_.ImportText(name, R"(
syntax = "proto3";
package cases;
import "meshup/options.proto";
import "google/protobuf/empty.proto";
service Case {
  )" + service_options + R"(
  rpc Call(google.protobuf.Empty) returns (google.protobuf.Empty) {
    )" + method_options + R"(
  }
}
)");
    EXPECT_TRUE(file.ok()) << file.status();
    return BuildFileView(**file).status();
  }

  testing::ProtoImporter importer_;
};

TEST_F(ViewModelTest, NamesFilesAfterTheProto) {
  FileView view = Build("meshup_test/everything.proto");
  EXPECT_EQ(view.proto_path, "meshup_test/everything.proto");
  EXPECT_EQ(view.base_name, "meshup_test/everything");
  EXPECT_EQ(view.pb_header, "meshup_test/everything.pb.h");
  EXPECT_EQ(view.header_guard, "MESHUP_TEST_EVERYTHING_MESHUP_H_");
  EXPECT_THAT(view.namespaces, ElementsAre("meshup_test", "everything"));
}

TEST_F(ViewModelTest, ReadsServiceOptions) {
  FileView view = Build("meshup_test/everything.proto");
  ASSERT_EQ(view.services.size(), 3u);
  const ServiceView& service = view.services[0];
  EXPECT_EQ(service.name, "Everything");
  EXPECT_EQ(service.full_name, "meshup_test.everything.Everything");
  EXPECT_EQ(service.mesh_name, "everything");
  EXPECT_EQ(service.port, 7070u);
  EXPECT_EQ(service.service_account, "everything-sa");
}

TEST_F(ViewModelTest, DefaultsMeshNameAndServiceAccountToTheLowercasedName) {
  FileView view = Build("meshup_test/everything.proto");
  const ServiceView& plain = view.services[1];
  EXPECT_EQ(plain.mesh_name, "plain");
  EXPECT_EQ(plain.service_account, "plain");
  EXPECT_EQ(plain.port, 0u);
}

TEST_F(ViewModelTest, ReadsMethodOptions) {
  FileView view = Build("meshup_test/everything.proto");
  const MethodView& count = view.services[0].methods[1];
  EXPECT_EQ(count.name, "Count");
  EXPECT_EQ(count.path, "/meshup_test.everything.Everything/Count");
  EXPECT_EQ(count.timeout, absl::Seconds(3));
  EXPECT_TRUE(count.idempotent);
  EXPECT_EQ(count.retry_attempts, 3);
  EXPECT_EQ(count.retry_per_try_timeout, absl::Milliseconds(300));
  EXPECT_THAT(count.retry_on, ElementsAre("kUnavailable", "kResourceExhausted"));

  EXPECT_FALSE(count.non_blocking);

  const MethodView& once = view.services[0].methods[2];
  EXPECT_EQ(once.timeout, absl::InfiniteDuration());
  EXPECT_FALSE(once.idempotent);
  EXPECT_EQ(once.retry_attempts, 0);

  const MethodView& quick = view.services[0].methods[9];
  EXPECT_EQ(quick.name, "QuickEcho");
  EXPECT_TRUE(quick.non_blocking);
}

TEST_F(ViewModelTest, ReadsHttpMapping) {
  FileView view = Build("meshup_test/everything.proto");
  const MethodView& echo = view.services[0].methods[0];
  EXPECT_EQ(echo.http_verb, "POST");
  EXPECT_EQ(echo.http_path, "/v1/echo");
  EXPECT_EQ(echo.http_body, "*");
}

TEST_F(ViewModelTest, NamesTypesAsProtocsCppGeneratorDoes) {
  FileView view = Build("meshup_test/everything.proto");
  const MethodView& echo = view.services[0].methods[0];
  EXPECT_EQ(echo.request_type, "::meshup_test::common::Echo");
  const MethodView& nest = view.services[0].methods[4];
  EXPECT_EQ(nest.request_type, "::meshup_test::everything::Outer");
  EXPECT_EQ(nest.response_type, "::meshup_test::everything::Outer_Inner");
  const MethodView& missing = view.services[0].methods[8];
  EXPECT_EQ(missing.request_type, "::google::protobuf::Empty");

  FileView global = Build("nopackage.proto");
  EXPECT_TRUE(global.namespaces.empty());
  EXPECT_EQ(global.services[0].methods[0].request_type, "::PingRequest");
}

TEST_F(ViewModelTest, ReadsCallShapes) {
  FileView view = Build("meshup_test/everything.proto");
  const auto& methods = view.services[0].methods;
  EXPECT_FALSE(methods[0].client_streaming || methods[0].server_streaming);  // Echo
  EXPECT_TRUE(methods[5].server_streaming && !methods[5].client_streaming);  // Range
  EXPECT_TRUE(methods[6].client_streaming && !methods[6].server_streaming);  // Join
  EXPECT_TRUE(methods[7].client_streaming && methods[7].server_streaming);   // Chat
}

TEST_F(ViewModelTest, CarriesCommentsOver) {
  FileView view = Build("meshup_test/everything.proto");
  EXPECT_THAT(view.services[0].comments,
              ElementsAre(" Exercises every call shape.",
                          " Comments keep <angle brackets>, \"quotes\" & ampersands as written."));
  EXPECT_THAT(view.services[0].methods[0].comments, ElementsAre(" Echoes the text back."));
  EXPECT_THAT(view.services[1].comments,
              ElementsAre(" A second service in the same file, with no options at all."));
  EXPECT_TRUE(view.services[1].methods[0].comments.empty());
}

TEST_F(ViewModelTest, RefusesAnUnparsableTimeout) {
  absl::Status status = BuildWith("", R"(option (meshup.method) = { timeout: "2 seconds" };)");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("case"));
  EXPECT_THAT(status.message(), HasSubstr("service Case, method Call"));
  EXPECT_THAT(status.message(), HasSubstr("(meshup.method).timeout"));
  EXPECT_THAT(status.message(), HasSubstr("'2 seconds' is not a positive duration"));
}

TEST_F(ViewModelTest, RefusesANegativeTimeout) {
  absl::Status status = BuildWith("", R"(option (meshup.method) = { timeout: "-1s" };)");
  EXPECT_THAT(status.message(), HasSubstr("'-1s' is not a positive duration"));
}

TEST_F(ViewModelTest, RefusesAnUnparsablePerTryTimeout) {
  absl::Status status = BuildWith(
      "",
      R"(option (meshup.method) = { idempotent: true retry: { attempts: 2 per_try_timeout: "soon" } };)");
  EXPECT_THAT(status.message(), HasSubstr("(meshup.method).retry.per_try_timeout: 'soon'"));
}

TEST_F(ViewModelTest, RefusesAnUnknownRetryCode) {
  absl::Status status = BuildWith(
      "",
      R"(option (meshup.method) = { idempotent: true retry: { attempts: 2 retry_on: ["5xx"] } };)");
  EXPECT_THAT(status.message(), HasSubstr("retry_on has '5xx'; expected one of cancelled"));
}

TEST_F(ViewModelTest, RefusesRetriesOfANonIdempotentMethod) {
  absl::Status status = BuildWith("", R"(option (meshup.method) = { retry: { attempts: 3 } };)");
  EXPECT_THAT(status.message(), HasSubstr("asks for 3 attempts but the method is not idempotent"));
}

TEST_F(ViewModelTest, RefusesANonBlockingStream) {
  auto file = importer_.ImportText("non_blocking_stream.proto", R"(
syntax = "proto3";
package cases;
import "meshup/options.proto";
import "google/protobuf/empty.proto";
service Feed {
  rpc Watch(google.protobuf.Empty) returns (stream google.protobuf.Empty) {
    option (meshup.method) = { non_blocking: true };
  }
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::Status status = BuildFileView(**file).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("service Feed, method Watch"));
  EXPECT_THAT(status.message(),
              HasSubstr("(meshup.method).non_blocking is set on a streaming method"));
}

TEST_F(ViewModelTest, RefusesTooManyAttempts) {
  absl::Status status =
      BuildWith("", R"(option (meshup.method) = { idempotent: true retry: { attempts: 11 } };)");
  EXPECT_THAT(status.message(), HasSubstr("retry.attempts is 11; at most 10"));
}

TEST_F(ViewModelTest, RefusesAnHttpRuleWithoutVerb) {
  absl::Status status = BuildWith("", R"(option (meshup.method) = { http: { body: "*" } };)");
  EXPECT_THAT(status.message(), HasSubstr("(meshup.method).http sets no verb"));
}

TEST_F(ViewModelTest, RefusesAnHttpPathWithoutLeadingSlash) {
  absl::Status status = BuildWith("", R"(option (meshup.method) = { http: { get: "v1/x" } };)");
  EXPECT_THAT(status.message(), HasSubstr("http path 'v1/x' must start with '/'"));
}

TEST_F(ViewModelTest, RefusesAMeshNameThatIsNotADnsLabel) {
  absl::Status status = BuildWith(R"(option (meshup.service) = { name: "My_Service" };)", "");
  EXPECT_THAT(status.message(),
              HasSubstr("service Case: mesh name 'My_Service' is not a DNS-1123"));
}

TEST_F(ViewModelTest, RefusesAPortAbove65535) {
  absl::Status status = BuildWith(R"(option (meshup.service) = { port: 70000 };)", "");
  EXPECT_THAT(status.message(), HasSubstr("(meshup.service).port is 70000"));
}

TEST_F(ViewModelTest, RefusesAServiceAccountThatIsNotADnsLabel) {
  absl::Status status =
      BuildWith(R"(option (meshup.service) = { service_account: "Bad Account" };)", "");
  EXPECT_THAT(status.message(), HasSubstr("service_account 'Bad Account' is not a DNS-1123"));
}

TEST_F(ViewModelTest, ReadsAllowedCallers) {
  auto file = importer_.ImportText("callers.proto", R"(
syntax = "proto3";
package cases;
import "meshup/options.proto";
import "google/protobuf/empty.proto";
service Guarded {
  option (meshup.service) = { allowed_callers: ["frontend", "ops/auditor"] };
  rpc Call(google.protobuf.Empty) returns (google.protobuf.Empty);
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<FileView> view = BuildFileView(**file);
  ASSERT_TRUE(view.ok()) << view.status();
  const auto& callers = view->services[0].allowed_callers;
  ASSERT_EQ(callers.size(), 2u);
  EXPECT_EQ(callers[0].namespace_name, "");
  EXPECT_EQ(callers[0].service_account, "frontend");
  EXPECT_EQ(callers[1].namespace_name, "ops");
  EXPECT_EQ(callers[1].service_account, "auditor");
}

TEST_F(ViewModelTest, RefusesABadAllowedCaller) {
  for (const char* bad : {"Front End", "a/b/c", "/sa", "ns/"}) {
    testing::ProtoImporter importer;  // each case declares the same service
    auto file = importer.ImportText("bad_caller.proto", absl::StrCat(R"(
syntax = "proto3";
package cases;
import "meshup/options.proto";
service Guarded {
  option (meshup.service) = { allowed_callers: [")",
                                                                     bad, R"("] };
}
)"));
    ASSERT_TRUE(file.ok()) << file.status();
    absl::Status status = BuildFileView(**file).status();
    EXPECT_THAT(status.message(),
                HasSubstr(absl::StrCat("(meshup.service).allowed_callers has '", bad, "'")))
        << bad;
  }
}

TEST_F(ViewModelTest, RefusesAMethodNamedLikeAGeneratedMember) {
  auto file = importer_.ImportText("clash.proto", R"(
syntax = "proto3";
import "google/protobuf/empty.proto";
service Catalog {
  rpc Info(google.protobuf.Empty) returns (google.protobuf.Empty);
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(BuildFileView(**file).status().message(),
              HasSubstr("service Catalog, method Info: the generated Catalog already has a member "
                        "of that name"));
}

TEST_F(ViewModelTest, RefusesAMethodThatClashesWithAnAsyncTwin) {
  auto file = importer_.ImportText("twin.proto", R"(
syntax = "proto3";
import "google/protobuf/empty.proto";
service Catalog {
  rpc Get(google.protobuf.Empty) returns (google.protobuf.Empty);
  rpc GetAsync(google.protobuf.Empty) returns (google.protobuf.Empty);
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(BuildFileView(**file).status().message(),
              HasSubstr("method GetAsync: clashes with the asynchronous form of method Get"));
}

TEST_F(ViewModelTest, RefusesLiteRuntimeFiles) {
  auto file = importer_.ImportText("lite.proto", R"(
syntax = "proto3";
option optimize_for = LITE_RUNTIME;
import "google/protobuf/empty.proto";
service Catalog {
  rpc Get(google.protobuf.Empty) returns (google.protobuf.Empty);
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(BuildFileView(**file).status().message(),
              HasSubstr("lite.proto: option optimize_for = LITE_RUNTIME is not supported"));
}

}  // namespace
}  // namespace meshup::codegen
