// What MeshUp's client calls make of a server that answers bytes that are
// not the method's response, or no message at all: every call shape fails
// with a status (none succeeds with a half-parsed or empty response, and
// none takes the process down).
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc_adapter/handover.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "meshup/mesh.h"
#include "meshup_test/everything.meshup.h"

namespace meshup {
namespace {

using meshup_test::common::Echo;
using meshup_test::everything::Everything;
using ::testing::HasSubstr;

// A plain gRPC server, not MeshUp's: reads each call's messages up to the
// caller's half-close, then answers `reply`'s bytes (no message when empty)
// with status OK. One thread serves the calls one at a time, entirely in
// gRPC's code (a GrpcCode scope under ThreadSanitizer).
class RawServer {
 public:
  explicit RawServer(std::optional<std::string> reply) : reply_(std::move(reply)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterAsyncGenericService(&service_);
    queue_ = builder.AddCompletionQueue();
    server_ = builder.BuildAndStart();
    thread_ = std::thread([this] {
      internal::GrpcCode in_grpc;
      Serve();
    });
  }
  // The server stops first: its pending RequestCall() and a call in
  // progress fail, so Serve() returns; only then does the queue shut down
  // (a RequestCall() on a shut-down queue would abort), and is drained.
  ~RawServer() {
    server_->Shutdown(std::chrono::system_clock::now());
    thread_.join();
    queue_->Shutdown();
    internal::GrpcCode in_grpc;
    void* tag;
    bool ok;
    while (queue_->Next(&tag, &ok)) {
    }
  }
  int port() const { return port_; }

 private:
  // Waits for the one operation in flight; false when it failed or the
  // server is stopping.
  bool Done() {
    void* tag;
    bool ok = false;
    return queue_->Next(&tag, &ok) && ok;
  }

  void Serve() {
    while (true) {
      grpc::GenericServerContext context;
      grpc::GenericServerAsyncReaderWriter stream(&context);
      service_.RequestCall(&context, &stream, queue_.get(), queue_.get(), this);
      if (!Done()) break;
      grpc::ByteBuffer request;
      do {
        stream.Read(&request, this);
      } while (Done());
      if (reply_) {
        grpc::Slice slice(*reply_);
        stream.WriteAndFinish(grpc::ByteBuffer(&slice, 1), grpc::WriteOptions(), grpc::Status::OK,
                              this);
      } else {
        stream.Finish(grpc::Status::OK, this);
      }
      Done();
    }
  }

  const std::optional<std::string> reply_;
  int port_ = 0;
  grpc::AsyncGenericService service_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::unique_ptr<grpc::Server> server_;
  std::thread thread_;
};

// A length-delimited field 1 announcing 5 bytes and carrying 2.
constexpr char kTruncated[] = {0x0a, 0x05, 'a', 'b'};

class RawResponseTest : public ::testing::Test {
 protected:
  void Connect(const RawServer& server) {
    MeshOptions options;
    options.service = "raw-response-test";
    auto mesh = Mesh::Create(options);
    ASSERT_TRUE(mesh.ok()) << mesh.status();
    mesh_ = *std::move(mesh);
    auto channel = mesh_->Connect(absl::StrCat("127.0.0.1:", server.port()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    client_ = std::make_unique<Everything::Client>(*channel);
  }

  // EchoAsync's status, once its callback ran (at most 10 s).
  absl::Status EchoAsync() {
    struct Result {
      std::mutex mu;
      std::condition_variable called;
      std::optional<absl::Status> status;  // guarded by mu
    };
    auto result = std::make_shared<Result>();
    client_->EchoAsync(Echo(), [result](absl::StatusOr<Echo> reply) {
      std::lock_guard<std::mutex> lock(result->mu);
      result->status = reply.status();
      result->called.notify_all();
    });
    std::unique_lock<std::mutex> lock(result->mu);
    if (!result->called.wait_for(lock, std::chrono::seconds(10),
                                 [&] { return result->status.has_value(); })) {
      return absl::DeadlineExceededError("the callback did not run");
    }
    return *result->status;
  }

  // A server stream (Range) read to its end; Finish()'s status.
  absl::Status Range() {
    auto reader = client_->Range(meshup_test::everything::CountRequest());
    Echo echo;
    while (reader->Read(&echo)) {
    }
    return reader->Finish();
  }

  // A client stream (Join) of one message; Finish()'s status.
  absl::Status Join() {
    auto writer = client_->Join();
    EXPECT_TRUE(writer->Write(Echo()));
    return writer->Finish().status();
  }

  // Last: the client's calls end before the mesh goes.
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<Everything::Client> client_;
};

TEST_F(RawResponseTest, ABadResponseFailsEveryCallShapeWithInternal) {
  RawServer server{std::string(kTruncated, sizeof(kTruncated))};
  ASSERT_NO_FATAL_FAILURE(Connect(server));
  const absl::Status blocking = client_->Echo(Echo()).status();
  EXPECT_EQ(blocking.code(), absl::StatusCode::kInternal) << blocking;
  EXPECT_THAT(blocking.message(), HasSubstr("cannot parse a meshup_test.common.Echo"));
  const absl::Status async = EchoAsync();
  EXPECT_EQ(async.code(), absl::StatusCode::kInternal) << async;
  const absl::Status joined = Join();
  EXPECT_EQ(joined.code(), absl::StatusCode::kInternal) << joined;
  // A stream's message that cannot be parsed fails the stream, whatever
  // status the server sent after it.
  const absl::Status ranged = Range();
  EXPECT_EQ(ranged.code(), absl::StatusCode::kInternal) << ranged;
  EXPECT_THAT(ranged.message(), HasSubstr("cannot parse a meshup_test.common.Echo"));
}

TEST_F(RawResponseTest, AnOkCallWithoutAResponseFailsEveryCallShapeAsUnimplemented) {
  RawServer server{std::nullopt};
  ASSERT_NO_FATAL_FAILURE(Connect(server));
  const absl::Status blocking = client_->Echo(Echo()).status();
  EXPECT_EQ(blocking.code(), absl::StatusCode::kUnimplemented) << blocking;
  const absl::Status async = EchoAsync();
  EXPECT_EQ(async.code(), absl::StatusCode::kUnimplemented) << async;
  const absl::Status joined = Join();
  EXPECT_EQ(joined.code(), absl::StatusCode::kUnimplemented) << joined;
}

}  // namespace
}  // namespace meshup
