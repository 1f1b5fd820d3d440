// A generated client calling a generated server over loopback, each call
// shape once. Run: build/samples/greeter/greeter_demo
#include <cstdio>
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "greeter.meshup.h"
#include "meshup/environment.h"
#include "meshup/mesh.h"

namespace {

class GreeterService final : public greeter::Greeter::Service {
 public:
  absl::Status SayHello(meshup::ServerContext&, const greeter::HelloRequest& request,
                        greeter::HelloReply& reply) override {
    reply.set_message(absl::StrCat("Hello, ", request.name(), "!"));
    return absl::OkStatus();
  }
  absl::Status SayHelloRepeatedly(meshup::ServerContext&, const greeter::HelloRequest& request,
                                  meshup::ServerWriter<greeter::HelloReply>& writer) override {
    for (int i = 1; i <= 3; ++i) {
      greeter::HelloReply reply;
      reply.set_message(absl::StrCat("Hello #", i, ", ", request.name(), "!"));
      if (!writer.Write(reply)) break;
    }
    return absl::OkStatus();
  }
  absl::Status SayHelloToAll(meshup::ServerContext&,
                             meshup::ServerReader<greeter::HelloRequest>& reader,
                             greeter::HelloReply& reply) override {
    std::string names;
    greeter::HelloRequest request;
    while (reader.Read(&request))
      absl::StrAppend(&names, names.empty() ? "" : " and ", request.name());
    reply.set_message(absl::StrCat("Hello, ", names, "!"));
    return absl::OkStatus();
  }
  absl::Status Chat(
      meshup::ServerContext&,
      meshup::ServerReaderWriter<greeter::HelloRequest, greeter::HelloReply>& stream) override {
    greeter::HelloRequest request;
    while (stream.Read(&request)) {
      greeter::HelloReply reply;
      reply.set_message(absl::StrCat("Hi, ", request.name()));
      if (!stream.Write(reply)) break;
    }
    return absl::OkStatus();
  }
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "greeter_demo: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main() {
  // mTLS is on by default: the identity comes from MESHUP_IDENTITY_DIR
  // (`meshup ca issue --service-account greeter --out DIR`).
  meshup::MeshOptions defaults;
  defaults.service = "greeter";
  absl::StatusOr<meshup::MeshOptions> options = meshup::MeshOptionsFromEnvironment(defaults);
  if (!options.ok()) return Fail(options.status());
  absl::StatusOr<std::unique_ptr<meshup::Mesh>> mesh = meshup::Mesh::Create(*options);
  if (!mesh.ok()) return Fail(mesh.status());

  GreeterService service;
  std::unique_ptr<meshup::Server> server = (*mesh)->NewServer();
  if (absl::Status added = server->AddService(service); !added.ok()) return Fail(added);
  absl::StatusOr<int> port = server->Start();
  if (!port.ok()) return Fail(port.status());
  std::printf("greeter server listening on 127.0.0.1:%d\n", *port);

  absl::StatusOr<std::shared_ptr<meshup::Channel>> channel =
      (*mesh)->Connect(absl::StrCat("127.0.0.1:", *port));
  if (!channel.ok()) return Fail(channel.status());
  greeter::Greeter::Client client(*channel);

  greeter::HelloRequest request;
  request.set_name("world");
  absl::StatusOr<greeter::HelloReply> reply = client.SayHello(request);
  if (!reply.ok()) return Fail(reply.status());
  std::printf("unary:            %s\n", reply->message().c_str());

  std::promise<absl::Status> async_done;
  client.SayHelloAsync(request, [&](absl::StatusOr<greeter::HelloReply> async_reply) {
    if (async_reply.ok()) {
      std::printf("async unary:      %s\n", async_reply->message().c_str());
    }
    async_done.set_value(async_reply.status());
  });
  if (absl::Status async_status = async_done.get_future().get(); !async_status.ok()) {
    return Fail(async_status);
  }

  auto reader = client.SayHelloRepeatedly(request);
  greeter::HelloReply streamed;
  while (reader->Read(&streamed)) std::printf("server streaming: %s\n", streamed.message().c_str());
  if (absl::Status finished = reader->Finish(); !finished.ok()) return Fail(finished);

  auto writer = client.SayHelloToAll();
  for (const char* name : {"Ada", "Grace", "Barbara"}) {
    request.set_name(name);
    writer->Write(request);
  }
  absl::StatusOr<greeter::HelloReply> all = writer->Finish();
  if (!all.ok()) return Fail(all.status());
  std::printf("client streaming: %s\n", all->message().c_str());

  auto chat = client.Chat();
  for (const char* name : {"Linus", "Ken"}) {
    request.set_name(name);
    chat->Write(request);
    if (chat->Read(&streamed)) std::printf("bidi streaming:   %s\n", streamed.message().c_str());
  }
  chat->WritesDone();
  if (absl::Status finished = chat->Finish(); !finished.ok()) return Fail(finished);

  server->Shutdown();
  std::printf("greeter demo: all calls succeeded\n");
  return 0;
}
